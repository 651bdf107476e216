// The `queue` node kind ([Q1]–[Q6]): RabbitMQ / SQS style. One ordered list of messages, each
// ready, in flight (received, invisible to the others until acked or timed out), acked or
// dead-lettered. Consumers compete on it: a message goes to one of them. The consumers' side
// (prefetch buffer, handling, acking) is in consumer.ts; the messages' side is here.
import type { Kernel } from '../kernel.ts';
import type { Module, StepInfo } from '../kind.ts';
import type { QueueView } from '../views.ts';
import type { QueueSpec } from '../scenario.ts';
import { Network } from '../network.ts';
import { DeadLetters } from '../deadletters.ts';
import { ConsumerGroups } from './consumer.ts';
import { Fifo } from './fifo.ts';
import { S_VISIBLE, S_EXPIRE } from '../steps.ts';
import { ExchangeKind } from './exchange.ts';

/** A member's delivery kind for a message received from a queue (see consumer.ts D_*). */
export const D_QUEUE = 4;

// Message states ([Q1]).
const Q_READY = 0;
const Q_INFLIGHT = 1;
const Q_ACKED = 2;
const Q_DEAD = 3;
/** [FQ3] A FIFO queue accepted the send but dropped it as a duplicate. */
const Q_DROPPED = 4;
/** [AM7] Its TTL ran out while it was ready. */
const Q_EXPIRED = 5;
/** [DU1] A broker restart deleted it (transient, or in a queue that is not durable). */
const Q_LOST = 6;

interface QueueRt {
  /** Channel index. */
  c: number;
  node: number;
  config: QueueSpec['config'];
  /** Members competing on it. */
  readers: number[];
  qState: number[];
  qReceives: number[];
  qReceipt: number[];
  qHolder: number[];
  /** [AM7] When each message expires (-1: never). */
  qExpires: number[];
  /** [DU1] How many broker restarts it went through. */
  restarts: number;
}
type QueueState = Pick<QueueRt, 'qState' | 'qReceives' | 'qReceipt' | 'qHolder' | 'qExpires' | 'restarts'>;

export class QueueKind implements Module {
  readonly kinds = ['queue'] as const;
  private readonly queues: QueueRt[] = [];
  private readonly queueOfChannel = new Map<number, QueueRt>();
  private readonly queueOfNode = new Map<number, QueueRt>();
  private groups!: ConsumerGroups;
  private dead!: DeadLetters;
  private fifo!: Fifo;
  private readonly A_VISIBLE: number;
  private readonly A_EXPIRE: number;
  private exchanges!: ExchangeKind;

  constructor(private readonly k: Kernel) {
    // a = channel, b = message offset, c = receipt
    this.A_VISIBLE = k.action({
      run: (a, b) => (this.reappear(a, b), true),
      stale: (a, b, c) => {
        const q = this.queueOfChannel.get(a)!;
        return q.qState[b] !== Q_INFLIGHT || q.qReceipt[b] !== c;
      },
      describe: (a, b, _c, at) => `the visibility timeout of ${k.records.idOf(k.records.channels[a].logs[0].get(b))} in ${k.records.channels[a].id} runs out ${at}`,
    });
    // a = channel, b = message offset
    this.A_EXPIRE = k.action({
      run: (a, b) => this.expire(a, b),
      stale: (a, b) => this.queueOfChannel.get(a)!.qState[b] !== Q_READY,
      describe: (a, b, _c, at) => `${k.records.idOf(k.records.channels[a].logs[0].get(b))} expires in ${k.records.channels[a].id} (its TTL runs out) ${at}`,
    });
  }

  get intents() {
    return { outage: this.k.get(Network).outageIntent, redrive: this.k.get(DeadLetters).redriveIntent };
  }

  build(): void {
    const k = this.k;
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'queue') return;
      const c = k.records.addChannel(i, 1);
      const q: QueueRt = { c, node: i, config: n.config, readers: [], qState: [], qReceives: [], qReceipt: [], qHolder: [], qExpires: [], restarts: 0 };
      this.queues.push(q);
      this.queueOfChannel.set(c, q);
      this.queueOfNode.set(i, q);
      k.records.channels[c].listeners.push((offset) => {
        q.qState[offset] = Q_READY;
        q.qReceives[offset] = 0;
        q.qReceipt[offset] = 0;
        q.qHolder[offset] = -1;
        if (q.config.fifo && this.fifo.arrived(c, offset)) {
          q.qState[offset] = Q_DROPPED;
          return;
        }
        this.arrived(q, offset);
        for (const m of q.readers) this.groups.wake(m);
      });
      k.records.channels[c].wakers.push(() => {
        for (const m of q.readers) this.groups.wake(m);
      });
    });
  }

  link(): void {
    for (const q of this.queues) this.k.get(Network).onRestart(q.c, () => this.restart(q));
    this.groups = this.k.get(ConsumerGroups);
    this.dead = this.k.get(DeadLetters);
    this.fifo = this.k.get(Fifo);
    this.exchanges = this.k.get(ExchangeKind);
  }

  isQueue(c: number): boolean {
    return this.queueOfChannel.has(c);
  }

  addReader(c: number, m: number): void {
    this.queueOfChannel.get(c)!.readers.push(m);
  }

  hasReady(c: number): boolean {
    const q = this.queueOfChannel.get(c)!;
    if (!q.config.fifo) return q.qState.includes(Q_READY);
    // [FQ1] Ready messages of a group with one in flight wait.
    const busy = this.groupsInFlight(q);
    const t = this.k.records.channels[c];
    return q.qState.some((st, off) => st === Q_READY && !busy.has(this.fifo.groupOf(t.logs[0].get(off))));
  }

  receives(c: number, offset: number): number {
    return this.queueOfChannel.get(c)!.qReceives[offset];
  }

  wakeReaders(c: number): void {
    for (const r of this.queueOfChannel.get(c)!.readers) this.groups.wake(r);
  }

  /**
   * [Q2] [Q3] [Q5] Member `m` takes up to `prefetch` ready messages, each invisible until acked
   * or timed out (or acked at once with `autoAck`); messages received too often go to the
   * dead-letter queue instead. Null when there was nothing to take.
   */
  take(c: number, m: number, prefetch: number, autoAck: boolean): { got: [number, number][]; dead: string[]; deadLetterTo: string | null } | null {
    const k = this.k;
    const L = k.records;
    const q = this.queueOfChannel.get(c)!;
    const t = L.channels[c];
    const cfg = q.config;
    const got: [number, number][] = [];
    const dead: string[] = [];
    // [FQ1] A FIFO queue offers no message of a group that has one in flight, and at most one per group per receive.
    const busy = cfg.fifo ? this.groupsInFlight(q) : null;
    for (let off = 0; off < t.logEnd[0] && got.length < prefetch; off++) {
      if (q.qState[off] !== Q_READY) continue;
      // [AM7] An expired message is never delivered: its expire step takes it.
      if (q.qExpires[off] >= 0 && q.qExpires[off] <= k.now) continue;
      const rec = t.logs[0].get(off);
      if (busy) {
        const g = this.fifo.groupOf(rec);
        if (busy.has(g)) continue;
        busy.add(g);
      }
      if (cfg.maxReceiveCount !== null && q.qReceives[off] >= cfg.maxReceiveCount) {
        // [Q5] Received too often without an ack: moved to the dead-letter channel instead ([AM8]: or through an exchange).
        q.qState[off] = Q_DEAD;
        const why = `received ${q.qReceives[off]} times without an ack (maxReceiveCount ${cfg.maxReceiveCount})`;
        if (cfg.deadLetterExchange != null) this.exchanges.deadLetter(rec, t.node, cfg.deadLetterExchange, cfg.deadLetterRoutingKey ?? null, why, q.qReceives[off]);
        else this.dead.deadLetter(rec, t.node, cfg.deadLetter!, why, q.qReceives[off]);
        dead.push(L.idOf(rec));
        continue;
      }
      q.qState[off] = autoAck ? Q_ACKED : Q_INFLIGHT;
      q.qReceives[off]++;
      const receipt = ++q.qReceipt[off];
      q.qHolder[off] = m;
      if (!autoAck) k.schedule(k.now + cfg.visibilityTimeoutMs, this.A_VISIBLE, c, off, receipt);
      got.push([rec, receipt]);
    }
    if (got.length === 0 && dead.length === 0) return null;
    return { got, dead, deadLetterTo: cfg.deadLetter ?? (cfg.deadLetterExchange != null ? `exchange ${cfg.deadLetterExchange}` : null) };
  }

  /** [FQ1] The message groups of a FIFO queue with a message in flight. */
  private groupsInFlight(q: QueueRt): Set<string> {
    const out = new Set<string>();
    const t = this.k.records.channels[q.c];
    q.qState.forEach((st, off) => {
      if (st === Q_INFLIGHT) out.add(this.fifo.groupOf(t.logs[0].get(off)));
    });
    return out;
  }

  /** [Q4] Deletes the message if this receipt still holds it; returns whether it did. */
  ack(c: number, off: number, receipt: number): boolean {
    const q = this.queueOfChannel.get(c)!;
    const held = q.qState[off] === Q_INFLIGHT && q.qReceipt[off] === receipt;
    if (held) q.qState[off] = Q_ACKED;
    // [FQ1] The next message of its group may go to any consumer now.
    if (held && q.config.fifo) for (const m of q.readers) this.groups.wake(m);
    return held;
  }

  /** [DU1] Did a broker restart delete this message? */
  lostInRestart(c: number, off: number): boolean {
    return this.queueOfChannel.get(c)!.qState[off] === Q_LOST;
  }

  /** [DU1] Has this queue's broker restarted during the run? */
  restarted(c: number): boolean {
    return this.queueOfChannel.get(c)!.restarts > 0;
  }

  /** [Q4] Puts the message back, ready at once, if this receipt still holds it; returns whether it did. */
  nack(c: number, off: number, receipt: number): boolean {
    const q = this.queueOfChannel.get(c)!;
    const held = q.qState[off] === Q_INFLIGHT && q.qReceipt[off] === receipt;
    if (held && q.config.onReject === 'dead-letter') {
      // [AM8] Rejected without requeue: dead-lettered, or dropped when the queue has nowhere to send it.
      q.qState[off] = Q_DEAD;
      q.qHolder[off] = -1;
      const rec = this.k.records.channels[c].logs[0].get(off);
      const why = 'rejected by its consumer without requeue (basic.nack requeue=false)';
      if (q.config.deadLetterExchange != null) this.exchanges.deadLetter(rec, q.node, q.config.deadLetterExchange, q.config.deadLetterRoutingKey ?? null, why, q.qReceives[off]);
      else if (q.config.deadLetter !== null) this.dead.deadLetter(rec, q.node, q.config.deadLetter, why, q.qReceives[off]);
    } else if (held) {
      q.qState[off] = Q_READY;
      q.qHolder[off] = -1;
      this.expireIfDue(q, off);
    }
    return held;
  }

  /** [AM8] What became of a message a consumer nacked, when it was not put back: else null. */
  rejected(c: number, off: number): string | null {
    const q = this.queueOfChannel.get(c)!;
    if (q.qState[off] !== Q_DEAD) return null;
    const cfg = q.config;
    const to = cfg.deadLetterExchange != null ? `dead-lettered through exchange ${cfg.deadLetterExchange}${cfg.deadLetterRoutingKey != null ? ` with routing key ${cfg.deadLetterRoutingKey}` : ' with its own routing key'}` : cfg.deadLetter !== null ? `dead-lettered to ${cfg.deadLetter}` : 'dropped: the queue has no dead-letter exchange';
    return `It rejected the message without requeue (${this.k.nodes[q.node].id} has onReject: dead-letter): ${to}`;
  }

  /** [AM7] A message arrived: it expires after the lower of the queue's TTL and its own. */
  private arrived(q: QueueRt, off: number): void {
    const k = this.k;
    const own = this.exchanges.expirationOf(k.records.channels[q.c].logs[0].get(off));
    const ttl = Math.min(q.config.messageTtlMs ?? Infinity, own ?? Infinity);
    q.qExpires[off] = ttl === Infinity ? -1 : k.now + ttl;
    if (ttl !== Infinity) k.schedule(q.qExpires[off], this.A_EXPIRE, q.c, off, 0);
  }

  /** [AM7] A message ready again after its TTL ran out (it was in flight then) expires now. */
  private expireIfDue(q: QueueRt, off: number): void {
    if (q.qExpires[off] >= 0 && q.qExpires[off] <= this.k.now) this.k.schedule(this.k.now, this.A_EXPIRE, q.c, off, 0);
  }

  /** [AM7] [AM8] The TTL of a ready message ran out: it is dead-lettered through the queue's exchange, or dropped. */
  private expire(c: number, off: number): boolean {
    const k = this.k;
    const q = this.queueOfChannel.get(c)!;
    if (q.qExpires[off] < 0 || q.qExpires[off] > k.now) return false;
    const rec = k.records.channels[c].logs[0].get(off);
    q.qState[off] = Q_EXPIRED;
    const dlx = q.config.deadLetterExchange ?? null;
    if (dlx !== null) this.exchanges.deadLetter(rec, q.node, dlx, q.config.deadLetterRoutingKey ?? null, `expired: its TTL ran out while it waited in ${k.nodes[q.node].id}`, q.qReceives[off]);
    k.record(S_EXPIRE, q.node, rec, dlx !== null ? 1 : 0);
    return true;
  }

  /**
   * [DU1] [DU2] The queue's broker restarts. A queue that is not durable is deleted with every
   * message in it (and declared again, empty, when the broker is back); a durable one keeps its
   * persistent messages and loses the transient ones. Consumers' channels close: what they held
   * unacked is ready again (their acks will not count), or gone with the rest.
   */
  private restart(q: QueueRt): string {
    const k = this.k;
    const L = k.records;
    const durable = q.config.durable !== false;
    q.restarts++;
    let lost = 0;
    let requeued = 0;
    for (let off = 0; off < q.qState.length; off++) {
      const st = q.qState[off];
      if (st !== Q_READY && st !== Q_INFLIGHT) continue;
      const rec = L.channels[q.c].logs[0].get(off);
      const holder = q.qHolder[off];
      if (holder >= 0) this.groups.dropPrefetched(holder, rec);
      q.qHolder[off] = -1;
      if (!durable || !this.exchanges.persistentOf(rec)) {
        q.qState[off] = Q_LOST;
        lost++;
        // One being handled right now is not lost to its handler (only its ack will fail).
        if (holder >= 0 && this.groups.members[holder].busy === rec) continue;
        const why = durable ? `${L.idOf(rec)} was transient (not persistent) and ${k.nodes[q.node].id}'s broker restarted` : `${k.nodes[q.node].id} is not durable and its broker restarted`;
        for (const m of q.readers) this.groups.missed(m, rec, why);
        continue;
      }
      if (st === Q_INFLIGHT) requeued++;
      q.qState[off] = Q_READY;
      this.expireIfDue(q, off);
    }
    const s = (n: number) => (n === 1 ? '' : 's');
    const gone =
      lost === 0
        ? 'no message lost'
        : durable
          ? `${lost} transient message${s(lost)} lost (a durable queue keeps only persistent messages through a restart)`
          : `${lost} message${s(lost)} lost (${k.nodes[q.node].id} is not durable: the queue itself is gone and comes back empty)`;
    return requeued > 0 ? `${gone}; ${requeued} unacked message${s(requeued)} ready again (the consumers' channels closed, so their acks will not count)` : gone;
  }

  /** [Q3] The visibility timeout ran out before an ack: the message is offered again. */
  private reappear(c: number, off: number): void {
    const k = this.k;
    const q = this.queueOfChannel.get(c)!;
    const holder = q.qHolder[off];
    const rec = k.records.channels[c].logs[0].get(off);
    q.qState[off] = Q_READY;
    q.qHolder[off] = -1;
    this.expireIfDue(q, off);
    if (holder >= 0) this.groups.dropPrefetched(holder, rec);
    k.record(S_VISIBLE, q.node, rec, holder >= 0 ? this.groups.members[holder].node : -1);
    for (const m of q.readers) this.groups.wake(m);
  }

  explain(s: StepInfo): string | undefined {
    if (s.kind === S_EXPIRE && this.queueOfNode.has(s.node)) return this.explainExpiry(s);
    if (s.kind !== S_VISIBLE || !this.queueOfNode.has(s.node)) return undefined;
    const k = this.k;
    const holder = s.aux >= 0 ? k.nodes[s.aux].id : null;
    return `The visibility timeout of ${k.records.evText(s.ev)} ran out before ${holder ?? 'anyone'} acked it: it is back in ${k.nodes[s.node].id} for any consumer to take`;
  }

  private explainExpiry(s: StepInfo): string {
    const k = this.k;
    const q = this.queueOfNode.get(s.node)!;
    const cfg = q.config;
    const own = this.exchanges.expirationOf(s.ev);
    const ttl = own !== undefined && (cfg.messageTtlMs == null || own < cfg.messageTtlMs) ? `its own expiration of ${own} ms` : `the queue's message TTL of ${cfg.messageTtlMs} ms`;
    const fate = s.aux ? `dead-lettered through exchange ${cfg.deadLetterExchange}${cfg.deadLetterRoutingKey != null ? ` with routing key ${cfg.deadLetterRoutingKey}` : ' with its own routing key'}` : 'dropped: the queue has no dead-letter exchange';
    return `${k.records.evText(s.ev)} expired in ${k.nodes[s.node].id}: no consumer took it within ${ttl}, so it is ${fate}`;
  }

  view(node: number): QueueView {
    const L = this.k.records;
    const q = this.queueOfNode.get(node)!;
    const t = L.channels[q.c];
    const count = (st: number) => q.qState.filter((x) => x === st).length;
    return {
      kind: 'queue',
      deadLetters: this.dead.in(t),
      ready: count(Q_READY),
      inFlight: count(Q_INFLIGHT),
      acked: count(Q_ACKED),
      dead: count(Q_DEAD),
      expired: count(Q_EXPIRED),
      ...(q.qState.includes(Q_LOST) ? { lostInRestart: count(Q_LOST) } : {}),
      messages: q.qState.map((st, off) => ({
        id: L.idOf(t.logs[0].get(off)),
        state: (['ready', 'in flight', 'acked', 'dead-lettered', 'duplicate dropped', 'expired', 'lost in a restart'] as const)[st],
        receives: q.qReceives[off],
        holder: q.qHolder[off] >= 0 && st === Q_INFLIGHT ? this.groups.members[q.qHolder[off]].id : null,
        ...(q.config.fifo ? { group: this.fifo.groupOf(t.logs[0].get(off)) } : {}),
      })),
      ...(q.config.fifo ? { fifo: true, blockedGroups: [...this.groupsInFlight(q)].sort(), deduplicated: count(Q_DROPPED) } : {}),
    };
  }

  stateSize(): number {
    let n = 0;
    for (const q of this.queues) n += 5 * q.qState.length;
    return n;
  }

  capture(): QueueState[] {
    return this.queues.map((q) => ({ qState: [...q.qState], qReceives: [...q.qReceives], qReceipt: [...q.qReceipt], qHolder: [...q.qHolder], qExpires: [...q.qExpires], restarts: q.restarts }));
  }

  restore(state: unknown): void {
    (state as QueueState[]).forEach((s, i) => {
      const q = this.queues[i];
      q.qState = [...s.qState];
      q.qReceives = [...s.qReceives];
      q.qReceipt = [...s.qReceipt];
      q.qHolder = [...s.qHolder];
      q.qExpires = [...s.qExpires];
      q.restarts = s.restarts;
    });
  }
}
