// What the engine shows of the world at the playhead: plain, structured-cloneable data the
// worker sends to the UI and the CLI prints. Read by engine.ts `view()`.
import type { Json } from './json.ts';
import type { AlertStatus } from './alerts.ts';
import type { CrashPoint } from './inputs.ts';
import type { Link } from './scenario.ts';

/** A group's counters ([M1]). */
export interface Counters {
  processed: number;
  failed: number;
  retried: number;
  deadLettered: number;
  duplicatesSkipped: number;
  parked: number;
}

/** A dead-lettered event, where it failed and why ([R5], [Q5]). */
export interface DeadLetter {
  /** CloudEvents id of the failed event. */
  eventId: string;
  record: number;
  type: string;
  key: string | null;
  error: string;
  attempts: number;
  /** Where the failed record was. */
  from: { topic: string; partition: number; offset: number };
  /** Where it sits in the dead-letter topic. */
  at: { topic: string; partition: number; offset: number };
  redriven: boolean;
}

export interface InvariantStatus {
  label: string;
  kind: 'at-most-once' | 'no-loss' | 'key-order' | 'state' | 'fold' | 'published' | 'saga-settled';
  node: string;
  /** `pending` for checks that can only be judged when the run is idle. */
  status: 'holding' | 'broken' | 'pending';
  /** The step whose application broke it (seek to brokeAt + 1 to see the state right after). */
  brokeAt: number | null;
  message: string | null;
}

export interface TopicView {
  kind: 'topic';
  partitions: {
    end: number;
    /** First offset still kept: retention deleted the records below it ([RT1], [RT2]). */
    start: number;
    /** Offsets at or after `start` that compaction removed, oldest first (at most the latest 200) ([RT5]). */
    compacted: number[];
    /** The latest records kept, oldest first, to draw the log as cells. */
    recent: { offset: number; id: string; type: string; key: string | null }[];
    groups: { group: string; committed: number; lag: number; owner: string | null }[];
    /** [TX3] Offsets written by aborted transactions, and by transactions still open; set once a transaction ran. */
    aborted?: number[];
    open?: number[];
  }[];
  /** Events dead-lettered into this topic. */
  deadLetters: DeadLetter[];
  /** Retention, when set: by time (ms after append) and by size (records per partition). */
  retention: { ms: number | null; records: number | null };
  /** How often the log cleaner compacts it, or null: not compacted ([RT5]). */
  compactEveryMs: number | null;
  /** Its brokers, leaders and in-sync replicas, or null: kept once ([KR1]–[KR6]). */
  replication: ReplicationView | null;
}
/** A replicated topic ([KR1]–[KR6]). */
export interface ReplicationView {
  factor: number;
  minInsync: number;
  lagMs: number;
  /** How long after a leader fails the controller elects another ([KR5]). */
  electionMs: number;
  brokers: { id: string; up: boolean }[];
  partitions: {
    /** The leading broker, or null while the partition has none (electing, or offline). */
    leader: string | null;
    isr: string[];
    /** Readers read below it; acks=all writes below it are acknowledged ([KR3]). */
    highWatermark: number;
    /** Per broker, how far its copy of the log goes. */
    logEnds: number[];
  }[];
  /** acks=all writes not yet acknowledged. */
  waitingForAcks: number;
}
export interface ProducerView {
  kind: 'producer';
  fired: number;
  remaining: number;
  targets: string[];
  alive: boolean;
  pattern: 'direct' | 'dual-write' | 'outbox';
  armed: CrashPoint | null;
  /** The service's own table (dual write and outbox): key → saved data. */
  table: { name: string; rows: Record<string, Json> } | null;
  outbox: { event: string; state: 'waiting' | 'published, not marked sent' | 'sent' }[] | null;
}
export interface ConsumerView {
  kind: 'consumer';
  group: string;
  alive: boolean;
  commit: 'after' | 'before';
  idempotency: 'none' | 'processed-ids' | 'processed-ids-separate' | 'version' | 'natural';
  assigned: { topic: string; partition: number; position: number }[];
  inFlight: string | null;
  /** Queues it competes on, and messages it took but has not started ([Q3]). */
  queues: string[];
  prefetched: string[];
  /** Pub/sub channels it subscribes to, and messages pushed to it not yet handled ([PS2]). */
  subscribed?: string[];
  pushed?: string[];
  /** A crash armed for the next event, if any. */
  armed: CrashPoint | null;
  handled: number;
  groupLag: number;
  /** The group's counters ([M1]). */
  metrics: Counters & { retrying: number };
  /** Keys held by a retry, with the events waiting behind them (block-key). */
  waiting: { key: string; behind: string; events: string[] }[];
  /** The group's store: table → key → value. */
  state: Record<string, Record<string, Json>>;
  /** Side effects counted per entity: name → key → count. */
  effects: Record<string, Record<string, number>>;
  /** [TX1] Set only on a transactional consumer: its open transaction (`tx-3`), or null. */
  transaction?: string | null;
  /** [TX3] Set only when the consumer names its isolation level. */
  isolation?: 'read_uncommitted' | 'read_committed';
}
export interface QueueView {
  kind: 'queue';
  deadLetters: DeadLetter[];
  ready: number;
  inFlight: number;
  acked: number;
  dead: number;
  messages: { id: string; state: 'ready' | 'in flight' | 'acked' | 'dead-lettered' | 'duplicate dropped' | 'expired' | 'lost in a restart'; receives: number; holder: string | null; group?: string }[];
  /** Messages whose TTL ran out while ready ([AM7]). */
  expired?: number;
  /** Messages a broker restart deleted: transient ones, or all of a queue that is not durable ([DU1]). */
  lostInRestart?: number;
  /** SQS FIFO ([FQ1]): true, with the groups that have a message in flight (the rest of each waits). */
  fifo?: boolean;
  blockedGroups?: string[];
  /** FIFO: sends dropped as duplicates inside the deduplication window ([FQ3]). */
  deduplicated?: number;
}
/** An SNS-style topic ([SN1]–[SN4]): what it published and what each subscription got. */
export interface SnsView {
  kind: 'sns';
  published: number;
  subscriptions: { queue: string; filter: string | null; raw: boolean; delivered: number; filtered: number; waiting: number }[];
  /** The latest messages, oldest first, and where each went. */
  recent: { id: string; type: string; to: string[]; filteredOut: string[] }[];
}
/** A Redis-style pub/sub channel ([PS1]–[PS4]): nothing is kept but what each push reached. */
export interface PubSubView {
  kind: 'pubsub';
  published: number;
  subscribers: { id: string; up: boolean }[];
  /** The latest messages, oldest first: who got each, and who missed it. */
  recent: { id: string; type: string; to: string[]; missed: string[] }[];
  /** Messages pushed to nobody at all. */
  lost: number;
}
export interface ProjectionView {
  kind: 'projection';
  alive: boolean;
  /** Events appended to its topics that it has not applied yet: how stale a query is ([J2]). */
  behind: number;
  inFlight: string | null;
  tables: Record<string, Record<string, Json>>;
  /** The last rebuild: progress, and the tables as they were before it, to compare ([J3]). */
  rebuild: { done: number; target: number; previous: Record<string, Record<string, Json>>; since: number } | null;
  metrics: Counters & { retrying: number };
}
export interface AggregateView {
  kind: 'aggregate';
  /** Every stream: its version (number of events), its state folded from them, its latest snapshot. */
  streams: { id: string; version: number; state: Record<string, Json>; snapshot: number | null }[];
  /** The latest commands and what became of them. */
  commands: { command: string; stream: string; status: 'loading' | 'appending' | 'appended' | 'rejected' | 'failed'; attempt: number }[];
}
export interface SagaView {
  kind: 'saga';
  alive: boolean;
  steps: string[];
  armed: { step: number; fault: 'fail' | 'timeout' }[];
  /** Every instance: its state machine, the steps done, and the path still ahead ([W4]). */
  instances: {
    id: string;
    state: 'running' | 'completed' | 'compensating' | 'compensated' | 'failed';
    step: number | null;
    done: string[];
    remaining: string[];
    history: string[];
  }[];
}
/**
 * Each node kind's view, by kind. A kind's module adds its own by declaration merging
 * (`declare module '../views.ts' { interface NodeViews { 'my-kind': MyView } }`).
 */
export interface NodeViews {
  topic: TopicView;
  queue: QueueView;
  producer: ProducerView;
  consumer: ConsumerView;
  projection: ProjectionView;
  aggregate: AggregateView;
  saga: SagaView;
  sns: SnsView;
  pubsub: PubSubView;
}
export type NodeView = NodeViews[keyof NodeViews];
export interface EngineView {
  step: number;
  horizon: number;
  time: number;
  next: string | null;
  idle: boolean;
  nodes: Record<string, NodeView>;
  /** Cut connections, network settings that differ from none, and channels that are down. */
  /** The scenario's invariants at the playhead ([V1]). */
  invariants: InvariantStatus[];
  /** The scenario's alerts at the playhead ([AL5]). */
  alerts: AlertStatus[];
  network: {
    cuts: [string, string][];
    links: ({ source: string; target: string } & Link)[];
    outages: { node: string; until: number; mode: 'down' | 'acks-lost' | 'restart' }[];
  };
}
