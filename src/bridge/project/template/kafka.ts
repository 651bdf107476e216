// The broker side of a generated project, with KafkaJS: events as Kafka records in the
// CloudEvents Kafka binding (binary content mode: the data is the value, the attributes are
// `ce_` headers, the partition key is the record key), topics created with their partition
// counts, producers, and consumers that run the generated handlers with the scenario's
// commit mode, idempotency, retries and dead-letter topic. Copied verbatim into each project.
import kafkajs from 'kafkajs';
import type { Admin, Consumer, IHeaders, Kafka as KafkaClient, KafkaMessage, Producer } from 'kafkajs';
import { handleOnce, newEvent, newStats, Store, type CloudEvent, type ConsumerStats, type Handler, type ProducerSpec, type Send } from './runtime.js';

export { newId, type ConsumerStats, type ProducerSpec, type Template } from './runtime.js';

const { Kafka, Partitioners, logLevel } = kafkajs;

/** The client: brokers from KAFKA_BROKERS (comma-separated), else the docker compose broker. */
export function connect(clientId: string, brokers = process.env.KAFKA_BROKERS ?? 'localhost:19092'): KafkaClient {
  return new Kafka({ clientId, brokers: brokers.split(',').map((b) => b.trim()), logLevel: logLevel.WARN });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Topic configs, such as cleanup.policy and retention.ms. */
  config?: Record<string, string>;
}

/** Creates the topics that do not exist yet, each with the scenario's partition count and retention or compaction. */
export async function createTopics(kafka: KafkaClient, topics: readonly TopicSpec[]): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ waitForLeaders: true, topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })) })) });
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------- CloudEvents ⇄ records

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

export async function openProducer(kafka: KafkaClient, idempotent: boolean): Promise<Producer> {
  const producer = kafka.producer({ idempotent, createPartitioner: Partitioners.DefaultPartitioner, ...(idempotent ? { maxInFlightRequests: 1 } : {}) });
  await producer.connect();
  return producer;
}

/** Fires one template of a producer whose templates go to Kafka topics: a new event sent to its topic. */
export async function fire(producer: Producer, spec: ProducerSpec, template: number): Promise<CloudEvent> {
  const { event, template: t } = newEvent(spec, template);
  // acks -1 (all, the default): acknowledged once every in-sync replica has it.
  await producer.send({ topic: t.topic, acks: spec.acks ?? -1, messages: [toRecord(event)] });
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
  /** Read-process-write in a Kafka transaction: its emits and its offset commit together, or neither ([TX1]). */
  transactional?: boolean;
  /** Reads only committed transactions; left out, everything appended (read_uncommitted, Kafka's default). */
  isolation?: 'read_committed';
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
export async function handleOne(spec: ConsumerSpec, handle: Handler, event: CloudEvent, store: Store, stats: ConsumerStats, send: Send, log: (line: string) => void = console.log): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await handleOnce(spec, handle, event, store, stats, send, log);
    if (typeof outcome === 'string') return;
    log(`${spec.id}: ${event.type} ${event.id} failed (attempt ${attempt} of ${spec.retry.maxAttempts}): ${outcome.message}`);
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

/**
 * Starts a consumer: joins its group, reads its topics and handles each record. What it emits
 * (and dead-letters) goes to Kafka topics, or through `route` when the project has other
 * brokers too (an emit to a RabbitMQ exchange).
 */
export async function runConsumer(kafka: KafkaClient, spec: ConsumerSpec, handle: Handler, log: (line: string) => void = console.log, route?: Send): Promise<RunningConsumer> {
  // KafkaJS reads read_committed unless told otherwise; Kafka's (and the simulation's) default is read_uncommitted.
  const consumer = kafka.consumer({ groupId: spec.group, readUncommitted: spec.isolation !== 'read_committed' });
  // A transactional consumer writes with a transactional producer: its id fences an older instance of itself.
  const transactional = spec.transactional === true && route === undefined;
  const producer = transactional ? kafka.producer({ transactionalId: `${spec.id}-tx`, idempotent: true, maxInFlightRequests: 1 }) : await openProducer(kafka, false);
  if (transactional) await producer.connect();
  const store = new Store();
  const stats = newStats();
  await consumer.connect();
  for (const topic of spec.topics) await consumer.subscribe({ topic, fromBeginning: true });
  const send: Send =
    route ??
    (async (topic, e) => {
      await producer.send({ topic, messages: [toRecord(e)] });
    });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const next = [{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }];
      const event = fromRecord(topic, partition, message);
      if (transactional) {
        // [TX1] Emits and the offset commit in one transaction: a crash before commit() aborts
        // both (read_committed readers never see the emits) and the event is handled again.
        // The handler's own writes and effects are not part of it.
        const tx = await producer.transaction();
        try {
          await handleOne(spec, handle, event, store, stats, async (to, e) => void (await tx.send({ topic: to, messages: [toRecord(e)] })), log);
          await tx.sendOffsets({ consumerGroupId: spec.group, topics: [{ topic, partitions: [{ partition, offset: next[0].offset }] }] });
          await tx.commit();
        } catch (err) {
          await tx.abort();
          throw err;
        }
        return;
      }
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
