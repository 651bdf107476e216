// The `topic` node kind ([P1]–[P3], [RT1]–[RT2]): a partitioned append-only log with
// offsets, Kafka's model. Records land in a partition by the murmur2 hash of their key
// (log.ts); the groups that read it are consumer.ts's. What is here: building its channel,
// retention (deleting the oldest records by age or count), and its view.
import type { Kernel } from '../kernel.ts';
import type { Module, StepInfo } from '../kind.ts';
import type { Channel } from '../log.ts';
import type { TopicView } from '../views.ts';
import { Network } from '../network.ts';
import { DeadLetters } from '../deadletters.ts';
import { ConsumerGroups } from './consumer.ts';
import { S_EXPIRE, fmtMs } from '../steps.ts';

/** How many of the latest records of each partition a view carries. */
const RECENT_CELLS = 12;
/** `aux` of an expire step: which retention deleted the record. */
const BY_TIME = 0;
const BY_SIZE = 1;

export class TopicKind implements Module {
  readonly kinds = ['topic'] as const;
  private readonly A_EXPIRE: number;
  /** Channel index by node index, for the topics of this kind. */
  private readonly channelOf = new Map<number, number>();

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
  }

  get intents() {
    return { outage: this.k.get(Network).outageIntent, redrive: this.k.get(DeadLetters).redriveIntent };
  }

  build(): void {
    const k = this.k;
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'topic') return;
      const c = k.records.addChannel(i, n.config.partitions);
      this.channelOf.set(i, c);
      const ms = n.config.retentionMs ?? null;
      const max = n.config.retentionRecords ?? null;
      if (ms === null && max === null) return;
      const t = k.records.channels[c];
      t.listeners.push((offset, p) => {
        // [RT1] Deleted retentionMs after it was appended.
        if (ms !== null) k.schedule(k.now + ms, this.A_EXPIRE, c, p, offset);
        // [RT2] One record over the size limit: the oldest goes, in the next step.
        if (max !== null && offset - max >= t.logStart[p]) k.schedule(k.now, this.A_EXPIRE, c, p, offset - max);
      });
    });
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
    if (s.kind !== S_EXPIRE || !this.channelOf.has(s.node)) return undefined;
    const k = this.k;
    const n = k.nodes[s.node];
    if (n.kind !== 'topic') return undefined;
    const L = k.records;
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
        recent: this.recentCells(t, p),
        groups: groups.partitionGroups(t, c, p),
      })),
      retention: { ms: cfg?.retentionMs ?? null, records: cfg?.retentionRecords ?? null },
    };
  }

  /** The last few records of a partition still kept, for drawing its log as cells. */
  private recentCells(t: Channel, p: number, count = RECENT_CELLS): { offset: number; id: string; type: string; key: string | null }[] {
    const L = this.k.records;
    const out = [];
    for (let o = Math.max(t.logStart[p], t.logEnd[p] - count); o < t.logEnd[p]; o++) {
      const rec = t.logs[p].get(o);
      out.push({ offset: o, id: L.idOf(rec), type: L.evType[rec], key: L.evKey[rec] });
    }
    return out;
  }

  capture(): null {
    // A topic's state is its log (the kernel's: offsets and the log start retention moves),
    // its pending deletions (the agenda's) and the offsets of the groups reading it (consumer.ts).
    return null;
  }

  restore(): void {}
}
