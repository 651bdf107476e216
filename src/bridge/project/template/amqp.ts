// The RabbitMQ side of a generated project, with amqplib (AMQP 0-9-1): the scenario's
// exchanges, queues and bindings declared on the broker, publishers that send with the
// scenario's routing keys (mandatory ones hear back through a 'return' handler), and queue
// consumers with prefetch and manual acknowledgement: an ack once handled, a nack when the
// handler fails (with requeue, or without, which dead-letters through the queue's
// x-dead-letter-exchange). Events travel as CloudEvents: the data is the body, the attributes
// are `cloudEvents:` headers (the prefix of the CloudEvents AMQP binding). Copied verbatim
// into each project that has exchanges.
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { fill, handleOnce, newEvent, newStats, Store, type CloudEvent, type ConsumerStats, type Handler, type ProducerSpec, type Send } from './runtime.js';

/** The connection: RABBITMQ_URL, else the docker compose broker (guest/guest on localhost). */
export function connectAmqp(url = process.env.RABBITMQ_URL ?? 'amqp://localhost:5672'): Promise<ChannelModel> {
  return amqp.connect(url);
}

// ---------------------------------------------------------------------------- topology

type HeaderValue = string | number | boolean;

/** An exchange ([AM1]), with where messages no binding matches go ([AM6]). */
export interface ExchangeSpec {
  name: string;
  type: 'direct' | 'fanout' | 'topic' | 'headers';
  alternateExchange: string | null;
}

/** A queue, with its TTL ([AM7]), dead-lettering ([AM8]) and delivery limit ([Q5]). */
export interface QueueSpec {
  name: string;
  /** x-message-ttl: a message still ready this long expires. */
  messageTtlMs: number | null;
  /** x-dead-letter-exchange: where rejected, expired and over-delivered messages go ('' is the default exchange: straight to the queue named by the routing key). */
  deadLetterExchange: string | null;
  /** x-dead-letter-routing-key: the routing key they go with; null: their own. */
  deadLetterRoutingKey: string | null;
  /**
   * x-delivery-limit: after this many returns (nacks with requeue, lost consumers) a message
   * is dead-lettered. Only quorum queues count deliveries, so a queue with one is declared
   * `x-queue-type: quorum`. null: no limit (a classic queue).
   */
  deliveryLimit: number | null;
}

/** A binding from an exchange to a queue (or to another exchange): its binding key, or headers and x-match ([AM3], [AM4]). */
export interface BindingSpec {
  exchange: string;
  to: string;
  toExchange: boolean;
  bindingKey: string;
  headers: Record<string, HeaderValue> | null;
  xMatch: 'all' | 'any';
}

export interface Topology {
  exchanges: readonly ExchangeSpec[];
  queues: readonly QueueSpec[];
  bindings: readonly BindingSpec[];
}

/** A queue's arguments as RabbitMQ reads them. */
export function queueArguments(q: QueueSpec): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (q.deliveryLimit !== null) {
    args['x-queue-type'] = 'quorum';
    args['x-delivery-limit'] = q.deliveryLimit;
  }
  if (q.messageTtlMs !== null) args['x-message-ttl'] = q.messageTtlMs;
  if (q.deadLetterExchange !== null) args['x-dead-letter-exchange'] = q.deadLetterExchange;
  if (q.deadLetterRoutingKey !== null) args['x-dead-letter-routing-key'] = q.deadLetterRoutingKey;
  return args;
}

/** A binding's arguments: a headers binding's headers with its x-match, else none. */
export function bindingArguments(b: BindingSpec): Record<string, unknown> | undefined {
  return b.headers === null ? undefined : { 'x-match': b.xMatch, ...b.headers };
}

/**
 * Declares the exchanges, queues and bindings (those that exist already must have the same
 * settings: RabbitMQ refuses to redeclare a queue with other arguments, PRECONDITION_FAILED;
 * delete it in the management UI, http://localhost:15672, guest/guest, to change them).
 */
export async function setupTopology(ch: Channel, t: Topology): Promise<void> {
  for (const x of t.exchanges) await ch.assertExchange(x.name, x.type, { durable: true, ...(x.alternateExchange !== null ? { alternateExchange: x.alternateExchange } : {}) });
  for (const q of t.queues) await ch.assertQueue(q.name, { durable: true, arguments: queueArguments(q) });
  for (const b of t.bindings) {
    if (b.toExchange) await ch.bindExchange(b.to, b.exchange, b.bindingKey, bindingArguments(b));
    else await ch.bindQueue(b.to, b.exchange, b.bindingKey, bindingArguments(b));
  }
}

// ---------------------------------------------------------------------------- CloudEvents ⇄ messages

const CE = 'cloudEvents:';

/** The body and properties of an event's message: data as the body, attributes as headers, plus the template's own headers. */
export function toMessage(e: CloudEvent, extra: { headers?: Record<string, HeaderValue>; expirationMs?: number; mandatory?: boolean } = {}): { content: Buffer; options: Options.Publish } {
  const headers: Record<string, HeaderValue> = { ...extra.headers, [`${CE}specversion`]: '1.0', [`${CE}id`]: e.id, [`${CE}source`]: e.source, [`${CE}type`]: e.type, [`${CE}time`]: e.time, [`${CE}correlationid`]: e.correlationid, [`${CE}schemaversion`]: e.schemaversion };
  if (e.subject) headers[`${CE}subject`] = e.subject;
  if (e.partitionkey !== undefined) headers[`${CE}partitionkey`] = e.partitionkey;
  if (e.causationid !== undefined) headers[`${CE}causationid`] = e.causationid;
  const options: Options.Publish = { persistent: true, contentType: 'application/json', messageId: e.id, type: e.type, correlationId: e.correlationid, headers };
  if (extra.expirationMs !== undefined) options.expiration = String(extra.expirationMs);
  if (extra.mandatory) options.mandatory = true;
  return { content: Buffer.from(JSON.stringify(e.data ?? null)), options };
}

/** The event a message carries; a message without CloudEvents headers gets them made up. */
export function fromMessage(queue: string, m: Message): CloudEvent {
  const h = (m.properties.headers ?? {}) as Record<string, unknown>;
  const text = (name: string): string | undefined => (h[CE + name] === undefined || h[CE + name] === null ? undefined : String(h[CE + name]));
  let data: unknown = null;
  try {
    data = JSON.parse(m.content.toString());
  } catch {
    data = m.content.toString();
  }
  const id = text('id') ?? (m.properties.messageId ? String(m.properties.messageId) : `${queue}-${m.fields.deliveryTag}`);
  const event: CloudEvent = {
    specversion: '1.0',
    id,
    source: text('source') ?? `amqp://${m.fields.exchange || '(default)'}/${m.fields.routingKey}`,
    type: text('type') ?? (m.properties.type ? String(m.properties.type) : 'unknown'),
    time: text('time') ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
    correlationid: text('correlationid') ?? id,
    schemaversion: Number(text('schemaversion') ?? 1),
  };
  const subject = text('subject');
  const key = text('partitionkey');
  const cause = text('causationid');
  if (subject !== undefined) event.subject = subject;
  if (key !== undefined) event.partitionkey = key;
  if (cause !== undefined) event.causationid = cause;
  return event;
}

// ---------------------------------------------------------------------------- publishing

/** A channel in confirm mode: a publish resolves once the broker has taken the message. */
export interface Publisher {
  channel: ConfirmChannel;
  /** Messages published mandatory that no queue took, sent back by the broker (basic.return). */
  returned: { id: string; type: string; exchange: string; routingKey: string }[];
}

export async function openPublisher(conn: ChannelModel, log: (line: string) => void = console.log): Promise<Publisher> {
  const channel = await conn.createConfirmChannel();
  const returned: Publisher['returned'] = [];
  // [AM5] A mandatory message no binding matched comes back here (before its confirm).
  channel.on('return', (m: Message) => {
    const e = fromMessage('', m);
    returned.push({ id: e.id, type: e.type, exchange: m.fields.exchange, routingKey: m.fields.routingKey });
    log(`${e.type} ${e.id} was returned by exchange ${m.fields.exchange} (basic.return: no queue is bound for routing key ${m.fields.routingKey || '(empty)'})`);
  });
  return { channel, returned };
}

/** Publishes an event to an exchange with a routing key, and waits for the broker's confirm. */
export function publish(pub: Publisher, exchange: string, routingKey: string, e: CloudEvent, extra: Parameters<typeof toMessage>[1] = {}): Promise<void> {
  const { content, options } = toMessage(e, extra);
  return new Promise((resolve, reject) => {
    pub.channel.publish(exchange, routingKey, content, options, (err) => (err ? reject(err instanceof Error ? err : new Error(`the broker refused ${e.id}: ${String(err)}`)) : resolve()));
  });
}

/**
 * Fires one template of a producer whose template goes to RabbitMQ: a new event published to
 * its exchange (or through the default exchange to its queue) with its routing key (the
 * event type when it has none, [AM2]), headers, expiration and mandatory flag.
 */
export async function fireAmqp(pub: Publisher, spec: ProducerSpec, template: number): Promise<CloudEvent & { routingKey: string }> {
  const { event, template: t, n } = newEvent(spec, template);
  if (!t.amqp) throw new Error(`${spec.id}'s template ${template} goes to the Kafka topic ${t.topic}, not to RabbitMQ`);
  const routingKey = t.amqp.routingKey === null ? event.type : String(fill(t.amqp.routingKey, n));
  const headers = t.amqp.headers === undefined ? undefined : (fill(t.amqp.headers, n) as Record<string, HeaderValue>);
  await publish(pub, t.amqp.exchange, routingKey, event, { headers, expirationMs: t.amqp.expirationMs, mandatory: t.amqp.mandatory });
  return { ...event, routingKey };
}

// ---------------------------------------------------------------------------- consumers

/** A consumer (or projection) reading a queue: how many messages it takes at once, how it acks, what a nack does. */
export interface QueueConsumerSpec {
  id: string;
  queue: string;
  /** Unacknowledged messages it holds at most ([Q3]): channel.prefetch. */
  prefetch: number;
  /** Commit `before` in the scenario: the broker forgets each message as it is delivered (at-most-once). */
  autoAck: boolean;
  /** A failed message goes back to the queue (true), or is rejected without requeue: dead-lettered, or dropped without a dead-letter exchange. */
  requeue: boolean;
  idempotency: 'none' | 'processed-ids' | 'processed-ids-separate' | 'version' | 'natural';
}

export interface RunningQueueConsumer {
  channel: Channel;
  store: Store;
  stats: ConsumerStats & { nacked: number };
  stop(): Promise<void>;
}

/**
 * Starts a queue consumer: at most `prefetch` unacknowledged messages, handled one at a time
 * in the order they came; an ack after a handling that worked (or matched no rule), a nack
 * after a handler error ([Q4], [AM8]). There are no retries with backoff here, as in the
 * simulation: the queue decides what a nack means (requeue, delivery limit, dead-lettering).
 */
export async function runQueueConsumer(conn: ChannelModel, spec: QueueConsumerSpec, handle: Handler, send: Send, log: (line: string) => void = console.log): Promise<RunningQueueConsumer> {
  const channel = await conn.createChannel();
  await channel.prefetch(spec.prefetch);
  const store = new Store();
  const stats = { ...newStats(), nacked: 0 };
  let queue: Promise<void> = Promise.resolve();
  const one = async (m: Message) => {
    const event = fromMessage(spec.queue, m);
    const outcome = await handleOnce(spec, handle, event, store, stats, send, log);
    if (spec.autoAck) {
      if (typeof outcome !== 'string') log(`${spec.id}: ${event.type} ${event.id} failed and was auto-acked, so it is lost: ${outcome.message}`);
      return;
    }
    if (typeof outcome === 'string') {
      channel.ack(m);
      return;
    }
    stats.nacked++;
    channel.nack(m, false, spec.requeue);
    log(`${spec.id}: ${event.type} ${event.id} failed: ${outcome.message}. Nacked ${spec.requeue ? `with requeue: back in ${spec.queue}` : `without requeue: dead-lettered if ${spec.queue} has a dead-letter exchange, else dropped`}`);
  };
  const { consumerTag } = await channel.consume(
    spec.queue,
    (m) => {
      if (m === null) {
        log(`${spec.id}: ${spec.queue} was deleted or the broker cancelled the consumer`);
        return;
      }
      // One at a time, in order, as the simulation handles a prefetched batch.
      queue = queue.then(() => one(m)).catch((err) => log(`${spec.id}: ${String(err)}`));
    },
    { noAck: spec.autoAck },
  );
  return {
    channel,
    store,
    stats,
    async stop() {
      await channel.cancel(consumerTag);
      await queue;
      await channel.close();
    },
  };
}
