// A fake amqplib for the tests of generated projects: enough of a ChannelModel and its
// channels (assertExchange, assertQueue, bindQueue, bindExchange, publish with confirms and
// basic.return, prefetch, consume, ack, nack) to run the generated RabbitMQ code without a
// broker, and routing written from RabbitMQ's documentation, on its own (not with the
// simulation's matcher, so the two are checked against each other): direct, fanout, topic
// (`*` one word, `#` zero or more), headers (x-match all or any, `x-` headers not compared),
// exchange-to-exchange bindings, alternate exchanges, the default exchange, mandatory
// returns, and dead-lettering (nack without requeue, a quorum queue's x-delivery-limit)
// through x-dead-letter-exchange with x-dead-letter-routing-key. Delivery is in order and one
// message at a time: `drain()` hands each ready message to a consumer with room in its
// prefetch and waits until it is acked or nacked.
import { EventEmitter } from 'node:events';
import type { ChannelModel, ConsumeMessage, Options } from 'amqplib';

type Headers = Record<string, unknown>;

export interface FakeMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  properties: Options.Publish & { headers: Headers };
  /** Times it was given back (nack with requeue): a quorum queue's delivery count. */
  returns: number;
}

interface Queue {
  name: string;
  args: Record<string, unknown>;
  ready: FakeMessage[];
}

interface Binding {
  exchange: string;
  to: string;
  toExchange: boolean;
  key: string;
  args: Record<string, unknown>;
}

interface Consumer {
  tag: string;
  queue: string;
  channel: FakeChannel;
  noAck: boolean;
  onMessage: (m: ConsumeMessage | null) => void;
}

export interface FakeRabbit {
  conn: ChannelModel;
  exchanges: Map<string, { type: string; alternateExchange: string | null }>;
  queues: Map<string, Queue>;
  bindings: Binding[];
  /** Every message that ever arrived in each queue (published, requeued ones not again, dead-lettered copies too). */
  arrived: Map<string, FakeMessage[]>;
  /** Mandatory messages no queue took. */
  returned: FakeMessage[];
  /** Messages that reached no queue and were not returned. */
  dropped: FakeMessage[];
  /** Delivers until no consumer can take a ready message. */
  drain(): Promise<void>;
}

/** [AM3] Topic matching as RabbitMQ documents it: words separated by dots; `*` one word, `#` zero or more. */
function topicMatch(pattern: string[], words: string[]): boolean {
  if (pattern.length === 0) return words.length === 0;
  const [p, ...rest] = pattern;
  if (p === '#') return topicMatch(rest, words) || (words.length > 0 && topicMatch(pattern, words.slice(1)));
  return words.length > 0 && (p === '*' || p === words[0]) && topicMatch(rest, words.slice(1));
}
const split = (k: string) => (k === '' ? [] : k.split('.'));

class FakeChannel extends EventEmitter {
  prefetchCount = 0;
  unacked = new Map<number, { m: FakeMessage; queue: string; settle: () => void }>();
  constructor(
    private readonly rabbit: Broker,
    readonly confirm: boolean,
  ) {
    super();
  }
  async assertExchange(name: string, type: string, options: Options.AssertExchange = {}) {
    const existing = this.rabbit.exchanges.get(name);
    const ae = options.alternateExchange ?? null;
    if (existing && (existing.type !== type || existing.alternateExchange !== ae)) throw new Error(`PRECONDITION_FAILED - inequivalent arg for exchange '${name}'`);
    this.rabbit.exchanges.set(name, { type, alternateExchange: ae });
    return { exchange: name };
  }
  async assertQueue(name: string, options: Options.AssertQueue = {}) {
    const args = { ...(options.arguments as Record<string, unknown>) };
    const existing = this.rabbit.queues.get(name);
    if (existing && JSON.stringify(existing.args) !== JSON.stringify(args)) throw new Error(`PRECONDITION_FAILED - inequivalent arg for queue '${name}'`);
    if (args['x-delivery-limit'] !== undefined && args['x-queue-type'] !== 'quorum') throw new Error(`x-delivery-limit on ${name}: only quorum queues count deliveries`);
    if (!existing) {
      this.rabbit.queues.set(name, { name, args, ready: [] });
      this.rabbit.arrived.set(name, []);
    }
    return { queue: name, messageCount: 0, consumerCount: 0 };
  }
  async bindQueue(queue: string, source: string, pattern: string, args?: Record<string, unknown>) {
    if (!this.rabbit.queues.has(queue)) throw new Error(`NOT_FOUND - no queue '${queue}'`);
    this.bind(source, queue, false, pattern, args);
    return {};
  }
  async bindExchange(destination: string, source: string, pattern: string, args?: Record<string, unknown>) {
    if (!this.rabbit.exchanges.has(destination)) throw new Error(`NOT_FOUND - no exchange '${destination}'`);
    this.bind(source, destination, true, pattern, args);
    return {};
  }
  private bind(exchange: string, to: string, toExchange: boolean, key: string, args: Record<string, unknown> = {}) {
    if (!this.rabbit.exchanges.has(exchange)) throw new Error(`NOT_FOUND - no exchange '${exchange}'`);
    this.rabbit.bindings.push({ exchange, to, toExchange, key, args });
  }
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}, callback?: (err: unknown, ok: object) => void): boolean {
    const m: FakeMessage = { exchange, routingKey, content, properties: { ...options, headers: { ...(options.headers as Headers) } }, returns: 0 };
    if (exchange !== '' && !this.rabbit.exchanges.has(exchange)) throw new Error(`NOT_FOUND - no exchange '${exchange}'`);
    const took = this.rabbit.route(m, exchange, routingKey);
    if (!took && options.mandatory) {
      this.rabbit.returned.push(m);
      this.emit('return', { content, fields: { exchange, routingKey, deliveryTag: 0, redelivered: false }, properties: m.properties });
    } else if (!took) this.rabbit.dropped.push(m);
    if (callback) queueMicrotask(() => callback(null, {}));
    return true;
  }
  async waitForConfirms() {}
  async prefetch(count: number) {
    this.prefetchCount = count;
    return {};
  }
  async consume(queue: string, onMessage: (m: ConsumeMessage | null) => void, options: Options.Consume = {}) {
    if (!this.rabbit.queues.has(queue)) throw new Error(`NOT_FOUND - no queue '${queue}'`);
    const tag = `ctag-${this.rabbit.consumers.length + 1}`;
    this.rabbit.consumers.push({ tag, queue, channel: this, noAck: options.noAck ?? false, onMessage });
    return { consumerTag: tag };
  }
  async cancel(tag: string) {
    this.rabbit.consumers = this.rabbit.consumers.filter((c) => c.tag !== tag);
    return {};
  }
  ack(message: { fields: { deliveryTag: number } }) {
    const u = this.unacked.get(message.fields.deliveryTag);
    if (!u) throw new Error(`PRECONDITION_FAILED - unknown delivery tag ${message.fields.deliveryTag}`);
    this.unacked.delete(message.fields.deliveryTag);
    u.settle();
  }
  nack(message: { fields: { deliveryTag: number } }, _allUpTo = false, requeue = true) {
    const u = this.unacked.get(message.fields.deliveryTag);
    if (!u) throw new Error(`PRECONDITION_FAILED - unknown delivery tag ${message.fields.deliveryTag}`);
    this.unacked.delete(message.fields.deliveryTag);
    const q = this.rabbit.queues.get(u.queue)!;
    if (requeue) {
      u.m.returns++;
      const limit = q.args['x-delivery-limit'];
      // A quorum queue dead-letters a message returned more times than its delivery limit.
      if (typeof limit === 'number' && u.m.returns > limit) this.rabbit.deadLetter(q, u.m, 'delivery_limit');
      else q.ready.unshift(u.m);
    } else this.rabbit.deadLetter(q, u.m, 'rejected');
    u.settle();
  }
  async close() {
    for (const c of this.rabbit.consumers.filter((x) => x.channel === this)) await this.cancel(c.tag);
  }
}

class Broker {
  exchanges = new Map<string, { type: string; alternateExchange: string | null }>();
  queues = new Map<string, Queue>();
  bindings: Binding[] = [];
  arrived = new Map<string, FakeMessage[]>();
  returned: FakeMessage[] = [];
  dropped: FakeMessage[] = [];
  consumers: Consumer[] = [];
  private tag = 0;

  private matches(type: string, b: Binding, m: FakeMessage, routingKey: string): boolean {
    switch (type) {
      case 'fanout':
        return true;
      case 'direct':
        return b.key === routingKey;
      case 'topic':
        return topicMatch(split(b.key), split(routingKey));
      case 'headers': {
        const all = (b.args['x-match'] ?? 'all') === 'all';
        const want = Object.entries(b.args).filter(([k]) => !k.startsWith('x-'));
        const hit = ([k, v]: [string, unknown]) => Object.prototype.hasOwnProperty.call(m.properties.headers, k) && m.properties.headers[k] === v;
        return all ? want.every(hit) : want.some(hit);
      }
      default:
        throw new Error(`exchange type ${type}`);
    }
  }

  /** Routes a message through an exchange; true when at least one queue took it. */
  route(m: FakeMessage, exchange: string, routingKey: string): boolean {
    const to = new Set<string>();
    const seen = new Set<string>();
    const visit = (x: string) => {
      if (seen.has(x)) return;
      seen.add(x);
      if (x === '') {
        if (this.queues.has(routingKey)) to.add(routingKey);
        return;
      }
      const ex = this.exchanges.get(x)!;
      const hit = this.bindings.filter((b) => b.exchange === x && this.matches(ex.type, b, m, routingKey));
      for (const b of hit) (b.toExchange ? visit(b.to) : to.add(b.to));
      if (hit.length === 0 && ex.alternateExchange !== null && this.exchanges.has(ex.alternateExchange)) visit(ex.alternateExchange);
    };
    visit(exchange);
    for (const q of to) {
      const copy = { ...m, returns: 0 };
      this.queues.get(q)!.ready.push(copy);
      this.arrived.get(q)!.push(copy);
    }
    return to.size > 0;
  }

  deadLetter(q: Queue, m: FakeMessage, reason: string): void {
    const dlx = q.args['x-dead-letter-exchange'];
    if (typeof dlx !== 'string') return;
    const rk = typeof q.args['x-dead-letter-routing-key'] === 'string' ? (q.args['x-dead-letter-routing-key'] as string) : m.routingKey;
    const { expiration: _gone, ...properties } = m.properties;
    const headers = { ...m.properties.headers, 'x-first-death-queue': q.name, 'x-first-death-reason': reason };
    this.route({ exchange: dlx, routingKey: rk, content: m.content, properties: { ...properties, headers }, returns: 0 }, dlx, rk);
  }

  async drain(): Promise<void> {
    for (let progress = true; progress; ) {
      progress = false;
      for (const c of [...this.consumers]) {
        const q = this.queues.get(c.queue)!;
        if (q.ready.length === 0) continue;
        if (!c.noAck && c.channel.prefetchCount > 0 && c.channel.unacked.size >= c.channel.prefetchCount) continue;
        const m = q.ready.shift()!;
        const deliveryTag = ++this.tag;
        if (deliveryTag > 10_000) throw new Error(`10,000 deliveries and ${c.queue} still has messages: a message requeued forever?`);
        progress = true;
        const msg = { content: m.content, fields: { deliveryTag, redelivered: m.returns > 0, exchange: m.exchange, routingKey: m.routingKey, consumerTag: c.tag }, properties: m.properties } as unknown as ConsumeMessage;
        if (c.noAck) {
          c.onMessage(msg);
          for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
          continue;
        }
        await new Promise<void>((settle) => {
          c.channel.unacked.set(deliveryTag, { m, queue: c.queue, settle });
          c.onMessage(msg);
        });
      }
    }
  }
}

export function fakeAmqp(): FakeRabbit {
  const broker = new Broker();
  const conn = {
    createChannel: async () => new FakeChannel(broker, false),
    createConfirmChannel: async () => new FakeChannel(broker, true),
    close: async () => {},
  } as unknown as ChannelModel;
  return {
    conn,
    get exchanges() {
      return broker.exchanges;
    },
    get queues() {
      return broker.queues;
    },
    get bindings() {
      return broker.bindings;
    },
    get arrived() {
      return broker.arrived;
    },
    get returned() {
      return broker.returned;
    },
    get dropped() {
      return broker.dropped;
    },
    drain: () => broker.drain(),
  };
}
