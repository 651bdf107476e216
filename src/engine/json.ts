// JSON values: the only data a scenario, an event or a consumer's state may hold.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** True when `value` is plain JSON (no functions, Dates, Maps, cycles), at most `depth` deep. */
export function isJson(value: unknown, depth = 32): value is Json {
  if (value === null) return true;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (depth <= 0) return false;
      if (Array.isArray(value)) return value.every((v) => isJson(v, depth - 1));
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      return Object.values(value as object).every((v) => isJson(v, depth - 1));
    }
    default:
      return false;
  }
}

/** A deep copy of a JSON value. */
export function copyJson<T extends Json | undefined>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => copyJson(v)) as T;
  const out: Record<string, Json> = {};
  for (const k of Object.keys(value)) out[k] = copyJson((value as Record<string, Json>)[k]);
  return out as T;
}

/** Stable, key-sorted JSON text: equal values give equal strings. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
}

/** Reads an own property only, never one from a prototype ("__proto__", "constructor"). */
export function own(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  return Object.prototype.hasOwnProperty.call(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}
