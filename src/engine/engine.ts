// The simulation kernel: a deterministic discrete-event simulator of topics, producers and
// consumer groups. Pure: no DOM, no clock, no Math.random. The same scenario, seed and
// inputs give the same trace, byte for byte. Every rule cited as [X#] is in SPEC.md.
import { Column, f64, i32, u8 } from './columns.ts';
import { Prng, type PrngState } from './prng.ts';
import { ActionQueue, type QueuedAction } from './queue.ts';
import { partitionForKey } from './murmur2.ts';
import { compileRules, readPath, ruleText, type CompiledRules, type RuleInput } from './rules.ts';
import { copyJson, type Json } from './json.ts';
import type { ConsumerSpec, NodeSpec, ProducerSpec, Scenario, Template } from './scenario.ts';
import type { Input, Intent } from './inputs.ts';

// ---------------------------------------------------------------------------- constants

/** Logical time 0 is this instant, so CloudEvents `time` is a real timestamp ([E2]). */
export const EPOCH_MS = Date.UTC(2026, 0, 1);
/** Delay between a record becoming available to an idle member and its delivery ([C4]). */
export const FETCH_DELAY_MS = 1;

// Pending action kinds.
const A_TICK = 1; // a = producer
const A_PUBLISH = 2; // a = event, b = member or -1, c = member life epoch
const A_DELIVER = 3; // a = member, b = work epoch
const A_HANDLE = 4; // a = member, b = work epoch, c = event
const A_COMMIT = 5; // a = member, b = work epoch, c = event
const A_REBALANCE = 6; // a = group, b = reason, c = cause node

export const STEP_KINDS = ['fire', 'produce', 'publish', 'deliver', 'handle', 'commit', 'rebalance', 'crash', 'restart', 'error', 'ignored'] as const;
export type StepKind = (typeof STEP_KINDS)[number];
const S_FIRE = 0;
const S_PRODUCE = 1;
const S_PUBLISH = 2;
const S_DELIVER = 3;
const S_HANDLE = 4;
const S_COMMIT = 5;
const S_REBALANCE = 6;
const S_CRASH = 7;
const S_RESTART = 8;
const S_ERROR = 9;
const S_IGNORED = 10;

const REASONS = ['the group started', 'a member crashed', 'a member restarted'] as const;

// ---------------------------------------------------------------------------- public types

/** A CloudEvents 1.0 event with Eventfold's extensions ([E1]). */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  data: Json;
  partitionkey?: string;
  correlationid: string;
  causationid?: string;
  schemaversion: number;
}

export interface TraceStep {
  /** Index in the trace: the state after this step is `seek(seq + 1)`. */
  seq: number;
  time: number;
  kind: StepKind;
  node: string | null;
  eventId: string | null;
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
  /** Most checkpoints kept. */
  maxCheckpoints?: number;
}

export type ActResult = { ok: true } | { ok: false; reason: string };

// ---------------------------------------------------------------------------- world

interface TopicRt {
  node: number;
  id: string;
  partitions: number;
  logs: Column<Int32Array>[];
  logEnd: Int32Array;
  /** Keyless round-robin counter ([P3]). */
  rr: number;
  /** Groups that read this topic. */
  groups: number[];
}

interface ProducerRt {
  node: number;
  spec: ProducerSpec;
  targets: number[];
  templates: { t: Template; topic: number; dynamic: boolean }[];
  fired: number;
  remaining: number;
  cycle: number;
}

interface GroupRt {
  name: string;
  members: number[];
  topics: number[];
  committed: Map<number, Int32Array>;
  owner: Map<number, Int32Array>;
  store: Map<string, Map<string, Json>>;
  effects: Map<string, Map<string, number>>;
  generation: number;
}

interface MemberRt {
  node: number;
  id: string;
  spec: ConsumerSpec;
  group: number;
  topics: number[];
  rules: CompiledRules;
  commitBefore: boolean;
  alive: boolean;
  assigned: [number, number][];
  position: Map<number, Int32Array>;
  busy: number;
  pollScheduled: boolean;
  rr: number;
  workEpoch: number;
  lifeEpoch: number;
  handled: number;
}

interface Checkpoint {
  step: number;
  now: number;
  seq: number;
  eventCount: number;
  inputCursor: number;
  prng: PrngState;
  topics: { logEnd: Int32Array; rr: number }[];
  producers: { fired: number; remaining: number; cycle: number }[];
  groups: { committed: Map<number, Int32Array>; owner: Map<number, Int32Array>; store: Map<string, Map<string, Json>>; effects: Map<string, Map<string, number>>; generation: number }[];
  members: Pick<MemberRt, 'alive' | 'busy' | 'pollScheduled' | 'rr' | 'workEpoch' | 'lifeEpoch' | 'handled' | 'assigned' | 'position'>[];
  queue: QueuedAction[];
}

const copyI32Map = (m: Map<number, Int32Array>) => new Map([...m].map(([k, v]) => [k, v.slice()]));
const copyStore = <T>(m: Map<string, Map<string, T>>) => new Map([...m].map(([k, v]) => [k, new Map([...v].map(([kk, vv]) => [kk, copyJson(vv as Json) as T]))]));

export class Engine {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly traceOn: boolean;

  // Static world.
  private nodes: NodeSpec[];
  private nodeIndex = new Map<string, number>();
  private topics: TopicRt[] = [];
  private topicOfNode = new Map<number, number>();
  private producers: ProducerRt[] = [];
  private producerOfNode = new Map<number, number>();
  private groups: GroupRt[] = [];
  private members: MemberRt[] = [];
  private memberOfNode = new Map<number, number>();

  // Mutable state (all of it is in a Checkpoint).
  private now = 0;
  private seq = 0;
  private stepCount = 0;
  private eventCount = 0;
  private inputCursor = 0;
  private prng: Prng;
  private queue = new ActionQueue();

  // Recordings: written at the playhead, truncated only on a fork ([T4]).
  private inputs: Input[];
  private horizonSteps = 0;
  private tKind = u8(1024);
  private tTime = f64(1024);
  private tNode = i32(1024);
  private tEvent = i32(1024);
  private tAux = i32(1024);
  private notes = new Map<number, string>();
  private evType: string[] = [];
  private evKey: (string | null)[] = [];
  private evData: Json[] = [];
  private evSource = i32(1024);
  private evTime = f64(1024);
  private evCorr = i32(1024);
  private evCause = i32(1024);
  private evTopic = i32(1024);
  private evPartition = i32(1024);
  private evOffset = i32(1024);
  private evSchema = i32(1024);

  private checkpoints: Checkpoint[] = [];
  private checkpointEvery: number;
  private readonly maxCheckpoints: number;

  constructor(scenario: Scenario, options: EngineOptions = {}) {
    this.scenario = scenario;
    this.seed = (options.seed ?? scenario.seed) >>> 0;
    this.traceOn = options.trace ?? true;
    this.prng = new Prng(this.seed);
    this.inputs = [...(options.inputs ?? [])].sort((a, b) => a.atStep - b.atStep);
    this.checkpointEvery = Math.max(1, options.checkpointEvery ?? 256);
    this.maxCheckpoints = Math.max(4, options.maxCheckpoints ?? 256);
    this.nodes = scenario.nodes;
    this.build();
    this.checkpoints.push(this.capture());
  }

  // -------------------------------------------------------------------------- building

  private build(): void {
    this.nodes.forEach((n, i) => this.nodeIndex.set(n.id, i));
    const out = (id: string) => this.scenario.edges.filter((e) => e.source === id).map((e) => this.nodeIndex.get(e.target)!);
    const into = (id: string) => this.scenario.edges.filter((e) => e.target === id).map((e) => this.nodeIndex.get(e.source)!);

    this.nodes.forEach((n, i) => {
      if (n.kind !== 'topic') return;
      const P = n.config.partitions;
      this.topicOfNode.set(i, this.topics.length);
      this.topics.push({
        node: i,
        id: n.id,
        partitions: P,
        logs: Array.from({ length: P }, () => i32(256)),
        logEnd: new Int32Array(P),
        rr: 0,
        groups: [],
      });
    });

    this.nodes.forEach((n, i) => {
      if (n.kind !== 'producer') return;
      const targets = out(n.id).map((t) => this.topicOfNode.get(t)!);
      const templates = n.config.templates.map((t) => ({
        t,
        topic: t.topic !== undefined ? this.topicOfNode.get(this.nodeIndex.get(t.topic)!)! : targets.length === 1 ? targets[0] : -1,
        dynamic: hasPlaceholder(t.key) || hasPlaceholder(t.data),
      }));
      this.producerOfNode.set(i, this.producers.length);
      this.producers.push({ node: i, spec: n, targets, templates, fired: 0, remaining: n.config.rate?.limit ?? 0, cycle: 0 });
    });

    // Members of a group, sorted by id: the order the range assignor uses ([G2]).
    const consumerIdx = this.nodes.map((n, i) => (n.kind === 'consumer' ? i : -1)).filter((i) => i >= 0);
    consumerIdx.sort((a, b) => (this.nodes[a].id < this.nodes[b].id ? -1 : 1));
    const groupByName = new Map<string, number>();
    for (const i of consumerIdx) {
      const n = this.nodes[i] as ConsumerSpec;
      let g = groupByName.get(n.config.group);
      if (g === undefined) {
        g = this.groups.length;
        groupByName.set(n.config.group, g);
        this.groups.push({ name: n.config.group, members: [], topics: [], committed: new Map(), owner: new Map(), store: new Map(), effects: new Map(), generation: 0 });
      }
      const group = this.groups[g];
      const topics = into(n.id).map((t) => this.topicOfNode.get(t)!);
      const m = this.members.length;
      this.memberOfNode.set(i, m);
      this.members.push({
        node: i,
        id: n.id,
        spec: n,
        group: g,
        topics,
        rules: compileRules(n.config.rules),
        commitBefore: n.config.commit === 'before',
        alive: true,
        assigned: [],
        position: new Map(topics.map((t) => [t, new Int32Array(this.topics[t].partitions).fill(-1)])),
        busy: -1,
        pollScheduled: false,
        rr: 0,
        workEpoch: 0,
        lifeEpoch: 0,
        handled: 0,
      });
      group.members.push(m);
      for (const t of topics) {
        if (group.topics.includes(t)) continue;
        group.topics.push(t);
        group.committed.set(t, new Int32Array(this.topics[t].partitions));
        group.owner.set(t, new Int32Array(this.topics[t].partitions).fill(-1));
        this.topics[t].groups.push(g);
      }
    }
    this.groups.forEach((g, gi) => {
      if (g.topics.length > 0) this.schedule(0, A_REBALANCE, gi, 0, -1);
    });
    this.producers.forEach((p, pi) => {
      const rate = p.spec.config.rate;
      if (rate && p.remaining > 0) this.schedule(1000 / rate.perSecond, A_TICK, pi, 0, 0);
    });
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
    return this.queue.size === 0 && this.inputCursor >= this.inputs.length;
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
  act(intent: Intent): ActResult {
    const why = this.refusal(intent);
    if (why) return { ok: false, reason: why };
    if (this.stepCount < this.horizon) this.fork();
    this.inputs.length = this.inputCursor;
    this.inputs.push({ ...structuredCloneJson(intent), atStep: this.stepCount, time: this.now } as Input);
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
    const at = `at ${fmtMs(q.timeOf(slot))}`;
    const a = q.aOf(slot);
    switch (q.kindOf(slot)) {
      case A_TICK:
        return `${this.nodes[this.producers[a].node].id} produces its next event ${at}`;
      case A_PUBLISH:
        return `${this.evType[a]} (evt-${a}) is appended to ${this.topics[this.evTopic.get(a)].id} ${at}`;
      case A_DELIVER:
        return `${this.members[a].id} fetches its next record ${at}`;
      case A_HANDLE:
        return `${this.members[a].id} handles evt-${q.cOf(slot)} ${at}`;
      case A_COMMIT:
        return `${this.members[a].id} commits after evt-${q.cOf(slot)} ${at}`;
      case A_REBALANCE:
        return `group ${this.groups[a].name} rebalances ${at}`;
    }
    return null;
  }

  // -------------------------------------------------------------------------- public: reading

  /** The trace steps in [from, to), clamped to what is recorded. */
  steps(from = 0, to = this.horizon): TraceStep[] {
    if (!this.traceOn) return [];
    const end = Math.min(to, this.tKind.length);
    const out: TraceStep[] = [];
    for (let i = Math.max(0, from); i < end; i++) out.push(this.describeStep(i));
    return out;
  }

  describeStep(i: number): TraceStep {
    if (!this.traceOn || i < 0 || i >= this.tKind.length) throw new RangeError(`no recorded step ${i}`);
    const kind = this.tKind.get(i);
    const node = this.tNode.get(i);
    const ev = this.tEvent.get(i);
    const aux = this.tAux.get(i);
    const hasEv = ev >= 0 && ev < this.evType.length;
    const step: TraceStep = {
      seq: i,
      time: this.tTime.get(i),
      kind: STEP_KINDS[kind],
      node: node >= 0 ? this.nodes[node].id : null,
      eventId: hasEv ? `evt-${ev}` : null,
      eventType: hasEv ? this.evType[ev] : null,
      key: hasEv ? this.evKey[ev] : null,
      topic: hasEv ? this.topics[this.evTopic.get(ev)].id : null,
      partition: hasEv ? this.evPartition.get(ev) : null,
      offset: hasEv && kind !== S_FIRE ? this.evOffset.get(ev) : null,
      text: '',
    };
    if (hasEv && kind === S_FIRE) step.offset = this.evOffset.get(ev);
    step.text = this.explain(i, kind, node, ev, aux);
    return step;
  }

  /** An event by index or id (`evt-7`), as CloudEvents JSON; null if it is not recorded. */
  event(ref: number | string): CloudEvent | null {
    const idx = typeof ref === 'number' ? ref : /^evt-(\d+)$/.exec(ref) ? Number(ref.slice(4)) : -1;
    if (idx < 0 || idx >= this.evType.length) return null;
    const key = this.evKey[idx];
    const cause = this.evCause.get(idx);
    const e: CloudEvent = {
      specversion: '1.0',
      id: `evt-${idx}`,
      source: `/eventfold/${this.nodes[this.evSource.get(idx)].id}`,
      type: this.evType[idx],
      time: new Date(EPOCH_MS + this.evTime.get(idx)).toISOString(),
      datacontenttype: 'application/json',
      data: this.evData[idx],
      correlationid: `evt-${this.evCorr.get(idx)}`,
      schemaversion: this.evSchema.get(idx),
    };
    if (key !== null) {
      e.subject = key;
      e.partitionkey = key;
    }
    if (cause >= 0) e.causationid = `evt-${cause}`;
    return e;
  }

  /** Ids of the events in one partition's log (up to the playhead), from offset `from`. */
  log(topicId: string, partition: number, from = 0, to = Infinity): string[] {
    const t = this.topics[this.topicOfNode.get(this.nodeIndex.get(topicId) ?? -1) ?? -1];
    if (!t || partition < 0 || partition >= t.partitions) return [];
    const end = Math.min(to, t.logEnd[partition]);
    const out: string[] = [];
    for (let o = Math.max(0, from); o < end; o++) out.push(`evt-${t.logs[partition].get(o)}`);
    return out;
  }

  /** Everything the UI shows about the world at the playhead, as plain data. */
  view(): EngineView {
    const nodes: Record<string, NodeView> = {};
    this.topics.forEach((t) => {
      nodes[t.id] = {
        kind: 'topic',
        partitions: Array.from({ length: t.partitions }, (_, p) => ({
          end: t.logEnd[p],
          groups: t.groups.map((g) => {
            const group = this.groups[g];
            const committed = group.committed.get(this.topics.indexOf(t))![p];
            const owner = group.owner.get(this.topics.indexOf(t))![p];
            return { group: group.name, committed, lag: t.logEnd[p] - committed, owner: owner >= 0 ? this.members[owner].id : null };
          }),
        })),
      };
    });
    this.producers.forEach((p) => {
      nodes[this.nodes[p.node].id] = { kind: 'producer', fired: p.fired, remaining: p.remaining, targets: p.targets.map((t) => this.topics[t].id) };
    });
    this.members.forEach((m) => {
      const g = this.groups[m.group];
      let lag = 0;
      for (const t of g.topics) {
        const c = g.committed.get(t)!;
        for (let p = 0; p < c.length; p++) lag += this.topics[t].logEnd[p] - c[p];
      }
      nodes[m.id] = {
        kind: 'consumer',
        group: g.name,
        alive: m.alive,
        commit: m.commitBefore ? 'before' : 'after',
        assigned: m.assigned.map(([t, p]) => ({ topic: this.topics[t].id, partition: p, position: m.position.get(t)![p] })),
        inFlight: m.busy >= 0 ? `evt-${m.busy}` : null,
        handled: m.handled,
        groupLag: lag,
        state: storeToObject(g.store),
        effects: storeToObject(g.effects),
      };
    });
    return { step: this.stepCount, horizon: this.horizon, time: this.now, next: this.nextAction(), idle: this.idle, nodes };
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
    for (;;) {
      const slot = q.peek();
      if (slot < 0) return false;
      const time = q.timeOf(slot);
      const kind = q.kindOf(slot);
      const a = q.aOf(slot);
      const b = q.bOf(slot);
      const c = q.cOf(slot);
      q.pop();
      if (this.isStale(kind, a, b, c)) continue;
      this.now = time;
      if (!this.execute(kind, a, b, c)) continue;
      this.afterStep();
      return true;
    }
  }

  /** Drops stale actions off the top of the queue; returns the first live slot or -1. */
  private peekLive(): number {
    const q = this.queue;
    for (;;) {
      const slot = q.peek();
      if (slot < 0 || !this.isStale(q.kindOf(slot), q.aOf(slot), q.bOf(slot), q.cOf(slot))) return slot;
      q.pop();
    }
  }

  private isStale(kind: number, a: number, b: number, c: number): boolean {
    if (kind === A_DELIVER || kind === A_HANDLE || kind === A_COMMIT) return this.members[a].workEpoch !== b;
    if (kind === A_PUBLISH) return b >= 0 && this.members[b].lifeEpoch !== c;
    return false;
  }

  private afterStep(): void {
    this.stepCount++;
    if (this.stepCount > this.horizonSteps) this.horizonSteps = this.stepCount;
    if (this.stepCount % this.checkpointEvery === 0) {
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
    }
  }

  private schedule(time: number, kind: number, a: number, b: number, c: number): void {
    this.queue.push(time, this.seq++, kind, a, b, c);
  }

  private record(kind: number, node: number, event: number, aux: number, note?: string): void {
    if (!this.traceOn) return;
    const i = this.stepCount;
    this.tKind.set(i, kind);
    this.tTime.set(i, this.now);
    this.tNode.set(i, node);
    this.tEvent.set(i, event);
    this.tAux.set(i, aux);
    if (note !== undefined) this.notes.set(i, note);
  }

  private execute(kind: number, a: number, b: number, c: number): boolean {
    switch (kind) {
      case A_TICK:
        return this.tick(a);
      case A_PUBLISH:
        this.append(a);
        this.record(S_PUBLISH, this.evSource.get(a), a, b);
        return true;
      case A_DELIVER:
        return this.deliver(a);
      case A_HANDLE:
        this.handle(a, c);
        return true;
      case A_COMMIT:
        this.commit(a, c);
        return true;
      case A_REBALANCE:
        this.rebalance(a, b, c);
        return true;
    }
    throw new Error(`unknown action kind ${kind}`);
  }

  // -------------------------------------------------------------------------- producers

  private tick(p: number): boolean {
    const prod = this.producers[p];
    const rate = prod.spec.config.rate!;
    const ti = rate.template >= 0 ? rate.template : prod.cycle++ % prod.templates.length;
    const tpl = prod.templates[ti];
    prod.remaining--;
    if (prod.remaining > 0) this.schedule(this.now + 1000 / rate.perSecond, A_TICK, p, 0, 0);
    if (tpl.topic < 0) {
      this.record(S_IGNORED, prod.node, -1, 0, `${prod.spec.id} has no topic to publish to: connect it to a topic, or name the topic in its template`);
      return true;
    }
    const ev = this.fromTemplate(prod, tpl);
    this.append(ev);
    this.record(S_PRODUCE, prod.node, ev, ti);
    return true;
  }

  private fromTemplate(prod: ProducerRt, tpl: ProducerRt['templates'][number]): number {
    prod.fired++;
    const t = tpl.t;
    let key = t.key ?? null;
    let data = (t.data ?? {}) as Json;
    if (tpl.dynamic) {
      key = key === null ? null : (expand(key, prod.fired, this.prng) as string);
      data = expand(data, prod.fired, this.prng);
    }
    return this.createEvent(t.type, key === null ? null : String(key), data, prod.node, tpl.topic, -1, t.schemaVersion);
  }

  private createEvent(type: string, key: string | null, data: Json, source: number, topic: number, cause: number, schema: number): number {
    const idx = this.eventCount++;
    const t = this.topics[topic];
    // Key → partition with Kafka's default partitioner; keyless events round-robin ([P2], [P3]).
    const partition = key !== null ? partitionForKey(key, t.partitions) : t.rr++ % t.partitions;
    this.evType[idx] = type;
    this.evKey[idx] = key;
    this.evData[idx] = data;
    this.evSource.set(idx, source);
    this.evTime.set(idx, this.now);
    this.evCorr.set(idx, cause >= 0 ? this.evCorr.get(cause) : idx);
    this.evCause.set(idx, cause);
    this.evTopic.set(idx, topic);
    this.evPartition.set(idx, partition);
    this.evOffset.set(idx, -1);
    this.evSchema.set(idx, schema);
    return idx;
  }

  /** Appends an event at the end of its partition and wakes the groups that read it ([P1]). */
  private append(ev: number): void {
    const t = this.topics[this.evTopic.get(ev)];
    const p = this.evPartition.get(ev);
    const offset = t.logEnd[p]++;
    t.logs[p].set(offset, ev);
    this.evOffset.set(ev, offset);
    const ti = this.topicOfNode.get(t.node)!;
    for (const g of t.groups) {
      const owner = this.groups[g].owner.get(ti)![p];
      if (owner >= 0) this.wake(owner);
    }
  }

  // -------------------------------------------------------------------------- consumers

  private wake(m: number): void {
    const mem = this.members[m];
    if (!mem.alive || mem.busy >= 0 || mem.pollScheduled || !this.hasRecords(mem)) return;
    mem.pollScheduled = true;
    this.schedule(this.now + FETCH_DELAY_MS, A_DELIVER, m, mem.workEpoch, 0);
  }

  private hasRecords(mem: MemberRt): boolean {
    for (const [t, p] of mem.assigned) if (mem.position.get(t)![p] < this.topics[t].logEnd[p]) return true;
    return false;
  }

  private deliver(m: number): boolean {
    const mem = this.members[m];
    mem.pollScheduled = false;
    const n = mem.assigned.length;
    // Round-robin over assigned partitions, starting after the last one served ([C4]).
    for (let k = 0; k < n; k++) {
      const idx = (mem.rr + k) % n;
      const [t, p] = mem.assigned[idx];
      const pos = mem.position.get(t)!;
      const topic = this.topics[t];
      if (pos[p] >= topic.logEnd[p]) continue;
      const ev = topic.logs[p].get(pos[p]);
      pos[p]++;
      mem.rr = (idx + 1) % n;
      mem.busy = ev;
      const committed = this.groups[mem.group].committed.get(t)![p];
      this.record(S_DELIVER, mem.node, ev, committed);
      if (mem.commitBefore) {
        this.schedule(this.now, A_COMMIT, m, mem.workEpoch, ev);
      }
      this.schedule(this.now + mem.spec.config.processingMs, A_HANDLE, m, mem.workEpoch, ev);
      return true;
    }
    return false;
  }

  private handle(m: number, ev: number): void {
    const mem = this.members[m];
    const group = this.groups[mem.group];
    const out = mem.rules.run(this.evType[ev], this.ruleInput(ev, group));
    mem.handled++;
    if (out.error !== undefined) {
      // [H6] A failing handler changes nothing; the record is skipped and committed.
      this.record(S_ERROR, mem.node, ev, out.rule, out.error);
    } else {
      for (const w of out.writes) {
        let table = group.store.get(w.table);
        if (!table) group.store.set(w.table, (table = new Map()));
        table.set(w.key, w.value);
      }
      for (const e of out.effects) {
        let table = group.effects.get(e.name);
        if (!table) group.effects.set(e.name, (table = new Map()));
        table.set(e.key, (table.get(e.key) ?? 0) + 1);
      }
      this.record(S_HANDLE, mem.node, ev, out.rule);
      for (const e of out.emits) {
        const topic = this.topicOfNode.get(this.nodeIndex.get(e.topic)!)!;
        const child = this.createEvent(e.type, e.key, e.data, mem.node, topic, ev, 1);
        this.schedule(this.now, A_PUBLISH, child, m, mem.lifeEpoch);
      }
    }
    if (mem.commitBefore) this.finish(m);
    else this.schedule(this.now, A_COMMIT, m, mem.workEpoch, ev);
  }

  private commit(m: number, ev: number): void {
    const mem = this.members[m];
    const t = this.evTopic.get(ev);
    const p = this.evPartition.get(ev);
    const next = this.evOffset.get(ev) + 1;
    this.groups[mem.group].committed.get(t)![p] = next;
    this.record(S_COMMIT, mem.node, ev, next);
    if (!mem.commitBefore) this.finish(m);
  }

  private finish(m: number): void {
    this.members[m].busy = -1;
    this.wake(m);
  }

  /** One reusable reader for handlers: no allocation per handled event. */
  private readonly reader = new (class implements RuleInput {
    ev = 0;
    group: GroupRt | null = null;
    constructor(private readonly e: Engine) {}
    field(path: readonly string[]): unknown {
      return this.e.eventField(this.ev, path);
    }
    data(): Json {
      return this.e.evData[this.ev];
    }
    read(table: string, key: string): Json | undefined {
      return this.group!.store.get(table)?.get(key);
    }
  })(this);

  private ruleInput(ev: number, group: GroupRt): RuleInput {
    this.reader.ev = ev;
    this.reader.group = group;
    return this.reader;
  }

  /** A field of an event by dotted path, as a handler sees it ([H2]). */
  private eventField(ev: number, path: readonly string[]): unknown {
    switch (path[0]) {
      case 'data':
        return readPath(this.evData[ev], path, 1);
      case 'type':
        return this.evType[ev];
      case 'key':
      case 'partitionkey':
      case 'subject':
        return this.evKey[ev] ?? undefined;
      case 'id':
        return `evt-${ev}`;
      case 'correlationid':
        return `evt-${this.evCorr.get(ev)}`;
      case 'causationid':
        return this.evCause.get(ev) >= 0 ? `evt-${this.evCause.get(ev)}` : undefined;
      case 'source':
        return `/eventfold/${this.nodes[this.evSource.get(ev)].id}`;
      case 'time':
        return new Date(EPOCH_MS + this.evTime.get(ev)).toISOString();
      case 'schemaversion':
        return this.evSchema.get(ev);
      default:
        return undefined;
    }
  }

  // -------------------------------------------------------------------------- groups

  private rebalance(g: number, reason: number, cause: number): void {
    const group = this.groups[g];
    group.generation++;
    const live = group.members.filter((m) => this.members[m].alive);
    const before = new Map(group.members.map((m) => [m, new Set(this.members[m].assigned.map(([t, p]) => `${t}:${p}`))]));
    for (const m of group.members) this.members[m].assigned = [];
    const parts: string[] = [];
    // Range assignor, per topic: members reading the topic, sorted by id; each gets
    // floor(P/M) consecutive partitions and the first P mod M get one more ([G2]).
    for (const t of group.topics) {
      const P = this.topics[t].partitions;
      const readers = live.filter((m) => this.members[m].topics.includes(t));
      const owner = group.owner.get(t)!;
      owner.fill(-1);
      const M = readers.length;
      let p = 0;
      readers.forEach((m, i) => {
        const count = Math.floor(P / M) + (i < P % M ? 1 : 0);
        const got: number[] = [];
        for (let k = 0; k < count; k++, p++) {
          owner[p] = m;
          this.members[m].assigned.push([t, p]);
          got.push(p);
        }
        parts.push(`${this.members[m].id} ← ${this.topics[t].id} ${got.length ? got.map((x) => `p${x}`).join(', ') : '(none)'}`);
      });
      if (M === 0) parts.push(`${this.topics[t].id}: no live member, nobody reads it`);
    }
    const abandoned: string[] = [];
    for (const m of group.members) {
      const mem = this.members[m];
      const now = new Set(mem.assigned.map(([t, p]) => `${t}:${p}`));
      // A member keeps its position on partitions it keeps; a partition that is new to it
      // starts from the group's committed offset ([G3]).
      for (const [t, p] of mem.assigned) if (!before.get(m)!.has(`${t}:${p}`)) mem.position.get(t)![p] = group.committed.get(t)![p];
      if (mem.busy >= 0) {
        const ev = mem.busy;
        if (!now.has(`${this.evTopic.get(ev)}:${this.evPartition.get(ev)}`)) {
          // [G4] In-flight work on a revoked partition is abandoned before its commit.
          abandoned.push(`${mem.id} abandons evt-${ev} (its partition moved before the commit)`);
          mem.busy = -1;
          mem.workEpoch++;
          mem.pollScheduled = false;
        }
      }
    }
    const note = `group ${group.name} rebalanced (generation ${group.generation}) because ${REASONS[reason]}: ${parts.join('; ')}${abandoned.length ? `. ${abandoned.join('; ')}` : ''}`;
    this.record(S_REBALANCE, cause, -1, g, note);
    for (const m of live) this.wake(m);
  }

  // -------------------------------------------------------------------------- inputs

  private refusal(intent: Intent): string | null {
    const i = this.nodeIndex.get(intent.node);
    if (i === undefined) return `there is no node "${intent.node}"`;
    const node = this.nodes[i];
    switch (intent.kind) {
      case 'fire': {
        if (node.kind !== 'producer') return `${node.id} is a ${node.kind}: only producers fire events`;
        const prod = this.producers[this.producerOfNode.get(i)!];
        if (intent.event) {
          if (!intent.event.type) return 'the event needs a type';
          const topic = this.fireTopic(prod, intent.event.topic);
          if (topic < 0) return this.noTopicReason(prod);
          return null;
        }
        const ti = intent.template ?? 0;
        const tpl = prod.templates[ti];
        if (!tpl) return prod.templates.length === 0 ? `${node.id} has no event templates yet: add one in its inspector` : `${node.id} has no template number ${ti}`;
        if (tpl.topic < 0) return this.noTopicReason(prod);
        return null;
      }
      case 'crash':
      case 'restart': {
        if (node.kind !== 'consumer') return `only consumers can be ${intent.kind === 'crash' ? 'crashed' : 'restarted'} for now`;
        const mem = this.members[this.memberOfNode.get(i)!];
        if (intent.kind === 'crash' && !mem.alive) return `${node.id} is already down`;
        if (intent.kind === 'restart' && mem.alive) return `${node.id} is already running`;
        return null;
      }
    }
  }

  private fireTopic(prod: ProducerRt, topic?: string): number {
    if (topic !== undefined) {
      const t = this.topicOfNode.get(this.nodeIndex.get(topic) ?? -1);
      return t !== undefined && prod.targets.includes(t) ? t : -1;
    }
    return prod.targets.length === 1 ? prod.targets[0] : -1;
  }

  private noTopicReason(prod: ProducerRt): string {
    return prod.targets.length === 0
      ? `${prod.spec.id} is not connected to a topic: connect it to one first`
      : `${prod.spec.id} is connected to ${prod.targets.length} topics: say which topic the event goes to`;
  }

  private applyInput(input: Input): void {
    const why = this.refusal(input);
    const i = this.nodeIndex.get(input.node) ?? -1;
    if (why) {
      this.record(S_IGNORED, i, -1, 0, `your recorded ${input.kind} of ${input.node} could not apply: ${why}`);
      return;
    }
    switch (input.kind) {
      case 'fire': {
        const prod = this.producers[this.producerOfNode.get(i)!];
        let ev: number;
        if (input.event) {
          prod.fired++;
          const e = input.event;
          ev = this.createEvent(e.type, e.key ?? null, (e.data ?? {}) as Json, prod.node, this.fireTopic(prod, e.topic), -1, 1);
        } else {
          ev = this.fromTemplate(prod, prod.templates[input.template ?? 0]);
        }
        this.append(ev);
        this.record(S_FIRE, i, ev, input.template ?? -1);
        return;
      }
      case 'crash': {
        const m = this.memberOfNode.get(i)!;
        const mem = this.members[m];
        const lost = mem.busy;
        // Was the in-flight record already committed (at-most-once)? Then it is lost ([C5]).
        const committed = lost >= 0 && this.groups[mem.group].committed.get(this.evTopic.get(lost))![this.evPartition.get(lost)] > this.evOffset.get(lost);
        mem.alive = false;
        mem.busy = -1;
        mem.pollScheduled = false;
        mem.workEpoch++;
        mem.lifeEpoch++;
        this.record(S_CRASH, i, lost, committed ? 1 : 0);
        // [G1] The group notices after the member's session timeout.
        this.schedule(this.now + mem.spec.config.sessionTimeoutMs, A_REBALANCE, mem.group, 1, i);
        return;
      }
      case 'restart': {
        const m = this.memberOfNode.get(i)!;
        this.members[m].alive = true;
        this.record(S_RESTART, i, -1, 0);
        this.schedule(this.now, A_REBALANCE, this.members[m].group, 2, i);
        return;
      }
    }
  }

  // -------------------------------------------------------------------------- explanations

  private explain(i: number, kind: number, node: number, ev: number, aux: number): string {
    const who = node >= 0 ? this.nodes[node].id : '';
    const note = this.notes.get(i);
    const evText = ev >= 0 ? `${this.evType[ev]} evt-${ev}${this.evKey[ev] !== null ? ` (key ${this.evKey[ev]})` : ' (no key)'}` : '';
    const where = ev >= 0 ? `${this.topics[this.evTopic.get(ev)].id} p${this.evPartition.get(ev)} @${this.evOffset.get(ev)}` : '';
    const why = ev >= 0 ? (this.evKey[ev] !== null ? 'chosen by the hash of the key' : 'keyless events take partitions in turn') : '';
    switch (kind) {
      case S_FIRE:
        return `You fired ${evText} from ${who}: appended to ${where} (${why})`;
      case S_PRODUCE:
        return `${who} produced ${evText} at its set rate: appended to ${where} (${why})`;
      case S_PUBLISH: {
        const cause = this.evCause.get(ev);
        return `${who} emitted ${evText}${cause >= 0 ? ` while handling evt-${cause}` : ''}: appended to ${where} (${why})`;
      }
      case S_DELIVER: {
        const m = this.members[this.memberOfNode.get(node)!];
        return `${where} delivered ${evText} to ${who}, which owns that partition in group ${this.groups[m.group].name} (group committed offset ${aux})`;
      }
      case S_HANDLE: {
        const m = this.members[this.memberOfNode.get(node)!];
        if (aux < 0) return `${who} handled ${evText}: no rule matches ${this.evType[ev]}, so it is ignored`;
        return `${who} handled ${evText} with rule ${aux + 1}: ${ruleText(m.spec.config.rules[aux])}`;
      }
      case S_COMMIT: {
        const m = this.members[this.memberOfNode.get(node)!];
        const mode = m.commitBefore ? 'before handling (at-most-once)' : 'after handling (at-least-once)';
        return `${who} committed offset ${aux} on ${this.topics[this.evTopic.get(ev)].id} p${this.evPartition.get(ev)} for group ${this.groups[m.group].name}, ${mode}`;
      }
      case S_REBALANCE:
        return note ?? 'rebalance';
      case S_CRASH:
        if (ev < 0) return `You crashed ${who} while it was idle; its group notices after the session timeout`;
        return aux === 1
          ? `You crashed ${who} while it was working on ${evText}, whose offset was already committed: nobody will handle it again, the event is lost (at-most-once)`
          : `You crashed ${who} while it was working on ${evText}, before committing its offset: once the group notices (after the session timeout) a member will be handed it again (at-least-once)`;
      case S_RESTART:
        return `You restarted ${who}: it rejoins its group`;
      case S_ERROR:
        return `${who} failed handling ${evText}: ${note ?? 'error'}. Nothing was changed; the event is skipped and committed`;
      case S_IGNORED:
        return note ?? 'ignored';
    }
    return STEP_KINDS[kind];
  }

  // -------------------------------------------------------------------------- checkpoints

  private capture(): Checkpoint {
    return {
      step: this.stepCount,
      now: this.now,
      seq: this.seq,
      eventCount: this.eventCount,
      inputCursor: this.inputCursor,
      prng: this.prng.state,
      topics: this.topics.map((t) => ({ logEnd: t.logEnd.slice(), rr: t.rr })),
      producers: this.producers.map((p) => ({ fired: p.fired, remaining: p.remaining, cycle: p.cycle })),
      groups: this.groups.map((g) => ({
        committed: copyI32Map(g.committed),
        owner: copyI32Map(g.owner),
        store: copyStore(g.store),
        effects: copyStore(g.effects),
        generation: g.generation,
      })),
      members: this.members.map((m) => ({
        alive: m.alive,
        busy: m.busy,
        pollScheduled: m.pollScheduled,
        rr: m.rr,
        workEpoch: m.workEpoch,
        lifeEpoch: m.lifeEpoch,
        handled: m.handled,
        assigned: m.assigned.map(([t, p]) => [t, p] as [number, number]),
        position: copyI32Map(m.position),
      })),
      queue: this.queue.snapshot(),
    };
  }

  private restore(cp: Checkpoint): void {
    this.stepCount = cp.step;
    this.now = cp.now;
    this.seq = cp.seq;
    this.eventCount = cp.eventCount;
    this.inputCursor = cp.inputCursor;
    this.prng.state = cp.prng;
    cp.topics.forEach((s, i) => {
      this.topics[i].logEnd.set(s.logEnd);
      this.topics[i].rr = s.rr;
    });
    cp.producers.forEach((s, i) => Object.assign(this.producers[i], s));
    cp.groups.forEach((s, i) => {
      const g = this.groups[i];
      g.committed = copyI32Map(s.committed);
      g.owner = copyI32Map(s.owner);
      g.store = copyStore(s.store);
      g.effects = copyStore(s.effects);
      g.generation = s.generation;
    });
    cp.members.forEach((s, i) => {
      Object.assign(this.members[i], s, {
        assigned: s.assigned.map(([t, p]) => [t, p] as [number, number]),
        position: copyI32Map(s.position),
      });
    });
    this.queue.restore(cp.queue);
  }

  /** Drops the recorded future beyond the playhead ([T3]). */
  private fork(): void {
    const step = this.stepCount;
    this.horizonSteps = step;
    for (const c of [this.tKind, this.tTime, this.tNode, this.tEvent, this.tAux]) c.truncate(step);
    for (const k of [...this.notes.keys()]) if (k >= step) this.notes.delete(k);
    const n = this.eventCount;
    this.evType.length = Math.min(this.evType.length, n);
    this.evKey.length = Math.min(this.evKey.length, n);
    this.evData.length = Math.min(this.evData.length, n);
    for (const c of [this.evSource, this.evTime, this.evCorr, this.evCause, this.evTopic, this.evPartition, this.evOffset, this.evSchema]) c.truncate(n);
    for (const t of this.topics) t.logs.forEach((log, p) => log.truncate(t.logEnd[p]));
    this.checkpoints = this.checkpoints.filter((c) => c.step <= step);
    this.inputs.length = this.inputCursor;
  }

  /** Approximate bytes held by the recordings (trace, events, logs), for the benchmark. */
  recordingBytes(): number {
    let b = 0;
    for (const c of [this.tKind, this.tTime, this.tNode, this.tEvent, this.tAux]) b += c.bytes;
    for (const c of [this.evSource, this.evTime, this.evCorr, this.evCause, this.evTopic, this.evPartition, this.evOffset, this.evSchema]) b += c.bytes;
    for (const t of this.topics) for (const l of t.logs) b += l.bytes;
    return b;
  }

  /** The session: what determines this run, never the run itself. */
  session(): { seed: number; inputs: Input[]; step: number } {
    return { seed: this.seed, inputs: this.inputs.map((x) => ({ ...x })), step: this.stepCount };
  }
}

// ---------------------------------------------------------------------------- views

export interface TopicView {
  kind: 'topic';
  partitions: { end: number; groups: { group: string; committed: number; lag: number; owner: string | null }[] }[];
}
export interface ProducerView {
  kind: 'producer';
  fired: number;
  remaining: number;
  targets: string[];
}
export interface ConsumerView {
  kind: 'consumer';
  group: string;
  alive: boolean;
  commit: 'after' | 'before';
  assigned: { topic: string; partition: number; position: number }[];
  inFlight: string | null;
  handled: number;
  groupLag: number;
  /** The group's store: table → key → value. */
  state: Record<string, Record<string, Json>>;
  /** Side effects counted per entity: name → key → count. */
  effects: Record<string, Record<string, number>>;
}
export type NodeView = TopicView | ProducerView | ConsumerView;
export interface EngineView {
  step: number;
  horizon: number;
  time: number;
  next: string | null;
  idle: boolean;
  nodes: Record<string, NodeView>;
}

function storeToObject<T>(m: Map<string, Map<string, T>>): Record<string, Record<string, T>> {
  const out: Record<string, Record<string, T>> = {};
  for (const [table, rows] of [...m].sort(([a], [b]) => (a < b ? -1 : 1))) out[table] = Object.fromEntries([...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return out;
}

// ---------------------------------------------------------------------------- templates

const PLACEHOLDER = /\{(n|rand:(-?\d+)-(-?\d+))\}/g;

function hasPlaceholder(x: unknown): boolean {
  if (typeof x === 'string') return /\{(n|rand:-?\d+--?\d+)\}/.test(x);
  if (x && typeof x === 'object') return Object.values(x).some(hasPlaceholder);
  return false;
}

/**
 * Fills `{n}` (the producer's event count, from 1) and `{rand:MIN-MAX}` (a seeded whole
 * number) in template strings. A string that is exactly one placeholder becomes a number ([P4]).
 */
function expand(x: Json, n: number, prng: Prng): Json {
  if (typeof x === 'string') {
    const whole = /^\{(n|rand:(-?\d+)-(-?\d+))\}$/.exec(x);
    if (whole) return whole[1] === 'n' ? n : prng.int(Number(whole[2]), Number(whole[3]));
    return x.replace(PLACEHOLDER, (_, name: string, lo?: string, hi?: string) => String(name === 'n' ? n : prng.int(Number(lo), Number(hi))));
  }
  if (Array.isArray(x)) return x.map((v) => expand(v, n, prng));
  if (x && typeof x === 'object') {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(x)) out[k] = expand(x[k], n, prng);
    return out;
  }
  return x;
}

function structuredCloneJson<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

function fmtMs(ms: number): string {
  return `${Math.round(ms * 1000) / 1000} ms`;
}

/** Creates an engine for a scenario that went through `restoreScenario`. */
export function createEngine(scenario: Scenario, options?: EngineOptions): Engine {
  return new Engine(scenario, options);
}
