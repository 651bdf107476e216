// A scenario as a runnable Node project: a docker compose file for real brokers (Redpanda,
// Kafka's API, for topics; RabbitMQ for exchanges and the queues of a scenario that has
// exchanges), the topics created with the scenario's partitions and the exchanges, queues and
// bindings declared, KafkaJS and amqplib producers that fire the templates, and consumers whose
// handler rules are written out as readable TypeScript (one file per consumer or projection,
// one `if` per rule). The runtime the handlers use is template/runtime.ts and the broker code
// template/kafka.ts and template/amqp.ts, copied verbatim.
//
// Nothing from the scenario is pasted into code as code: every name, type, key and value
// enters the generated source as a JSON string or number literal, and labels only in line
// comments with their line breaks removed.
import type { Action, Condition, Expr, NodeSpec, Rule, Scenario } from '../../engine/index.ts';
import { ruleText } from '../../engine/index.ts';
import { slug } from '../names.ts';
import { kafkaTopicConfig } from '../kafka-config.ts';
import runtimeSource from './template/runtime.ts?raw';
import kafkaSource from './template/kafka.ts?raw';
import amqpSource from './template/amqp.ts?raw';

export interface ProjectFile {
  path: string;
  text: string;
}

export interface Project {
  /** The folder name (the scenario's name as a slug). */
  name: string;
  files: ProjectFile[];
  /** Nodes not generated, with why (also in the project's README). */
  notGenerated: string[];
}

const lit = (x: unknown): string => JSON.stringify(x ?? null);
/** A label in a line comment: no line terminator can end the comment early. */
const comment = (s: string): string => s.replace(/[\r\n\u2028\u2029]+/g, ' ');

function names() {
  const taken = new Set<string>();
  return (raw: string, style: 'file' | 'ident'): string => {
    let base = raw.replace(style === 'file' ? /[^A-Za-z0-9_-]+/g : /[^A-Za-z0-9_]+/g, style === 'file' ? '-' : '_').replace(/^[-_]+|[-_]+$/g, '') || 'node';
    if (style === 'ident' && /^[0-9]/.test(base)) base = `n_${base}`;
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    taken.add(name.toLowerCase());
    return name;
  };
}

// ---------------------------------------------------------------------------- rules as code

function expr(e: Expr): string {
  if (e === null || typeof e !== 'object') return lit(e);
  if ('event' in e) return `field(event, ${lit(e.event)})`;
  return `h.read(${lit(e.state)}, keyOf(${expr(e.key)}, ${lit(e.state)}))`;
}

const ORDER: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

function cond(c: Condition): string {
  switch (c.op) {
    case 'all':
      return c.of.length === 0 ? 'true' : `(${c.of.map(cond).join(' && ')})`;
    case 'any':
      return c.of.length === 0 ? 'false' : `(${c.of.map(cond).join(' || ')})`;
    case 'not':
      return `!${cond(c.cond)}`;
    case 'exists':
      return `present(${expr(c.value)})`;
    case 'missing':
      return `!present(${expr(c.value)})`;
    case 'eq':
      return `same(${expr(c.left)}, ${expr(c.right)})`;
    case 'ne':
      return `!same(${expr(c.left)}, ${expr(c.right)})`;
    default:
      return `order(${expr(c.left)}, ${lit(ORDER[c.op])}, ${expr(c.right)})`;
  }
}

function fields(data: Record<string, Expr> | undefined): string {
  if (data === undefined) return 'undefined';
  const entries = Object.entries(data).map(([k, v]) => `${lit(k)}: ${expr(v)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

function action(a: Action): string {
  const key = (k: Expr, what: string) => `keyOf(${expr(k)}, ${lit(what)})`;
  switch (a.do) {
    case 'set':
      return `h.set(${lit(a.table)}, ${key(a.key, a.table)}, ${expr(a.value)});`;
    case 'increment':
      return `h.add(${lit(a.table)}, ${key(a.key, a.table)}, ${expr(a.by)});`;
    case 'decrement':
      return `h.add(${lit(a.table)}, ${key(a.key, a.table)}, ${expr(a.by)}, -1);`;
    case 'append':
      return `h.append(${lit(a.table)}, ${key(a.key, a.table)}, ${expr(a.value)});`;
    case 'emit':
      return `h.emit(${lit(a.topic)}, ${lit(a.type)}, ${a.key === undefined ? 'undefined' : expr(a.key)}${a.data === undefined ? '' : `, ${fields(a.data)}`});`;
    case 'effect':
      return `h.effect(${lit(a.name)}, ${key(a.key, a.name)});`;
    case 'command':
      return `h.command(${lit(a.aggregate)}, ${lit(a.command)}, ${key(a.stream, `${a.aggregate} stream`)}, ${fields(a.data)});`;
  }
}

/** A topic's retention and compaction as Kafka topic configs ([RT1], [RT5]): cleanup.policy, retention.ms. */
function topicConfigEntries(n: NodeSpec | undefined): { config?: Record<string, string> } {
  const k = n?.kind === 'topic' ? kafkaTopicConfig(n.config) : null;
  return k ? { config: { 'cleanup.policy': k.cleanupPolicy.join(','), 'retention.ms': String(k.retentionMs) } } : {};
}

/** A consumer's rules as one handler function, one `if` per rule in order ([H1]). */
export function handlerSource(node: { id: string; label: string }, rules: readonly Rule[], failWhen: Condition | null): string {
  const body: string[] = [];
  if (failWhen) {
    body.push(
      '  // A bug the scenario plants on purpose (its failWhen): events like these make the handler fail (a poison message).',
      `  if (holds(() => ${cond(failWhen)})) throw new HandlerError('the handler has a bug for events like this one (its failWhen condition matches): a poison message');`,
    );
  }
  rules.forEach((r, i) => {
    const tests = [r.on === '*' ? null : `event.type === ${lit(r.on)}`, r.when ? cond(r.when) : null].filter(Boolean);
    body.push(`  // ${i + 1}. ${comment(ruleText(r))}`);
    body.push(`  if (${tests.length > 0 ? tests.join(' && ') : 'true'}) {`);
    for (const a of r.do) body.push(`    ${action(a)}`);
    body.push(`    return ${i + 1};`, '  }');
  });
  body.push('  return 0;');
  // Import what the body uses (string literals are JSON: a helper's name inside one is harmless).
  const code = body.join('\n');
  const helpers = ['field', 'HandlerError', 'holds', 'keyOf', 'order', 'present', 'same'].filter((f) => new RegExp(`\\b${f}\\(|new ${f}\\b`).test(code));
  return [
    `// The handler rules of ${comment(node.label)} (${comment(node.id)}), written out by Eventfold.`,
    '// The first rule whose event type matches and whose condition holds applies; an event no',
    '// rule matches is ignored (and still committed). A HandlerError drops everything staged.',
    `import { ${[...helpers, 'type CloudEvent', 'type Handling'].join(', ')} } from '../runtime.js';`,
    '',
    '/** Returns the number of the rule that applied (1, 2, …), or 0 when none did. */',
    'export function handle(event: CloudEvent, h: Handling): number {',
    code,
    '}',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------- the project

const REDPANDA_IMAGE = 'docker.redpanda.com/redpandadata/redpanda:v24.2.7';
const RABBITMQ_IMAGE = 'rabbitmq:4.1-management';

type ExchangeNode = Extract<NodeSpec, { kind: 'exchange' }>;
type QueueNode = Extract<NodeSpec, { kind: 'queue' }>;

/** The scenario as a project: every file's path (under the project folder) and text. */
export function generateProject(s: Scenario): Project {
  const name = slug(s.name) || 'eventfold-scenario';
  const byId = new Map(s.nodes.map((n) => [n.id, n]));
  // Topics map onto Kafka. A scenario with exchanges gets RabbitMQ too: its exchanges, and
  // all its queues (RabbitMQ's own kind: per-message acks, prefetch, dead-lettering). Without
  // exchanges, queues stay Kafka topics read by one shared group. The other kinds that carry
  // messages (SNS topics, pub/sub channels, event buses) become plain Kafka topics of their
  // name, and the README says their routing is not generated.
  const amqp = s.nodes.some((n) => n.kind === 'exchange');
  const CHANNEL_KINDS = new Set<string>(['topic', 'queue', 'exchange', 'sns', 'pubsub', 'event-bus']);
  const channels = s.nodes.filter((n) => CHANNEL_KINDS.has(n.kind));
  const isChannel = (id: string) => CHANNEL_KINDS.has(byId.get(id)?.kind ?? '');
  /** Where a message sent to a node goes on RabbitMQ (an exchange, or a queue through the default exchange), or null: Kafka. */
  const amqpRoute = (id: string): { exchange: string; routingKey: string | null } | null => {
    const kind = byId.get(id)?.kind;
    if (kind === 'exchange') return { exchange: id, routingKey: null };
    if (kind === 'queue' && amqp) return { exchange: '', routingKey: id };
    return null;
  };
  const file = names();
  const ident = names();
  const notGenerated: string[] = [];
  const dlTopics = new Set<string>();

  // Producers: their templates, each with its topic (or exchange, or queue) resolved.
  const producers = s.nodes.flatMap((n) => {
    if (n.kind !== 'producer') return [];
    const wired = s.edges.filter((e) => e.source === n.id && isChannel(e.target)).map((e) => e.target);
    const templates = n.config.templates.flatMap((t) => {
      const topic = t.topic ?? (wired.length === 1 ? wired[0] : null);
      if (!topic) {
        notGenerated.push(`${n.label}: template ${t.type} names no topic and the producer is not wired to exactly one.`);
        return [];
      }
      const route = amqpRoute(topic);
      const amqpPart = route && {
        exchange: route.exchange,
        // [AM2] Its own routing key, else the event type; a queue's name through the default exchange.
        routingKey: route.exchange === '' ? route.routingKey : (t.routingKey ?? null),
        ...(t.headers !== undefined ? { headers: t.headers } : {}),
        ...(t.expirationMs !== undefined ? { expirationMs: t.expirationMs } : {}),
        ...(t.mandatory ? { mandatory: true } : {}),
      };
      return [{ type: t.type, key: t.key ?? null, data: t.data ?? {}, topic, schemaVersion: t.schemaVersion, ...(amqpPart ? { amqp: amqpPart } : {}) }];
    });
    if (n.config.pattern !== 'direct') notGenerated.push(`${n.label}: its ${n.config.pattern} pattern (own table + ${n.config.pattern === 'outbox' ? 'outbox relay' : 'second write'}) is not generated: the producer publishes directly.`);
    return [{ node: n, templates, rate: n.config.rate }];
  });

  // Consumers and projections: one Kafka consumer per group they read with (a Kafka-side
  // queue's readers share one group, so they compete as on a queue), and one RabbitMQ
  // consumer per queue they read when the queue is on RabbitMQ.
  const readers = s.nodes.flatMap((n) => {
    if (n.kind !== 'consumer' && n.kind !== 'projection') return [];
    const from = s.edges.filter((e) => e.target === n.id && isChannel(e.source)).map((e) => byId.get(e.source)!);
    if (from.length === 0) notGenerated.push(`${n.label}: reads no topic, so it never runs.`);
    const onRabbit = (c: NodeSpec) => c.kind === 'queue' && amqp;
    const topics = from.filter((c) => c.kind !== 'queue').map((c) => c.id);
    const queues = from.filter((c) => c.kind === 'queue' && !onRabbit(c)).map((c) => c.id);
    const group = n.kind === 'consumer' ? n.config.group : n.id;
    const groups = [...(topics.length > 0 ? [{ group, topics }] : []), ...queues.map((q) => ({ group: `${q}-workers`, topics: [q] }))];
    const c = n.kind === 'consumer' ? n.config : null;
    const rabbitQueues = from.filter(onRabbit).map((q) => ({
      id: n.id,
      queue: q.id,
      prefetch: c?.prefetch ?? 1,
      autoAck: (c?.commit ?? 'after') === 'before',
      requeue: (q as QueueNode).config.onReject !== 'dead-letter',
      idempotency: c?.idempotency ?? 'none',
    }));
    if (c?.deadLetter && groups.length > 0) dlTopics.add(c.deadLetter);
    if (c && c.upcasters.length > 0) notGenerated.push(`${n.label}: its upcasters are not generated (events reach the handler as they were written).`);
    if (n.kind === 'projection' && n.config.upcasters.length > 0) notGenerated.push(`${n.label}: its upcasters are not generated.`);
    // [TX1] A transactional consumer is generated with a KafkaJS transaction (send + sendOffsets + commit), unless its emits may go to RabbitMQ too.
    if (c && c.transactional && amqp) notGenerated.push(`${n.label}: its transaction is not generated in a project that also runs RabbitMQ (an emit there cannot join a Kafka transaction): it emits and commits at-least-once.`);
    if (c && c.ordering === 'skip' && groups.length > 0) notGenerated.push(`${n.label}: ordering "skip" is not generated: a retried event blocks its partition, as Kafka does.`);
    if (c && c.retry.maxAttempts > 1 && rabbitQueues.length > 0) notGenerated.push(`${n.label}: on a RabbitMQ queue its retries (${c.retry.maxAttempts} attempts) do not apply, as in the simulation: a failure is a nack, and the queue decides (requeue, delivery limit, dead-lettering).`);
    return [
      {
        node: n,
        file: file(n.id, 'file'),
        ident: ident(n.id, 'ident'),
        rules: n.config.rules,
        failWhen: c?.failWhen ?? null,
        groups,
        rabbitQueues,
        commit: c?.commit ?? 'after',
        idempotency: c?.idempotency ?? 'none',
        retry: c ? { maxAttempts: c.retry.maxAttempts, backoff: c.retry.backoff, initialMs: c.retry.initialMs, maxMs: c.retry.maxMs } : { maxAttempts: 1, backoff: 'immediate' as const, initialMs: 0, maxMs: 0 },
        deadLetter: c?.deadLetter ?? null,
        ...(c?.transactional ? { transactional: true } : {}),
        ...(c?.isolation === 'read_committed' ? { isolation: 'read_committed' as const } : {}),
      },
    ];
  });

  // RabbitMQ's topology: the exchanges, the queues with their arguments, the bindings.
  const exchanges = s.nodes.filter((n): n is ExchangeNode => n.kind === 'exchange');
  const rabbitQueues = amqp ? s.nodes.filter((n): n is QueueNode => n.kind === 'queue') : [];
  const topology = {
    exchanges: exchanges.map((x) => ({ name: x.id, type: x.config.type, alternateExchange: x.config.alternateExchange })),
    queues: rabbitQueues.map((q) => {
      const c = q.config;
      // An SQS-style dead-letter queue: RabbitMQ dead-letters through an exchange, so through
      // the default one, with the dead-letter queue's name as the routing key.
      const dlQueue = c.deadLetter !== null && byId.get(c.deadLetter)?.kind === 'queue' ? c.deadLetter : null;
      if (c.deadLetter !== null && !dlQueue) notGenerated.push(`${q.label} (queue): its dead letters go to the Kafka topic ${c.deadLetter} in the simulation; RabbitMQ dead-letters only through exchanges, so at its delivery limit a message is dropped instead.`);
      if (c.fifo) notGenerated.push(`${q.label} (SQS FIFO queue): message groups and the deduplication window are not generated (they are Amazon SQS's, and no local AWS broker is part of the project): it is a RabbitMQ queue, in order with one consumer.`);
      return {
        name: q.id,
        messageTtlMs: c.messageTtlMs ?? null,
        deadLetterExchange: c.deadLetterExchange ?? (dlQueue ? '' : null),
        deadLetterRoutingKey: c.deadLetterRoutingKey ?? dlQueue,
        // [Q5] Received maxReceiveCount times, dead-lettered at the next: a quorum queue's
        // x-delivery-limit counts the returns, one fewer than the deliveries.
        deliveryLimit: c.maxReceiveCount === null ? null : c.maxReceiveCount - 1,
      };
    }),
    bindings: exchanges.flatMap((x) =>
      s.edges
        .filter((e) => e.source === x.id && e.target !== x.config.alternateExchange && (byId.get(e.target)?.kind === 'queue' || byId.get(e.target)?.kind === 'exchange'))
        .map((e) => ({
          exchange: x.id,
          to: e.target,
          toExchange: byId.get(e.target)!.kind === 'exchange',
          bindingKey: x.config.type === 'headers' || x.config.type === 'fanout' ? '' : (e.bindingKey ?? ''),
          headers: x.config.type === 'headers' ? (e.headers ?? {}) : null,
          xMatch: e.xMatch ?? 'all',
        })),
    ),
  };
  for (const x of exchanges)
    for (const e of s.edges) if (e.source === x.id && e.target !== x.config.alternateExchange && byId.get(e.target)?.kind !== 'queue' && byId.get(e.target)?.kind !== 'exchange') notGenerated.push(`${x.label} (exchange): its connection to ${e.target} is not generated: an exchange binds queues and exchanges only.`);

  const ROUTING: Record<string, string> = { sns: 'SNS topic', pubsub: 'pub/sub channel', 'event-bus': 'event bus' };
  const WHY: Record<string, string> = {
    sns: 'SNS is Amazon\u2019s, and no local AWS broker is part of the project',
    'event-bus': 'EventBridge is Amazon\u2019s, and no local AWS broker is part of the project',
    pubsub: 'Redis pub/sub is not generated yet',
  };
  for (const n of s.nodes) {
    if (ROUTING[n.kind]) notGenerated.push(`${n.label} (${ROUTING[n.kind]}): not generated (${WHY[n.kind]}); what is published to it goes to a Kafka topic of its name and nothing routes it on.`);
    if (n.kind === 'aggregate') notGenerated.push(`${n.label} (aggregate): event-sourced aggregates are not generated; commands consumers send to it are logged.`);
    if (n.kind === 'saga') notGenerated.push(`${n.label} (saga): sagas are not generated yet.`);
    if (n.kind === 'topic' && (n.config.replicationFactor ?? 1) > 1) notGenerated.push(`${n.label}: its ${n.config.replicationFactor} replicas are not generated: the project's compose runs one Kafka broker, so topics get one replica (on a real cluster, give createTopics replicationFactor ${n.config.replicationFactor}${n.config.minInsyncReplicas ? ` and min.insync.replicas=${n.config.minInsyncReplicas}` : ''}). Producers keep their acks.`);
    if (n.kind === 'queue' && !amqp && (n.config.maxReceiveCount !== null || n.config.deadLetter)) notGenerated.push(`${n.label} (queue): its max receive count and dead letters are not generated (Kafka has no per-message acknowledgement).`);
    if (n.kind === 'queue' && !amqp && n.config.fifo) notGenerated.push(`${n.label} (SQS FIFO queue): message groups and the deduplication window are not generated (they are Amazon SQS's, and no local AWS broker is part of the project).`);
  }
  if (s.schedule.length > 0) notGenerated.push(`the schedule (${s.schedule.length} planned action(s): faults, fires) is not generated: fire and break things by hand.`);
  if (s.invariants.length > 0) notGenerated.push(`the invariants (${s.invariants.length}) are not checked in the project.`);
  if (s.edges.some((e) => e.delayMs || e.jitterMs || e.duplicateChance || e.ackLossChance)) notGenerated.push('the network faults on connections (delay, jitter, duplicates, lost acks) are not generated: a real network brings its own.');

  const onKafka = (id: string) => amqpRoute(id) === null;
  const topics = [
    ...new Map([
      ...channels.filter((c) => onKafka(c.id)).map((c) => [c.id, c.kind === 'topic' ? c.config.partitions : 1] as const),
      ...[...dlTopics].filter(onKafka).map((t) => [t, (byId.get(t)?.kind === 'topic' && (byId.get(t) as Extract<NodeSpec, { kind: 'topic' }>).config.partitions) || 1] as const),
    ]),
  ].map(([topic, partitions]) => ({ topic, partitions, ...topicConfigEntries(byId.get(topic)) }));
  const kafka = topics.length > 0 || readers.some((r) => r.groups.length > 0);
  for (const n of s.nodes) {
    if (n.kind === 'topic' && (n.config.retentionRecords ?? null) !== null) notGenerated.push(`${n.label}: retention by record count (${n.config.retentionRecords} per partition) has no Kafka setting: Kafka bounds a partition by bytes (retention.bytes); it is created without it.`);
    if (n.kind === 'queue' && n.config.durable === false) notGenerated.push(`${n.label}: declared durable in the project (the scenario's queue is not durable, [DU1]); every message is also published persistent there, the safe choice.`);
    if (n.kind === 'service') notGenerated.push(`${n.label} (service): not generated; its synchronous calls, timeouts and circuit breaker would be HTTP or gRPC handlers and clients of your own. What it publishes to topics and queues is not sent.`);
    if (n.kind === 'stream') notGenerated.push(`${n.label} (stream processor): not generated; a Kafka Streams application would do it (groupByKey, windowedBy with grace, count or aggregate, suppress until the window closes, and a join with a KTable), and Node has no Kafka Streams.`);
    if (n.kind === 'registry') notGenerated.push(`${n.label} (schema registry): not generated; events are plain JSON. Confluent Schema Registry with Avro serializers would enforce the same subjects and compatibility.`);
  }
  /** Where emits (and dead letters) to RabbitMQ nodes go. */
  const amqpChannels = Object.fromEntries(channels.flatMap((c) => (amqpRoute(c.id) ? [[c.id, amqpRoute(c.id)!]] : [])));

  const files: ProjectFile[] = [];
  const add = (path: string, text: string) => files.push({ path, text });

  add('package.json', `${JSON.stringify(
    {
      name: name.slice(0, 200),
      version: '0.1.0',
      private: true,
      type: 'module',
      description: `Generated by Eventfold from the scenario: ${s.name}`,
      engines: { node: '>=20' },
      scripts: {
        broker: 'docker compose up -d',
        ...(kafka ? { topics: 'tsx src/topics.ts' } : {}),
        ...(amqp ? { topology: 'tsx src/topology.ts' } : {}),
        start: 'tsx src/main.ts',
        fire: 'tsx src/fire.ts',
        check: 'tsc -p .',
        test: 'node --import tsx --test test/handlers.test.ts',
      },
      dependencies: { ...(amqp ? { amqplib: '^0.10.9' } : {}), ...(kafka ? { kafkajs: '^2.2.4' } : {}) },
      devDependencies: { ...(amqp ? { '@types/amqplib': '^0.10.8' } : {}), '@types/node': '^20.19.0', tsx: '^4.19.0', typescript: '^5.6.0' },
    },
    null,
    2,
  )}\n`);
  add('tsconfig.json', `${JSON.stringify({ compilerOptions: PROJECT_COMPILER_OPTIONS, include: ['src', 'test'] }, null, 2)}\n`);
  add('.gitignore', 'node_modules/\n');
  add(
    'docker-compose.yml',
    [
      `# ${[kafka ? 'One Redpanda broker (the Kafka protocol)' : '', amqp ? 'one RabbitMQ broker' : ''].filter(Boolean).join(' and ')} for this project: \`docker compose up -d\`.`,
      ...(kafka ? ['# Kafka clients on this machine connect to localhost:19092 (KAFKA_BROKERS overrides it).'] : []),
      ...(amqp ? ['# AMQP clients connect to amqp://localhost:5672 (RABBITMQ_URL overrides it); the management UI is', '# http://localhost:15672 (guest/guest).'] : []),
      'services:',
      ...(kafka
        ? [
            '  redpanda:',
            `    image: ${REDPANDA_IMAGE}`,
            '    command:',
            '      - redpanda start',
            '      - --kafka-addr internal://0.0.0.0:9092,external://0.0.0.0:19092',
            '      - --advertise-kafka-addr internal://redpanda:9092,external://localhost:19092',
            '      - --mode dev-container',
            '      - --smp 1',
            '      - --default-log-level=warn',
            '    ports:',
            '      - 19092:19092',
          ]
        : []),
      ...(amqp ? ['  rabbitmq:', `    image: ${RABBITMQ_IMAGE}`, '    ports:', '      - 5672:5672', '      - 15672:15672'] : []),
      '',
    ].join('\n'),
  );
  add('src/runtime.ts', runtimeSource);
  if (kafka) add('src/kafka.ts', kafkaSource);
  if (amqp) add('src/amqp.ts', amqpSource);

  for (const r of readers) add(`src/handlers/${r.file}.ts`, handlerSource(r.node, r.rules, r.failWhen));

  // The scenario's shape as data the entry points share.
  const consumerSpecs = readers.flatMap((r) =>
    r.groups.map((g) => ({
      handler: r.ident,
      spec: { id: r.node.id, group: g.group, topics: g.topics, commit: r.commit, idempotency: r.idempotency, retry: r.retry, deadLetter: r.deadLetter, ...(r.transactional ? { transactional: r.transactional } : {}), ...(r.isolation ? { isolation: r.isolation } : {}) },
      label: r.node.label,
    })),
  );
  const queueConsumerSpecs = readers.flatMap((r) => r.rabbitQueues.map((spec) => ({ handler: r.ident, spec, label: r.node.label })));
  add(
    'src/scenario.ts',
    [
      `// ${comment(s.name)}: the ${[kafka ? 'topics' : '', amqp ? 'exchanges, queues, bindings' : ''].filter(Boolean).join(', ')}, producers and consumers of the scenario, as data.`,
      ...(kafka ? ["import type { ConsumerSpec, TopicSpec } from './kafka.js';"] : []),
      ...(amqp ? ["import type { QueueConsumerSpec, Topology } from './amqp.js';"] : []),
      "import type { Handler, ProducerSpec } from './runtime.js';",
      ...readers.map((r) => `import { handle as ${r.ident} } from './handlers/${r.file}.js';`),
      '',
      ...(kafka ? [`export const TOPICS: TopicSpec[] = ${JSON.stringify(topics, null, 2)};`, ''] : []),
      ...(amqp
        ? [
            '/** RabbitMQ: the exchanges (type, alternate exchange), the queues (TTL, dead-lettering, delivery limit) and the bindings. */',
            `export const TOPOLOGY: Topology = ${JSON.stringify(topology, null, 2)};`,
            '',
            "/** Where a message sent to a RabbitMQ node goes: the exchange, and the routing key (null: the event's type). */",
            `export const CHANNELS: Record<string, { exchange: string; routingKey: string | null }> = ${JSON.stringify(amqpChannels, null, 2)};`,
            '',
          ]
        : []),
      `export const PRODUCERS: ProducerSpec[] = ${JSON.stringify(
        producers.map((p) => ({ id: p.node.id, idempotent: p.node.config.idempotent, ...(p.node.config.acks === 0 || p.node.config.acks === 1 ? { acks: p.node.config.acks } : {}), templates: p.templates })),
        null,
        2,
      )};`,
      '',
      `/** Rates of the producers that have one: \`npm run fire -- <id> --rate\`. */`,
      `export const RATES: Record<string, { perSecond: number; limit: number; template: number }> = ${JSON.stringify(Object.fromEntries(producers.filter((p) => p.rate).map((p) => [p.node.id, { perSecond: p.rate!.perSecond, limit: p.rate!.limit, template: p.rate!.template }])))};`,
      '',
      ...(kafka
        ? [
            '/** One entry per Kafka consumer: a consumer or projection, and the group it reads with. */',
            'export const CONSUMERS: { spec: ConsumerSpec; handle: Handler }[] = [',
            ...consumerSpecs.map((c) => `  // ${comment(c.label)}\n  { spec: ${JSON.stringify(c.spec)}, handle: ${c.handler} },`),
            '];',
            '',
          ]
        : []),
      ...(amqp
        ? [
            '/** One entry per RabbitMQ consumer: a consumer or projection, and the queue it reads. */',
            'export const QUEUE_CONSUMERS: { spec: QueueConsumerSpec; handle: Handler }[] = [',
            ...queueConsumerSpecs.map((c) => `  // ${comment(c.label)}\n  { spec: ${JSON.stringify(c.spec)}, handle: ${c.handler} },`),
            '];',
            '',
          ]
        : []),
    ].join('\n'),
  );
  if (kafka)
    add(
      'src/topics.ts',
      [
        "// Creates the scenario's topics with their partition counts (those that do not exist yet).",
        "import { connect, createTopics } from './kafka.js';",
        "import { TOPICS } from './scenario.js';",
        '',
        "await createTopics(connect('topics'), TOPICS);",
        "console.log(`topics: ${TOPICS.map((t) => `${t.topic} (${t.partitions} partition${t.partitions === 1 ? '' : 's'})`).join(', ')}`);",
        '',
      ].join('\n'),
    );
  if (amqp)
    add(
      'src/topology.ts',
      [
        "// Declares the scenario's exchanges, queues and bindings on RabbitMQ (each only if it is missing).",
        "import { connectAmqp, setupTopology } from './amqp.js';",
        "import { TOPOLOGY } from './scenario.js';",
        '',
        'const conn = await connectAmqp();',
        'await setupTopology(await conn.createChannel(), TOPOLOGY);',
        "console.log(`exchanges: ${TOPOLOGY.exchanges.map((x) => `${x.name} (${x.type})`).join(', ')}`);",
        "console.log(`queues: ${TOPOLOGY.queues.map((q) => q.name).join(', ') || 'none'}`);",
        "console.log(`bindings: ${TOPOLOGY.bindings.map((b) => `${b.exchange} → ${b.to}${b.headers ? ` (headers, x-match ${b.xMatch})` : b.bindingKey ? ` (${b.bindingKey})` : ''}`).join(', ') || 'none'}`);",
        'await conn.close();',
        '',
      ].join('\n'),
    );
  add('src/main.ts', mainSource(kafka, amqp));
  add('src/fire.ts', fireSource(kafka, amqp));
  add('test/handlers.test.ts', projectTest(readers.map((r) => ({ ident: r.ident, file: r.file, label: r.node.label })), producers.flatMap((p) => p.templates)));
  add(
    'README.md',
    projectReadme(
      s,
      name,
      { kafka, amqp },
      topics,
      topology,
      producers.map((p) => ({ id: p.node.id, label: p.node.label, templates: p.templates.map((t) => t.type), rate: p.rate })),
      readers.map((r) => ({ id: r.node.id, label: r.node.label, groups: r.groups, queues: r.rabbitQueues.map((q) => q.queue) })),
      notGenerated,
    ),
  );
  return { name, files, notGenerated };
}

/** src/main.ts: runs the consumers on the brokers the project has. */
function mainSource(kafka: boolean, amqp: boolean): string {
  const ids = [kafka ? '...CONSUMERS.map((c) => c.spec.id)' : '', amqp ? '...QUEUE_CONSUMERS.map((c) => c.spec.id)' : ''].filter(Boolean).join(', ');
  return [
    '// Runs the consumers: all of them, or those named (`npm start -- fulfilment`). Start the',
    `// same one in two terminals to watch ${kafka ? 'its group share the partitions' : 'them compete for the messages'}; Ctrl+C stops it and`,
    '// prints what it did.',
    ...(kafka ? [`import { connect, createTopics, ${amqp ? 'openProducer, ' : ''}runConsumer${amqp ? ', toRecord' : ''} } from './kafka.js';`] : []),
    ...(amqp ? ["import { connectAmqp, openPublisher, publish, runQueueConsumer, setupTopology } from './amqp.js';"] : []),
    "import type { ConsumerStats, Send, Store } from './runtime.js';",
    `import { ${[kafka ? 'CONSUMERS, TOPICS' : '', amqp ? 'CHANNELS, QUEUE_CONSUMERS, TOPOLOGY' : ''].filter(Boolean).join(', ')} } from './scenario.js';`,
    '',
    'const wanted = process.argv.slice(2);',
    'const pick = (id: string) => wanted.length === 0 || wanted.includes(id);',
    `const all = [${ids}];`,
    'if (!all.some(pick)) {',
    "  console.error(`No consumer called ${wanted.join(', ')}. There are: ${[...new Set(all)].join(', ') || 'none'}`);",
    '  process.exit(1);',
    '}',
    'const running: [string, { stats: ConsumerStats & { nacked?: number }; store: Store; stop(): Promise<void> }][] = [];',
    ...(kafka ? ["const kafka = connect('consumers');", 'await createTopics(kafka, TOPICS);'] : []),
    ...(amqp
      ? [
          'const rabbit = await connectAmqp();',
          'const setup = await rabbit.createChannel();',
          'await setupTopology(setup, TOPOLOGY);',
          'await setup.close();',
          'const publisher = await openPublisher(rabbit);',
        ]
      : []),
    ...(kafka && amqp
      ? [
          "// An emit (or a dead letter) to a RabbitMQ node is published there; to anything else, to the Kafka topic.",
          'const out = await openProducer(kafka, false);',
          'const send: Send = async (to, e) => {',
          '  const c = CHANNELS[to];',
          '  if (c) await publish(publisher, c.exchange, c.routingKey ?? e.type, e);',
          '  else await out.send({ topic: to, messages: [toRecord(e)] });',
          '};',
        ]
      : amqp
        ? [
            '// An emit to a RabbitMQ node is published there, with the event type as its routing key.',
            'const send: Send = async (to, e) => {',
            '  const c = CHANNELS[to];',
            "  if (!c) throw new Error(`${to} is not on RabbitMQ: nowhere to send ${e.type} ${e.id}`);",
            '  await publish(publisher, c.exchange, c.routingKey ?? e.type, e);',
            '};',
          ]
        : ['const send: Send | undefined = undefined; // each KafkaJS consumer sends with its own producer']),
    ...(kafka
      ? [
          'for (const c of CONSUMERS.filter((c) => pick(c.spec.id))) {',
          '  running.push([c.spec.id, await runConsumer(kafka, c.spec, c.handle, console.log, send)]);',
          "  console.log(`${c.spec.id}: reading ${c.spec.topics.join(', ')} as group ${c.spec.group}`);",
          '}',
        ]
      : []),
    ...(amqp
      ? [
          'for (const c of QUEUE_CONSUMERS.filter((c) => pick(c.spec.id))) {',
          '  running.push([c.spec.id, await runQueueConsumer(rabbit, c.spec, c.handle, send)]);',
          "  console.log(`${c.spec.id}: reading queue ${c.spec.queue} (prefetch ${c.spec.prefetch}, ${c.spec.autoAck ? 'auto-ack' : `manual ack, a failure is nacked ${c.spec.requeue ? 'with' : 'without'} requeue`})`);",
          '}',
        ]
      : []),
    "process.on('SIGINT', async () => {",
    '  for (const [id, r] of running) {',
    '    await r.stop();',
    '    const { handled, ignored, duplicates, failed, deadLettered, effects } = r.stats;',
    amqp
      ? "    console.log(`${id}: handled ${handled}, ignored ${ignored}, duplicates skipped ${duplicates}, failures ${failed}, ${r.stats.nacked === undefined ? `dead-lettered ${deadLettered}` : `nacked ${r.stats.nacked}`}`);"
      : '    console.log(`${id}: handled ${handled}, ignored ${ignored}, duplicates skipped ${duplicates}, failures ${failed}, dead-lettered ${deadLettered}`);',
    "    for (const [k, n] of effects) console.log(`  effect ${k}: ${n}`);",
    '    console.log(`  state: ${JSON.stringify(r.store.snapshot())}`);',
    '  }',
    ...(amqp ? ['  await rabbit.close();'] : []),
    '  process.exit(0);',
    '});',
    '',
  ].join('\n');
}

/** src/fire.ts: fires a producer's templates, each to its broker. */
function fireSource(kafka: boolean, amqp: boolean): string {
  return [
    '// Fires a producer\'s templates: `npm run fire -- <producer> [template number] [--count N] [--rate]`.',
    ...(kafka ? ["import { connect, fire, openProducer } from './kafka.js';"] : []),
    ...(amqp ? ["import { connectAmqp, fireAmqp, openPublisher, setupTopology } from './amqp.js';"] : []),
    `import { PRODUCERS, RATES${amqp ? ', TOPOLOGY' : ''} } from './scenario.js';`,
    '',
    'const args = process.argv.slice(2);',
    "const flag = (name: string) => args.indexOf(name);",
    'const id = args[0];',
    'const spec = PRODUCERS.find((p) => p.id === id);',
    'if (!spec) {',
    "  console.error(`Which producer? npm run fire -- <producer> [template] [--count N] [--rate]. Producers: ${PRODUCERS.map((p) => `${p.id} (${p.templates.map((t, i) => `${i}: ${t.type}`).join(', ')})`).join('; ') || 'none'}`);",
    '  process.exit(1);',
    '}',
    "const template = args[1] !== undefined && !args[1].startsWith('--') ? Number(args[1]) : 0;",
    "const rate = flag('--rate') >= 0 ? RATES[spec.id] : undefined;",
    "const count = flag('--count') >= 0 ? Number(args[flag('--count') + 1]) : rate ? rate.limit : 1;",
    ...(kafka ? ["const producer = spec.templates.some((t) => !t.amqp) ? await openProducer(connect(spec.id), spec.idempotent) : null;"] : []),
    ...(amqp
      ? [
          'const rabbit = spec.templates.some((t) => t.amqp) ? await connectAmqp() : null;',
          'if (rabbit) await setupTopology(await rabbit.createChannel(), TOPOLOGY);',
          'const publisher = rabbit ? await openPublisher(rabbit) : null;',
        ]
      : []),
    'for (let i = 0; i < count; i++) {',
    '  // A rate sends its one template, or cycles through them all (template -1), as in the simulation.',
    '  const which = rate ? (rate.template >= 0 ? rate.template : i % spec.templates.length) : template;',
    ...(kafka && amqp
      ? [
          '  const t = spec.templates[which];',
          '  if (t?.amqp) {',
          '    const e = await fireAmqp(publisher!, spec, which);',
          "    console.log(`${spec.id}: ${e.type} ${e.id} → exchange ${t.amqp.exchange || '(default)'} with routing key ${e.routingKey}`);",
          '  } else {',
          '    const e = await fire(producer!, spec, which);',
          "    console.log(`${spec.id}: ${e.type} ${e.id}${e.partitionkey !== undefined ? ` key ${e.partitionkey}` : ''} → ${spec.templates[which].topic}`);",
          '  }',
        ]
      : amqp
        ? ['  const e = await fireAmqp(publisher!, spec, which);', "  console.log(`${spec.id}: ${e.type} ${e.id} → exchange ${spec.templates[which].amqp?.exchange || '(default)'} with routing key ${e.routingKey}`);"]
        : ['  const e = await fire(producer!, spec, which);', "  console.log(`${spec.id}: ${e.type} ${e.id}${e.partitionkey !== undefined ? ` key ${e.partitionkey}` : ''} → ${spec.templates[which].topic}`);"]),
    '  if (rate) await new Promise((r) => setTimeout(r, 1000 / rate.perSecond));',
    '}',
    ...(kafka ? ['await producer?.disconnect();'] : []),
    ...(amqp ? ["if (publisher && publisher.returned.length > 0) console.log(`${publisher.returned.length} returned unroutable (mandatory): no queue's binding matched`);", 'await rabbit?.close();'] : []),
    '',
  ].join('\n');
}

/** The compiler options of a generated project (and of the check Eventfold's tests run on it). */
export const PROJECT_COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
} as const;

function projectTest(readers: { ident: string; file: string; label: string }[], templates: { type: string; key: string | null; data: unknown; topic: string; schemaVersion: number }[]): string {
  return [
    "// Runs every handler on the events the producers' templates make, without a broker:",
    "// `npm test`. A handler may refuse an event (a HandlerError, as in the simulation's error",
    '// step), but nothing else may go wrong.',
    "import { test } from 'node:test';",
    "import assert from 'node:assert/strict';",
    "import { Handling, HandlerError, Store, type CloudEvent } from '../src/runtime.js';",
    ...readers.map((r) => `import { handle as ${r.ident} } from '../src/handlers/${r.file}.js';`),
    '',
    `const templates: { type: string; key: string | null; data: unknown; topic: string; schemaVersion: number }[] = ${JSON.stringify(templates.map((t) => ({ type: t.type, key: t.key, data: t.data, topic: t.topic, schemaVersion: t.schemaVersion })), null, 2)};`,
    '',
    'const events: CloudEvent[] = templates.map((t, i) => ({',
    "  specversion: '1.0', id: `evt-${i}`, source: '/eventfold/test', type: t.type, time: new Date(0).toISOString(),",
    "  datacontenttype: 'application/json', data: t.data, ...(t.key !== null ? { partitionkey: t.key, subject: t.key || undefined } : {}),",
    '  correlationid: `evt-${i}`, schemaversion: t.schemaVersion,',
    '}));',
    '',
    ...readers.map((r) =>
      [
        `test(${lit(`${r.label}: handles or refuses every template's event, and ignores an unknown type unless a rule takes any`)}, () => {`,
        '  const store = new Store();',
        '  for (const e of events) {',
        '    const h = new Handling(e, store);',
        '    try {',
        `      const rule = ${r.ident}(e, h);`,
        "      assert.ok(Number.isInteger(rule) && rule >= 0);",
        '      h.apply();',
        '    } catch (err) {',
        '      assert.ok(err instanceof HandlerError, String(err));',
        '    }',
        '  }',
        "  const unknown: CloudEvent = { specversion: '1.0', id: 'evt-x', source: '/eventfold/test', type: 'Eventfold.NoSuchType', time: new Date(0).toISOString(), datacontenttype: 'application/json', data: {}, correlationid: 'evt-x', schemaversion: 1 };",
        '  try {',
        `    assert.ok(${r.ident}(unknown, new Handling(unknown, store)) >= 0);`,
        '  } catch (err) {',
        '    assert.ok(err instanceof HandlerError, String(err));',
        '  }',
        '});',
        '',
      ].join('\n'),
    ),
    readers.length === 0 ? "test('this scenario has no consumer to test', () => assert.ok(true));\n" : '',
  ].join('\n');
}

function projectReadme(
  s: Scenario,
  name: string,
  brokers: { kafka: boolean; amqp: boolean },
  topics: { topic: string; partitions: number }[],
  topology: { exchanges: { name: string; type: string; alternateExchange: string | null }[]; queues: { name: string; deliveryLimit: number | null; deadLetterExchange: string | null }[]; bindings: { exchange: string; to: string; bindingKey: string; headers: Record<string, unknown> | null; xMatch: string }[] },
  producers: { id: string; label: string; templates: string[]; rate: { perSecond: number; limit: number; template: number } | null }[],
  readers: { id: string; label: string; groups: { group: string; topics: string[] }[]; queues: string[] }[],
  notGenerated: string[],
): string {
  const md = (x: string) => comment(x).replace(/([\\`*_[\]<>|#])/g, '\\$1');
  const { kafka, amqp } = brokers;
  const firstProducer = producers[0];
  const brokerWords = [kafka ? 'one Redpanda broker (Kafka protocol) on localhost:19092' : '', amqp ? 'one RabbitMQ broker on localhost:5672' : ''].filter(Boolean).join(' and ');
  const consumerText = (r: (typeof readers)[number]) => [...r.groups.map((g) => `group ${md(g.group)} on ${g.topics.map(md).join(', ')}`), ...r.queues.map((q) => `queue ${md(q)}`)].join('; ');
  const bindingText = (b: (typeof topology.bindings)[number]) => `${md(b.exchange)} → ${md(b.to)}${b.headers ? ` (headers ${md(JSON.stringify(b.headers))}, x-match ${b.xMatch})` : b.bindingKey ? ` (${md(b.bindingKey)})` : ''}`;
  return [
    `# ${md(s.name)}`,
    '',
    'Generated by Eventfold from a scenario of its simulation: the same',
    `${[kafka ? 'topics' : '', amqp ? 'exchanges, queues' : ''].filter(Boolean).join(', ')}, producers and consumers on ${kafka && amqp ? 'real brokers' : 'a real broker'}, with the handler rules written out as`,
    'TypeScript in `src/handlers/`.',
    '',
    '## Run it',
    '',
    'You need Node.js 20 or newer and Docker.',
    '',
    '```sh',
    'npm install',
    `npm run broker     # docker compose up -d: ${brokerWords}`,
    ...(kafka ? ["npm run topics     # creates the topics with the scenario's partition counts"] : []),
    ...(amqp ? ['npm run topology   # declares the exchanges, queues and bindings on RabbitMQ'] : []),
    'npm start          # runs every consumer (or: npm start -- <consumer id>)',
    firstProducer ? `npm run fire -- ${firstProducer.id}      # in another terminal: fires template 0 of ${comment(firstProducer.label)} (add a template number, --count N)` : '# (this scenario has no producer: nothing to fire)',
    ...producers.filter((p) => p.rate).map((p) => `npm run fire -- ${p.id} --rate   # ${p.rate!.limit} events at ${p.rate!.perSecond} per second, ${p.rate!.template >= 0 ? `template ${p.rate!.template}` : 'cycling through its templates'}, as its rate does`),
    '```',
    '',
    'Ctrl+C stops the consumers and prints what each did: events handled, ignored, skipped as',
    'duplicates, failed and dead-lettered, the side effects per key, and the state tables.',
    `Other brokers: ${[kafka ? '`KAFKA_BROKERS=host:9092 npm start`' : '', amqp ? '`RABBITMQ_URL=amqp://user:pass@host:5672 npm start`' : ''].filter(Boolean).join(', ')}. \`npm test\` runs the handlers on the`,
    "templates' events without a broker; `npm run check` type-checks the project.",
    ...(amqp ? ['', 'RabbitMQ\'s management UI, http://localhost:15672 (guest/guest), shows the queues, their', 'messages and the bindings.'] : []),
    '',
    '## What is in it',
    '',
    '| | |',
    '|---|---|',
    ...(kafka ? [`| Kafka topics | ${topics.map((t) => `\`${md(t.topic)}\` (${t.partitions})`).join(', ') || 'none'} |`] : []),
    ...(amqp
      ? [
          `| RabbitMQ exchanges | ${topology.exchanges.map((x) => `\`${md(x.name)}\` (${x.type}${x.alternateExchange ? `, alternate exchange ${md(x.alternateExchange)}` : ''})`).join(', ')} |`,
          `| RabbitMQ queues | ${topology.queues.map((q) => `\`${md(q.name)}\`${q.deliveryLimit !== null ? ' (quorum)' : ''}`).join(', ') || 'none'} |`,
          `| bindings | ${topology.bindings.map(bindingText).join(', ') || 'none'} |`,
        ]
      : []),
    `| producers | ${producers.map((p) => `\`${md(p.id)}\`: ${p.templates.map(md).join(', ') || 'no template'}`).join('; ') || 'none'} |`,
    `| consumers | ${readers.map((r) => `\`${md(r.id)}\` (${consumerText(r)})`).join('; ') || 'none'} |`,
    '',
    '`src/handlers/<consumer>.ts` holds each consumer\'s rules, one `if` per rule, in order: the',
    'first that matches applies, as in the simulation. `src/runtime.ts` holds what they use;',
    `${[kafka ? '`src/kafka.ts` the KafkaJS producers and consumers' : '', amqp ? '`src/amqp.ts` the amqplib topology, publishers and queue consumers' : ''].filter(Boolean).join('; ')}; \`src/scenario.ts\` the scenario as data.`,
    ...(kafka
      ? [
          'On Kafka, events travel in the CloudEvents Kafka binding, binary content mode: the data is the',
          'record value, the attributes are `ce_` headers (`ce_id`, `ce_type`, `ce_source`,',
          '`ce_correlationid`, …), and the partition key is the record key, so KafkaJS\'s default',
          '(murmur2) partitioner puts each key in the partition the simulation showed.',
        ]
      : []),
    ...(amqp
      ? [
          'On RabbitMQ, the data is the message body and the attributes are `cloudEvents:` headers',
          '(`cloudEvents:id`, `cloudEvents:type`, …, as the CloudEvents AMQP binding names them), next',
          "to the template's own headers (which a headers exchange matches); the message id, type and",
          'correlation id are also set as AMQP properties. Each template publishes with its routing key',
          '(the event type when it has none), its expiration and its mandatory flag; an emit is',
          'published with the event type as its routing key.',
        ]
      : []),
    '',
    '## What differs from the simulation',
    '',
    '- Time is real and the network is real: there is no step back, no seed, no replay to the same',
    '  trace; two runs interleave differently. Event ids are new on every run (`evt-<time>-<n>`).',
    "- State (the tables, the processed-event ids) lives in each consumer process's memory and is",
    `  gone when it stops, while ${[kafka ? 'its committed offsets stay with the broker' : '', amqp ? 'the queues keep every message not yet acknowledged' : ''].filter(Boolean).join(' and ')}: restart a consumer and`,
    '  it resumes where it left off with empty tables. A real service keeps both in its',
    '  database, in one transaction where it can.',
    '- Crashes, duplicates, rewinds, outages and partitions are not buttons: stop a process with',
    `  Ctrl+C (or kill -9) between handling and ${[kafka ? 'commit' : '', amqp ? 'ack' : ''].filter(Boolean).join(' or ')}, run two copies of a consumer${kafka ? ', rewind a' : '.'}`,
    ...(kafka ? ["  group with `docker compose exec redpanda rpk group seek <group> --to start` (its consumers", '  stopped).'] : []),
    '- Side effects ("charge card", "send email") are counted and logged, not performed.',
    ...(amqp
      ? [
          '- Every queue is a RabbitMQ queue, also one no exchange is bound to: it is published to through',
          "  RabbitMQ's default exchange (the routing key is the queue's name), and its consumers compete",
          '  for its messages with `prefetch` and manual acknowledgement (auto-ack for commit `before`). A',
          '  handler error is a nack: with requeue (`onReject: requeue`) the message is back at once;',
          "  without (`onReject: dead-letter`) RabbitMQ dead-letters it through the queue's",
          '  `x-dead-letter-exchange`, or drops it. The consumers\' own retry settings do not apply to',
          '  queues, as in the simulation. A message published straight to a queue and dead-lettered',
          "  with its own routing key carries the queue's name as that key, not the event type.",
          '- There is no visibility timeout: RabbitMQ gives an unacknowledged message back when its',
          '  consumer\'s channel or connection closes (and after its consumer timeout, 30 minutes by',
          '  default). A crashed consumer\'s messages come back at once, not after a timeout.',
          '- A queue with a `maxReceiveCount` is a quorum queue (`x-queue-type: quorum`): only quorum',
          '  queues count deliveries. Its `x-delivery-limit` is one less than the max receive count,',
          '  because RabbitMQ counts the returns, not the deliveries. A quorum queue dead-letters',
          '  at-most-once by default.',
          '- RabbitMQ expires a per-message TTL only when the message reaches the head of its queue; the',
          '  simulation expires each at its own time.',
        ]
      : ['- A queue becomes a Kafka topic read by one group (`<queue>-workers`) whose members compete', '  for partitions, not for messages: no per-message acknowledgement, visibility timeout or', '  prefetch.']),
    ...notGenerated.map((n) => `- ${md(n)}`),
    '',
    `Folder: \`${name}\`. Scenario format: Eventfold scenario version ${s.version}.`,
    '',
  ].join('\n');
}
