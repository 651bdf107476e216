// The bridge to real systems, as a learner uses it in the built site: the trace's events
// downloaded as CloudEvents 1.0 JSON (the whole trace, a conversation, and only what has
// happened up to the playhead), each file checked against the CloudEvents 1.0 JSON schema;
// a scenario exported as AsyncAPI 3 (checked against the AsyncAPI 3.0.0 schema), edited and
// opened again, and documents written elsewhere or unreadable opened with what they lack named.
import { test, expect, type Download, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse, stringify } from 'yaml';
import { failOnConsoleProblems, openExample, rowsOf, runToEnd, selectNode } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 120_000 });

// The CloudEvents 1.0 JSON schema as the CNCF's JavaScript SDK ships it (compiled with ajv).
const validateCloudEvent = createRequire(import.meta.url)('cloudevents/dist/schema/v1.js') as ((x: unknown) => boolean) & { errors?: unknown };

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; events: Record<string, unknown>[] }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const d = download as Download;
  const events = JSON.parse(await readFile((await d.path())!, 'utf8')) as Record<string, unknown>[];
  for (const e of events) expect(validateCloudEvent(e), JSON.stringify(validateCloudEvent.errors)).toBe(true);
  return { name: d.suggestedFilename(), events };
}

test('the trace and a conversation download as CloudEvents 1.0 JSON, up to the playhead', async ({ page }) => {
  await openExample(page, 'order-saga');
  await selectNode(page, 'shop');
  await page.getByTestId('fire-template').click();
  await page.getByLabel('Template to fire').selectOption('1');
  await page.getByTestId('fire-template').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(2);
  await runToEnd(page);

  // The whole trace: both orders' conversations, every event once.
  const all = await downloaded(page, () => page.getByTestId('export-cloudevents').click());
  expect(all.name).toMatch(/-trace\.cloudevents\.json$/);
  expect(new Set(all.events.map((e) => e.correlationid))).toEqual(new Set(['evt-0', 'evt-1']));
  expect(new Set(all.events.map((e) => e.id)).size).toBe(all.events.length);
  expect(all.events[0]).toMatchObject({ specversion: '1.0', id: 'evt-0', source: '/eventfold/shop', datacontenttype: 'application/json' });
  await expect(page.getByTestId('cloudevents-status')).toContainText(`Downloaded ${all.events.length} events of the trace`);

  // One conversation, from the sequence diagram's dialog.
  await page.getByTestId('filter-field').selectOption('correlation');
  await page.getByTestId('filter-text').fill('evt-1');
  await expect(page.getByTestId('found')).toContainText('conversation evt-1');
  await page.getByTestId('export-mermaid').click();
  const conv = await downloaded(page, () => page.getByTestId('conversation-cloudevents').click());
  expect(conv.name).toMatch(/-conversation-evt-1\.cloudevents\.json$/);
  expect(conv.events.length).toBeGreaterThan(2);
  expect(conv.events.every((e) => e.correlationid === 'evt-1')).toBe(true);
  expect(conv.events.slice(1).every((e) => typeof e.causationid === 'string')).toBe(true);
  await expect(page.getByTestId('mermaid-dialog').getByRole('status')).toContainText(`Downloaded ${conv.events.length} events of the conversation evt-1`);
  await page.getByTestId('mermaid-dialog').getByRole('button', { name: 'Close' }).click();

  // Stepped back to just after the first fire: only what had happened by then.
  await page.getByTestId('filter-text').fill('');
  await rowsOf(page, 'fire').first().click();
  const early = await downloaded(page, () => page.getByTestId('export-cloudevents').click());
  expect(early.events.map((e) => e.id)).toEqual(['evt-0']);
});

const require = createRequire(import.meta.url);
const ajv = new Ajv({ strict: false, allErrors: true, meta: false, validateSchema: false });
addFormats(ajv);
const validateAsyncApi = ajv.compile(require('@asyncapi/specs').schemas['3.0.0']);

async function openAsyncApi(page: Page, name: string, text: string) {
  await page.getByTestId('workspaces').click();
  await page.getByTestId('import-asyncapi-file').setInputFiles({ name, mimeType: 'application/yaml', buffer: Buffer.from(text) });
}

test('a scenario goes out as AsyncAPI 3 and comes back, edited; other documents open with what they lack named', async ({ page }) => {
  await openExample(page, 'keyed-orders');
  await expect(page.getByTestId('node-orders')).toContainText('3 partitions');
  await page.getByTestId('workspaces').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-asyncapi').click()]);
  expect(download.suggestedFilename()).toBe('keys-partitions-and-a-crash-before-the-commit.asyncapi.yaml');
  const doc = parse(await readFile((await download.path())!, 'utf8'));
  expect(validateAsyncApi(doc), JSON.stringify(validateAsyncApi.errors)).toBe(true);
  expect(doc.channels.orders.bindings.kafka).toMatchObject({ topic: 'orders', partitions: 3 });
  await page.getByTestId('workspaces-dialog').getByRole('button', { name: 'Close' }).click();

  // Edited by hand, as a team would in its API repository: six partitions.
  doc.channels.orders.bindings.kafka.partitions = 6;
  await openAsyncApi(page, 'orders.asyncapi.yaml', stringify(doc));
  await expect(page.getByTestId('notice')).toContainText("Opened the AsyncAPI document 'Keys, partitions and a crash before the commit' as a new workspace");
  await expect(page.getByTestId('notice')).toContainText('channel orders: 6 partitions in its Kafka binding, 3 in x-eventfold: it has 6.');
  await expect(page.getByTestId('node-orders')).toContainText('6 partitions');
  await expect(page.getByTestId('save-status')).toHaveText('Saved locally');

  // Written elsewhere: a producer and a topic from its standard parts, the rest named.
  await openAsyncApi(
    page,
    'signup.yaml',
    `asyncapi: 3.0.0
info: { title: Signup, version: 1.0.0 }
servers: { prod: { host: kafka.example.com, protocol: kafka } }
channels:
  signups:
    address: user.signedup
    bindings: { kafka: { partitions: 2 } }
    messages: { UserSignedUp: { name: UserSignedUp, payload: { type: object, properties: { id: { type: string, examples: [u-7] } } } } }
operations:
  publish: { action: send, channel: { $ref: '#/channels/signups' } }
`,
  );
  await expect(page.getByTestId('notice')).toContainText("Opened the AsyncAPI document 'Signup'");
  await expect(page.getByTestId('notice')).toContainText('servers (prod): the simulation has no network addresses');
  await expect(page.getByTestId('node-user.signedup')).toContainText('2 partitions');
  await selectNode(page, 'Signup');
  await page.getByTestId('fire-template').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);

  // AsyncAPI 2: refused, with how to convert it; the workspace on screen stays.
  await openAsyncApi(page, 'old.yaml', 'asyncapi: 2.6.0\ninfo: { title: Old, version: 1.0.0 }\nchannels: {}\n');
  await expect(page.getByTestId('notice')).toContainText('The AsyncAPI document cannot be opened, and nothing was changed');
  await expect(page.getByTestId('notice')).toContainText('--target-version=3.0.0');
  await expect(page.getByTestId('scenario-name')).toHaveText('Signup');
  await expect(rowsOf(page, 'fire')).toHaveCount(1);

  // Every workspace is still there: the example, the edited copy and the signup service.
  await page.getByTestId('workspaces').click();
  await expect(page.getByTestId('workspace-row')).toHaveCount(3);
});

test('a scenario downloads as a runnable Node project: compose file, topics, KafkaJS code and its handler rules as TypeScript', async ({ page }) => {
  const { unzipSync, strFromU8 } = await import('fflate');
  await openExample(page, 'fan-out');
  await page.getByTestId('workspaces').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-project').click()]);
  expect(download.suggestedFilename()).toBe('pub-sub-fan-out-one-orderplaced-three-services.zip');
  await expect(page.getByTestId('project-note')).toContainText('unzip it and follow its README');
  const files = unzipSync(new Uint8Array(await readFile((await download.path())!)));
  const root = 'pub-sub-fan-out-one-orderplaced-three-services/';
  const names = Object.keys(files).map((n) => n.slice(root.length)).sort();
  expect(names).toEqual(
    expect.arrayContaining(['README.md', 'docker-compose.yml', 'package.json', 'src/fire.ts', 'src/handlers/inventory.ts', 'src/handlers/notification.ts', 'src/handlers/payment.ts', 'src/kafka.ts', 'src/main.ts', 'src/runtime.ts', 'src/scenario.ts', 'src/topics.ts', 'test/handlers.test.ts', 'tsconfig.json']),
  );
  const payment = strFromU8(files[`${root}src/handlers/payment.ts`]);
  expect(payment).toContain('// 1. On OrderPlaced: increment charged[data.customerId] by data.total; count "card charged" for data.orderId');
  expect(payment).toContain(`h.add("charged", keyOf(field(event, "data.customerId"), "charged"), field(event, "data.total"));`);
  expect(strFromU8(files[`${root}src/scenario.ts`])).toContain('"partitions": 3');
  expect(strFromU8(files[`${root}README.md`])).toContain('## What differs from the simulation');
});

test('a scenario with a RabbitMQ exchange downloads with RabbitMQ: compose service, amqplib topology with its binding keys, and a README that says what differs', async ({ page }) => {
  const { unzipSync, strFromU8 } = await import('fflate');
  await openExample(page, 'exchange-routing');
  await page.getByTestId('workspaces').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-project').click()]);
  const files = unzipSync(new Uint8Array(await readFile((await download.path())!)));
  const root = download.suggestedFilename().replace(/\.zip$/, '/');
  const text = (p: string) => strFromU8(files[root + p]);
  const names = Object.keys(files).map((n) => n.slice(root.length));
  expect(names).toEqual(expect.arrayContaining(['src/amqp.ts', 'src/topology.ts', 'src/handlers/auditor.ts', 'src/main.ts', 'src/fire.ts']));
  // Only exchanges and queues in it: no Kafka.
  expect(names).not.toContain('src/kafka.ts');
  expect(text('docker-compose.yml')).toContain('image: rabbitmq:4.1-management');
  expect(JSON.parse(text('package.json')).dependencies).toEqual({ amqplib: expect.any(String) });
  const scenario = text('src/scenario.ts');
  expect(scenario).toContain('"bindingKey": "order.eu"');
  expect(scenario).toContain('"bindingKey": "order.#"');
  expect(scenario).toContain('"routingKey": "order.us.created"');
  expect(text('README.md')).toContain("RabbitMQ's default exchange");
});
