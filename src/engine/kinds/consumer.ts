// Consumers and consumer groups ([G1]–[G4], [C1]–[C5], [H1]–[H6], [D1]–[D4], [R1]–[R5]): the
// `consumer` node kind, and the member machinery projections and sagas run on too (each is
// a consumer of a group of its own with fixed delivery settings). A member fetches from the
// partitions its group assigned it (range assignor) and from the queues it competes on,
// handles each record with its compiled rules, commits, retries, dead-letters, crashes.
import * as v from 'valibot';
import type { Kernel } from '../kernel.ts';
import type { IntentHandler, IntentHandlers, Module, StepInfo } from '../kind.ts';
import type { Channel } from '../log.ts';
import { Network } from '../network.ts';
import { Invariants } from '../invariants.ts';
import { DeadLetters } from '../deadletters.ts';
import { QueueKind, D_QUEUE } from './queue.ts';
import { AggregateKind } from './aggregate.ts';
import { RegistryKind } from './registry.ts';
import { compileCondition, compileRules, keyText, newOutcome, ruleText, type CompiledRules, type Count, type Outcome, type RuleInput } from '../rules.ts';
import { copyJson, stableStringify, type Json } from '../json.ts';
import { ConsumerPatch, consumerPatchProblem, describeErrors, formatPath, NO_LINK_FAULTS, type ConsumerSpec, type Invariant, type Link, type Upcaster } from '../scenario.ts';
import type { CrashPoint, Intent } from '../inputs.ts';
import type { ConsumerView, Counters } from '../views.ts';
import { stripUndefined } from '../network.ts';
import {
  S_ACK,
  S_COMMIT,
  S_CRASH,
  S_DEAD,
  S_DELIVER,
  S_DEPLOY,
  S_ERROR,
  S_HANDLE,
  S_INJECT,
  S_MARK,
  S_PARK,
  S_PUBLISH,
  S_REBALANCE,
  S_RESET,
  S_RECEIVE,
  S_RESTART,
  S_RETRY,
  S_SKIP,
  S_TXABORT,
  S_TXCOMMIT,
  fmtMs,
} from '../steps.ts';

/** Delay between a record becoming available to an idle member and its delivery ([C4]). */
export const FETCH_DELAY_MS = 1;
/** Tables the engine keeps in a group's store for idempotency ([D2], [D3]). */
export const PROCESSED_TABLE = 'processed-ids';
/** [TX2] What a transaction's commit costs: the coordinator writes the commit markers and the offsets, after the handling. */
export const TX_COMMIT_MS = 5;
/** [TX4] transaction.timeout.ms when a consumer does not set it. */
export const TX_TIMEOUT_MS = 1000;
const TX_OPEN = 0;
const TX_COMMITTED = 1;
const TX_ABORTED = 2;
export const VERSIONS_TABLE = 'versions';

// What kind of delivery a member is working on ([X2], [R3]); D_QUEUE is the queue's.
export const D_NORMAL = 0;
export const D_DUPLICATE = 1;
export const D_RETRY = 2;
export const D_RELEASED = 3;
/** A message a pub/sub channel pushed to a subscriber ([PS2]); 4 is D_QUEUE. */
export const D_PUSH = 5;
const DELIVERY_WORDS = ['', 'an injected duplicate of ', 'a retry of ', 'a released ', 'its next prefetched message, ', 'a pushed message, '];

const REASONS = ['the group started', 'a member crashed', 'a member restarted', 'a member lost contact', 'a member is reachable again', 'a member joined'] as const;
const CRASH_POINTS: CrashPoint[] = ['now', 'before-handle', 'after-effects', 'after-save', 'after-publish'];
const CRASH_WORDS: Record<CrashPoint, string> = {
  now: 'now',
  'before-handle': 'when its next event arrives, before handling it',
  'after-effects': 'on its next event, after the side effects but before saving its state',
  'after-save': 'on its next event, after saving its state but before committing the offset',
  'after-publish': 'on its next outbox relay, after publishing but before marking the row sent',
};

/** [TX5] The after-publish crash point, for a consumer. */
const CONSUMER_AFTER_PUBLISH = 'on its next event, after handling it and sending what it emitted, but before committing its offset';

export type Store = Map<string, Map<string, Json>>;

/**
 * A table of a group's store. A checkpoint shares it instead of copying it ([T5]): while a
 * checkpoint reads it (`shots`), rows are only added (the checkpoint keeps its first `size`
 * rows); before a row is overwritten, the checkpoints reading it get its rows as they are
 * (`writableTable`, `settleShots`). Rows are never deleted. Only writableTable puts a Table
 * into a store, in place of a table that is not one (countTable relies on it).
 */
class Table extends Map<string, Json> {
  /** The checkpoints that read this table itself (it has only grown since they were taken), or null. */
  shots: TableShot[] | null = null;
  /**
   * Its keys as the last settle listed them, shared by the checkpoints and never changed:
   * still its keys while its size is the same (rows are never deleted).
   */
  listed: string[] | null = null;
}

/** Ids below this are held as bits (2 MB of them at most): a row a rule writes for a huge id makes the table an ordinary one instead. */
const ID_BITS_LIMIT = 1 << 24;

/** `evt-<n>` → n, for an n the processed-ids table can hold as a bit; else -1. */
function idNumber(key: string): number {
  if (key.length < 5 || key.length > 12 || !key.startsWith('evt-')) return -1;
  if (key.length > 5 && key.charCodeAt(4) === 48) return -1; // a leading zero: not the text of an id
  let n = 0;
  for (let i = 4; i < key.length; i++) {
    const c = key.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n < ID_BITS_LIMIT ? n : -1;
}

/**
 * The processed-ids table ([D2]): rows `evt-<n>` → true, held as a bit per id and the ids in
 * the order they were added, not as a Map of strings. In the benchmark's fault run (a row per
 * event) the Map's lookups and inserts were about a fourth of the run, mostly cache misses in
 * a hash table of 100k rows; a bit per id is a few kilobytes (issue #11). To everything else it
 * is a Map with the same rows in the same order. A row of any other shape (a rule may write
 * this table too) moves every row into the Map itself, where they stay.
 */
export class IdTable extends Table {
  private bits = new Uint32Array(256);
  private order = new Int32Array(256);
  private count = 0;
  /** Set once the rows live in the Map itself (`general`): then every method is the Map's. */
  private general = false;

  /** has(`evt-<n>`), for an id n (a whole number). */
  hasId(n: number): boolean {
    if (this.general) return super.has(`evt-${n}`);
    const w = n >>> 5;
    return w < this.bits.length && (this.bits[w] & (1 << (n & 31))) !== 0;
  }

  /** Adds row `evt-<n>` → true for an id n (nothing changes if it is there); false, having done nothing, once the rows are in the Map or for an id too large for a bit (then `set` it). */
  addId(n: number): boolean {
    if (this.general || n >= ID_BITS_LIMIT) return false;
    const w = n >>> 5;
    if (w >= this.bits.length) {
      const bits = new Uint32Array(Math.max(w + 1, this.bits.length * 2));
      bits.set(this.bits);
      this.bits = bits;
    }
    const bit = 1 << (n & 31);
    if ((this.bits[w] & bit) !== 0) return true;
    this.bits[w] |= bit;
    if (this.count === this.order.length) {
      const order = new Int32Array(this.count * 2);
      order.set(this.order);
      this.order = order;
    }
    this.order[this.count++] = n;
    return true;
  }

  private toGeneral(): void {
    this.general = true;
    for (let i = 0; i < this.count; i++) super.set(`evt-${this.order[i]}`, true);
    this.bits = new Uint32Array(0);
    this.order = new Int32Array(0);
    this.count = 0;
  }

  override get size(): number {
    return this.general ? super.size : this.count;
  }
  override has(key: string): boolean {
    if (this.general) return super.has(key);
    const n = idNumber(key);
    return n >= 0 && this.hasId(n);
  }
  override get(key: string): Json | undefined {
    if (this.general) return super.get(key);
    return this.has(key) ? true : undefined;
  }
  override set(key: string, value: Json): this {
    const n = this.general || value !== true ? -1 : idNumber(key);
    if (n >= 0) this.addId(n);
    else {
      if (!this.general) this.toGeneral();
      super.set(key, value);
    }
    return this;
  }
  override delete(key: string): boolean {
    if (!this.general) this.toGeneral();
    return super.delete(key);
  }
  override clear(): void {
    if (!this.general) this.toGeneral();
    super.clear();
  }
  override *keys(): MapIterator<string> {
    if (this.general) return yield* super.keys();
    for (let i = 0; i < this.count; i++) yield `evt-${this.order[i]}`;
  }
  override *values(): MapIterator<Json> {
    if (this.general) return yield* super.values();
    for (let i = 0; i < this.count; i++) yield true;
  }
  override *entries(): MapIterator<[string, Json]> {
    if (this.general) return yield* super.entries();
    for (let i = 0; i < this.count; i++) yield [`evt-${this.order[i]}`, true];
  }
  override [Symbol.iterator](): MapIterator<[string, Json]> {
    return this.entries();
  }
  override forEach(fn: (value: Json, key: string, map: Map<string, Json>) => void, thisArg?: unknown): void {
    if (this.general) return super.forEach(fn, thisArg);
    for (let i = 0; i < this.count; i++) fn.call(thisArg, true, `evt-${this.order[i]}`, this);
  }
}

/** An empty table for `name` of a group's store: the processed-ids table is an IdTable. */
const newTable = (name: string): Table => (name === PROCESSED_TABLE ? new IdTable() : new Table());
/**
 * A checkpoint's view of one table: the live table and how many of its first rows are the
 * checkpoint's, until a row is about to be overwritten; then the rows as they were, as two
 * flat lists (cheaper to make and to keep than a copy of the Map) whose first `size` are its.
 */
interface TableShot {
  rows: Table | null;
  size: number;
  keys: string[] | null;
  values: Json[] | null;
}
type SharedStore = Map<string, TableShot>;
/** Int32Arrays indexed by channel, with holes for channels not read: faster than a Map on the hot path. */
export type PerChannel = Int32Array[];

export interface GroupRt {
  name: string;
  members: number[];
  /** Channels (topics) the group reads. */
  topics: number[];
  /** Per channel the group reads (indexed by channel; holes elsewhere): committed offsets and owning member per partition. */
  committed: PerChannel;
  /** Per channel and partition: 1 while the group has never committed there (auto.offset.reset applies, [RT3]). */
  fresh: PerChannel;
  owner: PerChannel;
  store: Store;
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
  /** Invariants watching this group, as indexes into the scenario's list. */
  watchers: number[];
  /**
   * The table its last counter wrote (countTable), while `countStore` is still its store and
   * `countName` the counter's table: not state, a shortcut past two lookups per event.
   */
  countStore: Store | null;
  countName: string;
  countTable: Table | null;
}
type GroupState = Omit<GroupRt, 'name' | 'members' | 'topics' | 'watchers' | 'countStore' | 'countName' | 'countTable'>;
type CapturedGroup = Omit<GroupState, 'store' | 'effects'> & { store: SharedStore; effects: SharedStore };

export interface MemberRt {
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
  /** Messages pub/sub channels pushed to it, not yet started: its connection's buffer ([PS2]). */
  pushed: number[];
  rules: CompiledRules;
  failWhen: ((input: RuleInput) => boolean) | null;
  commitBefore: boolean;
  alive: boolean;
  assigned: [number, number][];
  /** Per channel it reads: its position per partition. */
  position: PerChannel;
  busy: number;
  busyKind: number;
  pollScheduled: boolean;
  rr: number;
  workEpoch: number;
  lifeEpoch: number;
  handled: number;
  armed: { point: CrashPoint; restartAfterMs: number | null } | null;
  /** Its number as a sender of records (network.ts). */
  sender: number;
  /** Handles a delivered record instead of the rules (a saga), or null. */
  onHandle: ((rec: number) => void) | null;
  /** [TX1] Reads and writes in transactions. */
  transactional: boolean;
  /** [TX3] Skips aborted records and reads only up to the last stable offset. */
  readCommitted: boolean;
  /** [TX1] Its open transaction, or -1. */
  tx: number;
}
type MemberState = Pick<
  MemberRt,
  'spec' | 'rules' | 'failWhen' | 'commitBefore' | 'alive' | 'busy' | 'busyKind' | 'pollScheduled' | 'rr' | 'workEpoch' | 'lifeEpoch' | 'handled' | 'armed' | 'assigned' | 'position' | 'buffer' | 'busyReceipt' | 'pushed' | 'tx'
>;

const zeroCounters = (): Counters => ({ processed: 0, failed: 0, retried: 0, deadLettered: 0, duplicatesSkipped: 0, parked: 0 });

/** A node that runs as a member of a consumer group. */
interface Declared {
  node: number;
  spec: ConsumerSpec;
}

export class ConsumerGroups implements Module {
  readonly kinds = ['consumer'] as const;
  readonly idleChecks = ['fold'] as const;
  readonly groups: GroupRt[] = [];
  readonly members: MemberRt[] = [];
  readonly memberOfNode = new Map<number, number>();
  private declared: Declared[] = [];
  /** Channels that push to their subscribers instead of being read (pub/sub, [PS1]). */
  private readonly pushChannels = new Set<number>();

  private net!: Network;
  private registry!: RegistryKind;
  private inv!: Invariants;
  private dead!: DeadLetters;
  private queues!: QueueKind;
  private aggregates!: AggregateKind;
  /** The outcome buffer of handle(), reused for every handled event. */
  private readonly handleOut = newOutcome();
  /** What a counter applied by addCount did: its rule, nothing staged or sent. */
  private readonly countOut = newOutcome();
  private counted(rule: number): Outcome {
    this.countOut.rule = rule;
    return this.countOut;
  }

  // [TX1]–[TX4] Transactions, by number: the member, the record it was handling, the offset
  // it commits (-1: none, the record was not read from the log), the status, and the records
  // it wrote. All captured.
  private txMember: number[] = [];
  private txInput: number[] = [];
  private txNext: number[] = [];
  private txStatus: number[] = [];
  private txRecs: number[][] = [];
  /** Handling is over: the transaction commits once every record it wrote is appended. */
  private txReady: number[] = [];
  /** Open transactions, oldest first. */
  private txOpen: number[] = [];
  /** Record → the transaction that wrote it: a recording (re-execution writes the same), cut on a fork. */
  private readonly txOf = new Map<number, number>();

  private readonly A_DELIVER: number;
  private readonly A_HANDLE: number;
  private readonly A_COMMIT: number;
  private readonly A_REBALANCE: number;
  private readonly A_RETRY: number;
  private readonly A_MARK: number;
  private readonly A_RESTART: number;
  private readonly A_ACK: number;
  private readonly A_JOIN: number;
  private readonly A_TXCOMMIT: number;
  private readonly A_TXABORT: number;

  constructor(private readonly k: Kernel) {
    const L = k.records;
    // A member's work epoch changes only in bumpWork, which expires its pending work at once.
    const work = (a: number, b: number) => this.members[a].workEpoch !== b;
    const mid = (m: number) => this.members[m].id;
    // a = member, b = work epoch (c = record, for the per-record ones)
    this.A_DELIVER = k.action({ run: (a) => this.deliver(a), expired: work, describe: (a, _b, _c, at) => `${mid(a)} fetches its next record ${at}` });
    this.A_HANDLE = k.action({ run: (a, _b, c) => (this.handle(a, c), true), expired: work, describe: (a, _b, c, at) => `${mid(a)} handles ${L.idOf(c)} ${at}` });
    this.A_COMMIT = k.action({ run: (a, _b, c) => (this.commit(a, c), true), expired: work, describe: (a, _b, c, at) => `${mid(a)} commits after ${L.idOf(c)} ${at}` });
    this.A_MARK = k.action({ run: (a, _b, c) => (this.mark(a, c), true), expired: work, describe: (a, _b, c, at) => `${mid(a)} saves ${L.idOf(c)} as processed ${at}` });
    this.A_ACK = k.action({ run: (a, _b, c) => (this.ack(a, c), true), expired: work, describe: (a, _b, c, at) => `${mid(a)} acks ${L.idOf(c)} ${at}` });
    // a = group, b = reason, c = cause node
    this.A_REBALANCE = k.action({ run: (a, b, c) => (this.rebalance(a, b, c), true), describe: (a, _b, _c, at) => `group ${this.groups[a].name} rebalances ${at}` });
    // a = group, b = record
    this.A_RETRY = k.action({ run: (a, b) => (this.retryDue(a, b), true), describe: (a, b, _c, at) => `${L.idOf(b)} is due for another attempt in group ${this.groups[a].name} ${at}` });
    // a = member, b = life epoch at the crash
    this.A_RESTART = k.action({
      run: (a) => (this.restartMember(this.members[a].node, true), true),
      stale: (a, b) => this.members[a].lifeEpoch !== b || this.members[a].alive,
      describe: (a, _b, _c, at) => `${mid(a)} restarts ${at}`,
    });
    // a = member
    this.A_JOIN = k.action({ run: (a) => this.join(a), describe: (a, _b, _c, at) => `${mid(a)} starts and joins its group ${at}` });
    // a = member, b = work epoch, c = transaction
    this.A_TXCOMMIT = k.action({
      run: (a, _b, c) => (this.txCommit(a, c), true),
      stale: (a, b, c) => this.members[a].workEpoch !== b || this.txStatus[c] !== TX_OPEN,
      describe: (a, _b, c, at) => `${mid(a)} commits transaction tx-${c} ${at}`,
    });
    // a = transaction
    this.A_TXABORT = k.action({
      run: (a) => (this.txAbort(a), true),
      stale: (a) => this.txStatus[a] !== TX_OPEN,
      describe: (a, _b, _c, at) => `the transaction coordinator aborts tx-${a} of ${mid(this.txMember[a])} ${at}`,
    });
  }

  // -------------------------------------------------------------------------- building

  /** A node of another kind (projection, saga) runs as a member with these settings. */
  declare(node: number, spec: ConsumerSpec): void {
    this.declared.push({ node, spec });
  }

  build(): void {
    this.k.nodes.forEach((n, i) => {
      if (n.kind === 'consumer') this.declare(i, n);
    });
  }

  /** [PS1] Channel `c` pushes its messages to the members connected to it: they do not read it as a topic. */
  pushOnly(c: number): void {
    this.pushChannels.add(c);
  }

  /** [PS2] A pub/sub channel pushed `rec` to member `m`: into its buffer, handled in turn. */
  push(m: number, rec: number): void {
    this.members[m].pushed.push(rec);
    this.wake(m);
  }

  /** [PS3] [V3] Member `m` will never get `rec`: lost, for the no-loss invariants watching its group. */
  missed(m: number, rec: number, why: string): void {
    this.inv.lost(this.groups[this.members[m].group].watchers, rec, why);
  }

  link(): void {
    const k = this.k;
    this.net = k.get(Network);
    this.registry = k.get(RegistryKind);
    this.inv = k.get(Invariants);
    this.dead = k.get(DeadLetters);
    this.queues = k.get(QueueKind);
    this.aggregates = k.get(AggregateKind);
    this.net.groups = {
      isMember: (node) => this.memberOfNode.has(node),
      cut: (node) => {
        const m = this.memberOfNode.get(node);
        if (m === undefined || !this.cutFromGroup(m)) return;
        // [N5] Its heartbeats stop: the group drops it after its session timeout.
        k.schedule(k.now + this.members[m].spec.config.sessionTimeoutMs, this.A_REBALANCE, this.members[m].group, 3, node);
      },
      healed: (node) => {
        const m = this.memberOfNode.get(node);
        if (m === undefined) return;
        const g = this.groups[this.members[m].group];
        if (g.topics.length > 0) k.schedule(k.now, this.A_REBALANCE, this.members[m].group, 4, node);
        this.wake(m);
      },
      lostOn: (c, rec, why) => {
        for (const g of this.groups) if (g.topics.includes(c)) this.inv.lost(g.watchers, rec, why);
      },
    };
    const L = k.records;
    // Members of a group, sorted by id: the order the range assignor uses ([G2]).
    const declared = [...this.declared].sort((a, b) => (k.nodes[a.node].id < k.nodes[b.node].id ? -1 : 1));
    const groupByName = new Map<string, number>();
    for (const { node: i, spec: n } of declared) {
      let g = groupByName.get(n.config.group);
      if (g === undefined) {
        g = this.groups.length;
        groupByName.set(n.config.group, g);
        this.groups.push({
          name: n.config.group,
          members: [],
          topics: [],
          committed: [],
          fresh: [],
          owner: [],
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
          countStore: null,
          countName: '',
          countTable: null,
        });
      }
      const group = this.groups[g];
      const channels = k.sourcesOf(n.id).map((t) => L.channelOfNode.get(t)!);
      const topics = channels.filter((t) => !this.queues.isQueue(t) && !this.pushChannels.has(t));
      const queues = channels.filter((t) => this.queues.isQueue(t));
      const m = this.members.length;
      for (const q of queues) this.queues.addReader(q, m);
      this.memberOfNode.set(i, m);
      const mem: MemberRt = {
        node: i,
        id: n.id,
        spec: n,
        group: g,
        topics,
        queues,
        buffer: [],
        busyReceipt: 0,
        pushed: [],
        rules: compileRules(n.config.rules),
        failWhen: n.config.failWhen ? compileCondition(n.config.failWhen) : null,
        commitBefore: n.config.commit === 'before',
        alive: true,
        assigned: [],
        position: perChannel(topics.map((t) => [t, new Int32Array(L.channels[t].partitions).fill(-1)])),
        busy: -1,
        busyKind: D_NORMAL,
        pollScheduled: false,
        rr: 0,
        workEpoch: 0,
        lifeEpoch: 0,
        handled: 0,
        armed: null,
        sender: -1,
        onHandle: null,
        transactional: n.config.transactional === true,
        readCommitted: n.config.isolation === 'read_committed',
        tx: -1,
      };
      // [TX1] A transactional producer is idempotent: a retry after a lost ack is dropped by the broker.
      mem.sender = mem.transactional ? this.net.addSender(mem, 100, true, (rec) => this.txLanded(m, rec)) : this.net.addSender(mem, 100, false, null);
      this.members.push(mem);
      group.members.push(m);
      for (const t of topics) {
        if (group.topics.includes(t)) continue;
        group.topics.push(t);
        group.committed[t] = new Int32Array(L.channels[t].partitions);
        group.fresh[t] = new Int32Array(L.channels[t].partitions).fill(1);
        group.owner[t] = new Int32Array(L.channels[t].partitions).fill(-1);
        this.readersOf(t).push(g);
      }
    }
    k.invariants.forEach((inv, i) => {
      const m = this.memberOfNode.get(k.nodeIndex.get(inv.node)!);
      if (m !== undefined) this.groups[this.members[m].group].watchers.push(i);
    });
  }

  private groupsOfChannel = new Map<number, number[]>();
  /** The groups reading channel `t`; the first call hooks the channel up to wake their members. */
  private readersOf(t: number): number[] {
    let gs = this.groupsOfChannel.get(t);
    if (gs) return gs;
    gs = [];
    this.groupsOfChannel.set(t, gs);
    const groups = gs;
    const c = this.k.records.channels[t];
    c.listeners.push((_offset, p) => {
      for (let i = 0; i < groups.length; i++) {
        const owner = this.groups[groups[i]].owner[t][p];
        if (owner >= 0) this.wake(owner);
      }
    });
    c.wakers.push(() => {
      for (const g of groups) for (const m of this.groups[g].members) this.wake(m);
    });
    return gs;
  }

  /** The groups reading a channel, each with its committed offset, lag and owner on partition `p`. */
  partitionGroups(c: Channel, t: number, p: number): { group: string; committed: number; lag: number; owner: string | null }[] {
    return (this.groupsOfChannel.get(t) ?? []).map((g) => {
      const group = this.groups[g];
      const committed = group.committed[t][p];
      const owner = group.owner[t][p];
      return { group: group.name, committed, lag: c.logEnd[p] - committed, owner: owner >= 0 ? this.members[owner].id : null };
    });
  }

  start(): void {
    const k = this.k;
    this.groups.forEach((g, gi) => {
      if (g.topics.length > 0) k.schedule(0, this.A_REBALANCE, gi, 0, -1);
    });
    // [G1] A member with a joinAt starts down and joins its group at that time.
    this.members.forEach((mem, m) => {
      const at = mem.spec.config.joinAt;
      if (at === null) return;
      mem.alive = false;
      k.schedule(at, this.A_JOIN, m, 0, 0);
    });
  }

  // -------------------------------------------------------------------------- fetching

  wake(m: number): void {
    const mem = this.members[m];
    if (!mem.alive || mem.busy >= 0 || mem.pollScheduled || !this.hasRecords(m)) return;
    mem.pollScheduled = true;
    this.k.schedule(this.k.now + FETCH_DELAY_MS + this.inboundLatency(m), this.A_DELIVER, m, mem.workEpoch, 0);
  }

  /** The slowest connection into a member adds to its fetch delay ([N1], [N2]). */
  private inboundLatency(m: number): number {
    if (!this.net.anyLinkFaults) return 0;
    const mem = this.members[m];
    const L = this.k.records;
    let worst: Link = NO_LINK_FAULTS;
    for (const channels of [mem.topics, mem.queues]) {
      for (let i = 0; i < channels.length; i++) {
        const l = this.net.linkOf(L.channels[channels[i]].node, mem.node);
        if (l.delayMs + l.jitterMs > worst.delayMs + worst.jitterMs) worst = l;
      }
    }
    return worst.delayMs + (worst.jitterMs ? Math.round(this.k.prng.next() * worst.jitterMs) : 0);
  }

  /** Can this member read from channel `t` now? ([N4], [N5]) */
  canRead(mem: MemberRt, t: number): boolean {
    return this.net.allClear || this.net.unreachable(mem.node, t) === null;
  }

  private owns(m: number, rec: number): boolean {
    const L = this.k.records;
    const owner = this.groups[this.members[m].group].owner[L.evTopic(rec)];
    return owner !== undefined && owner[L.evPartition(rec)] === m;
  }

  // The polling and handling paths run for every record each group reads: they loop by index,
  // not `for…of` with destructuring, which costs an iterator per loop on this path (issue #11).
  // hasRecords only says yes or no, so it asks about the commonest yes first: a record past
  // the member's position in a partition it was assigned.
  private hasRecords(m: number): boolean {
    const mem = this.members[m];
    const L = this.k.records;
    const assigned = mem.assigned;
    for (let i = 0; i < assigned.length; i++) {
      const t = assigned[i][0];
      const p = assigned[i][1];
      if (mem.position[t][p] < (mem.readCommitted ? this.stableEnd(t, p) : L.channels[t].readEnd[p]) && this.canRead(mem, t)) return true;
    }
    return this.hasOtherRecords(m);
  }

  /** Records handed back, received from a queue or pushed to it. */
  private hasOtherRecords(m: number): boolean {
    const mem = this.members[m];
    const L = this.k.records;
    if (mem.buffer.length > 0 || mem.pushed.length > 0) return true;
    const ready = this.groups[mem.group].readyRec;
    for (let i = 0; i < ready.length; i++) if (this.owns(m, ready[i]) && this.canRead(mem, L.evTopic(ready[i]))) return true;
    for (let i = 0; i < mem.queues.length; i++) if (this.queues.hasReady(mem.queues[i]) && this.canRead(mem, mem.queues[i])) return true;
    return false;
  }

  private deliver(m: number): boolean {
    const k = this.k;
    const L = k.records;
    const mem = this.members[m];
    const group = this.groups[mem.group];
    mem.pollScheduled = false;
    if ((group.readyRec.length > 0 || mem.buffer.length > 0 || mem.pushed.length > 0) && this.deliverWaiting(m, group)) return true;
    const n = mem.assigned.length;
    // Round-robin over assigned partitions, starting after the last one served ([C4]). The
    // index wraps by a subtraction: a division (`%`) per partition tried was a tenth of this
    // function's time (issue #11). `rr` may be past a smaller assignment after a rebalance.
    const from = mem.rr < n ? mem.rr : mem.rr % n;
    for (let j = 0; j < n; j++) {
      const idx = from + j < n ? from + j : from + j - n;
      const after = idx + 1 < n ? idx + 1 : 0;
      const t = mem.assigned[idx][0];
      const p = mem.assigned[idx][1];
      const pos = mem.position[t];
      const topic = L.channels[t];
      // [KR3] Nothing past the high watermark of a replicated topic (its log end otherwise).
      if (pos[p] >= topic.readEnd[p] || !this.canRead(mem, t)) continue;
      if (pos[p] < topic.logStart[p]) {
        mem.rr = after;
        this.outOfRange(m, t, p);
        return true;
      }
      // [RT5] Offsets compaction removed are skipped: the reader never sees them.
      if (topic.kept !== null) {
        pos[p] = topic.kept(p, pos[p]);
        if (pos[p] >= topic.readEnd[p]) continue;
      }
      if (mem.readCommitted) {
        // [TX3] read_committed: nothing at or past the first record of an open transaction
        // (the last stable offset); an aborted record is skipped, in a step of its own.
        if (pos[p] >= this.stableEnd(t, p)) continue;
        const rec = topic.logs[p].get(pos[p]);
        if (this.txStatus[this.txOf.get(rec) ?? -1] === TX_ABORTED) {
          pos[p]++;
          mem.rr = after;
          this.account(group, rec);
          k.record(S_SKIP, mem.node, rec, 0, `${mem.id} skipped ${L.evText(rec)} at ${L.where(rec)}: ${this.members[this.txMember[this.txOf.get(rec)!]].id} wrote it in transaction tx-${this.txOf.get(rec)}, which was aborted, and ${mem.id} reads read_committed`);
          this.wake(m);
          return true;
        }
      }
      const ev = topic.logs[p].get(pos[p]);
      pos[p]++;
      mem.rr = after;
      mem.busy = ev;
      mem.busyKind = D_NORMAL;
      const committed = group.committed[t][p];
      k.record(S_DELIVER, mem.node, ev, committed);
      if (mem.commitBefore) {
        k.schedule(k.now, this.A_COMMIT, m, mem.workEpoch, ev);
      }
      k.schedule(k.now + mem.spec.config.processingMs, this.A_HANDLE, m, mem.workEpoch, ev);
      return true;
    }
    for (const q of mem.queues) if (this.canRead(mem, q) && this.receive(m, q)) return true;
    return false;
  }

  /**
   * Delivers a record waiting for the member, if one can go: handed back to its group
   * (duplicates, due retries, released ones: first, [X2] [R3]), received from a queue, or
   * pushed to it. False when none can.
   */
  private deliverWaiting(m: number, group: GroupRt): boolean {
    const L = this.k.records;
    const mem = this.members[m];
    // Records handed back (duplicates, due retries, released ones) come first ([X2], [R3]).
    for (let i = 0; i < group.readyRec.length; i++) {
      const rec = group.readyRec[i];
      if (!this.owns(m, rec) || !this.canRead(mem, L.evTopic(rec))) continue;
      const kind = group.readyKind[i];
      group.readyRec.splice(i, 1);
      group.readyKind.splice(i, 1);
      return this.handOut(m, rec, kind);
    }
    if (mem.buffer.length > 0) {
      const [rec, receipt] = mem.buffer.shift()!;
      mem.busyReceipt = receipt;
      return this.handOut(m, rec, D_QUEUE);
    }
    // [PS2] The next message pushed to it, in the order they were pushed.
    if (mem.pushed.length > 0) return this.handOut(m, mem.pushed.shift()!, D_PUSH);
    return false;
  }

  /** Hands member `m` a waiting record `rec` of delivery kind `kind`: a deliver step, and its handling scheduled. */
  private handOut(m: number, rec: number, kind: number): true {
    const k = this.k;
    const mem = this.members[m];
    mem.busy = rec;
    mem.busyKind = kind;
    k.record(S_DELIVER, mem.node, rec, -1 - kind);
    k.schedule(k.now + mem.spec.config.processingMs, this.A_HANDLE, m, mem.workEpoch, rec);
    return true;
  }

  /**
   * [RT4] The member's next offset on (t, p) was deleted by retention (it was slow, or
   * rewound, or rebuilt): like Kafka's OffsetOutOfRange, it resets by its auto.offset.reset
   * and fetches again. What it skipped it will never read: no-loss invariants count it lost.
   */
  private outOfRange(m: number, t: number, p: number): void {
    const k = this.k;
    const L = k.records;
    const mem = this.members[m];
    const group = this.groups[mem.group];
    const c = L.channels[t];
    const from = mem.position[t][p];
    const to = mem.spec.config.offsetReset === 'latest' ? c.logEnd[p] : c.logStart[p];
    this.lostBetween(group, t, p, from, to, `deleted by ${c.id}'s retention before group ${group.name} read it`);
    mem.position[t][p] = to;
    mem.pollScheduled = false;
    k.record(S_RESET, mem.node, -1, t, `${mem.id} wanted ${c.id} p${p} @${from}, but the log now starts at @${c.logStart[p]}: retention deleted it first. auto.offset.reset=${mem.spec.config.offsetReset ?? 'earliest'} moves it to @${to}; offsets ${from}–${to - 1} (${to - from} record${to - from === 1 ? '' : 's'}) will never be handled by group ${group.name}`);
    this.wake(m);
  }

  /** [Q2] [Q3] A consumer takes up to `prefetch` ready messages from a queue. */
  private receive(m: number, q: number): boolean {
    const k = this.k;
    const L = k.records;
    const mem = this.members[m];
    const taken = this.queues.take(q, m, mem.spec.config.prefetch, mem.commitBefore);
    if (!taken) return false;
    const { got, dead, deadLetterTo } = taken;
    const note = `${dead.length ? `${dead.join(', ')} went to ${deadLetterTo}; ` : ''}${got.map(([r]) => `${L.idOf(r)} (receive ${this.queues.receives(q, L.evOffset(r))})`).join(', ')}`;
    if (got.length === 0) {
      k.record(S_RECEIVE, mem.node, -1, 0, note);
      this.wake(m);
      return true;
    }
    const [first, receipt] = got.shift()!;
    mem.buffer.push(...got);
    mem.busy = first;
    mem.busyKind = D_QUEUE;
    mem.busyReceipt = receipt;
    k.record(S_RECEIVE, mem.node, first, got.length + 1, note);
    k.schedule(k.now + mem.spec.config.processingMs, this.A_HANDLE, m, mem.workEpoch, first);
    return true;
  }

  /** [Q4] The handler is done: delete the message, if this receipt still holds it. */
  private ack(m: number, rec: number): void {
    const L = this.k.records;
    const mem = this.members[m];
    const q = L.evTopic(rec);
    const reachable = !this.net.isCut(mem.node, L.channels[q].node);
    const held = reachable && this.queues.ack(q, L.evOffset(rec), mem.busyReceipt);
    const why = held || !reachable || !this.queues.restarted(q) ? undefined : this.queues.lostInRestart(q, L.evOffset(rec)) ? 'the broker restarted while it was handled, and the message was not durable: it is gone, so there is nothing to delete (it was handled once, and nobody will get it again)' : 'this receipt no longer holds it (a broker restart closed the channel it came on, or its visibility timeout ran out): it is back in the queue and will be handled again';
    this.k.record(S_ACK, mem.node, rec, held ? 1 : reachable ? 0 : -1, why);
    this.finish(m);
  }

  /** [Q3] A message `rec` became visible again while in member `m`'s prefetch buffer: drop it there. */
  dropPrefetched(m: number, rec: number): void {
    const mem = this.members[m];
    mem.buffer = mem.buffer.filter(([r]) => r !== rec);
  }

  // -------------------------------------------------------------------------- handling

  // The handling path runs for every record each group handles. Each rarely-used feature is
  // tested here by a field read and its work kept in a method of its own, so the common path
  // makes few calls (V8 inlines little into a function this size; issue #11).
  private handle(m: number, rec: number): void {
    const mem = this.members[m];
    if (mem.onHandle !== null) {
      mem.onHandle(rec);
      return;
    }
    const k = this.k;
    const L = k.records;
    const group = this.groups[mem.group];
    const cfg = mem.spec.config;

    // The commonest handler, a counter, for a member with nothing that acts around its rules.
    if (mem.armed === null && mem.failWhen === null && cfg.idempotency === 'none' && cfg.upcasters.length === 0 && cfg.schema === null && group.blocked.size === 0 && group.watchers.length === 0 && !this.registry.any && this.count(m, group, rec)) return;

    // [R4] While a key is being retried, later events of that key wait behind it.
    if (group.blocked.size > 0 && cfg.ordering === 'block-key' && this.park(m, group, rec)) return;

    if (mem.armed !== null && mem.armed.point === 'before-handle') {
      this.crashMember(m, 'before-handle');
      return;
    }

    // [D2] [D3] Idempotency: a duplicate is recognised and skipped.
    const id = L.evIdOf(rec);
    const mode = cfg.idempotency;
    if (mode !== 'none') {
      const dup = this.duplicateReason(mem, group, rec, id);
      if (dup) {
        this.skipDuplicate(m, group, rec, dup);
        return;
      }
    }

    const reader = k.reader;
    reader.ev = rec;
    reader.store = group.store;
    reader.upcast = null;
    const schemaProblem = cfg.upcasters.length > 0 || cfg.schema !== null || this.registry.any ? this.upcastFor(mem, rec) : null;
    let out: Outcome | null = null;
    if (!schemaProblem && !(mem.failWhen && mem.failWhen(reader))) {
      // A counter adds to the store straight away here too (see count), unless its write must
      // wait: a crash armed between effects and writes, an invariant checking each write.
      const counter = mem.armed === null && group.watchers.length === 0 ? mem.rules.counterFor(L.evType(rec)) : null;
      out =
        counter !== null && addCount(group.store, counter, keyText(counter.byKey ? L.evKey(rec) : reader.field(counter.path)))
          ? this.counted(counter.rule)
          : mem.rules.run(L.evType(rec), reader, this.handleOut);
    }
    mem.handled++;
    reader.upcast = null;
    if (!out || out.error !== undefined) {
      this.fail(m, rec, out ? out.error! : (schemaProblem ?? 'the handler has a bug for events like this one (its failWhen condition matches): a poison message'));
      return;
    }

    // Side effects happen in the outside world first; they cannot be rolled back ([X1]).
    if (out.effects.length > 0) this.applyEffects(group, rec, out.effects);
    if (mem.armed !== null && mem.armed.point === 'after-effects') {
      this.crashMember(m, 'after-effects', out.effects.length);
      return;
    }

    const watched = group.watchers.length > 0;
    for (let i = 0; i < out.writes.length; i++) {
      const w = out.writes[i];
      writableTable(group.store, w.table, w.key).set(w.key, w.value);
      if (watched) this.inv.checkState(group.watchers, w.table, w.key, w.value);
    }
    if (mode !== 'none') this.saveIdempotency(group, rec, id, mode);
    if (watched) this.checkOrder(group, rec);
    group.counters.processed++;
    if (watched) this.account(group, rec);
    if (group.attempts.size > 0) group.attempts.delete(rec);
    if (group.blocked.size > 0) this.releaseKey(group, rec);

    if (out.commands.length > 0 || out.emits.length > 0) this.sendOut(m, rec, out);
    if (mem.armed !== null && mem.armed.point === 'after-save') {
      this.crashMember(m, 'after-save');
      return;
    }
    k.record(S_HANDLE, mem.node, rec, out.rule);
    if (mode === 'processed-ids-separate') {
      // [D4] The processed id is saved in a step of its own: a crash between loses it.
      k.schedule(k.now, this.A_MARK, m, mem.workEpoch, rec);
      return;
    }
    this.finishDelivery(m, rec);
  }

  /** [K6] The member's work in flight is abandoned: its pending fetch, handle, commit, mark or ack are dropped. */
  bumpWork(mem: MemberRt): void {
    mem.workEpoch++;
    this.k.expire();
  }

  /**
   * [H1] Handles `rec` as the rest of handle would, when the rule for its type is a counter
   * (rules.ts Count) and the member has no crash armed, no failWhen, no idempotency, no
   * upcasters or schema (nor a registry), and its group no blocked key and no invariant: the
   * count is added straight to the store, without the interpreter and a staged write. False,
   * having changed no row, for any other rule, or a key or row a counter cannot take (the
   * interpreter then says why).
   */
  private count(m: number, group: GroupRt, rec: number): boolean {
    const k = this.k;
    const L = k.records;
    const mem = this.members[m];
    const counter = mem.rules.counterFor(L.evType(rec));
    if (counter === null) return false;
    let key: unknown;
    if (counter.byKey) key = L.evKey(rec);
    else {
      const reader = k.reader;
      reader.ev = rec;
      reader.store = group.store;
      reader.upcast = null;
      key = reader.field(counter.path);
    }
    const text = keyText(key);
    if (text === null) return false;
    const t = countTable(group, counter.table, text);
    const current = t.get(text) ?? 0;
    if (typeof current !== 'number') return false;
    t.set(text, current + counter.delta);
    mem.handled++;
    group.counters.processed++;
    if (group.attempts.size > 0) group.attempts.delete(rec);
    k.record(S_HANDLE, mem.node, rec, counter.rule);
    this.finishDelivery(m, rec);
    return true;
  }

  /** [R4] Parks `rec` behind its key's record being retried, if it is one to park; says whether it did. */
  private park(m: number, group: GroupRt, rec: number): boolean {
    const mem = this.members[m];
    const key = this.k.records.evKey(rec);
    if (key === null || !group.blocked.has(key) || group.blocked.get(key) === rec || (mem.busyKind !== D_NORMAL && mem.busyKind !== D_DUPLICATE)) return false;
    let q = group.parked.get(key);
    if (!q) group.parked.set(key, (q = []));
    q.push(rec);
    group.counters.parked++;
    this.account(group, rec);
    this.k.record(S_PARK, mem.node, rec, group.blocked.get(key)!);
    this.finishDelivery(m, rec);
    return true;
  }

  /** [D2] [D3] A duplicate recognised: skipped, and its delivery finished. */
  private skipDuplicate(m: number, group: GroupRt, rec: number, why: string): void {
    group.counters.duplicatesSkipped++;
    this.account(group, rec);
    group.attempts.delete(rec);
    this.releaseKey(group, rec);
    this.k.record(S_SKIP, this.members[m].node, rec, 0, why);
    this.finishDelivery(m, rec);
  }

  /** [X1] The handler's side effects, counted per key; a repeat breaks an at-most-once invariant. */
  private applyEffects(group: GroupRt, rec: number, effects: Outcome['effects']): void {
    for (let i = 0; i < effects.length; i++) {
      const e = effects[i];
      const table = writableTable(group.effects, e.name, e.key);
      const n = ((table.get(e.key) as number | undefined) ?? 0) + 1;
      table.set(e.key, n);
      if (n > 1) this.inv.violate(group.watchers, 'at-most-once', (inv) => inv.kind === 'at-most-once' && inv.effect === e.name, `"${e.name}" happened ${n} times for ${e.key} (handling ${this.k.records.idOf(rec)})`);
    }
  }

  /** [D2] [D3] What the idempotency mode keeps with the state: the processed id, or the key's version. */
  private saveIdempotency(group: GroupRt, rec: number, id: number, mode: ConsumerSpec['config']['idempotency']): void {
    if (mode === 'processed-ids') this.saveProcessed(group, id);
    const key = this.k.records.evKey(rec);
    if (mode === 'version' && key !== null) writableTable(group.store, VERSIONS_TABLE, key).set(key, this.k.records.evOffset(rec));
  }

  /** The commands to aggregates and the events the handler emits, in a transaction if the member has one open ([TX1]). */
  private sendOut(m: number, rec: number, out: Outcome): void {
    const k = this.k;
    const L = k.records;
    const mem = this.members[m];
    for (let i = 0; i < out.commands.length; i++) {
      const c = out.commands[i];
      this.aggregates.send(c.aggregate, c.stream, c.command, c.data, rec, mem.node);
    }
    const tx = mem.transactional && out.emits.length > 0 && mem.busyKind !== D_QUEUE && mem.busyKind !== D_PUSH ? this.txFor(m, rec) : -1;
    for (let i = 0; i < out.emits.length; i++) {
      const e = out.emits[i];
      const topic = k.channelIndex(e.topic);
      const child = L.createEvent(e.type, e.key, e.data, mem.node, topic, rec, 1, -1);
      if (tx >= 0) {
        // [TX1] Written inside the member's open transaction.
        this.txOf.set(child, tx);
        this.txRecs[tx].push(child);
      }
      this.net.send(child, mem.sender, this.net.latency(mem.node, L.channels[topic].node));
    }
  }

  /**
   * Applies the member's upcasters to the event's data for its rules ([S2]); returns why
   * the handler cannot read this schema version, or null ([S3]).
   */
  private upcastFor(mem: MemberRt, rec: number): string | null {
    const L = this.k.records;
    const reader = this.k.reader;
    reader.upcast = null;
    // [SR3] A type the schema registry holds is read with the consumer's own version.
    const type = L.evType(rec);
    if (this.registry.governs(type)) {
      const r = this.registry.read(type, L.evSchema(rec), mem.spec.config.schema, L.evData(rec));
      if ('problem' in r) return `${mem.id} cannot read ${L.evText(rec)}: ${r.problem}`;
      reader.upcast = { data: r.data, version: r.version };
      return null;
    }
    let version = L.evSchema(rec);
    const ups = mem.spec.config.upcasters;
    if (ups.length > 0) {
      let data = L.evData(rec);
      const type = L.evType(rec);
      for (let changed = true; changed; ) {
        changed = false;
        for (const u of ups) {
          if (u.type !== type || u.from !== version) continue;
          data = upcast(data, u);
          version = u.to;
          changed = true;
        }
      }
      if (version !== L.evSchema(rec)) reader.upcast = { data, version };
    }
    const max = mem.spec.config.schema;
    if (max !== null && version > max) {
      return `${mem.id} only understands ${L.evType(rec)} up to schema version ${max}, and this event is version ${version}${ups.length ? ' even after its upcasters' : ''}`;
    }
    return null;
  }

  private duplicateReason(mem: MemberRt, group: GroupRt, rec: number, id: number): string | null {
    const L = this.k.records;
    const mode = mem.spec.config.idempotency;
    if (mode === 'processed-ids' || mode === 'processed-ids-separate') {
      const t = group.store.get(PROCESSED_TABLE);
      if (t !== undefined && (t instanceof IdTable ? t.hasId(id) : t.has(`evt-${id}`))) return `${mem.id} skipped evt-${id}: its id is already in the ${PROCESSED_TABLE} table, so this delivery is a duplicate`;
    }
    const key = L.evKey(rec);
    if (mode === 'version' && key !== null) {
      const seen = group.store.get(VERSIONS_TABLE)?.get(key);
      const offset = L.evOffset(rec);
      if (typeof seen === 'number' && seen >= offset) {
        return `${mem.id} skipped evt-${id}: ${key} is already at version ${seen} (offset), and this record is offset ${offset}, so it changes nothing`;
      }
    }
    return null;
  }

  private saveProcessed(group: GroupRt, id: number): void {
    // Setting an id's row that is there already changes nothing a checkpoint reads.
    const t = group.store.get(PROCESSED_TABLE);
    if (t instanceof IdTable && t.addId(id)) return;
    const key = `evt-${id}`;
    writableTable(group.store, PROCESSED_TABLE, key).set(key, true);
  }

  private mark(m: number, rec: number): void {
    const mem = this.members[m];
    this.saveProcessed(this.groups[mem.group], this.k.records.evIdOf(rec));
    this.k.record(S_MARK, mem.node, rec, 0);
    this.finishDelivery(m, rec);
  }

  /** After handling (or skipping, parking, failing) a record: commit it or go idle. */
  finishDelivery(m: number, rec: number): void {
    const mem = this.members[m];
    if (mem.busyKind === D_QUEUE && !mem.commitBefore) {
      this.k.schedule(this.k.now, this.A_ACK, m, mem.workEpoch, rec);
      return;
    }
    if (mem.transactional && mem.busyKind !== D_PUSH && mem.busyKind !== D_QUEUE) {
      // [TX2] The offset (of a record read from the log) goes into the transaction, which
      // commits once everything it wrote is appended.
      const tx = this.txFor(m, rec);
      this.txReady[tx] = 1;
      this.txMaybeCommit(tx);
      return;
    }
    if (mem.busyKind !== D_NORMAL || mem.commitBefore) {
      // Extra deliveries are not part of the log position: nothing to commit ([X2]).
      this.finish(m);
      return;
    }
    this.k.schedule(this.k.now, this.A_COMMIT, m, mem.workEpoch, rec);
  }

  // -------------------------------------------------------------------------- transactions

  /** [TX1] The member's open transaction for the record in hand, opened if it has none. */
  private txFor(m: number, rec: number): number {
    const mem = this.members[m];
    if (mem.tx >= 0) return mem.tx;
    const tx = this.txStatus.length;
    this.txMember.push(m);
    this.txInput.push(rec);
    this.txNext.push(mem.busyKind === D_NORMAL ? this.k.records.evOffset(rec) + 1 : -1);
    this.txStatus.push(TX_OPEN);
    this.txRecs.push([]);
    this.txReady.push(0);
    this.txOpen.push(tx);
    mem.tx = tx;
    return tx;
  }

  /** Has record `rec` been appended (by now)? */
  private appended(rec: number): boolean {
    const L = this.k.records;
    const o = L.evOffset(rec);
    return o >= 0 && o < L.channels[L.evTopic(rec)].logEnd[L.evPartition(rec)];
  }

  /** A record member `m` sent was appended: its transaction may be complete. */
  private txLanded(_m: number, rec: number): void {
    const tx = this.txOf.get(rec);
    if (tx !== undefined && this.txStatus[tx] === TX_OPEN) this.txMaybeCommit(tx);
  }

  private txMaybeCommit(tx: number): void {
    if (!this.txReady[tx] || !this.txRecs[tx].every((r) => this.appended(r))) return;
    const m = this.txMember[tx];
    this.k.schedule(this.k.now + TX_COMMIT_MS, this.A_TXCOMMIT, m, this.members[m].workEpoch, tx);
  }

  /** [TX3] The last stable offset of (t, p): the first offset of an open transaction there, else the log end. */
  stableEnd(t: number, p: number): number {
    const L = this.k.records;
    let end = L.channels[t].readEnd[p];
    for (const tx of this.txOpen) {
      for (const r of this.txRecs[tx]) {
        if (L.evTopic(r) !== t || L.evPartition(r) !== p) continue;
        const o = L.evOffset(r);
        if (o >= 0 && o < end) end = o;
      }
    }
    return end;
  }

  /** [TX3] The offsets of (t, p) written by aborted and by still-open transactions; null when no transaction ever ran. */
  txOffsetsIn(t: number, p: number): { aborted: number[]; open: number[] } | null {
    if (this.txStatus.length === 0) return null;
    const L = this.k.records;
    const aborted: number[] = [];
    const open: number[] = [];
    for (let tx = 0; tx < this.txStatus.length; tx++) {
      if (this.txStatus[tx] === TX_COMMITTED) continue;
      for (const r of this.txRecs[tx]) {
        if (L.evTopic(r) !== t || L.evPartition(r) !== p || !this.appended(r)) continue;
        (this.txStatus[tx] === TX_ABORTED ? aborted : open).push(L.evOffset(r));
      }
    }
    return { aborted: aborted.sort((a, b) => a - b), open: open.sort((a, b) => a - b) };
  }

  /** [TX3] Was `rec` written by a transaction that was aborted? */
  isAborted(rec: number): boolean {
    const tx = this.txOf.get(rec);
    return tx !== undefined && this.txStatus[tx] === TX_ABORTED;
  }

  /** The records of a transaction that reached the log, as a list for a step's text. */
  private txWritten(tx: number): string {
    const L = this.k.records;
    const recs = this.txRecs[tx].filter((r) => this.appended(r));
    return recs.length ? recs.map((r) => `${L.evText(r)} at ${L.where(r)}`).join(', ') : 'nothing';
  }

  /** A transaction ended: read_committed readers of the channels it wrote to may move on. */
  private txEnded(tx: number): void {
    this.txOpen = this.txOpen.filter((x) => x !== tx);
    const L = this.k.records;
    const channels = new Set(this.txRecs[tx].map((r) => L.evTopic(r)));
    for (const c of channels) for (const g of this.groupsOfChannel.get(c) ?? []) for (const mm of this.groups[g].members) if (this.members[mm].readCommitted) this.wake(mm);
  }

  /** [TX2] The commit marker: the records it wrote and its offset become visible together. */
  private txCommit(m: number, tx: number): void {
    const k = this.k;
    const L = k.records;
    const mem = this.members[m];
    const group = this.groups[mem.group];
    if (mem.armed?.point === 'after-publish') {
      this.crashMember(m, 'after-publish');
      return;
    }
    const rec = this.txInput[tx];
    const next = this.txNext[tx];
    const t = L.evTopic(rec);
    const p = L.evPartition(rec);
    const written = this.txWritten(tx);
    mem.tx = -1;
    if (next >= 0 && this.net.isCut(mem.node, L.channels[t].node)) {
      // [N5] The commit cannot reach the broker: the transaction is aborted and the record handled again.
      this.txStatus[tx] = TX_ABORTED;
      this.txEnded(tx);
      k.record(S_TXABORT, mem.node, rec, tx, `${mem.id} could not commit transaction tx-${tx}: the network to ${L.channels[t].id} is cut. It aborts it: what it wrote (${written}) stays in the log marked aborted, and ${L.idOf(rec)} will be handled again`);
      this.finish(m);
      return;
    }
    this.txStatus[tx] = TX_COMMITTED;
    let offsetPart = '';
    if (next >= 0) {
      const before = group.committed[t][p];
      group.committed[t][p] = next;
      group.fresh[t][p] = 0;
      offsetPart = ` and its offset ${next} on ${L.channels[t].id} p${p} for group ${group.name}`;
      this.lostBetween(group, t, p, before, next, 'its offset was committed but it was never handled', mem.busy);
    }
    this.txEnded(tx);
    k.record(S_TXCOMMIT, mem.node, rec, tx, `${mem.id} committed transaction tx-${tx} for ${L.idOf(rec)}: what it wrote (${written})${offsetPart} became visible together, with a commit marker, ${fmtMs(TX_COMMIT_MS)} after the handling (the cost of the transaction). read_committed readers may read them now. Side effects outside Kafka (emails, charges) were not part of it`);
    this.finish(m);
  }

  /** [TX4] The coordinator aborts a crashed member's open transaction after its timeout. */
  private txAbort(tx: number): void {
    const mem = this.members[this.txMember[tx]];
    this.txStatus[tx] = TX_ABORTED;
    this.txEnded(tx);
    const timeout = mem.spec.config.transactionTimeoutMs ?? TX_TIMEOUT_MS;
    const wrote = this.txRecs[tx].some((r) => this.appended(r));
    const what = wrote ? `What it wrote (${this.txWritten(tx)}) stays in the log, marked aborted: read_committed readers skip it and move on; read_uncommitted readers may have read it already.` : 'It had written nothing to the log.';
    this.k.record(S_TXABORT, mem.node, this.txInput[tx], tx, `The transaction coordinator aborted tx-${tx} of ${mem.id}: nothing came from it for its transaction timeout (${fmtMs(timeout)}) after it crashed. ${what} Its offset was not committed either, so the group handles ${this.k.records.idOf(this.txInput[tx])} again`);
  }

  private commit(m: number, ev: number): void {
    const k = this.k;
    const L = k.records;
    const mem = this.members[m];
    if (mem.armed !== null && !mem.commitBefore && mem.armed.point === 'after-publish') {
      // [TX5] Armed to crash between sending what it emitted and committing the offset.
      this.crashMember(m, 'after-publish');
      return;
    }
    const group = this.groups[mem.group];
    const t = L.evTopic(ev);
    const p = L.evPartition(ev);
    const next = L.evOffset(ev) + 1;
    const committed = group.committed[t];
    const before = committed[p];
    const net = this.net;
    if (!net.allClear && net.isCut(mem.node, L.channels[t].node)) {
      // [N5] The commit cannot reach the broker: the record will be delivered again.
      k.record(S_COMMIT, mem.node, ev, -1);
      if (!mem.commitBefore) this.finish(m);
      return;
    }
    committed[p] = next;
    group.fresh[t][p] = 0;
    const dup = net.anyLinkFaults ? net.linkOf(L.channels[t].node, mem.node).duplicateChance : 0;
    if (dup > 0 && k.prng.next() < dup) {
      // [N3] The nemesis on this connection repeats the delivery.
      group.readyRec.push(ev);
      group.readyKind.push(D_DUPLICATE);
      k.record(S_COMMIT, mem.node, ev, next, `and the network will deliver ${L.idOf(ev)} again (a ${Math.round(dup * 100)}% duplicate chance on ${L.channels[t].id} → ${mem.id})`);
    } else k.record(S_COMMIT, mem.node, ev, next);
    if (group.watchers.length > 0) this.lostBetween(group, t, p, before, next, 'its offset was committed but it was never handled', mem.busy);
    if (!mem.commitBefore) this.finish(m);
  }

  /**
   * [V3] The group passes offsets [from, to) of (t, p) without handling them (a commit past
   * them, a reset over them): each record it never accounted for is lost, except `handling`,
   * the one a member has in hand. Only for groups an invariant watches.
   */
  private lostBetween(group: GroupRt, t: number, p: number, from: number, to: number, why: string, handling = -1): void {
    if (group.watchers.length === 0) return;
    const log = this.k.records.channels[t].logs[p];
    for (let o = from; o < to; o++) {
      const rec = log.get(o);
      if (!group.accounted.has(rec) && rec !== handling) this.inv.lost(group.watchers, rec, why);
    }
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
    const k = this.k;
    const L = k.records;
    const mem = this.members[m];
    const group = this.groups[mem.group];
    const cfg = mem.spec.config;
    group.counters.failed++;
    if (mem.busyKind === D_PUSH) {
      // [PS4] Nothing keeps a pushed message: a failed one cannot be retried or dead-lettered.
      this.inv.lost(group.watchers, rec, `${mem.id} failed handling it, and a pub/sub channel keeps nothing to retry`);
      this.account(group, rec);
      k.record(S_ERROR, mem.node, rec, 0, `${error}. The message was pushed, not stored: there is nothing to retry or dead-letter, and it is gone`);
      this.finish(m);
      return;
    }
    if (mem.busyKind === D_QUEUE) {
      // [Q4] A queue consumer nacks: the message is ready again at once; the queue's
      // maxReceiveCount, not the consumer's retry settings, decides when it is dead-lettered.
      const q = L.evTopic(rec);
      const off = L.evOffset(rec);
      const held = this.queues.nack(q, off, mem.busyReceipt);
      const receives = this.queues.receives(q, off);
      this.account(group, rec);
      k.record(S_ERROR, mem.node, rec, 0, `${error}. ${held ? (this.queues.rejected(q, off) ?? `It nacked the message: back in ${L.channels[q].id} (received ${receives} time${receives > 1 ? 's' : ''} so far)`) : 'Its visibility timeout had already run out'}`);
      this.finish(m);
      this.queues.wakeReaders(q);
      return;
    }
    const attempts = (group.attempts.get(rec) ?? 0) + 1;
    const key = L.evKey(rec);
    if (attempts < cfg.retry.maxAttempts) {
      // [R1] [R2] Another attempt later, with backoff in logical time.
      group.attempts.set(rec, attempts);
      group.counters.retried++;
      const delay = this.backoff(cfg.retry, attempts);
      if (key !== null && cfg.ordering === 'block-key' && !group.blocked.has(key)) group.blocked.set(key, rec);
      k.schedule(k.now + delay, this.A_RETRY, mem.group, rec, 0);
      this.account(group, rec);
      k.record(S_ERROR, mem.node, rec, attempts, `${error}. Attempt ${attempts} of ${cfg.retry.maxAttempts} failed: the next in ${fmtMs(delay)}`);
      this.finishDelivery(m, rec);
      return;
    }
    group.attempts.delete(rec);
    const dl = cfg.deadLetter;
    if (dl !== null) {
      // [R5] Out of attempts: the event goes to the dead-letter topic, keeping its id.
      const copy = this.dead.deadLetter(rec, mem.node, dl, error, attempts);
      group.counters.deadLettered++;
      this.account(group, rec);
      k.record(S_DEAD, mem.node, copy, attempts, `${error}. After ${attempts} attempt${attempts > 1 ? 's' : ''} ${mem.id} moved it to ${dl} p${L.evPartition(copy)} @${L.evOffset(copy)}`);
    } else {
      // [H6] No attempts left and no dead-letter topic: the event is dropped.
      this.inv.lost(group.watchers, rec, `${mem.id} gave up on it after ${attempts} attempt${attempts > 1 ? 's' : ''} with no dead-letter topic`);
      this.account(group, rec);
      k.record(S_ERROR, mem.node, rec, 0, `${error}. ${attempts > 1 ? `That was the last of ${attempts} attempts and t` : 'T'}here is no dead-letter topic, so the event is skipped`);
    }
    this.releaseKey(group, rec);
    this.finishDelivery(m, rec);
  }

  private backoff(r: ConsumerSpec['config']['retry'], attempt: number): number {
    if (r.backoff === 'immediate') return 0;
    const base = Math.min(r.maxMs, r.initialMs * 2 ** (attempt - 1));
    // "Equal jitter": half fixed, half random, drawn from the engine's seeded PRNG.
    return r.jitter ? Math.round(base / 2 + this.k.prng.next() * (base / 2)) : base;
  }

  private retryDue(g: number, rec: number): void {
    const L = this.k.records;
    const group = this.groups[g];
    group.readyRec.push(rec);
    group.readyKind.push(D_RETRY);
    const owner = group.owner[L.evTopic(rec)][L.evPartition(rec)];
    this.k.record(S_RETRY, owner >= 0 ? this.members[owner].node : -1, rec, g);
    if (owner >= 0) this.wake(owner);
  }

  /** A record that held its key is done: the records waiting behind it go, in order ([R4]). */
  private releaseKey(group: GroupRt, rec: number): void {
    if (group.blocked.size === 0) return;
    const key = this.k.records.evKey(rec);
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

  private checkOrder(group: GroupRt, rec: number): void {
    // [V4] Each successful handling of a key must not go back to an earlier offset.
    const L = this.k.records;
    const key = L.evKey(rec);
    if (!group.watchers.length || key === null) return;
    const offset = L.evOffset(rec);
    const last = group.lastFirst.get(key);
    if (last !== undefined && last > offset) {
      this.inv.violate(group.watchers, 'key-order', () => true, `${L.idOf(rec)} (offset ${offset}) of key ${key} was handled after an event of that key at offset ${last}`);
    }
    if (last === undefined || offset > last) group.lastFirst.set(key, offset);
  }

  // -------------------------------------------------------------------------- groups

  /** Is member `m` cut off from any topic its group reads? Then the group leaves it out ([N5]). */
  private cutFromGroup(m: number): boolean {
    if (!this.net.anyCuts) return false;
    const mem = this.members[m];
    return mem.topics.some((t) => this.net.isCut(mem.node, this.k.records.channels[t].node));
  }

  private rebalance(g: number, reason: number, cause: number): void {
    const k = this.k;
    const L = k.records;
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
      const P = L.channels[t].partitions;
      const readers = live.filter((m) => this.members[m].topics.includes(t));
      const owner = group.owner[t];
      owner.fill(-1);
      const M = readers.length;
      let p = 0;
      readers.forEach((m, i) => {
        const count = Math.floor(P / M) + (i < P % M ? 1 : 0);
        const got: number[] = [];
        for (let j = 0; j < count; j++, p++) {
          owner[p] = m;
          this.members[m].assigned.push([t, p]);
          got.push(p);
        }
        parts.push(`${this.members[m].id} ← ${L.channels[t].id} ${got.length ? got.map((x) => `p${x}`).join(', ') : '(none)'}`);
      });
      if (M === 0) parts.push(`${L.channels[t].id}: no live member, nobody reads it`);
    }
    const abandoned: string[] = [];
    const resets: string[] = [];
    for (const m of group.members) {
      const mem = this.members[m];
      const now = new Set(mem.assigned.map(([t, p]) => `${t}:${p}`));
      // A member keeps its position on partitions it keeps; a partition that is new to it
      // starts from the group's committed offset ([G3]).
      for (const [t, p] of mem.assigned) {
        if (before.get(m)!.has(`${t}:${p}`)) continue;
        // [RT3] No committed offset yet: auto.offset.reset says where to start, and the
        // group's offset shows it. A committed offset below the log start is [RT4]'s, on fetch.
        if (group.fresh[t][p]) {
          const c = L.channels[t];
          const at = mem.spec.config.offsetReset === 'latest' ? c.logEnd[p] : c.logStart[p];
          if (at !== group.committed[t][p]) {
            const why = mem.spec.config.offsetReset === 'latest' ? (at > 0 ? ': only what is appended from now on' : '') : `: offsets 0–${at - 1} were deleted by retention`;
            resets.push(`${mem.id} starts ${c.id} p${p} at @${at} (no committed offset; auto.offset.reset=${mem.spec.config.offsetReset ?? 'earliest'}${why})`);
            group.committed[t][p] = at;
          }
        }
        mem.position[t][p] = group.committed[t][p];
      }
      if (mem.busy >= 0 && mem.busyKind !== D_PUSH) {
        const ev = mem.busy;
        if (!now.has(`${L.evTopic(ev)}:${L.evPartition(ev)}`)) {
          // [G4] In-flight work on a revoked partition is abandoned before its commit.
          abandoned.push(`${mem.id} abandons ${L.idOf(ev)} (its partition moved before the commit)${mem.tx >= 0 ? `, and aborts its transaction tx-${mem.tx}` : ''}`);
          if (mem.tx >= 0) {
            // [TX4] A member that lost the partition cannot commit its transaction: it aborts.
            this.txStatus[mem.tx] = TX_ABORTED;
            this.txEnded(mem.tx);
            mem.tx = -1;
          }
          this.requeueExtra(group, mem);
          mem.busy = -1;
          mem.busyKind = D_NORMAL;
          this.bumpWork(mem);
          mem.pollScheduled = false;
        }
      }
    }
    const note = `group ${group.name} rebalanced (generation ${group.generation}) because ${REASONS[reason]}: ${parts.join('; ')}${resets.length ? `. ${resets.join('; ')}` : ''}${abandoned.length ? `. ${abandoned.join('; ')}` : ''}`;
    k.record(S_REBALANCE, cause, -1, g, note);
    for (const m of live) this.wake(m);
  }

  /** Retries and released records survive their member ([R3]); injected duplicates do not. */
  private requeueExtra(group: GroupRt, mem: MemberRt): void {
    if (mem.busy >= 0 && (mem.busyKind === D_RETRY || mem.busyKind === D_RELEASED)) {
      group.readyRec.unshift(mem.busy);
      group.readyKind.unshift(mem.busyKind);
    }
  }

  /** The records the group has not committed yet, over every topic it reads. */
  groupLag(g: GroupRt): number {
    const L = this.k.records;
    let lag = 0;
    for (const t of g.topics) {
      const c = g.committed[t];
      for (let p = 0; p < c.length; p++) lag += L.channels[t].logEnd[p] - c[p];
    }
    return lag;
  }

  // -------------------------------------------------------------------------- crashes and restarts

  /** Crashes a member now; `point` says where inside handling it was ([C5], [X1]). */
  crashMember(m: number, point: CrashPoint, effects = 0, restartAfterMs?: number | null): void {
    const k = this.k;
    const L = k.records;
    const mem = this.members[m];
    const group = this.groups[mem.group];
    const lost = mem.busy;
    restartAfterMs = restartAfterMs ?? mem.armed?.restartAfterMs ?? null;
    // Was the in-flight record already committed (at-most-once)? Then it is lost ([C5]).
    const committed =
      lost >= 0 &&
      ((mem.busyKind === D_NORMAL && group.committed[L.evTopic(lost)][L.evPartition(lost)] > L.evOffset(lost)) || (mem.busyKind === D_QUEUE && mem.commitBefore));
    // [Q6] Prefetched messages stay invisible until their timeout; auto-acked ones are gone.
    if (mem.commitBefore) for (const [r] of mem.buffer) this.inv.lost(group.watchers, r, `${mem.id} crashed holding it after an auto-ack`);
    mem.buffer = [];
    // [PS3] Messages pushed to it and not handled die with its connection.
    if (lost >= 0 && mem.busyKind === D_PUSH) this.inv.lost(group.watchers, lost, `${mem.id} crashed while handling a pushed message`);
    for (const r of mem.pushed) this.inv.lost(group.watchers, r, `${mem.id} crashed with it still in its connection's buffer`);
    mem.pushed = [];
    if (committed && point !== 'after-save') this.inv.lost(group.watchers, lost, `${mem.id} crashed after committing its offset but before handling it`);
    this.requeueExtra(group, mem);
    mem.alive = false;
    mem.armed = null;
    // [C5] Its positions are forgotten: when it comes back it starts from committed offsets.
    mem.assigned = [];
    mem.busy = -1;
    mem.busyKind = D_NORMAL;
    mem.pollScheduled = false;
    this.bumpWork(mem);
    mem.lifeEpoch++;
    const aux = (committed ? 1 : 0) | (CRASH_POINTS.indexOf(point) << 1) | (effects << 4);
    let txNote: string | undefined;
    if (mem.tx >= 0) {
      // [TX4] Its open transaction stays open until the coordinator gives up on it.
      const tx = mem.tx;
      const timeout = mem.spec.config.transactionTimeoutMs ?? TX_TIMEOUT_MS;
      mem.tx = -1;
      k.schedule(k.now + timeout, this.A_TXABORT, tx, 0, 0);
      const wrote = this.txRecs[tx].some((r) => this.appended(r));
      txNote = wrote
        ? `Its transaction tx-${tx} is left open (it wrote ${this.txWritten(tx)}): read_committed readers of those partitions stop there until the coordinator aborts it, ${fmtMs(timeout)} from now (its transaction timeout)`
        : `Its transaction tx-${tx} had written nothing to the log yet; the coordinator aborts it ${fmtMs(timeout)} from now (its transaction timeout)`;
    }
    k.record(S_CRASH, mem.node, lost, aux, txNote);
    // [G1] The group notices after the member's session timeout.
    if (group.topics.length > 0) k.schedule(k.now + mem.spec.config.sessionTimeoutMs, this.A_REBALANCE, mem.group, 1, mem.node);
    if (restartAfterMs !== null && restartAfterMs !== undefined) k.schedule(k.now + restartAfterMs, this.A_RESTART, m, mem.lifeEpoch, 0);
  }

  /** [G1] A member scheduled to start later joins its group (unless it already runs). */
  private join(m: number): boolean {
    const k = this.k;
    const mem = this.members[m];
    if (mem.alive || mem.lifeEpoch > 0) return false;
    mem.alive = true;
    k.record(S_RESTART, mem.node, -1, 2);
    if (this.groups[mem.group].topics.length > 0) k.schedule(k.now, this.A_REBALANCE, mem.group, 5, mem.node);
    this.wake(m);
    return true;
  }

  private restartMember(node: number, scheduled: boolean): void {
    const k = this.k;
    const m = this.memberOfNode.get(node)!;
    this.members[m].alive = true;
    k.record(S_RESTART, node, -1, scheduled ? 1 : 0);
    if (this.groups[this.members[m].group].topics.length > 0) k.schedule(k.now, this.A_REBALANCE, this.members[m].group, 2, node);
    this.wake(m);
  }

  // -------------------------------------------------------------------------- intents

  private memberAt(node: number): MemberRt {
    return this.members[this.memberOfNode.get(node)!];
  }

  /** The intents every member kind takes: crash, restart, duplicate, redeliver, deploy ([X1]–[X4]). */
  readonly memberIntents: IntentHandlers = {
    crash: {
      refuse: (i, intent) => {
        const mem = this.memberAt(i);
        if (!mem.alive) return `${mem.id} is already down`;
        if (intent.point === 'after-publish' && mem.commitBefore) return `after-publish crashes a consumer between sending what it emitted and committing its offset, and ${mem.id} commits before handling: there is nothing in between`;
        if (intent.point && intent.point !== 'now' && mem.armed) return `${mem.id} already has a crash armed`;
        return null;
      },
      apply: (i, input) => {
        const m = this.memberOfNode.get(i)!;
        const point = input.point ?? 'now';
        if (point === 'now') {
          this.crashMember(m, 'now', 0, input.restartAfterMs);
          return;
        }
        this.members[m].armed = { point, restartAfterMs: input.restartAfterMs ?? null };
        this.k.record(S_INJECT, i, -1, 0, `You armed a crash: ${input.node} will crash ${point === 'after-publish' ? CONSUMER_AFTER_PUBLISH : CRASH_WORDS[point]}${input.restartAfterMs !== undefined ? `, and restart ${fmtMs(input.restartAfterMs)} later` : ''}`);
      },
    },
    restart: {
      refuse: (i) => (this.memberAt(i).alive ? `${this.k.nodes[i].id} is already running` : null),
      apply: (i) => this.restartMember(i, false),
    },
    duplicate: {
      refuse: (i, intent) => {
        const L = this.k.records;
        const mem = this.memberAt(i);
        const rec = this.findRecordFor(mem, intent.event);
        if (rec < 0) return `${mem.id} reads no event with the id ${intent.event}`;
        // A duplicate repeats a delivery: the group must have been handed the record already ([X2]).
        const group = this.groups[mem.group];
        const t = L.evTopic(rec);
        const p = L.evPartition(rec);
        const owner = group.owner[t][p];
        const off = L.evOffset(rec);
        if (off < L.channels[t].logStart[p]) return `${intent.event} was deleted from ${L.channels[t].id} by its retention: the broker has nothing to deliver again`;
        const kept = L.channels[t].kept;
        if (kept !== null && kept(p, off) !== off) return `${intent.event} was removed from ${L.channels[t].id} by compaction (its key has a newer record): the broker has nothing to deliver again`;
        const reached = Math.max(group.committed[t][p], owner >= 0 ? this.members[owner].position[t][p] : 0);
        return L.evOffset(rec) < reached ? null : `${intent.event} has not been delivered to group ${group.name} yet: a duplicate can only repeat a delivery`;
      },
      apply: (i, input) => {
        const mem = this.memberAt(i);
        const group = this.groups[mem.group];
        const rec = this.findRecordFor(mem, input.event);
        group.readyRec.push(rec);
        group.readyKind.push(D_DUPLICATE);
        this.k.record(S_INJECT, i, rec, 0, `You injected a duplicate: the broker delivers ${input.event} to group ${group.name} once more, as happens when an acknowledgement is lost`);
        for (const mm of group.members) this.wake(mm);
      },
    },
    redeliver: {
      refuse: (i) => {
        const mem = this.memberAt(i);
        return mem.alive && mem.assigned.length > 0 ? null : `${mem.id} has no partitions to rewind (it is down or owns none)`;
      },
      apply: (i, input) => {
        const L = this.k.records;
        const mem = this.memberAt(i);
        const moved: string[] = [];
        for (const [t, p] of mem.assigned) {
          const pos = mem.position[t];
          const to = Math.max(L.channels[t].logStart[p], pos[p] - input.count);
          if (to !== pos[p]) moved.push(`${L.channels[t].id} p${p}: ${pos[p]} → ${to}`);
          pos[p] = to;
        }
        this.k.record(S_INJECT, i, -1, 0, `You rewound ${input.node} by ${input.count} record${input.count > 1 ? 's' : ''} per partition (${moved.join('; ') || 'nothing to rewind'}): it reads them again`);
        this.wake(this.memberOfNode.get(i)!);
      },
    },
    deploy: {
      refuse: (i, intent) => this.deployProblem(this.memberAt(i), intent.config),
      apply: (i, input) => {
        const mem = this.memberAt(i);
        const patch = v.parse(ConsumerPatch, input.config);
        const config = { ...mem.spec.config, ...stripUndefined(patch) } as ConsumerSpec['config'];
        mem.spec = { ...mem.spec, config };
        mem.rules = compileRules(config.rules);
        mem.failWhen = config.failWhen ? compileCondition(config.failWhen) : null;
        mem.commitBefore = config.commit === 'before';
        this.k.record(S_DEPLOY, i, -1, 0, `You deployed new settings to ${input.node} (${Object.keys(stripUndefined(patch)).join(', ')}): they apply to the events it handles from now on`);
      },
    },
  };
  readonly intents = this.memberIntents;

  private deployProblem(mem: MemberRt, patch: unknown): string | null {
    const r = v.safeParse(ConsumerPatch, patch, { abortPipeEarly: true });
    if (!r.success) return `the new settings are not valid: ${describeErrors(r.issues.map((i) => ({ path: formatPath((i.path ?? []).map((p) => p.key as string | number)), message: i.message })))}`;
    const wired = this.k.scenario.edges.filter((e) => e.source === mem.id).map((e) => e.target);
    const kinds = new Map(this.k.nodes.map((n) => [n.id, { kind: n.kind }]));
    const why = consumerPatchProblem(mem.id, r.output, kinds, wired);
    if (!why && mem.transactional && r.output.commit === 'before') return `commit: ${mem.id} is transactional: its offsets are committed in its transactions, after handling`;
    return why ? `${why.path}: ${why.message}` : null;
  }

  /** The first record with this CloudEvents id in a topic the member reads, appended by now. */
  private findRecordFor(mem: MemberRt, id: string): number {
    const L = this.k.records;
    const match = /^evt-(\d+)$/.exec(id);
    if (!match) return -1;
    const want = Number(match[1]);
    for (let rec = 0; rec < L.eventCount; rec++) {
      if (L.evIdOf(rec) === want && L.evOffset(rec) >= 0 && mem.topics.includes(L.evTopic(rec))) {
        const t = L.channels[L.evTopic(rec)];
        // Still in the log: a failover may have cut it and put another record at its offset ([KR5]).
        const p = L.evPartition(rec);
        if (L.evOffset(rec) < t.logEnd[p] && t.logs[p].get(L.evOffset(rec)) === rec) return rec;
      }
    }
    return -1;
  }

  // -------------------------------------------------------------------------- invariants

  idleCheck(inv: Invariant, node: number): string | null {
    return inv.kind === 'fold' ? this.foldDifference(node) : null;
  }

  /** Folds every event a consumer should have seen, once each, in log order ([V5]). */
  foldDifference(node: number): string | null {
    const L = this.k.records;
    const mem = this.memberAt(node);
    const group = this.groups[mem.group];
    const store: Store = new Map();
    const seen = new Set<number>();
    // Every record of the group's topics up to the playhead, in the order they were created.
    const records: number[] = [];
    for (const t of group.topics) {
      const topic = L.channels[t];
      for (let p = 0; p < topic.partitions; p++) for (let o = 0; o < topic.logEnd[p]; o++) records.push(topic.logs[p].get(o));
    }
    records.sort((a, b) => a - b);
    const reader = this.k.reader;
    for (const rec of records) {
      const id = L.evIdOf(rec);
      if (seen.has(id)) continue;
      // [TX3] A read_committed consumer never sees what aborted transactions wrote.
      if (mem.readCommitted && this.isAborted(rec)) continue;
      seen.add(id);
      reader.ev = rec;
      reader.store = store;
      const out = mem.rules.run(L.evType(rec), reader);
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

  // -------------------------------------------------------------------------- reading

  view(node: number): ConsumerView {
    const L = this.k.records;
    const m = this.memberAt(node);
    const g = this.groups[m.group];
    return {
      kind: 'consumer',
      group: g.name,
      alive: m.alive,
      commit: m.commitBefore ? 'before' : 'after',
      idempotency: m.spec.config.idempotency,
      assigned: m.assigned.map(([t, p]) => ({ topic: L.channels[t].id, partition: p, position: m.position[t][p] })),
      inFlight: m.busy >= 0 ? L.idOf(m.busy) : null,
      queues: m.queues.map((q) => L.channels[q].id),
      prefetched: m.buffer.map(([r]) => L.idOf(r)),
      ...(this.pushChannels.size > 0 ? { subscribed: this.k.sourcesOf(m.id).filter((n) => this.pushChannels.has(L.channelOfNode.get(n) ?? -1)).map((n) => this.k.nodes[n].id), pushed: m.pushed.map((r) => L.idOf(r)) } : {}),
      armed: m.armed ? m.armed.point : null,
      handled: m.handled,
      groupLag: this.groupLag(g),
      metrics: { ...g.counters, retrying: g.attempts.size },
      waiting: [...g.parked].map(([key, recs]) => ({ key, behind: L.idOf(g.blocked.get(key) ?? -1), events: recs.map((r) => L.idOf(r)) })),
      state: storeToObject(g.store),
      effects: storeToObject(g.effects),
      ...(m.transactional ? { transaction: m.tx >= 0 ? `tx-${m.tx}` : null } : {}),
      ...(m.spec.config.isolation ? { isolation: m.spec.config.isolation } : {}),
    };
  }

  explain(s: StepInfo): string | undefined {
    return this.explainMember(s);
  }

  /** The steps a member takes, in words; undefined for a step that is not a member's. */
  explainMember(s: StepInfo): string | undefined {
    const k = this.k;
    const L = k.records;
    const { kind, node, ev, aux, note } = s;
    const mi = node >= 0 ? this.memberOfNode.get(node) : undefined;
    if (mi === undefined && !(kind === S_RETRY && node < 0)) return undefined;
    const who = node >= 0 ? k.nodes[node].id : '';
    const evText = L.evText(ev);
    const where = L.where(ev);
    switch (kind) {
      case S_PUBLISH: {
        const cause = L.evCause(ev);
        if (note) return note;
        return `${who} emitted ${evText}${cause >= 0 ? ` while handling ${L.idOf(cause)}` : ''}: appended to ${where} (${L.partitionWhy(ev)})`;
      }
      case S_RECEIVE: {
        const mem = this.members[mi!];
        if (ev < 0) return `${who} found only messages received too often: ${note}`;
        return `${who} received ${aux} message${aux > 1 ? 's' : ''} (prefetch ${mem.spec.config.prefetch}): ${note}. ${mem.commitBefore ? 'They are acked at once (auto-ack, at-most-once)' : `Each stays invisible to the other consumers until acked or until the visibility timeout runs out`}`;
      }
      case S_ACK:
        if (aux < 0) return `${who} could not ack ${evText}: the network to the queue is cut; the message will reappear after its visibility timeout`;
        if (note) return `${who} tried to ack ${evText}, but ${note}`;
        return aux ? `${who} acked ${evText}: it is deleted from the queue` : `${who} tried to ack ${evText}, but its visibility timeout had run out and the message is back in the queue: it will be handled again`;
      case S_DELIVER: {
        const m = this.members[mi!];
        if (aux === -1 - D_PUSH) return `${who} takes ${evText} from its connection's buffer: ${L.channels[L.evTopic(ev)].id} pushed it there, and keeps no copy`;
        if (aux < 0) return `${who} received ${DELIVERY_WORDS[-1 - aux]}${evText} from ${where}`;
        return `${where} delivered ${evText} to ${who}, which owns that partition in group ${this.groups[m.group].name} (group committed offset ${aux})`;
      }
      case S_HANDLE: {
        const m = this.members[mi!];
        if (aux < 0) return `${who} handled ${evText}: no rule matches ${L.evType(ev)}, so it is ignored`;
        const rule = m.spec.config.rules[aux];
        return `${who} handled ${evText} with rule ${aux + 1}${rule ? `: ${ruleText(rule)}` : ''}`;
      }
      case S_COMMIT: {
        const m = this.members[mi!];
        const topic = L.channels[L.evTopic(ev)].id;
        if (aux < 0) return `${who} could not commit after ${evText}: the network to ${topic} is cut, so the group will deliver it again`;
        if (note) return `${who} committed offset ${aux} on ${topic} p${L.evPartition(ev)}, ${note}`;
        const mode = m.commitBefore ? 'before handling (at-most-once)' : 'after handling (at-least-once)';
        return `${who} committed offset ${aux} on ${topic} p${L.evPartition(ev)} for group ${this.groups[m.group].name}, ${mode}`;
      }
      case S_CRASH: {
        const text = this.crashText(who, ev, aux);
        return note ? `${text}. ${note}` : text;
      }
      case S_TXCOMMIT:
      case S_TXABORT:
        return note;
      case S_RESTART:
        if (aux === 2) return `${who} started, as the scenario says, and joins its group: the group rebalances to give it partitions`;
        return aux ? `${who} restarted by itself and rejoins its group` : `You restarted ${who}: it rejoins its group`;
      case S_ERROR:
        return `${who} failed handling ${evText}: ${note ?? 'error'}`;
      case S_SKIP:
        return note ?? `${who} skipped ${evText} as a duplicate`;
      case S_PARK:
        return `${who} parked ${evText}: ${L.idOf(aux)} of the same key is being retried, and later events of a key wait behind it (block-key)`;
      case S_RETRY:
        return `${evText} is due for another attempt${who ? `; ${who} owns its partition` : ', but no member owns its partition right now'}`;
      case S_DEAD:
        return `${who} dead-lettered ${evText}: ${note ?? ''}`;
      case S_MARK:
        return `${who} saved ${L.idOf(ev)} in its ${PROCESSED_TABLE} table, in a step of its own after the state change (a crash between the two would handle it again)`;
    }
    return undefined;
  }

  /** A crash step in words ([X1], [TX5]). */
  private crashText(who: string, ev: number, aux: number): string {
    const L = this.k.records;
    const evText = L.evText(ev);
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
      case 'after-publish':
        return `${lead}: ${evText} was handled, its state saved and what it emitted sent, but the offset was not committed: it will be handled again, and emit again`;
      default:
        return aux & 1
          ? `${lead} while it was working on ${evText}, whose offset was already committed: nobody will handle it again, the event is lost (at-most-once)`
          : `${lead} while it was working on ${evText}, before committing its offset: once the group notices (after the session timeout) a member will be handed it again (at-least-once)`;
    }
  }

  // -------------------------------------------------------------------------- checkpoints

  stateSize(): number {
    let n = 0;
    for (const g of this.groups) {
      g.store.forEach((t) => (n += t.size));
      g.effects.forEach((t) => (n += t.size));
      n += g.accounted.size + g.lastFirst.size + g.attempts.size;
    }
    return n;
  }

  capture(): { groups: CapturedGroup[]; members: MemberState[]; tx?: TxState } {
    const out: { groups: CapturedGroup[]; members: MemberState[]; tx?: TxState } = { groups: this.groups.map((g) => ({ ...copyGroupState(g), store: shareStore(g.store), effects: shareStore(g.effects) })), members: this.members.map(copyMemberState) };
    if (this.txStatus.length > 0) out.tx = this.copyTx({ txMember: this.txMember, txInput: this.txInput, txNext: this.txNext, txStatus: this.txStatus, txRecs: this.txRecs, txReady: this.txReady, txOpen: this.txOpen });
    return out;
  }

  restore(state: unknown): void {
    const s = state as { groups: CapturedGroup[]; members: MemberState[]; tx?: TxState };
    s.groups.forEach((g, i) => Object.assign(this.groups[i], { ...copyGroupState(g), store: unshareStore(g.store), effects: unshareStore(g.effects) }));
    s.members.forEach((m, i) => Object.assign(this.members[i], copyMemberState(m)));
    const t = this.copyTx(s.tx ?? { txMember: [], txInput: [], txNext: [], txStatus: [], txRecs: [], txReady: [], txOpen: [] });
    this.txMember = t.txMember;
    this.txInput = t.txInput;
    this.txNext = t.txNext;
    this.txStatus = t.txStatus;
    this.txRecs = t.txRecs;
    this.txReady = t.txReady;
    this.txOpen = t.txOpen;
  }

  /** [K8] The transactions' state, copied. */
  private copyTx(t: TxState): TxState {
    return { txMember: [...t.txMember], txInput: [...t.txInput], txNext: [...t.txNext], txStatus: [...t.txStatus], txRecs: t.txRecs.map((r) => [...r]), txReady: [...t.txReady], txOpen: [...t.txOpen] };
  }

  /** [T3] Records beyond the fork were never written: forget which transaction wrote them. */
  fork(): void {
    const n = this.k.records.eventCount;
    for (const rec of [...this.txOf.keys()]) if (rec >= n) this.txOf.delete(rec);
  }
}

interface TxState {
  txMember: number[];
  txInput: number[];
  txNext: number[];
  txStatus: number[];
  txRecs: number[][];
  txReady: number[];
  txOpen: number[];
}

const copyPerChannel = (m: PerChannel): PerChannel => {
  const out: PerChannel = [];
  m.forEach((x, c) => (out[c] = x.slice()));
  return out;
};
const perChannel = (entries: [number, Int32Array][]): PerChannel => {
  const out: PerChannel = [];
  for (const [c, x] of entries) out[c] = x;
  return out;
};

// Stored values are never mutated in place (every write stores a fresh value), so a copy of
// a store shares them.
export const copyStore = <T>(m: Map<string, Map<string, T>>) => {
  const out = new Map<string, Map<string, T>>();
  m.forEach((rows, table) => out.set(table, copyRows(rows)));
  return out;
};

/** `new Map(rows)` without the iterator's entry array per row. */
function copyRows<T>(rows: Map<string, T>): Map<string, T> {
  const out = new Map<string, T>();
  rows.forEach((x, key) => out.set(key, x));
  return out;
}

/** The live table `name` of a group's store, ready for `set(key, …)`: checkpoints that read it keep their rows first if `key` is a row already there. */
function writableTable(store: Map<string, Map<string, Json>>, name: string, key: string): Table {
  const t = store.get(name);
  if (t instanceof Table) {
    if (t.shots !== null && t.has(key)) settleShots(t);
    return t;
  }
  const fresh = newTable(name);
  t?.forEach((x, k) => fresh.set(k, x));
  store.set(name, fresh);
  return fresh;
}

/**
 * writableTable(group.store, name, key) for the counter fast path (count): the table is kept
 * on the group and reused while the group's store is the same Map, which holds because only
 * writableTable replaces a store's table, and only one that is not a Table yet (restoring or
 * replaying gives the group a new store). Two Map lookups fewer per event: `npm run bench:ab`
 * read 0.984 in two runs (issue #11).
 */
function countTable(group: GroupRt, name: string, key: string): Table {
  let t = group.countTable;
  if (t === null || group.countStore !== group.store || group.countName !== name) {
    t = writableTable(group.store, name, key);
    group.countStore = group.store;
    group.countName = name;
    group.countTable = t;
  } else if (t.shots !== null && t.has(key)) settleShots(t);
  return t;
}

/**
 * [H1] A counter rule applied straight to a store, as `run` would; false, having changed no
 * row, when its key or row is not one a counter can take (the interpreter then says why). It
 * may have made the table writable first (writableTable): the same rows, held differently.
 */
function addCount(store: Map<string, Map<string, Json>>, c: Count, key: string | null): boolean {
  if (key === null) return false;
  const t = writableTable(store, c.table, key);
  const current = t.get(key) ?? 0;
  if (typeof current !== 'number') return false;
  t.set(key, current + c.delta);
  return true;
}

/**
 * A row of `t` is about to change: every checkpoint still reading `t` gets its rows as they are
 * now. Spread from the Map's key and value iterators (a builtin's fast path): a `for…of` over
 * the entries made an entry array per row, and settling was a tenth of a trace-off run of the
 * benchmark (issue #11; `npm run bench:ab` 0.93 against it).
 */
function settleShots(t: Table): void {
  // Rows are only added while shared: each checkpoint's rows are the first `size` of these.
  // The keys of a table that gained no row since it was last settled are listed already.
  if (t.listed === null || t.listed.length !== t.size) t.listed = [...t.keys()];
  const keys = t.listed;
  const values = [...t.values()];
  for (const shot of t.shots!) {
    shot.rows = null;
    shot.keys = keys;
    shot.values = values;
  }
  t.shots = null;
}

/** A checkpoint's view of a store: each table by reference with its row count ([K8]). */
function shareStore(m: Store): SharedStore {
  const out: SharedStore = new Map();
  m.forEach((rows, table) => {
    const shot: TableShot = { rows: null, size: rows.size, keys: null, values: null };
    if (rows instanceof Table) {
      shot.rows = rows;
      (rows.shots ??= []).push(shot);
    } else {
      shot.keys = [...rows.keys()];
      shot.values = [...rows.values()];
    }
    out.set(table, shot);
  });
  return out;
}

/** A live store from a checkpoint's view: each table's rows as they were, in a table of its own. */
function unshareStore(m: SharedStore): Store {
  const out: Store = new Map();
  m.forEach((shot, table) => {
    const t = newTable(table);
    if (shot.rows) {
      let i = 0;
      for (const [k, x] of shot.rows) {
        if (i++ === shot.size) break;
        t.set(k, x);
      }
    } else for (let i = 0; i < shot.size; i++) t.set(shot.keys![i], shot.values![i]);
    out.set(table, t);
  });
  return out;
}

function copyGroupState<G extends Omit<GroupState, 'store' | 'effects'>>(g: G): Omit<GroupState, 'store' | 'effects'> {
  return {
    committed: copyPerChannel(g.committed),
    fresh: copyPerChannel(g.fresh),
    owner: copyPerChannel(g.owner),
    generation: g.generation,
    readyRec: [...g.readyRec],
    readyKind: [...g.readyKind],
    attempts: new Map(g.attempts),
    blocked: new Map(g.blocked),
    parked: new Map([...g.parked].map(([key, x]) => [key, [...x]])),
    counters: { ...g.counters },
    accounted: new Set(g.accounted),
    lastFirst: new Map(g.lastFirst),
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
    position: copyPerChannel(m.position),
    buffer: m.buffer.map(([r, q]) => [r, q] as [number, number]),
    busyReceipt: m.busyReceipt,
    pushed: [...m.pushed],
    tx: m.tx,
  };
}

/** [S2] One upcaster step on an event's data: rename fields, add defaults. */
function upcast(data: Json, u: Upcaster): Json {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const out: Record<string, Json> = {};
  for (const [key, val] of Object.entries(data)) out[Object.prototype.hasOwnProperty.call(u.rename, key) ? u.rename[key] : key] = val;
  for (const [key, val] of Object.entries(u.defaults)) if (!Object.prototype.hasOwnProperty.call(out, key)) out[key] = copyJson(val);
  return out;
}

/**
 * A projection or a saga runs as a consumer of a group of its own, with fixed delivery
 * settings: commit after handling, one attempt, no idempotency, no dead letters ([J1], [W1]).
 */
export function ownGroupMember(n: { id: string; label: string; position: { x: number; y: number } }, processingMs: number, rules: ConsumerSpec['config']['rules'], upcasters: ConsumerSpec['config']['upcasters'], schema: ConsumerSpec['config']['schema']): ConsumerSpec {
  return {
    id: n.id,
    kind: 'consumer',
    label: n.label,
    position: n.position,
    config: {
      group: n.id,
      commit: 'after',
      rules,
      processingMs,
      sessionTimeoutMs: 100,
      prefetch: 1,
      joinAt: null,
      idempotency: 'none',
      retry: { maxAttempts: 1, backoff: 'immediate', initialMs: 0, maxMs: 0, jitter: false },
      ordering: 'block-key',
      deadLetter: null,
      failWhen: null,
      upcasters,
      schema,
    },
  };
}

export function storeToObject<T>(m: Map<string, Map<string, T>>): Record<string, Record<string, T>> {
  const out: Record<string, Record<string, T>> = {};
  for (const [table, rows] of [...m].sort(([a], [b]) => (a < b ? -1 : 1))) out[table] = Object.fromEntries([...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return out;
}

export type { Intent, IntentHandler };
