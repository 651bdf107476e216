// SQS FIFO ([FQ1]–[FQ4]): what a FIFO queue adds to a queue (kinds/queue.ts). A message
// carries a message group id and a deduplication id, set by the producer's template (or the
// key, the body, the event id); a FIFO queue offers a group's messages one at a time, in
// order, and drops a send whose deduplication id it accepted within the window. Not a node
// kind: the queue module asks this one. The ids are a recording (written when a record is
// created, by CloudEvents id, so copies carry them); the windows are state.
import type { Kernel } from '../kernel.ts';
import type { Module, StepInfo } from '../kind.ts';
import type { QueueSpec } from '../scenario.ts';
import { stableStringify } from '../json.ts';
import { S_DEDUP, fmtMs } from '../steps.ts';

/** SQS's deduplication window, 5 minutes, in logical ms: a queue's `deduplicationWindowMs` when left out ([FQ3]). */
export const DEDUP_WINDOW_MS = 300_000;
/** A group's name when a message has neither a group id nor a key: one group for all of them. */
const NO_GROUP = '(no key)';

type Windows = Map<number, Map<string, { at: number; rec: number }>>;

export class Fifo implements Module {
  readonly kinds = [] as const;
  /** By CloudEvents id (the original record's index): the template's group and deduplication ids. */
  private group = new Map<number, string>();
  private dedupId = new Map<number, string>();
  /** Per FIFO queue channel: deduplication id → when it was accepted, and which record ([FQ3]). */
  private windows: Windows = new Map();
  private readonly A_DROP: number;

  constructor(private readonly k: Kernel) {
    const L = k.records;
    // a = channel, b = offset of the dropped send
    this.A_DROP = k.action({
      run: (a, b) => {
        const rec = L.channels[a].logs[0].get(b);
        const prior = this.windows.get(a)?.get(this.dedupOf(rec, a));
        k.record(S_DEDUP, L.channels[a].node, rec, prior?.rec ?? -1, prior ? String(prior.at) : undefined);
        return true;
      },
      describe: (a, b, _c, at) => `${L.channels[a].id} drops ${L.idOf(L.channels[a].logs[0].get(b))} as a duplicate ${at}`,
    });
  }

  /** [FQ2] [FQ3] A producer's template gave these ids to record `rec` (undefined: not given). */
  setIds(rec: number, group: string | undefined, dedup: string | undefined): void {
    if (group !== undefined) this.group.set(rec, group);
    if (dedup !== undefined) this.dedupId.set(rec, dedup);
  }

  /** [FQ2] A message's group: its template's messageGroupId, else its key. */
  groupOf(rec: number): string {
    const L = this.k.records;
    if (this.group.size > 0) {
      const g = this.group.get(L.evIdOf(rec));
      if (g !== undefined) return g;
    }
    return L.evKey(rec) ?? NO_GROUP;
  }

  /** [FQ3] A message's deduplication id: its template's, else its body with content-based deduplication, else its event id. */
  dedupOf(rec: number, c: number): string {
    const L = this.k.records;
    const given = this.dedupId.size > 0 ? this.dedupId.get(L.evIdOf(rec)) : undefined;
    if (given !== undefined) return `id:${given}`;
    if (this.config(c).contentBasedDeduplication) return `body:${stableStringify(L.evData(rec))}`;
    return `event:${L.idOf(rec)}`;
  }

  /** Words for a deduplication id as `dedupOf` wrote it. */
  private dedupWords(d: string): string {
    if (d.startsWith('id:')) return `deduplication id "${d.slice(3)}"`;
    if (d.startsWith('body:')) return `body ${d.slice(5)} (content-based deduplication)`;
    return `event id ${d.slice(6)} (the id a retry of the same send keeps)`;
  }

  private windowMs(c: number): number {
    return this.config(c).deduplicationWindowMs ?? DEDUP_WINDOW_MS;
  }

  private config(c: number): QueueSpec['config'] {
    return (this.k.nodes[this.k.records.channels[c].node] as QueueSpec).config;
  }

  /**
   * [FQ3] A message arrived at FIFO queue channel `c` at `offset`: true when its
   * deduplication id was accepted within the window, so the send is dropped (a `dedup` step
   * right after says so); else it is accepted and its id remembered.
   */
  arrived(c: number, offset: number): boolean {
    const k = this.k;
    const rec = k.records.channels[c].logs[0].get(offset);
    const d = this.dedupOf(rec, c);
    let seen = this.windows.get(c);
    if (!seen) this.windows.set(c, (seen = new Map()));
    const prior = seen.get(d);
    if (prior && k.now - prior.at < this.windowMs(c)) {
      k.schedule(k.now, this.A_DROP, c, offset, 0);
      return true;
    }
    seen.set(d, { at: k.now, rec });
    return false;
  }

  explain(s: StepInfo): string | undefined {
    if (s.kind !== S_DEDUP || s.node < 0 || this.k.nodes[s.node].kind !== 'queue') return undefined;
    const k = this.k;
    const L = k.records;
    const c = k.records.channelOfNode.get(s.node)!;
    const first = s.aux >= 0 ? `that of ${L.idOf(s.aux)}, accepted at ${fmtMs(Number(s.note))}` : 'that of an earlier message';
    return `${k.nodes[s.node].id} accepted the send of ${L.evText(s.ev)} but dropped it: its ${this.dedupWords(this.dedupOf(s.ev, c))} is the same as ${first}, within the ${fmtMs(this.windowMs(c))} deduplication window. No consumer will receive it`;
  }

  /** Entries a checkpoint copies: every remembered deduplication id. */
  stateSize(): number {
    let n = 0;
    for (const m of this.windows.values()) n += m.size;
    return n;
  }

  capture(): Windows {
    return new Map([...this.windows].map(([c, m]) => [c, new Map(m)]));
  }

  restore(state: unknown): void {
    this.windows = new Map([...(state as Windows)].map(([c, m]) => [c, new Map(m)]));
  }

  fork(): void {
    const n = this.k.records.eventCount;
    for (const key of [...this.group.keys()]) if (key >= n) this.group.delete(key);
    for (const key of [...this.dedupId.keys()]) if (key >= n) this.dedupId.delete(key);
  }
}
