// The chaos explorer ([Z1]–[Z5]): which faults break this design? For a scenario (and the
// learner's recorded inputs), it draws schedules of faults with its own seeded PRNG, runs
// each one headless (trace off) against the scenario's invariants, and when one breaks an
// invariant shrinks it to the fewest faults that still break it. A schedule is a list of
// scheduled actions ([X5]), so the run it finds opens as an ordinary session whose trace
// reads "As scheduled, the scenario crashed …". Pure and deterministic, like the engine.
import { createEngine } from './engine.ts';
import { Prng } from './prng.ts';
import type { Input, Intent } from './inputs.ts';
import type { Scenario } from './scenario.ts';
import { SESSION_FORMAT, SESSION_VERSION, type Session } from './session.ts';

export { FAULT_KINDS, FAULT_WORDS, type FaultKind } from './explore-kinds.ts';
import { FAULT_KINDS, type FaultKind } from './explore-kinds.ts';

/** One fault of a schedule: a scheduled action at logical time `at`, with the kind it was drawn as. */
export type ScheduledFault = Intent & { at: number; fault: FaultKind };

export interface ExploreOptions {
  /** Kinds to draw from (default: all). */
  kinds?: readonly FaultKind[];
  /** The explorer's own seed (the runs keep the session's). */
  seed?: number;
  /** Most faults in one schedule (default 3). */
  maxFaults?: number;
  /** Most steps of one run (default 20,000): a run still busy then is not judged. */
  maxSteps?: number;
}

export interface Finding {
  faults: ScheduledFault[];
  /** The invariant it broke (its label) and why. */
  invariant: string;
  message: string;
  /** The step that broke it. */
  brokeAt: number;
  /** The run, as a session: the scenario with the faults scheduled, at the step after the break. */
  session: Session;
}

export interface Progress {
  tried: number;
  /** Schedules that survived, counted per kind of fault they held. */
  survived: Record<FaultKind, number>;
  finding: Finding | null;
  /** Why exploring cannot start or go on, or null. */
  problem: string | null;
}

interface Target {
  consumers: string[];
  /** Producers with the crash points their pattern has ([O4]). */
  producers: { id: string; points: ('now' | 'after-save' | 'after-publish')[] }[];
  channels: string[];
  edges: { source: string; target: string }[];
  publishes: { source: string; target: string }[];
  /** Transactional consumers ([TX1]). */
  transactional: Set<string>;
  /** Services, which crash like consumers ([RR6]). */
  services: string[];
  /** Brokers that can fail: a queue's (a restart, [DU1]) or a replicated topic's ([KR5]). */
  brokers: { id: string; replicas: number }[];
  /** Per consumer, (time, event id) of events it handled in the fault-free run. */
  handled: Map<string, { time: number; event: string }[]>;
}

export class Explorer {
  private readonly prng: Prng;
  private readonly kinds: FaultKind[];
  private readonly maxFaults: number;
  private readonly maxSteps: number;
  private readonly target: Target;
  /** How long the fault-free run lasts (logical ms), so faults land while things happen. */
  private readonly span: number;
  readonly progress: Progress;

  constructor(
    private readonly scenario: Scenario,
    private readonly seed: number,
    private readonly inputs: readonly Input[],
    options: ExploreOptions = {},
  ) {
    this.prng = new Prng((options.seed ?? 1) >>> 0);
    this.kinds = [...(options.kinds ?? FAULT_KINDS)];
    this.maxFaults = Math.max(1, options.maxFaults ?? 3);
    this.maxSteps = options.maxSteps ?? 20_000;
    this.progress = { tried: 0, survived: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>, finding: null, problem: null };
    const nodes = new Map(scenario.nodes.map((n) => [n.id, n.kind]));
    const channels = scenario.nodes.filter((n) => n.kind === 'topic' || n.kind === 'queue').map((n) => n.id);
    this.target = {
      consumers: scenario.nodes.filter((n) => n.kind === 'consumer' || n.kind === 'projection').map((n) => n.id),
      producers: scenario.nodes.flatMap((n) =>
        n.kind === 'producer' ? [{ id: n.id, points: n.config.pattern === 'outbox' ? ['now', 'after-save', 'after-publish'] : n.config.pattern === 'dual-write' ? ['now', 'after-save'] : ['now'] }] : [],
      ) as Target['producers'],
      channels,
      edges: scenario.edges.map((e) => ({ source: e.source, target: e.target })),
      publishes: scenario.edges.filter((e) => nodes.get(e.source) === 'producer' && channels.includes(e.target)).map((e) => ({ source: e.source, target: e.target })),
      handled: new Map(),
      transactional: new Set(scenario.nodes.flatMap((n) => (n.kind === 'consumer' && n.config.transactional ? [n.id] : []))),
      services: scenario.nodes.filter((n) => n.kind === 'service').map((n) => n.id),
      brokers: scenario.nodes.flatMap((n) => (n.kind === 'queue' ? [{ id: n.id, replicas: 0 }] : n.kind === 'topic' && (n.config.replicationFactor ?? 1) > 1 ? [{ id: n.id, replicas: n.config.replicationFactor! }] : [])),
    };
    // [Z2] The fault-free run: where faults can strike, and it must itself hold.
    const base = createEngine(scenario, { seed, inputs, trace: true });
    base.runUntilIdle(this.maxSteps);
    this.span = Math.max(1, base.time);
    for (const st of base.steps()) {
      if (st.kind !== 'handle' || !st.node || !st.eventId) continue;
      const list = this.target.handled.get(st.node) ?? [];
      list.push({ time: st.time, event: st.eventId });
      this.target.handled.set(st.node, list);
    }
    const broken = base.invariantStatus().find((s) => s.status === 'broken');
    if ((scenario.invariants ?? []).length === 0) this.progress.problem = 'the scenario has no invariants to break: add one (Invariants → Add invariant) to say what must hold';
    else if (broken) this.progress.problem = `"${broken.label}" already breaks without any fault (at step ${broken.brokeAt}): fix that first`;
    else if (this.kinds.length === 0) this.progress.problem = 'choose at least one kind of fault';
    else if (!this.kinds.some((k) => this.candidates(k))) this.progress.problem = 'none of these kinds of fault has anything to strike in this scenario';
  }

  /** Tries up to `count` more schedules; stops at the first that breaks an invariant, shrunk ([Z3], [Z4]). */
  explore(count: number): Progress {
    const p = this.progress;
    if (p.problem || p.finding) return p;
    for (let i = 0; i < count; i++) {
      const faults = this.draw();
      p.tried++;
      const broke = this.run(faults);
      if (broke) {
        p.finding = this.shrink(faults, broke.invariant);
        return p;
      }
      for (const k of new Set(faults.map((f) => f.fault))) p.survived[k]++;
    }
    return p;
  }

  /** Runs one schedule; the first invariant it breaks, or null. */
  run(faults: readonly ScheduledFault[]): { invariant: string; message: string; brokeAt: number } | null {
    const e = createEngine(this.withFaults(faults), { seed: this.seed, inputs: this.inputs, trace: false });
    e.runUntilIdle(this.maxSteps);
    const b = e.invariantStatus().find((s) => s.status === 'broken');
    return b ? { invariant: b.label, message: b.message ?? '', brokeAt: b.brokeAt ?? 0 } : null;
  }

  /** [Z4] Drops faults one at a time while the same invariant still breaks: the fewest that do. */
  shrink(faults: readonly ScheduledFault[], invariant: string): Finding {
    let best = [...faults];
    for (let changed = true; changed && best.length > 1; ) {
      changed = false;
      for (let i = 0; i < best.length; i++) {
        const fewer = best.filter((_, j) => j !== i);
        if (this.run(fewer)?.invariant === invariant) {
          best = fewer;
          changed = true;
          break;
        }
      }
    }
    const broke = this.run(best)!;
    return {
      faults: best,
      invariant: broke.invariant,
      message: broke.message,
      brokeAt: broke.brokeAt,
      session: { format: SESSION_FORMAT, version: SESSION_VERSION, scenario: this.withFaults(best), seed: this.seed, inputs: this.inputs.map((x) => ({ ...x })), step: broke.brokeAt + 1 },
    };
  }

  private withFaults(faults: readonly ScheduledFault[]): Scenario {
    const own = faults.map(({ fault: _fault, ...action }) => action);
    return { ...this.scenario, schedule: [...(this.scenario.schedule ?? []), ...own] as Scenario['schedule'] };
  }

  private candidates(kind: FaultKind): boolean {
    const t = this.target;
    switch (kind) {
      case 'crash':
        return t.consumers.length + t.producers.length + t.services.length > 0;
      case 'rewind':
        return t.consumers.length > 0;
      case 'duplicate':
        return [...t.handled.values()].some((h) => h.length > 0);
      case 'reorder':
      case 'partition':
        return t.edges.length > 0;
      case 'outage':
        return t.channels.length > 0;
      case 'lost-acks':
        return t.publishes.length > 0;
      case 'broker':
        return t.brokers.length > 0;
    }
  }

  /** [Z1] A schedule of 1 to maxFaults faults, each of a kind that has something to strike. */
  private draw(): ScheduledFault[] {
    const r = this.prng;
    const kinds = this.kinds.filter((k) => this.candidates(k));
    const n = r.int(1, this.maxFaults);
    const out: ScheduledFault[] = [];
    for (let i = 0; i < n; i++) out.push(this.fault(kinds[r.int(0, kinds.length - 1)]));
    return out.sort((x, y) => x.at - y.at);
  }

  private fault(kind: FaultKind): ScheduledFault {
    const r = this.prng;
    const t = this.target;
    const pick = <T>(xs: readonly T[]): T => xs[r.int(0, xs.length - 1)];
    const at = r.int(0, this.span);
    switch (kind) {
      case 'crash': {
        const restartAfterMs = r.int(20, 400);
        // A service crashes now ([RR6]); a draw of its own only when there are services.
        if (t.services.length > 0 && (t.consumers.length + t.producers.length === 0 || r.next() < 0.3)) return { fault: kind, at, kind: 'crash', node: pick(t.services), restartAfterMs };
        if (t.producers.length > 0 && (t.consumers.length === 0 || r.next() < 0.3)) {
          const p = pick(t.producers);
          return { fault: kind, at, kind: 'crash', node: p.id, point: pick(p.points), restartAfterMs };
        }
        let point: 'now' | 'before-handle' | 'after-effects' | 'after-save' | 'after-publish' = pick(['now', 'before-handle', 'after-effects', 'after-save'] as const);
        const node = pick(t.consumers);
        // [TX5] A transactional consumer can also crash between its emits and its commit (one more draw, for it only).
        if (t.transactional.has(node) && r.next() < 0.3) point = 'after-publish';
        return { fault: kind, at, kind: 'crash', node, point, restartAfterMs };
      }
      case 'duplicate': {
        const node = pick([...t.handled.keys()].filter((k) => t.handled.get(k)!.length > 0));
        const h = pick(t.handled.get(node)!);
        return { fault: kind, at: h.time + r.int(1, 50), kind: 'duplicate', node, event: h.event };
      }
      case 'rewind':
        return { fault: kind, at, kind: 'redeliver', node: pick(t.consumers), count: r.int(1, 3) };
      case 'reorder': {
        const e = pick(t.edges);
        return { fault: kind, at, kind: 'link', node: e.source, to: e.target, delayMs: r.int(0, 20), jitterMs: r.int(5, 120) };
      }
      case 'outage':
        return { fault: kind, at, kind: 'outage', node: pick(t.channels), durationMs: r.int(20, 600), mode: pick(['down', 'acks-lost'] as const) };
      case 'partition': {
        const e = pick(t.edges);
        return { fault: kind, at, kind: 'partition', node: e.source, from: e.target, durationMs: r.int(20, 600) };
      }
      case 'lost-acks': {
        const e = pick(t.publishes);
        return { fault: kind, at, kind: 'link', node: e.source, to: e.target, ackLossChance: pick([0.3, 0.5, 0.8]) };
      }
      case 'broker': {
        const b = pick(t.brokers);
        const durationMs = r.int(20, 600);
        if (b.replicas === 0) return { fault: kind, at, kind: 'outage', node: b.id, durationMs, mode: 'restart' };
        return { fault: kind, at, kind: 'broker-fail', node: b.id, broker: r.int(1, b.replicas), durationMs };
      }
    }
  }
}

/** A fault in words, for the finding's list. */
export function faultText(f: ScheduledFault): string {
  const at = `at ${Math.round(f.at)} ms`;
  switch (f.kind) {
    case 'crash':
      return `${at}: crash ${f.node}${f.point && f.point !== 'now' ? ` ${f.point}` : ''}, restarting ${f.restartAfterMs} ms later`;
    case 'duplicate':
      return `${at}: deliver ${f.event} to ${f.node} again`;
    case 'redeliver':
      return `${at}: rewind ${f.node} by ${f.count}`;
    case 'link':
      return f.ackLossChance !== undefined ? `${at}: lose ${Math.round(f.ackLossChance * 100)}% of the acks on ${f.node} → ${f.to}` : `${at}: delay ${f.node} → ${f.to} by ${f.delayMs} ms, jitter up to ${f.jitterMs} ms`;
    case 'outage':
      return `${at}: ${f.node} ${f.mode === 'acks-lost' ? 'loses its acks' : f.mode === 'restart' ? 'restarts its broker, down' : 'is down'} for ${f.durationMs} ms`;
    case 'broker-fail':
      return `${at}: broker b${f.broker} of ${f.node} fails for ${f.durationMs} ms`;
    case 'partition':
      return `${at}: cut ${f.node} from ${f.from} for ${f.durationMs} ms`;
    default:
      return `${at}: ${f.kind} ${f.node}`;
  }
}
