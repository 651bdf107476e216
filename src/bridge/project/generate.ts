// A scenario as a runnable Node project: a docker compose file for a real broker (Redpanda,
// Kafka's API), the topics created with the scenario's partitions, KafkaJS producers that fire
// the templates, and consumers whose handler rules are written out as readable TypeScript
// (one file per consumer or projection, one `if` per rule). The runtime the handlers use is
// template/runtime.ts and the broker code template/kafka.ts, copied verbatim.
//
// Nothing from the scenario is pasted into code as code: every name, type, key and value
// enters the generated source as a JSON string or number literal, and labels only in line
// comments with their line breaks removed.
import type { Action, Condition, Expr, NodeSpec, Rule, Scenario } from '../../engine/index.ts';
import { ruleText } from '../../engine/index.ts';
import { slug } from '../names.ts';
import runtimeSource from './template/runtime.ts?raw';
import kafkaSource from './template/kafka.ts?raw';

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

/** The scenario as a project: every file's path (under the project folder) and text. */
export function generateProject(s: Scenario): Project {
  const name = slug(s.name) || 'eventfold-scenario';
  const byId = new Map(s.nodes.map((n) => [n.id, n]));
  // Topics and queues map onto Kafka; the other kinds that carry messages (exchanges, SNS
  // topics, pub/sub channels, event buses) become plain Kafka topics of their name, and the
  // README says their routing is not generated.
  const CHANNEL_KINDS = new Set<string>(['topic', 'queue', 'exchange', 'sns', 'pubsub', 'event-bus']);
  const channels = s.nodes.filter((n) => CHANNEL_KINDS.has(n.kind));
  const isChannel = (id: string) => CHANNEL_KINDS.has(byId.get(id)?.kind ?? '');
  const file = names();
  const ident = names();
  const notGenerated: string[] = [];
  const dlTopics = new Set<string>();

  // Producers: their templates, each with its topic resolved.
  const producers = s.nodes.flatMap((n) => {
    if (n.kind !== 'producer') return [];
    const wired = s.edges.filter((e) => e.source === n.id && isChannel(e.target)).map((e) => e.target);
    const templates = n.config.templates.flatMap((t) => {
      const topic = t.topic ?? (wired.length === 1 ? wired[0] : null);
      if (!topic) {
        notGenerated.push(`${n.label}: template ${t.type} names no topic and the producer is not wired to exactly one.`);
        return [];
      }
      return [{ type: t.type, key: t.key ?? null, data: t.data ?? {}, topic, schemaVersion: t.schemaVersion }];
    });
    if (n.config.pattern !== 'direct') notGenerated.push(`${n.label}: its ${n.config.pattern} pattern (own table + ${n.config.pattern === 'outbox' ? 'outbox relay' : 'second write'}) is not generated: the producer publishes directly.`);
    return [{ node: n, templates, rate: n.config.rate }];
  });

  // Consumers and projections: one Kafka consumer per group they read with (a queue's
  // readers share one group, so they compete as on a queue).
  const readers = s.nodes.flatMap((n) => {
    if (n.kind !== 'consumer' && n.kind !== 'projection') return [];
    const from = s.edges.filter((e) => e.target === n.id && isChannel(e.source)).map((e) => byId.get(e.source)!);
    if (from.length === 0) notGenerated.push(`${n.label}: reads no topic, so it never runs.`);
    const topics = from.filter((c) => c.kind !== 'queue').map((c) => c.id);
    const queues = from.filter((c) => c.kind === 'queue').map((c) => c.id);
    const group = n.kind === 'consumer' ? n.config.group : n.id;
    const groups = [...(topics.length > 0 ? [{ group, topics }] : []), ...queues.map((q) => ({ group: `${q}-workers`, topics: [q] }))];
    const c = n.kind === 'consumer' ? n.config : null;
    if (c?.deadLetter) dlTopics.add(c.deadLetter);
    if (c && c.upcasters.length > 0) notGenerated.push(`${n.label}: its upcasters are not generated (events reach the handler as they were written).`);
    if (n.kind === 'projection' && n.config.upcasters.length > 0) notGenerated.push(`${n.label}: its upcasters are not generated.`);
    if (c && c.ordering === 'skip') notGenerated.push(`${n.label}: ordering "skip" is not generated: a retried event blocks its partition, as Kafka does.`);
    return [
      {
        node: n,
        file: file(n.id, 'file'),
        ident: ident(n.id, 'ident'),
        rules: n.config.rules,
        failWhen: c?.failWhen ?? null,
        groups,
        commit: c?.commit ?? 'after',
        idempotency: c?.idempotency ?? 'none',
        retry: c ? { maxAttempts: c.retry.maxAttempts, backoff: c.retry.backoff, initialMs: c.retry.initialMs, maxMs: c.retry.maxMs } : { maxAttempts: 1, backoff: 'immediate' as const, initialMs: 0, maxMs: 0 },
        deadLetter: c?.deadLetter ?? null,
      },
    ];
  });
  const ROUTING: Record<string, string> = { exchange: 'exchange', sns: 'SNS topic', pubsub: 'pub/sub channel', 'event-bus': 'event bus' };
  for (const n of s.nodes) {
    if (ROUTING[n.kind]) notGenerated.push(`${n.label} (${ROUTING[n.kind]}): not generated; what is published to it goes to a Kafka topic of its name and nothing routes it on (RabbitMQ and the other brokers are not generated yet).`);
    if (n.kind === 'aggregate') notGenerated.push(`${n.label} (aggregate): event-sourced aggregates are not generated; commands consumers send to it are logged.`);
    if (n.kind === 'saga') notGenerated.push(`${n.label} (saga): sagas are not generated yet.`);
    if (n.kind === 'queue' && (n.config.maxReceiveCount !== null || n.config.deadLetter)) notGenerated.push(`${n.label} (queue): its max receive count and dead letters are not generated (Kafka has no per-message acknowledgement).`);
  }
  if (s.schedule.length > 0) notGenerated.push(`the schedule (${s.schedule.length} planned action(s): faults, fires) is not generated: fire and break things by hand.`);
  if (s.invariants.length > 0) notGenerated.push(`the invariants (${s.invariants.length}) are not checked in the project.`);
  if (s.edges.some((e) => e.delayMs || e.jitterMs || e.duplicateChance || e.ackLossChance)) notGenerated.push('the network faults on connections (delay, jitter, duplicates, lost acks) are not generated: a real network brings its own.');

  const topics = [...new Map([...channels.map((c) => [c.id, c.kind === 'topic' ? c.config.partitions : 1] as const), ...[...dlTopics].map((t) => [t, (byId.get(t)?.kind === 'topic' && (byId.get(t) as Extract<NodeSpec, { kind: 'topic' }>).config.partitions) || 1] as const)])].map(
    ([topic, partitions]) => ({ topic, partitions }),
  );

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
        topics: 'tsx src/topics.ts',
        start: 'tsx src/main.ts',
        fire: 'tsx src/fire.ts',
        check: 'tsc -p .',
        test: 'node --import tsx --test test/handlers.test.ts',
      },
      dependencies: { kafkajs: '^2.2.4' },
      devDependencies: { '@types/node': '^20.19.0', tsx: '^4.19.0', typescript: '^5.6.0' },
    },
    null,
    2,
  )}\n`);
  add('tsconfig.json', `${JSON.stringify({ compilerOptions: PROJECT_COMPILER_OPTIONS, include: ['src', 'test'] }, null, 2)}\n`);
  add('.gitignore', 'node_modules/\n');
  add(
    'docker-compose.yml',
    [
      '# One Redpanda broker (the Kafka protocol) for this project: `docker compose up -d`.',
      '# Clients on this machine connect to localhost:19092 (KAFKA_BROKERS overrides it).',
      'services:',
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
      '',
    ].join('\n'),
  );
  add('src/runtime.ts', runtimeSource);
  add('src/kafka.ts', kafkaSource);

  for (const r of readers) add(`src/handlers/${r.file}.ts`, handlerSource(r.node, r.rules, r.failWhen));

  // The scenario's shape as data the entry points share.
  const consumerSpecs = readers.flatMap((r) =>
    r.groups.map((g) => ({
      handler: r.ident,
      spec: { id: r.node.id, group: g.group, topics: g.topics, commit: r.commit, idempotency: r.idempotency, retry: r.retry, deadLetter: r.deadLetter },
      label: r.node.label,
    })),
  );
  add(
    'src/scenario.ts',
    [
      `// ${comment(s.name)}: the topics, producers and consumers of the scenario, as data.`,
      "import type { ConsumerSpec, ProducerSpec, TopicSpec } from './kafka.js';",
      "import type { Handler } from './runtime.js';",
      ...readers.map((r) => `import { handle as ${r.ident} } from './handlers/${r.file}.js';`),
      '',
      `export const TOPICS: TopicSpec[] = ${JSON.stringify(topics, null, 2)};`,
      '',
      `export const PRODUCERS: ProducerSpec[] = ${JSON.stringify(
        producers.map((p) => ({ id: p.node.id, idempotent: p.node.config.idempotent, templates: p.templates })),
        null,
        2,
      )};`,
      '',
      `/** Rates of the producers that have one: \`npm run fire -- <id> --rate\`. */`,
      `export const RATES: Record<string, { perSecond: number; limit: number; template: number }> = ${JSON.stringify(Object.fromEntries(producers.filter((p) => p.rate).map((p) => [p.node.id, { perSecond: p.rate!.perSecond, limit: p.rate!.limit, template: p.rate!.template }])))};`,
      '',
      '/** One entry per Kafka consumer: a consumer or projection, and the group it reads with. */',
      'export const CONSUMERS: { spec: ConsumerSpec; handle: Handler }[] = [',
      ...consumerSpecs.map((c) => `  // ${comment(c.label)}\n  { spec: ${JSON.stringify(c.spec)}, handle: ${c.handler} },`),
      '];',
      '',
    ].join('\n'),
  );
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
  add(
    'src/main.ts',
    [
      '// Runs the consumers: all of them, or those named (`npm start -- fulfilment`). Start the',
      '// same one in two terminals to watch its group share the partitions; Ctrl+C stops it and',
      '// prints what it did.',
      "import { connect, createTopics, runConsumer, type RunningConsumer } from './kafka.js';",
      "import { CONSUMERS, TOPICS } from './scenario.js';",
      '',
      'const wanted = process.argv.slice(2);',
      'const chosen = CONSUMERS.filter((c) => wanted.length === 0 || wanted.includes(c.spec.id));',
      'if (chosen.length === 0) {',
      "  console.error(`No consumer called ${wanted.join(', ')}. There are: ${CONSUMERS.map((c) => c.spec.id).join(', ') || 'none'}`);",
      '  process.exit(1);',
      '}',
      "const kafka = connect('consumers');",
      'await createTopics(kafka, TOPICS);',
      'const running: [string, RunningConsumer][] = [];',
      'for (const c of chosen) {',
      '  running.push([c.spec.id, await runConsumer(kafka, c.spec, c.handle)]);',
      "  console.log(`${c.spec.id}: reading ${c.spec.topics.join(', ')} as group ${c.spec.group}`);",
      '}',
      "process.on('SIGINT', async () => {",
      '  for (const [id, r] of running) {',
      '    await r.stop();',
      '    const { handled, ignored, duplicates, failed, deadLettered, effects } = r.stats;',
      '    console.log(`${id}: handled ${handled}, ignored ${ignored}, duplicates skipped ${duplicates}, failures ${failed}, dead-lettered ${deadLettered}`);',
      "    for (const [k, n] of effects) console.log(`  effect ${k}: ${n}`);",
      '    console.log(`  state: ${JSON.stringify(r.store.snapshot())}`);',
      '  }',
      '  process.exit(0);',
      '});',
      '',
    ].join('\n'),
  );
  add(
    'src/fire.ts',
    [
      '// Fires a producer\'s templates: `npm run fire -- <producer> [template number] [--count N] [--rate]`.',
      "import { connect, fire, openProducer } from './kafka.js';",
      "import { PRODUCERS, RATES } from './scenario.js';",
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
      "const producer = await openProducer(connect(spec.id), spec.idempotent);",
      'for (let i = 0; i < count; i++) {',
      '  // A rate sends its one template, or cycles through them all (template -1), as in the simulation.',
      '  const which = rate ? (rate.template >= 0 ? rate.template : i % spec.templates.length) : template;',
      '  const e = await fire(producer, spec, which);',
      "  console.log(`${spec.id}: ${e.type} ${e.id}${e.partitionkey !== undefined ? ` key ${e.partitionkey}` : ''} → ${spec.templates[which].topic}`);",
      '  if (rate) await new Promise((r) => setTimeout(r, 1000 / rate.perSecond));',
      '}',
      'await producer.disconnect();',
      '',
    ].join('\n'),
  );
  add('test/handlers.test.ts', projectTest(readers.map((r) => ({ ident: r.ident, file: r.file, label: r.node.label })), producers.flatMap((p) => p.templates)));
  add('README.md', projectReadme(s, name, topics, producers.map((p) => ({ id: p.node.id, label: p.node.label, templates: p.templates.map((t) => t.type), rate: p.rate })), readers.map((r) => ({ id: r.node.id, label: r.node.label, groups: r.groups })), notGenerated));
  return { name, files, notGenerated };
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
    `const templates: { type: string; key: string | null; data: unknown; topic: string; schemaVersion: number }[] = ${JSON.stringify(templates, null, 2)};`,
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
  topics: { topic: string; partitions: number }[],
  producers: { id: string; label: string; templates: string[]; rate: { perSecond: number; limit: number; template: number } | null }[],
  readers: { id: string; label: string; groups: { group: string; topics: string[] }[] }[],
  notGenerated: string[],
): string {
  const md = (x: string) => comment(x).replace(/([\\`*_[\]<>|#])/g, '\\$1');
  const firstProducer = producers[0];
  return [
    `# ${md(s.name)}`,
    '',
    'Generated by Eventfold from a scenario of its simulation: the same',
    'topics, producers and consumers on a real broker, with the handler rules written out as',
    'TypeScript in `src/handlers/`.',
    '',
    '## Run it',
    '',
    'You need Node.js 20 or newer and Docker.',
    '',
    '```sh',
    'npm install',
    'npm run broker     # docker compose up -d: one Redpanda broker (Kafka protocol) on localhost:19092',
    'npm run topics     # creates the topics with the scenario\'s partition counts',
    'npm start          # runs every consumer (or: npm start -- <consumer id>)',
    firstProducer ? `npm run fire -- ${firstProducer.id}      # in another terminal: fires template 0 of ${comment(firstProducer.label)} (add a template number, --count N)` : '# (this scenario has no producer: nothing to fire)',
    ...producers.filter((p) => p.rate).map((p) => `npm run fire -- ${p.id} --rate   # ${p.rate!.limit} events at ${p.rate!.perSecond} per second, ${p.rate!.template >= 0 ? `template ${p.rate!.template}` : 'cycling through its templates'}, as its rate does`),
    '```',
    '',
    'Ctrl+C stops the consumers and prints what each did: events handled, ignored, skipped as',
    'duplicates, failed and dead-lettered, the side effects per key, and the state tables.',
    'Another broker: `KAFKA_BROKERS=host:9092 npm start`. `npm test` runs the handlers on the',
    "templates' events without a broker; `npm run check` type-checks the project.",
    '',
    '## What is in it',
    '',
    '| | |',
    '|---|---|',
    `| topics | ${topics.map((t) => `\`${md(t.topic)}\` (${t.partitions})`).join(', ') || 'none'} |`,
    `| producers | ${producers.map((p) => `\`${md(p.id)}\`: ${p.templates.map(md).join(', ') || 'no template'}`).join('; ') || 'none'} |`,
    `| consumers | ${readers.map((r) => `\`${md(r.id)}\` (${r.groups.map((g) => `group ${md(g.group)} on ${g.topics.map(md).join(', ')}`).join('; ')})`).join('; ') || 'none'} |`,
    '',
    '`src/handlers/<consumer>.ts` holds each consumer\'s rules, one `if` per rule, in order: the',
    'first that matches applies, as in the simulation. `src/runtime.ts` holds what they use;',
    '`src/kafka.ts` the KafkaJS producers and consumers; `src/scenario.ts` the scenario as data.',
    'Events travel in the CloudEvents Kafka binding, binary content mode: the data is the',
    'record value, the attributes are `ce_` headers (`ce_id`, `ce_type`, `ce_source`,',
    '`ce_correlationid`, …), and the partition key is the record key, so KafkaJS\'s default',
    '(murmur2) partitioner puts each key in the partition the simulation showed.',
    '',
    '## What differs from the simulation',
    '',
    '- Time is real and the network is real: there is no step back, no seed, no replay to the same',
    '  trace; two runs interleave differently. Event ids are new on every run (`evt-<time>-<n>`).',
    '- State (the tables, the processed-event ids) lives in each consumer process\'s memory and is',
    '  gone when it stops, while its committed offsets stay with the broker: restart a consumer and',
    '  it resumes after its last commit with empty tables. A real service keeps both in its',
    '  database, in one transaction where it can.',
    '- Crashes, duplicates, rewinds, outages and partitions are not buttons: stop a process with',
    '  Ctrl+C (or kill -9) between handling and commit, run two copies of a consumer, rewind a',
    "  group with `docker compose exec redpanda rpk group seek <group> --to start` (its consumers",
    '  stopped).',
    '- Side effects ("charge card", "send email") are counted and logged, not performed.',
    '- A queue becomes a Kafka topic read by one group (`<queue>-workers`) whose members compete',
    '  for partitions, not for messages: no per-message acknowledgement, visibility timeout or',
    '  prefetch.',
    ...notGenerated.map((n) => `- ${md(n)}`),
    '',
    `Folder: \`${name}\`. Scenario format: Eventfold scenario version ${s.version}.`,
    '',
  ].join('\n');
}
