// Grading a challenge ([Z6]–[Z8]): the learner's design, with the challenge's goal (its
// invariants) and workload (its schedule) put back as the challenge states them, run by the
// chaos explorer ([Z1]–[Z5]) over the challenge's fault kinds, seed and number of schedules.
// Pass: every schedule holds. Fail: the shrunk breaking schedule, as a session to open.
// Pure and deterministic, like the engine: Node tests grade every challenge the same way the
// worker does for the learner.
import { createEngine } from '../engine/engine.ts';
import { Explorer, type Finding } from '../engine/explore.ts';
import { FAULT_KINDS, type FaultKind } from '../engine/explore-kinds.ts';
import { restoreScenario, type FieldError, type Invariant, type Scenario, type Scheduled } from '../engine/scenario.ts';
import { SESSION_FORMAT, SESSION_VERSION } from '../engine/session.ts';

/** The faults a design must survive: which kinds, how many schedules, with which seed. */
export interface Budget {
  kinds: FaultKind[];
  /** Schedules to try; a pass means every one of them held. */
  schedules: number;
  /** The explorer's seed, and the seed of every run. */
  seed: number;
  /** Most faults in one schedule. */
  maxFaults: number;
}

/** What grading needs of a challenge: the goal and workload (from its start) and the budget. */
export interface GradeSpec {
  invariants: Invariant[];
  schedule: Scheduled[];
  budget: Budget;
}

export interface GradeReport {
  /** `running`: more schedules to try; `cannot`: the design cannot be graded (see `problem`). */
  verdict: 'running' | 'pass' | 'fail' | 'cannot';
  tried: number;
  total: number;
  /** Schedules that held, counted per kind of fault they held. */
  survived: Record<FaultKind, number>;
  finding: Finding | null;
  problem: string | null;
}

/**
 * [Z6] The scenario that is graded: the design with the challenge's invariants and schedule
 * instead of its own (a learner cannot pass by deleting the goal or the workload), through
 * restoreScenario like every scenario. An error says which part of the goal no longer fits.
 */
export function gradedScenario(design: Scenario, spec: Pick<GradeSpec, 'invariants' | 'schedule'>): { ok: true; scenario: Scenario } | { ok: false; problem: string } {
  const edges = design.edges.map(({ id, ...e }) => (id === `${e.source}->${e.target}` ? e : { id, ...e }));
  const r = restoreScenario({ ...design, edges, invariants: spec.invariants, schedule: spec.schedule });
  if (r.ok) return { ok: true, scenario: r.value };
  const what = (e: FieldError) => {
    const m = /^(invariants|schedule)\[(\d+)\]/.exec(e.path);
    if (!m) return `${e.path}: ${e.message}`;
    const i = Number(m[2]);
    const part = m[1] === 'invariants' ? `the goal “${spec.invariants[i]?.label ?? spec.invariants[i]?.kind}”` : `the challenge's workload (${spec.schedule[i]?.kind} ${spec.schedule[i]?.node} at ${spec.schedule[i]?.at} ms)`;
    return `${part} does not fit your design: ${e.message}`;
  };
  return { ok: false, problem: `${r.errors.slice(0, 3).map(what).join('; ')}. Put the node back as it was (or reset the challenge) and grade again` };
}

const noneSurvived = () => Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;

/** Grades one design, a chunk of schedules at a time (so the UI can show progress and stop). */
export class Grader {
  private readonly explorer: Explorer | null = null;
  private readonly total: number;
  private readonly first: GradeReport | null = null;

  constructor(design: Scenario, spec: GradeSpec, maxSteps = 20_000) {
    const b = spec.budget;
    this.total = b.schedules;
    const g = gradedScenario(design, spec);
    if (!g.ok) {
      this.first = { verdict: 'cannot', tried: 0, total: this.total, survived: noneSurvived(), finding: null, problem: g.problem };
      return;
    }
    // [Z7] A design that breaks the goal without any fault fails with that run (no faults).
    const base = createEngine(g.scenario, { seed: b.seed, inputs: [], trace: false });
    base.runUntilIdle(maxSteps);
    const broken = base.invariantStatus().find((s) => s.status === 'broken');
    if (broken) {
      const brokeAt = broken.brokeAt ?? 0;
      const finding: Finding = {
        faults: [],
        invariant: broken.label,
        message: broken.message ?? '',
        brokeAt,
        session: { format: SESSION_FORMAT, version: SESSION_VERSION, scenario: g.scenario, seed: b.seed, inputs: [], step: brokeAt + 1 },
      };
      this.first = { verdict: 'fail', tried: 0, total: this.total, survived: noneSurvived(), finding, problem: null };
      return;
    }
    this.explorer = new Explorer(g.scenario, b.seed, [], { kinds: b.kinds, seed: b.seed, maxFaults: b.maxFaults, maxSteps });
    const problem = this.explorer.progress.problem;
    if (problem) this.first = { verdict: 'cannot', tried: 0, total: this.total, survived: noneSurvived(), finding: null, problem };
  }

  /** Tries up to `count` more schedules (never past the budget) and says where grading is ([Z8]). */
  step(count: number): GradeReport {
    if (this.first) return this.first;
    const ex = this.explorer!;
    const left = this.total - ex.progress.tried;
    const p = left > 0 && !ex.progress.finding ? ex.explore(Math.min(count, left)) : ex.progress;
    const verdict = p.finding ? 'fail' : p.tried >= this.total ? 'pass' : 'running';
    return { verdict, tried: p.tried, total: this.total, survived: { ...p.survived }, finding: p.finding, problem: null };
  }
}

/** Grades a design to the end: what the tests (and a learner's whole grading) come to. */
export function grade(design: Scenario, spec: GradeSpec): GradeReport {
  const g = new Grader(design, spec);
  let r = g.step(spec.budget.schedules);
  while (r.verdict === 'running') r = g.step(spec.budget.schedules);
  return r;
}
