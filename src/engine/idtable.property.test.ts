// [D2] The processed-ids table is held as a bit per id (IdTable, issue #11), but to the rules,
// the views, the checkpoints and the invariants it must be a Map with the same rows in the same
// order. Every sequence of writes, reads, deletes and clears (ids, keys that only look like
// ids, values other than true) must read back as a plain Map given the same sequence.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdTable } from './kinds/consumer.ts';
import type { Json } from './json.ts';
import { createEngine, type ConsumerView } from './engine.ts';
import { restoreScenario } from './scenario.ts';

type Op =
  | { op: 'set'; key: string; value: Json }
  | { op: 'addId'; n: number }
  | { op: 'has'; key: string }
  | { op: 'hasId'; n: number }
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string }
  | { op: 'clear' };

// Mostly ids (some large, to grow the bits), now and then a key that is not an id's text.
const idKey = fc.oneof({ weight: 8, arbitrary: fc.nat(200).map((n) => `evt-${n}`) }, { weight: 1, arbitrary: fc.nat(5000).map((n) => `evt-${n}`) });
const oddKey = fc.constantFrom('evt-', 'evt-007', 'evt-1x', 'evt--1', 'id-3', 'evt-99999999999', 'evt-16777216', '');
const key = fc.oneof({ weight: 9, arbitrary: idKey }, { weight: 1, arbitrary: oddKey });
const value = fc.oneof({ weight: 12, arbitrary: fc.constant<Json>(true) }, { weight: 1, arbitrary: fc.constantFrom<Json>(false, 1, 'true', null) });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ op: fc.constant('set' as const), key, value }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('addId' as const), n: fc.oneof({ weight: 20, arbitrary: fc.nat(300) }, { weight: 1, arbitrary: fc.constant(2 ** 24) }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('has' as const), key }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('hasId' as const), n: fc.nat(300) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('get' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
);

function same(t: IdTable, m: Map<string, Json>): void {
  expect(t.size).toBe(m.size);
  expect([...t]).toEqual([...m]);
  expect([...t.keys()]).toEqual([...m.keys()]);
  expect([...t.values()]).toEqual([...m.values()]);
  expect([...t.entries()]).toEqual([...m.entries()]);
  const seen: [string, Json][] = [];
  t.forEach((v, k, self) => {
    expect(self).toBe(t);
    seen.push([k, v]);
  });
  expect(seen).toEqual([...m]);
  expect(new Map(t)).toEqual(m);
}

describe('IdTable: the processed-ids table reads as a Map', () => {
  it('[D2] any sequence of operations reads back as a plain Map given the same sequence', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const t = new IdTable();
        const m = new Map<string, Json>();
        for (const o of ops) {
          if (o.op === 'set') {
            expect(t.set(o.key, o.value)).toBe(t);
            m.set(o.key, o.value);
          } else if (o.op === 'addId') {
            // addId may decline (rows in the Map already, an id too large for a bit): then set it.
            if (!t.addId(o.n)) t.set(`evt-${o.n}`, true);
            m.set(`evt-${o.n}`, true);
          } else if (o.op === 'has') expect(t.has(o.key)).toBe(m.has(o.key));
          else if (o.op === 'hasId') expect(t.hasId(o.n)).toBe(m.has(`evt-${o.n}`));
          else if (o.op === 'get') expect(t.get(o.key)).toBe(m.get(o.key));
          else if (o.op === 'delete') expect(t.delete(o.key)).toBe(m.delete(o.key));
          else {
            t.clear();
            m.clear();
          }
        }
        same(t, m);
      }),
      { numRuns: 400 },
    );
  });

  it('[D2] rows keep the order they were added in, and re-adding one moves nothing', () => {
    const t = new IdTable();
    for (const n of [5, 70000, 3, 5, 64]) expect(t.addId(n)).toBe(true);
    expect([...t.keys()]).toEqual(['evt-5', 'evt-70000', 'evt-3', 'evt-64']);
    expect(t.hasId(70000) && t.has('evt-70000') && !t.has('evt-070000') && !t.hasId(69999)).toBe(true);
    // A row of another shape: every row moves into the Map, in order, and stays readable.
    t.set('by-hand', 'yes');
    expect(t.addId(9)).toBe(false);
    expect([...t]).toEqual([['evt-5', true], ['evt-70000', true], ['evt-3', true], ['evt-64', true], ['by-hand', 'yes']]);
    expect(t.hasId(3) && !t.hasId(9)).toBe(true);
  });
});

describe('the processed-ids table in a run', () => {
  // A consumer keeps processed ids while a rule writes that table by hand every tenth event (the
  // first such row moves the ids, by then a few, into the Map mid-run); duplicates are delivered; checkpoints
  // are taken often. Seeking back to any step must find the view that step had going forward.
  function scenario(seed: number) {
    const r = restoreScenario({
      format: 'eventfold/scenario',
      version: 1,
      name: 'processed ids',
      seed,
      nodes: [
        { id: 'p', kind: 'producer', config: { templates: [...Array.from({ length: 9 }, () => ({ type: 'Tick', key: 'k{rand:0-3}' })), { type: 'Stamp', key: 'k{rand:0-3}' }], rate: { perSecond: 200, limit: 30 } } },
        { id: 't', kind: 'topic', config: { partitions: 2 } },
        {
          id: 'c',
          kind: 'consumer',
          config: {
            processingMs: 1,
            idempotency: 'processed-ids',
            rules: [
              { on: 'Tick', do: [{ do: 'increment', table: 'count', key: { event: 'key' }, by: 1 }] },
              { on: 'Stamp', do: [{ do: 'set', table: 'processed-ids', key: { event: 'key' }, value: 'by hand' }] },
            ],
          },
        },
      ],
      edges: [
        { source: 'p', target: 't' },
        { source: 't', target: 'c', duplicateChance: 0.3 },
      ],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.value;
  }

  it('[D2] [K8] seeking back finds each step\'s rows, before and after a row of another shape', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (seed, picks) => {
        const e = createEngine(scenario(seed), { checkpointEvery: 5, maxCheckpoints: 8 });
        // The horizon (the furthest step reached) is the one field a seek back keeps.
        const seen = () => JSON.stringify({ ...e.view(), horizon: null });
        const views: string[] = [seen()];
        while (e.stepForward(1) === 1) views.push(seen());
        const rows = (e.view().nodes.c as ConsumerView).state['processed-ids'] ?? {};
        expect(Object.keys(rows).length).toBeGreaterThan(0);
        for (const pick of picks) {
          const at = pick % views.length;
          e.seek(at);
          expect(seen()).toBe(views[at]);
        }
      }),
      { numRuns: 60 },
    );
  });
});
