// The generated project of lesson 28 (dead-lettering through an exchange) against a REAL
// RabbitMQ: `RABBITMQ_URL=amqp://localhost:5672 npm run test:integration` (for example with the
// compose file of any generated project with exchanges: `docker compose up -d`). Not part of
// `npm test`: no broker can run on the machines the tests run on. Without RABBITMQ_URL it is
// skipped, saying why (and the run fails when KAFKA_BROKERS is missing too: see
// project.integration.test.ts).
//
// It generates the project with exchange and queue names unique to this run, declares the
// topology, runs its consumer, fires four payments (two of them poison), and expects the
// consumer to end with the state and side effects the simulation shows, and the parked queue
// to hold the messages the simulation parks.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine, type Scenario } from '../../src/engine/index.ts';
import { restoreSessionOrScenario } from '../../src/engine/session.ts';
import { generateProject } from '../../src/bridge/project/generate.ts';
import { simulate } from './simulate.ts';
import type { RunningQueueConsumer } from '../../src/bridge/project/template/amqp.ts';
import '../../src/engine/kinds/all.ts'; // every optional engine module (kinds/index.ts OPTIONAL)

const url = process.env.RABBITMQ_URL;
const run = Date.now().toString(36);
const dir = resolve(`reports/integration-rabbitmq-${run}`);
const NAMES = ['payments-x', 'payments', 'dlx', 'parked'];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!url)(`the generated project of lesson 28 on the RabbitMQ at ${url ?? '(RABBITMQ_URL is not set: skipped)'}`, { timeout: 120_000 }, () => {
  it('declares its exchanges and queues, and its consumer and dead letters end as the simulation does', async () => {
    let text = readFileSync('lessons/28-dead-letter-exchange/solution.json', 'utf8');
    for (const n of NAMES) text = text.replaceAll(`"${n}"`, `"${n}-${run}"`);
    const restored = restoreSessionOrScenario(JSON.parse(text));
    if (!restored.ok) throw new Error(JSON.stringify(restored.errors));
    const s: Scenario = 'scenario' in restored.value ? restored.value.scenario : restored.value;
    // Rates fire by themselves in the simulation: off, so both get the same four fires.
    const scenario = { ...s, nodes: s.nodes.map((n) => (n.kind === 'producer' ? { ...n, config: { ...n.config, rate: null } } : n)) };
    for (const f of generateProject(scenario).files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.text);
    }
    const load = (p: string) => import(pathToFileURL(join(dir, p)).href);
    const { TOPOLOGY, PRODUCERS, QUEUE_CONSUMERS } = await load('src/scenario.ts');
    const { connectAmqp, setupTopology, openPublisher, fireAmqp, runQueueConsumer } = await load('src/amqp.ts');
    const conn = await connectAmqp(url);
    const admin = await conn.createChannel();
    try {
      await setupTopology(admin, TOPOLOGY);
      const running: RunningQueueConsumer[] = [];
      for (const c of QUEUE_CONSUMERS) running.push(await runQueueConsumer(conn, c.spec, c.handle, async () => {}, () => {}));
      const publisher = await openPublisher(conn, () => {});
      const fires = [0, 1, 0, 1].map((template) => ({ producer: 'checkout', template }));
      for (const f of fires) await fireAmqp(publisher, PRODUCERS[0], f.template);

      const deadline = Date.now() + 60_000;
      while (running.some((r) => r.stats.handled + r.stats.failed < 4) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      for (const r of running) await r.stop();

      const sim = simulate(scenario, fires);
      QUEUE_CONSUMERS.forEach((c: { spec: { id: string } }, i: number) => {
        expect(running[i].store.snapshot(), c.spec.id).toEqual(sim[c.spec.id].state);
        expect(Object.fromEntries(running[i].stats.effects), c.spec.id).toEqual(sim[c.spec.id].effects);
      });
      // The parked queue holds what the simulation parks.
      const e = createEngine(scenario, { seed: scenario.seed });
      e.runUntil(0);
      for (const f of fires) e.act({ kind: 'fire', node: f.producer, template: f.template });
      e.runUntil(1e9, 1_000_000);
      const parked = e.view().nodes[`parked-${run}`];
      if (parked.kind !== 'queue') throw new Error('parked is not a queue');
      expect((await admin.checkQueue(`parked-${run}`)).messageCount).toBe(parked.messages.length);
    } finally {
      for (const q of TOPOLOGY.queues) await admin.deleteQueue(q.name);
      for (const x of TOPOLOGY.exchanges) await admin.deleteExchange(x.name);
      await conn.close();
    }
  });
});
