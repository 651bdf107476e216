// The broker side of a generated project, with KafkaJS: events as Kafka records in the
// CloudEvents Kafka binding (binary content mode: the data is the value, the attributes are
// `ce_` headers, the partition key is the record key), topics created with their partition
// counts, producers, and consumers that run the generated handlers with the scenario's
// commit mode, idempotency, retries and dead-letter topic. Copied verbatim into each project.
import kafkajs from 'kafkajs';
import type { Admin, Consumer, IHeaders, Kafka as KafkaClient, KafkaMessage, Producer } from 'kafkajs';
import { fill, Handling, HandlerError, Store, type CloudEvent, type Emit, type Handler } from './runtime.js';

const { Kafka, Partitioners, logLevel } = kafkajs;

/** The client: brokers from KAFKA_BROKERS (comma-separated), else the docker compose broker. */
export function connect(clientId: string, brokers = process.env.KAFKA_BROKERS ?? 'localhost:19092'): KafkaClient {
  return new Kafka({ clientId, brokers: brokers.split(',').map((b) => b.trim()), logLevel: logLevel.WARN });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
}

/** Creates the topics that do not exist yet, each with the scenario's partition count. */
export async function createTopics(kafka: KafkaClient, topics: readonly TopicSpec[]): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ waitForLeaders: true, topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions })) });
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------- CloudEvents ⇄ records

let counter = 0;
/** A new event id: unique per process run (the simulation numbers them evt-0, evt-1, …). */
export const newId = (): string => `evt-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** A record for `producer.send`: the event in binary content mode. */
export function toRecord(e: CloudEvent): { key: string | null; value: string; headers: IHeaders } {
  const headers: IHeaders = {
    ce_specversion: '1.0',
    ce_id: e.id,
    ce_source: e.source,
    ce_type: e.type,
    ce_time: e.time,
    ce_correlationid: e.correlationid,
    ce_schemaversion: String(e.schemaversion),
    'content-type': 'application/json',
  };
  if (e.subject) headers.ce_subject = e.subject;
  if (e.partitionkey !== undefined) headers.ce_partitionkey = e.partitionkey;
  if (e.causationid !== undefined) headers.ce_causationid = e.causationid;
  return { key: e.partitionkey ?? null, value: JSON.stringify(e.data ?? null), headers };
}

const header = (h: IHeaders | undefined, name: string): string | undefined => {
  const v = h?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
};

/** The event a record carries; a record without CloudEvents headers gets them made up. */
export function fromRecord(topic: string, partition: number, m: KafkaMessage): CloudEvent {
  let data: unknown = null;
  try {
    data = m.value ? JSON.parse(m.value.toString()) : null;
  } catch {
    data = m.value?.toString() ?? null;
  }
  const id = header(m.headers, 'ce_id') ?? `${topic}-${partition}-${m.offset}`;
  const event: CloudEvent = {
    specversion: '1.0',
    id,
    source: header(m.headers, 'ce_source') ?? `kafka://${topic}`,
    type: header(m.headers, 'ce_type') ?? 'unknown',
    time: header(m.headers, 'ce_time') ?? new Date(Number(m.timestamp)).toISOString(),
    datacontenttype: 'application/json',
    data,
    correlationid: header(m.headers, 'ce_correlationid') ?? id,
    schemaversion: Number(header(m.headers, 'ce_schemaversion') ?? 1),
    partition,
    offset: Number(m.offset),
  };
  const subject = header(m.headers, 'ce_subject');
  const key = header(m.headers, 'ce_partitionkey') ?? m.key?.toString();
  const cause = header(m.headers, 'ce_causationid');
  if (subject !== undefined) event.subject = subject;
  if (key !== undefined) event.partitionkey = key;
  if (cause !== undefined) event.causationid = cause;
  return event;
}

// ---------------------------------------------------------------------------- producers

export interface Template {
  type: string;
  key: string | null;
  data: unknown;
  topic: string;
  schemaVersion: number;
}

/** A producer of the scenario: its templates, and whether the broker drops its retried duplicates. */
export interface ProducerSpec {
  id: string;
  idempotent: boolean;
  templates: readonly Template[];
}

export async function openProducer(kafka: KafkaClient, idempotent: boolean): Promise<Producer> {
  const producer = kafka.producer({ idempotent, createPartitioner: Partitioners.DefaultPartitioner, ...(idempotent ? { maxInFlightRequests: 1 } : {}) });
  await producer.connect();
  return producer;
}

const fired = new Map<string, number>();

/**
 * Fires one template: a new event (its own correlation id, [E3]) sent to its topic, with
 * `{n}` the producer's count of events in this run (from 1) and `{rand:MIN-MAX}` drawn.
 */
export async function fire(producer: Producer, spec: ProducerSpec, template: number): Promise<CloudEvent> {
  const t = spec.templates[template];
  if (!t) throw new Error(`${spec.id} has no template ${template} (it has ${spec.templates.length})`);
  const n = (fired.get(spec.id) ?? 0) + 1;
  fired.set(spec.id, n);
  const key = t.key === null ? null : String(fill(t.key, n));
  const id = newId();
  const event: CloudEvent = {
    specversion: '1.0',
    id,
    source: `/eventfold/${spec.id}`,
    type: t.type,
    time: new Date().toISOString(),
    ...(key ? { subject: key } : {}),
    datacontenttype: 'application/json',
    data: fill(t.data, n),
    ...(key !== null ? { partitionkey: key } : {}),
    correlationid: id,
    schemaversion: t.schemaVersion,
  };
  await producer.send({ topic: t.topic, messages: [toRecord(event)] });
  return event;
}

// ---------------------------------------------------------------------------- consumers

/** A consumer (or projection) of the scenario: what it reads, how it commits, retries and dead-letters. */
export interface ConsumerSpec {
  id: string;
  group: string;
  topics: readonly string[];
  /** `after`: at-least-once (commit once handled); `before`: at-most-once. */
  commit: 'after' | 'before';
  /** `processed-ids`: skip an event id already handled (kept with the state). */
  idempotency: 'none' | 'processed-ids' | 'processed-ids-separate' | 'version' | 'natural';
  retry: { maxAttempts: number; backoff: 'immediate' | 'exponential'; initialMs: number; maxMs: number };
  deadLetter: string | null;
}

/** What a running consumer did, for logs and tests. */
export interface ConsumerStats {
  handled: number;
  ignored: number;
  duplicates: number;
  failed: number;
  deadLettered: number;
  effects: Map<string, number>;
  commands: { aggregate: string; command: string; stream: string }[];
}

export interface RunningConsumer {
  consumer: Consumer;
  producer: Producer;
  store: Store;
  stats: ConsumerStats;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Handles one event as the simulation does: the handler's writes, emits and effects apply
 * together, or not at all when it fails; a failure is retried with backoff, then sent to the
 * dead-letter topic (or skipped).
 */
export async function handleOne(spec: ConsumerSpec, handle: Handler, event: CloudEvent, store: Store, stats: ConsumerStats, send: (topic: string, e: CloudEvent) => Promise<void>, log: (line: string) => void = console.log): Promise<void> {
  if (spec.idempotency !== 'none' && spec.idempotency !== 'natural' && store.read('_processed', event.id) === true) {
    stats.duplicates++;
    log(`${spec.id}: ${event.type} ${event.id} already handled: skipped`);
    return;
  }
  for (let attempt = 1; ; attempt++) {
    const h = new Handling(event, store);
    try {
      const rule = handle(event, h);
      if (rule === 0) {
        stats.ignored++;
        return;
      }
      for (const fx of h.effects) {
        const k = `${fx.name}:${fx.key}`;
        stats.effects.set(k, (stats.effects.get(k) ?? 0) + 1);
        log(`${spec.id}: effect ${fx.name} for ${fx.key}`);
      }
      h.apply();
      if (spec.idempotency !== 'none' && spec.idempotency !== 'natural') store.write('_processed', event.id, true);
      for (const c of h.commands) {
        stats.commands.push({ aggregate: c.aggregate, command: c.command, stream: c.stream });
        log(`${spec.id}: command ${c.command} to ${c.aggregate} for ${c.stream} (aggregates are not generated: see the README)`);
      }
      for (const e of h.emits) await send(e.topic, emitted(spec, event, e));
      stats.handled++;
      return;
    } catch (err) {
      if (!(err instanceof HandlerError)) throw err;
      stats.failed++;
      log(`${spec.id}: ${event.type} ${event.id} failed (attempt ${attempt} of ${spec.retry.maxAttempts}): ${err.message}`);
      if (attempt >= spec.retry.maxAttempts) {
        if (spec.deadLetter) {
          await send(spec.deadLetter, event);
          stats.deadLettered++;
        }
        return;
      }
      const wait = spec.retry.backoff === 'immediate' ? 0 : Math.min(spec.retry.maxMs, spec.retry.initialMs * 2 ** (attempt - 1));
      await sleep(wait);
    }
  }
}

/** An event emitted while handling `cause`: caused by it, in its conversation ([E3]). */
function emitted(spec: ConsumerSpec, cause: CloudEvent, e: Emit): CloudEvent {
  const id = newId();
  return {
    specversion: '1.0',
    id,
    source: `/eventfold/${spec.id}`,
    type: e.type,
    time: new Date().toISOString(),
    ...(e.key ? { subject: e.key } : {}),
    datacontenttype: 'application/json',
    data: e.data,
    ...(e.key !== null ? { partitionkey: e.key } : {}),
    correlationid: cause.correlationid,
    causationid: cause.id,
    schemaversion: 1,
  };
}

/** Starts a consumer: joins its group, reads its topics and handles each record. */
export async function runConsumer(kafka: KafkaClient, spec: ConsumerSpec, handle: Handler, log: (line: string) => void = console.log): Promise<RunningConsumer> {
  const consumer = kafka.consumer({ groupId: spec.group });
  const producer = await openProducer(kafka, false);
  const store = new Store();
  const stats: ConsumerStats = { handled: 0, ignored: 0, duplicates: 0, failed: 0, deadLettered: 0, effects: new Map(), commands: [] };
  await consumer.connect();
  for (const topic of spec.topics) await consumer.subscribe({ topic, fromBeginning: true });
  const send = async (topic: string, e: CloudEvent) => {
    await producer.send({ topic, messages: [toRecord(e)] });
  };
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const next = [{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }];
      const event = fromRecord(topic, partition, message);
      // At-most-once commits first: a crash while handling loses the event.
      if (spec.commit === 'before') await consumer.commitOffsets(next);
      await handleOne(spec, handle, event, store, stats, send, log);
      // At-least-once commits after: a crash before this line means the event comes again.
      if (spec.commit === 'after') await consumer.commitOffsets(next);
    },
  });
  return {
    consumer,
    producer,
    store,
    stats,
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
