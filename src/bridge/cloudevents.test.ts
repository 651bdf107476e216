// CloudEvents export: every event a run records, of every example scenario, written as
// CloudEvents 1.0 structured JSON, validates against the CloudEvents 1.0 JSON schema — the
// one the CNCF's JavaScript SDK (`cloudevents`, a dev dependency) ships, compiled with ajv
// into cloudevents/dist/schema/v1.js — and is accepted by the SDK's own strict CloudEvent,
// which also checks the extension names. Tests cite [E1]–[E3] of src/engine/SPEC.md.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { CloudEvent as SdkCloudEvent } from 'cloudevents';
import validateSchema from 'cloudevents/dist/schema/v1.js';
import { makeWorkerApi } from '../worker/api.ts';
import type { CloudEvent } from '../engine/index.ts';
import { batchText, eventsFileName, structured, uniqueEvents } from './cloudevents.ts';

const validate = validateSchema as unknown as ((x: unknown) => boolean) & { errors?: unknown };

function expectValid(event: unknown): void {
  const ok = validate(event);
  expect(ok, `${JSON.stringify(event)}\n${JSON.stringify(validate.errors)}`).toBe(true);
  // The SDK's strict constructor throws on a bad extension name or value type.
  expect(() => new SdkCloudEvent(event as never, true)).not.toThrow();
}

const examples = readdirSync('src/examples').filter((f) => f.endsWith('.json') && !f.includes('.session.'));

/** Loads a scenario, fires every template of every producer (and sends each aggregate
 * command) a few times and plays on. */
function run(file: string) {
  const api = makeWorkerApi();
  const text = readFileSync(`src/examples/${file}`, 'utf8');
  const loaded = api.load(text);
  if (!loaded.ok) throw new Error(loaded.message);
  for (let round = 0; round < 3; round++) {
    for (const n of loaded.nodes) {
      if (n.kind === 'producer') n.templates.forEach((_, template) => api.act({ kind: 'fire', node: n.id, template }));
      if (n.spec.kind === 'aggregate') {
        for (const c of n.spec.config.commands) api.act({ kind: 'command', node: n.id, command: c.name, stream: 'acc-1', data: { amount: 5, initialBalance: 10 } });
      }
    }
    api.advance(2_000, 50_000);
  }
  return { api, loaded };
}

describe('CloudEvents export', () => {
  it.each(examples)('[E1] every event of a run of %s is valid CloudEvents 1.0 JSON', (file) => {
    const { api } = run(file);
    const { events, more } = api.events();
    expect(more).toBe(false);
    expect(events.length).toBeGreaterThan(0);
    const batch = JSON.parse(batchText(events)) as unknown[];
    expect(batch).toHaveLength(uniqueEvents(events).length);
    for (const e of batch) expectValid(e);
  });

  it('[E1] writes the attributes the issue names, context first, extensions last', () => {
    const { api } = run('fan-out.json');
    const [first] = JSON.parse(batchText(api.events().events)) as Record<string, unknown>[];
    expect(Object.keys(first).slice(0, 8)).toEqual(['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'data']);
    expect(first).toMatchObject({ specversion: '1.0', id: 'evt-0', source: '/eventfold/checkout', type: 'OrderPlaced', datacontenttype: 'application/json' });
    // [E2] logical time 0 is 2026-01-01T00:00:00Z.
    expect(Date.parse(first.time as string)).toBeGreaterThanOrEqual(Date.parse('2026-01-01T00:00:00Z'));
  });

  it('[E3] a conversation exports its events only, the emitted ones with their cause', () => {
    const { api } = run('order-saga.json');
    const all = api.events().events;
    const corr = all[0].correlationid;
    const conv = api.events({ correlation: corr }).events;
    expect(conv.length).toBeGreaterThan(1);
    expect(conv.every((e) => e.correlationid === corr)).toBe(true);
    expect(conv.slice(1).every((e) => e.causationid !== undefined)).toBe(true);
    expect(all.length).toBeGreaterThan(conv.length);
  });

  it('exports what happened up to the playhead, not the recorded future', () => {
    const { api } = run('fan-out.json');
    const later = api.events();
    api.seek(4);
    const earlier = api.events();
    expect(earlier.upTo).toBe(4);
    expect(earlier.events.length).toBeLessThan(later.events.length);
  });

  it('each event once: a duplicate delivery is the same event (same source and id)', () => {
    const e = { specversion: '1.0', id: 'evt-1', source: '/eventfold/p', type: 'T', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', data: {}, correlationid: 'evt-1', schemaversion: 1 } as CloudEvent;
    expect(uniqueEvents([e, { ...e }, { ...e, source: '/eventfold/q' }])).toHaveLength(2);
  });

  it('the schema is live: it refuses what the format forbids (so the tests above can fail)', () => {
    const good = structured({ specversion: '1.0', id: 'evt-0', source: '/eventfold/p', type: 'T', subject: 'k', time: '2026-01-01T00:00:00.000Z', datacontenttype: 'application/json', data: null, partitionkey: 'k', correlationid: 'evt-0', schemaversion: 1 });
    expectValid(good);
    expect(validate({ ...good, subject: '' })).toBe(false);
    expect(validate({ ...good, time: 'yesterday' })).toBe(false);
    expect(validate({ ...good, id: '' })).toBe(false);
    const { source: _, ...noSource } = good;
    expect(validate(noSource)).toBe(false);
    expect(() => new SdkCloudEvent({ ...good, Correlation_Id: 'x' } as never, true)).toThrow();
  });

  it('[E1] any event the engine can make (any key, type, data, time) is valid once structured', () => {
    const nodeId = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
    const json = fc.jsonValue({ maxDepth: 3 });
    const event = fc.record({
      n: fc.nat(1e6),
      node: nodeId,
      type: fc.string({ minLength: 1, maxLength: 100 }),
      key: fc.option(fc.string({ maxLength: 200 })),
      data: json,
      time: fc.nat(1e12),
      cause: fc.option(fc.nat(1e6)),
      schema: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(event, (x) => {
        const e: CloudEvent = {
          specversion: '1.0',
          id: `evt-${x.n}`,
          source: `/eventfold/${x.node}`,
          type: x.type,
          time: new Date(Date.parse('2026-01-01T00:00:00Z') + x.time).toISOString(),
          datacontenttype: 'application/json',
          data: x.data as CloudEvent['data'],
          correlationid: `evt-${x.cause ?? x.n}`,
          schemaversion: x.schema,
        };
        if (x.key !== null) Object.assign(e, { subject: x.key, partitionkey: x.key });
        if (x.cause !== null) e.causationid = `evt-${x.cause}`;
        const out = JSON.parse(batchText([e]))[0];
        expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
        expect(out.subject === undefined).toBe(!x.key);
      }),
      { numRuns: 500 },
    );
  });

  it('names the file after the scenario and what was exported', () => {
    expect(eventsFileName('Order saga: happy path', 'conversation evt-3')).toBe('order-saga-happy-path-conversation-evt-3.cloudevents.json');
    expect(eventsFileName('', 'trace')).toBe('scenario-trace.cloudevents.json');
  });
});
