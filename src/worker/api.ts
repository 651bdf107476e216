// The simulation host: one Engine behind a small API of plain, structured-cloneable data.
// No comlink here (engine.worker.ts exposes this object in one line), so Node tests call
// it directly and the worker's type comes from the code (STYLE §5).
//
// The UI pulls: it calls one method per user action, and while playing at most one
// `advance` per animation frame. Each call returns ONE update (the view at the playhead
// plus the trace rows the client lacks); the worker never sends anything on its own.
import { createEngine, describeErrors, restoreSessionOrScenario, ruleText, SESSION_FORMAT, SESSION_VERSION } from '../engine/index.ts';
import type { CloudEvent, Engine, EngineView, Input, Intent, NodeKind, NodeSpec, Scenario, Session, TraceStep } from '../engine/index.ts';
import { planWindow, targetWindow, type Range, type TraceWindow } from './trace-window.ts';
import { sequenceOf, toMermaid } from '../engine/sequence.ts';
import { applyEdit, blankScenario, onlyMoved, portable, type Edit, type EditError } from './editing.ts';
import { healthSeries, lagSampler, type HealthSeries, type LagSeries } from './metrics.ts';
import { conversation, streamFold, type Conversation, type StreamFold } from './sourcing.ts';
import type { LessonCheck, LessonReport } from './lessons.ts';
import type { ExploreOptions, Explorer as ExplorerClass, FaultKind, Finding } from '../engine/explore.ts';
import type { GradeReport, GradeSpec, Grader as GraderClass } from '../challenges/grade.ts';
import type { RunDiff } from '../engine/diff.ts';

export type { Edit, EditError } from './editing.ts';
export type { HealthSeries, LagSeries } from './metrics.ts';
export type { Conversation, FoldStep, StreamFold } from './sourcing.ts';
export type { LessonCheck, LessonReport } from './lessons.ts';
export type { RunDiff, StepRow, NodeDiff, TableRow, EffectCount, InvariantDiff } from '../engine/diff.ts';

/** What `compare` answers: the diff of the original (A) and the fork (B), or why there is none. */
export type CompareResult = { ok: true; diff: RunDiff } | { ok: false; message: string };

/** Every node also carries its whole spec, which the inspector edits. */
type WithSpec = { spec: NodeSpec };

/** A node as the canvas draws it: where it is and what never changes while it runs. */
export type DrawNode = WithSpec &
  (
  | { id: string; kind: 'producer'; label: string; position: { x: number; y: number }; templates: { type: string; key: string | null }[]; rate: string | null }
  | { id: string; kind: 'topic'; label: string; position: { x: number; y: number }; partitions: number }
  | { id: string; kind: 'consumer'; label: string; position: { x: number; y: number }; group: string; commit: 'after' | 'before'; rules: string[] }
  /** Kinds this first canvas draws without detail (queues, projections, …). */
  | { id: string; kind: Exclude<NodeKind, 'producer' | 'topic' | 'consumer'>; label: string; position: { x: number; y: number } }
  );

export interface DrawEdge {
  id: string;
  source: string;
  target: string;
}

/** What every call that moves the world returns. */
export interface Update {
  /** Everything shown about the world at the playhead. */
  view: EngineView;
  /** The playhead (steps applied). */
  step: number;
  /** Steps recorded on this timeline (≥ step after a step back). */
  horizon: number;
  /** Logical time the play clock has reached: ≥ view.time while playing through a quiet gap. */
  clock: number;
  /** Trace rows the client lacks; merge them with `applyTrace(rows, trace, newSteps)`. */
  newSteps: TraceStep[];
  /** Which rows the client keeps and which it holds afterwards. */
  trace: TraceWindow;
}

export type LoadResult =
  | ({ ok: true; kind: 'scenario' | 'session'; name: string; description: string; nodes: DrawNode[]; edges: DrawEdge[] } & Update)
  | { ok: false; message: string };

/** The scenario as drawn, and whether undo and redo have anything to do. */
export interface Drawing {
  name: string;
  description: string;
  nodes: DrawNode[];
  edges: DrawEdge[];
  canUndo: boolean;
  canRedo: boolean;
}

export type EditUpdate = (({ ok: true; added: string[] } & Drawing) | { ok: false; reason: string; errors: EditError[] }) & Update;

/** What the trace search matches; every given part must match (text parts case-insensitively). */
export interface TraceFilter {
  node?: string;
  type?: string;
  key?: string;
  correlation?: string;
}

export { MARKERS, ALERT_MARKERS, type Marker } from './markers.ts';
const MARKER_OF: Partial<Record<string, number>> = {
  fire: 1, produce: 1, publish: 1, relay: 1,
  deliver: 2, receive: 2,
  commit: 4, ack: 4,
  rebalance: 8,
  error: 16, 'dead-letter': 16, crash: 16, 'send-failed': 16, conflict: 16,
};

export interface Timeline {
  horizon: number;
  /** One bitmask per bucket of steps (bit i: MARKERS[i] happened in it; bits 5, 6: ALERT_MARKERS). */
  buckets: number[];
  /** Every alert step ([AL3]): where it is, fired or cleared, on which node and what it said. */
  alerts: { step: number; fired: boolean; node: string; text: string }[];
}

export type ActUpdate = ({ ok: true } | { ok: false; reason: string }) & Update;

/** Steps `advance` applies in one call unless told otherwise: keeps a frame short. */
export const DEFAULT_MAX_STEPS = 2000;

function drawing(s: Scenario): { nodes: DrawNode[]; edges: DrawEdge[] } {
  const nodes = s.nodes.map((n): DrawNode => {
    const position = { x: n.position.x, y: n.position.y };
    const spec = JSON.parse(JSON.stringify(n)) as NodeSpec;
    switch (n.kind) {
      case 'producer': {
        const rate = n.config.rate;
        return {
          spec,
          id: n.id,
          kind: 'producer',
          label: n.label,
          position,
          templates: n.config.templates.map((t) => ({ type: t.type, key: t.key ?? null })),
          rate: rate ? `${rate.perSecond} per second, ${rate.limit} in all` : null,
        };
      }
      case 'topic':
        return { spec, id: n.id, kind: 'topic', label: n.label, position, partitions: n.config.partitions };
      case 'consumer':
        return { spec, id: n.id, kind: 'consumer', label: n.label, position, group: n.config.group, commit: n.config.commit, rules: n.config.rules.map(ruleText) };
      default:
        return { spec, id: n.id, kind: n.kind, label: n.label, position };
    }
  });
  return { nodes, edges: s.edges.map((e) => ({ id: e.id, source: e.source, target: e.target })) };
}

/** The trace search's test of one step: every given part must match (text case-insensitively). */
function matcher(filter: TraceFilter): (st: TraceStep) => boolean {
  const low = (x: string | undefined) => (typeof x === 'string' ? x.trim().toLowerCase() : '');
  const type = low(filter.type);
  const key = low(filter.key);
  const corr = low(filter.correlation);
  return (st) => {
    if (filter.node && st.node !== filter.node && st.topic !== filter.node) return false;
    if (type && !(st.eventType ?? '').toLowerCase().includes(type)) return false;
    if (key && !(st.key ?? '').toLowerCase().includes(key)) return false;
    if (corr && (st.correlationId ?? '').toLowerCase() !== corr && (st.eventId ?? '').toLowerCase() !== corr) return false;
    return true;
  };
}

const whole = (n: unknown, fallback: number): number => (typeof n === 'number' && Number.isFinite(n) ? Math.max(0, Math.floor(n)) : fallback);

/** Creates the host. It holds no engine until the first successful `load`. */
export function makeWorkerApi() {
  let engine: Engine | null = null;
  // The trace rows the client holds, so each update sends only what it lacks.
  let known: Range = { lo: 0, hi: 0 };
  // The play clock: logical time reached by `advance`, which may run ahead of the time of
  // the last step while nothing is due (a session timeout, a rate producer's next tick).
  let clock = 0;
  // The scenario being edited and run, its edit history (scenarios, never engine state),
  // and the steps the engine took at time 0 before the learner could act (group formation).
  let scenario: Scenario | null = null;
  let seed = 1;
  let base = 0;
  const past: Scenario[] = [];
  const future: Scenario[] = [];
  const HISTORY = 200;
  // Marker bits per recorded step, filled as the horizon grows; cut where the timeline forks.
  let marks = new Uint8Array(1024);
  let marked = 0;
  // Lag-over-time samples of the current timeline ([M2]).
  const lag = lagSampler();
  // The chaos explorer's search on this session, while one is under way.
  let explorer: ExplorerClass | null = null;
  let explorerOf: { engine: Engine; scenario: Scenario | null; inputs: number } | null = null;
  // A challenge's grading of the design on screen, while one is under way ([Z6]–[Z8]).
  let grader: GraderClass | null = null;
  let graderOf: Scenario | null = null;

  function markUpTo(e: Engine, to: number): void {
    if (marks.length < to) {
      const bigger = new Uint8Array(Math.max(to, marks.length * 2));
      bigger.set(marks.subarray(0, marked));
      marks = bigger;
    }
    for (let at = marked; at < to; at += 4096) {
      const hi = Math.min(to, at + 4096);
      for (const st of e.steps(at, hi)) marks[st.seq] = st.kind === 'alert' ? (st.text.includes('" fired') ? 32 : 64) : (MARKER_OF[st.kind] ?? 0);
    }
    marked = Math.max(marked, to);
  }

  /** Visits recorded steps in order, in chunks, until `visit` returns false. */
  function scan(visit: (st: TraceStep) => boolean): void {
    const e = need();
    for (let at = 0; at < e.horizon; at += 4096) {
      for (const st of e.steps(at, Math.min(e.horizon, at + 4096))) if (!visit(st)) return;
    }
  }

  function drawn(s: Scenario): Drawing {
    return { name: s.name, description: s.description, ...drawing(s), canUndo: past.length > 0, canRedo: future.length > 0 };
  }

  /** A fresh engine for `s` at time 0 (the groups formed), no inputs. */
  function start(s: Scenario, inputs: readonly Input[] = []): Engine {
    const e = createEngine(s, { seed, inputs });
    e.runUntil(0);
    return e;
  }

  /**
   * Runs the edited scenario again with the same seed and the learner's recorded inputs
   * where they still apply (an input naming a removed node, or refused by the new
   * scenario, is dropped), and puts the playhead as far past time 0 as it was.
   */
  function rerun(s: Scenario): void {
    const old = engine;
    const oldBase = base;
    let next = start(s);
    const newBase = next.step;
    if (old) {
      const inputs = old.session().inputs;
      const target = newBase + Math.max(0, old.step - oldBase);
      try {
        for (const input of inputs) {
          const { atStep, time, ...intent } = input;
          const at = newBase + Math.max(0, atStep - oldBase);
          if (next.step < at) next.runUntil(Math.max(time, next.time), at - next.step);
          next.act(intent as Intent, { at: time });
        }
        next.seek(target);
      } catch {
        next = start(s);
      }
    }
    engine = next;
    marked = 0;
    base = newBase;
    scenario = s;
    known = { lo: 0, hi: 0 };
  }

  function need(): Engine {
    if (!engine) throw new Error('No scenario is loaded yet: call load() first');
    return engine;
  }

  function update(): Update {
    const e = need();
    const step = e.step;
    const horizon = e.horizon;
    const { window, send } = planWindow(known, targetWindow(step, horizon));
    const newSteps = send.flatMap((r) => e.steps(r.lo, r.hi));
    known = { lo: window.from, hi: window.to };
    return { view: e.view(), step, horizon, clock: Math.max(clock, e.time), newSteps, trace: window };
  }

  /** After a move of the playhead by hand, play resumes from the world's own time. */
  function moved(): Update {
    clock = need().time;
    return update();
  }

  function travel(from: Scenario[], to: Scenario[]): EditUpdate {
    const s = scenario;
    const prev = from.pop();
    if (!s || !prev) return { ok: false, reason: from === past ? 'nothing to undo' : 'nothing to redo', errors: [], ...update() };
    to.push(s);
    // Back across a new blank canvas: the earlier scenario runs with its own seed again.
    if (prev.seed !== s.seed) seed = prev.seed;
    if (onlyMoved(s, prev) && engine) scenario = prev;
    else rerun(prev);
    return { ok: true, added: [], ...drawn(scenario!), ...moved() };
  }

  return {
    /**
     * Loads a scenario or a session (an object, or its JSON text). Bad input is refused
     * with a message naming the fields, and the current engine stays as it was.
     */
    load(input: unknown): LoadResult {
      let data = input;
      if (typeof input === 'string') {
        try {
          data = JSON.parse(input);
        } catch (err) {
          return { ok: false, message: `(file): is not valid JSON: ${(err as Error).message}` };
        }
      }
      let restored: ReturnType<typeof restoreSessionOrScenario>;
      try {
        restored = restoreSessionOrScenario(data);
      } catch (err) {
        // restoreScenario must not throw, but a rule nested thousands of levels deep
        // overflows the validator's stack: refuse it rather than lose the worker.
        return { ok: false, message: `(file): cannot be read (${(err as Error).message}): is it nested absurdly deep?` };
      }
      if (!restored.ok) return { ok: false, message: describeErrors(restored.errors) };
      const session = restored.value;
      let next: Engine;
      try {
        next = createEngine(session.scenario, { seed: session.seed, inputs: session.inputs });
        // Time 0: the groups form and take their partitions before the learner acts ([G1]).
        next.runUntil(0);
        if (session.step > next.step) next.seek(session.step);
      } catch (err) {
        return { ok: false, message: `This scenario could not start: ${(err as Error).message}` };
      }
      engine = next;
      marked = 0;
      known = { lo: 0, hi: 0 };
      scenario = session.scenario;
      seed = session.seed;
      base = 0;
      past.length = 0;
      future.length = 0;
      const isSession = data !== null && typeof data === 'object' && (data as { format?: unknown }).format === SESSION_FORMAT;
      return {
        ok: true,
        kind: isSession ? 'session' : 'scenario',
        name: session.scenario.name,
        description: session.scenario.description,
        ...drawing(session.scenario),
        ...moved(),
      };
    },

    /** Starts an empty canvas (undoable: the scenario before it goes on the history). */
    blank(): EditUpdate {
      if (scenario) past.push(scenario);
      future.length = 0;
      engine = null;
      seed = 1;
      rerun(blankScenario());
      return { ok: true, added: [], ...drawn(scenario!), ...moved() };
    },

    /**
     * Applies an edit: a new scenario through restoreScenario, then the run again. A refused
     * edit changes nothing and says why, with each error placed at its node and field.
     */
    edit(change: Edit): EditUpdate {
      const s = scenario;
      if (!s) throw new Error('No scenario is loaded yet: call load() first');
      const r = applyEdit(s, change);
      if (!r.ok) return { ok: false, reason: r.reason, errors: r.errors, ...update() };
      past.push(s);
      if (past.length > HISTORY) past.shift();
      future.length = 0;
      if (onlyMoved(s, r.scenario)) scenario = r.scenario;
      else rerun(r.scenario);
      return { ok: true, added: r.added, ...drawn(scenario!), ...moved() };
    },

    /** Takes back the last edit. */
    undo(): EditUpdate {
      return travel(past, future);
    },
    /** Does again what undo took back. */
    redo(): EditUpdate {
      return travel(future, past);
    },

    /** Recorded trace rows [from, to), at most 2000 (the trace list fetches what it scrolls to). */
    rows(from: number, to: number): TraceStep[] {
      const e = need();
      const lo = Math.max(0, whole(from, 0));
      const hi = Math.min(e.horizon, whole(to, lo), lo + 2000);
      return hi > lo ? e.steps(lo, hi) : [];
    },

    /** Marker bits for the scrubber: the horizon cut into `n` buckets. */
    timeline(n = 200): Timeline {
      const e = need();
      const horizon = e.horizon;
      markUpTo(e, horizon);
      const count = Math.max(1, Math.min(whole(n, 200), 2000));
      const buckets = new Array<number>(count).fill(0);
      const alerts: Timeline['alerts'] = [];
      for (let i = 0; i < horizon; i++) {
        buckets[Math.min(count - 1, Math.floor((i * count) / horizon))] |= marks[i];
        if (marks[i] & 96 && alerts.length < 500) {
          const st = e.steps(i, i + 1)[0];
          alerts.push({ step: i, fired: (marks[i] & 32) !== 0, node: st.node ?? '', text: st.text });
        }
      }
      return { horizon, buckets, alerts };
    },

    /** Recorded steps that match the filter, in order, at most `limit` (the trace search). */
    find(filter: TraceFilter, limit = 500): { rows: TraceStep[]; more: boolean } {
      const matches = matcher(filter);
      const rows: TraceStep[] = [];
      let more = false;
      scan((st) => {
        if (!matches(st)) return true;
        if (rows.length >= limit) {
          more = true;
          return false;
        }
        rows.push(st);
        return true;
      });
      return { rows, more };
    },

    /**
     * The events of the steps up to the playhead that match the filter (all of them with an
     * empty one), each once (by source and id), in trace order, as the engine's CloudEvents
     * ([E1]); at most `limit`. What src/bridge/cloudevents.ts writes to a file.
     */
    events(filter: TraceFilter = {}, limit = 10_000): { events: CloudEvent[]; more: boolean; upTo: number } {
      const e = need();
      const matches = matcher(filter ?? {});
      const cap = Math.max(1, Math.min(whole(limit, 10_000), 100_000));
      const seen = new Set<string>();
      const events: CloudEvent[] = [];
      let more = false;
      scan((st) => {
        if (st.seq >= e.step) return false;
        if (!matches(st) || (st.record === null && st.eventId === null)) return true;
        const ev = e.event(st.record ?? st.eventId!);
        if (!ev) return true;
        const k = `${ev.source}\u0000${ev.id}`;
        if (seen.has(k)) return true;
        if (events.length >= cap) {
          more = true;
          return false;
        }
        seen.add(k);
        events.push(ev);
        return true;
      });
      return { events, more, upTo: e.step };
    },

    /**
     * A Mermaid sequence diagram: of one conversation (correlation id), or of every step in
     * [from, to) treated as one conversation (a range of the trace).
     */
    mermaid(what: { correlation: string } | { from: number; to: number }): string {
      const e = need();
      if ('correlation' in what) {
        const steps: TraceStep[] = [];
        scan((st) => (st.correlationId === what.correlation && steps.push(st), true));
        return toMermaid(sequenceOf(steps, what.correlation));
      }
      const lo = Math.max(0, whole(what.from, 0));
      const hi = Math.min(e.horizon, whole(what.to, e.horizon));
      const range = `steps ${lo}–${hi - 1}`;
      const steps = e.steps(lo, hi).map((st) => ({ ...st, correlationId: range }));
      return toMermaid(sequenceOf(steps, range));
    },

    /** A stream's fold at the playhead, event by event, with its snapshots ([A1], [A5]). */
    fold(aggregate: string, stream: string): StreamFold | null {
      const e = need();
      return scenario ? streamFold(e, scenario, String(aggregate), String(stream)) : null;
    },

    /** One conversation up to the playhead: its messages, Mermaid text and where it stopped ([E4]). */
    conversation(correlation: string): Conversation {
      return conversation(need(), String(correlation));
    },

    /**
     * The session as it stands: the edited scenario, the seed, the learner's recorded
     * inputs and the step on screen. `load` of it reproduces exactly what is on screen.
     */
    session(): Session | null {
      if (!engine || !scenario) return null;
      const s = engine.session();
      return { format: SESSION_FORMAT, version: SESSION_VERSION, scenario: portable(scenario), seed: s.seed, inputs: s.inputs, step: s.step };
    },

    /** The current scenario, as saved or shared (it goes back through restoreScenario as it is). */
    scenario(): Scenario | null {
      return scenario ? portable(scenario) : null;
    },

    /** A learner's action (fire, crash, restart), applied now as one step and recorded. */
    act(intent: Intent): ActUpdate {
      const e = need();
      const at = e.step;
      const forks = at < e.horizon;
      // [T2] At the head of the run, "now" is the time on screen: the play clock, which runs
      // ahead of the last step through a quiet gap. Scrubbed back, it is that step's time.
      const r = e.act(intent, forks ? {} : { at: clock });
      // Acting while scrubbed back drops the recorded future ([T3]): so do the client's rows.
      if (r.ok && forks) {
        known = { lo: known.lo, hi: Math.min(known.hi, at) };
        marked = Math.min(marked, at);
        lag.cut(at);
      }
      return { ...r, ...moved() };
    },

    /**
     * Backlog of every node over time, sampled from step 0 to the playhead ([M2]); changes
     * nothing. `cachedOnly` (while playing): only samples already taken, no re-runs.
     */
    lag(points = 48, cachedOnly = false): LagSeries {
      return lag.series(need(), Math.min(whole(points, 48), 500), cachedOnly === true);
    },

    /** A node's latency and error rate over time, from the trace up to the playhead ([AL4]); changes nothing. */
    health(node: string, points = 48): HealthSeries {
      return healthSeries(need(), String(node), Math.min(whole(points, 48), 500));
    },

    /** Applies up to `n` steps (default 1). */
    step(n = 1): Update {
      need().stepForward(whole(n, 1));
      return moved();
    },

    /** Goes back `n` steps (default 1), re-executing from a checkpoint ([T5]). */
    back(n = 1): Update {
      const e = need();
      e.seek(Math.max(0, e.step - whole(n, 1)));
      return moved();
    },

    /** Moves the playhead to step `k`: the state after k steps. */
    seek(k: number): Update {
      need().seek(whole(k, 0));
      return moved();
    },

    /**
     * Play: moves the play clock on by `logicalMs` and applies every step due by then, at
     * most `maxSteps`. The UI calls this once per animation frame and gets one update.
     * When the step budget runs out the clock waits for the world instead of running ahead.
     */
    advance(logicalMs: number, maxSteps = DEFAULT_MAX_STEPS): Update {
      const e = need();
      const budget = Math.max(1, whole(maxSteps, DEFAULT_MAX_STEPS));
      clock = Math.max(clock, e.time) + (Number.isFinite(logicalMs) ? Math.max(0, logicalMs) : 0);
      const done = e.runUntil(clock, budget);
      if (done === budget) {
        const next = e.nextTime();
        if (next !== null && next <= clock) clock = e.time;
      }
      return update();
    },

    /**
     * A lesson's checklist and guided-step waits on the run up to the playhead
     * (src/worker/lessons.ts). Loaded on first use: the UI bundle imports this file for its
     * constants, and the goal checker (with the lesson schemas) must not come with them.
     */
    async checkLesson(check: LessonCheck): Promise<LessonReport> {
      const { checkLesson } = await import('./lessons.ts');
      return checkLesson(need(), check);
    },

    /**
     * The chaos explorer on the session on screen ([Z1]–[Z5]): `start` begins a search with
     * those options, then each call tries up to `count` more schedules and says how far it
     * got (the UI calls it in chunks, so it can show progress and stop). Loaded on first use.
     */
    async explore(request: { start?: ExploreOptions; count: number }): Promise<ExploreReport> {
      const { Explorer, faultText } = await import('../engine/explore.ts');
      const e = need();
      const inputs = e.session().inputs;
      const same = explorerOf !== null && explorerOf.engine === e && explorerOf.scenario === scenario && explorerOf.inputs === inputs.length;
      if (!request.start && (!explorer || !same)) {
        return { tried: 0, survived: null, problem: 'the scenario or your actions changed since this search began: start it again', finding: null };
      }
      if (request.start) {
        explorer = new Explorer(scenario!, e.seed, inputs, request.start);
        explorerOf = { engine: e, scenario, inputs: inputs.length };
      }
      const p = explorer!.explore(Math.min(whole(request.count, 50), 10_000));
      return {
        tried: p.tried,
        survived: { ...p.survived },
        problem: p.problem,
        finding: p.finding ? { ...p.finding, session: { ...p.finding.session, scenario: portable(p.finding.session.scenario) }, texts: p.finding.faults.map(faultText) } : null,
      };
    },

    /**
     * Grades the design on screen against a challenge ([Z6]–[Z8]): `start` begins with the
     * challenge's goal, workload and budget, then each call tries up to `count` more
     * schedules (the UI calls it in chunks, to show progress and stop). Loaded on first use.
     */
    async grade(request: { start?: GradeSpec; count: number }): Promise<GradeResult> {
      const [{ Grader }, { faultText }] = await Promise.all([import('../challenges/grade.ts'), import('../engine/explore.ts')]);
      need();
      if (!request.start && (!grader || graderOf !== scenario)) {
        return { verdict: 'cannot', tried: 0, total: 0, survived: null, problem: 'the design changed since grading began: grade it again', finding: null };
      }
      if (request.start) {
        grader = new Grader(scenario!, request.start);
        graderOf = scenario;
      }
      const r: GradeReport = grader!.step(Math.min(whole(request.count, 50), 2000));
      return {
        ...r,
        survived: { ...r.survived },
        finding: r.finding ? { ...r.finding, session: { ...r.finding.session, scenario: portable(r.finding.session.scenario) }, texts: r.finding.faults.map(faultText) } : null,
      };
    },

    /**
     * Fork and diff ([FD1]–[FD6]): compares the session on screen with `other` (a saved
     * session, checked through restoreSession), the original being run A and the fork run B;
     * `screen` says which of the two is on screen. Both are replayed from step 0 in fresh
     * engines, so the playhead on screen does not move. Loaded on first use.
     */
    async compare(other: unknown, options: { screen: 'a' | 'b'; at?: number | 'end' }): Promise<CompareResult> {
      const e = need();
      if (!scenario) return { ok: false, message: 'Nothing is open to compare.' };
      const restored = restoreSessionOrScenario(other);
      if (!restored.ok) return { ok: false, message: `The other run cannot be read, so it cannot be compared:\n${describeErrors(restored.errors)}` };
      const { diffRuns } = await import('../engine/diff.ts');
      const here = { scenario, seed: e.seed, inputs: e.session().inputs };
      const there = { scenario: restored.value.scenario, seed: restored.value.seed, inputs: restored.value.inputs };
      const at = options?.at === undefined || options.at === 'end' ? 'end' : whole(options.at, 0);
      try {
        const diff = options?.screen === 'a' ? diffRuns(here, there, { at }) : diffRuns(there, here, { at });
        return { ok: true, diff };
      } catch (err) {
        return { ok: false, message: `The two runs could not be compared: ${(err as Error).message}` };
      }
    },

    /** The full current update, as if the client held no rows (after a reload of the UI). */
    refresh(): Update {
      known = { lo: 0, hi: 0 };
      return update();
    },
  };
}

/** How far a chaos exploration got ([Z5]); `finding` with each fault in words. */
export interface ExploreReport {
  tried: number;
  survived: Record<FaultKind, number> | null;
  problem: string | null;
  finding: (Finding & { texts: string[] }) | null;
}

/** How far grading a challenge got ([Z6]–[Z8]); `finding` with each fault in words. */
export interface GradeResult extends Omit<GradeReport, 'survived' | 'finding'> {
  survived: Record<FaultKind, number> | null;
  finding: (Finding & { texts: string[] }) | null;
}

/** The worker's API, typed from the code so the two sides cannot drift. */
export type WorkerApi = ReturnType<typeof makeWorkerApi>;
