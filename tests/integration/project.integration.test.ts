// The generated fan-out project against a REAL broker: `KAFKA_BROKERS=localhost:19092 npm run
// test:integration` (for example with the compose file of any generated project: `docker
// compose up -d`). Not part of `npm test`: no broker can run on the machines the tests run on.
// Without KAFKA_BROKERS (and without RABBITMQ_URL, for the RabbitMQ test beside it) it fails at
// once saying so, rather than pass in silence; with only RABBITMQ_URL it is skipped, saying why.
//
// It generates the fan-out example's project with topic names unique to this run, creates the
// topics (checking their partition counts on the broker), runs its consumers with KafkaJS,
// fires five orders, and expects every consumer to end with the state and side effects the
// simulation shows for the same five fires.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { restoreScenario } from '../../src/engine/index.ts';
import { generateProject } from '../../src/bridge/project/generate.ts';
import { simulate } from './simulate.ts';
import type { RunningConsumer } from '../../src/bridge/project/template/kafka.ts';

const brokers = process.env.KAFKA_BROKERS;
if (!brokers && !process.env.RABBITMQ_URL) {
  throw new Error('Neither KAFKA_BROKERS nor RABBITMQ_URL is set: these tests need a real broker. Start one (docker compose up -d in a generated project gives Kafka on localhost:19092, and RabbitMQ on amqp://localhost:5672 for a scenario with exchanges) and run KAFKA_BROKERS=localhost:19092 RABBITMQ_URL=amqp://localhost:5672 npm run test:integration');
}

const run = Date.now().toString(36);
const dir = resolve(`reports/integration-${run}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!brokers)(`the generated fan-out project on the Kafka broker at ${brokers ?? '(KAFKA_BROKERS is not set: skipped)'}`, { timeout: 120_000 }, () => {
  it('creates its topics with their partitions, and its consumers end as the simulation does', async () => {
    const text = readFileSync('src/examples/fan-out.json', 'utf8').replaceAll('"orders"', `"orders-${run}"`);
    const restored = restoreScenario(JSON.parse(text));
    if (!restored.ok) throw new Error(JSON.stringify(restored.errors));
    const scenario = { ...restored.value, nodes: restored.value.nodes.map((n) => (n.kind === 'consumer' ? { ...n, config: { ...n.config, group: `${n.config.group}-${run}` } } : n)) };
    const project = generateProject(scenario);
    for (const f of project.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.text);
    }
    const load = (p: string) => import(pathToFileURL(join(dir, p)).href);
    const { TOPICS, PRODUCERS, CONSUMERS } = await load('src/scenario.ts');
    const { connect, createTopics, runConsumer, openProducer, fire } = await load('src/kafka.ts');
    const kafka = connect('eventfold-integration', brokers!);

    await createTopics(kafka, TOPICS);
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [`orders-${run}`] });
    await admin.disconnect();
    expect(meta.topics[0].partitions).toHaveLength(3);

    const running: RunningConsumer[] = [];
    for (const c of CONSUMERS) running.push(await runConsumer(kafka, c.spec, c.handle, () => {}));
    const producer = await openProducer(kafka, false);
    for (let i = 0; i < 5; i++) await fire(producer, PRODUCERS[0], 0);
    await producer.disconnect();

    const deadline = Date.now() + 60_000;
    while (running.some((r) => r.stats.handled < 5) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    for (const r of running) await r.stop();

    const sim = simulate(scenario, Array.from({ length: 5 }, () => ({ producer: 'checkout', template: 0 })));
    CONSUMERS.forEach((c: { spec: { id: string } }, i: number) => {
      expect(running[i].stats.handled, c.spec.id).toBe(5);
      expect(running[i].store.snapshot(), c.spec.id).toEqual(sim[c.spec.id].state);
      expect(Object.fromEntries(running[i].stats.effects), c.spec.id).toEqual(sim[c.spec.id].effects);
    });
  });
});
