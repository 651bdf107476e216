// The runnable-project export, tested without a broker (none can run here): the projects of
// every example scenario, of the fixture that uses every field, of generated topologies and
// of a scenario whose names try to break out of string literals are written to disk and
// type-checked with the TypeScript compiler API against KafkaJS's own types; each generated
// handler is run against the simulation's rule compiler (src/engine/rules.ts) on random
// events and states and must do exactly what it does ([H1]–[H7]); and the fan-out project
// runs end to end on a fake KafkaJS (fake-kafka.ts). Projects of scenarios with exchanges
// are also type-checked against amqplib's types (@types/amqplib), and run on a fake amqplib
// (fake-amqp.ts, whose routing is written apart from the simulation's): the same fires must
// land the same events in the same queues as in the simulation, and the consumers end as
// they do there. The real-broker tests are tests/integration/*.integration.test.ts
// (`npm run test:integration`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ts from 'typescript';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileCondition, compileRules, type RuleInput } from '../../engine/rules.ts';
import { partitionForKey, restoreScenario, type Scenario } from '../../engine/index.ts';
import { exampleSessions, generatedSession } from '../../../tests/fuzz/corpus.ts';
import { generateProject, PROJECT_COMPILER_OPTIONS, type Project } from './generate.ts';
import { fakeKafka } from './fake-kafka.ts';
import { fakeAmqp } from './fake-amqp.ts';
import { restoreSessionOrScenario } from '../../engine/session.ts';
import type { RunningConsumer } from './template/kafka.ts';
import { runFires, simulate } from '../../../tests/integration/simulate.ts';

const OUT = resolve('reports/generated-projects');
const fixture = JSON.parse(readFileSync('tests/fixtures/scenarios/v1-all-fields.json', 'utf8'));

/** Names and values that would break generated code if pasted into it as code. */
const hostile = restoreScenario({
  format: 'eventfold/scenario',
  version: 1,
  name: 'Quotes \' " ` ${x} */ \u2028 and\nnewlines',
  nodes: [
    { id: 'p', kind: 'producer', label: '*/ process.exit(1) /*', config: { templates: [{ type: '"; process.exit(1); "', key: '`${process.exit(1)}`', data: { '"k': "v'\n", '*/': '${1}' }, topic: 'ev' }] } },
    { id: 'ev', kind: 'topic', label: 'x\ny', config: { partitions: 2 } },
    { id: 'out', kind: 'topic' },
    {
      id: 'c:1',
      kind: 'consumer',
      label: 'line\u2028break */',
      config: {
        rules: [
          {
            on: '"; process.exit(1); "',
            when: { op: 'eq', left: { event: 'data.k' }, right: '${1}' },
            do: [
              { do: 'set', table: "t'\"`", key: { event: 'key' }, value: '\\u0000 */' },
              { do: 'emit', topic: 'out', type: '`${evil}`', key: { event: 'key' }, data: { '"x': { event: 'data.k' }, 'y\n': 'z' } },
              { do: 'effect', name: '*/ alert(1)', key: { event: 'key' } },
            ],
          },
        ],
      },
    },
  ],
  edges: [
    { source: 'p', target: 'ev' },
    { source: 'ev', target: 'c:1' },
    { source: 'c:1', target: 'out' },
  ],
});
if (!hostile.ok) throw new Error(JSON.stringify(hostile.errors));

const fixtureScenario = restoreScenario(fixture);
if (!fixtureScenario.ok) throw new Error('fixture');
const generated = fc.sample(generatedSession, { numRuns: 40, seed: 5 }).flatMap((s) => (s ? [s.scenario] : [])).slice(0, 4);
const scenarioOf = (path: string): Scenario => {
  const r = restoreSessionOrScenario(JSON.parse(readFileSync(path, 'utf8')));
  if (!r.ok) throw new Error(`${path}: ${JSON.stringify(r.errors)}`);
  return 'scenario' in r.value ? r.value.scenario : r.value;
};
/** Lessons 27 and 28 as solved, and one scenario with every AMQP feature the simulation has. */
const amqpScenarios = [scenarioOf('lessons/27-exchange-routing/solution.json'), scenarioOf('lessons/28-dead-letter-exchange/solution.json'), scenarioOf('tests/fixtures/projects/amqp-every-feature.json')];
/** Kafka and RabbitMQ in one: a Kafka consumer emits to an exchange, a queue consumer emits to a Kafka topic. */
const mixed = restoreScenario({
  format: 'eventfold/scenario',
  version: 1,
  name: 'Mixed brokers',
  nodes: [
    { id: 'shop', kind: 'producer', config: { templates: [{ type: 'OrderPlaced', key: 'ORD-{n}', data: { orderId: 'ORD-{n}' }, topic: 'orders' }] } },
    { id: 'orders', kind: 'topic', config: { partitions: 2 } },
    { id: 'bridge', kind: 'consumer', config: { rules: [{ on: 'OrderPlaced', do: [{ do: 'emit', topic: 'x', type: 'order.placed', key: { event: 'key' } }] }] } },
    { id: 'x', kind: 'exchange', config: { type: 'topic' } },
    { id: 'q', kind: 'queue' },
    { id: 'qc', kind: 'consumer', config: { rules: [{ on: 'order.placed', do: [{ do: 'increment', table: 'n', key: { event: 'key' }, by: 1 }, { do: 'emit', topic: 'done', type: 'Done', key: { event: 'key' } }] }] } },
    { id: 'done', kind: 'topic' },
  ],
  edges: [
    { source: 'shop', target: 'orders' },
    { source: 'orders', target: 'bridge' },
    { source: 'bridge', target: 'x' },
    { source: 'x', target: 'q', bindingKey: 'order.*' },
    { source: 'q', target: 'qc' },
    { source: 'qc', target: 'done' },
  ],
});
if (!mixed.ok) throw new Error(JSON.stringify(mixed.errors));
// Retention, compaction and a schema registry (lessons 29–31, as solved).
const keeping = ['29-retention-offset-reset', '30-compacted-changelog', '31-schema-registry'].map((l) => scenarioOf(`lessons/${l}/solution.json`));
/** Lesson 37's start: a replicated topic and a producer with acks=1 ([KR4]). */
const replicated = scenarioOf('lessons/39-replicas-and-acks/start.json');
/** Lesson 37 as solved: a transactional read-process-write consumer and read_committed readers ([TX1]). */
const transactional = scenarioOf('lessons/37-exactly-once/solution.json');
const scenarios: Scenario[] = [...exampleSessions().map((s) => s.scenario), fixtureScenario.value, hostile.value, ...generated, ...amqpScenarios, mixed.value, ...keeping, replicated, transactional];

const written: { scenario: Scenario; project: Project; dir: string }[] = [];

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  scenarios.forEach((scenario, i) => {
    const project = generateProject(scenario);
    const dir = join(OUT, `${String(i).padStart(2, '0')}-${project.name}`.slice(0, 80));
    for (const f of project.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.text);
    }
    written.push({ scenario, project, dir });
  });
});
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts'))
    .map((d) => join(d.parentPath, d.name));
}

// The compiler reads Node's and KafkaJS's types for some fifteen projects: tens of seconds on
// a shared 2-core machine while the other suites run (a slow test is not a failing one).
describe('generated projects', { timeout: 240_000 }, () => {
  it('type-check against KafkaJS and Node types with the projects’ own compiler options, all of them', () => {
    const { options, errors } = ts.convertCompilerOptionsFromJson(PROJECT_COMPILER_OPTIONS, OUT);
    expect(errors).toEqual([]);
    const roots = written.flatMap((w) => tsFiles(w.dir));
    expect(roots.length).toBeGreaterThan(written.length * 5);
    const program = ts.createProgram(roots, options);
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
    expect(ts.formatDiagnostics(diagnostics, host)).toBe('');
    // KafkaJS's types were really read (a project that did not import it would pass trivially).
    expect(program.getSourceFiles().some((f) => f.fileName.includes('node_modules/kafkajs/types/index.d.ts'))).toBe(true);
    // …and so were amqplib's, for the projects with exchanges.
    expect(program.getSourceFiles().some((f) => f.fileName.includes('node_modules/@types/amqplib/index.d.ts'))).toBe(true);
    expect(written.filter((w) => w.project.files.some((f) => f.path === 'src/amqp.ts')).length).toBeGreaterThanOrEqual(amqpScenarios.length + 2);
  });

  it('hold a compose file for Redpanda, the topics with the scenario’s partitions, and a README saying what differs', () => {
    const w = written.find((x) => x.scenario.name.startsWith('Keys, partitions'))!;
    const file = (p: string) => w.project.files.find((f) => f.path === p)!.text;
    expect(file('docker-compose.yml')).toContain('redpandadata/redpanda');
    expect(file('src/scenario.ts')).toContain('"topic": "orders",\n    "partitions": 3');
    expect(file('README.md')).toContain('## What differs from the simulation');
    expect(file('README.md')).toContain('npm run fire -- shop');
    expect(JSON.parse(file('package.json'))).toMatchObject({ type: 'module', dependencies: { kafkajs: expect.any(String) } });
    const saga = written.find((x) => x.scenario.nodes.some((n) => n.kind === 'saga'))!;
    expect(saga.project.notGenerated.join('\n')).toContain('(saga): sagas are not generated yet');
  });

  it("create topics with their retention and compaction as Kafka configs, and say what is not generated", async () => {
    const of = (sc: Scenario) => written.find((w) => w.scenario === sc)!;
    const [retention, compacted, registry] = keeping.map(of);
    const load = (p: string, dir: string) => import(pathToFileURL(join(dir, p)).href);
    const { TOPICS: kept } = await load('src/scenario.ts', retention.dir);
    expect(kept).toEqual([{ topic: 'orders', partitions: 1, config: { 'cleanup.policy': 'delete', 'retention.ms': '1000' } }]);
    const { TOPICS: changelog } = await load('src/scenario.ts', compacted.dir);
    expect(changelog).toEqual([{ topic: 'customers', partitions: 1, config: { 'cleanup.policy': 'compact', 'retention.ms': '-1' } }]);
    // KafkaJS gets them as configEntries.
    const broker = fakeKafka();
    const { createTopics } = await load('src/kafka.ts', compacted.dir);
    const calls: unknown[] = [];
    const admin = broker.kafka.admin();
    await createTopics({ admin: () => ({ ...admin, createTopics: async (a: unknown) => (calls.push(a), admin.createTopics(a as never)) }) } as never, changelog);
    expect(calls).toEqual([{ waitForLeaders: true, topics: [{ topic: 'customers', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '-1' }] }] }]);
    expect(registry.project.notGenerated.join('\n')).toContain('Schema registry (schema registry): not generated; events are plain JSON');
  });

  it('send with the producer\'s acks, and say that replicas are not generated (the compose runs one broker) ([KR4])', async () => {
    const w = written.find((x) => x.scenario === replicated)!;
    const load = (p: string) => import(pathToFileURL(join(w.dir, p)).href);
    const { PRODUCERS } = await load('src/scenario.ts');
    expect(PRODUCERS[0]).toMatchObject({ id: 'checkout', acks: 1 });
    const { fire } = await load('src/kafka.ts');
    const sent: { acks?: number }[] = [];
    await fire({ send: async (r: { acks?: number }) => void sent.push(r) } as never, PRODUCERS[0], 0);
    expect(sent[0]).toMatchObject({ topic: 'orders', acks: 1 });
    // acks left out is all (-1), KafkaJS's and Kafka's default.
    await fire({ send: async (r: { acks?: number }) => void sent.push(r) } as never, { ...PRODUCERS[0], acks: undefined }, 0);
    expect(sent[1]).toMatchObject({ acks: -1 });
    expect(w.project.notGenerated.join('\n')).toContain('orders: its 3 replicas are not generated: the project\'s compose runs one Kafka broker');
  });

  it('say that a stream processor is not generated ([WN1])', async () => {
    const fraud = restoreScenario(JSON.parse(readFileSync(resolve(import.meta.dirname, '../../examples/fraud-detection.json'), 'utf8')));
    if (!fraud.ok) throw new Error('fraud-detection refused');
    expect(generateProject(fraud.value).notGenerated.join('\n')).toContain('Fraud check (stream processor): not generated; a Kafka Streams application would do it');
  });

  it('keep hostile names and values as data: string literals and line comments only', async () => {
    const w = written.find((x) => x.scenario === hostile.value)!;
    const handler = w.project.files.find((f) => f.path.startsWith('src/handlers/'))!.text;
    // Every comment line is one line; no label closes a block comment.
    for (const line of handler.split('\n')) expect(line.includes('\u2028')).toBe(false);
    const { handle } = await import(pathToFileURL(join(w.dir, 'src/handlers/c-1.ts')).href);
    const { Handling, Store } = await import(pathToFileURL(join(w.dir, 'src/runtime.ts')).href);
    const event = { specversion: '1.0', id: 'evt-0', source: '/eventfold/p', type: '"; process.exit(1); "', time: '', datacontenttype: 'application/json', data: { k: '${1}', '"k': 'v' }, partitionkey: 'K', correlationid: 'evt-0', schemaversion: 1 };
    const h = new Handling(event, new Store());
    expect(handle(event, h)).toBe(1);
    expect(h.emits).toEqual([{ topic: 'out', type: '`${evil}`', key: 'K', data: { '"x': '${1}', 'y\n': 'z' } }]);
    expect(h.effects).toEqual([{ name: '*/ alert(1)', key: 'K' }]);
    expect(h.writes).toEqual([{ table: "t'\"`", key: 'K', value: '\\u0000 */' }]);
  });
});

/** The data fields the rules read (`data.x`) and the literals they compare with. */
function readsAndLiterals(x: unknown, fields = new Set<string>(), literals = new Set<unknown>()): { fields: Set<string>; literals: Set<unknown> } {
  if (Array.isArray(x)) x.forEach((v) => readsAndLiterals(v, fields, literals));
  else if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (typeof o.event === 'string' && o.event.startsWith('data.')) fields.add(o.event.split('.')[1]);
    for (const side of ['left', 'right', 'value', 'by']) if (side in o && (o[side] === null || typeof o[side] !== 'object')) literals.add(o[side]);
    Object.values(o).forEach((v) => readsAndLiterals(v, fields, literals));
  }
  return { fields, literals };
}

/** Every table an action writes or an expression reads, walking the config. */
function tableNames(x: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(x)) x.forEach((v) => tableNames(v, out));
  else if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (typeof o.table === 'string') out.add(o.table);
    if (typeof o.state === 'string') out.add(o.state);
    Object.values(o).forEach((v) => tableNames(v, out));
  }
  return out;
}

/** The simulation's view of an event for its rules (engine eventField, [H2]). */
function ruleInput(event: Record<string, unknown>, store: Map<string, unknown>): RuleInput {
  const own = (x: unknown, k: string) => (x !== null && typeof x === 'object' && Object.prototype.hasOwnProperty.call(x, k) ? (x as Record<string, unknown>)[k] : undefined);
  return {
    field(path) {
      let x: unknown = ['key', 'partitionkey', 'subject'].includes(path[0]) ? (event.partitionkey ?? undefined) : own(event, path[0]);
      for (const k of path.slice(1)) x = x === undefined ? undefined : own(x, k);
      return x;
    },
    data: () => event.data as never,
    read: (t, k) => store.get(`${t}\u0000${k}`) as never,
  };
}

describe('generated handlers do what the simulation’s rules do', () => {
  it('on random events and states, for every consumer and projection of every scenario: same rule, writes, emits, effects, commands, failures', async () => {
    let compared = 0;
    for (const w of written) {
      for (const node of w.scenario.nodes) {
        if (node.kind !== 'consumer' && node.kind !== 'projection') continue;
        const fileText = w.project.files.find((f) => f.path.startsWith('src/handlers/') && f.text.includes(`(${node.id.replace(/[\r\n\u2028\u2029]+/g, ' ')}), written out`));
        if (!fileText) throw new Error(`no handler file for ${node.id}`);
        const { handle } = await import(pathToFileURL(join(w.dir, fileText.path)).href);
        const { Handling, Store, HandlerError } = await import(pathToFileURL(join(w.dir, 'src/runtime.ts')).href);
        const rules = compileRules(node.config.rules);
        const failWhen = node.kind === 'consumer' && node.config.failWhen ? compileCondition(node.config.failWhen) : null;
        const types = [...new Set([...node.config.rules.map((r) => r.on), 'Other'])];
        const tables = [...tableNames(node.config)];
        const { fields, literals } = readsAndLiterals(node.config);
        // The rules' own literals (and their neighbours) make the edges of comparisons come up.
        const near = [...literals].flatMap((l) => (typeof l === 'number' ? [l, l - 1, l + 1] : [l]));
        const value = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...near, 0, 1) }, fc.integer({ min: -5, max: 200 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('ORD-1', 'acc-1', '', 'x', true, null), fc.array(fc.integer(), { maxLength: 2 }));
        const samples = w.scenario.nodes.flatMap((n) => (n.kind === 'producer' ? n.config.templates.map((t) => t.data ?? {}) : []));
        const data = fc.oneof(
          fc.constantFrom(...(samples.length > 0 ? samples : [{}])),
          { weight: 3, arbitrary: fc.record(Object.fromEntries([...fields, 'orderId', 'total', 'x'].map((f) => [f, value])), { requiredKeys: [] }) },
        );
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...types),
            data,
            fc.option(fc.constantFrom('ORD-1', 'acc-1', 'cus-678', ''), { nil: undefined }),
            fc.array(fc.tuple(fc.constantFrom(...(tables.length > 0 ? tables : ['t'])), fc.constantFrom('ORD-1', 'acc-1', 'cus-678', 'x', ...near.filter((l): l is string => typeof l === 'string')), value), { maxLength: 6 }),
            async (type, raw, key, rawPrior) => {
              // Events and state arrive as JSON (no -0, no undefined), as over the wire.
              const d = JSON.parse(JSON.stringify(raw));
              const prior: [string, string, unknown][] = JSON.parse(JSON.stringify(rawPrior));
              const event = { specversion: '1.0', id: 'evt-3', source: '/eventfold/p', type, time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', data: d, ...(key !== undefined ? { partitionkey: key } : {}), correlationid: 'evt-1', schemaversion: 1 };
              const sim = new Map(prior.map(([t, k, v]) => [`${t}\u0000${k}`, v]));
              const store = new Store();
              for (const [t, k, v] of prior) store.write(t, k, v);
              const input = ruleInput(event, sim);
              const expected = failWhen && failWhen(input) ? { error: true } : rules.run(type, input);
              const h = new Handling(event, store);
              let rule = -1;
              let failed = false;
              try {
                rule = handle(event, h);
              } catch (e) {
                if (!(e instanceof HandlerError)) throw e;
                failed = true;
              }
              expect(failed).toBe('error' in expected && expected.error !== undefined);
              if (failed || !('rule' in expected)) return;
              expect(rule).toBe(expected.rule + 1);
              expect(h.writes).toEqual(expected.writes);
              expect(h.emits).toEqual(expected.emits);
              expect(h.effects).toEqual(expected.effects);
              expect(h.commands).toEqual(expected.commands);
            },
          ),
          { numRuns: 600 },
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(15);
  });
});

describe('a transactional consumer on a fake KafkaJS ([TX1])', () => {
  it('emits and commits its offset in one transaction per event; a failure aborts both and nothing lands', async () => {
    const w = written.find((x) => x.scenario === transactional)!;
    expect(w.project.notGenerated.join('\n')).not.toContain('transaction');
    const load = (p: string) => import(pathToFileURL(join(w.dir, p)).href);
    const { TOPICS, PRODUCERS, CONSUMERS } = await load('src/scenario.ts');
    expect(CONSUMERS.map((c: { spec: object }) => c.spec)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'ledger-writer', transactional: true }), expect.objectContaining({ id: 'balances', isolation: 'read_committed' })]),
    );
    const { createTopics, runConsumer, openProducer, fire } = await load('src/kafka.ts');
    const broker = fakeKafka();
    await createTopics(broker.kafka, TOPICS);
    const writer = CONSUMERS.find((c: { spec: { id: string } }) => c.spec.id === 'ledger-writer');
    const running = await runConsumer(broker.kafka, writer.spec, writer.handle, () => {});
    const producer = await openProducer(broker.kafka, false);
    for (let i = 0; i < 3; i++) await fire(producer, PRODUCERS[0], 0);
    await broker.drain();
    expect(broker.transactions).toEqual(['committed', 'committed', 'committed']);
    expect(broker.log.filter((r) => r.topic === 'ledger')).toHaveLength(3);
    // The offsets went in the transactions (sendOffsets), for the group, after each record.
    expect(broker.commits.filter((c) => c.group === 'ledger-writer').map((c) => c.offset)).toEqual(['1', '2', '3']);
    await running.stop();

    // A broker error after the emit, before the commit: the transaction is aborted, the emit never lands, the offset is not committed.
    const failing = fakeKafka();
    await createTopics(failing.kafka, TOPICS);
    await runConsumer(failing.kafka, writer.spec, writer.handle, () => {});
    await fire(await openProducer(failing.kafka, false), PRODUCERS[0], 0);
    failing.failNextSendOffsets = true;
    await expect(failing.drain()).rejects.toThrow('the group coordinator is not available');
    expect(failing.transactions).toEqual(['aborted']);
    expect(failing.log.filter((r) => r.topic === 'ledger')).toHaveLength(0);
    expect(failing.commits).toHaveLength(0);
  });
});

describe('the fan-out project on a fake KafkaJS', () => {
  it('creates its topics, fires, and each consumer handles, commits after, and counts its side effect', async () => {
    const w = written.find((x) => x.scenario.name.startsWith('Pub/sub fan-out'))!;
    const load = (p: string) => import(pathToFileURL(join(w.dir, p)).href);
    const { TOPICS, PRODUCERS, CONSUMERS } = await load('src/scenario.ts');
    const { createTopics, runConsumer, openProducer, fire } = await load('src/kafka.ts');
    const broker = fakeKafka();
    await createTopics(broker.kafka, TOPICS);
    expect(Object.fromEntries(broker.topics)).toEqual({ orders: 3 });
    const lines: string[] = [];
    const running: RunningConsumer[] = [];
    for (const c of CONSUMERS) running.push(await runConsumer(broker.kafka, c.spec, c.handle, (l: string) => lines.push(l)));
    const producer = await openProducer(broker.kafka, false);
    const fired = [await fire(producer, PRODUCERS[0], 0), await fire(producer, PRODUCERS[0], 0)];
    expect(fired.map((e) => e.partitionkey)).toEqual(['ORD-1', 'ORD-2']);
    expect(fired[0].data).toEqual({ orderId: 'ORD-1', customerId: 'cus-678', total: 99.99 });
    // KafkaJS's default partitioner puts each key where the simulation's murmur2 does.
    for (const r of broker.log) expect(r.partition).toBe(partitionForKey(r.key!, 3));
    expect(broker.log[0].headers).toMatchObject({ ce_specversion: '1.0', ce_type: 'OrderPlaced', ce_source: '/eventfold/checkout', ce_partitionkey: 'ORD-1' });
    await broker.drain();
    for (const r of running) expect(r.stats).toMatchObject({ handled: 2, failed: 0 });
    const payment = running[CONSUMERS.findIndex((c: { spec: { id: string } }) => c.spec.id === 'payment')];
    expect(payment.store.snapshot()).toEqual({ charged: { 'cus-678': 199.98 } });
    expect([...payment.stats.effects]).toEqual([
      ['card charged:ORD-1', 1],
      ['card charged:ORD-2', 1],
    ]);
    // At-least-once: each group commits the offset after each record it handled.
    expect(broker.commits.filter((c) => c.group === 'payment')).toHaveLength(2);
    expect(broker.committed.get(`payment orders ${broker.log[1].partition}`)).toBe(String(broker.log[1].offset + 1));
    expect(lines).toContain('payment: effect card charged for ORD-1');
    // The same two fires in the simulation: every consumer ends with the same state and side effects.
    const sim = simulate(w.scenario, [
      { producer: 'checkout', template: 0 },
      { producer: 'checkout', template: 0 },
    ]);
    CONSUMERS.forEach((c: { spec: { id: string } }, i: number) => {
      expect(running[i].store.snapshot(), c.spec.id).toEqual(sim[c.spec.id].state);
      expect(Object.fromEntries(running[i].stats.effects), c.spec.id).toEqual(sim[c.spec.id].effects);
    });
  });

  it('retries a failing handler, then dead-letters the event', async () => {
    const w = written.find((x) => x.scenario.name.toLowerCase().includes('poison'))!;
    const load = (p: string) => import(pathToFileURL(join(w.dir, p)).href);
    const { TOPICS, PRODUCERS, CONSUMERS } = await load('src/scenario.ts');
    const { createTopics, runConsumer, openProducer, fire } = await load('src/kafka.ts');
    const broker = fakeKafka();
    await createTopics(broker.kafka, TOPICS);
    const running: RunningConsumer[] = [];
    for (const c of CONSUMERS) running.push(await runConsumer(broker.kafka, { ...c.spec, retry: { ...c.spec.retry, initialMs: 0, maxMs: 0 } }, c.handle, () => {}));
    const producer = await openProducer(broker.kafka, false);
    const spec = PRODUCERS[0];
    for (let t = 0; t < spec.templates.length; t++) await fire(producer, spec, t);
    await broker.drain();
    const withDlt = CONSUMERS.findIndex((c: { spec: { deadLetter: string | null } }) => c.spec.deadLetter);
    expect(withDlt).toBeGreaterThanOrEqual(0);
    const dlt = CONSUMERS[withDlt].spec.deadLetter;
    const stats = running[withDlt].stats;
    expect(stats.deadLettered).toBeGreaterThan(0);
    expect(stats.failed).toBe(stats.deadLettered * CONSUMERS[withDlt].spec.retry.maxAttempts);
    expect(broker.log.some((r) => r.topic === dlt)).toBe(true);
  });
});

describe('one handling, as the simulation does it', () => {
  it('skips an event id already handled with processed-ids idempotency, and emits in the cause’s conversation', async () => {
    const w = written.find((x) => x.scenario === hostile.value)!;
    const { handle } = await import(pathToFileURL(join(w.dir, 'src/handlers/c-1.ts')).href);
    const { Store } = await import(pathToFileURL(join(w.dir, 'src/runtime.ts')).href);
    const { handleOne } = await import(pathToFileURL(join(w.dir, 'src/kafka.ts')).href);
    const spec = { id: 'c:1', group: 'g', topics: ['ev'], commit: 'after', idempotency: 'processed-ids', retry: { maxAttempts: 1, backoff: 'immediate', initialMs: 0, maxMs: 0 }, deadLetter: null };
    const event = { specversion: '1.0', id: 'evt-9', source: '/eventfold/p', type: '"; process.exit(1); "', time: '', datacontenttype: 'application/json', data: { k: '${1}' }, partitionkey: 'K', correlationid: 'evt-2', schemaversion: 1 };
    const store = new Store();
    const stats = { handled: 0, ignored: 0, duplicates: 0, failed: 0, deadLettered: 0, effects: new Map(), commands: [] };
    const sent: { topic: string; e: Record<string, unknown> }[] = [];
    const send = async (topic: string, e: Record<string, unknown>) => void sent.push({ topic, e });
    await handleOne(spec, handle, event, store, stats, send, () => {});
    await handleOne(spec, handle, { ...event }, store, stats, send, () => {});
    expect(stats).toMatchObject({ handled: 1, duplicates: 1 });
    expect([...stats.effects]).toEqual([['*/ alert(1):K', 1]]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: 'out', e: { type: '`${evil}`', causationid: 'evt-9', correlationid: 'evt-2', partitionkey: 'K', source: '/eventfold/c:1' } });
  });
});

describe('a generated project’s own tests', () => {
  it('pass: `npm test` of the fan-out project runs its handlers on its templates’ events (node:test, no broker)', async () => {
    const { execFile } = await import('node:child_process');
    const w = written.find((x) => x.scenario.name.startsWith('Pub/sub fan-out'))!;
    const out = await new Promise<string>((res, rej) =>
      execFile(process.execPath, ['--import', 'tsx', '--test', 'test/handlers.test.ts'], { cwd: w.dir }, (err, stdout, stderr) => (err ? rej(new Error(`${stdout}\n${stderr}`)) : res(stdout))),
    );
    expect(out).toMatch(/# pass 3\b/);
    expect(out).toMatch(/# fail 0\b/);
  });
});

describe('the download', () => {
  it('zips every file under the project folder, byte for byte', async () => {
    const { unzipSync, strFromU8 } = await import('fflate');
    const { projectZip } = await import('./zip.ts');
    const w = written[0];
    const files = unzipSync(projectZip(w.project));
    expect(Object.keys(files).sort()).toEqual(w.project.files.map((f) => `${w.project.name}/${f.path}`).sort());
    for (const f of w.project.files) expect(strFromU8(files[`${w.project.name}/${f.path}`])).toBe(f.text);
  });
});

// ---------------------------------------------------------------------------- RabbitMQ

type Fire = { producer: string; template: number };
/** Rates fire by themselves in the simulation: off, so both sides get exactly the same fires. */
const withoutRates = (s: Scenario): Scenario => ({ ...s, nodes: s.nodes.map((n) => (n.kind === 'producer' ? { ...n, config: { ...n.config, rate: null } } : n)) });
/** Every template of every producer, `times` times round. */
const everyTemplate = (s: Scenario, times: number): Fire[] =>
  Array.from({ length: times }, () => s.nodes.flatMap((n) => (n.kind === 'producer' ? n.config.templates.map((_, template) => ({ producer: n.id, template })) : []))).flat();

/** The simulation after some fires: the events (type and key) that arrived in each queue, and how many were returned to their producer. */
function simulateQueues(s: Scenario, fires: Fire[]): { queues: Record<string, string[]>; returned: number } {
  const e = runFires(s, fires);
  const what = new Map<string, string>();
  for (const st of e.steps()) if (st.eventId && st.eventType && !what.has(st.eventId)) what.set(st.eventId, `${st.eventType} ${st.key ?? '-'}`);
  const queues: Record<string, string[]> = {};
  let returned = 0;
  for (const [id, v] of Object.entries(e.view().nodes)) {
    if (v.kind === 'queue') queues[id] = v.messages.map((m) => what.get(m.id)!).sort();
    if (v.kind === 'exchange') returned += v.returned;
  }
  return { queues, returned };
}

interface Ran {
  queues: Record<string, string[]>;
  returned: number;
  consumers: { id: string; state: unknown; effects: Record<string, number>; nacked: number }[];
  rabbit: ReturnType<typeof fakeAmqp>;
}

/** A generated project on the fake amqplib, as its main.ts and fire.ts run it: topology, consumers, the fires, then every delivery. */
async function runOnFakeRabbit(dir: string, fires: Fire[]): Promise<Ran> {
  const load = (p: string) => import(pathToFileURL(join(dir, p)).href);
  const { TOPOLOGY, CHANNELS, PRODUCERS, QUEUE_CONSUMERS } = await load('src/scenario.ts');
  const { setupTopology, openPublisher, publish, fireAmqp, runQueueConsumer } = await load('src/amqp.ts');
  const rabbit = fakeAmqp();
  await setupTopology(await rabbit.conn.createChannel(), TOPOLOGY);
  const publisher = await openPublisher(rabbit.conn, () => {});
  const send = async (to: string, e: { type: string }) => {
    const c = CHANNELS[to];
    if (!c) throw new Error(`${to} is not on RabbitMQ`);
    await publish(publisher, c.exchange, c.routingKey ?? e.type, e);
  };
  const running: [string, { store: { snapshot(): unknown }; stats: { effects: Map<string, number>; nacked: number } }][] = [];
  for (const c of QUEUE_CONSUMERS) running.push([c.spec.id, await runQueueConsumer(rabbit.conn, c.spec, c.handle, send, () => {})]);
  for (const f of fires) await fireAmqp(publisher, PRODUCERS.find((p: { id: string }) => p.id === f.producer), f.template);
  await rabbit.drain();
  const queues = Object.fromEntries([...rabbit.arrived].map(([q, ms]) => [q, ms.map((m) => `${m.properties.headers['cloudEvents:type']} ${m.properties.headers['cloudEvents:partitionkey'] ?? '-'}`).sort()]));
  return { queues, returned: publisher.returned.length, consumers: running.map(([id, r]) => ({ id, state: r.store.snapshot(), effects: Object.fromEntries(r.stats.effects), nacked: r.stats.nacked })), rabbit };
}

describe('projects with exchanges: RabbitMQ', () => {
  const byName = (start: string) => written.find((x) => x.scenario.name.startsWith(start))!;
  const file = (w: (typeof written)[number], p: string) => w.project.files.find((f) => f.path === p)?.text;

  it('declare the exchanges, queues and bindings the scenario draws, with their RabbitMQ arguments', async () => {
    const all = byName('Every AMQP feature');
    const rabbit = fakeAmqp();
    const { TOPOLOGY } = await import(pathToFileURL(join(all.dir, 'src/scenario.ts')).href);
    const { setupTopology } = await import(pathToFileURL(join(all.dir, 'src/amqp.ts')).href);
    await setupTopology(await rabbit.conn.createChannel(), TOPOLOGY);
    // Declaring again is harmless (the same settings), as `npm run topology` then `npm start` do.
    await setupTopology(await rabbit.conn.createChannel(), TOPOLOGY);
    expect(Object.fromEntries(rabbit.exchanges)).toEqual({
      events: { type: 'topic', alternateExchange: 'unrouted' },
      fan: { type: 'fanout', alternateExchange: null },
      unrouted: { type: 'fanout', alternateExchange: null },
      'by-headers': { type: 'headers', alternateExchange: null },
      'direct-x': { type: 'direct', alternateExchange: null },
      dlx: { type: 'direct', alternateExchange: null },
    });
    expect(rabbit.queues.get('eu')!.args).toEqual({ 'x-message-ttl': 600000, 'x-dead-letter-exchange': 'dlx', 'x-dead-letter-routing-key': 'eu.failed' });
    // maxReceiveCount 2 → a quorum queue returning a message once, then dead-lettering it through the default exchange to jobs-dlq.
    expect(rabbit.queues.get('jobs')!.args).toEqual({ 'x-queue-type': 'quorum', 'x-delivery-limit': 1, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'jobs-dlq' });
    expect(rabbit.queues.get('all-orders')!.args).toEqual({});
    const bindings = rabbit.bindings.map((b) => `${b.exchange} → ${b.to}${b.toExchange ? ' (exchange)' : ''} [${b.key}] ${JSON.stringify(b.args)}`);
    expect(bindings).toEqual(
      expect.arrayContaining([
        'events → eu [order.eu.*] {}',
        'events → all-orders [order.#] {}',
        'events → fan (exchange) [order.us.*] {}',
        'by-headers → hq-all [] {"x-match":"all","region":"eu","priority":"high"}',
        'by-headers → hq-any [] {"x-match":"any","region":"eu","priority":"high"}',
        'dlx → parked [eu.failed] {}',
      ]),
    );
    // The alternate exchange takes what nothing matched: it is not bound as well.
    expect(bindings.some((b) => b.startsWith('events → unrouted'))).toBe(false);
    expect(JSON.parse(file(all, 'package.json')!)).toMatchObject({ dependencies: { amqplib: expect.any(String) }, devDependencies: { '@types/amqplib': expect.any(String) }, scripts: { topology: 'tsx src/topology.ts' } });
    // No Kafka topic in it: no Redpanda, no KafkaJS.
    expect(JSON.parse(file(all, 'package.json')!).dependencies.kafkajs).toBeUndefined();
    expect(file(all, 'src/kafka.ts')).toBeUndefined();
    expect(file(all, 'docker-compose.yml')).toContain('image: rabbitmq:4.1-management');
    expect(file(all, 'docker-compose.yml')).not.toContain('redpanda');
    const readme = file(all, 'README.md')!;
    expect(readme).toContain("published to through\n  RabbitMQ's default exchange");
    expect(readme).toContain('quorum queue (`x-queue-type: quorum`)');
    // A Kafka-only scenario keeps Kafka alone.
    const fanOut = byName('Pub/sub fan-out');
    expect(file(fanOut, 'src/amqp.ts')).toBeUndefined();
    expect(file(fanOut, 'docker-compose.yml')).not.toContain('rabbitmq');
  });

  it('route the same events to the same queues as the simulation, and the queue consumers end as it does: the exchange-routing example, lessons 27 and 28, every AMQP feature', async () => {
    let compared = 0;
    for (const start of ['Routing orders through a topic exchange', amqpScenarios[0].name, amqpScenarios[1].name, 'Every AMQP feature']) {
      const w = byName(start);
      const scenario = withoutRates(w.scenario);
      const fires = everyTemplate(scenario, 2);
      expect(fires.length, start).toBeGreaterThan(2);
      const ran = await runOnFakeRabbit(w.dir, fires);
      const sim = simulateQueues(scenario, fires);
      expect(ran.queues, start).toEqual(sim.queues);
      expect(ran.returned, start).toBe(sim.returned);
      const outcome = simulate(scenario, fires);
      for (const c of ran.consumers) {
        expect(c.state, `${start}: ${c.id}`).toEqual(outcome[c.id].state);
        expect(c.effects, `${start}: ${c.id}`).toEqual(outcome[c.id].effects);
      }
      compared++;
      if (start === 'Every AMQP feature') {
        // The poison order is nacked without requeue and parked through the dead-letter exchange;
        // the bad job is delivered twice (its maxReceiveCount), then moved to jobs-dlq.
        expect(ran.queues.parked).toEqual(['OrderPlaced NEG-16', 'OrderPlaced NEG-8']);
        expect(ran.queues['jobs-dlq']).toEqual(['Job B-15', 'Job B-7']);
        expect(ran.consumers.find((c) => c.id === 'jobs-worker')!.nacked).toBe(4);
        expect(ran.returned).toBe(2);
        expect(ran.queues['hq-all']).toEqual([]);
        expect(ran.queues['dq']).toHaveLength(6);
      }
    }
    expect(compared).toBe(4);
  });

  it('a routing key that no longer matches sends the events elsewhere, on the fake broker as in the simulation (the test can fail)', async () => {
    const w = byName('Routing orders through a topic exchange');
    const fires = everyTemplate(w.scenario, 1);
    const ran = await runOnFakeRabbit(w.dir, fires);
    // The example's point: the binding key order.eu has two words, the routing keys three.
    expect(ran.queues['eu-orders']).toEqual([]);
    expect(ran.queues.audit).toHaveLength(3);
    const fixed = { ...w.scenario, edges: w.scenario.edges.map((e) => (e.target === 'eu-orders' && e.source === 'orders' ? { ...e, bindingKey: 'order.eu.*' } : e)) };
    const dir = join(OUT, 'routing-fixed');
    for (const f of generateProject(fixed).files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.text);
    }
    const after = await runOnFakeRabbit(dir, fires);
    expect(after.queues['eu-orders']).toEqual(['OrderCancelled EU-3', 'OrderPlaced EU-1']);
    expect(after.queues).toEqual(simulateQueues(fixed, fires).queues);
  });

  it('a mixed scenario runs on both: a Kafka consumer emits to an exchange, a queue consumer emits to a Kafka topic', async () => {
    const w = byName('Mixed brokers');
    expect(file(w, 'docker-compose.yml')).toContain('redpanda');
    expect(file(w, 'docker-compose.yml')).toContain('rabbitmq');
    const load = (p: string) => import(pathToFileURL(join(w.dir, p)).href);
    const { TOPICS, TOPOLOGY, CHANNELS, PRODUCERS, CONSUMERS, QUEUE_CONSUMERS } = await load('src/scenario.ts');
    const { createTopics, runConsumer, openProducer, fire, toRecord } = await load('src/kafka.ts');
    const { setupTopology, openPublisher, publish, runQueueConsumer } = await load('src/amqp.ts');
    expect(TOPICS.map((t: { topic: string }) => t.topic).sort()).toEqual(['done', 'orders']);
    const broker = fakeKafka();
    const rabbit = fakeAmqp();
    await createTopics(broker.kafka, TOPICS);
    await setupTopology(await rabbit.conn.createChannel(), TOPOLOGY);
    const publisher = await openPublisher(rabbit.conn, () => {});
    const out = await openProducer(broker.kafka, false);
    // As main.ts routes: a RabbitMQ node by CHANNELS, anything else to Kafka.
    const send = async (to: string, e: { type: string }) => {
      const c = CHANNELS[to];
      if (c) await publish(publisher, c.exchange, c.routingKey ?? e.type, e);
      else await out.send({ topic: to, messages: [toRecord(e)] });
    };
    const kafkaSide = await runConsumer(broker.kafka, CONSUMERS[0].spec, CONSUMERS[0].handle, () => {}, send);
    const rabbitSide = await runQueueConsumer(rabbit.conn, QUEUE_CONSUMERS[0].spec, QUEUE_CONSUMERS[0].handle, send, () => {});
    const producer = await openProducer(broker.kafka, false);
    for (let i = 0; i < 3; i++) await fire(producer, PRODUCERS[0], 0);
    await broker.drain();
    await rabbit.drain();
    expect(kafkaSide.stats.handled).toBe(3);
    expect(rabbit.arrived.get('q')!.map((m) => m.routingKey)).toEqual(['order.placed', 'order.placed', 'order.placed']);
    expect(rabbitSide.store.snapshot()).toEqual(simulate(w.scenario, [0, 1, 2].map(() => ({ producer: 'shop', template: 0 }))).qc.state);
    expect(broker.log.filter((r) => r.topic === 'done').map((r) => r.headers.ce_type)).toEqual(['Done', 'Done', 'Done']);
  });
});
