// The `exchange` node kind ([AM1]–[AM8]): an AMQP 0-9-1 exchange, RabbitMQ's model. It keeps
// nothing: each message published to it is routed, in one `route` step, to the queues whose
// binding (the exchange → queue connection's binding key, or headers) matches the message's
// routing key (or headers), as copies with the same CloudEvents id. A message no binding
// matches goes to the alternate exchange, back to its producer (mandatory), or is dropped.
// Also here: the AMQP properties of each record (routing key, headers, expiration,
// mandatory), which producers stamp from their templates and queues read for TTL and
// dead-lettering through an exchange.
import type { Kernel } from '../kernel.ts';
import type { Module, StepInfo } from '../kind.ts';
import type { ExchangeSpec, Template } from '../scenario.ts';
import type { Prng } from '../prng.ts';
import type { Json } from '../json.ts';
import { compileFiller } from '../templates.ts';
import { Network } from '../network.ts';
import { DeadLetters } from '../deadletters.ts';
import { headersMatch, topicMatches, type HeaderValue } from './exchange-match.ts';
import { S_RETURN, S_ROUTE } from '../steps.ts';

/** An AMQP exchange ([AM1]–[AM6]): what it routed where. */
export interface ExchangeView {
  kind: 'exchange';
  type: 'direct' | 'fanout' | 'topic' | 'headers';
  /** Messages routed by it (published to it, or passed on to it). */
  arrived: number;
  /** …that matched at least one binding. */
  routed: number;
  /** …that matched none and were dropped, returned to their producer (mandatory), or passed to the alternate exchange. */
  dropped: number;
  returned: number;
  toAlternate: number;
  alternate: string | null;
  bindings: { to: string; key: string | null; headers: Record<string, string | number | boolean> | null; xMatch: 'all' | 'any' | null; matched: number }[];
  /** The latest messages it routed, newest last: their routing key and where copies went. */
  recent: { id: string; type: string; routingKey: string; to: string[] }[];
}
declare module '../views.ts' {
  interface NodeViews {
    exchange: ExchangeView;
  }
}

type Headers = Readonly<Record<string, HeaderValue>>;

/** A record's AMQP message properties ([AM2]). */
interface Props {
  /** Routing key; undefined: the event type. */
  rk: string | undefined;
  headers: Headers | undefined;
  /** Per-message TTL in ms (the `expiration` property). */
  exp: number | undefined;
  mandatory: boolean;
  /** Delivery mode 2 ([DU2]). */
  persistent: boolean;
}

interface BindingRt {
  /** Node index of the queue or exchange it leads to. */
  to: number;
  /** Exchange index when it leads to an exchange, else -1. */
  toExchange: number;
  /** Channel of the queue it leads to (-1 for an exchange). */
  toChannel: number;
  key: string;
  headers: Headers | null;
  xMatch: 'all' | 'any';
}

interface ExchangeRt {
  node: number;
  c: number;
  spec: ExchangeSpec;
  bindings: BindingRt[];
  /** Exchange index of the alternate exchange, or -1. */
  ae: number;
}

interface ExchangeState {
  arrived: number[];
  routed: number[];
  dropped: number[];
  returned: number[];
  toAlternate: number[];
  matched: number[][];
  /** Latest routings per exchange: [record, queue nodes…]. */
  recent: number[][][];
}

const RECENT = 8;
const BINDINGS_IN_TEXT = 8;

const copyState = (s: ExchangeState): ExchangeState => ({
  arrived: [...s.arrived],
  routed: [...s.routed],
  dropped: [...s.dropped],
  returned: [...s.returned],
  toAlternate: [...s.toAlternate],
  matched: s.matched.map((m) => [...m]),
  recent: s.recent.map((r) => r.map((x) => [...x])),
});

/** A compiled template's stamper: sets the record's AMQP properties, drawing fillers after key and data ([P4]). */
export type Stamper = (rec: number, n: number, prng: Prng) => void;

export class ExchangeKind implements Module {
  readonly kinds = ['exchange'] as const;
  private readonly exchanges: ExchangeRt[] = [];
  private readonly exchangeOfNode = new Map<number, number>();
  /** AMQP properties by record: a recording (the same record gets the same ones on a re-run), cut on a fork. */
  private props = new Map<number, Props>();
  private st: ExchangeState = { arrived: [], routed: [], dropped: [], returned: [], toAlternate: [], matched: [], recent: [] };
  private dead!: DeadLetters;
  private readonly A_ROUTE: number;
  private readonly A_RETURN: number;

  constructor(private readonly k: Kernel) {
    const L = k.records;
    // a = exchange, b = record
    this.A_ROUTE = k.action({
      run: (a, b) => (this.route(a, b), true),
      describe: (a, b, _c, at) => `${k.nodes[this.exchanges[a].node].id} routes ${L.evType(b)} ${L.idOf(b)} by routing key ${this.routingKey(b)} ${at}`,
    });
    // a = record, b = exchange
    this.A_RETURN = k.action({
      run: (a, b) => (k.record(S_RETURN, L.evSource(a), a, b), true),
      describe: (a, _b, _c, at) => `${L.idOf(a)} is returned to ${k.nodes[L.evSource(a)].id} (basic.return) ${at}`,
    });
  }

  get intents() {
    return { outage: this.k.get(Network).outageIntent };
  }

  build(): void {
    const k = this.k;
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'exchange') return;
      const c = k.records.addChannel(i, 1);
      const x = this.exchanges.length;
      this.exchangeOfNode.set(i, x);
      this.exchanges.push({ node: i, c, spec: n, bindings: [], ae: -1 });
      k.records.channels[c].listeners.push((offset) => k.schedule(k.now, this.A_ROUTE, x, k.records.channels[c].logs[0].get(offset), 0));
    });
  }

  link(): void {
    const k = this.k;
    this.dead = k.get(DeadLetters);
    for (const x of this.exchanges) {
      const ae = x.spec.config.alternateExchange;
      if (ae !== null) x.ae = this.exchangeOfNode.get(k.nodeIndex.get(ae)!)!;
      for (const e of k.scenario.edges) {
        if (e.source !== x.spec.id || e.target === ae) continue;
        const to = k.nodeIndex.get(e.target)!;
        const toExchange = this.exchangeOfNode.get(to) ?? -1;
        x.bindings.push({ to, toExchange, toChannel: toExchange >= 0 ? -1 : (k.records.channelOfNode.get(to) ?? -1), key: e.bindingKey ?? '', headers: e.headers ?? null, xMatch: e.xMatch ?? 'all' });
      }
    }
    const n = this.exchanges.length;
    this.st = {
      arrived: new Array<number>(n).fill(0),
      routed: new Array<number>(n).fill(0),
      dropped: new Array<number>(n).fill(0),
      returned: new Array<number>(n).fill(0),
      toAlternate: new Array<number>(n).fill(0),
      matched: this.exchanges.map((x) => new Array<number>(x.bindings.length).fill(0)),
      recent: this.exchanges.map(() => []),
    };
  }

  // -------------------------------------------------------------------------- properties

  /**
   * A template's AMQP properties, compiled once: null when it has none (producing then draws
   * nothing more from the PRNG, so scenarios without AMQP fields run exactly as before).
   */
  stamper(t: Template): Stamper | null {
    if (t.routingKey === undefined && t.headers === undefined && t.expirationMs === undefined && !t.mandatory && !t.persistent) return null;
    const rk = t.routingKey === undefined ? null : compileFiller(t.routingKey);
    const hd = t.headers === undefined ? null : compileFiller(t.headers as Json);
    return (rec, n, prng) => {
      const key = rk ? String(rk(n, prng)) : t.routingKey;
      const headers = hd ? (hd(n, prng) as Headers) : t.headers;
      this.props.set(rec, { rk: key, headers, exp: t.expirationMs, mandatory: t.mandatory ?? false, persistent: t.persistent ?? false });
    };
  }

  /** [AM2] The routing key a record is routed by: its own, else its event type. */
  routingKey(rec: number): string {
    return this.props.get(rec)?.rk ?? this.k.records.evType(rec);
  }

  /** [DU2] Was the record published persistent (delivery mode 2)? */
  persistentOf(rec: number): boolean {
    return this.props.get(rec)?.persistent ?? false;
  }

  /** [AM7] A record's per-message TTL, if it has one. */
  expirationOf(rec: number): number | undefined {
    return this.props.size === 0 ? undefined : this.props.get(rec)?.exp;
  }

  /** A copy carries its original's properties (a dead-lettered one loses its expiration, with a new routing key if given). */
  private carry(from: number, to: number, deadLettered: false | { rk: string | null }): void {
    const p = this.props.get(from);
    if (!deadLettered) {
      if (p) this.props.set(to, p);
      return;
    }
    this.props.set(to, { rk: deadLettered.rk ?? this.routingKey(from), headers: p?.headers, exp: undefined, mandatory: false, persistent: p?.persistent ?? false });
  }

  /**
   * [AM8] A queue dead-letters `rec` through exchange `dlx` (node id): a copy (same id) is
   * published there with `rk` (or its own routing key) and no expiration; the exchange routes it
   * in its next step. Returns the copy.
   */
  deadLetter(rec: number, fromNode: number, dlx: string, rk: string | null, error: string, attempts: number): number {
    const copy = this.dead.deadLetter(rec, fromNode, dlx, error, attempts);
    this.carry(rec, copy, { rk });
    return copy;
  }

  // -------------------------------------------------------------------------- routing

  /** Does binding `b` of a `type` exchange match record `rec`? ([AM1], [AM3], [AM4]) */
  private matches(type: ExchangeSpec['config']['type'], b: BindingRt, rec: number): boolean {
    switch (type) {
      case 'fanout':
        return true;
      case 'direct':
        return b.key === this.routingKey(rec);
      case 'topic':
        return topicMatches(b.key, this.routingKey(rec));
      case 'headers':
        return headersMatch(b.headers ?? {}, b.xMatch, this.props.get(rec)?.headers ?? {});
    }
  }

  private bindingText(type: ExchangeSpec['config']['type'], b: BindingRt): string {
    const to = this.k.nodes[b.to].id;
    if (type === 'fanout') return `→ ${to}`;
    if (type === 'headers') return `${headersText(b.headers ?? {})} (x-match ${b.xMatch}) → ${to}`;
    return `${b.key === '' ? '(empty key)' : b.key} → ${to}`;
  }

  /** [AM1]–[AM6] One `route` step: where record `rec`, arrived at exchange `x`, goes. */
  private route(x: number, rec: number): void {
    const k = this.k;
    const L = k.records;
    const st = this.st;
    const entry = this.exchanges[x];
    const rk = this.routingKey(rec);
    const queues: number[] = [];
    const parts: string[] = [];
    const seen = new Set<number>();
    const visit = (xi: number, how: string) => {
      if (seen.has(xi)) return;
      seen.add(xi);
      const ex = this.exchanges[xi];
      const type = ex.spec.config.type;
      st.arrived[xi]++;
      const hit: BindingRt[] = [];
      const said: string[] = [];
      ex.bindings.forEach((b, bi) => {
        const ok = this.matches(type, b, rec);
        if (ok) {
          st.matched[xi][bi]++;
          hit.push(b);
        }
        if (said.length < BINDINGS_IN_TEXT) said.push(`${this.bindingText(type, b)} ${ok ? 'matched' : 'did not match'}`);
      });
      if (ex.bindings.length > BINDINGS_IN_TEXT) said.push(`${ex.bindings.length - BINDINGS_IN_TEXT} more`);
      const name = `${ex.spec.id} (${type}${how})`;
      if (ex.bindings.length === 0) parts.push(`${name} has no bindings`);
      else if (type === 'fanout') parts.push(`${name}: a fanout exchange copies every message to every binding (${ex.bindings.map((b) => k.nodes[b.to].id).join(', ')})`);
      else parts.push(`${name}: binding ${said.join('; ')}`);
      if (hit.length > 0) {
        st.routed[xi]++;
        for (const b of hit) {
          if (b.toExchange >= 0) visit(b.toExchange, `, bound to ${ex.spec.id}`);
          else if (!queues.includes(b.to)) queues.push(b.to);
        }
      } else if (ex.ae >= 0) {
        st.toAlternate[xi]++;
        parts.push(`nothing matched, so it goes on to ${ex.spec.id}'s alternate exchange`);
        visit(ex.ae, `, alternate exchange of ${ex.spec.id}`);
      }
    };
    visit(x, '');
    const what = `${L.evType(rec)} ${L.idOf(rec)} with routing key ${rk === '' ? '(empty)' : rk}`;
    const recent = st.recent[x];
    recent.push([rec, ...queues]);
    if (recent.length > RECENT) recent.shift();
    if (queues.length === 0) {
      const mandatory = this.props.get(rec)?.mandatory ?? false;
      if (mandatory) {
        st.returned[x]++;
        k.schedule(k.now, this.A_RETURN, rec, x, 0);
      } else st.dropped[x]++;
      const fate = mandatory
        ? `No queue got it; it was published mandatory, so it goes back to ${k.nodes[L.evSource(rec)].id} (basic.return)`
        : `No queue got it, so it is dropped (unroutable): an exchange stores nothing. Bind a queue with a matching key, give the exchange an alternate exchange, or publish with mandatory to hear about it`;
      k.record(S_ROUTE, entry.node, rec, 0, `${entry.spec.id} routed ${what}. ${parts.join('. ')}. ${fate}`);
      return;
    }
    const to: string[] = [];
    for (const q of queues) {
      const c = L.channelOfNode.get(q)!;
      const copy = L.copyOf(rec, entry.node, c);
      this.carry(rec, copy, false);
      this.dead.carry(rec, copy);
      L.append(copy);
      to.push(`${k.nodes[q].id} @${L.evOffset(copy)}`);
    }
    k.record(S_ROUTE, entry.node, rec, queues.length, `${entry.spec.id} routed ${what}. ${parts.join('. ')}. Copies (same id) went to ${to.join(', ')}`);
  }

  // -------------------------------------------------------------------------- reading

  explain(s: StepInfo): string | undefined {
    const k = this.k;
    if (s.kind === S_ROUTE && this.exchangeOfNode.has(s.node)) return s.note;
    if (s.kind === S_RETURN && s.aux >= 0 && s.aux < this.exchanges.length) {
      const x = this.exchanges[s.aux];
      return `${k.nodes[s.node].id} got ${k.records.evText(s.ev)} back from ${x.spec.id} (basic.return, reply 312 NO_ROUTE): no queue is bound with a key matching ${this.routingKey(s.ev)}, and it was published mandatory, so the broker returned it instead of dropping it`;
    }
    return undefined;
  }

  view(node: number): ExchangeView {
    const k = this.k;
    const L = k.records;
    const xi = this.exchangeOfNode.get(node)!;
    const x = this.exchanges[xi];
    const st = this.st;
    return {
      kind: 'exchange',
      type: x.spec.config.type,
      arrived: st.arrived[xi],
      routed: st.routed[xi],
      dropped: st.dropped[xi],
      returned: st.returned[xi],
      toAlternate: st.toAlternate[xi],
      alternate: x.spec.config.alternateExchange,
      bindings: x.bindings.map((b, bi) => ({
        to: k.nodes[b.to].id,
        key: x.spec.config.type === 'direct' || x.spec.config.type === 'topic' ? b.key : null,
        headers: x.spec.config.type === 'headers' ? { ...(b.headers ?? {}) } : null,
        xMatch: x.spec.config.type === 'headers' ? b.xMatch : null,
        matched: st.matched[xi][bi],
      })),
      recent: st.recent[xi].map(([rec, ...qs]) => ({ id: L.idOf(rec), type: L.evType(rec), routingKey: this.routingKey(rec), to: qs.map((q) => k.nodes[q].id) })),
    };
  }

  stateSize(): number {
    return 5 * this.exchanges.length + this.st.matched.reduce((n, m) => n + m.length, 0) + this.st.recent.reduce((n, r) => n + r.length, 0);
  }

  capture(): ExchangeState {
    return copyState(this.st);
  }

  restore(state: unknown): void {
    this.st = copyState(state as ExchangeState);
  }

  fork(): void {
    const n = this.k.records.eventCount;
    for (const rec of [...this.props.keys()]) if (rec >= n) this.props.delete(rec);
  }
}

function headersText(h: Headers): string {
  const keys = Object.keys(h);
  return keys.length === 0 ? '{}' : `{${keys.map((key) => `${key}: ${String(h[key])}`).join(', ')}}`;
}
