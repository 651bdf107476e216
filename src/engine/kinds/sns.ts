// The `sns` node kind ([SN1]–[SN4]): an SNS-style topic. Producers (and consumers' emits)
// publish to it like to any channel, so the network, outages and outboxes work unchanged; each
// message it takes is then fanned out, in a `fan-out` step, as a copy with the same
// CloudEvents id to every subscribed queue (its connections to queues) whose filter policy
// it matches, raw or wrapped in an SNS envelope. It keeps nothing to read: no consumer group
// reads an SNS topic, only the queues behind it.
import type { Kernel } from '../kernel.ts';
import type { Module, StepInfo } from '../kind.ts';
import type { FilterPolicy, FilterValue, SnsSpec } from '../scenario.ts';
import type { Json } from '../json.ts';
import type { SnsView } from '../views.ts';
import { EPOCH_MS } from '../log.ts';
import { Network } from '../network.ts';
import { S_FANOUT, fmtMs } from '../steps.ts';

/** How long an SNS topic waits before it tries an unreachable subscription again ([SN2]). */
export const SNS_RETRY_MS = 100;
/** How many messages a view lists. */
const RECENT = 8;

interface Subscription {
  node: number;
  filter: FilterPolicy | null;
  raw: boolean;
}

interface SnsRt {
  node: number;
  c: number;
  spec: SnsSpec;
  subs: Subscription[];
  delivered: number[];
  filtered: number[];
  waiting: number[];
  /** The latest messages: record, subscriptions reached, subscriptions filtered out. */
  recent: { rec: number; to: number[]; out: number[] }[];
}
type SnsState = Pick<SnsRt, 'delivered' | 'filtered' | 'waiting' | 'recent'>;
const copyState = (s: SnsState): SnsState => ({
  delivered: [...s.delivered],
  filtered: [...s.filtered],
  waiting: [...s.waiting],
  recent: s.recent.map((r) => ({ rec: r.rec, to: [...r.to], out: [...r.out] })),
});

export class SnsKind implements Module {
  readonly kinds = ['sns'] as const;
  private readonly topics: SnsRt[] = [];
  private readonly topicOfNode = new Map<number, number>();
  private net!: Network;
  private readonly A_FANOUT: number;
  private readonly A_SEND: number;

  constructor(private readonly k: Kernel) {
    const L = k.records;
    const rec = (a: number, b: number) => L.channels[this.topics[a].c].logs[0].get(b);
    // a = sns, b = offset of the message in its channel
    this.A_FANOUT = k.action({ run: (a, b) => (this.fanOut(a, b), true), describe: (a, b, _c, at) => `${k.nodes[this.topics[a].node].id} fans ${L.idOf(rec(a, b))} out to its subscriptions ${at}` });
    // a = sns, b = offset, c = subscription
    this.A_SEND = k.action({
      run: (a, b, c) => (this.sendOne(a, b, c), true),
      describe: (a, b, c, at) => `${k.nodes[this.topics[a].node].id} delivers ${L.idOf(rec(a, b))} to ${k.nodes[this.topics[a].subs[c].node].id} ${at}`,
    });
  }

  get intents() {
    return { outage: this.k.get(Network).outageIntent };
  }

  build(): void {
    const k = this.k;
    this.net = k.get(Network);
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'sns') return;
      const c = k.records.addChannel(i, 1);
      const subs = k.targetsOf(n.id).map((node): Subscription => {
        const set = n.config.subscriptions.find((x) => x.queue === k.nodes[node].id);
        return { node, filter: set?.filterPolicy ?? null, raw: set?.raw ?? false };
      });
      const t = this.topics.length;
      this.topics.push({ node: i, c, spec: n, subs, delivered: subs.map(() => 0), filtered: subs.map(() => 0), waiting: subs.map(() => 0), recent: [] });
      this.topicOfNode.set(i, t);
      // [SN1] Each message it takes is fanned out in a step of its own, right after.
      k.records.channels[c].listeners.push((offset) => k.schedule(k.now, this.A_FANOUT, t, offset, 0));
    });
  }

  /** [SN1] [SN3] Copies of a message to every subscription whose filter it matches. */
  private fanOut(t: number, offset: number): void {
    const k = this.k;
    const L = k.records;
    const sns = this.topics[t];
    const rec = L.channels[sns.c].logs[0].get(offset);
    const entry = { rec, to: [] as number[], out: [] as number[] };
    sns.recent.push(entry);
    if (sns.recent.length > RECENT) sns.recent.shift();
    const parts: string[] = [];
    sns.subs.forEach((sub, s) => {
      const qid = k.nodes[sub.node].id;
      const why = sub.filter ? this.mismatch(sub.filter, rec) : null;
      if (why) {
        sns.filtered[s]++;
        entry.out.push(s);
        parts.push(`not to ${qid} (its filter policy wants ${why})`);
        return;
      }
      const latency = this.net.latency(sns.node, sub.node);
      if (latency > 0) {
        sns.waiting[s]++;
        k.schedule(k.now + latency, this.A_SEND, t, offset, s);
        parts.push(`to ${qid} in ${fmtMs(latency)} (network delay)`);
        return;
      }
      parts.push(this.attempt(t, rec, offset, s));
    });
    if (sns.subs.length === 0) parts.push('to nobody: no queue is subscribed, so the message is gone');
    k.record(S_FANOUT, sns.node, rec, entry.to.length, parts.join('; '));
  }

  /** A delivery that waited (a network delay, or a retry): one subscription. */
  private sendOne(t: number, offset: number, s: number): void {
    const sns = this.topics[t];
    const rec = this.k.records.channels[sns.c].logs[0].get(offset);
    sns.waiting[s]--;
    this.k.record(S_FANOUT, sns.node, rec, -1, this.attempt(t, rec, offset, s));
  }

  /** [SN2] Appends the copy for subscription `s`, or schedules a retry when its queue cannot be reached. */
  private attempt(t: number, rec: number, offset: number, s: number): string {
    const k = this.k;
    const L = k.records;
    const sns = this.topics[t];
    const sub = sns.subs[s];
    const qid = k.nodes[sub.node].id;
    const qc = L.channelOfNode.get(sub.node)!;
    const why = this.net.unreachable(sns.node, qc);
    if (why) {
      sns.waiting[s]++;
      k.schedule(k.now + SNS_RETRY_MS, this.A_SEND, t, offset, s);
      return `not yet to ${qid}: ${why}; it tries again in ${fmtMs(SNS_RETRY_MS)}`;
    }
    // [SN4] Raw: the message as it is. Otherwise the body is SNS's envelope, the message a JSON string in it.
    const copy = sub.raw ? L.copyOf(rec, sns.node, qc) : L.createEvent(L.evType(rec), L.evKey(rec), this.envelope(sns, rec), sns.node, qc, -1, L.evSchema(rec), rec);
    L.append(copy);
    sns.delivered[s]++;
    const entry = sns.recent.find((r) => r.rec === rec);
    if (entry) entry.to.push(s);
    return `to ${qid} @${L.evOffset(copy)}${sub.raw ? ' (raw)' : ' (in an SNS envelope: the data is in its Message field, as JSON text)'}`;
  }

  /** The body an SQS queue gets from SNS without raw delivery. */
  private envelope(sns: SnsRt, rec: number): Json {
    const L = this.k.records;
    const attrs: Record<string, Json> = { type: { Type: 'String', Value: L.evType(rec) } };
    if (L.evKey(rec) !== null) attrs.key = { Type: 'String', Value: L.evKey(rec) };
    return {
      Type: 'Notification',
      MessageId: L.idOf(rec),
      TopicArn: `arn:aws:sns:eventfold:${sns.spec.id}`,
      Message: JSON.stringify(L.evData(rec)),
      Timestamp: new Date(EPOCH_MS + this.k.now).toISOString(),
      MessageAttributes: attrs,
    };
  }

  /** [SN3] What a filter policy wants that the message does not have, or null when it matches. */
  private mismatch(policy: FilterPolicy, rec: number): string | null {
    const L = this.k.records;
    for (const [field, accepted] of Object.entries(policy)) {
      const value = L.field(rec, field.split('.'));
      if (!accepted.some((a) => matches(a, value))) return `${field} ${accepted.map(valueWords).join(' or ')}, and it is ${value === undefined ? 'missing' : JSON.stringify(value)}`;
    }
    return null;
  }

  explain(s: StepInfo): string | undefined {
    if (s.kind !== S_FANOUT || !this.topicOfNode.has(s.node)) return undefined;
    const k = this.k;
    const who = k.nodes[s.node].id;
    const what = k.records.evText(s.ev);
    if (s.aux < 0) return `${who} delivered ${what} ${s.note}`;
    return `${who} fanned ${what} out: ${s.note}. Every copy keeps the event's id`;
  }

  view(node: number): SnsView {
    const k = this.k;
    const L = k.records;
    const sns = this.topics[this.topicOfNode.get(node)!];
    return {
      kind: 'sns',
      published: L.channels[sns.c].logEnd[0],
      subscriptions: sns.subs.map((sub, s) => ({
        queue: k.nodes[sub.node].id,
        filter: sub.filter ? JSON.stringify(sub.filter) : null,
        raw: sub.raw,
        delivered: sns.delivered[s],
        filtered: sns.filtered[s],
        waiting: sns.waiting[s],
      })),
      recent: sns.recent.map((r) => ({ id: L.idOf(r.rec), type: L.evType(r.rec), to: r.to.map((s) => k.nodes[sns.subs[s].node].id), filteredOut: r.out.map((s) => k.nodes[sns.subs[s].node].id) })),
    };
  }

  /** Entries a checkpoint copies: per topic its counters, waiting messages and recent fan-outs. */
  stateSize(): number {
    let n = 0;
    for (const t of this.topics) n += t.delivered.length + t.filtered.length + t.waiting.length + t.recent.length;
    return n;
  }

  capture(): SnsState[] {
    return this.topics.map(copyState);
  }

  restore(state: unknown): void {
    (state as SnsState[]).forEach((s, i) => Object.assign(this.topics[i], copyState(s)));
  }
}

/** [SN3] One accepted value of a filter policy against a field's value (a list matches if any item does). */
export function matches(a: FilterValue, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((x) => matches(a, x));
  if (a === null || typeof a !== 'object') return value === a;
  if ('exists' in a) return a.exists ? value !== undefined : value === undefined;
  if (value === undefined) return false;
  if ('prefix' in a) return typeof value === 'string' && value.startsWith(a.prefix);
  if ('anything-but' in a) return !a['anything-but'].includes(value as string | number);
  if (typeof value !== 'number') return false;
  const n = a.numeric;
  for (let i = 0; i + 1 < n.length; i += 2) {
    const x = n[i + 1] as number;
    const ok = n[i] === '=' ? value === x : n[i] === '>' ? value > x : n[i] === '>=' ? value >= x : n[i] === '<' ? value < x : value <= x;
    if (!ok) return false;
  }
  return true;
}

function valueWords(a: FilterValue): string {
  if (a === null || typeof a !== 'object') return JSON.stringify(a);
  if ('exists' in a) return a.exists ? 'present' : 'missing';
  if ('prefix' in a) return `starting with ${JSON.stringify(a.prefix)}`;
  if ('anything-but' in a) return `anything but ${a['anything-but'].map((x) => JSON.stringify(x)).join(', ')}`;
  return a.numeric.join(' ');
}
