// The schema registry ([SR1]–[SR3]): compatibility of a new version with the one before it
// (Confluent's BACKWARD, FORWARD, FULL, NONE, for Avro), what a producer may serialize, and
// what a consumer reading with its own version gets.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sim } from './testing/harness.ts';
import { restoreScenario } from './scenario.ts';
import { compatibilityProblem, resolve, serialize, type SchemaField, type Subject, type Compatibility } from './kinds/registry-rules.ts';
import type { Json } from './json.ts';

const V1: SchemaField[] = [
  { name: 'orderId', type: 'string' },
  { name: 'customerId', type: 'string' },
  { name: 'total', type: 'number' },
];
const subject = (compatibility: Compatibility, ...versions: SchemaField[][]): Subject => ({ subject: 'OrderPlaced', compatibility, versions: versions.map((fields) => ({ fields })) });
const withDiscount = [...V1, { name: 'discount', type: 'number' as const, default: 0 }];
const withoutCustomer = V1.filter((f) => f.name !== 'customerId');
const withRegion = [...V1, { name: 'region', type: 'string' as const }];

describe('[SR1] compatibility of a new version with the one before', () => {
  const check = (mode: Compatibility, next: SchemaField[], prev = V1) => compatibilityProblem('OrderPlaced', { fields: prev }, { fields: next }, 2, mode);

  it('BACKWARD: adding a field needs a default (new readers, old data); removing one is allowed', () => {
    expect(check('backward', withDiscount)).toBeNull();
    expect(check('backward', withoutCustomer)).toBeNull();
    expect(check('backward', withRegion)).toBe('is not backward compatible: it adds "region" without a default, so a consumer on version 2 cannot read the OrderPlaced events written with version 1 (give "region" a default)');
  });

  it('FORWARD: removing a field the old version requires is refused (old readers, new data); adding one is allowed', () => {
    expect(check('forward', withRegion)).toBeNull();
    expect(check('forward', withDiscount)).toBeNull();
    expect(check('forward', withoutCustomer)).toBe('is not forward compatible: it removes "customerId", which version 1 requires (it has no default there), so a consumer still on version 1 cannot read the OrderPlaced events written with version 2 (keep "customerId")');
    // A field the old version gave a default may go.
    expect(check('forward', V1, withDiscount)).toBeNull();
  });

  it('FULL: only optional fields come and go; NONE: anything goes; a changed type is refused except under NONE', () => {
    expect(check('full', withDiscount)).toBeNull();
    expect(check('full', withRegion)).toContain('not backward compatible');
    expect(check('full', withoutCustomer)).toContain('not forward compatible');
    expect(check('none', withoutCustomer)).toBeNull();
    expect(check('backward', V1.map((f) => (f.name === 'total' ? { ...f, type: 'string' as const } : f)))).toBe('changes the type of "total" from number to string: no consumer on either version can read the other\'s');
  });

  it('a scenario refuses an incompatible version at its field, a second registry, a repeated subject and a default of the wrong type', () => {
    const scenario = (subjects: unknown[], extra: unknown[] = []) => ({ format: 'eventfold/scenario', version: 1, nodes: [{ id: 'registry', kind: 'registry', config: { subjects } }, ...extra] });
    const bad = restoreScenario(scenario([subject('full', V1, withoutCustomer)]));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors).toEqual([{ path: 'nodes[0].config.subjects[0].versions[1]', message: expect.stringMatching(/^version 2 is not forward compatible: it removes "customerId".*; the registry refuses to register it under FULL compatibility$/) }]);
    expect(restoreScenario(scenario([subject('backward', V1, withoutCustomer)])).ok).toBe(true);
    const two = restoreScenario(scenario([], [{ id: 'r2', kind: 'registry' }]));
    expect(!two.ok && two.errors).toEqual([{ path: 'nodes[1].kind', message: 'a scenario has one schema registry, and nodes[0] is it: put these subjects there' }]);
    const twice = restoreScenario(scenario([subject('none', V1), subject('none', V1)]));
    expect(!twice.ok && twice.errors[0]).toEqual({ path: 'nodes[0].config.subjects[1].subject', message: '"OrderPlaced" is already a subject of this registry' });
    const wrong = restoreScenario(scenario([subject('none', [{ name: 'discount', type: 'number', default: 'none' }])]));
    expect(!wrong.ok && wrong.errors[0]).toEqual({ path: 'nodes[0].config.subjects[0].versions[0].fields[0].default', message: 'must be a number, like the field' });
  });
});

/** checkout (template version `writes`) → orders → billing (reads v2), loyalty (reads `loyaltyReads`). */
function shop(o: { compatibility?: Compatibility; v2?: SchemaField[]; writes?: number; data?: Record<string, unknown>; loyaltyReads?: number | null }) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'registry', kind: 'registry', config: { subjects: [subject(o.compatibility ?? 'backward', V1, o.v2 ?? withoutCustomer)] } },
      { id: 'checkout', kind: 'producer', config: { templates: [{ type: 'OrderPlaced', key: 'ORD-{n}', schemaVersion: o.writes ?? 2, data: o.data ?? { orderId: 'ORD-{n}', total: 30 } }] } },
      { id: 'orders', kind: 'topic' },
      { id: 'billing', kind: 'consumer', config: { schema: 2, rules: [{ on: 'OrderPlaced', do: [{ do: 'set', table: 'seen', key: { event: 'key' }, value: { event: 'data' } }] }] } },
      { id: 'loyalty', kind: 'consumer', config: { schema: o.loyaltyReads === undefined ? 1 : o.loyaltyReads, rules: [{ on: 'OrderPlaced', do: [{ do: 'set', table: 'points', key: { event: 'data.customerId' }, value: { event: 'data.total' } }] }] } },
    ],
    edges: [
      { source: 'checkout', target: 'orders' },
      { source: 'orders', target: 'billing' },
      { source: 'orders', target: 'loyalty' },
    ],
  };
}

describe('[SR2] producers serialize with the version they write', () => {
  it('data that does not fit its version is never published: a schema step says why', () => {
    const s = sim(shop({ writes: 1 })).fire('checkout').run();
    const refused = s.stepsOf('schema', 'checkout');
    expect(refused.map((x) => x.text)).toEqual(['checkout could not serialize OrderPlaced: "customerId" is required by OrderPlaced version 1 (it has no default), and the data has none. Nothing was published']);
    expect(s.stepsOf('publish')).toHaveLength(0);
    expect(s.topic('orders').partitions[0].end).toBe(0);
    expect(s.engine.view().nodes.registry).toMatchObject({ subjects: [{ refused: 1, versions: [{ written: 0 }, { written: 0 }] }] });
  });

  it('a field the version does not have, a wrong type or an unknown version is refused too', () => {
    const text = (o: Parameters<typeof shop>[0]) => sim(shop(o)).fire('checkout').run().stepsOf('schema')[0]?.text;
    expect(text({ data: { orderId: 'ORD-1', total: 30, coupon: 'X' } })).toContain('"coupon" is not a field of OrderPlaced version 2');
    expect(text({ data: { orderId: 'ORD-1', total: 'thirty' } })).toContain('"total" must be a number in OrderPlaced version 2, and it is "thirty"');
    expect(text({ writes: 3 })).toContain('subject OrderPlaced has no version 3 (registered: 1–2)');
  });

  it('what is published is the encoded record: a missing field with a default is filled in', () => {
    const s = sim(shop({ v2: withDiscount, data: { orderId: 'ORD-{n}', customerId: 'C-1', total: 30 } })).fire('checkout').run();
    expect(s.engine.event('evt-0')!.data).toEqual({ orderId: 'ORD-1', customerId: 'C-1', total: 30, discount: 0 });
    expect(s.engine.view().nodes.registry).toMatchObject({ subjects: [{ refused: 0, versions: [{ written: 0 }, { written: 1 }] }] });
  });
});

describe('[SR3] consumers read with their own version', () => {
  it('BACKWARD lets version 2 drop customerId, and a consumer still on version 1 cannot read it: a poison message', () => {
    const s = sim(shop({ compatibility: 'backward' })).fire('checkout').run();
    const errors = s.stepsOf('error', 'loyalty');
    expect(errors[0].text).toContain('loyalty cannot read OrderPlaced evt-0 (key ORD-1): it reads OrderPlaced with version 1, which requires "customerId", and events written with version 2 have no "customerId" (version 1 gives it no default): it cannot deserialize them');
    expect(s.consumer('billing').state.seen).toEqual({ 'ORD-1': { orderId: 'ORD-1', total: 30 } });
    expect(s.engine.view().nodes.registry).toMatchObject({ subjects: [{ unreadable: 1 }] });
  });

  it('a reader gets its own fields: defaults for what the writer lacks, nothing the writer added', () => {
    // Written with v1 (customerId), read with v2 = v1 + discount (default 0), and with v1 by loyalty.
    const s = sim(shop({ v2: withDiscount, writes: 1, data: { orderId: 'ORD-{n}', customerId: 'C-7', total: 30 } })).fire('checkout').run();
    expect(s.consumer('billing').state.seen).toEqual({ 'ORD-1': { orderId: 'ORD-1', customerId: 'C-7', total: 30, discount: 0 } });
    expect(s.consumer('loyalty').state.points).toEqual({ 'C-7': 30 });
    // Written with v2, read by loyalty with v1: discount is dropped.
    const t = sim(shop({ v2: withDiscount, data: { orderId: 'ORD-{n}', customerId: 'C-7', total: 30, discount: 5 } })).fire('checkout').run();
    expect(t.stepsOf('error')).toHaveLength(0);
    expect(t.consumer('loyalty').state.points).toEqual({ 'C-7': 30 });
  });

  it('a consumer with no version of its own reads with the latest', () => {
    const s = sim(shop({ v2: withDiscount, writes: 1, data: { orderId: 'ORD-{n}', customerId: 'C-7', total: 30 }, loyaltyReads: null })).fire('checkout').run();
    expect(s.stepsOf('error')).toHaveLength(0);
  });
});

describe('[SR1] [SR3] property: what compatibility allows, consumers can read', () => {
  const fieldArb = fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e'), type: fc.constantFrom('string' as const, 'number' as const), withDefault: fc.boolean() });
  const fieldsArb = fc.uniqueArray(fieldArb, { selector: (f) => f.name, maxLength: 5 }).map((fs) => fs.map((f): SchemaField => ({ name: f.name, type: f.type, ...(f.withDefault ? { default: f.type === 'string' ? 'x' : 0 } : {}) })));
  const sample = (fields: SchemaField[]): Json => Object.fromEntries(fields.map((f) => [f.name, f.type === 'string' ? 's' : 1]));

  it('under BACKWARD the new version reads old data; under FORWARD the old version reads new data; FULL both', () => {
    fc.assert(
      fc.property(fieldsArb, fieldsArb, fc.constantFrom<Compatibility>('backward', 'forward', 'full'), (prev, next, mode) => {
        if (compatibilityProblem('T', { fields: prev }, { fields: next }, 2, mode) !== null) return;
        const s: Subject = { subject: 'T', compatibility: mode, versions: [{ fields: prev }, { fields: next }] };
        const oldData = serialize(s, 1, sample(prev));
        const newData = serialize(s, 2, sample(next));
        if (!('data' in oldData) || !('data' in newData)) throw new Error('a sample of a version must serialize');
        if (mode !== 'forward') expect(resolve(s, 1, 2, oldData.data)).not.toHaveProperty('problem');
        if (mode !== 'backward') expect(resolve(s, 2, 1, newData.data)).not.toHaveProperty('problem');
      }),
      { numRuns: 500 },
    );
  });

  it('and a refused version really breaks a reader (the check is not stricter than reading)', () => {
    fc.assert(
      fc.property(fieldsArb, fieldsArb, (prev, next) => {
        const why = compatibilityProblem('T', { fields: prev }, { fields: next }, 2, 'backward');
        if (why === null || why.startsWith('changes the type')) return;
        const s: Subject = { subject: 'T', compatibility: 'backward', versions: [{ fields: prev }, { fields: next }] };
        const old = serialize(s, 1, Object.fromEntries(prev.filter((f) => f.default === undefined).map((f) => [f.name, f.type === 'string' ? 's' : 1])));
        expect(resolve(s, 1, 2, (old as { data: Json }).data)).toHaveProperty('problem');
      }),
      { numRuns: 500 },
    );
  });
});

describe('[SR1]–[SR3] [K8] seeking', () => {
  it('a run with refused publishes and unreadable events seeks to what a fresh run shows', () => {
    const scenario = shop({});
    const whole = sim(scenario, { checkpointEvery: 2 });
    for (let i = 0; i < 4; i++) whole.fire('checkout').step(2);
    whole.run();
    const end = whole.engine.step;
    for (const at of [3, Math.floor(end / 2), end - 1]) {
      whole.seek(at);
      const fresh = sim(scenario);
      for (let i = 0; i < 4; i++) fresh.fire('checkout').step(2);
      fresh.run().seek(at);
      expect(whole.engine.view().nodes).toEqual(fresh.engine.view().nodes);
    }
  });
});
