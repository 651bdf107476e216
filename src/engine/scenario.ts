// The scenario format and its one front door, `restoreScenario(input: unknown)`: a lesson,
// an IndexedDB record, a file and a link all become a Scenario through it (SPEC [F1]–[F6]).
// It validates (every error names its field path), applies defaults and migrates older
// versions. Nothing in a scenario is ever run as code: rules are data, read by rules.ts.
import * as v from 'valibot';
import { KIND_INFO, kindList, type KindInfo } from './catalog.ts';
export { KIND_INFO, patternProblems, type KindInfo } from './catalog.ts';
import { isJson, type Json } from './json.ts';
import { COMPATIBILITY, FIELD_TYPES } from './kinds/registry-rules.ts';

/** Most nodes a scenario may have (the trace names a node in 23 bits: columns.ts TRACE_NODES). */
export const MAX_NODES = 200;
export const SCENARIO_FORMAT = 'eventfold/scenario';
/** The version this build writes. Bump it only together with a migration in MIGRATIONS. */
export const SCENARIO_VERSION = 1;

// ---------------------------------------------------------------------------- schemas

const Id = v.pipe(
  v.string('must be text'),
  v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1–64 letters, digits or _ . : -'),
);
const Name = (max: number) =>
  v.pipe(v.string('must be text'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(max, `must be at most ${max} characters`));
const Int = (min: number, max: number) =>
  v.pipe(
    v.number('must be a number'),
    v.integer('must be a whole number'),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
const Num = (min: number, max: number) =>
  v.pipe(v.number('must be a number'), v.finite('must be a finite number'), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));
const JsonValue = v.custom<Json>((x) => isJson(x), 'must be plain JSON (text, numbers, true/false, null, lists and objects)');

export type Expr = string | number | boolean | null | { event: string } | { state: string; key: Expr };

const ExprSchema: v.GenericSchema<Expr> = v.union(
  [
    v.string(),
    v.pipe(v.number(), v.finite()),
    v.boolean(),
    v.null(),
    v.strictObject({ event: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'must be a dotted path such as data.orderId')) }),
    v.strictObject({ state: Name(64), key: v.lazy(() => ExprSchema) }),
  ],
  'must be a value (text, number, true/false, null), {"event": "data.field"} or {"state": "table", "key": …}',
);

export type CompareOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';
export type Condition =
  | { op: CompareOp; left: Expr; right: Expr }
  | { op: 'exists' | 'missing'; value: Expr }
  | { op: 'all' | 'any'; of: Condition[] }
  | { op: 'not'; cond: Condition };

const ConditionSchema: v.GenericSchema<Condition> = v.variant(
  'op',
  [
    v.strictObject({ op: v.picklist(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']), left: ExprSchema, right: ExprSchema }),
    v.strictObject({ op: v.picklist(['exists', 'missing']), value: ExprSchema }),
    v.strictObject({ op: v.picklist(['all', 'any']), of: v.pipe(v.array(v.lazy(() => ConditionSchema)), v.maxLength(20)) }),
    v.strictObject({ op: v.literal('not'), cond: v.lazy(() => ConditionSchema) }),
  ],
  'must have "op": one of eq, ne, gt, gte, lt, lte, exists, missing, all, any, not',
);

export type Action =
  | { do: 'set'; table: string; key: Expr; value: Expr }
  | { do: 'increment' | 'decrement'; table: string; key: Expr; by: Expr }
  | { do: 'append'; table: string; key: Expr; value: Expr }
  | { do: 'emit'; topic: string; type: string; key?: Expr; data?: Record<string, Expr> }
  | { do: 'effect'; name: string; key: Expr }
  | { do: 'command'; aggregate: string; command: string; stream: Expr; data?: Record<string, Expr> };

const ActionSchema = v.variant(
  'do',
  [
    v.strictObject({ do: v.literal('set'), table: Name(64), key: ExprSchema, value: ExprSchema }),
    v.strictObject({ do: v.picklist(['increment', 'decrement']), table: Name(64), key: ExprSchema, by: v.optional(ExprSchema, 1) }),
    v.strictObject({ do: v.literal('append'), table: Name(64), key: ExprSchema, value: ExprSchema }),
    v.strictObject({
      do: v.literal('emit'),
      topic: Id,
      type: Name(100),
      key: v.optional(ExprSchema),
      data: v.optional(v.pipe(v.record(v.string(), ExprSchema), v.check((r) => Object.keys(r).length <= 50, 'at most 50 fields'))),
    }),
    v.strictObject({ do: v.literal('effect'), name: Name(64), key: ExprSchema }),
    v.strictObject({
      do: v.literal('command'),
      aggregate: Id,
      command: Name(100),
      stream: ExprSchema,
      data: v.optional(v.pipe(v.record(v.string(), ExprSchema), v.check((r) => Object.keys(r).length <= 50, 'at most 50 fields'))),
    }),
  ],
  'must have "do": one of set, increment, decrement, append, emit, effect, command',
);

export interface Rule {
  /** Event type this rule handles, or "*" for any. */
  on: string;
  when?: Condition;
  do: Action[];
}
const RuleSchema = v.strictObject({
  on: Name(100),
  when: v.optional(ConditionSchema),
  do: v.pipe(v.array(ActionSchema as v.GenericSchema<Action>), v.maxLength(20, 'at most 20 actions per rule')),
});

// ---------------------------------------------------------------------------- AMQP 0-9-1 ([AM1]–[AM8])

/** A routing key: one route, words separated by dots; wildcards belong in binding keys ([AM2]). */
const RoutingKey = v.pipe(
  v.string('must be text'),
  v.maxLength(255, 'must be at most 255 characters'),
  v.check((x) => !x.split('.').some((w) => w.includes('*') || w.includes('#')), 'a routing key names one route: the wildcards * and # belong in binding keys (on the exchange → queue connection)'),
);
/** A binding key ([AM3]): in a topic exchange `*` and `#` are whole words (order.* or order.#, not order*). */
const BindingKey = v.pipe(
  v.string('must be text'),
  v.maxLength(255, 'must be at most 255 characters'),
  v.check((x) => !x.split('.').some((w) => w !== '*' && w !== '#' && (w.includes('*') || w.includes('#'))), 'in a binding key * and # stand alone between dots: write order.* or order.#, not order* or order#'),
);
const HeaderName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a header name: 1–64 letters, digits or _ . -'));
const Headers = v.pipe(
  v.record(HeaderName, v.union([v.pipe(v.string(), v.maxLength(200)), v.pipe(v.number(), v.finite()), v.boolean()], 'must be text, a number or true/false')),
  v.check((r) => Object.keys(r).length <= 20, 'at most 20 headers'),
);
const AMQP_TEMPLATE = {
  routingKey: v.optional(RoutingKey),
  headers: v.optional(Headers),
  expirationMs: v.optional(Num(0, 86_400_000)),
  mandatory: v.optional(v.boolean('must be true or false')),
  /** AMQP delivery mode 2: a durable queue keeps the message through a broker restart ([DU2]). Absent: transient, RabbitMQ's default. */
  persistent: v.optional(v.boolean('must be true or false')),
};
/** What a connection from an exchange carries: its binding ([AM3], [AM4]). */
const BINDING_ENTRIES = {
  /** The binding key (direct and topic exchanges); left out: the empty key. */
  bindingKey: v.optional(BindingKey),
  /** Headers exchanges: the headers to match. */
  headers: v.optional(Headers),
  /** Headers exchanges: all of them must match, or any one. */
  xMatch: v.optional(v.picklist(['all', 'any'], 'must be all or any')),
};
export interface Binding {
  bindingKey?: string;
  headers?: Record<string, string | number | boolean>;
  xMatch?: 'all' | 'any';
}

export interface Template {
  type: string;
  key?: string | null;
  data?: Json;
  /** Topic to publish to; may be left out when the producer is wired to exactly one topic. */
  topic?: string;
  schemaVersion: number;
  /** A FIFO queue's message group ([FQ2]); `{n}` and `{rand:…}` allowed. Left out: the key. */
  messageGroupId?: string;
  /** A FIFO queue's deduplication id ([FQ3]); `{n}` and `{rand:…}` allowed. */
  deduplicationId?: string;
  /** AMQP ([AM2]): the routing key an exchange routes by ({n}, {rand:…} fillers); default: the event type. */
  routingKey?: string;
  /** AMQP ([AM4]): message headers a headers exchange matches. */
  headers?: Record<string, string | number | boolean>;
  /** AMQP ([AM7]): per-message TTL (the `expiration` property), from when it enters a queue. */
  expirationMs?: number;
  /** AMQP ([AM5]): an unroutable message comes back to the producer (basic.return). */
  mandatory?: boolean;
  /** AMQP delivery mode 2 ([DU2]): kept through a broker restart by a durable queue. */
  persistent?: boolean;
}
const TemplateSchema = v.strictObject({
  type: Name(100),
  key: v.optional(v.nullable(v.pipe(v.string('must be text or null'), v.maxLength(200)))),
  data: v.optional(JsonValue),
  topic: v.optional(Id),
  schemaVersion: v.optional(Int(1, 1000), 1),
  messageGroupId: v.optional(v.pipe(v.string('must be text'), v.minLength(1, 'must not be empty (leave it out to group by the key)'), v.maxLength(128, 'must be at most 128 characters'))),
  deduplicationId: v.optional(v.pipe(v.string('must be text'), v.minLength(1, 'must not be empty (leave it out to use the event id)'), v.maxLength(128, 'must be at most 128 characters'))),
  ...AMQP_TEMPLATE,
});

const Position = v.optional(v.strictObject({ x: Num(-1e6, 1e6), y: Num(-1e6, 1e6) }), { x: 0, y: 0 });

/** Every node is an id, a kind, a label, a position and its kind's config (all fields optional). */
function nodeSchema<const K extends string, const C extends v.ObjectEntries>(kind: K, config: C) {
  return v.strictObject({
    id: Id,
    kind: v.literal(kind),
    label: v.optional(Name(80)),
    position: Position,
    config: v.optional(v.strictObject(config), {} as v.InferInput<v.StrictObjectSchema<C, undefined>>),
  });
}

const ProducerNode = nodeSchema('producer', {
    templates: v.optional(v.pipe(v.array(TemplateSchema), v.maxLength(50)), []),
    rate: v.optional(
      v.nullable(
        v.strictObject({
          perSecond: Num(0.001, 1_000_000),
          limit: v.optional(Int(1, 10_000_000), 100),
          /** Template index, or -1 to cycle through all templates. */
          template: v.optional(Int(-1, 49), -1),
        }),
      ),
      null,
    ),
    /**
     * How the service records its own change and publishes the event ([O1]–[O3]):
     * `direct` only publishes; `dual-write` saves, then publishes in a second step;
     * `outbox` saves the row and an outbox row in one step and a relay publishes later.
     */
    pattern: v.optional(v.picklist(['direct', 'dual-write', 'outbox'], 'must be direct, dual-write or outbox'), 'direct'),
    /** The service's own table the change is saved to (dual-write and outbox). */
    table: v.optional(Name(64), 'records'),
    /** Dual write: time between saving and publishing. */
    publishDelayMs: v.optional(Num(0, 3_600_000), 5),
    /** Outbox: how often the relay looks for unpublished rows. */
    relayEveryMs: v.optional(Num(1, 3_600_000), 50),
    /** The broker drops a producer's retried duplicates (Kafka's enable.idempotence) ([N4]). */
    idempotent: v.optional(v.boolean('must be true or false'), false),
    /** Wait before a producer retries a publish that failed or whose ack was lost. */
    retryBackoffMs: v.optional(Num(1, 3_600_000), 100),
    /** When the broker acknowledges a write ([KR4]): 0 never (fire and forget), 1 when the leader has it, "all" when every in-sync replica has it; left out: all (Kafka ≥ 3.0). */
    acks: v.optional(v.union([v.literal(0), v.literal(1), v.literal('all')], 'must be 0, 1 or "all"')),
});

const TopicNode = nodeSchema('topic', {
  partitions: v.optional(Int(1, 64), 1),
  /** Retention by time: a record is deleted this long after it was appended ([RT1]). Absent or null: kept forever. */
  retentionMs: v.optional(v.nullable(Num(1, 1e9))),
  /** Retention by size: at most this many records per partition; the oldest go first ([RT2]). */
  retentionRecords: v.optional(v.nullable(Int(1, 1_000_000))),
  /** Log compaction (cleanup.policy=compact): the cleaner runs this often and keeps only the latest record of each key ([RT5]). */
  compactEveryMs: v.optional(v.nullable(Num(1, 1e9))),
  // Replication ([KR1]–[KR6]); left out, the topic is kept once and reads as before.
  /** Copies of each partition, on brokers 1..N (Kafka's replication.factor). */
  replicationFactor: v.optional(Int(1, 5)),
  /** With acks=all, a write needs this many in-sync replicas (min.insync.replicas); left out: 1. */
  minInsyncReplicas: v.optional(Int(1, 5)),
  /** How long a follower takes to copy what its leader appended; left out: REPLICA_LAG_MS. */
  replicaLagMs: v.optional(Num(0, 60_000)),
});

const UpcasterSchema = v.pipe(
  v.strictObject({
    type: Name(100),
    from: Int(1, 999),
    to: Int(2, 1000),
    /** Old field name → new field name, in `data`. */
    rename: v.optional(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_]{1,64}$/, 'must be a field name')), v.pipe(v.string(), v.regex(/^[A-Za-z0-9_]{1,64}$/, 'must be a field name'))), {}),
    /** Fields added with a default value when missing. */
    defaults: v.optional(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_]{1,64}$/, 'must be a field name')), JsonValue), {}),
  }),
  v.check((u) => u.to > u.from, 'to must be a newer version than from'),
);
export type Upcaster = v.InferOutput<typeof UpcasterSchema>;

/** A queue (RabbitMQ / SQS style): competing consumers, acks, visibility timeout ([Q1]–[Q6]). */
const QueueNode = nodeSchema('queue', {
    /** How long a received message stays invisible before it is offered again. */
    visibilityTimeoutMs: v.optional(Num(1, 3_600_000), 300),
    /** After this many receives without an ack the message goes to `deadLetter`; null: never. */
    maxReceiveCount: v.optional(v.nullable(Int(1, 1000)), null),
    /** Queue or topic that takes messages received too often; it must be connected from this queue. */
    deadLetter: v.optional(v.nullable(Id), null),
    /** SQS FIFO ([FQ1]–[FQ4]): order per message group, deduplication within a window. */
    fifo: v.optional(v.boolean('must be true or false')),
    /** FIFO: a message without a deduplication id is deduplicated by its body (its data) ([FQ3]). */
    contentBasedDeduplication: v.optional(v.boolean('must be true or false')),
    /** FIFO: how long a deduplication id is remembered; left out, SQS's 5 minutes (DEDUP_WINDOW_MS) ([FQ3]). */
    deduplicationWindowMs: v.optional(Num(1, 3_600_000)),
    // The AMQP fields below have no default, so a queue's config without them stays as it was.
    /** AMQP x-message-ttl ([AM7]): a message still ready this long after it arrived expires; null or left out: never. */
    messageTtlMs: v.optional(v.nullable(Num(0, 86_400_000))),
    /** AMQP x-dead-letter-exchange ([AM8]): the exchange rejected, expired and over-delivered messages go to. */
    deadLetterExchange: v.optional(v.nullable(Id)),
    /** AMQP x-dead-letter-routing-key: the routing key they go with; null: their own. */
    deadLetterRoutingKey: v.optional(v.nullable(RoutingKey)),
    /** What a nack does ([AM8]): put the message back (`requeue`, when left out) or dead-letter it (reject without requeue). */
    onReject: v.optional(v.picklist(['requeue', 'dead-letter'], 'must be requeue or dead-letter')),
    /** AMQP durable queue ([DU1]): false, a broker restart deletes it with every message in it; left out: durable. */
    durable: v.optional(v.boolean('must be true or false')),
});

/** An AMQP 0-9-1 exchange ([AM1]): routes each message to the queues whose binding matches. */
const ExchangeNode = nodeSchema('exchange', {
    type: v.optional(v.picklist(['direct', 'fanout', 'topic', 'headers'], 'must be direct, fanout, topic or headers'), 'topic'),
    /** Where messages no binding matches go ([AM6]); it must be connected from this exchange. */
    alternateExchange: v.optional(v.nullable(Id), null),
});

/** A filter policy value ([SN3]): exact values, or a prefix, anything-but, exists or numeric test. */
const FilterValue = v.union(
  [
    v.string(),
    v.pipe(v.number(), v.finite()),
    v.boolean(),
    v.strictObject({ prefix: v.pipe(v.string(), v.minLength(1)) }),
    v.strictObject({ 'anything-but': v.pipe(v.array(v.union([v.string(), v.pipe(v.number(), v.finite())])), v.minLength(1), v.maxLength(50)) }),
    v.strictObject({ exists: v.boolean() }),
    v.strictObject({
      numeric: v.pipe(
        v.array(v.union([v.picklist(['=', '>', '>=', '<', '<=']), v.pipe(v.number(), v.finite())])),
        v.check((a) => (a.length === 2 || a.length === 4) && a.every((x, i) => (i % 2 === 0 ? typeof x === 'string' : typeof x === 'number')), 'must be [op, number] or [op, number, op, number], op one of = > >= < <='),
      ),
    }),
  ],
  'must be text, a number, true/false, {"prefix": …}, {"anything-but": […]}, {"exists": true/false} or {"numeric": [">=", 100]}',
);
export type FilterValue = v.InferOutput<typeof FilterValue>;
/** Event field → accepted values; every field must match one of its values ([SN3]). */
const FilterPolicy = v.pipe(
  v.record(
    v.pipe(v.string(), v.regex(/^(type|key|subject|source|data(\.[A-Za-z0-9_]+)+)$/, 'must be type, key or a data field such as data.region')),
    v.pipe(v.array(FilterValue, 'must be a list of accepted values'), v.minLength(1, 'must list at least one accepted value'), v.maxLength(50)),
  ),
  v.check((r) => Object.keys(r).length >= 1 && Object.keys(r).length <= 10, 'must name 1 to 10 fields'),
);
export type FilterPolicy = v.InferOutput<typeof FilterPolicy>;

/** An SNS-style topic: fans each message out to every subscribed queue ([SN1]–[SN4]). */
const SnsNode = nodeSchema('sns', {
    /** Settings of the subscriptions (its connections to queues); a connected queue left out has none. */
    subscriptions: v.optional(
      v.pipe(
        v.array(
          v.strictObject({
            queue: Id,
            /** Only messages matching it are delivered to this queue; null: all. */
            filterPolicy: v.optional(v.nullable(FilterPolicy), null),
            /** Deliver the message as it is; off, it arrives wrapped in an SNS envelope ([SN4]). */
            raw: v.optional(v.boolean('must be true or false'), false),
          }),
        ),
        v.maxLength(50),
      ),
      [],
    ),
});

/** A Redis-style pub/sub channel: pushed at once to the subscribers that are up, kept nowhere ([PS1]–[PS4]). */
const PubSubNode = nodeSchema('pubsub', {});

/** The consumer settings that a learner may also change while a run goes on ("deploy"). */
const ConsumerReliability = {
  /** How duplicates are absorbed ([D1]–[D4]). */
  idempotency: v.optional(
    v.picklist(['none', 'processed-ids', 'processed-ids-separate', 'version', 'natural'], 'must be none, processed-ids, processed-ids-separate, version or natural'),
    'none',
  ),
  /** Retries after a handler error, then the dead-letter topic ([R1]–[R6]). */
  retry: v.optional(
    v.strictObject({
      maxAttempts: v.optional(Int(1, 20), 1),
      backoff: v.optional(v.picklist(['immediate', 'exponential'], 'must be immediate or exponential'), 'exponential'),
      initialMs: v.optional(Num(0, 3_600_000), 100),
      maxMs: v.optional(Num(0, 3_600_000), 10_000),
      jitter: v.optional(v.boolean('must be true or false'), true),
    }),
    {},
  ),
  /** While an event of a key is being retried: later events of that key wait (block-key) or overtake it (skip). */
  ordering: v.optional(v.picklist(['block-key', 'skip'], 'must be block-key or skip'), 'block-key'),
  /** Topic that receives events that failed every attempt; it must be connected from this consumer. */
  deadLetter: v.optional(v.nullable(Id), null),
  /** A handler bug: events matching this condition make the handler fail (a poison message). */
  failWhen: v.optional(v.nullable(ConditionSchema), null),
  /** Upcasters: turn an old schema version of an event type into the next before the rules see it ([S2]). */
  upcasters: v.optional(v.pipe(v.array(UpcasterSchema), v.maxLength(50)), []),
  /** The newest schema version the handler understands; a newer event is a handler error ([S3]). null: any. */
  schema: v.optional(v.nullable(Int(1, 1000)), null),
};

/** Validates a partial consumer config for a deploy; unknown fields are refused ([F6]). */
export const ConsumerPatch = v.strictObject({
  commit: v.optional(v.picklist(['after', 'before'], 'must be "after" (at-least-once) or "before" (at-most-once)')),
  rules: v.optional(v.pipe(v.array(RuleSchema as v.GenericSchema<Rule>), v.maxLength(50))),
  processingMs: v.optional(Num(0, 3_600_000)),
  idempotency: v.optional(ConsumerReliability.idempotency.wrapped),
  retry: v.optional(ConsumerReliability.retry.wrapped),
  ordering: v.optional(ConsumerReliability.ordering.wrapped),
  deadLetter: v.optional(v.nullable(Id)),
  failWhen: v.optional(v.nullable(ConditionSchema)),
  upcasters: v.optional(ConsumerReliability.upcasters.wrapped),
  schema: v.optional(v.nullable(Int(1, 1000))),
});
export type ConsumerPatch = v.InferOutput<typeof ConsumerPatch>;

const ConsumerNode = nodeSchema('consumer', {
    group: v.optional(Id),
    commit: v.optional(v.picklist(['after', 'before'], 'must be "after" (at-least-once) or "before" (at-most-once)'), 'after'),
    rules: v.optional(v.pipe(v.array(RuleSchema as v.GenericSchema<Rule>), v.maxLength(50)), []),
    processingMs: v.optional(Num(0, 3_600_000), 10),
    sessionTimeoutMs: v.optional(Num(0, 3_600_000), 100),
    /** Messages a consumer takes from a queue at once ([Q3]). */
    prefetch: v.optional(Int(1, 100), 1),
    /** Start this member later, at this logical time: it joins its group then ([G1]). null: from the start. */
    joinAt: v.optional(v.nullable(Num(0, 1e12)), null),
    /** Where a member starts on a partition its group has no committed offset for, or whose records it wanted were deleted ([RT3], [RT4]). Absent: earliest. */
    offsetReset: v.optional(v.picklist(['earliest', 'latest'], 'must be "earliest" (the oldest record kept) or "latest" (only what is appended from now on)')),
    /** [TX1] Read-process-write in one Kafka transaction: what it emits and its offset commit together. Absent: off. */
    transactional: v.optional(v.boolean('must be true or false')),
    /** [TX3] What it reads of other consumers' transactions. Absent: read_uncommitted (Kafka's default). */
    isolation: v.optional(v.picklist(['read_uncommitted', 'read_committed'], 'must be "read_uncommitted" (everything appended, Kafka\'s default) or "read_committed" (only committed transactions)')),
    /** [TX4] How long the coordinator waits before aborting the open transaction of a crashed member. Absent: 1000 ms. */
    transactionTimeoutMs: v.optional(Num(1, 3_600_000)),
    ...ConsumerReliability,
});

/** A command an aggregate accepts: checked against the state folded from its stream ([A2]). */
const CommandSchema = v.strictObject({
  name: Name(100),
  /** Accept only when this holds; reads the command's data ({"event": "data.x"}) and the stream's state. */
  when: v.optional(ConditionSchema),
  /** Why a command is refused when `when` does not hold. */
  reject: v.optional(Name(200), 'the rules of the aggregate do not allow it'),
  emit: v.pipe(
    v.array(v.strictObject({ type: Name(100), data: v.optional(v.pipe(v.record(v.string(), ExprSchema), v.check((r) => Object.keys(r).length <= 50, 'at most 50 fields'))) })),
    v.minLength(1, 'a command must append at least one event'),
    v.maxLength(10),
  ),
});
export type CommandSpec = v.InferOutput<typeof CommandSchema>;

/** An event-sourced aggregate: entity streams with versions, commands, snapshots ([A1]–[A6]). */
const AggregateNode = nodeSchema('aggregate', {
    /** How each event changes the stream's state: rules whose tables are keyed by the stream id. */
    apply: v.optional(v.pipe(v.array(RuleSchema as v.GenericSchema<Rule>), v.maxLength(50)), []),
    commands: v.optional(v.pipe(v.array(CommandSchema), v.maxLength(50)), []),
    /** Keep a snapshot of a stream's state every N events; null: never. */
    snapshotEvery: v.optional(v.nullable(Int(1, 10_000)), null),
    /** Time between loading a stream and appending: the window in which two commands race. */
    processingMs: v.optional(Num(0, 3_600_000), 5),
    /** How often a command that lost a race is reloaded and decided again. */
    maxConflictRetries: v.optional(Int(0, 20), 3),
});

/** A message a saga sends: a command or a compensation, built from the triggering event. */
const SagaMessage = v.strictObject({
  topic: Id,
  type: Name(100),
  data: v.optional(v.pipe(v.record(v.string(), ExprSchema), v.check((r) => Object.keys(r).length <= 50, 'at most 50 fields'))),
});
const SagaStep = v.strictObject({
  name: Name(80),
  command: SagaMessage,
  /** The reply event type that means this step succeeded. */
  success: Name(100),
  /** The reply event type that means it failed; null: it cannot fail by reply. */
  failure: v.optional(v.nullable(Name(100)), null),
  /** Fail the step when no reply came in this long; null: wait forever. */
  timeoutMs: v.optional(v.nullable(Num(1, 3_600_000)), null),
  /** Undoes this step when a later one fails; null: nothing to undo. */
  compensation: v.optional(
    v.nullable(
      v.strictObject({
        ...SagaMessage.entries,
        /** Wait for this reply before the next compensation; left out: go on at once. */
        success: v.optional(Name(100)),
        /** A reply that means the compensation itself failed: the saga is then failed. */
        failure: v.optional(Name(100)),
      }),
    ),
    null,
  ),
});
export type SagaStepSpec = v.InferOutput<typeof SagaStep>;

/** An orchestrated saga: a process manager with a state machine per instance ([W1]–[W6]). */
const SagaNode = nodeSchema('saga', {
    /** The event type that starts an instance; the instance is keyed by the event's correlation id. */
    trigger: v.optional(Name(100), 'Started'),
    steps: v.optional(v.pipe(v.array(SagaStep), v.maxLength(20)), []),
    /** Sent when every step succeeded. */
    onCompleted: v.optional(v.nullable(SagaMessage), null),
    /** Sent when every compensation ran. */
    onCompensated: v.optional(v.nullable(SagaMessage), null),
    processingMs: v.optional(Num(0, 3_600_000), 2),
});

/** A read model: a table built by reducers from one or more topics, with a checkpoint ([J1]–[J5]). */
const ProjectionNode = nodeSchema('projection', {
    rules: v.optional(v.pipe(v.array(RuleSchema as v.GenericSchema<Rule>), v.maxLength(50)), []),
    processingMs: v.optional(Num(0, 3_600_000), 2),
    upcasters: ConsumerReliability.upcasters,
    schema: ConsumerReliability.schema,
});

/**
 * An EventBridge-style event bus ([B1]–[B4]): rules whose patterns match fields of each
 * event route it to targets (topics or queues the bus is connected to).
 * A pattern is an object over `type`, `source`, `subject` and `data` (nested); each leaf is
 * a list of matchers, any of which may match: a value (equal), `{"prefix": "ORD-"}`,
 * `{"anything-but": v | [v…]}`, `{"numeric": [">", 0, "<=", 100]}`, `{"exists": bool}`.
 */
const EventBusRule = v.strictObject({
  name: Name(64),
  pattern: v.custom<Json>((x) => x !== null && typeof x === 'object' && !Array.isArray(x) && isJson(x), 'must be an object, such as {"type": ["OrderPlaced"]}'),
  targets: v.pipe(v.array(Id), v.minLength(1, 'needs at least one target'), v.maxLength(10)),
});
export type EventBusRuleSpec = v.InferOutput<typeof EventBusRule>;
const EventBusNode = nodeSchema('event-bus', {
  rules: v.optional(v.pipe(v.array(EventBusRule), v.maxLength(50)), []),
  /** Time the bus takes to match an event and hand it to its targets. */
  processingMs: v.optional(Num(0, 3_600_000), 1),
});

/**
 * A schema registry ([SR1]–[SR3]): per event type (its subject), numbered versions of the
 * event's fields and the compatibility each new version must keep with the one before.
 * Producers serialize with it and consumers read with it; one per scenario.
 */
const SchemaField = v.strictObject({
  name: v.pipe(v.string('must be text'), v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a field name: letters, digits and _, starting with a letter')),
  type: v.optional(v.picklist(FIELD_TYPES, `must be one of ${FIELD_TYPES.join(', ')}`), 'any'),
  /** Present: readers fill it in when the data has no such field (Avro's default). */
  default: v.optional(JsonValue),
});
const SubjectSchema = v.strictObject({
  subject: Name(100),
  compatibility: v.optional(v.picklist(COMPATIBILITY, 'must be backward, forward, full or none'), 'backward'),
  versions: v.pipe(v.array(v.strictObject({ fields: v.pipe(v.array(SchemaField), v.maxLength(50)) })), v.minLength(1, 'a subject has at least version 1'), v.maxLength(20)),
});
const RegistryNode = nodeSchema('registry', {
  subjects: v.optional(v.pipe(v.array(SubjectSchema), v.maxLength(50)), []),
});

/**
 * A service answering requests synchronously ([RR1]–[RR5]): from a producer acting as its
 * client, or from a service that calls it. It works `processingMs` on each, holding one of
 * its `concurrency` slots, then calls the services it is connected to one after the other,
 * waiting for each reply up to `timeoutMs`, and publishes the request as an event to the
 * topics and queues it is connected to. `breaker` guards each call with a circuit breaker.
 */
const ServiceNode = nodeSchema('service', {
  processingMs: v.optional(Num(0, 3_600_000), 10),
  concurrency: v.optional(Int(1, 1000), 2),
  /** How long it waits for each service it calls before giving up on the request. */
  timeoutMs: v.optional(Num(1, 3_600_000), 100),
  breaker: v.optional(
    v.nullable(
      v.strictObject({
        /** Failures (errors or timeouts) in a row that open it. */
        failureThreshold: v.optional(Int(1, 1000), 3),
        /** How long it stays open, failing every call fast, before it lets trial calls through. */
        openMs: v.optional(Num(1, 3_600_000), 500),
        /** Trial calls let through when half-open; all must succeed to close it. */
        halfOpenTrials: v.optional(Int(1, 100), 1),
      }),
    ),
    null,
  ),
});

/**
 * A stream processor, Kafka Streams-like ([WN1]–[WN6]): reads one topic, optionally joins
 * each event with the latest row per key of a table built from another topic (a KTable),
 * and counts or aggregates per key over tumbling or hopping windows of event time; a window's
 * result is emitted once, when it closes, to the output topic.
 */
const DataPath = v.pipe(v.string('must be text'), v.regex(/^data(\.[A-Za-z0-9_]{1,64}){1,8}$/, 'must be a field of the data, such as data.amount'));
export const STREAM_AGGREGATES = ['count', 'sum', 'min', 'max'] as const;
const StreamNode = nodeSchema('stream', {
  /** The topic it reads (it must be connected to it). */
  input: v.optional(v.nullable(Id), null),
  /** Only events of these types are processed (empty: all). */
  types: v.optional(v.pipe(v.array(Name(100)), v.maxLength(20)), []),
  /** The topic its results go to (it must connect to it); null: results are only shown. */
  output: v.optional(v.nullable(Id), null),
  /** The type of the events it emits; left out: WindowResult for a window, the event's own type for a join alone. */
  emitType: v.optional(Name(100)),
  /** Windowing by event time; null: no window (each joined event is emitted). */
  window: v.optional(
    v.nullable(
      v.strictObject({
        /** Window length. */
        sizeMs: Num(1, 86_400_000),
        /** How far each window starts after the one before: equal to sizeMs (or left out) is tumbling, smaller is hopping. */
        advanceMs: v.optional(Num(1, 86_400_000)),
        /** How long after its end a window still takes late events. */
        graceMs: v.optional(Num(0, 86_400_000), 0),
        aggregate: v.optional(v.picklist(STREAM_AGGREGATES, 'must be count, sum, min or max'), 'count'),
        /** The number summed or compared (sum, min, max). */
        field: v.optional(DataPath),
        /** Event time: a data field in ms of the simulation clock; left out: the event's own time (when it was produced). */
        timeField: v.optional(DataPath),
        /** Emit only windows whose result is above this (a filter after the aggregation); left out: every window. */
        above: v.optional(Num(-1e15, 1e15)),
      }),
    ),
    null,
  ),
  /** Stream-table join: the table is the latest data per key of this topic. */
  join: v.optional(
    v.nullable(
      v.strictObject({
        table: Id,
        /** inner: an event with no row is dropped; left: it goes on without one. */
        mode: v.optional(v.picklist(['inner', 'left'], 'must be inner or left'), 'inner'),
        /** Where the row goes in the joined event's data. */
        as: v.optional(v.pipe(v.string('must be text'), v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a field name: letters, digits and _')), 'table'),
      }),
    ),
    null,
  ),
  /** Time to process one event. */
  processingMs: v.optional(Num(0, 3_600_000), 1),
});

/** The node kinds' schemas. A new kind: its schema here, its entry in KIND_INFO (catalog.ts). */
const NODE_SCHEMAS = [ProducerNode, TopicNode, QueueNode, ConsumerNode, ProjectionNode, AggregateNode, SagaNode, EventBusNode, SnsNode, PubSubNode, ExchangeNode, RegistryNode, ServiceNode, StreamNode] as const;

// The catalogue of kinds (labels, starter configs, connections, checks) is catalog.ts, kept
// apart from these schemas so the first screen can show the palette without loading them.
type SchemaKind = v.InferOutput<(typeof NODE_SCHEMAS)[number]>['kind'];
// Every schema has its catalogue entry, and every entry its schema.
const _everyKind: [Record<SchemaKind, KindInfo>, Record<keyof typeof KIND_INFO, unknown>] = [KIND_INFO, {} as Record<SchemaKind, unknown>];
void _everyKind;


const NodeSchema = v.variant('kind', [...NODE_SCHEMAS], `must have "kind": ${kindList(Object.keys(KIND_INFO))}`);

/** What the network does on one connection ([N1]–[N3]); all off by default. */
const LinkEntries = {
  /** Added latency on this connection. */
  delayMs: v.optional(Num(0, 3_600_000)),
  /** Up to this much more latency, drawn per message from the seeded PRNG: messages can overtake each other. */
  jitterMs: v.optional(Num(0, 3_600_000)),
  /** Chance that a delivery on a channel → consumer connection is repeated later (a nemesis). */
  duplicateChance: v.optional(Num(0, 1)),
  /** Chance that the broker's acknowledgement of a publish on a producer → channel connection is lost. */
  ackLossChance: v.optional(Num(0, 1)),
};
export interface Link {
  delayMs: number;
  jitterMs: number;
  duplicateChance: number;
  ackLossChance: number;
}
export const NO_LINK_FAULTS: Link = { delayMs: 0, jitterMs: 0, duplicateChance: 0, ackLossChance: 0 };

/** An edge id: a node id, or the `source->target` form restoreScenario gives edges without one. */
const EdgeId = v.pipe(v.string('must be text'), v.regex(/^[A-Za-z0-9_.:-]{1,64}(->[A-Za-z0-9_.:-]{1,64})?$/, 'must be 1–64 letters, digits or _ . : - (or source->target)'));
const EdgeSchema = v.strictObject({ id: v.optional(EdgeId), source: Id, target: Id, ...LinkEntries, ...BINDING_ENTRIES });

const Crash = v.picklist(['now', 'before-handle', 'after-effects', 'after-save', 'after-publish'], 'must be now, before-handle, after-effects, after-save or after-publish');
const EventId = v.pipe(v.string(), v.regex(/^evt-\d{1,9}$/, 'must be an event id such as evt-3'));

/** The learner's actions as data: a variant on `kind`, each with `extra` fields added. */
export function intentSchema<E extends v.ObjectEntries>(extra: E) {
  return v.variant(
    'kind',
    [
      v.strictObject({
        kind: v.literal('fire'),
        node: Id,
        template: v.optional(Int(0, 49)),
        event: v.optional(
          v.strictObject({
            type: Name(100),
            key: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(200)))),
            data: v.optional(JsonValue),
            topic: v.optional(Id),
            schemaVersion: v.optional(Int(1, 1000)),
          }),
        ),
        ...extra,
      }),
      v.strictObject({ kind: v.literal('crash'), node: Id, point: v.optional(Crash), restartAfterMs: v.optional(Num(0, 3_600_000)), ...extra }),
      v.strictObject({ kind: v.literal('restart'), node: Id, ...extra }),
      v.strictObject({ kind: v.literal('duplicate'), node: Id, event: EventId, ...extra }),
      v.strictObject({ kind: v.literal('redeliver'), node: Id, count: Int(1, 100_000), ...extra }),
      v.strictObject({ kind: v.literal('deploy'), node: Id, config: ConsumerPatch, ...extra }),
      v.strictObject({ kind: v.literal('redrive'), node: Id, events: v.optional(v.pipe(v.array(EventId), v.maxLength(10_000))), ...extra }),
      v.strictObject({ kind: v.literal('outage'), node: Id, durationMs: Num(1, 3_600_000), mode: v.optional(v.picklist(['down', 'acks-lost', 'restart'], 'must be down, acks-lost or restart')), ...extra }),
      v.strictObject({ kind: v.literal('broker-fail'), node: Id, broker: v.optional(Int(1, 5)), durationMs: v.optional(Num(1, 3_600_000)), ...extra }),
      v.strictObject({ kind: v.literal('broker-recover'), node: Id, broker: Int(1, 5), ...extra }),
      v.strictObject({ kind: v.literal('partition'), node: Id, from: Id, durationMs: v.optional(Num(1, 3_600_000)), ...extra }),
      v.strictObject({ kind: v.literal('heal'), node: Id, from: Id, ...extra }),
      v.strictObject({ kind: v.literal('link'), node: Id, to: Id, ...LinkEntries, ...extra }),
      v.strictObject({ kind: v.literal('rebuild'), node: Id, ...extra }),
      v.strictObject({ kind: v.literal('saga-fault'), node: Id, step: Int(0, 19), fault: v.picklist(['fail', 'timeout'], 'must be fail or timeout'), ...extra }),
      v.strictObject({ kind: v.literal('command'), node: Id, command: Name(100), stream: v.pipe(v.string(), v.minLength(1), v.maxLength(200)), data: v.optional(JsonValue), ...extra }),
      v.strictObject({ kind: v.literal('query'), node: Id, table: Name(64), key: v.pipe(v.string(), v.maxLength(200)), ...extra }),
    ],
    'must have "kind": fire, crash, restart, duplicate, redeliver, deploy, redrive, outage, broker-fail, broker-recover, partition, heal, link, rebuild, query, command or saga-fault',
  );
}

/** A fault (or any action) the scenario schedules at a logical time ([X5]). */
const ScheduledSchema = intentSchema({ at: Num(0, 1e12) });
export type Scheduled = v.InferOutput<typeof ScheduledSchema>;

export type Invariant =
  | { kind: 'at-most-once'; node: string; effect: string; label?: string }
  | { kind: 'no-loss'; node: string; label?: string }
  | { kind: 'key-order'; node: string; label?: string }
  | { kind: 'state'; node: string; table: string; op: CompareOp; value: Json; label?: string }
  | { kind: 'fold'; node: string; label?: string }
  | { kind: 'published'; node: string; label?: string }
  | { kind: 'saga-settled'; node: string; label?: string };

const Label = v.optional(Name(120));
const InvariantSchema = v.variant(
  'kind',
  [
    v.strictObject({ kind: v.literal('at-most-once'), node: Id, effect: Name(64), label: Label }),
    v.strictObject({ kind: v.literal('no-loss'), node: Id, label: Label }),
    v.strictObject({ kind: v.literal('key-order'), node: Id, label: Label }),
    v.strictObject({ kind: v.literal('state'), node: Id, table: Name(64), op: v.picklist(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']), value: JsonValue, label: Label }),
    v.strictObject({ kind: v.literal('fold'), node: Id, label: Label }),
    v.strictObject({ kind: v.literal('published'), node: Id, label: Label }),
    v.strictObject({ kind: v.literal('saga-settled'), node: Id, label: Label }),
  ],
  'must have "kind": at-most-once, no-loss, key-order, state, fold, published or saga-settled',
);

/** [AL1] A scenario-level alert: a metric of one node compared with a threshold, held for `forMs` before it fires. */
export interface Alert {
  node: string;
  metric: 'lag' | 'latency' | 'error-rate' | 'under-replicated';
  op: 'gt' | 'gte' | 'lt' | 'lte';
  threshold: number;
  forMs?: number;
  windowMs?: number;
  label?: string;
}
export const ALERT_METRICS = ['lag', 'latency', 'error-rate', 'under-replicated'] as const;
const AlertSchema = v.strictObject({
  node: Id,
  metric: v.picklist(ALERT_METRICS, 'must be lag, latency, error-rate or under-replicated'),
  op: v.picklist(['gt', 'gte', 'lt', 'lte'], 'must be gt, gte, lt or lte'),
  threshold: Num(0, 1e9),
  forMs: v.optional(Num(0, 3_600_000)),
  windowMs: v.optional(Num(1, 3_600_000)),
  label: Label,
});

const ScenarioV1 = v.strictObject({
  format: v.literal(SCENARIO_FORMAT),
  version: v.literal(1),
  name: v.optional(Name(120), 'Untitled scenario'),
  description: v.optional(v.pipe(v.string(), v.maxLength(4000)), ''),
  seed: v.optional(Int(0, 2 ** 32 - 1), 1),
  nodes: v.pipe(v.array(NodeSchema), v.maxLength(MAX_NODES, `at most ${MAX_NODES} nodes`)),
  edges: v.optional(v.pipe(v.array(EdgeSchema), v.maxLength(1000, 'at most 1000 connections')), []),
  invariants: v.optional(v.pipe(v.array(InvariantSchema as v.GenericSchema<Invariant>), v.maxLength(50)), []),
  schedule: v.optional(v.pipe(v.array(ScheduledSchema), v.maxLength(1000)), []),
  alerts: v.optional(v.pipe(v.array(AlertSchema as v.GenericSchema<Alert>), v.maxLength(20, 'at most 20 alerts'))),
});

type ParsedV1 = v.InferOutput<typeof ScenarioV1>;
export type ProducerSpec = v.InferOutput<typeof ProducerNode> & { label: string };
export type TopicSpec = v.InferOutput<typeof TopicNode> & { label: string };
export type QueueSpec = v.InferOutput<typeof QueueNode> & { label: string };
export type ConsumerSpec = v.InferOutput<typeof ConsumerNode> & { label: string; config: { group: string } };
export type ProjectionSpec = v.InferOutput<typeof ProjectionNode> & { label: string };
export type AggregateSpec = v.InferOutput<typeof AggregateNode> & { label: string };
export type SagaSpec = v.InferOutput<typeof SagaNode> & { label: string };
export type EventBusSpec = v.InferOutput<typeof EventBusNode> & { label: string };
/** Every kind's node, as restoreScenario gives it (a consumer always has its group). */
type SpecOf<S> = S extends v.GenericSchema ? v.InferOutput<S> & { label: string } : never;
export type NodeSpec = ConsumerSpec | Exclude<SpecOf<(typeof NODE_SCHEMAS)[number]>, { kind: 'consumer' }>;
export type SnsSpec = v.InferOutput<typeof SnsNode> & { label: string };
export type PubSubSpec = v.InferOutput<typeof PubSubNode> & { label: string };
export type ExchangeSpec = v.InferOutput<typeof ExchangeNode> & { label: string };
export type RegistrySpec = v.InferOutput<typeof RegistryNode> & { label: string };
export type ServiceSpec = v.InferOutput<typeof ServiceNode> & { label: string };
export type StreamSpec = v.InferOutput<typeof StreamNode> & { label: string };
export type NodeKind = NodeSpec['kind'];
export interface EdgeSpec extends Partial<Link>, Binding {
  id: string;
  source: string;
  target: string;
}
export interface Scenario extends Omit<ParsedV1, 'nodes' | 'edges'> {
  nodes: NodeSpec[];
  edges: EdgeSpec[];
}

// ---------------------------------------------------------------------------- errors

export interface FieldError {
  /** Where, as a path into the input: `nodes[2].config.partitions`. */
  path: string;
  message: string;
}
export type Restored<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

/** One line per error: `nodes[2].config.partitions: must be at most 64`. */
export function describeErrors(errors: readonly FieldError[], max = 8): string {
  const lines = errors.slice(0, max).map((e) => `${e.path}: ${e.message}`);
  if (errors.length > max) lines.push(`…and ${errors.length - max} more`);
  return lines.join('\n');
}

/** valibot issues as field errors with plain messages. */
export function issuesToErrors(issues: readonly v.BaseIssue<unknown>[]): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    // Unions report their alternatives as sub-issues; the union's own message is the clear one.
    const path = formatPath((issue.path ?? []).map((p) => p.key as string | number));
    let message = issue.message;
    if ((issue.type === 'strict_object' || issue.type === 'object') && issue.received === 'undefined') message = 'is required but missing';
    else if (issue.type === 'strict_object') message = 'unknown field (allowed fields are listed in the scenario format)';
    else if (issue.type === 'literal' && issue.expected) message = `must be ${issue.expected}`;
    out.push({ path, message });
  }
  return out;
}

// ---------------------------------------------------------------------------- migrations

/**
 * Migrations from version N to N+1, keyed by N. DO NOT edit a released migration: old
 * files and links depend on it. Add a fixture under tests/fixtures/scenarios/ for every
 * version (SPEC [F4]).
 */
const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {};

// ---------------------------------------------------------------------------- the door

/**
 * The only way anything becomes a Scenario. Validates, applies defaults, migrates older
 * versions and checks references between nodes. Never throws on bad input.
 */
export function restoreScenario(input: unknown): Restored<Scenario> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return fail('(top level)', 'must be a JSON object describing an Eventfold scenario');
  }
  let raw = input as Record<string, unknown>;
  if (raw.format !== SCENARIO_FORMAT) {
    return fail('format', `must be "${SCENARIO_FORMAT}": this does not look like an Eventfold scenario`);
  }
  const version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return fail('version', 'must be a whole number from 1 up');
  }
  if (version > SCENARIO_VERSION) {
    return fail(
      'version',
      `this scenario was made by a newer Eventfold (format version ${version}); this one reads versions up to ${SCENARIO_VERSION}. Reload the page to get the newest Eventfold.`,
    );
  }
  for (let at = version; at < SCENARIO_VERSION; at++) raw = { ...MIGRATIONS[at](raw), version: at + 1 };

  const parsed = v.safeParse(ScenarioV1, raw, { abortPipeEarly: true });
  if (!parsed.success) return { ok: false, errors: issuesToErrors(parsed.issues) };
  const s = parsed.output;

  const errors: FieldError[] = [];
  const byId = new Map<string, { kind: NodeKind; index: number }>();
  const nodes: NodeSpec[] = s.nodes.map((n, index) => {
    const prior = byId.get(n.id);
    if (prior) errors.push({ path: `nodes[${index}].id`, message: `"${n.id}" is already the id of nodes[${prior.index}]; ids must be unique` });
    else byId.set(n.id, { kind: n.kind, index });
    const label = n.label ?? n.id;
    if (n.kind === 'consumer') return { ...n, label, config: { ...n.config, group: n.config.group ?? n.id } };
    return { ...n, label } as NodeSpec;
  });

  const edges: EdgeSpec[] = [];
  const seen = new Set<string>();
  const edgeIds = new Set<string>();
  s.edges.forEach((e, i) => {
    const src = byId.get(e.source);
    const dst = byId.get(e.target);
    if (!src) return errors.push({ path: `edges[${i}].source`, message: `no node has the id "${e.source}"` });
    if (!dst) return errors.push({ path: `edges[${i}].target`, message: `no node has the id "${e.target}"` });
    const why = connectionProblem(src.kind, dst.kind);
    if (why) return errors.push({ path: `edges[${i}]`, message: why });
    const pair = `${e.source}\u0000${e.target}`;
    if (seen.has(pair)) return errors.push({ path: `edges[${i}]`, message: `${e.source} → ${e.target} is connected twice` });
    seen.add(pair);
    const id = e.id ?? `${e.source}->${e.target}`;
    if (edgeIds.has(id)) return errors.push({ path: `edges[${i}].id`, message: `"${id}" is already the id of another connection` });
    edgeIds.add(id);
    const { id: _id, ...rest } = e;
    edges.push({ ...rest, id });
  });

  // References inside node configs must point along a wire.
  const outTopics = (id: string) => edges.filter((e) => e.source === id).map((e) => e.target);
  nodes.forEach((n, i) => {
    if (n.kind === 'producer') {
      const wired = outTopics(n.id);
      n.config.templates.forEach((t, j) => {
        if (t.topic !== undefined && !wired.includes(t.topic)) {
          errors.push({ path: `nodes[${i}].config.templates[${j}].topic`, message: `"${t.topic}" is not a topic that ${n.id} is connected to` });
        }
      });
      const rate = n.config.rate;
      if (rate && rate.template >= n.config.templates.length) {
        errors.push({ path: `nodes[${i}].config.rate.template`, message: `there is no template number ${rate.template} (the producer has ${n.config.templates.length})` });
      }
      if (rate && n.config.templates.length === 0) {
        errors.push({ path: `nodes[${i}].config.rate`, message: 'a producer with a rate needs at least one template' });
      }
    }
    if (n.kind === 'consumer') {
      const why = consumerPatchProblem(n.id, { rules: n.config.rules }, byId, outTopics(n.id));
      if (why) errors.push({ path: `nodes[${i}].config.${why.path}`, message: why.message });
      // [TX1] A transaction commits the offset with the output, after handling.
      if (n.config.transactional && n.config.commit === 'before') errors.push({ path: `nodes[${i}].config.transactional`, message: 'a transaction commits the offset together with what the handler emitted, after handling: set commit to "after", or turn transactional off' });
      if (n.config.transactionTimeoutMs !== undefined && !n.config.transactional) errors.push({ path: `nodes[${i}].config.transactionTimeoutMs`, message: 'a transaction timeout is for a transactional consumer: turn transactional on, or remove it' });
    }
    // [WN1] A stream processor reads a topic connected to it and writes to topics it connects to.
    if (n.kind === 'stream') {
      const from = edges.filter((e) => e.target === n.id).map((e) => e.source);
      const c = n.config;
      if (c.input !== null && !from.includes(c.input)) errors.push({ path: `nodes[${i}].config.input`, message: `${n.id} does not read "${c.input}": connect the topic ${c.input} → ${n.id} first` });
      if (c.join && !from.includes(c.join.table)) errors.push({ path: `nodes[${i}].config.join.table`, message: `${n.id} does not read "${c.join.table}": connect the topic ${c.join.table} → ${n.id} first` });
      else if (c.join && c.input !== null && c.join.table === c.input) errors.push({ path: `nodes[${i}].config.join.table`, message: `the table must be built from another topic than the stream it joins (${c.input})` });
      if (c.output !== null && !outTopics(n.id).includes(c.output)) errors.push({ path: `nodes[${i}].config.output`, message: `${n.id} does not write to "${c.output}": connect ${n.id} → the topic ${c.output} first` });
    }
    // A kind's own checks, from its KIND_INFO entry.
    const check = (KIND_INFO[n.kind] as KindInfo).check;
    if (check) for (const e of check(n.config as never, outTopics(n.id))) errors.push({ path: `nodes[${i}].config.${e.path}`, message: e.message });
  });

  nodes.forEach((n, i) => {
    if (n.kind === 'queue' && n.config.deadLetter !== null) {
      const dl = byId.get(n.config.deadLetter);
      if (!dl || (dl.kind !== 'queue' && dl.kind !== 'topic')) errors.push({ path: `nodes[${i}].config.deadLetter`, message: `"${n.config.deadLetter}" is not a queue or a topic` });
      else if (!outTopics(n.id).includes(n.config.deadLetter)) errors.push({ path: `nodes[${i}].config.deadLetter`, message: `connect ${n.id} → ${n.config.deadLetter} first` });
      else if (n.config.deadLetter === n.id) errors.push({ path: `nodes[${i}].config.deadLetter`, message: 'a queue cannot be its own dead-letter queue' });
    }
    if (n.kind === 'queue' && n.config.maxReceiveCount !== null && n.config.deadLetter === null && (n.config.deadLetterExchange ?? null) === null) {
      errors.push({ path: `nodes[${i}].config.deadLetter`, message: 'a maxReceiveCount needs a dead-letter queue to move messages to' });
    }
    if (n.kind !== 'consumer' || n.config.deadLetter === null) return;
    const why = consumerPatchProblem(n.id, { deadLetter: n.config.deadLetter }, byId, outTopics(n.id));
    if (why) errors.push({ path: `nodes[${i}].config.${why.path}`, message: why.message });
  });
  nodes.forEach((n, i) => errors.push(...fifoProblems(n, i, nodes, byId, outTopics(n.id))));
  // [SR1] One schema registry serves every producer and consumer.
  const registries = nodes.flatMap((n, i) => (n.kind === 'registry' ? [i] : []));
  for (const i of registries.slice(1)) errors.push({ path: `nodes[${i}].kind`, message: `a scenario has one schema registry, and nodes[${registries[0]}] is it: put these subjects there` });
  amqpProblems(nodes, edges, s.edges, byId, errors);
  // [RR2] Calls between services must not come back round: a request would call itself for ever.
  const svcCalls = (id: string) => edges.filter((e) => e.source === id && byId.get(e.target)?.kind === 'service').map((e) => e.target);
  s.edges.forEach((e, i) => {
    if (byId.get(e.source)?.kind !== 'service' || byId.get(e.target)?.kind !== 'service') return;
    const seen = new Set<string>();
    const todo = [e.target];
    while (todo.length > 0) {
      const x = todo.pop()!;
      if (x === e.source) {
        errors.push({ path: `edges[${i}]`, message: `${e.source} → ${e.target} makes a loop of calls (${e.target} calls back to ${e.source}): a request would wait on itself. Remove one of these connections` });
        return;
      }
      if (seen.has(x)) continue;
      seen.add(x);
      todo.push(...svcCalls(x));
    }
  });
  // A consumer's command action must name a command the aggregate has.
  nodes.forEach((n, i) => {
    if (n.kind !== 'consumer') return;
    n.config.rules.forEach((r, j) =>
      r.do.forEach((a, k) => {
        if (a.do !== 'command') return;
        const agg = nodes.find((x) => x.id === a.aggregate);
        if (agg && agg.kind !== 'aggregate') errors.push({ path: `nodes[${i}].config.rules[${j}].do[${k}].aggregate`, message: `"${a.aggregate}" is a ${agg.kind}, not an aggregate` });
        else if (agg && agg.kind === 'aggregate' && !agg.config.commands.some((c) => c.name === a.command)) {
          errors.push({ path: `nodes[${i}].config.rules[${j}].do[${k}].command`, message: `${a.aggregate} has no command "${a.command}"` });
        }
      }),
    );
  });
  // A saga's messages go to topics it is connected to.
  nodes.forEach((n, i) => {
    if (n.kind !== 'saga') return;
    const wired = outTopics(n.id);
    const check = (path: string, topic: string) => {
      if (!wired.includes(topic)) errors.push({ path: `nodes[${i}].config.${path}.topic`, message: `"${topic}" is not a topic that ${n.id} is connected to: connect ${n.id} → ${topic} first` });
    };
    n.config.steps.forEach((st, j) => {
      check(`steps[${j}].command`, st.command.topic);
      if (st.compensation) check(`steps[${j}].compensation`, st.compensation.topic);
    });
    if (n.config.onCompleted) check('onCompleted', n.config.onCompleted.topic);
    if (n.config.onCompensated) check('onCompensated', n.config.onCompensated.topic);
  });
  s.invariants.forEach((inv, i) => {
    const target = byId.get(inv.node);
    const wants = inv.kind === 'published' ? ['producer'] : inv.kind === 'saga-settled' ? ['saga'] : ['consumer', 'projection'];
    if (!target) errors.push({ path: `invariants[${i}].node`, message: `no node has the id "${inv.node}"` });
    else if (!wants.includes(target.kind)) errors.push({ path: `invariants[${i}].node`, message: `"${inv.node}" is a ${target.kind}: a ${inv.kind} invariant watches a ${wants.join(' or a ')}` });
  });
  (s.alerts ?? []).forEach((al, i) => {
    const target = byId.get(al.node);
    if (!target) errors.push({ path: `alerts[${i}].node`, message: `no node has the id "${al.node}"` });
    else if (al.metric === 'under-replicated') {
      // [AL4] Kafka's UnderReplicatedPartitions: a replicated topic's partitions missing an in-sync replica.
      const n = nodes[target.index];
      if (n.kind !== 'topic' || (n.config.replicationFactor ?? 1) < 2) errors.push({ path: `alerts[${i}].node`, message: `"${al.node}" is ${target.kind === 'topic' ? 'a topic kept once' : `a ${target.kind}`}: an under-replicated alert watches a topic with a replication factor of 2 or more` });
    } else if (target.kind !== 'consumer' && !(al.metric === 'lag' && target.kind === 'projection')) errors.push({ path: `alerts[${i}].node`, message: `"${al.node}" is a ${target.kind}: a ${al.metric} alert watches a consumer${al.metric === 'lag' ? ' or a projection' : ''}` });
    if (al.metric === 'error-rate' && al.threshold > 100) errors.push({ path: `alerts[${i}].threshold`, message: 'an error rate is a percentage: at most 100' });
  });
  s.schedule.forEach((f, i) => {
    if (!byId.has(f.node)) errors.push({ path: `schedule[${i}].node`, message: `no node has the id "${f.node}"` });
    const other = f.kind === 'partition' || f.kind === 'heal' ? f.from : f.kind === 'link' ? f.to : null;
    if (other !== null && !byId.has(other)) errors.push({ path: `schedule[${i}].${f.kind === 'link' ? 'to' : 'from'}`, message: `no node has the id "${other}"` });
  });

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { ...s, nodes, edges } };
}

/**
 * Cross-node checks for consumer settings (used by restoreScenario and by a deploy): an
 * emit or a dead-letter topic must be a topic this consumer is connected to.
 */
export function consumerPatchProblem(
  id: string,
  patch: { rules?: Rule[]; deadLetter?: string | null },
  byId: ReadonlyMap<string, { kind: NodeKind }>,
  wired: readonly string[],
): FieldError | null {
  if (patch.deadLetter) {
    const dl = byId.get(patch.deadLetter);
    if (!dl || (dl.kind !== 'topic' && dl.kind !== 'queue')) return { path: 'deadLetter', message: `"${patch.deadLetter}" is not a topic or a queue` };
    if (!wired.includes(patch.deadLetter)) return { path: 'deadLetter', message: `"${patch.deadLetter}" is not a topic that ${id} is connected to: connect ${id} → ${patch.deadLetter} first` };
  }
  for (const [j, r] of (patch.rules ?? []).entries()) {
    for (const [k, a] of r.do.entries()) {
      if (a.do === 'emit' && !wired.includes(a.topic)) {
        return { path: `rules[${j}].do[${k}].topic`, message: `"${a.topic}" is not a topic that ${id} is connected to: connect ${id} → ${a.topic} first` };
      }
      if (a.do === 'command' && !wired.includes(a.aggregate)) {
        return { path: `rules[${j}].do[${k}].aggregate`, message: `"${a.aggregate}" is not an aggregate that ${id} is connected to: connect ${id} → ${a.aggregate} first` };
      }
    }
  }
  return null;
}

/**
 * The settings of FIFO queues and SNS topics that other nodes make wrong ([FQ1], [SN1]): a
 * FIFO queue's dead-letter queue is FIFO too; content-based deduplication needs a FIFO
 * queue; an SNS subscription names a queue this topic is connected to, once.
 */
function fifoProblems(n: NodeSpec, i: number, nodes: readonly NodeSpec[], byId: ReadonlyMap<string, { kind: NodeKind; index: number }>, wired: readonly string[]): FieldError[] {
  const out: FieldError[] = [];
  if (n.kind === 'queue') {
    if (n.config.contentBasedDeduplication && !n.config.fifo) out.push({ path: `nodes[${i}].config.contentBasedDeduplication`, message: 'content-based deduplication is for FIFO queues: set fifo to true, or turn this off' });
    const dl = n.config.deadLetter !== null ? nodes.find((x) => x.id === n.config.deadLetter) : undefined;
    if (dl?.kind === 'queue' && !!dl.config.fifo !== !!n.config.fifo) {
      out.push({ path: `nodes[${i}].config.deadLetter`, message: n.config.fifo ? `the dead-letter queue of a FIFO queue must be FIFO too (as in SQS): make ${dl.id} fifo, or pick another` : `${dl.id} is a FIFO queue: a standard queue's dead-letter queue must be standard too (as in SQS)` });
    }
  }
  if (n.kind === 'sns') {
    const seen = new Set<string>();
    n.config.subscriptions.forEach((sub, j) => {
      const path = `nodes[${i}].config.subscriptions[${j}].queue`;
      const target = byId.get(sub.queue);
      if (!target || target.kind !== 'queue') out.push({ path, message: `"${sub.queue}" is not a queue` });
      else if (!wired.includes(sub.queue)) out.push({ path, message: `${n.id} is not connected to ${sub.queue}: connect ${n.id} → ${sub.queue} first` });
      else if (seen.has(sub.queue)) out.push({ path, message: `${sub.queue} already has settings above: one entry per queue` });
      seen.add(sub.queue);
    });
  }
  return out;
}

/**
 * AMQP references ([AM3], [AM6], [AM8]): a binding only on a connection from an exchange (its
 * kind's fields only), an alternate or dead-letter exchange along a wire, no circle of exchanges.
 */
function amqpProblems(nodes: NodeSpec[], edges: EdgeSpec[], raw: readonly { source: string; target: string }[], byId: ReadonlyMap<string, { kind: NodeKind; index: number }>, errors: FieldError[]): void {
  const edgeIndex = (e: EdgeSpec) => raw.findIndex((r) => r.source === e.source && r.target === e.target);
  const wiredTo = (from: string, to: string) => edges.some((e) => e.source === from && e.target === to);
  const exchange = (id: string) => nodes.find((n): n is ExchangeSpec => n.id === id && n.kind === 'exchange');
  for (const e of edges) {
    const i = edgeIndex(e);
    const x = exchange(e.source);
    const fields = (['bindingKey', 'headers', 'xMatch'] as const).filter((f) => e[f] !== undefined);
    if (fields.length === 0) continue;
    if (!x) {
      errors.push({ path: `edges[${i}].${fields[0]}`, message: `only a connection from an exchange carries a binding: ${e.source} is a ${byId.get(e.source)?.kind}` });
      continue;
    }
    if (x.config.alternateExchange === e.target && byId.get(e.target)?.kind === 'exchange') {
      errors.push({ path: `edges[${i}].${fields[0]}`, message: `${e.target} is ${x.id}'s alternate exchange: it takes what no binding matched, so this connection has no binding of its own` });
      continue;
    }
    const type = x.config.type;
    const wrong = type === 'headers' ? fields.find((f) => f === 'bindingKey') : fields.find((f) => f !== 'bindingKey');
    if (wrong === 'bindingKey') errors.push({ path: `edges[${i}].bindingKey`, message: 'a headers exchange matches headers, not a binding key: give this connection headers (and x-match all or any) instead' });
    else if (wrong) errors.push({ path: `edges[${i}].${wrong}`, message: `a ${type} exchange ${type === 'fanout' ? 'ignores bindings' : 'matches the binding key'}: headers and x-match belong to a headers exchange` });
    else if (type === 'fanout' && e.bindingKey !== undefined && e.bindingKey !== '') errors.push({ path: `edges[${i}].bindingKey`, message: 'a fanout exchange copies every message to every bound queue: a binding key would be ignored, so leave it empty (or make the exchange direct or topic)' });
  }
  nodes.forEach((n, i) => {
    if (n.kind === 'exchange' && n.config.alternateExchange !== null) {
      const ae = n.config.alternateExchange;
      if (byId.get(ae)?.kind !== 'exchange') errors.push({ path: `nodes[${i}].config.alternateExchange`, message: `"${ae}" is not an exchange` });
      else if (ae === n.id) errors.push({ path: `nodes[${i}].config.alternateExchange`, message: 'an exchange cannot be its own alternate exchange' });
      else if (!wiredTo(n.id, ae)) errors.push({ path: `nodes[${i}].config.alternateExchange`, message: `connect ${n.id} → ${ae} first` });
    }
    if (n.kind === 'queue' && n.config.deadLetterExchange != null) {
      const dlx = n.config.deadLetterExchange;
      if (byId.get(dlx)?.kind !== 'exchange') errors.push({ path: `nodes[${i}].config.deadLetterExchange`, message: `"${dlx}" is not an exchange` });
      else if (!wiredTo(n.id, dlx)) errors.push({ path: `nodes[${i}].config.deadLetterExchange`, message: `connect ${n.id} → ${dlx} first` });
      else if (n.config.deadLetter !== null) errors.push({ path: `nodes[${i}].config.deadLetterExchange`, message: 'a queue dead-letters either to a queue or topic (deadLetter) or through an exchange (deadLetterExchange), not both: clear one' });
    }
    if (n.kind === 'queue' && n.config.deadLetterRoutingKey != null && n.config.deadLetterExchange == null) {
      errors.push({ path: `nodes[${i}].config.deadLetterRoutingKey`, message: 'a dead-letter routing key needs a dead-letter exchange to route by it' });
    }
  });
  // Exchanges bound to exchanges must not go round in a circle ([AM6]).
  const next = (id: string) => edges.filter((e) => e.source === id && byId.get(e.target)?.kind === 'exchange').map((e) => e.target);
  const done = new Set<string>();
  for (const start of nodes.filter((n) => n.kind === 'exchange')) {
    const path: string[] = [];
    const walk = (id: string): string[] | null => {
      if (path.includes(id)) return [...path.slice(path.indexOf(id)), id];
      if (done.has(id)) return null;
      path.push(id);
      for (const t of next(id)) {
        const loop = walk(t);
        if (loop) return loop;
      }
      path.pop();
      done.add(id);
      return null;
    };
    const loop = walk(start.id);
    if (loop) {
      const closing = edges.find((e) => e.source === loop[loop.length - 2] && e.target === loop[loop.length - 1])!;
      errors.push({ path: `edges[${edgeIndex(closing)}]`, message: `exchanges connected in a circle (${loop.join(' → ')}): a message could go round for ever; remove one of these connections` });
      break;
    }
  }
}

/** Why a connection from one kind to another makes no sense, or null when it does. */
export function connectionProblem(from: NodeKind, to: NodeKind): string | null {
  // A kind that declares its connections in KIND_INFO.
  const src: KindInfo = KIND_INFO[from];
  const dst: KindInfo = KIND_INFO[to];
  if (src.feeds?.includes(to) || dst.accepts?.includes(from)) return null;
  const a = (k: string) => {
    const label = (KIND_INFO as Record<string, KindInfo>)[k]?.label ?? k;
    // An acronym keeps its capitals and is read letter by letter ("an SNS topic").
    const acronym = /^[A-Z]{2,}/.test(label);
    const name = acronym ? label : label.toLowerCase();
    return `${(acronym ? /^[AEFHILMNORSX]/ : /^[aeiou]/).test(name) ? 'an' : 'a'} ${name}`;
  };
  if (src.feeds) return `${a(from)} connects to ${kindList(src.feeds.map(a))}, not to ${a(to)}`;
  if (dst.accepts) return `${a(to)} takes connections from ${kindList(dst.accepts.map(a))}, not from ${a(from)}`;
  const channel = (k: NodeKind) => k === 'topic' || k === 'queue';
  if (from === 'producer' && channel(to)) return null;
  if (channel(from) && to === 'consumer') return null;
  if (from === 'topic' && to === 'projection') return null;
  if (from === 'queue' && to === 'projection') return 'a projection reads a topic, which keeps every event for replay; a queue deletes what it delivered';
  if (from === 'projection') return 'a projection is a read model: nothing flows out of it (query it instead)';
  if (from === 'consumer' && to === 'aggregate') return null;
  if (from === 'topic' && to === 'saga') return null;
  if (from === 'saga' && to === 'topic') return null;
  if (from === 'saga' || to === 'saga') return 'a saga reads replies from topics and sends its commands to topics';
  if (from === 'aggregate' && (to === 'topic' || to === 'projection')) return null;
  if (to === 'aggregate') return `an aggregate takes commands from you or from a consumer, not from a ${from}`;
  if (from === 'aggregate') return `an aggregate publishes its events to a topic or feeds a projection, not a ${to}`;
  if (from === 'consumer' && channel(to)) return null;
  // A queue's dead-letter target ([Q5]).
  if (from === 'queue' && channel(to)) return null;
  if (from === 'topic' && channel(to)) return `a topic cannot feed a ${to} directly: put a consumer between them`;
  if (to === 'producer') return 'nothing flows into a producer: it is where events start';
  if (from === 'producer' && to === 'consumer') return 'a producer publishes to a topic, not straight to a consumer: put a topic between them';
  if (from === 'consumer' && to === 'consumer') return 'consumers talk through topics: connect this consumer to a topic';
  return `a ${from} cannot connect to a ${to}`;
}

function fail<T>(path: string, message: string): Restored<T> {
  return { ok: false, errors: [{ path, message }] };
}

/** Parses JSON text and restores it; a syntax error becomes a FieldError too. */
export function parseScenarioText(text: string): Restored<Scenario> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return fail('(file)', `is not valid JSON: ${(e as Error).message}`);
  }
  return restoreScenario(data);
}
