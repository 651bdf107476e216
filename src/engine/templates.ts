// Producer templates ([P4]): `{n}` becomes the producer's event count (from 1) and
// `{rand:MIN-MAX}` a whole number drawn from the engine's seeded PRNG. Compiled once per
// template so producing an event runs no regular expression.
import type { Json } from './json.ts';
import type { Prng } from './prng.ts';

const PLACEHOLDER = /\{(n|rand:(-?\d+)-(-?\d+))\}/g;

export type Filler = (n: number, prng: Prng) => Json;

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
      const lo = Number(whole[2]);
      const hi = Number(whole[3]);
      return (_, prng) => prng.int(lo, hi);
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
        return (_, prng) => {
          const r = prng.int(lo, hi);
          return (made[r - lo] ??= `${head}${r}${tail}`);
        };
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
    return (n, prng) => {
      const out: Record<string, Json> = {};
      for (const [k, f, val] of fields) out[k] = f ? f(n, prng) : val;
      return out;
    };
  }
  return null;
}
