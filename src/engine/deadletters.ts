// Dead letters ([R5], [Q5]): copies of failed records appended to a dead-letter topic or
// queue, with where they failed and why, and redrive back to where they came from. Not a
// node kind: consumers and queues dead-letter into any topic or queue, and both redrive.
import type { Kernel } from './kernel.ts';
import type { IntentHandler, Module } from './kind.ts';
import type { RedriveIntent } from './inputs.ts';
import type { Channel } from './log.ts';
import { S_REDRIVE } from './steps.ts';
import type { DeadLetter } from './views.ts';

export class DeadLetters implements Module {
  readonly kinds = [] as const;
  /** Dead-lettered copy → { failed record, error, attempts }: a recording, cut on a fork. */
  private info = new Map<number, { source: number; error: string; attempts: number }>();
  /** Dead-lettered copies already sent back (state). */
  private redriven = new Set<number>();

  constructor(private readonly k: Kernel) {}

  /** Appends a copy of `rec` (same id) to the dead-letter channel `target`; returns the copy. */
  deadLetter(rec: number, from: number, target: string, error: string, attempts: number): number {
    const L = this.k.records;
    const copy = L.copyOf(rec, from, this.k.channelIndex(target));
    this.info.set(copy, { source: rec, error, attempts });
    L.append(copy);
    return copy;
  }

  /** A copy of a dead-lettered record routed on (through an exchange, [AM8]) is a dead letter too, with the same origin. */
  carry(from: number, copy: number): void {
    if (this.info.size === 0) return;
    const info = this.info.get(from);
    if (info) this.info.set(copy, info);
  }

  /** The dead letters in a channel, or none quickly when nothing was ever dead-lettered. */
  in(t: Channel): DeadLetter[] {
    return this.info.size === 0 ? [] : this.of(t.id);
  }

  /** The dead-lettered events in a topic or queue, in log order ([R5]). */
  of(topicId: string): DeadLetter[] {
    const L = this.k.records;
    const t = L.channelById(topicId, this.k.nodeIndex);
    if (!t) return [];
    const out: DeadLetter[] = [];
    for (let p = 0; p < t.partitions; p++) {
      for (let o = 0; o < t.logEnd[p]; o++) {
        const rec = t.logs[p].get(o);
        const info = this.info.get(rec);
        if (!info) continue;
        out.push({
          eventId: L.idOf(rec),
          record: rec,
          type: L.evType(rec),
          key: L.evKey(rec),
          error: info.error,
          attempts: info.attempts,
          from: L.position(info.source),
          at: L.position(rec),
          redriven: this.redriven.has(rec),
        });
      }
    }
    return out;
  }

  /** [R5] The `redrive` intent, for the kinds that hold dead letters. */
  readonly redriveIntent: IntentHandler<RedriveIntent> = {
    refuse: (i, intent) => {
      const id = this.k.nodes[i].id;
      const pending = this.of(id).filter((d) => !d.redriven && (!intent.events || intent.events.includes(d.eventId)));
      if (pending.length === 0) return `${id} holds no dead-lettered event${intent.events ? ` with the id ${intent.events.join(', ')}` : ''} that is not redriven yet`;
      return null;
    },
    apply: (i, input) => {
      const L = this.k.records;
      const sent: string[] = [];
      for (const d of this.of(input.node)) {
        if (d.redriven || (input.events && !input.events.includes(d.eventId))) continue;
        const source = this.info.get(d.record)!.source;
        const copy = L.copyOf(d.record, L.evSource(source), L.evTopic(source));
        L.append(copy);
        this.redriven.add(d.record);
        sent.push(`${d.eventId} → ${L.channels[L.evTopic(copy)].id} p${L.evPartition(copy)} @${L.evOffset(copy)}`);
      }
      this.k.record(S_REDRIVE, i, -1, sent.length, `You redrove ${sent.length} event${sent.length > 1 ? 's' : ''} from ${input.node} back to where ${sent.length > 1 ? 'they' : 'it'} came from: ${sent.join('; ')}. Same ids, new offsets`);
    },
  };

  capture(): Set<number> {
    return new Set(this.redriven);
  }

  restore(state: unknown): void {
    this.redriven = new Set(state as Set<number>);
  }

  fork(): void {
    const n = this.k.records.eventCount;
    for (const key of [...this.info.keys()]) if (key >= n) this.info.delete(key);
  }
}
