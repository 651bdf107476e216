// The kernel's storage: every record ever appended (the event table) and the channels they
// are appended to. A channel is a partitioned append-only log: a topic has P partitions, a
// queue and an aggregate's event store one. Node kinds own their channels and add their own
// per-record state beside them; what they share is here. The event table and the logs are
// "recordings": re-execution after a seek writes the same values at the same indices, so
// they are cut only on a fork ([T4]).
import { Column, EventColumns, i32 } from './columns.ts';
import { partitionForKey } from './murmur2.ts';
import { readPath, type RuleInput } from './rules.ts';
import type { Json } from './json.ts';

/** Logical time 0 is this instant, so CloudEvents `time` is a real timestamp ([E2]). */
export const EPOCH_MS = Date.UTC(2026, 0, 1);

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

export interface Channel {
  /** Index of the node that owns it. */
  node: number;
  id: string;
  partitions: number;
  logs: Column<Int32Array>[];
  logEnd: Int32Array;
  /** First offset still kept per partition: retention deleted what is below it ([RT1], [RT2]). */
  logStart: Int32Array;
  /**
   * For a compacted topic ([RT5]): the first offset at or after `offset` in partition `p`
   * that compaction kept (readers skip what it removed). Null for a log nothing removes from.
   */
  kept: ((p: number, offset: number) => number) | null;
  /**
   * What readers may read up to, per partition: the log end itself (the same array) for a
   * log kept once, a replicated topic's high watermark (0 while a partition has no leader) ([KR3]).
   */
  readEnd: Int32Array;
  /** A replicated topic's leaders and followers ([KR1]–[KR6]); null for a log kept once. */
  replicas: Replicas | null;
  /** Keyless round-robin counter ([P3]). */
  rr: number;
  /** Called after each append, with the offset and partition (owners wake their readers). */
  listeners: ((offset: number, partition: number) => void)[];
  /** Called when the channel may be readable again (after an outage or a cut). */
  wakers: (() => void)[];
}

/** Kafka's acks=all, as the engine stores it (Kafka's own number for it). */
export const ACKS_ALL = -1;

/** What a replicated topic's leaders say to writers ([KR3], [KR4]). */
export interface Replicas {
  /** Why partition `p` takes no write with these acks now (no leader; too few in sync for acks=all), or null. */
  refuse(p: number, acks: number): string | null;
  /**
   * Record `out` (sent as `rec` by network sender `s` in its life `epoch`) was appended with
   * `acks`: true when its acknowledgement waits for the high watermark (acks=all), false when
   * the writer hears at once.
   */
  written(out: number, rec: number, s: number, epoch: number, acks: number): boolean;
}

export interface LogState {
  eventCount: number;
  channels: { logEnd: Int32Array; logStart: Int32Array; rr: number }[];
}

export class Log {
  readonly channels: Channel[] = [];
  /** Channel index by node index. */
  readonly channelOfNode = new Map<number, number>();
  eventCount = 0;
  /** Each record's type, key, data and numbers (see EventColumns), read through evType … evSchema below. */
  private readonly recs = new EventColumns(1024);

  constructor(
    private readonly nodeIds: readonly string[],
    private readonly clock: { readonly now: number },
  ) {}

  /** A new channel of `partitions` logs owned by `node`; returns its index. */
  addChannel(node: number, partitions: number): number {
    const c = this.channels.length;
    const logEnd = new Int32Array(partitions);
    this.channels.push({ node, id: this.nodeIds[node], partitions, logs: Array.from({ length: partitions }, () => i32(256)), logEnd, logStart: new Int32Array(partitions), kept: null, readEnd: logEnd, replicas: null, rr: 0, listeners: [], wakers: [] });
    this.channelOfNode.set(node, c);
    return c;
  }

  /** The channel a node owns, by node id. */
  channelById(id: string, nodeIndex: ReadonlyMap<string, number>): Channel | undefined {
    const n = nodeIndex.get(id);
    const c = n === undefined ? undefined : this.channelOfNode.get(n);
    return c === undefined ? undefined : this.channels[c];
  }

  /** Creates a record; `idOf` ≥ 0 makes it a copy carrying that record's CloudEvents id. */
  createEvent(type: string, key: string | null, data: Json, source: number, topic: number, cause: number, schema: number, idOf: number): number {
    const idx = this.eventCount++;
    const t = this.channels[topic];
    // Key → partition with Kafka's default partitioner; keyless events round-robin ([P2], [P3]).
    const partition = key !== null ? partitionForKey(key, t.partitions) : t.rr++ % t.partitions;
    // Re-executing after a seek creates the same record again: its recorded offset (where a
    // later step appends it) stays, or a seek that stops between the two would leave "-1"
    // in the steps after it. Not yet appended is `offset >= logEnd` until then ([T4]).
    const rerun = idx < this.recs.length;
    const copy = idOf >= 0;
    const n = this.recs;
    n.write(
      idx,
      type,
      key,
      data,
      copy ? n.int(idOf, 0) : idx,
      source,
      copy ? n.time(idOf) : this.clock.now,
      copy ? n.int(idOf, 2) : cause >= 0 ? n.int(cause, 2) : idx,
      copy ? n.int(idOf, 3) : cause,
      topic,
      partition,
      rerun ? n.int(idx, 6) : -1,
      schema,
    );
    return idx;
  }

  /** A copy of `rec` (same CloudEvents id, type, key, data, schema) headed for `topic`. */
  copyOf(rec: number, source: number, topic: number): number {
    return this.createEvent(this.evType(rec), this.evKey(rec), this.evData(rec), source, topic, -1, this.evSchema(rec), rec);
  }

  /** Appends a record at the end of its partition and tells the channel's listeners ([P1]). */
  append(ev: number): void {
    const t = this.channels[this.evTopic(ev)];
    const p = this.evPartition(ev);
    const offset = t.logEnd[p]++;
    t.logs[p].set(offset, ev);
    this.recs.setInt(ev, 6, offset);
    const ls = t.listeners;
    for (let i = 0; i < ls.length; i++) ls[i](offset, p);
  }

  idOf(rec: number): string {
    return rec >= 0 ? `evt-${this.evIdOf(rec)}` : 'none';
  }

  position(rec: number): { topic: string; partition: number; offset: number } {
    return { topic: this.channels[this.evTopic(rec)].id, partition: this.evPartition(rec), offset: this.evOffset(rec) };
  }

  /** "OrderPlaced evt-3 (key ORD-1)", as explanations name a record. */
  evText(ev: number): string {
    return ev >= 0 ? `${this.evType(ev)} ${this.idOf(ev)}${this.evKey(ev) !== null ? ` (key ${this.evKey(ev)})` : ' (no key)'}` : '';
  }

  /** "orders p1 @4": where a record sits. */
  where(ev: number): string {
    return ev >= 0 ? `${this.channels[this.evTopic(ev)].id} p${this.evPartition(ev)} @${this.evOffset(ev)}` : '';
  }

  /** Why a record went to its partition. */
  partitionWhy(ev: number): string {
    return ev >= 0 ? (this.evKey(ev) !== null ? 'chosen by the hash of the key' : 'keyless events take partitions in turn') : '';
  }

  /** An event by record index or CloudEvents id (`evt-7`, its first record); null if not recorded. */
  event(ref: number | string): CloudEvent | null {
    const idx = typeof ref === 'number' ? ref : /^evt-(\d+)$/.exec(ref) ? Number(ref.slice(4)) : -1;
    if (idx < 0 || idx >= this.recorded) return null;
    const key = this.evKey(idx);
    const cause = this.evCause(idx);
    const e: CloudEvent = {
      specversion: '1.0',
      id: this.idOf(idx),
      source: `/eventfold/${this.nodeIds[this.evSource(idx)]}`,
      type: this.evType(idx),
      time: new Date(EPOCH_MS + this.evTime(idx)).toISOString(),
      datacontenttype: 'application/json',
      data: this.evData(idx),
      correlationid: `evt-${this.evCorr(idx)}`,
      schemaversion: this.evSchema(idx),
    };
    if (key !== null) {
      e.subject = key;
      e.partitionkey = key;
    }
    if (cause >= 0) e.causationid = this.idOf(cause);
    return e;
  }

  /** A field of an event by dotted path, as a handler sees it ([H2]). */
  field(ev: number, path: readonly string[]): unknown {
    switch (path[0]) {
      case 'data':
        return readPath(this.evData(ev), path, 1);
      case 'type':
        return this.evType(ev);
      case 'key':
      case 'partitionkey':
      case 'subject':
        return this.evKey(ev) ?? undefined;
      case 'id':
        return this.idOf(ev);
      case 'correlationid':
        return `evt-${this.evCorr(ev)}`;
      case 'causationid':
        return this.evCause(ev) >= 0 ? this.idOf(this.evCause(ev)) : undefined;
      case 'source':
        return `/eventfold/${this.nodeIds[this.evSource(ev)]}`;
      case 'time':
        return new Date(EPOCH_MS + this.evTime(ev)).toISOString();
      case 'schemaversion':
        return this.evSchema(ev);
      case 'offset':
        return this.evOffset(ev);
      case 'partition':
        return this.evPartition(ev);
      default:
        return undefined;
    }
  }

  capture(): LogState {
    return { eventCount: this.eventCount, channels: this.channels.map((c) => ({ logEnd: c.logEnd.slice(), logStart: c.logStart.slice(), rr: c.rr })) };
  }

  restore(s: LogState): void {
    this.eventCount = s.eventCount;
    s.channels.forEach((x, i) => {
      this.channels[i].logEnd.set(x.logEnd);
      this.channels[i].logStart.set(x.logStart);
      this.channels[i].rr = x.rr;
    });
  }

  /** Drops records beyond the current event count and log ends ([T3]). */
  fork(): void {
    const n = this.eventCount;
    this.recs.truncate(n);
    for (const t of this.channels) t.logs.forEach((log, p) => log.truncate(t.logEnd[p]));
    // Records created but not appended yet lose the offset the old future gave them.
    for (let rec = 0; rec < n; rec++) {
      const o = this.evOffset(rec);
      if (o >= 0 && o >= this.channels[this.evTopic(rec)].logEnd[this.evPartition(rec)]) this.recs.setInt(rec, 6, -1);
    }
  }

  bytes(): number {
    let b = this.recs.bytes;
    for (const t of this.channels) for (const l of t.logs) b += l.bytes;
    return b;
  }

  /** Records created on this timeline so far, including any a seek back has not re-created yet. */
  get recorded(): number {
    return this.recs.length;
  }
  evType(rec: number): string {
    return this.recs.ref(rec, 0) as string;
  }
  evKey(rec: number): string | null {
    return this.recs.ref(rec, 1) as string | null;
  }
  evData(rec: number): Json {
    return this.recs.ref(rec, 2) as Json;
  }
  // A record's numbers. The CloudEvents id is the original's (a copy keeps it); correlation
  // is the conversation's first record; cause the record whose handling emitted it, or -1;
  // offset -1 until appended; schema the version its data was written in.
  evIdOf(rec: number): number {
    return this.recs.int(rec, 0);
  }
  evSource(rec: number): number {
    return this.recs.int(rec, 1);
  }
  evCorr(rec: number): number {
    return this.recs.int(rec, 2);
  }
  evCause(rec: number): number {
    return this.recs.int(rec, 3);
  }
  evTopic(rec: number): number {
    return this.recs.int(rec, 4);
  }
  evPartition(rec: number): number {
    return this.recs.int(rec, 5);
  }
  evOffset(rec: number): number {
    return this.recs.int(rec, 6);
  }
  evSchema(rec: number): number {
    return this.recs.int(rec, 7);
  }
  evTime(rec: number): number {
    return this.recs.time(rec);
  }
}

/**
 * What a handler's rules read: one event's fields and a store of tables. One instance is
 * reused for every handled event, so handling allocates no reader.
 */
export class EventReader implements RuleInput {
  ev = 0;
  store: Map<string, Map<string, Json>> | null = null;
  /** The event as the handler's upcasters turned it, when they did ([S2]). */
  upcast: { data: Json; version: number } | null = null;
  constructor(private readonly log: Log) {}
  field(path: readonly string[]): unknown {
    if (this.upcast !== null) {
      if (path[0] === 'data') return readPath(this.upcast.data, path, 1);
      if (path[0] === 'schemaversion') return this.upcast.version;
    }
    return this.log.field(this.ev, path);
  }
  data(): Json {
    return this.upcast ? this.upcast.data : this.log.evData(this.ev);
  }
  read(table: string, key: string): Json | undefined {
    return this.store!.get(table)?.get(key);
  }
}
