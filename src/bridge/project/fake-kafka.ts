// A fake KafkaJS for the tests of generated projects: enough of `Kafka` (admin, producer,
// consumer) to run the generated code without a broker. Partitions are chosen with KafkaJS's
// own default partitioner, offsets are per partition, and a consumer group's members share
// one committed offset per partition. Delivery is synchronous and in order: `drain()` hands
// every record not yet delivered to each group's eachMessage, one at a time.
import kafkajs from 'kafkajs';
import type { Kafka, KafkaMessage, IHeaders } from 'kafkajs';

const { Partitioners } = kafkajs;

export interface FakeRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: IHeaders;
}

type EachMessage = (p: { topic: string; partition: number; message: KafkaMessage; heartbeat(): Promise<void>; pause(): () => void }) => Promise<void>;

export interface FakeBroker {
  kafka: Kafka;
  topics: Map<string, number>;
  log: FakeRecord[];
  /** Committed offsets: `${group} ${topic} ${partition}` → the next offset to read. */
  committed: Map<string, string>;
  commits: { group: string; topic: string; partition: number; offset: string }[];
  /** How each transaction ended, in order. */
  transactions: ('committed' | 'aborted')[];
  /** Set to make the next sendOffsets fail (a broker error between a transaction's emits and its commit). */
  failNextSendOffsets: boolean;
  /** Delivers everything pending; a handler error propagates (the test sees it). */
  drain(): Promise<void>;
}

export function fakeKafka(): FakeBroker {
  const topics = new Map<string, number>();
  const log: FakeRecord[] = [];
  const committed = new Map<string, string>();
  const commits: FakeBroker['commits'] = [];
  const transactions: FakeBroker['transactions'] = [];
  const groups = new Map<string, { topics: Set<string>; each: EachMessage | null; delivered: Set<FakeRecord> }>();
  const partition = Partitioners.DefaultPartitioner();

  const admin = () => ({
    connect: async () => {},
    disconnect: async () => {},
    listTopics: async () => [...topics.keys()],
    createTopics: async ({ topics: list }: { topics: { topic: string; numPartitions?: number }[] }) => {
      for (const t of list) topics.set(t.topic, t.numPartitions ?? 1);
      return true;
    },
  });
  type Msg = { key?: string | null; value: string | null; headers?: IHeaders };
  type Offsets = { consumerGroupId: string; topics: { topic: string; partitions: { partition: number; offset: string }[] }[] };
  const commit = (group: string, o: { topic: string; partition: number; offset: string }) => {
    committed.set(`${group} ${o.topic} ${o.partition}`, o.offset);
    commits.push({ group, ...o });
  };
  const producer = () => ({
    connect: async () => {},
    disconnect: async () => {},
    /** A transaction: what it sends and the offsets it commits land together at commit(), or never. */
    transaction: async () => {
      const sends: { topic: string; messages: Msg[] }[] = [];
      const offsets: Offsets[] = [];
      let open = true;
      const check = () => {
        if (!open) throw new Error('the transaction is already committed or aborted');
      };
      return {
        send: async (r: { topic: string; messages: Msg[] }) => (check(), sends.push(r), []),
        sendOffsets: async (o: Offsets) => {
          check();
          if (broker.failNextSendOffsets) {
            broker.failNextSendOffsets = false;
            throw new Error('the group coordinator is not available (a fake broker error)');
          }
          offsets.push(o);
        },
        commit: async () => {
          check();
          open = false;
          for (const r of sends) await send(r);
          for (const o of offsets) for (const t of o.topics) for (const p of t.partitions) commit(o.consumerGroupId, { topic: t.topic, ...p });
          transactions.push('committed');
        },
        abort: async () => {
          check();
          open = false;
          transactions.push('aborted');
        },
      };
    },
    send: async (r: { topic: string; acks?: number; messages: Msg[] }) => send(r),
  });
  async function send({ topic, messages }: { topic: string; acks?: number; messages: Msg[] }) {
      if (!topics.has(topic)) topics.set(topic, 1);
      const count = topics.get(topic)!;
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
      return messages.map((m) => {
        const p = partition({ topic, partitionMetadata, message: { key: m.key ?? null, value: m.value } });
        const offset = log.filter((r) => r.topic === topic && r.partition === p).length;
        log.push({ topic, partition: p, offset, key: m.key ?? null, value: m.value, headers: m.headers ?? {} });
        return { topicName: topic, partition: p, errorCode: 0, baseOffset: String(offset) };
      });
  }
  const consumer = ({ groupId }: { groupId: string }) => {
    if (!groups.has(groupId)) groups.set(groupId, { topics: new Set(), each: null, delivered: new Set() });
    const g = groups.get(groupId)!;
    return {
      connect: async () => {},
      disconnect: async () => {
        g.each = null;
      },
      subscribe: async ({ topic }: { topic: string }) => {
        g.topics.add(topic);
      },
      run: async ({ eachMessage }: { eachMessage: EachMessage }) => {
        g.each = eachMessage;
      },
      commitOffsets: async (offsets: { topic: string; partition: number; offset: string }[]) => {
        for (const o of offsets) commit(groupId, o);
      },
    };
  };

  async function drain(): Promise<void> {
    for (let progress = true; progress; ) {
      progress = false;
      for (const g of groups.values()) {
        if (!g.each) continue;
        const next = log.find((r) => g.topics.has(r.topic) && !g.delivered.has(r));
        if (!next) continue;
        g.delivered.add(next);
        progress = true;
        const message = {
          key: next.key === null ? null : Buffer.from(next.key),
          value: next.value === null ? null : Buffer.from(next.value),
          headers: Object.fromEntries(Object.entries(next.headers).map(([k, v]) => [k, v === undefined ? undefined : Buffer.from(String(v))])),
          offset: String(next.offset),
          timestamp: '0',
          attributes: 0,
        } as KafkaMessage;
        await g.each({ topic: next.topic, partition: next.partition, message, heartbeat: async () => {}, pause: () => () => {} });
      }
    }
  }

  const kafka = { admin, producer, consumer } as unknown as Kafka;
  const broker: FakeBroker = { kafka, topics, log, committed, commits, transactions, failNextSendOffsets: false, drain };
  return broker;
}
