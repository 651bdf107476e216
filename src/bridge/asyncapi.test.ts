// AsyncAPI 3 export and import. Every example scenario exports to a document valid against
// the official AsyncAPI 3.0.0 JSON schema (@asyncapi/specs, checked with ajv) and opens back
// as the same scenario; a document edited by hand or written elsewhere opens with each part
// the simulation does not use named; anything else is refused with a message; nothing
// throws, whatever the document (fuzzed below).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import specs from '@asyncapi/specs';
import { parse, stringify } from 'yaml';
import { exampleSessions, applyJsonChanges, invalidAccepted, jsonChanges } from '../../tests/fuzz/corpus.ts';
import { restoreScenario, SESSION_FORMAT, SESSION_VERSION, type Scenario } from '../engine/index.ts';
import { asyncApiYaml, fromAsyncApi, readAsyncApiText, toAsyncApi } from './asyncapi.ts';

// The AsyncAPI schema embeds the draft-07 meta-schema: ajv must not add its own copy.
const ajv = new Ajv({ strict: false, allErrors: true, meta: false, validateSchema: false });
addFormats(ajv);
const validate = ajv.compile(specs.schemas['3.0.0'] as object);
function expectValidAsyncApi(doc: unknown) {
  expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 1)).toBe(true);
}

const scenarios = exampleSessions().map((s) => s.scenario);
const byName = (part: string) => scenarios.find((s) => s.name.toLowerCase().includes(part))!;
type Doc = Record<string, any>;

describe('AsyncAPI export', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s: a valid AsyncAPI 3.0.0 document, also as YAML', async (_, s) => {
    const doc = toAsyncApi(s);
    expectValidAsyncApi(doc);
    expectValidAsyncApi(parse(await asyncApiYaml(s)));
  });

  it("topics are Kafka channels with the scenario's partitions, queues AMQP queues, each with the messages that go into it", () => {
    const s = byName('key');
    const doc = toAsyncApi(s) as Doc;
    for (const n of s.nodes) {
      if (n.kind === 'topic') expect(doc.channels[n.id].bindings.kafka).toMatchObject({ topic: n.id, partitions: n.config.partitions });
    }
    const producer = s.nodes.find((n) => n.kind === 'producer')!;
    if (producer.kind !== 'producer') throw new Error('no producer');
    const t = producer.config.templates[0];
    const channel = doc.channels[t.topic ?? s.edges.find((e) => e.source === producer.id)!.target];
    expect(Object.values(channel.messages).map((m: any) => m.$ref)).toContain(`#/components/messages/${t.type}`);
    expect(doc.components.messages[t.type]).toMatchObject({ name: t.type, contentType: 'application/json', headers: { required: ['ce_specversion', 'ce_id', 'ce_source', 'ce_type'] } });
    const sends = Object.values(doc.operations).filter((o: any) => o['x-eventfold-node'] === producer.id);
    expect(sends.length).toBeGreaterThan(0);
    expect(sends.every((o: any) => o.action === 'send')).toBe(true);
  });

  it("retention and compaction are the Kafka binding's topicConfiguration; a registry's latest version is the message's payload schema", async () => {
    const { getLesson, lessonSolutionInput } = await import('../lessons/index.ts');
    const solved = (id: string) => {
      const r = restoreScenario(lessonSolutionInput(getLesson(id)!).scenario);
      if (!r.ok) throw new Error(id);
      return r.value;
    };
    const compacted = toAsyncApi(solved('compacted-changelog')) as Doc;
    expectValidAsyncApi(compacted);
    expect(compacted.channels.customers.bindings.kafka.topicConfiguration).toEqual({ 'cleanup.policy': ['compact'], 'retention.ms': -1 });
    const kept = toAsyncApi(solved('retention-offset-reset')) as Doc;
    expect(kept.channels.orders.bindings.kafka.topicConfiguration).toEqual({ 'cleanup.policy': ['delete'], 'retention.ms': 1000 });
    const registry = toAsyncApi(solved('schema-registry')) as Doc;
    expectValidAsyncApi(registry);
    expect(registry.components.messages.OrderPlaced.payload).toEqual({
      type: 'object',
      properties: { orderId: { type: 'string' }, total: { type: 'number' }, discount: { type: 'number', default: 0 }, customerId: { type: 'string' } },
      required: ['orderId', 'total', 'customerId'],
      additionalProperties: false,
      'x-eventfold-schema-version': 2,
      'x-eventfold-compatibility': 'FULL',
    });
    // Opened elsewhere (without x-eventfold), the topic keeps its retention and compaction.
    const { 'x-eventfold': _x, ...plain } = compacted;
    const back = fromAsyncApi(plain);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.scenario.nodes.find((n) => n.id === 'customers')!.config).toMatchObject({ compactEveryMs: 1000 });
    expect(back.notes.join('\n')).toContain('compacted (cleanup.policy compact); how often the log cleaner runs is not in the document: every 1000 ms');
    const { 'x-eventfold': _y, ...plainKept } = kept;
    const keptBack = fromAsyncApi(plainKept);
    expect(keptBack.ok && keptBack.scenario.nodes.find((n) => n.id === 'orders')!.config).toMatchObject({ retentionMs: 1000 });
  });

  it("a replicated topic's replication factor is the Kafka binding's replicas, and comes back from it ([KR1])", async () => {
    const { getLesson, lessonSolutionInput } = await import('../lessons/index.ts');
    const r = restoreScenario(lessonSolutionInput(getLesson('replicas-and-acks')!).scenario);
    if (!r.ok) throw new Error('replicas-and-acks');
    const doc = toAsyncApi(r.value) as Doc;
    expectValidAsyncApi(doc);
    expect(doc.channels.orders.bindings.kafka).toMatchObject({ partitions: 1, replicas: 3 });
    const { 'x-eventfold': _x, ...plain } = doc;
    const back = fromAsyncApi(plain);
    expect(back.ok && back.scenario.nodes.find((n) => n.id === 'orders')!.config).toMatchObject({ replicationFactor: 3 });
  });

  it('a queue is an AMQP queue channel on a RabbitMQ server', () => {
    const r = restoreScenario({ format: 'eventfold/scenario', version: 1, nodes: [{ id: 'p', kind: 'producer', config: { templates: [{ type: 'Job', topic: 'jobs' }] } }, { id: 'jobs', kind: 'queue' }, { id: 'w', kind: 'consumer' }], edges: [{ source: 'p', target: 'jobs' }, { source: 'jobs', target: 'w' }] });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const doc = toAsyncApi(r.value) as Doc;
    expectValidAsyncApi(doc);
    expect(doc.channels.jobs.bindings.amqp).toMatchObject({ is: 'queue', queue: { name: 'jobs' } });
    expect(doc.servers.rabbitmq).toMatchObject({ protocol: 'amqp' });
    expect(doc.operations['w.receive.jobs']).toMatchObject({ action: 'receive', channel: { $ref: '#/channels/jobs' } });
  });
});

describe('AsyncAPI import', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s: exported and opened again is the same scenario, with nothing to report', async (_, s) => {
    const r = await readAsyncApiText(await asyncApiYaml(s));
    expect(r.ok && r.notes).toEqual([]);
    if (r.ok) expect(r.scenario).toEqual(s);
  });

  it('a document edited by hand: partitions from the Kafka binding win, a new channel is added, each change named', () => {
    const s = byName('key');
    const doc = toAsyncApi(s) as Doc;
    const topic = s.nodes.find((n) => n.kind === 'topic')!;
    doc.channels[topic.id].bindings.kafka.partitions = 12;
    doc.channels.audit = { address: 'audit', bindings: { kafka: { partitions: 2 } } };
    const r = fromAsyncApi(doc);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const t = r.scenario.nodes.find((n) => n.id === topic.id)!;
    expect(t.kind === 'topic' && t.config.partitions).toBe(12);
    expect(r.scenario.nodes.find((n) => n.id === 'audit')).toMatchObject({ kind: 'topic', config: { partitions: 2 } });
    expect(r.notes.join('\n')).toContain(`channel ${topic.id}: 12 partitions in its Kafka binding`);
    expect(r.notes.join('\n')).toContain('channel audit is not in x-eventfold: added');
  });

  it('a document written elsewhere opens from its standard parts, naming what the simulation does not model', async () => {
    const yaml = `
asyncapi: 3.0.0
info:
  title: Account Service
  version: 1.0.0
  description: Sends a welcome when a user signs up
servers:
  production:
    host: broker.example.com:9092
    protocol: kafka
    security:
      - $ref: '#/components/securitySchemes/sasl'
channels:
  userSignedUp:
    address: user.signedup
    title: Users signed up
    bindings:
      kafka:
        partitions: 3
        replicas: 3
    messages:
      UserSignedUp:
        $ref: '#/components/messages/UserSignedUp'
  welcomes:
    address: 'welcome.{region}'
    parameters:
      region:
        description: where
    messages:
      Welcome:
        payload:
          schemaFormat: application/vnd.apache.avro;version=1.9.0
          schema:
            $ref: 'https://example.com/welcome.avsc'
  jobs:
    address: jobs
    bindings:
      amqp:
        is: queue
        queue:
          name: jobs
operations:
  sendUserSignedUp:
    action: send
    channel:
      $ref: '#/channels/userSignedUp'
    messages:
      - $ref: '#/channels/userSignedUp/messages/UserSignedUp'
  onUserSignedUp:
    action: receive
    channel:
      $ref: '#/channels/userSignedUp'
    reply:
      channel:
        $ref: '#/channels/welcomes'
  workJobs:
    action: receive
    channel:
      $ref: '#/channels/jobs'
components:
  securitySchemes:
    sasl:
      type: scramSha256
  messages:
    UserSignedUp:
      name: UserSignedUp
      payload:
        type: object
        properties:
          userId:
            type: string
            examples: [u-1]
          email:
            type: string
            format: email
`;
    expectValidAsyncApi(parse(yaml));
    const r = await readAsyncApiText(yaml);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const s = r.scenario;
    expect(s.name).toBe('Account Service');
    const kinds = Object.fromEntries(s.nodes.map((n) => [n.id, n.kind]));
    expect(kinds).toMatchObject({ 'user.signedup': 'topic', 'welcome.-region': 'topic', jobs: 'queue', 'Account-Service': 'producer', 'Account-Service-in': 'consumer' });
    const topic = s.nodes.find((n) => n.id === 'user.signedup')!;
    expect(topic.kind === 'topic' && topic.config).toMatchObject({ partitions: 3, replicationFactor: 3 });
    const producer = s.nodes.find((n) => n.kind === 'producer')!;
    expect(producer.kind === 'producer' && producer.config.templates).toEqual([{ type: 'UserSignedUp', key: null, data: { userId: 'u-1', email: '' }, topic: 'user.signedup', schemaVersion: 1 }]);
    expect(s.edges.map((e) => `${e.source}->${e.target}`).sort()).toEqual(['Account-Service->user.signedup', 'jobs->Account-Service-in', 'user.signedup->Account-Service-in']);
    const notes = r.notes.join('\n');
    for (const named of ['servers (production)', 'components.securitySchemes', 'welcome.{region} has parameters', 'channels.welcomes.parameters', 'operations.onUserSignedUp.reply', 'no handler rules', 'https://example.com/welcome.avsc', 'message Welcome on channel welcomes is sent by no operation']) {
      expect(notes).toContain(named);
    }
  });

  it('refuses what it cannot read, with a message: AsyncAPI 2, not AsyncAPI, not YAML', async () => {
    expect(await readAsyncApiText('asyncapi: 2.6.0\ninfo: {title: x, version: "1"}\nchannels: {}')).toMatchObject({ ok: false, errors: [{ path: 'asyncapi', message: expect.stringContaining('--target-version=3.0.0') }] });
    expect(await readAsyncApiText('openapi: 3.1.0')).toMatchObject({ ok: false, errors: [{ path: 'asyncapi', message: expect.stringContaining('not an AsyncAPI document') }] });
    expect(await readAsyncApiText('asyncapi: [3.0.0\n  nope: {')).toMatchObject({ ok: false, errors: [{ path: '(file)', message: expect.stringContaining('neither YAML nor JSON') }] });
    expect(await readAsyncApiText('- 1\n- 2')).toMatchObject({ ok: false, errors: [{ path: '(top level)' }] });
  });

  it('a "billion laughs" document is refused, not expanded', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const r = await readAsyncApiText(`asyncapi: 3.0.0\n${lines.join('\n')}\n`);
    expect(r.ok).toBe(false);
  });

  it('never throws, and what it accepts runs: 500 exported documents changed at random', async () => {
    const docs = scenarios.map((s) => JSON.parse(JSON.stringify(toAsyncApi(s))));
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), jsonChanges, fc.boolean(), fc.boolean(), async (which, changes, dropOwn, asYaml) => {
        let doc = docs[which % docs.length] as Doc;
        if (dropOwn) doc = { ...doc, 'x-eventfold': undefined };
        const changed = applyJsonChanges(JSON.parse(JSON.stringify(doc)), changes);
        const r = asYaml ? await readAsyncApiText(stringify(changed ?? null)) : fromAsyncApi(changed);
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          return;
        }
        accepted++;
        const again = restoreScenario(JSON.parse(JSON.stringify(r.scenario)));
        expect(again.ok).toBe(true);
        expect(invalidAccepted({ format: SESSION_FORMAT, version: SESSION_VERSION, scenario: r.scenario as Scenario, seed: 1, inputs: [], step: 0 })).toBeNull();
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
