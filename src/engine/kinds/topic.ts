// The `topic` node kind ([P1]–[P3], [RT1]–[RT2], [RT5]): a partitioned append-only log
// with offsets, Kafka's model. Records land in a partition by the murmur2 hash of their key
// (log.ts); the groups that read it are consumer.ts's. What is here: building its channel,
// retention (deleting the oldest records by age or count), compaction (keeping the latest
// record of each key), and its view.
import type { Kernel } from '../kernel.ts';
import type { Module, StepInfo } from '../kind.ts';
import type { Channel } from '../log.ts';
import type { TopicView } from '../views.ts';
import { Network } from '../network.ts';
import { DeadLetters } from '../deadletters.ts';
import { ConsumerGroups } from './consumer.ts';
import type { Replication } from './replication.ts';
import { S_COMPACT, S_EXPIRE, fmtMs } from '../steps.ts';

/** How many of the latest records of each partition a view carries. */
const RECENT_CELLS = 12;
/** `aux` of an expire step: which retention deleted the record. */
const BY_TIME = 0;
const BY_SIZE = 1;
/** How many compacted offsets a view lists per partition. */
const VIEW_COMPACTED = 200;

/** A compacted topic's cleaner: what it removed, and whether a pass is due. */
interface Cleaner {
  c: number;
  everyMs: number;
  /** Offsets removed, per partition. */
  removed: Set<number>[];
  /** A pass is scheduled (set by an append, cleared by the pass). */
  pending: boolean;
}

export class TopicKind implements Module {
  readonly kinds = ['topic'] as const;
  private readonly A_EXPIRE: number;
  private readonly A_COMPACT: number;
  /** The cleaners of compacted topics, by channel index. */
  private cleaners: Cleaner[] = [];
  private readonly cleanerOf = new Map<number, Cleaner>();

  constructor(private readonly k: Kernel) {
    const L = k.records;
    this.A_EXPIRE = k.action({
      // [RT1] [RT2] Deletes record `offset` of partition `p` (and any older one still kept).
      run: (c, p, offset) => {
        const t = L.channels[c];
        t.logStart[p] = offset + 1;
        k.record(S_EXPIRE, t.node, t.logs[p].get(offset), this.reasonOf(c, p, offset));
        return true;
      },
      stale: (c, p, offset) => L.channels[c].logStart[p] > offset,
      describe: (c, p, offset, at) => `${L.channels[c].id} deletes its record p${p} @${offset} (retention) ${at}`,
    });
    this.A_COMPACT = k.action({
      run: (i) => this.compact(i),
      describe: (i, _b, _c, at) => `${L.channels[this.cleaners[i].c].id}'s log cleaner compacts it ${at}`,
    });
  }

  get intents() {
    return { outage: this.k.get(Network).outageIntent, redrive: this.k.get(DeadLetters).redriveIntent, ...this.k.optional<Replication>('replication')?.intents };
  }

  build(): void {
    const k = this.k;
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'topic') return;
      const c = k.records.addChannel(i, n.config.partitions);
      const ms = n.config.retentionMs ?? null;
      const max = n.config.retentionRecords ?? null;
      const t = k.records.channels[c];
      const every = n.config.compactEveryMs ?? null;
      if (every !== null) this.addCleaner(c, every);
      if (ms === null && max === null) return;
      t.listeners.push((offset, p) => {
        // [RT1] Deleted retentionMs after it was appended.
        if (ms !== null) k.schedule(k.now + ms, this.A_EXPIRE, c, p, offset);
        // [RT2] One record over the size limit: the oldest goes, in the next step.
        if (max !== null && offset - max >= t.logStart[p]) k.schedule(k.now, this.A_EXPIRE, c, p, offset - max);
      });
    });
  }

  /** [RT5] A compacted topic: readers skip what the cleaner removed; an append makes a pass due. */
  private addCleaner(c: number, everyMs: number): void {
    const k = this.k;
    const t = k.records.channels[c];
    const i = this.cleaners.length;
    const cl: Cleaner = { c, everyMs, removed: Array.from({ length: t.partitions }, () => new Set<number>()), pending: false };
    this.cleaners.push(cl);
    this.cleanerOf.set(c, cl);
    t.kept = (p, offset) => {
      const gone = this.cleaners[i].removed[p];
      if (gone.size === 0) return offset;
      const end = t.logEnd[p];
      while (offset < end && gone.has(offset)) offset++;
      return offset;
    };
    t.listeners.push(() => {
      const me = this.cleaners[i];
      if (me.pending) return;
      me.pending = true;
      // The cleaner runs on its own clock: at the next multiple of its period.
      k.schedule((Math.floor(k.now / everyMs) + 1) * everyMs, this.A_COMPACT, i, 0, 0);
    });
  }

  /**
   * [RT5] One pass of the log cleaner: in each partition, every kept record whose key has a
   * later record is removed. Keyless records stay. A pass that removes nothing is no step.
   */
  private compact(i: number): boolean {
    const k = this.k;
    const L = k.records;
    const cl = this.cleaners[i];
    cl.pending = false;
    const t = L.channels[cl.c];
    const parts: string[] = [];
    let total = 0;
    for (let p = 0; p < t.partitions; p++) {
      const gone = cl.removed[p];
      const latest = new Map<string, number>();
      for (let o = t.logStart[p]; o < t.logEnd[p]; o++) {
        const key = L.evKey(t.logs[p].get(o));
        if (key !== null && !gone.has(o)) latest.set(key, o);
      }
      const now: number[] = [];
      for (let o = t.logStart[p]; o < t.logEnd[p]; o++) {
        if (gone.has(o)) continue;
        const key = L.evKey(t.logs[p].get(o));
        if (key !== null && latest.get(key) !== o) {
          gone.add(o);
          now.push(o);
        }
      }
      if (now.length > 0) parts.push(`p${p}: ${now.map((o) => `@${o}`).join(', ')}`);
      total += now.length;
    }
    if (total === 0) return false;
    k.record(S_COMPACT, t.node, -1, total, parts.join('; '));
    return true;
  }

  /**
   * Which retention deleted a record: by size when the partition holds more than its limit
   * after it (a size deletion runs the step after the append that overfilled it, so a time
   * deletion that is still live never finds the partition over its limit), else by time.
   */
  private reasonOf(c: number, p: number, offset: number): number {
    const n = this.k.nodes[this.k.records.channels[c].node];
    const max = n.kind === 'topic' ? (n.config.retentionRecords ?? null) : null;
    return max !== null && this.k.records.channels[c].logEnd[p] - offset > max ? BY_SIZE : BY_TIME;
  }

  explain(s: StepInfo): string | undefined {
    const n = s.node >= 0 ? this.k.nodes[s.node] : undefined;
    if (n?.kind !== 'topic') return undefined;
    if (s.kind === S_COMPACT) {
      return `${n.id}'s log cleaner compacted it: removed ${s.aux} older record${s.aux === 1 ? '' : 's'} whose key has a newer one (${s.note}). Offsets do not move; readers skip what was removed, and the latest record of every key is kept for good`;
    }
    if (s.kind !== S_EXPIRE) return undefined;
    const L = this.k.records;
    const why =
      s.aux === BY_SIZE
        ? `the partition keeps only its last ${n.config.retentionRecords} records (retention by size)`
        : `it was appended ${fmtMs(n.config.retentionMs ?? 0)} ago, the topic's retention (retention.ms)`;
    return `${n.id} deleted ${L.evText(s.ev)} at ${L.where(s.ev)}: ${why}. Offsets do not move; a group that had not read it yet never will`;
  }

  view(node: number): TopicView {
    const L = this.k.records;
    const c = L.channelOfNode.get(node)!;
    const t = L.channels[c];
    const groups = this.k.get(ConsumerGroups);
    const n = this.k.nodes[node];
    const cfg = n.kind === 'topic' ? n.config : null;
    return {
      kind: 'topic',
      deadLetters: this.k.get(DeadLetters).in(t),
      partitions: Array.from({ length: t.partitions }, (_, p) => ({
        end: t.logEnd[p],
        start: t.logStart[p],
        compacted: this.compactedIn(c, p),
        recent: this.recentCells(t, p),
        groups: groups.partitionGroups(t, c, p),
        ...(groups.txOffsetsIn(c, p) ?? {}),
      })),
      retention: { ms: cfg?.retentionMs ?? null, records: cfg?.retentionRecords ?? null },
      compactEveryMs: cfg?.compactEveryMs ?? null,
      replication: this.k.optional<Replication>('replication')?.replicationOf(c) ?? null,
    };
  }

  /** The latest offsets compaction removed that retention has not deleted since. */
  private compactedIn(c: number, p: number): number[] {
    const cl = this.cleanerOf.get(c);
    if (!cl || cl.removed[p].size === 0) return [];
    const start = this.k.records.channels[c].logStart[p];
    return [...cl.removed[p]].filter((o) => o >= start).sort((a, b) => a - b).slice(-VIEW_COMPACTED);
  }

  /** The last few records of a partition still kept, for drawing its log as cells. */
  private recentCells(t: Channel, p: number, count = RECENT_CELLS): { offset: number; id: string; type: string; key: string | null }[] {
    const L = this.k.records;
    const out = [];
    for (let o = Math.max(t.logStart[p], t.logEnd[p] - count); o < t.logEnd[p]; o++) {
      if (t.kept !== null && t.kept(p, o) !== o) continue;
      const rec = t.logs[p].get(o);
      out.push({ offset: o, id: L.idOf(rec), type: L.evType(rec), key: L.evKey(rec) });
    }
    return out;
  }

  /**
   * A topic's state is its log (the kernel's: offsets and the log start retention moves),
   * its pending deletions and passes (the agenda's), the offsets of the groups reading it
   * (consumer.ts), and, here, what its cleaner removed.
   */
  capture(): { removed: Set<number>[]; pending: boolean }[] {
    return this.cleaners.map((cl) => ({ removed: cl.removed.map((x) => new Set(x)), pending: cl.pending }));
  }

  restore(state: unknown): void {
    (state as { removed: Set<number>[]; pending: boolean }[]).forEach((x, i) => {
      this.cleaners[i].removed = x.removed.map((r) => new Set(r));
      this.cleaners[i].pending = x.pending;
    });
  }

  stateSize(): number {
    let n = 0;
    for (const cl of this.cleaners) for (const r of cl.removed) n += r.size;
    return n;
  }
}
