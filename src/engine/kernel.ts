// The simulation kernel: a deterministic discrete-event simulator that knows no node kind
// by name. It owns the clock, the agenda (pending actions ordered by time, then sequence),
// the seeded PRNG, the log of records, the learner's inputs, the trace, and checkpoints for
// seeking. Everything a node does lives in a module (kind.ts) that registers its actions and
// intents here and keeps its own state behind capture/restore. Pure: no DOM, no clock, no
// Math.random. Same scenario, seed and inputs: same trace, byte for byte. Rules cited as
// [X#] are in SPEC.md.
import { TraceColumns } from './columns.ts';
import { Prng, type PrngState } from './prng.ts';
import { ActionQueue, type QueuedAction } from './queue.ts';
import { EventReader, Log, type CloudEvent, type LogState } from './log.ts';
import { STEP_KINDS, S_IGNORED, fmtMs, type StepKind } from './steps.ts';
import type { Invariant, NodeSpec, Scenario } from './scenario.ts';
import type { Input, Intent } from './inputs.ts';
import type { ActionHandler, IntentHandler, Module, ModuleClass, StepInfo } from './kind.ts';
import type { NodeView } from './views.ts';

export interface TraceStep {
  /** Index in the trace: the state after this step is `seek(seq + 1)`. */
  seq: number;
  time: number;
  kind: StepKind;
  node: string | null;
  /** CloudEvents id; a duplicate, a retry or a redriven copy keeps the original's id. */
  eventId: string | null;
  /** The record (one append to one log) this step is about; differs between copies of one event. */
  record: number | null;
  /** The conversation this event belongs to ([E3]). */
  correlationId: string | null;
  eventType: string | null;
  key: string | null;
  topic: string | null;
  partition: number | null;
  offset: number | null;
  /** One line: what happened and why. */
  text: string;
}

export interface EngineOptions {
  /** PRNG seed; defaults to the scenario's seed. */
  seed?: number;
  /** Record the trace (default true). Off, only the step count is kept. */
  trace?: boolean;
  /** Recorded inputs to replay, sorted by atStep. */
  inputs?: readonly Input[];
  /** Steps between checkpoints at the start; doubles as the run grows ([T5]). */
  checkpointEvery?: number;
  /** Most checkpoints kept (128: a seek re-executes at most 1/64 of a long run, for about 2 bytes a step; `npm run bench` seek and memory). */
  maxCheckpoints?: number;
}

export type ActResult = { ok: true } | { ok: false; reason: string };

interface Checkpoint {
  step: number;
  now: number;
  seq: number;
  inputCursor: number;
  prng: PrngState;
  queue: QueuedAction[];
  log: LogState;
  modules: unknown[];
}

/** What an intent says when its node is of a kind that does not take it. */
const WRONG_NODE: Record<Intent['kind'], string> = {
  fire: 'only producers fire events',
  redrive: 'redrive works on a dead-letter topic or queue',
  'saga-fault': 'only a saga takes this fault',
  command: 'commands go to an aggregate',
  outage: 'only a topic or a queue can be unavailable',
  'broker-fail': 'only a replicated topic has brokers that fail',
  'broker-recover': 'only a replicated topic has brokers to bring back',
  rebuild: 'only a projection can be rebuilt',
  query: 'only a projection can be queried',
  crash: 'only consumers can be crashed',
  restart: 'only consumers can be restarted',
  duplicate: 'only consumers can be sent duplicates',
  redeliver: 'only consumers can be rewound',
  deploy: 'only consumers can be deployed to',
  partition: 'the network cannot be cut there',
  heal: 'the network cannot be healed there',
  link: 'that connection has no network settings',
};

/** Sees each step the kernel takes: what it recorded, then that it is complete ([AL2]). */
export interface StepWatcher {
  recorded(kind: number, node: number, event: number): void;
  stepped(): void;
}

export class Kernel {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly traceOn: boolean;
  readonly nodes: readonly NodeSpec[];
  readonly nodeIndex = new Map<string, number>();
  readonly invariants: readonly Invariant[];
  readonly records: Log;
  /** One reusable reader for handlers' rules. */
  readonly reader: EventReader;

  // Mutable state (all of it is in a Checkpoint, with each module's own).
  now = 0;
  private seq = 0;
  /** Steps applied so far (the playhead); read by modules as "the step being taken". */
  stepCount = 0;
  private inputCursor = 0;
  readonly prng: Prng;
  private readonly queue = new ActionQueue();

  private readonly modules: Module[] = [];
  private readonly byClass = new Map<ModuleClass, Module>();
  private readonly byName = new Map<string, Module>();
  private readonly moduleOfNode: (Module | undefined)[];
  private readonly anyNode = new Map<string, IntentHandler>();
  private readonly handlers: ActionHandler[] = [];
  private readonly A_SCHEDULED: number;

  // Recordings: written at the playhead, truncated only on a fork ([T4]).
  private inputs: Input[];
  private horizonSteps = 0;
  private trace = new TraceColumns(1024);
  private notes = new Map<number, string>();
  /** Steps applied from the scenario's schedule rather than by the learner. */
  private scheduledSteps = new Set<number>();

  /**
   * Watches every step as it is taken ([AL2]): set by the alerts module, and only for a
   * scenario with alerts, so a run without alerts pays one null check per step.
   */
  watcher: StepWatcher | null = null;

  private checkpoints: Checkpoint[] = [];
  private checkpointEvery: number;
  private readonly maxCheckpoints: number;
  /** The step at or after which the next checkpoint is taken. */
  private nextCheckpoint: number;
  /** Space checkpoints by the size of the state they copy (unless the interval was given). */
  private readonly adaptive: boolean;

  constructor(scenario: Scenario, options: EngineOptions, modules: readonly ModuleClass[]) {
    this.scenario = scenario;
    this.seed = (options.seed ?? scenario.seed) >>> 0;
    this.traceOn = options.trace ?? true;
    this.prng = new Prng(this.seed);
    this.inputs = [...(options.inputs ?? [])].sort((a, b) => a.atStep - b.atStep);
    this.checkpointEvery = Math.max(1, options.checkpointEvery ?? 1024);
    this.adaptive = options.checkpointEvery === undefined;
    this.nextCheckpoint = this.checkpointEvery;
    this.maxCheckpoints = Math.max(4, options.maxCheckpoints ?? 128);
    this.nodes = scenario.nodes;
    this.nodes.forEach((n, i) => this.nodeIndex.set(n.id, i));
    this.invariants = scenario.invariants ?? [];
    this.records = new Log(
      this.nodes.map((n) => n.id),
      this,
    );
    this.reader = new EventReader(this.records);
    this.handlers.push({ run: () => false, describe: () => '' }); // code 0: never scheduled
    this.A_SCHEDULED = this.action({
      run: (k) => {
        this.applyScheduled(k);
        return true;
      },
      describe: (k, _b, _c, at) => `the scenario's scheduled ${this.scenario.schedule[k].kind} of ${this.scenario.schedule[k].node} ${at}`,
    });

    const byKind = new Map<string, Module>();
    for (const M of modules) {
      const m = new M(this);
      this.modules.push(m);
      this.byClass.set(M, m);
      if (m.optionalName) this.byName.set(m.optionalName, m);
      for (const kind of m.kinds) byKind.set(kind, m);
      for (const [intent, h] of Object.entries(m.anyNodeIntents ?? {})) this.anyNode.set(intent, h as IntentHandler);
    }
    this.moduleOfNode = this.nodes.map((n) => byKind.get(n.kind));
    for (const m of this.modules) m.build?.();
    for (const m of this.modules) m.link?.();
    for (const m of this.modules) m.start?.();
    (this.scenario.schedule ?? []).forEach((f, k) => this.schedule(f.at, this.A_SCHEDULED, k, 0, 0));
    this.checkpoints.push(this.capture());
  }

  // -------------------------------------------------------------------------- for modules

  /** An optional module (kinds/index.ts OPTIONAL) by name, or null when this engine's scenario does not need it. */
  optional<M extends Module>(name: string): M | null {
    return (this.byName.get(name) as M | undefined) ?? null;
  }

  /** The module instance of a class the engine was built with. */
  get<M extends Module>(cls: ModuleClass<M>): M {
    const m = this.byClass.get(cls as ModuleClass);
    if (!m) throw new Error(`${cls.name} is not part of this engine`);
    return m as M;
  }

  /** The module that runs a node. */
  moduleOf(node: number): Module | undefined {
    return this.moduleOfNode[node];
  }

  /** Registers a kind of pending action; returns its code for `schedule`. */
  action(handler: ActionHandler): number {
    this.handlers.push(handler);
    if (this.handlers.length > 255) throw new Error('too many action kinds');
    return this.handlers.length - 1;
  }

  schedule(time: number, kind: number, a: number, b: number, c: number): void {
    this.queue.push(time, this.seq++, kind, a, b, c);
  }

  /** Records the step being taken. `note` keeps words only this moment knows. */
  record(kind: number, node: number, event: number, aux: number, note?: string): void {
    if (this.watcher !== null) this.watcher.recorded(kind, node, event);
    if (!this.traceOn) return;
    const i = this.stepCount;
    this.trace.write(i, kind, this.now, node, event, aux);
    // Re-execution rewrites the same note; a fork drops the notes of the old future.
    if (note !== undefined) this.notes.set(i, note);
  }

  /** Node indexes this node's connections lead to, in edge order. */
  targetsOf(id: string): number[] {
    return this.scenario.edges.filter((e) => e.source === id).map((e) => this.nodeIndex.get(e.target)!);
  }

  /** Node indexes whose connections lead into this node, in edge order. */
  sourcesOf(id: string): number[] {
    return this.scenario.edges.filter((e) => e.target === id).map((e) => this.nodeIndex.get(e.source)!);
  }

  /** Is there a connection between two nodes, either way? */
  connected(a: number, b: number): boolean {
    const x = this.nodes[a].id;
    const y = this.nodes[b].id;
    return this.scenario.edges.some((e) => (e.source === x && e.target === y) || (e.source === y && e.target === x));
  }

  /** The channel index of a node, by node id (a topic, a queue, an aggregate's store). */
  channelIndex(id: string): number {
    return this.records.channelOfNode.get(this.nodeIndex.get(id)!)!;
  }

  // -------------------------------------------------------------------------- public: control

  /** Steps applied so far (the playhead). */
  get step(): number {
    return this.stepCount;
  }
  /** Steps known on this timeline: ≥ step; larger after a seek backwards ([T4]). */
  get horizon(): number {
    return Math.max(this.horizonSteps, this.stepCount);
  }
  /** Logical time in ms. */
  get time(): number {
    return this.now;
  }
  get recordedInputs(): readonly Input[] {
    return this.inputs;
  }

  /** True when nothing is pending: no scheduled action and no recorded input ahead. */
  get idle(): boolean {
    return this.peekLive() < 0 && this.inputCursor >= this.inputs.length;
  }

  /** Applies up to `n` steps; returns how many were applied. */
  stepForward(n = 1): number {
    let done = 0;
    while (done < n && this.stepOnce()) done++;
    return done;
  }

  /** Runs until nothing is pending or `maxSteps` were applied. */
  runUntilIdle(maxSteps = 1_000_000): number {
    return this.stepForward(maxSteps);
  }

  /** Runs every step whose time is ≤ `time` (at most `maxSteps`). */
  runUntil(time: number, maxSteps = 1_000_000): number {
    let done = 0;
    while (done < maxSteps) {
      const next = this.nextTime();
      if (next === null || next > time) break;
      if (!this.stepOnce()) break;
      done++;
    }
    return done;
  }

  /** Moves the playhead to `target` (clamped to [0, horizon reachable]) ([T5]). */
  seek(target: number): void {
    target = Math.max(0, Math.floor(target));
    let best: Checkpoint | null = null;
    for (const cp of this.checkpoints) if (cp.step <= target && (!best || cp.step > best.step)) best = cp;
    if (best && (target < this.stepCount || best.step > this.stepCount)) this.restore(best);
    while (this.stepCount < target && this.stepOnce());
  }

  /**
   * Applies a learner's action now and records it. Acting while scrubbed back forks the
   * timeline: the old future is dropped ([T3]). An action that cannot apply is refused
   * with a reason and not recorded.
   */
  act(intent: Intent, options: { at?: number } = {}): ActResult {
    const why = this.refusal(intent);
    if (why) return { ok: false, reason: why };
    if (this.stepCount < this.horizon) this.fork();
    this.inputs.length = this.inputCursor;
    // [T2] While playing through a quiet gap the learner acts "now", later than the last
    // step: allowed when nothing pending is due before that time.
    let time = this.now;
    if (options.at !== undefined && options.at > this.now) {
      const next = this.peekLive();
      time = next < 0 ? options.at : Math.min(options.at, this.queue.timeOf(next));
    }
    this.inputs.push({ ...(JSON.parse(JSON.stringify(intent)) as Intent), atStep: this.stepCount, time } as Input);
    this.stepOnce();
    return { ok: true };
  }

  /** Logical time of the next pending action, or null. */
  nextTime(): number | null {
    const input = this.inputs[this.inputCursor];
    if (input && input.atStep === this.stepCount) return Math.max(this.now, input.time);
    const slot = this.peekLive();
    return slot < 0 ? (input ? Math.max(this.now, input.time) : null) : this.queue.timeOf(slot);
  }

  /** A sentence naming the next pending action ("what happens next"), or null when idle. */
  nextAction(): string | null {
    const input = this.inputs[this.inputCursor];
    if (input && input.atStep === this.stepCount) return `your recorded action: ${input.kind} ${input.node}`;
    const slot = this.peekLive();
    if (slot < 0) return null;
    const q = this.queue;
    return this.handlers[q.kindOf(slot)].describe(q.aOf(slot), q.bOf(slot), q.cOf(slot), `at ${fmtMs(q.timeOf(slot))}`);
  }

  // -------------------------------------------------------------------------- public: reading

  /** The trace steps in [from, to), clamped to what is recorded. */
  steps(from = 0, to = this.horizon): TraceStep[] {
    if (!this.traceOn) return [];
    const end = Math.min(to, this.trace.length);
    const out: TraceStep[] = [];
    for (let i = Math.max(0, from); i < end; i++) out.push(this.describeStep(i));
    return out;
  }

  describeStep(i: number): TraceStep {
    const t = this.trace;
    if (!this.traceOn || i < 0 || i >= t.length) throw new RangeError(`no recorded step ${i}`);
    const kind = t.kind(i);
    const node = t.node(i);
    const ev = t.event(i);
    const aux = t.aux(i);
    const L = this.records;
    const hasEv = ev >= 0 && ev < L.recorded;
    const text = this.explain({ i, kind, node, ev, aux, note: this.notes.get(i) });
    return {
      seq: i,
      time: t.time(i),
      kind: STEP_KINDS[kind],
      node: node >= 0 ? this.nodes[node].id : null,
      eventId: hasEv ? L.idOf(ev) : null,
      record: hasEv ? ev : null,
      correlationId: hasEv ? `evt-${L.evCorr(ev)}` : null,
      eventType: hasEv ? L.evType(ev) : null,
      key: hasEv ? L.evKey(ev) : null,
      topic: hasEv ? L.channels[L.evTopic(ev)].id : null,
      partition: hasEv ? L.evPartition(ev) : null,
      offset: hasEv ? L.evOffset(ev) : null,
      text: this.scheduledSteps.has(i) ? text.replace(/^You /, 'As scheduled, the scenario ') : text,
    };
  }

  /** An event by record index or CloudEvents id (`evt-7`, its first record); null if not recorded. */
  event(ref: number | string): CloudEvent | null {
    return this.records.event(ref);
  }

  /** Ids of the events in one partition's log (up to the playhead), from offset `from`. */
  log(topicId: string, partition: number, from = 0, to = Infinity): string[] {
    const t = this.records.channelById(topicId, this.nodeIndex);
    if (!t || partition < 0 || partition >= t.partitions) return [];
    const end = Math.min(to, t.logEnd[partition]);
    const out: string[] = [];
    for (let o = Math.max(0, from); o < end; o++) out.push(this.records.idOf(t.logs[partition].get(o)));
    return out;
  }

  /** Each node's view at the playhead, in scenario order. */
  protected nodeViews(): Record<string, NodeView> {
    const out: Record<string, NodeView> = {};
    this.nodes.forEach((n, i) => {
      const v = this.moduleOfNode[i]?.view?.(i);
      if (v) out[n.id] = v;
    });
    return out;
  }

  /** Approximate bytes held by the recordings (trace, events, logs), for the benchmark. */
  recordingBytes(): number {
    let b = this.records.bytes();
    b += this.trace.bytes;
    for (const m of this.modules) b += m.recordingBytes?.() ?? 0;
    return b;
  }

  /** The session: what determines this run, never the run itself. */
  session(): { seed: number; inputs: Input[]; step: number } {
    return { seed: this.seed, inputs: this.inputs.map((x) => ({ ...x })), step: this.stepCount };
  }

  // -------------------------------------------------------------------------- the step loop

  private stepOnce(): boolean {
    const input = this.inputs[this.inputCursor];
    // A recorded input applies when the playhead reaches its step; if the world went idle
    // before that step (a hand-edited session), it applies at once ([T2]).
    if (input && (input.atStep <= this.stepCount || this.peekLive() < 0)) {
      this.inputCursor++;
      if (input.time > this.now) this.now = input.time;
      this.applyInput(input);
      this.afterStep();
      return true;
    }
    const q = this.queue;
    const handlers = this.handlers;
    for (;;) {
      const slot = q.peek();
      if (slot < 0) return false;
      const time = q.timeOf(slot);
      const kind = q.kindOf(slot);
      const h = handlers[kind];
      const a = q.aOf(slot);
      const b = q.bOf(slot);
      const c = q.cOf(slot);
      q.pop();
      if (h.stale !== undefined && h.stale(a, b, c)) continue;
      if (this.checkExpiry && h.expired !== undefined && h.expired(a, b, c)) {
        throw new Error(`an expired action was about to run (${h.describe(a, b, c, 'now')}): its module changed what its expired test reads without calling expire()`);
      }
      const before = this.now;
      this.now = time;
      if (!this.dispatch(h, kind, a, b, c)) {
        // [K1] An action that turned out to do nothing takes no step, so it moves no clock:
        // the time shown at a step is the same however the playhead got there.
        this.now = before;
        continue;
      }
      this.afterStep();
      return true;
    }
  }

  /**
   * Runs an action. The call is written at eight sites, chosen by the low bits of the action's
   * code, rather than at one: V8 inlines a call site that has seen one or a few handlers and
   * makes a generic call from one that has seen them all (about 2.5% of a trace-off run,
   * `npm run bench:ab`; issue #11). Codes are handed out in the order modules register their
   * actions, so the actions a module takes most (a fetch, a handle, a commit) land on
   * different sites.
   */
  private dispatch(h: ActionHandler, kind: number, a: number, b: number, c: number): boolean {
    switch (kind & 7) {
      case 0:
        return h.run(a, b, c);
      case 1:
        return h.run(a, b, c);
      case 2:
        return h.run(a, b, c);
      case 3:
        return h.run(a, b, c);
      case 4:
        return h.run(a, b, c);
      case 5:
        return h.run(a, b, c);
      case 6:
        return h.run(a, b, c);
      default:
        return h.run(a, b, c);
    }
  }

  /**
   * Tests set this (testing/strict.ts): every action is then asked whether it has expired as
   * it comes due, so a module that forgets to call expire() fails loudly instead of running
   * stale work. Off in the app and the benchmark, where it would cost a test per step.
   */
  static checkExpiry = false;
  private readonly checkExpiry = Kernel.checkExpiry;

  /**
   * [K6] Drops every pending action whose handler says it has expired. A module calls this
   * right after the change that expires them (an epoch it bumps), so its hot actions need
   * no staleness test per step.
   */
  expire(): void {
    const handlers = this.handlers;
    this.queue.dropWhere((kind, a, b, c) => {
      const h = handlers[kind];
      return h.expired !== undefined && h.expired(a, b, c);
    });
  }

  /** Drops stale actions off the top of the queue; returns the first live slot or -1. */
  private peekLive(): number {
    const q = this.queue;
    for (;;) {
      const slot = q.peek();
      if (slot < 0) return slot;
      const h = this.handlers[q.kindOf(slot)];
      if (h.stale === undefined || !h.stale(q.aOf(slot), q.bOf(slot), q.cOf(slot))) return slot;
      q.pop();
    }
  }

  private afterStep(): void {
    if (this.watcher !== null) this.watcher.stepped();
    this.stepCount++;
    if (this.stepCount > this.horizonSteps) this.horizonSteps = this.stepCount;
    if (this.stepCount >= this.nextCheckpoint) {
      const last = this.checkpoints[this.checkpoints.length - 1];
      if (last.step < this.stepCount) {
        this.checkpoints.push(this.capture());
        if (this.checkpoints.length > this.maxCheckpoints) {
          // Keep every other checkpoint and double the interval: memory stays bounded and
          // a seek re-executes at most one interval ([T5]).
          this.checkpoints = this.checkpoints.filter((_, i) => i % 2 === 0);
          this.checkpointEvery *= 2;
        }
      }
      this.nextCheckpoint = this.stepCount + this.interval();
    }
  }

  /**
   * Steps to the next checkpoint. A checkpoint costs in proportion to the state it copies
   * (a store table is copied once per interval when written), so a large state gets sparser
   * checkpoints: at most about a quarter of a step's work per entry, and a seek still
   * re-executes at most one interval ([T5]).
   */
  private interval(): number {
    if (!this.adaptive) return this.checkpointEvery;
    let size = 0;
    for (const m of this.modules) size += m.stateSize?.() ?? 0;
    return Math.max(this.checkpointEvery, 4 * size);
  }

  // -------------------------------------------------------------------------- inputs

  private intentHandler(kind: Intent['kind'], node: number): IntentHandler | undefined {
    return this.anyNode.get(kind) ?? (this.moduleOfNode[node]?.intents?.[kind] as IntentHandler | undefined);
  }

  /** Why an intent cannot apply now, or null. */
  protected refusal(intent: Intent): string | null {
    const i = this.nodeIndex.get(intent.node);
    if (i === undefined) return `there is no node "${intent.node}"`;
    const h = this.intentHandler(intent.kind, i);
    if (!h) return `${intent.node} is a ${this.nodes[i].kind}: ${WRONG_NODE[intent.kind]}`;
    return h.refuse(i, intent);
  }

  /** Applies an input or a scheduled action ([T2], [X5]); one that cannot apply is a step that says why. */
  private applyInput(input: Input): void {
    const why = this.refusal(input);
    const i = this.nodeIndex.get(input.node) ?? -1;
    if (why) {
      this.record(S_IGNORED, i, -1, 0, `your recorded ${input.kind} of ${input.node} could not apply: ${why}`);
      return;
    }
    this.intentHandler(input.kind, i)!.apply(i, input as never);
  }

  /** An action from the scenario's schedule, applied at its time like a learner's ([X5]). */
  private applyScheduled(k: number): void {
    const { at: _at, ...intent } = this.scenario.schedule[k];
    const why = this.refusal(intent as Intent);
    if (why) {
      this.record(S_IGNORED, this.nodeIndex.get(intent.node) ?? -1, -1, 0, `the scenario's scheduled ${intent.kind} of ${intent.node} could not apply: ${why}`);
      return;
    }
    this.applyInput({ ...(intent as Intent), atStep: this.stepCount, time: this.now } as Input);
    if (this.traceOn) this.scheduledSteps.add(this.stepCount);
  }

  // -------------------------------------------------------------------------- explanations

  private explain(s: StepInfo): string {
    const own = s.node >= 0 ? this.moduleOfNode[s.node] : undefined;
    const text = own?.explain?.(s);
    if (text !== undefined) return text;
    for (const m of this.modules) {
      if (m === own) continue;
      const t = m.explain?.(s);
      if (t !== undefined) return t;
    }
    return s.note ?? STEP_KINDS[s.kind];
  }

  // -------------------------------------------------------------------------- checkpoints

  private capture(): Checkpoint {
    return {
      step: this.stepCount,
      now: this.now,
      seq: this.seq,
      inputCursor: this.inputCursor,
      prng: this.prng.state,
      queue: this.queue.snapshot(),
      log: this.records.capture(),
      modules: this.modules.map((m) => m.capture()),
    };
  }

  private restore(cp: Checkpoint): void {
    this.stepCount = cp.step;
    this.now = cp.now;
    this.seq = cp.seq;
    this.inputCursor = cp.inputCursor;
    this.prng.state = cp.prng;
    this.queue.restore(cp.queue);
    this.records.restore(cp.log);
    cp.modules.forEach((s, i) => this.modules[i].restore(s));
  }

  /** Drops the recorded future beyond the playhead ([T3]). */
  private fork(): void {
    const step = this.stepCount;
    this.horizonSteps = step;
    this.trace.truncate(step);
    for (const k of [...this.notes.keys()]) if (k >= step) this.notes.delete(k);
    for (const k of [...this.scheduledSteps]) if (k >= step) this.scheduledSteps.delete(k);
    this.records.fork();
    for (const m of this.modules) m.fork?.();
    this.checkpoints = this.checkpoints.filter((c) => c.step <= step);
    this.nextCheckpoint = step + this.interval();
    this.inputs.length = this.inputCursor;
  }
}
