// [P4] Template fillers. Each placeholder draws from the engine's PRNG once, in field order, and
// the filled value is what a plain reading of the template gives. An object template whose
// fields are fixed or one small draw each shares one frozen object per combination of draws.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileFiller } from './templates.ts';
import { Prng } from './prng.ts';
import type { Json } from './json.ts';

/** The plain reading: walk the template, replace each placeholder as it comes. */
function reference(x: Json, n: number, prng: Prng): Json {
  if (typeof x === 'string') {
    const whole = /^\{(n|rand:(-?\d+)-(-?\d+))\}$/.exec(x);
    if (whole) return whole[1] === 'n' ? n : prng.int(Number(whole[2]), Number(whole[3]));
    return x.replace(/\{(n|rand:(-?\d+)-(-?\d+))\}/g, (_, p: string, lo: string, hi: string) => String(p === 'n' ? n : prng.int(Number(lo), Number(hi))));
  }
  if (Array.isArray(x)) return x.map((v) => reference(v, n, prng));
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, reference(v, n, prng)]));
  return x;
}

const range = fc.tuple(fc.integer({ min: -5, max: 40 }), fc.integer({ min: 0, max: 30 })).map(([lo, span]) => `{rand:${lo}-${lo + span}}`);
const leaf: fc.Arbitrary<Json> = fc.oneof(
  range,
  range.map((r) => `sku-${r}`),
  range.map((r) => `${r}/x`),
  fc.constant('{rand:0-99999}'),
  fc.constant('k{rand:0-100000}'),
  fc.constant('{n}'),
  fc.constant('order-{n}'),
  fc.constant('a{rand:0-3}b{rand:0-3}'),
  fc.constantFrom<Json>('plain', 7, true, null, { fixed: [1, 2] }),
);
const template: fc.Arbitrary<Json> = fc.oneof(
  fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), leaf, { maxKeys: 4 }),
  fc.dictionary(fc.constantFrom('a', 'b'), fc.oneof(leaf, fc.dictionary(fc.constantFrom('x', 'y'), leaf, { maxKeys: 2 })), { maxKeys: 2 }),
  fc.array(leaf, { maxLength: 3 }),
  leaf,
);

describe('template fillers', () => {
  it('[P4] fill every event as a plain reading of the template does, drawing the PRNG alike', () => {
    fc.assert(
      fc.property(template, fc.integer({ min: 0, max: 2 ** 31 }), (t, seed) => {
        const f = compileFiller(t);
        const a = new Prng(seed);
        const b = new Prng(seed);
        for (let n = 1; n <= 30; n++) {
          const want = reference(t, n, b);
          expect(f ? f(n, a) : t).toEqual(want);
        }
        // The same number of draws, whatever was shared.
        expect(a.next()).toBe(b.next());
      }),
      { numRuns: 300 },
    );
  });

  it('[P4] an object of small draws shares one frozen object per combination; one with {n} does not', () => {
    const f = compileFiller({ r: '{rand:0-2}', sku: 'sku-{rand:1-2}', fixed: 'x' })!;
    const prng = new Prng(4);
    const made = Array.from({ length: 60 }, (_, i) => f(i + 1, prng) as Record<string, Json>);
    const distinct = new Set(made);
    expect(distinct.size).toBe(6);
    for (const o of distinct) expect(Object.isFrozen(o)).toBe(true);
    expect(new Set(made.map((o) => JSON.stringify(o))).size).toBe(6);
    const g = compileFiller({ r: '{rand:0-2}', seq: '{n}' })!;
    expect(g(1, prng)).not.toBe(g(1, prng));
    // Too many combinations to keep (4096 at most): each event gets its own object.
    const h = compileFiller({ a: '{rand:0-99}', b: '{rand:0-99}' })!;
    expect(Object.isFrozen(h(1, prng))).toBe(false);
  });
});
