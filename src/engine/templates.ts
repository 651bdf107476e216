// Producer templates ([P4]): `{n}` becomes the producer's event count (from 1) and
// `{rand:MIN-MAX}` a whole number drawn from the engine's seeded PRNG. Compiled once per
// template so producing an event runs no regular expression.
import type { Json } from './json.ts';
import type { Prng } from './prng.ts';

const PLACEHOLDER = /\{(n|rand:(-?\d+)-(-?\d+))\}/g;

export type Filler = (n: number, prng: Prng) => Json;

/** A filler that draws one whole number r in [lo, hi] from the PRNG and nothing else, and the value it makes of r. */
interface Draw {
  lo: number;
  hi: number;
  of: (r: number) => Json;
}
const draws = new WeakMap<Filler, Draw>();
const drawing = (lo: number, hi: number, of: (r: number) => Json): Filler => {
  const f: Filler = (_, prng) => of(prng.int(lo, hi));
  if (hi >= lo) draws.set(f, { lo, hi, of });
  return f;
};
/** Most distinct objects an object template's draws may make before it builds each event's data anew. */
const SHARED_DATA_MAX = 4096;

/**
 * Compiles a template value once ([P4]): `{n}` becomes the producer's event count (from 1),
 * `{rand:MIN-MAX}` a seeded whole number; a string that is exactly one placeholder becomes a
 * number. Returns null when the value has no placeholder (it is used as it is).
 */
export function compileFiller(x: Json): Filler | null {
  if (typeof x === 'string') {
    const whole = /^\{(n|rand:(-?\d+)-(-?\d+))\}$/.exec(x);
    if (whole) {
      if (whole[1] === 'n') return (n) => n;
      return drawing(Number(whole[2]), Number(whole[3]), (r) => r);
    }
    const parts: (string | Filler)[] = [];
    let at = 0;
    for (const m of x.matchAll(PLACEHOLDER)) {
      if (m.index! > at) parts.push(x.slice(at, m.index));
      if (m[1] === 'n') parts.push((n) => n);
      else {
        const lo = Number(m[2]);
        const hi = Number(m[3]);
        parts.push((_, prng) => prng.int(lo, hi));
      }
      at = m.index! + m[0].length;
    }
    if (parts.length === 0) return null;
    if (at < x.length) parts.push(x.slice(at));
    // Text around one {rand} of a small range (a key like `k{rand:0-999}`): each string is
    // built once and reused (fewer strings to hash and collect); the PRNG is still drawn once.
    const rands = [...x.matchAll(PLACEHOLDER)];
    if (rands.length === 1 && rands[0][1] !== 'n') {
      const lo = Number(rands[0][2]);
      const hi = Number(rands[0][3]);
      if (hi >= lo && hi - lo < 65536) {
        const head = x.slice(0, rands[0].index);
        const tail = x.slice(rands[0].index! + rands[0][0].length);
        const made: (string | undefined)[] = new Array(hi - lo + 1);
        return drawing(lo, hi, (r) => (made[r - lo] ??= `${head}${r}${tail}`));
      }
    }
    return (n, prng) => {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : String(p(n, prng));
      return out;
    };
  }
  if (Array.isArray(x)) {
    const items = x.map(compileFiller);
    if (items.every((f) => f === null)) return null;
    return (n, prng) => items.map((f, i) => (f ? f(n, prng) : x[i]));
  }
  if (x && typeof x === 'object') {
    const fields = Object.keys(x).map((k) => [k, compileFiller(x[k]), x[k]] as const);
    if (fields.every(([, f]) => f === null)) return null;
    const shared = sharedObjects(fields);
    if (shared) return shared;
    return (n, prng) => {
      const out: Record<string, Json> = {};
      for (const [k, f, val] of fields) out[k] = f ? f(n, prng) : val;
      return out;
    };
  }
  return null;
}

/**
 * An object template whose every field is fixed or one small draw (`{ "r": "{rand:0-9}" }`,
 * `{ "sku": "sku-{rand:1-50}" }`) can only make a few distinct objects: each is built once,
 * frozen, and shared by every event that draws it, as a template without placeholders shares
 * its one data object. The PRNG is drawn as before, field by field. Event data is never
 * changed in place (an upcaster or a schema makes a new object). The benchmark's fault run,
 * whose events each carried a new `{ r }`, takes 0.88 of its time with them shared, most of
 * the difference the collector's (issue #11; `npm run bench:ab`). Null when a field
 * is anything else (`{n}`, two placeholders, a nested template) or the draws could make more
 * than SHARED_DATA_MAX objects.
 */
function sharedObjects(fields: (readonly [string, Filler | null, Json])[]): Filler | null {
  const ds: Draw[] = [];
  let count = 1;
  for (const [, f] of fields) {
    if (f === null) continue;
    const d = draws.get(f);
    if (d === undefined) return null;
    ds.push(d);
    count *= d.hi - d.lo + 1;
    if (count > SHARED_DATA_MAX) return null;
  }
  const made: (Json | undefined)[] = new Array(count);
  const build = (index: number): Json => {
    const rs: number[] = new Array(ds.length);
    for (let i = ds.length - 1; i >= 0; i--) {
      const size = ds[i].hi - ds[i].lo + 1;
      rs[i] = ds[i].lo + (index % size);
      index = Math.floor(index / size);
    }
    const out: Record<string, Json> = {};
    let i = 0;
    for (const [k, f, val] of fields) out[k] = f === null ? val : ds[i].of(rs[i++]);
    return Object.freeze(out);
  };
  return (_, prng) => {
    let index = 0;
    for (let i = 0; i < ds.length; i++) index = index * (ds[i].hi - ds[i].lo + 1) + prng.int(ds[i].lo, ds[i].hi) - ds[i].lo;
    return (made[index] ??= build(index));
  };
}
