// The `topic` node kind ([P1]–[P3]): a partitioned append-only log with offsets, Kafka's
// model. Records land in a partition by the murmur2 hash of their key (log.ts); the groups
// that read it are consumer.ts's. What is here: building its channel, and its view.
import type { Kernel } from '../kernel.ts';
import type { Module } from '../kind.ts';
import type { Channel } from '../log.ts';
import type { TopicView } from '../views.ts';
import { Network } from '../network.ts';
import { DeadLetters } from '../deadletters.ts';
import { ConsumerGroups } from './consumer.ts';

/** How many of the latest records of each partition a view carries. */
const RECENT_CELLS = 12;

export class TopicKind implements Module {
  readonly kinds = ['topic'] as const;

  constructor(private readonly k: Kernel) {}

  get intents() {
    return { outage: this.k.get(Network).outageIntent, redrive: this.k.get(DeadLetters).redriveIntent };
  }

  build(): void {
    this.k.nodes.forEach((n, i) => {
      if (n.kind === 'topic') this.k.records.addChannel(i, n.config.partitions);
    });
  }

  view(node: number): TopicView {
    const L = this.k.records;
    const c = L.channelOfNode.get(node)!;
    const t = L.channels[c];
    const groups = this.k.get(ConsumerGroups);
    return {
      kind: 'topic',
      deadLetters: this.k.get(DeadLetters).in(t),
      partitions: Array.from({ length: t.partitions }, (_, p) => ({
        end: t.logEnd[p],
        recent: this.recentCells(t, p),
        groups: groups.partitionGroups(t, c, p),
      })),
    };
  }

  /** The last few records of a partition, for drawing its log as cells. */
  private recentCells(t: Channel, p: number, count = RECENT_CELLS): { offset: number; id: string; type: string; key: string | null }[] {
    const L = this.k.records;
    const out = [];
    for (let o = Math.max(0, t.logEnd[p] - count); o < t.logEnd[p]; o++) {
      const rec = t.logs[p].get(o);
      out.push({ offset: o, id: L.idOf(rec), type: L.evType[rec], key: L.evKey[rec] });
    }
    return out;
  }

  capture(): null {
    // A topic's state is its log (the kernel's) and the offsets of the groups reading it (consumer.ts).
    return null;
  }

  restore(): void {}
}
