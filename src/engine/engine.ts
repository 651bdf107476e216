// The simulation kernel: a deterministic discrete-event simulator of topics, producers and
// consumer groups. Pure: no DOM, no clock, no Math.random. The same scenario, seed and
// inputs give the same trace, byte for byte. Every rule cited as [X#] is in SPEC.md.
import { Column, f64, i32, u8 } from './columns.ts';
import { Prng, type PrngState } from './prng.ts';
import { ActionQueue, type QueuedAction } from './queue.ts';
import { partitionForKey } from './murmur2.ts';
import { compileCondition, compileRules, newOutcome, compare, readPath, ruleText, type CompiledRules, type RuleInput } from './rules.ts';
import { copyJson, stableStringify, type Json } from './json.ts';
import { ConsumerPatch, consumerPatchProblem, describeErrors, formatPath, type ConsumerSpec, type Invariant, type NodeSpec, type Link, NO_LINK_FAULTS, type ProducerSpec, type ProjectionSpec, type Upcaster, type AggregateSpec, type Rule, type SagaSpec, type Expr, type QueueSpec, type Scenario, type Template } from './scenario.ts';
import * as v from 'valibot';
import type { CrashPoint, Input, Intent } from './inputs.ts';
import { compileFiller, type Filler } from './templates.ts';
import type { AggregateView, ConsumerView, Counters, DeadLetter, EngineView, InvariantStatus, NodeView, ProducerView, ProjectionView, QueueView, SagaView, TopicView } from './views.ts';

export type { AggregateView, ConsumerView, Counters, DeadLetter, EngineView, InvariantStatus, NodeView, ProducerView, ProjectionView, QueueView, SagaView, TopicView };

// ---------------------------------------------------------------------------- constants

/** Logical time 0 is this instant, so CloudEvents `time` is a real timestamp ([E2]). */
export const EPOCH_MS = Date.UTC(2026, 0, 1);
/** How many of the latest records of each partition a view carries. */
const RECENT_CELLS = 12;
/** Delay between a record becoming available to an idle member and its delivery ([C4]). */
export const FETCH_DELAY_MS = 1;

// Pending action kinds.
const A_TICK = 1; // a = producer
const A_PUBLISH = 2; // a = event, b = member or -1, c = member life epoch
const A_DELIVER = 3; // a = member, b = work epoch
const A_HANDLE = 4; // a = member, b = work epoch, c = event
const A_COMMIT = 5; // a = member, b = work epoch, c = event
const A_REBALANCE = 6; // a = group, b = reason, c = cause node
const A_RETRY = 7; // a = group, b = record
const A_MARK = 8; // a = member, b = work epoch, c = record
const A_RESTART = 9; // a = member, b = life epoch at the crash
const A_RELAY = 10; // a = producer, b = producer life epoch
const A_SENT = 11; // a = producer, b = producer life epoch, c = outbox row
const A_PCRASH = 12; // a = producer, b = producer life epoch: an armed producer crash
const A_PRESTART = 13; // a = producer, b = producer life epoch at the crash
const A_SCHEDULED = 14; // a = index in scenario.schedule
const A_ACK = 15; // a = member, b = work epoch, c = record
const A_VISIBLE = 16; // a = queue (topic index), b = message offset, c = receipt
const A_RECOVER = 17; // a = channel (topic index), b = outage number
const A_HEAL = 18; // a = node, b = node, c = cut number
const A_LOAD = 19; // a = command
const A_APPEND = 20; // a = command, b = expected version
const A_JOIN = 22; // a = member
const A_SAGA_TIMEOUT = 21; // a = saga, b = instance (correlation record), c = step * 2 + (injected failure ? 1 : 0)

export const STEP_KINDS = [
  'fire',
  'produce',
  'publish',
  'deliver',
  'handle',
  'commit',
  'rebalance',
  'crash',
  'restart',
  'error',
  'ignored',
  'skip',
  'park',
  'retry',
  'dead-letter',
  'inject',
  'deploy',
  'redrive',
  'mark',
  'relay',
  'sent',
  'receive',
  'ack',
  'reappear',
  'send-failed',
  'dedup',
  'outage',
  'recover',
  'partition',
  'heal',
  'link',
  'rebuild',
  'query',
  'command',
  'load',
  'append',
  'conflict',
  'saga',
] as const;
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
const S_SKIP = 11;
const S_PARK = 12;
const S_RETRY = 13;
const S_DEAD = 14;
const S_INJECT = 15;
const S_DEPLOY = 16;
const S_REDRIVE = 17;
const S_MARK = 18;
const S_RELAY = 19;
const S_SENT = 20;
const S_RECEIVE = 21;
const S_ACK = 22;
const S_VISIBLE = 23;
const S_SENDFAIL = 24;
const S_DEDUP = 25;
const S_OUTAGE = 26;
const S_RECOVER = 27;
const S_CUT = 28;
const S_HEAL = 29;
const S_LINK = 30;
const S_REBUILD = 31;
const S_QUERY = 32;
const S_COMMAND = 33;
const S_LOAD = 34;
const S_APPEND = 35;
const S_CONFLICT = 36;
const S_SAGA = 37;

// What kind of delivery a member is working on ([X2], [R3]).
const D_NORMAL = 0;
const D_DUPLICATE = 1;
const D_RETRY = 2;
const D_RELEASED = 3;
const D_QUEUE = 4;
const DELIVERY_WORDS = ['', 'an injected duplicate of ', 'a retry of ', 'a released ', 'its next prefetched message, '];
// Queue message states ([Q1]).
const Q_READY = 0;
const Q_INFLIGHT = 1;
const Q_ACKED = 2;
const Q_DEAD = 3;

const REASONS = ['the group started', 'a member crashed', 'a member restarted', 'a member lost contact', 'a member is reachable again', 'a member joined'] as const;
const CRASH_WORDS: Record<CrashPoint, string> = {
  now: 'now',
  'before-handle': 'when its next event arrives, before handling it',
  'after-effects': 'on its next event, after the side effects but before saving its state',
  'after-save': 'on its next event, after saving its state but before committing the offset',
  'after-publish': 'on its next outbox relay, after publishing but before marking the row sent',
};
const PRODUCER_CRASH_WORDS: Partial<Record<CrashPoint, string>> = {
  'after-save': 'right after its next save, before the event is published',
  'after-publish': 'right after its relay publishes an outbox row, before marking it sent',
};

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
  /** Set when this channel is a queue ([Q1]): its settings, the consumers competing on it, and per-message state. */
  queue: QueueSpec['config'] | null;
  readers: number[];
  qState: number[];
  qReceives: number[];
  qReceipt: number[];
  qHolder: number[];
  /** Outage: until when (-1 none), and whether writes fail or only their acks are lost ([N4]). */
  outageUntil: number;
  outageAcksLost: boolean;
  outageNo: number;
}

/** A row the service saved in its own table: its event, and how far publishing got ([O1]–[O3]). */
interface SavedRow {
  rec: number;
  /** Outbox: 0 waiting, 1 published but not yet marked sent, 2 sent. */
  state: number;
  /** The event reached its topic at least once. */
  published: boolean;
}

interface ProducerRt {
  node: number;
  spec: ProducerSpec;
  targets: number[];
  templates: { t: Template; topic: number; key: Filler | null; data: Filler | null }[];
  fired: number;
  remaining: number;
  cycle: number;
  alive: boolean;
  lifeEpoch: number;
  rows: SavedRow[];
  relayScheduled: boolean;
  armed: { point: CrashPoint; restartAfterMs: number | null } | null;
}
type ProducerState = Pick<ProducerRt, 'fired' | 'remaining' | 'cycle' | 'alive' | 'lifeEpoch' | 'rows' | 'relayScheduled' | 'armed'>;
const copyProducerState = (p: ProducerState): ProducerState => ({
  fired: p.fired,
  remaining: p.remaining,
  cycle: p.cycle,
  alive: p.alive,
  lifeEpoch: p.lifeEpoch,
  rows: p.rows.map((r) => ({ ...r })),
  relayScheduled: p.relayScheduled,
  armed: p.armed ? { ...p.armed } : null,
});

/** An event-sourced aggregate: its event store is an internal one-partition log ([A1]). */
interface AggregateRt {
  node: number;
  id: string;
  spec: AggregateSpec;
  /** Index of its event store in `topics`. */
  store: number;
  /** Topics it publishes its events to. */
  targets: number[];
  apply: CompiledRules;
  decide: CompiledRules;
  /** Stream id → offsets of its events in the store, in order (state). */
  streams: Map<string, number[]>;
  /** Stream id → the latest snapshot: version and state (state). */
  snapshots: Map<string, { version: number; state: Map<string, Map<string, Json>> }>;
}

/** One run of a saga, keyed by the correlation id of the event that started it ([W1]). */
interface SagaInstance {
  corr: number;
  trigger: number;
  state: 'running' | 'completed' | 'compensating' | 'compensated' | 'failed';
  /** The step running now (while running). */
  step: number;
  /** Steps that succeeded, in order. */
  done: number[];
  /** While compensating: index into `done` of the step being undone. */
  undo: number;
  /** Steps whose success reply is ignored (an injected timeout). */
  deaf: number;
  history: string[];
}

interface SagaRt {
  node: number;
  id: string;
  spec: SagaSpec;
  member: number;
  send: CompiledRules[];
  undo: (CompiledRules | null)[];
  completed: CompiledRules | null;
  compensated: CompiledRules | null;
  /** Faults armed per step for the next instance that reaches it (state). */
  armed: Map<number, 'fail' | 'timeout'>;
  instances: Map<number, SagaInstance>;
}

/** A command on its way through an aggregate ([A2], [A4]). */
interface CommandRt {
  agg: number;
  stream: string;
  command: string;
  data: Json;
  /** The record that caused it (a consumer's handled event), or -1 (the learner). */
  cause: number;
  origin: number;
  attempt: number;
  /** Decided at load: the events to append, or null when refused. */
  events: { type: string; data: Json }[] | null;
  status: 'loading' | 'appending' | 'appended' | 'rejected' | 'failed';
}

const zeroCounters = (): Counters => ({ processed: 0, failed: 0, retried: 0, deadLettered: 0, duplicatesSkipped: 0, parked: 0 });

interface GroupRt {
  name: string;
  members: number[];
  topics: number[];
  committed: Map<number, Int32Array>;
  owner: Map<number, Int32Array>;
  store: Map<string, Map<string, Json>>;
  effects: Map<string, Map<string, number>>;
  generation: number;
  /** Records waiting to be handed to the owner of their partition: duplicates, due retries, released ones. */
  readyRec: number[];
  readyKind: number[];
  /** Failed attempts so far, per record. */
  attempts: Map<number, number>;
  /** Key → the record being retried that holds the key ([R4]). */
  blocked: Map<string, number>;
  /** Key → records waiting behind it, in order. */
  parked: Map<string, number[]>;
  counters: Counters;
  /** Records the group has accounted for (handled, skipped, parked, dead-lettered), for no-loss. */
  accounted: Set<number>;
  /** Per key, the highest offset handled successfully, for key-order. */
  lastFirst: Map<string, number>;
  /** Invariants watching this group, as indexes into the engine's list. */
  watchers: number[];
}

interface MemberRt {
  node: number;
  id: string;
  spec: ConsumerSpec;
  group: number;
  topics: number[];
  /** Queues this consumer competes on ([Q2]). */
  queues: number[];
  /** Messages received but not yet started: [record, receipt] ([Q3]). */
  buffer: [number, number][];
  /** The receipt of the queue message in hand. */
  busyReceipt: number;
  rules: CompiledRules;
  failWhen: ((input: RuleInput) => boolean) | null;
  commitBefore: boolean;
  alive: boolean;
  assigned: [number, number][];
  position: Map<number, Int32Array>;
  busy: number;
  busyKind: number;
  pollScheduled: boolean;
  rr: number;
  workEpoch: number;
  lifeEpoch: number;
  handled: number;
  armed: { point: CrashPoint; restartAfterMs: number | null } | null;
  /** A read model ([J1]); its last rebuild: the table before it and how far the replay must go. */
  projection: boolean;
  rebuild: { previous: Map<string, Map<string, Json>>; target: number; from: number } | null;
  /** Index of the saga this member runs, or -1 ([W1]). */
  saga: number;
}

type MemberState = Pick<
  MemberRt,
  | 'spec'
  | 'rules'
  | 'failWhen'
  | 'commitBefore'
  | 'alive'
  | 'busy'
  | 'busyKind'
  | 'pollScheduled'
  | 'rr'
  | 'workEpoch'
  | 'lifeEpoch'
  | 'handled'
  | 'armed'
  | 'assigned'
  | 'position'
  | 'buffer'
  | 'busyReceipt'
  | 'rebuild'
>;

interface Checkpoint {
  step: number;
  now: number;
  seq: number;
  eventCount: number;
  inputCursor: number;
  prng: PrngState;
  topics: { logEnd: Int32Array; rr: number; qState: number[]; qReceives: number[]; qReceipt: number[]; qHolder: number[]; outageUntil: number; outageAcksLost: boolean; outageNo: number }[];
  links: Map<string, Link>;
  cuts: Map<string, number>;
  cutNo: number;
  ackLost: Set<number>;
  producers: ProducerState[];
  groups: Omit<GroupRt, 'name' | 'members' | 'topics' | 'watchers'>[];
  members: MemberState[];
  queue: QueuedAction[];
  redriven: Set<number>;
  broken: { at: number; message: string }[];
  aggregates: { streams: Map<string, number[]>; snapshots: AggregateRt['snapshots'] }[];
  commands: CommandRt[];
  sagas: { armed: Map<number, 'fail' | 'timeout'>; instances: Map<number, SagaInstance> }[];
}

const copyI32Map = (m: Map<number, Int32Array>) => new Map([...m].map(([k, v]) => [k, v.slice()]));
// Stored values are never mutated in place (every write stores a fresh value), so a copy of
// a store shares them.
const copyStore = <T>(m: Map<string, Map<string, T>>) => {
  const out = new Map<string, Map<string, T>>();
  m.forEach((rows, table) => out.set(table, new Map(rows)));
  return out;
};

function copyGroupState(g: Omit<GroupRt, 'name' | 'members' | 'topics' | 'watchers'>): Omit<GroupRt, 'name' | 'members' | 'topics' | 'watchers'> {
  return {
    committed: copyI32Map(g.committed),
    owner: copyI32Map(g.owner),
    store: copyStore(g.store),
    effects: copyStore(g.effects),
    generation: g.generation,
    readyRec: [...g.readyRec],
    readyKind: [...g.readyKind],
    attempts: new Map(g.attempts),
    blocked: new Map(g.blocked),
    parked: new Map([...g.parked].map(([k, v]) => [k, [...v]])),
    counters: { ...g.counters },
    accounted: new Set(g.accounted),
    lastFirst: new Map(g.lastFirst),
  };
}

/** Tables the engine keeps in a group's store for idempotency ([D2], [D3]). */
export const PROCESSED_TABLE = 'processed-ids';
export const VERSIONS_TABLE = 'versions';

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
  private invariants: Invariant[];

  // Mutable state (all of it is in a Checkpoint).
  private now = 0;
  private seq = 0;
  private stepCount = 0;
  private eventCount = 0;
  private inputCursor = 0;
  private prng: Prng;
  private queue = new ActionQueue();
  private redriven = new Set<number>();
  private aggregates: AggregateRt[] = [];
  private aggregateOfNode = new Map<number, number>();
  private commands: CommandRt[] = [];
  private sagas: SagaRt[] = [];
  private sagaOfNode = new Map<number, number>();
  /** Network settings per connection, keyed `source>target` by node index ([N1]–[N3]). */
  private links = new Map<string, Link>();
  /** Cut connections, keyed `a|b` (a < b), with the number of the cut ([N5]). */
  private cuts = new Map<string, number>();
  private cutNo = 0;
  /** Records appended whose ack was lost: the producer will send them again ([N4]). */
  private ackLost = new Set<number>();
  private broken: { at: number; message: string }[];

  // Recordings: written at the playhead, truncated only on a fork ([T4]).
  private inputs: Input[];
  private horizonSteps = 0;
  private tKind = u8(1024);
  private tTime = f64(1024);
  private tNode = i32(1024);
  private tEvent = i32(1024);
  private tAux = i32(1024);
  private notes = new Map<number, string>();
  /** Steps applied from the scenario's schedule rather than by the learner. */
  private scheduledSteps = new Set<number>();
  private evType: string[] = [];
  private evKey: (string | null)[] = [];
  private evData: Json[] = [];
  private evIdOf = i32(1024);
  private evSource = i32(1024);
  private evTime = f64(1024);
  private evCorr = i32(1024);
  private evCause = i32(1024);
  private evTopic = i32(1024);
  private evPartition = i32(1024);
  private evOffset = i32(1024);
  private evSchema = i32(1024);
  /** Dead-lettered copy → { failed record, error, attempts }. */
  private deadInfo = new Map<number, { source: number; error: string; attempts: number }>();

  private checkpoints: Checkpoint[] = [];
  private checkpointEvery: number;
  private readonly maxCheckpoints: number;

  constructor(scenario: Scenario, options: EngineOptions = {}) {
    this.scenario = scenario;
    this.seed = (options.seed ?? scenario.seed) >>> 0;
    this.traceOn = options.trace ?? true;
    this.prng = new Prng(this.seed);
    this.inputs = [...(options.inputs ?? [])].sort((a, b) => a.atStep - b.atStep);
    this.checkpointEvery = Math.max(1, options.checkpointEvery ?? 1024);
    this.maxCheckpoints = Math.max(4, options.maxCheckpoints ?? 64);
    this.nodes = scenario.nodes;
    this.invariants = scenario.invariants ?? [];
    this.broken = this.invariants.map(() => ({ at: -1, message: '' }));
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
      this.topics.push(newChannel(i, n.id, P, null));
    });
    // An aggregate's event store is an internal channel with one log ([A1]).
    this.nodes.forEach((n, i) => {
      if (n.kind !== 'aggregate') return;
      const store = this.topics.length;
      this.topicOfNode.set(i, store);
      this.topics.push(newChannel(i, n.id, 1, null));
      this.aggregateOfNode.set(i, this.aggregates.length);
      const decide: Rule[] = n.config.commands.map((c) => ({
        on: c.name,
        ...(c.when ? { when: c.when } : {}),
        do: c.emit.map((e) => ({ do: 'emit' as const, topic: n.id, type: e.type, key: { event: 'key' }, ...(e.data ? { data: e.data } : {}) })),
      }));
      this.aggregates.push({ node: i, id: n.id, spec: n, store, targets: [], apply: compileRules(n.config.apply), decide: compileRules(decide), streams: new Map(), snapshots: new Map() });
    });
    // A queue is a channel with one log and per-message state ([Q1]).
    this.nodes.forEach((n, i) => {
      if (n.kind !== 'queue') return;
      this.topicOfNode.set(i, this.topics.length);
      this.topics.push(newChannel(i, n.id, 1, n.config));
    });

    this.nodes.forEach((n, i) => {
      if (n.kind !== 'producer') return;
      const targets = out(n.id).map((t) => this.topicOfNode.get(t)!);
      const templates = n.config.templates.map((t) => ({
        t,
        topic: t.topic !== undefined ? this.topicOfNode.get(this.nodeIndex.get(t.topic)!)! : targets.length === 1 ? targets[0] : -1,
        key: t.key === undefined || t.key === null ? null : compileFiller(t.key),
        data: compileFiller((t.data ?? {}) as Json),
      }));
      this.producerOfNode.set(i, this.producers.length);
      this.producers.push({
        node: i,
        spec: n,
        targets,
        templates,
        fired: 0,
        remaining: n.config.rate?.limit ?? 0,
        cycle: 0,
        alive: true,
        lifeEpoch: 0,
        rows: [],
        relayScheduled: false,
        armed: null,
      });
    });

    // Members of a group, sorted by id: the order the range assignor uses ([G2]).
    const consumerIdx = this.nodes.map((n, i) => (n.kind === 'consumer' || n.kind === 'projection' || n.kind === 'saga' ? i : -1)).filter((i) => i >= 0);
    consumerIdx.sort((a, b) => (this.nodes[a].id < this.nodes[b].id ? -1 : 1));
    const groupByName = new Map<string, number>();
    for (const i of consumerIdx) {
      const n = asConsumer(this.nodes[i] as ConsumerSpec | ProjectionSpec | SagaSpec);
      let g = groupByName.get(n.config.group);
      if (g === undefined) {
        g = this.groups.length;
        groupByName.set(n.config.group, g);
        this.groups.push({
          name: n.config.group,
          members: [],
          topics: [],
          committed: new Map(),
          owner: new Map(),
          store: new Map(),
          effects: new Map(),
          generation: 0,
          readyRec: [],
          readyKind: [],
          attempts: new Map(),
          blocked: new Map(),
          parked: new Map(),
          counters: zeroCounters(),
          accounted: new Set(),
          lastFirst: new Map(),
          watchers: [],
        });
      }
      const group = this.groups[g];
      const channels = into(n.id).map((t) => this.topicOfNode.get(t)!);
      const topics = channels.filter((t) => !this.topics[t].queue);
      const queues = channels.filter((t) => this.topics[t].queue);
      const m = this.members.length;
      for (const q of queues) this.topics[q].readers.push(m);
      this.memberOfNode.set(i, m);
      this.members.push({
        node: i,
        id: n.id,
        spec: n,
        group: g,
        topics,
        queues,
        buffer: [],
        busyReceipt: 0,
        rules: compileRules(n.config.rules),
        failWhen: n.config.failWhen ? compileCondition(n.config.failWhen) : null,
        commitBefore: n.config.commit === 'before',
        alive: true,
        assigned: [],
        position: new Map(topics.map((t) => [t, new Int32Array(this.topics[t].partitions).fill(-1)])),
        busy: -1,
        busyKind: D_NORMAL,
        pollScheduled: false,
        rr: 0,
        workEpoch: 0,
        lifeEpoch: 0,
        handled: 0,
        armed: null,
        projection: this.nodes[i].kind === 'projection',
        rebuild: null,
        saga: -1,
      });
      group.members.push(m);
      const sagaNode = this.nodes[i];
      if (sagaNode.kind === 'saga') {
        const msg = (x: { topic: string; type: string; data?: Record<string, Expr> }) => compileRules([{ on: '*', do: [{ do: 'emit', topic: x.topic, type: x.type, key: { event: 'key' }, ...(x.data ? { data: x.data } : {}) }] }]);
        this.sagaOfNode.set(i, this.sagas.length);
        this.members[m].saga = this.sagas.length;
        this.sagas.push({
          node: i,
          id: sagaNode.id,
          spec: sagaNode,
          member: m,
          send: sagaNode.config.steps.map((st) => msg(st.command)),
          undo: sagaNode.config.steps.map((st) => (st.compensation ? msg(st.compensation) : null)),
          completed: sagaNode.config.onCompleted ? msg(sagaNode.config.onCompleted) : null,
          compensated: sagaNode.config.onCompensated ? msg(sagaNode.config.onCompensated) : null,
          armed: new Map(),
          instances: new Map(),
        });
      }
      for (const t of topics) {
        if (group.topics.includes(t)) continue;
        group.topics.push(t);
        group.committed.set(t, new Int32Array(this.topics[t].partitions));
        group.owner.set(t, new Int32Array(this.topics[t].partitions).fill(-1));
        this.topics[t].groups.push(g);
      }
    }
    this.invariants.forEach((inv, k) => {
      const m = this.memberOfNode.get(this.nodeIndex.get(inv.node)!);
      if (m !== undefined) this.groups[this.members[m].group].watchers.push(k);
    });
    this.groups.forEach((g, gi) => {
      if (g.topics.length > 0) this.schedule(0, A_REBALANCE, gi, 0, -1);
    });
    // [G1] A member with a joinAt starts down and joins its group at that time.
    this.members.forEach((mem, m) => {
      const at = mem.spec.config.joinAt;
      if (at === null) return;
      mem.alive = false;
      this.schedule(at, A_JOIN, m, 0, 0);
    });
    this.producers.forEach((p, pi) => {
      const rate = p.spec.config.rate;
      if (rate && p.remaining > 0) this.schedule(1000 / rate.perSecond, A_TICK, pi, 0, 0);
    });
    (this.scenario.schedule ?? []).forEach((f, k) => this.schedule(f.at, A_SCHEDULED, k, 0, 0));
    for (const a of this.aggregates) a.targets = out(a.id).map((t) => this.topicOfNode.get(t)!).filter((t) => !this.aggregates.some((x) => x.store === t) && this.nodes[this.topics[t].node].kind === 'topic');
    for (const e of this.scenario.edges) {
      const link = { ...NO_LINK_FAULTS, ...stripUndefined({ delayMs: e.delayMs, jitterMs: e.jitterMs, duplicateChance: e.duplicateChance, ackLossChance: e.ackLossChance }) };
      if (link.delayMs || link.jitterMs || link.duplicateChance || link.ackLossChance) this.links.set(`${this.nodeIndex.get(e.source)}>${this.nodeIndex.get(e.target)}`, link);
    }
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
    this.inputs.push({ ...structuredCloneJson(intent), atStep: this.stepCount, time } as Input);
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
        return `${this.evType[a]} (${this.idOf(a)}) is appended to ${this.topics[this.evTopic.get(a)].id} ${at}`;
      case A_DELIVER:
        return `${this.members[a].id} fetches its next record ${at}`;
      case A_HANDLE:
        return `${this.members[a].id} handles ${this.idOf(q.cOf(slot))} ${at}`;
      case A_COMMIT:
        return `${this.members[a].id} commits after ${this.idOf(q.cOf(slot))} ${at}`;
      case A_REBALANCE:
        return `group ${this.groups[a].name} rebalances ${at}`;
      case A_RETRY:
        return `${this.idOf(q.bOf(slot))} is due for another attempt in group ${this.groups[a].name} ${at}`;
      case A_MARK:
        return `${this.members[a].id} saves ${this.idOf(q.cOf(slot))} as processed ${at}`;
      case A_RESTART:
        return `${this.members[a].id} restarts ${at}`;
      case A_ACK:
        return `${this.members[a].id} acks ${this.idOf(q.cOf(slot))} ${at}`;
      case A_VISIBLE:
        return `the visibility timeout of ${this.idOf(this.topics[a].logs[0].get(q.bOf(slot)))} in ${this.topics[a].id} runs out ${at}`;
      case A_RELAY:
        return `${this.nodes[this.producers[a].node].id}'s outbox relay looks for rows to publish ${at}`;
      case A_SENT:
        return `${this.nodes[this.producers[a].node].id}'s relay marks a row sent ${at}`;
      case A_PCRASH:
        return `${this.nodes[this.producers[a].node].id} crashes as armed ${at}`;
      case A_PRESTART:
        return `${this.nodes[this.producers[a].node].id} restarts ${at}`;
      case A_RECOVER:
        return `${this.topics[a].id} comes back ${at}`;
      case A_JOIN:
        return `${this.members[a].id} starts and joins its group ${at}`;
      case A_SAGA_TIMEOUT:
        return `${this.sagas[a].id} checks step ${(q.cOf(slot) >> 1) + 1} of the instance for evt-${q.bOf(slot)} ${at}`;
      case A_LOAD:
        return `${this.aggregates[this.commands[a].agg].id} loads ${this.commands[a].stream} for ${this.commands[a].command} ${at}`;
      case A_APPEND:
        return `${this.aggregates[this.commands[a].agg].id} appends the events of ${this.commands[a].command} to ${this.commands[a].stream} ${at}`;
      case A_HEAL:
        return `the network between ${this.nodes[a].id} and ${this.nodes[q.bOf(slot)].id} heals ${at}`;
      case A_SCHEDULED:
        return `the scenario's scheduled ${this.scenario.schedule[a].kind} of ${this.scenario.schedule[a].node} ${at}`;
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
    return {
      seq: i,
      time: this.tTime.get(i),
      kind: STEP_KINDS[kind],
      node: node >= 0 ? this.nodes[node].id : null,
      eventId: hasEv ? this.idOf(ev) : null,
      record: hasEv ? ev : null,
      correlationId: hasEv ? `evt-${this.evCorr.get(ev)}` : null,
      eventType: hasEv ? this.evType[ev] : null,
      key: hasEv ? this.evKey[ev] : null,
      topic: hasEv ? this.topics[this.evTopic.get(ev)].id : null,
      partition: hasEv ? this.evPartition.get(ev) : null,
      offset: hasEv ? this.evOffset.get(ev) : null,
      text: this.scheduledSteps.has(i) ? this.explain(i, kind, node, ev, aux).replace(/^You /, 'As scheduled, the scenario ') : this.explain(i, kind, node, ev, aux),
    };
  }

  /** An event by record index or CloudEvents id (`evt-7`, its first record); null if not recorded. */
  event(ref: number | string): CloudEvent | null {
    const idx = typeof ref === 'number' ? ref : /^evt-(\d+)$/.exec(ref) ? Number(ref.slice(4)) : -1;
    if (idx < 0 || idx >= this.evType.length) return null;
    const key = this.evKey[idx];
    const cause = this.evCause.get(idx);
    const e: CloudEvent = {
      specversion: '1.0',
      id: this.idOf(idx),
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
    if (cause >= 0) e.causationid = this.idOf(cause);
    return e;
  }

  /** Ids of the events in one partition's log (up to the playhead), from offset `from`. */
  log(topicId: string, partition: number, from = 0, to = Infinity): string[] {
    const t = this.topicById(topicId);
    if (!t || partition < 0 || partition >= t.partitions) return [];
    const end = Math.min(to, t.logEnd[partition]);
    const out: string[] = [];
    for (let o = Math.max(0, from); o < end; o++) out.push(this.idOf(t.logs[partition].get(o)));
    return out;
  }

  /** The last few records of a partition, for drawing its log as cells. */
  private recentCells(t: TopicRt, p: number, count = RECENT_CELLS): { offset: number; id: string; type: string; key: string | null }[] {
    const out = [];
    for (let o = Math.max(0, t.logEnd[p] - count); o < t.logEnd[p]; o++) {
      const rec = t.logs[p].get(o);
      out.push({ offset: o, id: this.idOf(rec), type: this.evType[rec], key: this.evKey[rec] });
    }
    return out;
  }

  private deadLettersIn(t: TopicRt): DeadLetter[] {
    return this.deadInfo.size === 0 ? [] : this.deadLetters(t.id);
  }

  /** The dead-lettered events in a topic, in log order ([R5]). */
  deadLetters(topicId: string): DeadLetter[] {
    const t = this.topicById(topicId);
    if (!t) return [];
    const out: DeadLetter[] = [];
    for (let p = 0; p < t.partitions; p++) {
      for (let o = 0; o < t.logEnd[p]; o++) {
        const rec = t.logs[p].get(o);
        const info = this.deadInfo.get(rec);
        if (!info) continue;
        out.push({
          eventId: this.idOf(rec),
          record: rec,
          type: this.evType[rec],
          key: this.evKey[rec],
          error: info.error,
          attempts: info.attempts,
          from: this.position(info.source),
          at: this.position(rec),
          redriven: this.redriven.has(rec),
        });
      }
    }
    return out;
  }

  /** Each invariant of the scenario: holding, broken (at which step) or pending ([V1]). */
  invariantStatus(): InvariantStatus[] {
    return this.invariants.map((inv, k) => {
      const b = this.broken[k];
      const label = inv.label ?? invariantLabel(inv);
      if (b.at >= 0) return { label, kind: inv.kind, node: inv.node, status: 'broken', brokeAt: b.at, message: b.message };
      if (inv.kind === 'fold' || inv.kind === 'published' || inv.kind === 'saga-settled') {
        if (!this.idle) return { label, kind: inv.kind, node: inv.node, status: 'pending', brokeAt: null, message: 'checked when nothing is left to do' };
        const diff = inv.kind === 'fold' ? this.foldDifference(inv.node) : inv.kind === 'published' ? this.unpublished(inv.node) : this.unsettled(inv.node);
        if (diff) return { label, kind: inv.kind, node: inv.node, status: 'broken', brokeAt: this.stepCount - 1, message: diff };
      }
      return { label, kind: inv.kind, node: inv.node, status: 'holding', brokeAt: null, message: null };
    });
  }

  /** The view as it was after `step` steps, without moving the playhead: a temporal query ([J4]). */
  viewAt(step: number): EngineView {
    const here = this.stepCount;
    this.seek(step);
    const then = this.view();
    this.seek(here);
    return then;
  }

  /** Everything the UI shows about the world at the playhead, as plain data. */
  view(): EngineView {
    const nodes: Record<string, NodeView> = {};
    this.topics.forEach((t, ti) => {
      const agg = this.aggregateOfNode.get(t.node);
      if (agg !== undefined) {
        const a = this.aggregates[agg];
        nodes[t.id] = {
          kind: 'aggregate',
          streams: [...a.streams].map(([id, offs]) => ({ id, version: offs.length, state: this.streamState(a, id), snapshot: a.snapshots.get(id)?.version ?? null })),
          commands: this.commands.filter((c) => c.agg === agg).slice(-20).map((c) => ({ command: c.command, stream: c.stream, status: c.status, attempt: c.attempt })),
        };
        return;
      }
      if (t.queue) {
        const count = (st: number) => t.qState.filter((x) => x === st).length;
        nodes[t.id] = {
          kind: 'queue',
          deadLetters: this.deadLettersIn(t),
          ready: count(Q_READY),
          inFlight: count(Q_INFLIGHT),
          acked: count(Q_ACKED),
          dead: count(Q_DEAD),
          messages: t.qState.map((st, off) => ({
            id: this.idOf(t.logs[0].get(off)),
            state: (['ready', 'in flight', 'acked', 'dead-lettered'] as const)[st],
            receives: t.qReceives[off],
            holder: t.qHolder[off] >= 0 && st === Q_INFLIGHT ? this.members[t.qHolder[off]].id : null,
          })),
        };
        return;
      }
      nodes[t.id] = {
        kind: 'topic',
        deadLetters: this.deadLettersIn(t),
        partitions: Array.from({ length: t.partitions }, (_, p) => ({
          end: t.logEnd[p],
          recent: this.recentCells(t, p),
          groups: t.groups.map((g) => {
            const group = this.groups[g];
            const committed = group.committed.get(ti)![p];
            const owner = group.owner.get(ti)![p];
            return { group: group.name, committed, lag: t.logEnd[p] - committed, owner: owner >= 0 ? this.members[owner].id : null };
          }),
        })),
      };
    });
    this.producers.forEach((p) => {
      const table: Record<string, Json> = {};
      for (const r of p.rows) table[this.evKey[r.rec] ?? this.idOf(r.rec)] = this.evData[r.rec];
      nodes[this.nodes[p.node].id] = {
        kind: 'producer',
        fired: p.fired,
        remaining: p.remaining,
        targets: p.targets.map((t) => this.topics[t].id),
        alive: p.alive,
        pattern: p.spec.config.pattern,
        armed: p.armed ? p.armed.point : null,
        table: p.spec.config.pattern === 'direct' ? null : { name: p.spec.config.table, rows: table },
        outbox: p.spec.config.pattern === 'outbox' ? p.rows.map((r) => ({ event: this.idOf(r.rec), state: (['waiting', 'published, not marked sent', 'sent'] as const)[r.state] })) : null,
      };
    });
    this.members.forEach((m) => {
      const g = this.groups[m.group];
      const lag = this.groupLag(g);
      if (m.saga >= 0) {
        const saga = this.sagas[m.saga];
        const names = saga.spec.config.steps.map((st) => st.name);
        nodes[m.id] = {
          kind: 'saga',
          alive: m.alive,
          steps: names,
          armed: [...saga.armed].map(([step, fault]) => ({ step, fault })),
          instances: [...saga.instances.values()].map((inst) => ({
            id: `evt-${inst.corr}`,
            state: inst.state,
            step: inst.state === 'running' ? inst.step : null,
            done: inst.done.map((d) => names[d]),
            remaining: inst.state === 'running' ? names.slice(inst.step) : inst.state === 'compensating' ? inst.done.slice(0, inst.undo + 1).reverse().map((d) => `undo ${names[d]}`) : [],
            history: [...inst.history],
          })),
        };
        return;
      }
      if (m.projection) {
        let committed = 0;
        for (const c of g.committed.values()) for (const x of c) committed += x;
        nodes[m.id] = {
          kind: 'projection',
          alive: m.alive,
          behind: lag,
          inFlight: m.busy >= 0 ? this.idOf(m.busy) : null,
          tables: storeToObject(g.store),
          rebuild: m.rebuild ? { done: Math.min(committed, m.rebuild.target), target: m.rebuild.target, previous: storeToObject(m.rebuild.previous), since: m.rebuild.from } : null,
          metrics: { ...g.counters, retrying: g.attempts.size },
        };
        return;
      }
      nodes[m.id] = {
        kind: 'consumer',
        group: g.name,
        alive: m.alive,
        commit: m.commitBefore ? 'before' : 'after',
        idempotency: m.spec.config.idempotency,
        assigned: m.assigned.map(([t, p]) => ({ topic: this.topics[t].id, partition: p, position: m.position.get(t)![p] })),
        inFlight: m.busy >= 0 ? this.idOf(m.busy) : null,
        queues: m.queues.map((q) => this.topics[q].id),
        prefetched: m.buffer.map(([r]) => this.idOf(r)),
        armed: m.armed ? m.armed.point : null,
        handled: m.handled,
        groupLag: lag,
        metrics: { ...g.counters, retrying: g.attempts.size },
        waiting: [...g.parked].map(([key, recs]) => ({ key, behind: this.idOf(g.blocked.get(key) ?? -1), events: recs.map((r) => this.idOf(r)) })),
        state: storeToObject(g.store),
        effects: storeToObject(g.effects),
      };
    });
    const network = {
      cuts: [...this.cuts.keys()].map((k) => k.split('|').map((n) => this.nodes[Number(n)].id) as [string, string]),
      links: [...this.links].map(([k, l]) => {
        const [a, b] = k.split('>').map((n) => this.nodes[Number(n)].id);
        return { source: a, target: b, ...l };
      }),
      outages: this.topics.filter((t) => t.outageUntil >= 0).map((t) => ({ node: t.id, until: t.outageUntil, mode: t.outageAcksLost ? ('acks-lost' as const) : ('down' as const) })),
    };
    return { step: this.stepCount, horizon: this.horizon, time: this.now, next: this.nextAction(), idle: this.idle, nodes, network, invariants: this.invariantStatus() };
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
    if (kind === A_DELIVER || kind === A_HANDLE || kind === A_COMMIT || kind === A_MARK || kind === A_ACK) return this.members[a].workEpoch !== b;
    if (kind === A_RECOVER) return this.topics[a].outageNo !== b;
    if (kind === A_HEAL) return this.cuts.get(this.cutKey(a, b)) !== c;
    if (kind === A_VISIBLE) return this.topics[a].qState[b] !== Q_INFLIGHT || this.topics[a].qReceipt[b] !== c;
    if (kind === A_PUBLISH) return b >= 0 ? this.members[b].lifeEpoch !== c : b <= -2 && this.producers[-2 - b].lifeEpoch !== c;
    if (kind === A_RESTART) return this.members[a].lifeEpoch !== b || this.members[a].alive;
    if (kind === A_RELAY || kind === A_SENT || kind === A_PCRASH) return this.producers[a].lifeEpoch !== b;
    if (kind === A_PRESTART) return this.producers[a].lifeEpoch !== b || this.producers[a].alive;
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
    // Re-execution rewrites the same note; a fork drops the notes of the old future.
    if (note !== undefined) this.notes.set(i, note);
  }

  private execute(kind: number, a: number, b: number, c: number): boolean {
    switch (kind) {
      case A_TICK:
        return this.tick(a);
      case A_PUBLISH: {
        const note = this.attempt(a, b);
        const kind = note === null ? S_PUBLISH : note.startsWith('!') ? S_SENDFAIL : note.startsWith('=') ? S_DEDUP : S_PUBLISH;
        this.record(kind, this.evSource.get(a), a, b, note === null ? undefined : note.replace(/^[!=]/, ''));
        return true;
      }
      case A_RECOVER:
        this.recover(a);
        return true;
      case A_HEAL:
        this.heal(a, b, true, c);
        return true;
      case A_LOAD:
        this.loadCommand(a);
        return true;
      case A_SAGA_TIMEOUT:
        return this.sagaTimeout(a, b, c);
      case A_JOIN:
        return this.join(a);
      case A_APPEND:
        this.appendCommand(a, b);
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
      case A_RETRY:
        this.retryDue(a, b);
        return true;
      case A_MARK:
        this.mark(a, c);
        return true;
      case A_RESTART:
        this.restartMember(this.members[a].node, true);
        return true;
      case A_RELAY:
        return this.relay(a);
      case A_SENT:
        this.sent(a, c);
        return true;
      case A_PCRASH:
        this.crashProducer(a, true, null);
        return true;
      case A_PRESTART:
        this.restartProducer(a, true);
        return true;
      case A_SCHEDULED:
        this.applyScheduled(a);
        return true;
      case A_ACK:
        this.ack(a, c);
        return true;
      case A_VISIBLE:
        this.reappear(a, b);
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
    if (!prod.alive) {
      this.record(S_IGNORED, prod.node, -1, 0, `${prod.spec.id} is down, so its next event at its set rate was never produced`);
      return true;
    }
    this.emitFromProducer(p, this.fromTemplate(prod, tpl), S_PRODUCE, ti);
    return true;
  }

  /** A producer's new event, published as its pattern says ([P5], [O1]–[O3]). */
  private emitFromProducer(p: number, rec: number, kind: number, aux: number): void {
    const prod = this.producers[p];
    const cfg = prod.spec.config;
    if (cfg.pattern === 'direct') {
      const latency = this.latency(prod.node, this.topics[this.evTopic.get(rec)].node);
      if (latency > 0) {
        this.schedule(this.now + latency, A_PUBLISH, rec, -2 - p, prod.lifeEpoch);
        this.record(kind, prod.node, rec, aux, `sent; the network takes ${fmtMs(latency)} to deliver it to ${this.topics[this.evTopic.get(rec)].id}`);
        return;
      }
      const note = this.attempt(rec, -2 - p);
      this.record(kind, prod.node, rec, aux, note ?? undefined);
      return;
    }
    prod.rows.push({ rec, state: 0, published: false });
    this.record(kind, prod.node, rec, aux);
    if (cfg.pattern === 'dual-write') {
      this.schedule(this.now + cfg.publishDelayMs + this.latency(prod.node, this.topics[this.evTopic.get(rec)].node), A_PUBLISH, rec, -2 - p, prod.lifeEpoch);
    } else if (!prod.relayScheduled) {
      prod.relayScheduled = true;
      this.schedule(this.now + cfg.relayEveryMs, A_RELAY, p, prod.lifeEpoch, 0);
    }
    if (prod.armed?.point === 'after-save') this.schedule(this.now, A_PCRASH, p, prod.lifeEpoch, 0);
  }

  // -------------------------------------------------------------------------- sagas

  /** [W1]–[W4] A saga reads an event: start an instance, advance it, or compensate. */
  private sagaHandle(m: number, rec: number): void {
    const mem = this.members[m];
    const saga = this.sagas[mem.saga];
    const cfg = saga.spec.config;
    const corr = this.evCorr.get(rec);
    const type = this.evType[rec];
    let inst = saga.instances.get(corr);
    let note: string;
    if (!inst) {
      if (type === cfg.trigger && cfg.steps.length > 0) {
        inst = { corr, trigger: rec, state: 'running', step: 0, done: [], undo: -1, deaf: -1, history: ['started'] };
        saga.instances.set(corr, inst);
        note = `${saga.id} started an instance for evt-${corr}: ${this.sagaSend(saga, inst, 0, rec)}`;
      } else {
        note = `${saga.id} has no instance for evt-${corr} and ${type} does not start one: ignored`;
      }
    } else if (inst.state === 'running') {
      const st = cfg.steps[inst.step];
      if (type === st.success && inst.deaf === inst.step) {
        note = `${type} arrived, but too late for step ${inst.step + 1} "${st.name}" (you made it time out): ignored`;
      } else if (type === st.success) {
        inst.done.push(inst.step);
        inst.history.push(`${st.name} ✓`);
        inst.step++;
        if (inst.step === cfg.steps.length) {
          inst.state = 'completed';
          inst.history.push('completed');
          note = `${saga.id}: step ${inst.step} "${st.name}" succeeded (${type}); every step is done: the saga completed${this.sagaNotify(saga, inst, saga.completed, rec)}`;
        } else {
          note = `${saga.id}: step ${inst.step} "${st.name}" succeeded (${type}); ${this.sagaSend(saga, inst, inst.step, rec)}`;
        }
      } else if (st.failure !== null && type === st.failure) {
        inst.history.push(`${st.name} ✗`);
        note = `${saga.id}: step ${inst.step + 1} "${st.name}" failed (${type}); ${this.sagaCompensate(saga, inst, rec)}`;
      } else {
        note = `${saga.id} waits for ${st.success}${st.failure ? ` or ${st.failure}` : ''} for step ${inst.step + 1} "${st.name}": ${type} changes nothing`;
      }
    } else if (inst.state === 'compensating') {
      const undoing = cfg.steps[inst.done[inst.undo]];
      const comp = undoing.compensation!;
      if (comp.success !== undefined && type === comp.success) {
        inst.history.push(`${undoing.name} undone`);
        inst.undo--;
        note = `${saga.id}: "${undoing.name}" was undone (${type}); ${this.sagaContinueUndo(saga, inst, rec)}`;
      } else if (comp.failure !== undefined && type === comp.failure) {
        inst.state = 'failed';
        inst.history.push(`undo ${undoing.name} ✗`, 'failed');
        note = `${saga.id}: undoing "${undoing.name}" failed (${type}): the saga is failed and needs a person`;
      } else {
        note = `${saga.id} is compensating and waits for ${comp.success}: ${type} changes nothing`;
      }
    } else {
      note = `${saga.id}'s instance for evt-${corr} is already ${inst.state}: ${type} changes nothing`;
    }
    this.record(S_SAGA, mem.node, rec, 0, note);
    this.finishDelivery(m, rec);
  }

  /** Sends step `step`'s command; arms its timeout and any injected fault ([W2], [W5]). */
  private sagaSend(saga: SagaRt, inst: SagaInstance, step: number, cause: number): string {
    const st = saga.spec.config.steps[step];
    inst.step = step;
    this.sagaEmit(saga, saga.send[step], inst, cause);
    const fault = saga.armed.get(step);
    let extra = '';
    if (fault === 'fail') {
      saga.armed.delete(step);
      this.schedule(this.now + Math.max(1, saga.spec.config.processingMs), A_SAGA_TIMEOUT, this.sagas.indexOf(saga), inst.corr, step * 2 + 1);
      extra = ' (you injected a failure here)';
    } else {
      if (fault === 'timeout') {
        saga.armed.delete(step);
        inst.deaf = step;
        extra = ' (you made this step time out: its reply will come too late)';
      }
      if (st.timeoutMs !== null) this.schedule(this.now + st.timeoutMs, A_SAGA_TIMEOUT, this.sagas.indexOf(saga), inst.corr, step * 2);
    }
    return `step ${step + 1} "${st.name}": sent ${st.command.type} to ${st.command.topic}${extra}`;
  }

  private sagaEmit(saga: SagaRt, rules: CompiledRules, inst: SagaInstance, cause: number): void {
    this.reader.ev = inst.trigger;
    this.reader.group = this.groups[this.members[saga.member].group];
    const out = rules.run(this.evType[inst.trigger], this.reader);
    const mem = this.members[saga.member];
    for (const e of out.emits) {
      const topic = this.topicOfNode.get(this.nodeIndex.get(e.topic)!)!;
      const child = this.createEvent(e.type, this.evKey[inst.trigger], e.data, saga.node, topic, cause, 1, -1);
      this.schedule(this.now + this.latency(saga.node, this.topics[topic].node), A_PUBLISH, child, saga.member, mem.lifeEpoch);
    }
  }

  private sagaNotify(saga: SagaRt, inst: SagaInstance, rules: CompiledRules | null, cause: number): string {
    if (!rules) return '';
    this.sagaEmit(saga, rules, inst, cause);
    const msg = inst.state === 'completed' ? saga.spec.config.onCompleted! : saga.spec.config.onCompensated!;
    return `; sent ${msg.type} to ${msg.topic}`;
  }

  /** [W3] Compensate the steps that succeeded, in reverse order. */
  private sagaCompensate(saga: SagaRt, inst: SagaInstance, cause: number): string {
    inst.state = 'compensating';
    inst.undo = inst.done.length - 1;
    return `compensating the ${inst.done.length} step${inst.done.length === 1 ? '' : 's'} that succeeded, last first: ${this.sagaContinueUndo(saga, inst, cause)}`;
  }

  private sagaContinueUndo(saga: SagaRt, inst: SagaInstance, cause: number): string {
    const steps = saga.spec.config.steps;
    const sent: string[] = [];
    while (inst.undo >= 0) {
      const idx = inst.done[inst.undo];
      const comp = steps[idx].compensation;
      if (!comp) {
        inst.undo--;
        continue;
      }
      this.sagaEmit(saga, saga.undo[idx]!, inst, cause);
      sent.push(`sent ${comp.type} to undo "${steps[idx].name}"`);
      if (comp.success !== undefined) return `${sent.join('; ')}, and waits for ${comp.success}`;
      inst.history.push(`${steps[idx].name} undone`);
      inst.undo--;
    }
    inst.state = 'compensated';
    inst.history.push('compensated');
    return `${sent.length ? `${sent.join('; ')}; ` : ''}every step is undone: the saga is compensated${this.sagaNotify(saga, inst, saga.compensated, cause)}`;
  }

  private sagaTimeout(si: number, corr: number, code: number): boolean {
    const saga = this.sagas[si];
    const inst = saga.instances.get(corr);
    const step = code >> 1;
    if (!inst || inst.state !== 'running' || inst.step !== step) return false;
    const st = saga.spec.config.steps[step];
    const injected = (code & 1) === 1;
    inst.history.push(`${st.name} ${injected ? '✗ (injected)' : '⏱'}`);
    const why = injected ? `you injected a failure at step ${step + 1} "${st.name}"` : `step ${step + 1} "${st.name}" had no reply within ${fmtMs(st.timeoutMs!)}: a timeout counts as a failure`;
    this.record(S_SAGA, saga.node, inst.trigger, 1, `${saga.id}: ${why}; ${this.sagaCompensate(saga, inst, inst.trigger)}`);
    return true;
  }

  // -------------------------------------------------------------------------- aggregates

  /** Folds a stream from its latest snapshot ([A1], [A5]). */
  private foldStream(a: AggregateRt, stream: string, upTo = Infinity): { store: Map<string, Map<string, Json>>; version: number; snapshot: number | null; replayed: number } {
    const offs = a.streams.get(stream) ?? [];
    const end = Math.min(upTo, offs.length);
    const snap = a.snapshots.get(stream);
    const useSnap = snap && snap.version <= end ? snap : undefined;
    const store = useSnap ? copyStore(useSnap.state) : new Map<string, Map<string, Json>>();
    const shadow = { store } as GroupRt;
    const log = this.topics[a.store].logs[0];
    for (let i = useSnap ? useSnap.version : 0; i < end; i++) {
      const rec = log.get(offs[i]);
      this.reader.ev = rec;
      this.reader.group = shadow;
      const out = a.apply.run(this.evType[rec], this.reader);
      for (const w of out.writes) {
        let t = store.get(w.table);
        if (!t) store.set(w.table, (t = new Map()));
        t.set(w.key, w.value);
      }
    }
    return { store, version: end, snapshot: useSnap ? useSnap.version : null, replayed: end - (useSnap ? useSnap.version : 0) };
  }

  private streamState(a: AggregateRt, stream: string, upTo = Infinity): Record<string, Json> {
    const { store } = this.foldStream(a, stream, upTo);
    const out: Record<string, Json> = {};
    for (const [table, rows] of [...store].sort(([x], [y]) => (x < y ? -1 : 1))) {
      const v = rows.get(stream);
      if (v !== undefined) out[table] = v;
    }
    return out;
  }

  /** A stream's events with the state after each one: the fold, event by event ([A1]). */
  streamHistory(aggregateId: string, stream: string): { eventId: string; type: string; version: number; data: Json; state: Record<string, Json> }[] {
    const ai = this.aggregateOfNode.get(this.nodeIndex.get(aggregateId) ?? -1);
    if (ai === undefined) return [];
    const a = this.aggregates[ai];
    const offs = a.streams.get(stream) ?? [];
    const log = this.topics[a.store].logs[0];
    return offs.map((off, i) => {
      const rec = log.get(off);
      return { eventId: this.idOf(rec), type: this.evType[rec], version: i + 1, data: this.evData[rec], state: this.streamState(a, stream, i + 1) };
    });
  }

  private sendCommand(agg: number, stream: string, command: string, data: Json, cause: number, origin: number, delay: number): number {
    const c = this.commands.length;
    this.commands.push({ agg, stream, command, data, cause, origin, attempt: 0, events: null, status: 'loading' });
    this.schedule(this.now + delay, A_LOAD, c, 0, 0);
    return c;
  }

  /** [A2] Load the stream, fold it, decide: accept (events to append) or reject. */
  private loadCommand(c: number): void {
    const cmd = this.commands[c];
    const a = this.aggregates[cmd.agg];
    const { store, version, snapshot, replayed } = this.foldStream(a, cmd.stream);
    const input: RuleInput = {
      field: (path) => {
        switch (path[0]) {
          case 'data':
            return readPath(cmd.data, path, 1);
          case 'type':
            return cmd.command;
          case 'key':
          case 'subject':
          case 'stream':
            return cmd.stream;
          default:
            return undefined;
        }
      },
      data: () => cmd.data,
      read: (table, key) => store.get(table)?.get(key),
    };
    const out = a.decide.run(cmd.command, input);
    const loaded = `loaded ${cmd.stream} at version ${version}${snapshot !== null ? ` (from the snapshot at v${snapshot} + ${replayed} event${replayed === 1 ? '' : 's'})` : ` (${replayed} event${replayed === 1 ? '' : 's'} folded)`}`;
    const spec = a.spec.config.commands.find((x) => x.name === cmd.command)!;
    if (out.error !== undefined || out.rule < 0) {
      cmd.status = 'rejected';
      this.record(S_LOAD, a.node, cmd.cause, c, `${cmd.command} on ${cmd.stream}: ${loaded}, state ${JSON.stringify(this.stateOf(store, cmd.stream))}. Rejected: ${out.error ?? spec.reject}`);
      return;
    }
    cmd.events = out.emits.map((e) => ({ type: e.type, data: e.data }));
    cmd.status = 'appending';
    this.schedule(this.now + a.spec.config.processingMs, A_APPEND, c, version, 0);
    this.record(S_LOAD, a.node, cmd.cause, c, `${cmd.command} on ${cmd.stream}: ${loaded}, state ${JSON.stringify(this.stateOf(store, cmd.stream))}. Accepted: it will append ${cmd.events.map((e) => e.type).join(', ')} expecting version ${version}`);
  }

  private stateOf(store: Map<string, Map<string, Json>>, stream: string): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const [table, rows] of store) if (rows.has(stream)) out[table] = rows.get(stream)!;
    return out;
  }

  /** [A4] Append with the expected version; a stream that moved on is a conflict. */
  private appendCommand(c: number, expected: number): void {
    const cmd = this.commands[c];
    const a = this.aggregates[cmd.agg];
    let offs = a.streams.get(cmd.stream);
    const version = offs?.length ?? 0;
    if (version !== expected) {
      cmd.attempt++;
      if (cmd.attempt > a.spec.config.maxConflictRetries) {
        cmd.status = 'failed';
        this.record(S_CONFLICT, a.node, cmd.cause, c, `${cmd.command} on ${cmd.stream} expected version ${expected}, but the stream is at ${version}: a concurrency conflict, and it has been retried ${cmd.attempt - 1} times, so it gives up`);
        return;
      }
      cmd.status = 'loading';
      this.schedule(this.now + 1, A_LOAD, c, 0, 0);
      this.record(S_CONFLICT, a.node, cmd.cause, c, `${cmd.command} on ${cmd.stream} expected version ${expected}, but another command appended first (the stream is at ${version}): a concurrency conflict. Nothing was written; it reloads the stream and decides again`);
      return;
    }
    if (!offs) a.streams.set(cmd.stream, (offs = []));
    const recs: number[] = [];
    for (const e of cmd.events!) {
      const rec = this.createEvent(e.type, cmd.stream, e.data, a.node, a.store, cmd.cause, 1, -1);
      this.append(rec);
      offs.push(this.evOffset.get(rec));
      recs.push(rec);
      for (const t of a.targets) this.append(this.createEvent(e.type, cmd.stream, e.data, a.node, t, cmd.cause, 1, rec));
    }
    cmd.status = 'appended';
    let snap = '';
    const every = a.spec.config.snapshotEvery;
    if (every !== null && Math.floor(version / every) !== Math.floor(offs.length / every)) {
      const { store } = this.foldStream(a, cmd.stream);
      a.snapshots.set(cmd.stream, { version: offs.length, state: store });
      snap = `; snapshot of ${cmd.stream} taken at v${offs.length}`;
    }
    const published = a.targets.length ? `, published to ${a.targets.map((t) => this.topics[t].id).join(', ')}` : '';
    this.record(S_APPEND, a.node, recs[0], recs.length, `${a.id} appended ${recs.map((r) => `${this.evType[r]} ${this.idOf(r)}`).join(', ')} to ${cmd.stream}: version ${version} → ${offs.length} (expected ${expected})${published}${snap}`);
  }

  // -------------------------------------------------------------------------- the network

  private linkOf(from: number, to: number): Link {
    // Most scenarios have no faulty connection: skip building a `from>to` key per message.
    if (this.links.size === 0) return NO_LINK_FAULTS;
    return this.links.get(`${from}>${to}`) ?? NO_LINK_FAULTS;
  }

  /** Latency of one message on a connection: delay plus seeded jitter ([N1], [N2]). */
  private latency(from: number, to: number): number {
    const l = this.linkOf(from, to);
    if (l.jitterMs === 0) return l.delayMs;
    return l.delayMs + Math.round(this.prng.next() * l.jitterMs);
  }

  private cutKey(a: number, b: number): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  private isCut(a: number, b: number): boolean {
    return this.cuts.size > 0 && this.cuts.has(this.cutKey(a, b));
  }

  /** Why `node` cannot reach channel `t` now, or null. */
  private unreachable(node: number, t: TopicRt): string | null {
    // A `down` outage stops reads and writes; an `acks-lost` one lets both through ([N4]).
    if (t.outageUntil >= 0 && !t.outageAcksLost) return `${t.id} is unavailable`;
    if (this.isCut(node, t.node)) return `the network between ${this.nodes[node].id} and ${t.id} is cut`;
    return null;
  }

  private retryBackoff(owner: number): number {
    return owner <= -2 ? this.producers[-2 - owner].spec.config.retryBackoffMs : 100;
  }

  /**
   * One attempt to publish `rec` for its owner (a producer `-2 - p` or a member `m`).
   * Returns null when it simply appended, else a sentence: `!…` nothing was written,
   * `=…` the broker dropped a duplicate ([N4]).
   */
  private attempt(rec: number, owner: number): string | null {
    const t = this.topics[this.evTopic.get(rec)];
    const src = this.evSource.get(rec);
    const epoch = owner <= -2 ? this.producers[-2 - owner].lifeEpoch : owner >= 0 ? this.members[owner].lifeEpoch : 0;
    const backoff = this.retryBackoff(owner);
    const who = this.nodes[src].id;
    const why = this.unreachable(src, t);
    if (why) {
      this.schedule(this.now + backoff, A_PUBLISH, rec, owner, epoch);
      return `!${who} could not publish ${this.evType[rec]} ${this.idOf(rec)}: ${why}. It retries in ${fmtMs(backoff)}`;
    }
    const idempotent = owner <= -2 && this.producers[-2 - owner].spec.config.idempotent;
    let out = rec;
    let note: string | null = null;
    if (this.ackLost.has(rec)) {
      this.ackLost.delete(rec);
      if (idempotent) {
        this.markPublished(rec, owner);
        return `=${who} retried ${this.idOf(rec)}, but the broker already had it: with an idempotent producer it recognises the same producer id and sequence number and drops the copy`;
      }
      out = this.createEvent(this.evType[rec], this.evKey[rec], this.evData[rec], src, this.evTopic.get(rec), -1, this.evSchema.get(rec), rec);
      note = `${who} retried ${this.idOf(rec)} after a lost ack, and the broker appended it again at ${t.id} p${this.evPartition.get(out)}: a duplicate with the same id`;
    }
    this.append(out);
    this.markPublished(rec, owner);
    const chance = this.linkOf(src, t.node).ackLossChance;
    if ((t.outageUntil >= 0 && t.outageAcksLost) || (chance > 0 && this.prng.next() < chance)) {
      this.ackLost.add(rec);
      this.schedule(this.now + backoff, A_PUBLISH, rec, owner, epoch);
      const lost = `the broker wrote ${this.idOf(rec)} to ${t.id} p${this.evPartition.get(out)} @${this.evOffset.get(out)}, but its acknowledgement was lost, so ${who} will send it again in ${fmtMs(backoff)}`;
      return note ? `${note}; and again ${lost}` : lost;
    }
    return note;
  }

  private markPublished(rec: number, owner: number): void {
    if (owner > -2) return;
    const row = this.rowOf(this.producers[-2 - owner], rec);
    if (row) row.published = true;
  }

  private recover(t: number): void {
    const topic = this.topics[t];
    topic.outageUntil = -1;
    this.record(S_RECOVER, topic.node, -1, 0);
    this.wakeReaders(topic);
  }

  private wakeReaders(topic: TopicRt): void {
    for (const m of topic.readers) this.wake(m);
    for (const g of topic.groups) for (const m of this.groups[g].members) this.wake(m);
  }

  /** Is member `m` cut off from any topic its group reads? Then the group leaves it out ([N5]). */
  private cutFromGroup(m: number): boolean {
    if (this.cuts.size === 0) return false;
    const mem = this.members[m];
    return mem.topics.some((t) => this.isCut(mem.node, this.topics[t].node));
  }

  private heal(a: number, b: number, scheduled: boolean, cutNo = -1): void {
    const key = this.cutKey(a, b);
    if (!this.cuts.has(key) || (cutNo >= 0 && this.cuts.get(key) !== cutNo)) return;
    this.cuts.delete(key);
    this.record(S_HEAL, a, -1, scheduled ? 1 : 0, this.nodes[b].id);
    for (const n of [a, b]) {
      const m = this.memberOfNode.get(n);
      if (m !== undefined) {
        const g = this.groups[this.members[m].group];
        if (g.topics.length > 0) this.schedule(this.now, A_REBALANCE, this.members[m].group, 4, n);
        this.wake(m);
      }
      const t = this.topicOfNode.get(n);
      if (t !== undefined) this.wakeReaders(this.topics[t]);
    }
  }

  private rowOf(prod: ProducerRt, rec: number): SavedRow | undefined {
    for (let i = prod.rows.length - 1; i >= 0; i--) if (prod.rows[i].rec === rec) return prod.rows[i];
    return undefined;
  }

  /** [O3] The outbox relay publishes the oldest row not yet sent. */
  private relay(p: number): boolean {
    const prod = this.producers[p];
    prod.relayScheduled = false;
    const idx = prod.rows.findIndex((r) => r.state === 0);
    if (idx < 0) return false;
    const row = prod.rows[idx];
    const cfg = prod.spec.config;
    const t = this.topics[this.evTopic.get(row.rec)];
    const why = this.unreachable(prod.node, t);
    if (why) {
      // [N4] The relay retries later; the row waits in the outbox, nothing is lost.
      prod.relayScheduled = true;
      this.schedule(this.now + cfg.retryBackoffMs, A_RELAY, p, prod.lifeEpoch, 0);
      this.record(S_SENDFAIL, prod.node, row.rec, 0, `${prod.spec.id}'s outbox relay could not publish ${this.idOf(row.rec)}: ${why}. The row stays in the outbox; the relay tries again in ${fmtMs(cfg.retryBackoffMs)}`);
      return true;
    }
    if (row.published && cfg.idempotent) {
      row.state = 1;
      this.record(S_DEDUP, prod.node, row.rec, 0, `${prod.spec.id}'s relay sent ${this.idOf(row.rec)} again, but the broker already had it: the idempotent producer's copy is dropped`);
      this.schedule(this.now, A_SENT, p, prod.lifeEpoch, idx);
      return true;
    }
    // A row published before a crash is published again: a copy with the same id.
    const out = row.published ? this.createEvent(this.evType[row.rec], this.evKey[row.rec], this.evData[row.rec], prod.node, this.evTopic.get(row.rec), -1, this.evSchema.get(row.rec), row.rec) : row.rec;
    this.append(out);
    row.state = 1;
    const chance = this.linkOf(prod.node, t.node).ackLossChance;
    if ((t.outageUntil >= 0 && t.outageAcksLost) || (chance > 0 && this.prng.next() < chance)) {
      // The ack is lost: the relay does not mark the row sent and will publish it again.
      row.state = 0;
      row.published = true;
      prod.relayScheduled = true;
      this.schedule(this.now + cfg.retryBackoffMs, A_RELAY, p, prod.lifeEpoch, 0);
      this.record(S_RELAY, prod.node, out, 2, `its acknowledgement was lost, so the row is not marked sent and the relay will publish it again in ${fmtMs(cfg.retryBackoffMs)}`);
      return true;
    }
    this.record(S_RELAY, prod.node, out, row.published ? 1 : 0);
    row.published = true;
    if (prod.armed?.point === 'after-publish') this.schedule(this.now, A_PCRASH, p, prod.lifeEpoch, 0);
    this.schedule(this.now, A_SENT, p, prod.lifeEpoch, idx);
    return true;
  }

  private sent(p: number, idx: number): void {
    const prod = this.producers[p];
    prod.rows[idx].state = 2;
    this.record(S_SENT, prod.node, prod.rows[idx].rec, 0);
    if (prod.rows.some((r) => r.state === 0)) {
      prod.relayScheduled = true;
      this.schedule(this.now + FETCH_DELAY_MS, A_RELAY, p, prod.lifeEpoch, 0);
    }
  }

  private crashProducer(p: number, armed: boolean, restartAfterMs: number | null): void {
    const prod = this.producers[p];
    restartAfterMs = armed ? (prod.armed?.restartAfterMs ?? null) : restartAfterMs;
    prod.alive = false;
    prod.lifeEpoch++;
    prod.armed = null;
    prod.relayScheduled = false;
    let unsent = 0;
    let lost = 0;
    for (const r of prod.rows) {
      if (r.state === 1) r.state = 0; // published, never marked sent: the relay will send it again
      if (!r.published && prod.spec.config.pattern === 'dual-write') lost++;
      if (r.state === 0 && prod.spec.config.pattern === 'outbox') unsent++;
    }
    if (lost > 0) this.producerLost(prod, `${prod.spec.id} crashed between saving and publishing: ${lost} saved change${lost > 1 ? 's were' : ' was'} never published`);
    this.record(S_CRASH, prod.node, -1, (armed ? 1 : 0) | (lost << 1), `${unsent}`);
    if (restartAfterMs !== null) this.schedule(this.now + restartAfterMs, A_PRESTART, p, prod.lifeEpoch, 0);
  }

  private restartProducer(p: number, scheduled: boolean): void {
    const prod = this.producers[p];
    prod.alive = true;
    this.record(S_RESTART, prod.node, -1, scheduled ? 1 : 0);
    if (prod.spec.config.pattern === 'outbox' && prod.rows.some((r) => r.state === 0)) {
      prod.relayScheduled = true;
      this.schedule(this.now + FETCH_DELAY_MS, A_RELAY, p, prod.lifeEpoch, 0);
    }
  }

  private producerLost(prod: ProducerRt, message: string): void {
    this.invariants.forEach((inv, k) => {
      if (inv.kind === 'published' && inv.node === prod.spec.id && this.broken[k].at < 0) this.broken[k] = { at: this.stepCount, message };
    });
  }

  private fromTemplate(prod: ProducerRt, tpl: ProducerRt['templates'][number]): number {
    prod.fired++;
    const t = tpl.t;
    let key: Json = t.key ?? null;
    let data = (t.data ?? {}) as Json;
    // Key first, then data, fields in order: the PRNG draws in a fixed order ([P4]).
    if (tpl.key) key = tpl.key(prod.fired, this.prng);
    if (tpl.data) data = tpl.data(prod.fired, this.prng);
    return this.createEvent(t.type, key === null ? null : String(key), data, prod.node, tpl.topic, -1, t.schemaVersion, -1);
  }

  /** Creates a record; `idOf` ≥ 0 makes it a copy carrying that record's CloudEvents id. */
  private createEvent(type: string, key: string | null, data: Json, source: number, topic: number, cause: number, schema: number, idOf: number): number {
    const idx = this.eventCount++;
    const t = this.topics[topic];
    // Key → partition with Kafka's default partitioner; keyless events round-robin ([P2], [P3]).
    const partition = key !== null ? partitionForKey(key, t.partitions) : t.rr++ % t.partitions;
    this.evType[idx] = type;
    this.evKey[idx] = key;
    this.evData[idx] = data;
    this.evIdOf.set(idx, idOf >= 0 ? this.evIdOf.get(idOf) : idx);
    this.evSource.set(idx, source);
    this.evTime.set(idx, idOf >= 0 ? this.evTime.get(idOf) : this.now);
    this.evCorr.set(idx, idOf >= 0 ? this.evCorr.get(idOf) : cause >= 0 ? this.evCorr.get(cause) : idx);
    this.evCause.set(idx, idOf >= 0 ? this.evCause.get(idOf) : cause);
    this.evTopic.set(idx, topic);
    this.evPartition.set(idx, partition);
    this.evOffset.set(idx, -1);
    this.evSchema.set(idx, schema);
    return idx;
  }

  /** Appends a record at the end of its partition and wakes the groups that read it ([P1]). */
  private append(ev: number): void {
    const ti = this.evTopic.get(ev);
    const t = this.topics[ti];
    const p = this.evPartition.get(ev);
    const offset = t.logEnd[p]++;
    t.logs[p].set(offset, ev);
    this.evOffset.set(ev, offset);
    if (t.queue) {
      t.qState[offset] = Q_READY;
      t.qReceives[offset] = 0;
      t.qReceipt[offset] = 0;
      t.qHolder[offset] = -1;
      for (const m of t.readers) this.wake(m);
      return;
    }
    for (const g of t.groups) {
      const owner = this.groups[g].owner.get(ti)![p];
      if (owner >= 0) this.wake(owner);
    }
  }

  // -------------------------------------------------------------------------- consumers

  private wake(m: number): void {
    const mem = this.members[m];
    if (!mem.alive || mem.busy >= 0 || mem.pollScheduled || !this.hasRecords(m)) return;
    mem.pollScheduled = true;
    this.schedule(this.now + FETCH_DELAY_MS + this.inboundLatency(m), A_DELIVER, m, mem.workEpoch, 0);
  }

  /** The slowest connection into a member adds to its fetch delay ([N1], [N2]). */
  private inboundLatency(m: number): number {
    if (this.links.size === 0) return 0;
    const mem = this.members[m];
    let worst: Link = NO_LINK_FAULTS;
    for (const t of [...mem.topics, ...mem.queues]) {
      const l = this.linkOf(this.topics[t].node, mem.node);
      if (l.delayMs + l.jitterMs > worst.delayMs + worst.jitterMs) worst = l;
    }
    return worst.delayMs + (worst.jitterMs ? Math.round(this.prng.next() * worst.jitterMs) : 0);
  }

  /** Can this member read from channel `t` now? ([N4], [N5]) */
  private canRead(mem: MemberRt, t: number): boolean {
    return this.unreachable(mem.node, this.topics[t]) === null;
  }

  private owns(m: number, rec: number): boolean {
    const owner = this.groups[this.members[m].group].owner.get(this.evTopic.get(rec));
    return owner !== undefined && owner[this.evPartition.get(rec)] === m;
  }

  private hasRecords(m: number): boolean {
    const mem = this.members[m];
    const g = this.groups[mem.group];
    for (const rec of g.readyRec) if (this.owns(m, rec) && this.canRead(mem, this.evTopic.get(rec))) return true;
    if (mem.buffer.length > 0) return true;
    for (const [t, p] of mem.assigned) if (mem.position.get(t)![p] < this.topics[t].logEnd[p] && this.canRead(mem, t)) return true;
    for (const q of mem.queues) if (this.topics[q].qState.includes(Q_READY) && this.canRead(mem, q)) return true;
    return false;
  }

  private deliver(m: number): boolean {
    const mem = this.members[m];
    const group = this.groups[mem.group];
    mem.pollScheduled = false;
    // Records handed back (duplicates, due retries, released ones) come first ([X2], [R3]).
    for (let i = 0; i < group.readyRec.length; i++) {
      const rec = group.readyRec[i];
      if (!this.owns(m, rec) || !this.canRead(mem, this.evTopic.get(rec))) continue;
      const kind = group.readyKind[i];
      group.readyRec.splice(i, 1);
      group.readyKind.splice(i, 1);
      mem.busy = rec;
      mem.busyKind = kind;
      this.record(S_DELIVER, mem.node, rec, -1 - kind);
      this.schedule(this.now + mem.spec.config.processingMs, A_HANDLE, m, mem.workEpoch, rec);
      return true;
    }
    if (mem.buffer.length > 0) {
      const [rec, receipt] = mem.buffer.shift()!;
      mem.busy = rec;
      mem.busyKind = D_QUEUE;
      mem.busyReceipt = receipt;
      this.record(S_DELIVER, mem.node, rec, -1 - D_QUEUE);
      this.schedule(this.now + mem.spec.config.processingMs, A_HANDLE, m, mem.workEpoch, rec);
      return true;
    }
    const n = mem.assigned.length;
    // Round-robin over assigned partitions, starting after the last one served ([C4]).
    for (let k = 0; k < n; k++) {
      const idx = (mem.rr + k) % n;
      const [t, p] = mem.assigned[idx];
      const pos = mem.position.get(t)!;
      const topic = this.topics[t];
      if (pos[p] >= topic.logEnd[p] || !this.canRead(mem, t)) continue;
      const ev = topic.logs[p].get(pos[p]);
      pos[p]++;
      mem.rr = (idx + 1) % n;
      mem.busy = ev;
      mem.busyKind = D_NORMAL;
      const committed = group.committed.get(t)![p];
      this.record(S_DELIVER, mem.node, ev, committed);
      if (mem.commitBefore) {
        this.schedule(this.now, A_COMMIT, m, mem.workEpoch, ev);
      }
      this.schedule(this.now + mem.spec.config.processingMs, A_HANDLE, m, mem.workEpoch, ev);
      return true;
    }
    for (const q of mem.queues) if (this.canRead(mem, q) && this.receive(m, q)) return true;
    return false;
  }

  /** [Q2] [Q3] A consumer takes up to `prefetch` ready messages; each is invisible until acked or timed out. */
  private receive(m: number, q: number): boolean {
    const mem = this.members[m];
    const t = this.topics[q];
    const cfg = t.queue!;
    const got: [number, number][] = [];
    const dead: string[] = [];
    for (let off = 0; off < t.logEnd[0] && got.length < mem.spec.config.prefetch; off++) {
      if (t.qState[off] !== Q_READY) continue;
      const rec = t.logs[0].get(off);
      if (cfg.maxReceiveCount !== null && t.qReceives[off] >= cfg.maxReceiveCount) {
        // [Q5] Received too often without an ack: moved to the dead-letter channel instead.
        t.qState[off] = Q_DEAD;
        this.deadLetter(rec, t.node, cfg.deadLetter!, `received ${t.qReceives[off]} times without an ack (maxReceiveCount ${cfg.maxReceiveCount})`, t.qReceives[off]);
        dead.push(this.idOf(rec));
        continue;
      }
      t.qState[off] = mem.commitBefore ? Q_ACKED : Q_INFLIGHT;
      t.qReceives[off]++;
      const receipt = ++t.qReceipt[off];
      t.qHolder[off] = m;
      if (!mem.commitBefore) this.schedule(this.now + cfg.visibilityTimeoutMs, A_VISIBLE, q, off, receipt);
      got.push([rec, receipt]);
    }
    if (got.length === 0 && dead.length === 0) return false;
    const note = `${dead.length ? `${dead.join(', ')} went to ${cfg.deadLetter}; ` : ''}${got.map(([r]) => `${this.idOf(r)} (receive ${t.qReceives[this.evOffset.get(r)]})`).join(', ')}`;
    if (got.length === 0) {
      this.record(S_RECEIVE, mem.node, -1, 0, note);
      this.wake(m);
      return true;
    }
    const [first, receipt] = got.shift()!;
    mem.buffer.push(...got);
    mem.busy = first;
    mem.busyKind = D_QUEUE;
    mem.busyReceipt = receipt;
    this.record(S_RECEIVE, mem.node, first, got.length + 1, note);
    this.schedule(this.now + mem.spec.config.processingMs, A_HANDLE, m, mem.workEpoch, first);
    return true;
  }

  /** [Q4] The handler is done: delete the message, if this receipt still holds it. */
  private ack(m: number, rec: number): void {
    const mem = this.members[m];
    const t = this.topics[this.evTopic.get(rec)];
    const off = this.evOffset.get(rec);
    const reachable = !this.isCut(mem.node, t.node);
    const held = reachable && t.qState[off] === Q_INFLIGHT && t.qReceipt[off] === mem.busyReceipt;
    if (held) t.qState[off] = Q_ACKED;
    this.record(S_ACK, mem.node, rec, held ? 1 : reachable ? 0 : -1);
    this.finish(m);
  }

  /** [Q3] The visibility timeout ran out before an ack: the message is offered again. */
  private reappear(q: number, off: number): void {
    const t = this.topics[q];
    const holder = t.qHolder[off];
    const rec = t.logs[0].get(off);
    t.qState[off] = Q_READY;
    t.qHolder[off] = -1;
    if (holder >= 0) {
      const mem = this.members[holder];
      mem.buffer = mem.buffer.filter(([r]) => r !== rec);
    }
    this.record(S_VISIBLE, t.node, rec, holder >= 0 ? this.members[holder].node : -1);
    for (const m of t.readers) this.wake(m);
  }

  private handle(m: number, rec: number): void {
    const mem = this.members[m];
    const group = this.groups[mem.group];
    const cfg = mem.spec.config;
    const key = this.evKey[rec];
    const normal = mem.busyKind === D_NORMAL;
    if (mem.saga >= 0) {
      this.sagaHandle(m, rec);
      return;
    }

    // [R4] While a key is being retried, later events of that key wait behind it.
    if (key !== null && cfg.ordering === 'block-key' && group.blocked.has(key) && group.blocked.get(key) !== rec && (normal || mem.busyKind === D_DUPLICATE)) {
      let q = group.parked.get(key);
      if (!q) group.parked.set(key, (q = []));
      q.push(rec);
      group.counters.parked++;
      this.account(group, rec);
      this.record(S_PARK, mem.node, rec, group.blocked.get(key)!);
      this.finishDelivery(m, rec);
      return;
    }

    if (mem.armed?.point === 'before-handle') {
      this.crashMember(m, 'before-handle');
      return;
    }

    // [D2] [D3] Idempotency: a duplicate is recognised and skipped.
    const id = this.evIdOf.get(rec);
    const dup = this.duplicateReason(mem, group, rec, id);
    if (dup) {
      group.counters.duplicatesSkipped++;
      this.account(group, rec);
      group.attempts.delete(rec);
      this.releaseKey(group, rec);
      this.record(S_SKIP, mem.node, rec, 0, dup);
      this.finishDelivery(m, rec);
      return;
    }

    this.reader.ev = rec;
    this.reader.group = group;
    const schemaProblem = this.upcastFor(mem, rec);
    const out = schemaProblem || (mem.failWhen && mem.failWhen(this.reader)) ? null : mem.rules.run(this.evType[rec], this.reader, this.handleOut);
    mem.handled++;
    if (!out || out.error !== undefined) {
      this.reader.upcast = null;
      this.fail(m, rec, out ? out.error! : (schemaProblem ?? 'the handler has a bug for events like this one (its failWhen condition matches): a poison message'));
      return;
    }
    this.reader.upcast = null;

    // Side effects happen in the outside world first; they cannot be rolled back ([X1]).
    for (const e of out.effects) {
      let table = group.effects.get(e.name);
      if (!table) group.effects.set(e.name, (table = new Map()));
      const n = (table.get(e.key) ?? 0) + 1;
      table.set(e.key, n);
      if (n > 1) this.violate(group, 'at-most-once', (inv) => inv.kind === 'at-most-once' && inv.effect === e.name, `"${e.name}" happened ${n} times for ${e.key} (handling ${this.idOf(rec)})`);
    }
    if (mem.armed?.point === 'after-effects') {
      this.crashMember(m, 'after-effects', out.effects.length);
      return;
    }

    for (const w of out.writes) {
      let table = group.store.get(w.table);
      if (!table) group.store.set(w.table, (table = new Map()));
      table.set(w.key, w.value);
      this.checkStateInvariants(group, w.table, w.key, w.value);
    }
    if (cfg.idempotency === 'processed-ids') this.saveProcessed(group, id);
    if (cfg.idempotency === 'version' && key !== null) this.storeTable(group, VERSIONS_TABLE).set(key, this.evOffset.get(rec));
    this.checkOrder(group, rec);
    group.counters.processed++;
    this.account(group, rec);
    group.attempts.delete(rec);
    this.releaseKey(group, rec);

    for (const c of out.commands) {
      const agg = this.aggregateOfNode.get(this.nodeIndex.get(c.aggregate)!)!;
      this.sendCommand(agg, c.stream, c.command, c.data, rec, mem.node, this.latency(mem.node, this.aggregates[agg].node));
    }
    for (const e of out.emits) {
      const topic = this.topicOfNode.get(this.nodeIndex.get(e.topic)!)!;
      const child = this.createEvent(e.type, e.key, e.data, mem.node, topic, rec, 1, -1);
      this.schedule(this.now + this.latency(mem.node, this.topics[topic].node), A_PUBLISH, child, m, mem.lifeEpoch);
    }
    if (mem.armed?.point === 'after-save') {
      this.crashMember(m, 'after-save');
      return;
    }
    this.record(S_HANDLE, mem.node, rec, out.rule);
    if (cfg.idempotency === 'processed-ids-separate') {
      // [D4] The processed id is saved in a step of its own: a crash between loses it.
      this.schedule(this.now, A_MARK, m, mem.workEpoch, rec);
      return;
    }
    this.finishDelivery(m, rec);
  }

  /**
   * Applies the member's upcasters to the event's data for its rules ([S2]); returns why
   * the handler cannot read this schema version, or null ([S3]).
   */
  private upcastFor(mem: MemberRt, rec: number): string | null {
    this.reader.upcast = null;
    let version = this.evSchema.get(rec);
    const ups = mem.spec.config.upcasters;
    if (ups.length > 0) {
      let data = this.evData[rec];
      const type = this.evType[rec];
      for (let changed = true; changed; ) {
        changed = false;
        for (const u of ups) {
          if (u.type !== type || u.from !== version) continue;
          data = upcast(data, u);
          version = u.to;
          changed = true;
        }
      }
      if (version !== this.evSchema.get(rec)) this.reader.upcast = { data, version };
    }
    const max = mem.spec.config.schema;
    if (max !== null && version > max) {
      return `${mem.id} only understands ${this.evType[rec]} up to schema version ${max}, and this event is version ${version}${ups.length ? ' even after its upcasters' : ''}`;
    }
    return null;
  }

  private duplicateReason(mem: MemberRt, group: GroupRt, rec: number, id: number): string | null {
    const mode = mem.spec.config.idempotency;
    if ((mode === 'processed-ids' || mode === 'processed-ids-separate') && group.store.get(PROCESSED_TABLE)?.has(`evt-${id}`)) {
      return `${mem.id} skipped evt-${id}: its id is already in the ${PROCESSED_TABLE} table, so this delivery is a duplicate`;
    }
    const key = this.evKey[rec];
    if (mode === 'version' && key !== null) {
      const seen = group.store.get(VERSIONS_TABLE)?.get(key);
      const offset = this.evOffset.get(rec);
      if (typeof seen === 'number' && seen >= offset) {
        return `${mem.id} skipped evt-${id}: ${key} is already at version ${seen} (offset), and this record is offset ${offset}, so it changes nothing`;
      }
    }
    return null;
  }

  private storeTable(group: GroupRt, name: string): Map<string, Json> {
    let t = group.store.get(name);
    if (!t) group.store.set(name, (t = new Map()));
    return t;
  }

  private saveProcessed(group: GroupRt, id: number): void {
    this.storeTable(group, PROCESSED_TABLE).set(`evt-${id}`, true);
  }

  private mark(m: number, rec: number): void {
    const mem = this.members[m];
    this.saveProcessed(this.groups[mem.group], this.evIdOf.get(rec));
    this.record(S_MARK, mem.node, rec, 0);
    this.finishDelivery(m, rec);
  }

  /** After handling (or skipping, parking, failing) a record: commit it or go idle. */
  private finishDelivery(m: number, rec: number): void {
    const mem = this.members[m];
    if (mem.busyKind === D_QUEUE && !mem.commitBefore) {
      this.schedule(this.now, A_ACK, m, mem.workEpoch, rec);
      return;
    }
    if (mem.busyKind !== D_NORMAL || mem.commitBefore) {
      // Extra deliveries are not part of the log position: nothing to commit ([X2]).
      this.finish(m);
      return;
    }
    this.schedule(this.now, A_COMMIT, m, mem.workEpoch, rec);
  }

  private commit(m: number, ev: number): void {
    const mem = this.members[m];
    const group = this.groups[mem.group];
    const t = this.evTopic.get(ev);
    const p = this.evPartition.get(ev);
    const next = this.evOffset.get(ev) + 1;
    const committed = group.committed.get(t)!;
    const before = committed[p];
    if (this.isCut(mem.node, this.topics[t].node)) {
      // [N5] The commit cannot reach the broker: the record will be delivered again.
      this.record(S_COMMIT, mem.node, ev, -1);
      if (!mem.commitBefore) this.finish(m);
      return;
    }
    committed[p] = next;
    const dup = this.linkOf(this.topics[t].node, mem.node).duplicateChance;
    if (dup > 0 && this.prng.next() < dup) {
      // [N3] The nemesis on this connection repeats the delivery.
      group.readyRec.push(ev);
      group.readyKind.push(D_DUPLICATE);
      this.record(S_COMMIT, mem.node, ev, next, `and the network will deliver ${this.idOf(ev)} again (a ${Math.round(dup * 100)}% duplicate chance on ${this.topics[t].id} → ${mem.id})`);
    } else this.record(S_COMMIT, mem.node, ev, next);
    if (group.watchers.length) {
      // [V3] Offsets committed past records the group never accounted for are lost events.
      for (let o = before; o < next; o++) {
        const rec = this.topics[t].logs[p].get(o);
        if (!group.accounted.has(rec) && rec !== mem.busy) this.lost(group, rec, 'its offset was committed but it was never handled');
      }
    }
    if (!mem.commitBefore) this.finish(m);
  }

  /** No-loss bookkeeping ([V3]), kept only for groups an invariant watches: it grows with the log. */
  private account(group: GroupRt, rec: number): void {
    if (group.watchers.length > 0) group.accounted.add(rec);
  }

  private finish(m: number): void {
    const mem = this.members[m];
    mem.busy = -1;
    mem.busyKind = D_NORMAL;
    this.wake(m);
  }

  // -------------------------------------------------------------------------- retries and dead letters

  private fail(m: number, rec: number, error: string): void {
    const mem = this.members[m];
    const group = this.groups[mem.group];
    const cfg = mem.spec.config;
    group.counters.failed++;
    if (mem.busyKind === D_QUEUE) {
      // [Q4] A queue consumer nacks: the message is ready again at once; the queue's
      // maxReceiveCount, not the consumer's retry settings, decides when it is dead-lettered.
      const t = this.topics[this.evTopic.get(rec)];
      const off = this.evOffset.get(rec);
      const held = t.qState[off] === Q_INFLIGHT && t.qReceipt[off] === mem.busyReceipt;
      if (held) {
        t.qState[off] = Q_READY;
        t.qHolder[off] = -1;
      }
      this.account(group, rec);
      this.record(S_ERROR, mem.node, rec, 0, `${error}. ${held ? `It nacked the message: back in ${t.id} (received ${t.qReceives[off]} time${t.qReceives[off] > 1 ? 's' : ''} so far)` : 'Its visibility timeout had already run out'}`);
      this.finish(m);
      for (const r of t.readers) this.wake(r);
      return;
    }
    const attempts = (group.attempts.get(rec) ?? 0) + 1;
    const key = this.evKey[rec];
    if (attempts < cfg.retry.maxAttempts) {
      // [R1] [R2] Another attempt later, with backoff in logical time.
      group.attempts.set(rec, attempts);
      group.counters.retried++;
      const delay = this.backoff(cfg.retry, attempts);
      if (key !== null && cfg.ordering === 'block-key' && !group.blocked.has(key)) group.blocked.set(key, rec);
      this.schedule(this.now + delay, A_RETRY, mem.group, rec, 0);
      this.account(group, rec);
      this.record(S_ERROR, mem.node, rec, attempts, `${error}. Attempt ${attempts} of ${cfg.retry.maxAttempts} failed: the next in ${fmtMs(delay)}`);
      this.finishDelivery(m, rec);
      return;
    }
    group.attempts.delete(rec);
    const dl = cfg.deadLetter;
    if (dl !== null) {
      // [R5] Out of attempts: the event goes to the dead-letter topic, keeping its id.
      const copy = this.deadLetter(rec, mem.node, dl, error, attempts);
      group.counters.deadLettered++;
      this.account(group, rec);
      this.record(S_DEAD, mem.node, copy, attempts, `${error}. After ${attempts} attempt${attempts > 1 ? 's' : ''} ${mem.id} moved it to ${dl} p${this.evPartition.get(copy)} @${this.evOffset.get(copy)}`);
    } else {
      // [H6] No attempts left and no dead-letter topic: the event is dropped.
      this.lost(group, rec, `${mem.id} gave up on it after ${attempts} attempt${attempts > 1 ? 's' : ''} with no dead-letter topic`);
      this.account(group, rec);
      this.record(S_ERROR, mem.node, rec, 0, `${error}. ${attempts > 1 ? `That was the last of ${attempts} attempts and t` : 'T'}here is no dead-letter topic, so the event is skipped`);
    }
    this.releaseKey(group, rec);
    this.finishDelivery(m, rec);
  }

  /** Appends a copy of `rec` (same id) to the dead-letter channel `target`; returns the copy. */
  private deadLetter(rec: number, from: number, target: string, error: string, attempts: number): number {
    const topic = this.topicOfNode.get(this.nodeIndex.get(target)!)!;
    const copy = this.createEvent(this.evType[rec], this.evKey[rec], this.evData[rec], from, topic, -1, this.evSchema.get(rec), rec);
    this.deadInfo.set(copy, { source: rec, error, attempts });
    this.append(copy);
    return copy;
  }

  private backoff(r: ConsumerSpec['config']['retry'], attempt: number): number {
    if (r.backoff === 'immediate') return 0;
    const base = Math.min(r.maxMs, r.initialMs * 2 ** (attempt - 1));
    // "Equal jitter": half fixed, half random, drawn from the engine's seeded PRNG.
    return r.jitter ? Math.round(base / 2 + this.prng.next() * (base / 2)) : base;
  }

  private retryDue(g: number, rec: number): void {
    const group = this.groups[g];
    group.readyRec.push(rec);
    group.readyKind.push(D_RETRY);
    const ti = this.evTopic.get(rec);
    const owner = group.owner.get(ti)![this.evPartition.get(rec)];
    this.record(S_RETRY, owner >= 0 ? this.members[owner].node : -1, rec, g);
    if (owner >= 0) this.wake(owner);
  }

  /** A record that held its key is done: the records waiting behind it go, in order ([R4]). */
  private releaseKey(group: GroupRt, rec: number): void {
    const key = this.evKey[rec];
    if (key === null || group.blocked.get(key) !== rec) return;
    group.blocked.delete(key);
    const waiting = group.parked.get(key);
    if (!waiting) return;
    group.parked.delete(key);
    for (const r of waiting) {
      group.readyRec.push(r);
      group.readyKind.push(D_RELEASED);
    }
    for (const m of group.members) this.wake(m);
  }

  // -------------------------------------------------------------------------- invariants

  private violate(group: GroupRt, kind: Invariant['kind'], match: (inv: Invariant) => boolean, message: string): void {
    for (const k of group.watchers) {
      const inv = this.invariants[k];
      if (inv.kind !== kind || !match(inv) || this.broken[k].at >= 0) continue;
      this.broken[k] = { at: this.stepCount, message };
    }
  }

  private lost(group: GroupRt, rec: number, why: string): void {
    this.violate(group, 'no-loss', () => true, `${this.idOf(rec)} (${this.evType[rec]}) was lost: ${why}`);
  }

  private checkStateInvariants(group: GroupRt, table: string, key: string, value: Json): void {
    if (!group.watchers.length) return;
    this.violate(
      group,
      'state',
      (inv) => inv.kind === 'state' && inv.table === table && !compare(inv.op, value, inv.value),
      `${table}[${key}] became ${JSON.stringify(value)}`,
    );
  }

  private checkOrder(group: GroupRt, rec: number): void {
    // [V4] Each successful handling of a key must not go back to an earlier offset.
    const key = this.evKey[rec];
    if (!group.watchers.length || key === null) return;
    const offset = this.evOffset.get(rec);
    const last = group.lastFirst.get(key);
    if (last !== undefined && last > offset) {
      this.violate(group, 'key-order', () => true, `${this.idOf(rec)} (offset ${offset}) of key ${key} was handled after an event of that key at offset ${last}`);
    }
    if (last === undefined || offset > last) group.lastFirst.set(key, offset);
  }

  /** [W6] Saga instances that ended neither completed nor compensated. */
  private unsettled(nodeId: string): string | null {
    const saga = this.sagas[this.sagaOfNode.get(this.nodeIndex.get(nodeId)!)!];
    const stuck = [...saga.instances.values()].filter((i) => i.state !== 'completed' && i.state !== 'compensated');
    return stuck.length ? stuck.map((i) => `the instance for evt-${i.corr} is ${i.state}${i.state === 'running' ? ` at step ${i.step + 1} "${saga.spec.config.steps[i.step].name}"` : ''}`).join('; ') : null;
  }

  /** [V7] Saved changes whose event never reached a topic. */
  private unpublished(nodeId: string): string | null {
    const prod = this.producers[this.producerOfNode.get(this.nodeIndex.get(nodeId)!)!];
    const missing = prod.rows.filter((r) => !r.published).map((r) => `${this.idOf(r.rec)} (${this.evKey[r.rec] ?? this.evType[r.rec]})`);
    return missing.length ? `saved but never published: ${missing.join(', ')}` : null;
  }

  /** Folds every event a consumer should have seen, once each, in log order ([V5]). */
  private foldDifference(nodeId: string): string | null {
    const m = this.memberOfNode.get(this.nodeIndex.get(nodeId)!)!;
    const mem = this.members[m];
    const group = this.groups[mem.group];
    const store = new Map<string, Map<string, Json>>();
    const shadow = { ...group, store } as GroupRt;
    const seen = new Set<number>();
    // Every record of the group's topics up to the playhead, in the order they were created.
    const records: number[] = [];
    for (const t of group.topics) {
      const topic = this.topics[t];
      for (let p = 0; p < topic.partitions; p++) for (let o = 0; o < topic.logEnd[p]; o++) records.push(topic.logs[p].get(o));
    }
    records.sort((a, b) => a - b);
    for (const rec of records) {
      const id = this.evIdOf.get(rec);
      if (seen.has(id)) continue;
      seen.add(id);
      this.reader.ev = rec;
      this.reader.group = shadow;
      const out = mem.rules.run(this.evType[rec], this.reader);
      if (out.error !== undefined) continue;
      for (const w of out.writes) {
        let table = store.get(w.table);
        if (!table) store.set(w.table, (table = new Map()));
        table.set(w.key, w.value);
      }
    }
    const actual = storeToObject(group.store);
    delete actual[PROCESSED_TABLE];
    delete actual[VERSIONS_TABLE];
    const expected = storeToObject(store);
    for (const table of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
      for (const key of new Set([...Object.keys(actual[table] ?? {}), ...Object.keys(expected[table] ?? {})])) {
        const a = actual[table]?.[key];
        const e = expected[table]?.[key];
        if (stableStringify(a) !== stableStringify(e)) {
          return `${table}[${key}] is ${JSON.stringify(a ?? null)}, but folding each event once gives ${JSON.stringify(e ?? null)}`;
        }
      }
    }
    return null;
  }

  // -------------------------------------------------------------------------- reader

  /** One reusable reader for handlers: no allocation per handled event. */
  /** The outcome buffer of handle(), reused for every handled event. */
  private readonly handleOut = newOutcome();

  private readonly reader = new (class implements RuleInput {
    ev = 0;
    group: GroupRt | null = null;
    /** The event as the handler's upcasters turned it, when they did ([S2]). */
    upcast: { data: Json; version: number } | null = null;
    constructor(private readonly e: Engine) {}
    field(path: readonly string[]): unknown {
      if (this.upcast && path[0] === 'data') return readPath(this.upcast.data, path, 1);
      if (this.upcast && path[0] === 'schemaversion') return this.upcast.version;
      return this.e.eventField(this.ev, path);
    }
    data(): Json {
      return this.upcast ? this.upcast.data : this.e.evData[this.ev];
    }
    read(table: string, key: string): Json | undefined {
      return this.group!.store.get(table)?.get(key);
    }
  })(this);

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
        return this.idOf(ev);
      case 'correlationid':
        return `evt-${this.evCorr.get(ev)}`;
      case 'causationid':
        return this.evCause.get(ev) >= 0 ? this.idOf(this.evCause.get(ev)) : undefined;
      case 'source':
        return `/eventfold/${this.nodes[this.evSource.get(ev)].id}`;
      case 'time':
        return new Date(EPOCH_MS + this.evTime.get(ev)).toISOString();
      case 'schemaversion':
        return this.evSchema.get(ev);
      case 'offset':
        return this.evOffset.get(ev);
      case 'partition':
        return this.evPartition.get(ev);
      default:
        return undefined;
    }
  }

  private idOf(rec: number): string {
    return rec >= 0 ? `evt-${this.evIdOf.get(rec)}` : 'none';
  }

  private position(rec: number): { topic: string; partition: number; offset: number } {
    return { topic: this.topics[this.evTopic.get(rec)].id, partition: this.evPartition.get(rec), offset: this.evOffset.get(rec) };
  }

  private topicById(id: string): TopicRt | undefined {
    const n = this.nodeIndex.get(id);
    const t = n === undefined ? undefined : this.topicOfNode.get(n);
    return t === undefined ? undefined : this.topics[t];
  }

  // -------------------------------------------------------------------------- groups

  private rebalance(g: number, reason: number, cause: number): void {
    const group = this.groups[g];
    group.generation++;
    // A member cut off from the group's topics is left out, as if it had crashed ([N5]).
    const live = group.members.filter((m) => this.members[m].alive && !this.cutFromGroup(m));
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
          abandoned.push(`${mem.id} abandons ${this.idOf(ev)} (its partition moved before the commit)`);
          this.requeueExtra(group, mem);
          mem.busy = -1;
          mem.busyKind = D_NORMAL;
          mem.workEpoch++;
          mem.pollScheduled = false;
        }
      }
    }
    const note = `group ${group.name} rebalanced (generation ${group.generation}) because ${REASONS[reason]}: ${parts.join('; ')}${abandoned.length ? `. ${abandoned.join('; ')}` : ''}`;
    this.record(S_REBALANCE, cause, -1, g, note);
    for (const m of live) this.wake(m);
  }

  /** Retries and released records survive their member ([R3]); injected duplicates do not. */
  private requeueExtra(group: GroupRt, mem: MemberRt): void {
    if (mem.busy >= 0 && (mem.busyKind === D_RETRY || mem.busyKind === D_RELEASED)) {
      group.readyRec.unshift(mem.busy);
      group.readyKind.unshift(mem.busyKind);
    }
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
        if (!prod.alive) return `${node.id} is down: restart it first`;
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
      case 'redrive': {
        if (node.kind !== 'topic' && node.kind !== 'queue') return `${node.id} is a ${node.kind}: redrive works on a dead-letter topic or queue`;
        const pending = this.deadLetters(node.id).filter((d) => !d.redriven && (!intent.events || intent.events.includes(d.eventId)));
        if (pending.length === 0) return `${node.id} holds no dead-lettered event${intent.events ? ` with the id ${intent.events.join(', ')}` : ''} that is not redriven yet`;
        return null;
      }
      case 'saga-fault': {
        if (node.kind !== 'saga') return `${node.id} is a ${node.kind}: only a saga takes this fault`;
        const st = node.config.steps[intent.step];
        if (!st) return `${node.id} has no step ${intent.step + 1}`;
        if (intent.fault === 'timeout' && st.timeoutMs === null) return `step ${intent.step + 1} "${st.name}" has no timeout: give it a timeoutMs first`;
        return null;
      }
      case 'command': {
        if (node.kind !== 'aggregate') return `${node.id} is a ${node.kind}: commands go to an aggregate`;
        if (!node.config.commands.some((c) => c.name === intent.command)) return `${node.id} has no command "${intent.command}" (it has ${node.config.commands.map((c) => c.name).join(', ') || 'none yet'})`;
        return null;
      }
      case 'outage': {
        if (node.kind !== 'topic' && node.kind !== 'queue') return `${node.id} is a ${node.kind}: only a topic or a queue can be unavailable`;
        if (this.topics[this.topicOfNode.get(i)!].outageUntil >= 0) return `${node.id} is already unavailable`;
        return null;
      }
      case 'partition':
      case 'heal': {
        const j = this.nodeIndex.get(intent.from);
        if (j === undefined) return `there is no node "${intent.from}"`;
        if (!this.connected(i, j)) return `${node.id} and ${intent.from} are not connected, so there is no network between them to ${intent.kind === 'heal' ? 'heal' : 'cut'}`;
        if (intent.kind === 'partition' && this.isCut(i, j)) return `the network between ${node.id} and ${intent.from} is already cut`;
        if (intent.kind === 'heal' && !this.isCut(i, j)) return `the network between ${node.id} and ${intent.from} is not cut`;
        return null;
      }
      case 'link': {
        const j = this.nodeIndex.get(intent.to);
        if (j === undefined) return `there is no node "${intent.to}"`;
        if (!this.scenario.edges.some((e) => e.source === intent.node && e.target === intent.to)) return `there is no connection ${intent.node} → ${intent.to}`;
        return null;
      }
      default: {
        if (node.kind === 'producer' && (intent.kind === 'crash' || intent.kind === 'restart')) {
          const prod = this.producers[this.producerOfNode.get(i)!];
          if (intent.kind === 'restart') return prod.alive ? `${node.id} is already running` : null;
          if (!prod.alive) return `${node.id} is already down`;
          const point = intent.point ?? 'now';
          if (point === 'now') return null;
          if (prod.armed) return `${node.id} already has a crash armed`;
          const pattern = prod.spec.config.pattern;
          if (point === 'after-save' && pattern !== 'direct') return null;
          if (point === 'after-publish' && pattern === 'outbox') return null;
          return `a ${pattern} producer cannot crash ${point}: after-save needs a dual write or an outbox, after-publish an outbox`;
        }
        if (intent.kind === 'rebuild' || intent.kind === 'query') {
          if (node.kind !== 'projection') return `${node.id} is a ${node.kind}: only a projection can be ${intent.kind === 'rebuild' ? 'rebuilt' : 'queried'}`;
          return null;
        }
        if (node.kind !== 'consumer' && node.kind !== 'projection') return `${node.id} is a ${node.kind}: only consumers can be ${PAST[intent.kind]}`;
        const mem = this.members[this.memberOfNode.get(i)!];
        switch (intent.kind) {
          case 'crash':
            if (!mem.alive) return `${node.id} is already down`;
            if (intent.point === 'after-publish') return 'after-publish is a crash point of an outbox producer, not of a consumer';
            if (intent.point && intent.point !== 'now' && mem.armed) return `${node.id} already has a crash armed`;
            return null;
          case 'restart':
            return mem.alive ? `${node.id} is already running` : null;
          case 'duplicate': {
            const rec = this.findRecordFor(mem, intent.event);
            if (rec < 0) return `${node.id} reads no event with the id ${intent.event}`;
            // A duplicate repeats a delivery: the group must have been handed the record already ([X2]).
            const group = this.groups[mem.group];
            const t = this.evTopic.get(rec);
            const p = this.evPartition.get(rec);
            const owner = group.owner.get(t)![p];
            const reached = Math.max(group.committed.get(t)![p], owner >= 0 ? this.members[owner].position.get(t)![p] : 0);
            return this.evOffset.get(rec) < reached ? null : `${intent.event} has not been delivered to group ${group.name} yet: a duplicate can only repeat a delivery`;
          }
          case 'redeliver':
            return mem.alive && mem.assigned.length > 0 ? null : `${node.id} has no partitions to rewind (it is down or owns none)`;
          case 'deploy':
            return this.deployProblem(mem, intent.config);
        }
      }
    }
    return null;
  }

  private groupLag(g: GroupRt): number {
    let lag = 0;
    for (const t of g.topics) {
      const c = g.committed.get(t)!;
      for (let p = 0; p < c.length; p++) lag += this.topics[t].logEnd[p] - c[p];
    }
    return lag;
  }

  private connected(a: number, b: number): boolean {
    const x = this.nodes[a].id;
    const y = this.nodes[b].id;
    return this.scenario.edges.some((e) => (e.source === x && e.target === y) || (e.source === y && e.target === x));
  }

  private deployProblem(mem: MemberRt, patch: unknown): string | null {
    const r = v.safeParse(ConsumerPatch, patch, { abortPipeEarly: true });
    if (!r.success) return `the new settings are not valid: ${describeErrors(r.issues.map((i) => ({ path: formatPath((i.path ?? []).map((p) => p.key as string | number)), message: i.message })))}`;
    const wired = this.scenario.edges.filter((e) => e.source === mem.id).map((e) => e.target);
    const kinds = new Map(this.nodes.map((n) => [n.id, { kind: n.kind }]));
    const why = consumerPatchProblem(mem.id, r.output, kinds, wired);
    return why ? `${why.path}: ${why.message}` : null;
  }

  /** The first record with this CloudEvents id in a topic the member reads, appended by now. */
  private findRecordFor(mem: MemberRt, id: string): number {
    const m = /^evt-(\d+)$/.exec(id);
    if (!m) return -1;
    const want = Number(m[1]);
    for (let rec = 0; rec < this.eventCount; rec++) {
      if (this.evIdOf.get(rec) === want && this.evOffset.get(rec) >= 0 && mem.topics.includes(this.evTopic.get(rec))) {
        const t = this.topics[this.evTopic.get(rec)];
        if (this.evOffset.get(rec) < t.logEnd[this.evPartition.get(rec)]) return rec;
      }
    }
    return -1;
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
          ev = this.createEvent(e.type, e.key ?? null, (e.data ?? {}) as Json, prod.node, this.fireTopic(prod, e.topic), -1, e.schemaVersion ?? 1, -1);
        } else {
          ev = this.fromTemplate(prod, prod.templates[input.template ?? 0]);
        }
        this.emitFromProducer(this.producerOfNode.get(i)!, ev, S_FIRE, input.template ?? -1);
        return;
      }
      case 'crash': {
        const pi = this.producerOfNode.get(i);
        if (pi !== undefined) {
          const point = input.point ?? 'now';
          if (point === 'now') {
            this.crashProducer(pi, false, input.restartAfterMs ?? null);
            return;
          }
          this.producers[pi].armed = { point, restartAfterMs: input.restartAfterMs ?? null };
          this.record(S_INJECT, i, -1, 0, `You armed a crash: ${input.node} will crash ${PRODUCER_CRASH_WORDS[point]}${input.restartAfterMs !== undefined ? `, and restart ${fmtMs(input.restartAfterMs)} later` : ''}`);
          return;
        }
        const m = this.memberOfNode.get(i)!;
        const point = input.point ?? 'now';
        if (point === 'now') {
          this.crashMember(m, 'now', 0, input.restartAfterMs);
          return;
        }
        this.members[m].armed = { point, restartAfterMs: input.restartAfterMs ?? null };
        this.record(S_INJECT, i, -1, 0, `You armed a crash: ${input.node} will crash ${CRASH_WORDS[point]}${input.restartAfterMs !== undefined ? `, and restart ${fmtMs(input.restartAfterMs)} later` : ''}`);
        return;
      }
      case 'restart': {
        const pi = this.producerOfNode.get(i);
        if (pi !== undefined) this.restartProducer(pi, false);
        else this.restartMember(i, false);
        return;
      }
      case 'duplicate': {
        const m = this.memberOfNode.get(i)!;
        const mem = this.members[m];
        const group = this.groups[mem.group];
        const rec = this.findRecordFor(mem, input.event);
        group.readyRec.push(rec);
        group.readyKind.push(D_DUPLICATE);
        this.record(S_INJECT, i, rec, 0, `You injected a duplicate: the broker delivers ${input.event} to group ${group.name} once more, as happens when an acknowledgement is lost`);
        for (const mm of group.members) this.wake(mm);
        return;
      }
      case 'redeliver': {
        const mem = this.members[this.memberOfNode.get(i)!];
        const moved: string[] = [];
        for (const [t, p] of mem.assigned) {
          const pos = mem.position.get(t)!;
          const to = Math.max(0, pos[p] - input.count);
          if (to !== pos[p]) moved.push(`${this.topics[t].id} p${p}: ${pos[p]} → ${to}`);
          pos[p] = to;
        }
        this.record(S_INJECT, i, -1, 0, `You rewound ${input.node} by ${input.count} record${input.count > 1 ? 's' : ''} per partition (${moved.join('; ') || 'nothing to rewind'}): it reads them again`);
        this.wake(this.memberOfNode.get(i)!);
        return;
      }
      case 'deploy': {
        const mem = this.members[this.memberOfNode.get(i)!];
        const patch = v.parse(ConsumerPatch, input.config);
        const config = { ...mem.spec.config, ...stripUndefined(patch) } as ConsumerSpec['config'];
        mem.spec = { ...mem.spec, config };
        mem.rules = compileRules(config.rules);
        mem.failWhen = config.failWhen ? compileCondition(config.failWhen) : null;
        mem.commitBefore = config.commit === 'before';
        this.record(S_DEPLOY, i, -1, 0, `You deployed new settings to ${input.node} (${Object.keys(stripUndefined(patch)).join(', ')}): they apply to the events it handles from now on`);
        return;
      }
      case 'outage': {
        const t = this.topics[this.topicOfNode.get(i)!];
        t.outageUntil = this.now + input.durationMs;
        t.outageAcksLost = input.mode === 'acks-lost';
        t.outageNo++;
        this.schedule(t.outageUntil, A_RECOVER, this.topicOfNode.get(i)!, t.outageNo, 0);
        this.record(
          S_OUTAGE,
          i,
          -1,
          t.outageUntil,
          t.outageAcksLost
            ? 'writes still land, but their acknowledgements are lost, so producers send them again (duplicates, unless the producer is idempotent)'
            : 'publishes fail and producers retry; consumers cannot fetch from it',
        );
        return;
      }
      case 'partition': {
        const j = this.nodeIndex.get(input.from)!;
        const no = ++this.cutNo;
        this.cuts.set(this.cutKey(i, j), no);
        const healAt = input.durationMs !== undefined ? this.now + input.durationMs : -1;
        if (healAt >= 0) this.schedule(healAt, A_HEAL, i, j, no);
        this.record(S_CUT, i, -1, healAt, input.from);
        for (const n of [i, j]) {
          const m = this.memberOfNode.get(n);
          if (m === undefined || !this.cutFromGroup(m)) continue;
          // [N5] Its heartbeats stop: the group drops it after its session timeout.
          this.schedule(this.now + this.members[m].spec.config.sessionTimeoutMs, A_REBALANCE, this.members[m].group, 3, n);
        }
        return;
      }
      case 'heal':
        this.heal(i, this.nodeIndex.get(input.from)!, false);
        return;
      case 'link': {
        const j = this.nodeIndex.get(input.to)!;
        const before = this.linkOf(i, j);
        const link: Link = { ...before, ...stripUndefined({ delayMs: input.delayMs, jitterMs: input.jitterMs, duplicateChance: input.duplicateChance, ackLossChance: input.ackLossChance }) };
        this.links.set(`${i}>${j}`, link);
        const parts = [
          `delay ${fmtMs(link.delayMs)}`,
          `jitter up to ${fmtMs(link.jitterMs)}`,
          `${Math.round(link.duplicateChance * 100)}% duplicate deliveries`,
          `${Math.round(link.ackLossChance * 100)}% lost acks`,
        ];
        this.record(S_LINK, i, -1, 0, `You changed the network on ${input.node} → ${input.to}: ${parts.join(', ')}`);
        return;
      }
      case 'saga-fault': {
        const saga = this.sagas[this.sagaOfNode.get(i)!];
        saga.armed.set(input.step, input.fault);
        const st = saga.spec.config.steps[input.step];
        this.record(S_INJECT, i, -1, 0, `You armed a ${input.fault === 'fail' ? 'failure' : 'timeout'} at step ${input.step + 1} "${st.name}" of ${input.node}: the next instance that reaches it ${input.fault === 'fail' ? 'fails there' : 'gets its reply too late'}`);
        return;
      }
      case 'command': {
        const agg = this.aggregateOfNode.get(i)!;
        const c = this.sendCommand(agg, input.stream, input.command, (input.data ?? {}) as Json, -1, -1, 0);
        this.record(S_COMMAND, i, -1, c, `You sent the command ${input.command} ${JSON.stringify(input.data ?? {})} to ${input.node} for the stream ${input.stream}`);
        return;
      }
      case 'rebuild': {
        const m = this.memberOfNode.get(i)!;
        const mem = this.members[m];
        const group = this.groups[mem.group];
        // [J3] Replay: the table is thrown away and rebuilt from offset 0 of every topic.
        let target = 0;
        for (const t of group.topics) for (let p = 0; p < this.topics[t].partitions; p++) target += this.topics[t].logEnd[p];
        mem.rebuild = { previous: copyStore(group.store), target, from: this.stepCount };
        group.store = new Map();
        group.effects = new Map();
        group.accounted = new Set();
        group.lastFirst = new Map();
        group.attempts = new Map();
        group.readyRec = [];
        group.readyKind = [];
        for (const c of group.committed.values()) c.fill(0);
        for (const [t, p] of mem.assigned) mem.position.get(t)![p] = 0;
        mem.busy = -1;
        mem.busyKind = D_NORMAL;
        mem.pollScheduled = false;
        mem.workEpoch++;
        this.record(S_REBUILD, i, -1, target);
        this.wake(m);
        return;
      }
      case 'query': {
        const mem = this.members[this.memberOfNode.get(i)!];
        const group = this.groups[mem.group];
        const value = group.store.get(input.table)?.get(input.key);
        this.record(S_QUERY, i, -1, this.groupLag(group), `${input.table}[${input.key}] = ${value === undefined ? 'nothing (no row)' : JSON.stringify(value)}`);
        return;
      }
      case 'redrive': {
        const sent: string[] = [];
        for (const d of this.deadLetters(input.node)) {
          if (d.redriven || (input.events && !input.events.includes(d.eventId))) continue;
          const source = this.deadInfo.get(d.record)!.source;
          const copy = this.createEvent(d.type, d.key, this.evData[d.record], this.evSource.get(source), this.evTopic.get(source), -1, this.evSchema.get(d.record), d.record);
          this.append(copy);
          this.redriven.add(d.record);
          sent.push(`${d.eventId} → ${this.topics[this.evTopic.get(copy)].id} p${this.evPartition.get(copy)} @${this.evOffset.get(copy)}`);
        }
        this.record(S_REDRIVE, i, -1, sent.length, `You redrove ${sent.length} event${sent.length > 1 ? 's' : ''} from ${input.node} back to where ${sent.length > 1 ? 'they' : 'it'} came from: ${sent.join('; ')}. Same ids, new offsets`);
        return;
      }
    }
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

  /** Crashes a member now; `point` says where inside handling it was ([C5], [X1]). */
  private crashMember(m: number, point: CrashPoint, effects = 0, restartAfterMs?: number | null): void {
    const mem = this.members[m];
    const group = this.groups[mem.group];
    const lost = mem.busy;
    restartAfterMs = restartAfterMs ?? mem.armed?.restartAfterMs ?? null;
    // Was the in-flight record already committed (at-most-once)? Then it is lost ([C5]).
    const committed =
      lost >= 0 &&
      ((mem.busyKind === D_NORMAL && group.committed.get(this.evTopic.get(lost))![this.evPartition.get(lost)] > this.evOffset.get(lost)) ||
        (mem.busyKind === D_QUEUE && mem.commitBefore));
    // [Q6] Prefetched messages stay invisible until their timeout; auto-acked ones are gone.
    if (mem.commitBefore) for (const [r] of mem.buffer) this.lost(group, r, `${mem.id} crashed holding it after an auto-ack`);
    mem.buffer = [];
    if (committed && point !== 'after-save') this.lost(group, lost, `${mem.id} crashed after committing its offset but before handling it`);
    this.requeueExtra(group, mem);
    mem.alive = false;
    mem.armed = null;
    // [C5] Its positions are forgotten: when it comes back it starts from committed offsets.
    mem.assigned = [];
    mem.busy = -1;
    mem.busyKind = D_NORMAL;
    mem.pollScheduled = false;
    mem.workEpoch++;
    mem.lifeEpoch++;
    const aux = (committed ? 1 : 0) | (CRASH_POINTS.indexOf(point) << 1) | (effects << 4);
    this.record(S_CRASH, mem.node, lost, aux);
    // [G1] The group notices after the member's session timeout.
    if (group.topics.length > 0) this.schedule(this.now + mem.spec.config.sessionTimeoutMs, A_REBALANCE, mem.group, 1, mem.node);
    if (restartAfterMs !== null && restartAfterMs !== undefined) this.schedule(this.now + restartAfterMs, A_RESTART, m, mem.lifeEpoch, 0);
  }

  /** [G1] A member scheduled to start later joins its group (unless it already runs). */
  private join(m: number): boolean {
    const mem = this.members[m];
    if (mem.alive || mem.lifeEpoch > 0) return false;
    mem.alive = true;
    this.record(S_RESTART, mem.node, -1, 2);
    if (this.groups[mem.group].topics.length > 0) this.schedule(this.now, A_REBALANCE, mem.group, 5, mem.node);
    this.wake(m);
    return true;
  }

  private restartMember(node: number, scheduled: boolean): void {
    const m = this.memberOfNode.get(node)!;
    this.members[m].alive = true;
    this.record(S_RESTART, node, -1, scheduled ? 1 : 0);
    if (this.groups[this.members[m].group].topics.length > 0) this.schedule(this.now, A_REBALANCE, this.members[m].group, 2, node);
    this.wake(m);
  }

  // -------------------------------------------------------------------------- explanations

  private explain(i: number, kind: number, node: number, ev: number, aux: number): string {
    const who = node >= 0 ? this.nodes[node].id : '';
    const note = this.notes.get(i);
    const evText = ev >= 0 ? `${this.evType[ev]} ${this.idOf(ev)}${this.evKey[ev] !== null ? ` (key ${this.evKey[ev]})` : ' (no key)'}` : '';
    const where = ev >= 0 ? `${this.topics[this.evTopic.get(ev)].id} p${this.evPartition.get(ev)} @${this.evOffset.get(ev)}` : '';
    const why = ev >= 0 ? (this.evKey[ev] !== null ? 'chosen by the hash of the key' : 'keyless events take partitions in turn') : '';
    const prod = node >= 0 ? this.producers[this.producerOfNode.get(node) ?? -1] : undefined;
    switch (kind) {
      case S_FIRE:
      case S_PRODUCE: {
        const lead = kind === S_FIRE ? `You fired ${evText} from ${who}` : `${who} produced ${evText} at its set rate`;
        const cfg = prod!.spec.config;
        if (note && cfg.pattern === 'direct') return `${lead}: ${note}`;
        if (cfg.pattern === 'dual-write') return `${lead}: it saved the change in its ${cfg.table} table and will publish the event ${fmtMs(cfg.publishDelayMs)} later, in a second step (a dual write: a crash in between loses the event)`;
        if (cfg.pattern === 'outbox') return `${lead}: it saved the change in its ${cfg.table} table and an outbox row in the same transaction; its relay will publish the event`;
        return `${lead}: appended to ${where} (${why})`;
      }
      case S_PUBLISH: {
        const cause = this.evCause.get(ev);
        if (note) return note;
        if (prod && prod.spec.config.pattern === 'direct') return `${who}'s ${evText} arrived at ${where} after the network delay (${why})`;
        if (prod) return `${who} published ${evText}, the second step of its dual write: appended to ${where} (${why})`;
        return `${who} emitted ${evText}${cause >= 0 ? ` while handling ${this.idOf(cause)}` : ''}: appended to ${where} (${why})`;
      }
      case S_RECEIVE: {
        const mem = this.members[this.memberOfNode.get(node)!];
        if (ev < 0) return `${who} found only messages received too often: ${note}`;
        return `${who} received ${aux} message${aux > 1 ? 's' : ''} (prefetch ${mem.spec.config.prefetch}): ${note}. ${mem.commitBefore ? 'They are acked at once (auto-ack, at-most-once)' : `Each stays invisible to the other consumers until acked or until the visibility timeout runs out`}`;
      }
      case S_ACK:
        if (aux < 0) return `${who} could not ack ${evText}: the network to the queue is cut; the message will reappear after its visibility timeout`;
        return aux
          ? `${who} acked ${evText}: it is deleted from the queue`
          : `${who} tried to ack ${evText}, but its visibility timeout had run out and the message is back in the queue: it will be handled again`;
      case S_VISIBLE: {
        const holder = aux >= 0 ? this.nodes[aux].id : null;
        return `The visibility timeout of ${evText} ran out before ${holder ?? 'anyone'} acked it: it is back in ${who} for any consumer to take`;
      }
      case S_RELAY:
        if (aux === 2) return `${who}'s outbox relay published ${evText} to ${where}, but ${note}`;
        return `${who}'s outbox relay published ${evText}${aux ? ' again, because the row was never marked sent: a duplicate with the same id' : ''}: appended to ${where}`;
      case S_REBUILD:
        return `You rebuilt ${who}: its table is emptied and it replays ${aux} event${aux === 1 ? '' : 's'} from offset 0 of its topics, with its current reducers`;
      case S_QUERY:
        return `You queried ${who}: ${note}${aux > 0 ? ` — a stale answer: ${who} is ${aux} event${aux > 1 ? 's' : ''} behind its topics (eventual consistency)` : ' — up to date with its topics'}`;
      case S_SAGA:
      case S_COMMAND:
      case S_LOAD:
      case S_APPEND:
      case S_CONFLICT:
      case S_SENDFAIL:
      case S_DEDUP:
      case S_LINK:
        return note ?? STEP_KINDS[kind];
      case S_OUTAGE:
        return `You made ${who} unavailable until ${fmtMs(aux)}: ${note}`;
      case S_RECOVER:
        return `${who} is available again: waiting publishes and reads go through`;
      case S_CUT:
        return `You cut the network between ${who} and ${note}${aux >= 0 ? `, healing at ${fmtMs(aux)}` : ''}: messages between them fail${this.memberOfNode.has(node) ? `; ${who} cannot fetch or commit, and its group drops it after the session timeout` : ''}`;
      case S_HEAL:
        return `${aux ? 'The network healed by itself' : 'You healed the network'} between ${who} and ${note}`;
      case S_SENT:
        return `${who}'s outbox relay marked the row of ${this.idOf(ev)} as sent`;
      case S_DELIVER: {
        const m = this.members[this.memberOfNode.get(node)!];
        if (aux < 0) return `${who} received ${DELIVERY_WORDS[-1 - aux]}${evText} from ${where}`;
        return `${where} delivered ${evText} to ${who}, which owns that partition in group ${this.groups[m.group].name} (group committed offset ${aux})`;
      }
      case S_HANDLE: {
        const m = this.members[this.memberOfNode.get(node)!];
        if (aux < 0) return `${who} handled ${evText}: no rule matches ${this.evType[ev]}, so it is ignored`;
        const rule = m.spec.config.rules[aux];
        return `${who} handled ${evText} with rule ${aux + 1}${rule ? `: ${ruleText(rule)}` : ''}`;
      }
      case S_COMMIT: {
        const m = this.members[this.memberOfNode.get(node)!];
        if (aux < 0) return `${who} could not commit after ${evText}: the network to ${this.topics[this.evTopic.get(ev)].id} is cut, so the group will deliver it again`;
        if (note) return `${who} committed offset ${aux} on ${this.topics[this.evTopic.get(ev)].id} p${this.evPartition.get(ev)}, ${note}`;
        const mode = m.commitBefore ? 'before handling (at-most-once)' : 'after handling (at-least-once)';
        return `${who} committed offset ${aux} on ${this.topics[this.evTopic.get(ev)].id} p${this.evPartition.get(ev)} for group ${this.groups[m.group].name}, ${mode}`;
      }
      case S_REBALANCE:
        return note ?? 'rebalance';
      case S_CRASH: {
        if (prod) {
          const lead = aux & 1 ? `${who} crashed as you armed it` : `You crashed ${who}`;
          const lost = aux >> 1;
          const unsent = Number(note ?? 0);
          if (lost > 0) return `${lead}: ${lost} change${lost > 1 ? 's it saved were' : ' it saved was'} never published, and nothing will publish ${lost > 1 ? 'them' : 'it'}: the dual write lost ${lost > 1 ? 'those events' : 'the event'}`;
          if (unsent > 0) return `${lead}: ${unsent} outbox row${unsent > 1 ? 's are' : ' is'} not marked sent yet; the relay sends ${unsent > 1 ? 'them' : 'it'} when ${who} restarts`;
          return `${lead}: it stops producing until it restarts`;
        }
        const point = CRASH_POINTS[(aux >> 1) & 7];
        const lead = point === 'now' ? `You crashed ${who}` : `${who} crashed as you armed it`;
        if (ev < 0) return `${lead} while it was idle; its group notices after the session timeout`;
        switch (point) {
          case 'before-handle':
            return `${lead}: ${evText} arrived but was not handled or committed; a member will be handed it again after the group rebalances`;
          case 'after-effects':
            return `${lead}: the side effects of ${evText} already happened (${aux >> 4} counted) but its state was not saved and its offset not committed, so it will be handled again and the side effects repeat`;
          case 'after-save':
            return aux & 1
              ? `${lead}: ${evText} was handled and its state saved (its offset was committed before handling), but its emitted events were not sent`
              : `${lead}: ${evText} was handled and its state saved, but the offset was not committed and its emitted events were not sent; it will be handled again`;
          default:
            return aux & 1
              ? `${lead} while it was working on ${evText}, whose offset was already committed: nobody will handle it again, the event is lost (at-most-once)`
              : `${lead} while it was working on ${evText}, before committing its offset: once the group notices (after the session timeout) a member will be handed it again (at-least-once)`;
        }
      }
      case S_RESTART:
        if (prod) return aux ? `${who} restarted by itself` : `You restarted ${who}`;
        if (aux === 2) return `${who} started, as the scenario says, and joins its group: the group rebalances to give it partitions`;
        return aux ? `${who} restarted by itself and rejoins its group` : `You restarted ${who}: it rejoins its group`;
      case S_ERROR:
        return `${who} failed handling ${evText}: ${note ?? 'error'}`;
      case S_SKIP:
        return note ?? `${who} skipped ${evText} as a duplicate`;
      case S_PARK:
        return `${who} parked ${evText}: ${this.idOf(aux)} of the same key is being retried, and later events of a key wait behind it (block-key)`;
      case S_RETRY:
        return `${evText} is due for another attempt${who ? `; ${who} owns its partition` : ', but no member owns its partition right now'}`;
      case S_DEAD:
        return `${who} dead-lettered ${evText}: ${note ?? ''}`;
      case S_MARK:
        return `${who} saved ${this.idOf(ev)} in its ${PROCESSED_TABLE} table, in a step of its own after the state change (a crash between the two would handle it again)`;
      case S_INJECT:
      case S_DEPLOY:
      case S_REDRIVE:
      case S_IGNORED:
        return note ?? STEP_KINDS[kind];
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
      topics: this.topics.map((t) => ({
        logEnd: t.logEnd.slice(),
        rr: t.rr,
        qState: [...t.qState],
        qReceives: [...t.qReceives],
        qReceipt: [...t.qReceipt],
        qHolder: [...t.qHolder],
        outageUntil: t.outageUntil,
        outageAcksLost: t.outageAcksLost,
        outageNo: t.outageNo,
      })),
      links: new Map([...this.links].map(([k, l]) => [k, { ...l }])),
      cuts: new Map(this.cuts),
      cutNo: this.cutNo,
      ackLost: new Set(this.ackLost),
      producers: this.producers.map(copyProducerState),
      groups: this.groups.map(copyGroupState),
      members: this.members.map((m) => copyMemberState(m)),
      queue: this.queue.snapshot(),
      redriven: new Set(this.redriven),
      broken: this.broken.map((b) => ({ ...b })),
      aggregates: this.aggregates.map((a) => ({ streams: new Map([...a.streams].map(([k, v]) => [k, [...v]])), snapshots: new Map(a.snapshots) })),
      commands: this.commands.map((c) => ({ ...c })),
      sagas: this.sagas.map((g) => copySagaState(g)),
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
      const t = this.topics[i];
      t.logEnd.set(s.logEnd);
      t.rr = s.rr;
      t.qState = [...s.qState];
      t.qReceives = [...s.qReceives];
      t.qReceipt = [...s.qReceipt];
      t.qHolder = [...s.qHolder];
      t.outageUntil = s.outageUntil;
      t.outageAcksLost = s.outageAcksLost;
      t.outageNo = s.outageNo;
    });
    this.links = new Map([...cp.links].map(([k, l]) => [k, { ...l }]));
    this.cuts = new Map(cp.cuts);
    this.cutNo = cp.cutNo;
    this.ackLost = new Set(cp.ackLost);
    cp.producers.forEach((s, i) => Object.assign(this.producers[i], copyProducerState(s)));
    cp.groups.forEach((s, i) => Object.assign(this.groups[i], copyGroupState(s)));
    cp.members.forEach((s, i) => Object.assign(this.members[i], copyMemberState(s)));
    this.queue.restore(cp.queue);
    this.redriven = new Set(cp.redriven);
    this.broken = cp.broken.map((b) => ({ ...b }));
    cp.aggregates.forEach((s, i) => {
      this.aggregates[i].streams = new Map([...s.streams].map(([k, v]) => [k, [...v]]));
      this.aggregates[i].snapshots = new Map(s.snapshots);
    });
    this.commands = cp.commands.map((c) => ({ ...c }));
    cp.sagas.forEach((g, i) => Object.assign(this.sagas[i], copySagaState(g)));
  }

  /** Drops the recorded future beyond the playhead ([T3]). */
  private fork(): void {
    const step = this.stepCount;
    this.horizonSteps = step;
    for (const c of [this.tKind, this.tTime, this.tNode, this.tEvent, this.tAux]) c.truncate(step);
    for (const k of [...this.notes.keys()]) if (k >= step) this.notes.delete(k);
    for (const k of [...this.scheduledSteps]) if (k >= step) this.scheduledSteps.delete(k);
    const n = this.eventCount;
    this.evType.length = Math.min(this.evType.length, n);
    this.evKey.length = Math.min(this.evKey.length, n);
    this.evData.length = Math.min(this.evData.length, n);
    for (const c of this.eventColumns()) c.truncate(n);
    for (const k of [...this.deadInfo.keys()]) if (k >= n) this.deadInfo.delete(k);
    for (const t of this.topics) t.logs.forEach((log, p) => log.truncate(t.logEnd[p]));
    this.checkpoints = this.checkpoints.filter((c) => c.step <= step);
    this.inputs.length = this.inputCursor;
  }

  private eventColumns(): Column<Int32Array | Float64Array>[] {
    return [this.evIdOf, this.evSource, this.evTime, this.evCorr, this.evCause, this.evTopic, this.evPartition, this.evOffset, this.evSchema];
  }

  /** Approximate bytes held by the recordings (trace, events, logs), for the benchmark. */
  recordingBytes(): number {
    let b = 0;
    for (const c of [this.tKind, this.tTime, this.tNode, this.tEvent, this.tAux]) b += c.bytes;
    for (const c of this.eventColumns()) b += c.bytes;
    for (const t of this.topics) for (const l of t.logs) b += l.bytes;
    return b;
  }

  /** The session: what determines this run, never the run itself. */
  session(): { seed: number; inputs: Input[]; step: number } {
    return { seed: this.seed, inputs: this.inputs.map((x) => ({ ...x })), step: this.stepCount };
  }
}

const PAST: Record<string, string> = { crash: 'crashed', restart: 'restarted', duplicate: 'sent duplicates', redeliver: 'rewound', deploy: 'deployed to' };
const CRASH_POINTS: CrashPoint[] = ['now', 'before-handle', 'after-effects', 'after-save', 'after-publish'];

/** A topic (P partitions), or a queue or an aggregate's store (one log), with no records yet. */
function newChannel(node: number, id: string, partitions: number, queue: QueueSpec['config'] | null): TopicRt {
  return {
    node,
    id,
    partitions,
    logs: Array.from({ length: partitions }, () => i32(256)),
    logEnd: new Int32Array(partitions),
    rr: 0,
    groups: [],
    queue,
    readers: [],
    qState: [],
    qReceives: [],
    qReceipt: [],
    qHolder: [],
    outageUntil: -1,
    outageAcksLost: false,
    outageNo: 0,
  };
}

function copyMemberState(m: MemberState): MemberState {
  return {
    spec: m.spec,
    rules: m.rules,
    failWhen: m.failWhen,
    commitBefore: m.commitBefore,
    alive: m.alive,
    busy: m.busy,
    busyKind: m.busyKind,
    pollScheduled: m.pollScheduled,
    rr: m.rr,
    workEpoch: m.workEpoch,
    lifeEpoch: m.lifeEpoch,
    handled: m.handled,
    armed: m.armed ? { ...m.armed } : null,
    assigned: m.assigned.map(([t, p]) => [t, p] as [number, number]),
    position: copyI32Map(m.position),
    buffer: m.buffer.map(([r, q]) => [r, q] as [number, number]),
    busyReceipt: m.busyReceipt,
    rebuild: m.rebuild ? { ...m.rebuild, previous: copyStore(m.rebuild.previous) } : null,
  };
}

/** A projection or a saga runs as a consumer of its own group with fixed delivery settings ([J1], [W1]). */
function asConsumer(n: ConsumerSpec | ProjectionSpec | SagaSpec): ConsumerSpec {
  if (n.kind === 'consumer') return n;
  return {
    id: n.id,
    kind: 'consumer',
    label: n.label,
    position: n.position,
    config: {
      group: n.id,
      commit: 'after',
      rules: n.kind === 'projection' ? n.config.rules : [],
      processingMs: n.config.processingMs,
      sessionTimeoutMs: 100,
      prefetch: 1,
      joinAt: null,
      idempotency: 'none',
      retry: { maxAttempts: 1, backoff: 'immediate', initialMs: 0, maxMs: 0, jitter: false },
      ordering: 'block-key',
      deadLetter: null,
      failWhen: null,
      upcasters: n.kind === 'projection' ? n.config.upcasters : [],
      schema: n.kind === 'projection' ? n.config.schema : null,
    },
  };
}

/** [S2] One upcaster step on an event's data: rename fields, add defaults. */
function upcast(data: Json, u: Upcaster): Json {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const out: Record<string, Json> = {};
  for (const [k, val] of Object.entries(data)) out[Object.prototype.hasOwnProperty.call(u.rename, k) ? u.rename[k] : k] = val;
  for (const [k, val] of Object.entries(u.defaults)) if (!Object.prototype.hasOwnProperty.call(out, k)) out[k] = copyJson(val);
  return out;
}

function copySagaState(g: Pick<SagaRt, 'armed' | 'instances'>): Pick<SagaRt, 'armed' | 'instances'> {
  return {
    armed: new Map(g.armed),
    instances: new Map([...g.instances].map(([k, i]) => [k, { ...i, done: [...i.done], history: [...i.history] }])),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}

/** A default sentence for an invariant the scenario did not label. */
export function invariantLabel(inv: Invariant): string {
  switch (inv.kind) {
    case 'at-most-once':
      return `${inv.node}: "${inv.effect}" happens at most once per key`;
    case 'no-loss':
      return `${inv.node}: no event is lost`;
    case 'key-order':
      return `${inv.node}: events of a key are handled in order`;
    case 'state':
      return `${inv.node}: every ${inv.table} value is ${({ eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤' } as const)[inv.op]} ${JSON.stringify(inv.value)}`;
    case 'fold':
      return `${inv.node}: its state equals folding each event once`;
    case 'published':
      return `${inv.node}: every change it saves is published`;
    case 'saga-settled':
      return `${inv.node}: every saga completes or is fully compensated`;
  }
}

function storeToObject<T>(m: Map<string, Map<string, T>>): Record<string, Record<string, T>> {
  const out: Record<string, Record<string, T>> = {};
  for (const [table, rows] of [...m].sort(([a], [b]) => (a < b ? -1 : 1))) out[table] = Object.fromEntries([...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return out;
}

// ---------------------------------------------------------------------------- templates

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
