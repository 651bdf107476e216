// A schema registry's rules as plain functions ([SR1]–[SR3]): whether a new version of a
// subject is compatible with the one before it, whether a producer's data fits the version
// it writes, and what a consumer reading with its own version gets. No schema library: the
// catalogue's field checks use them too, on the first screen.
//
// The model is Avro's, as Confluent Schema Registry applies it: a field with a `default`
// can be missing from what is read (the reader fills the default); a field without one is
// required. Names are Confluent's: BACKWARD = a consumer on the new version reads data
// written with the previous one; FORWARD = a consumer still on the previous version reads
// data written with the new one; FULL = both; NONE = anything goes.
import type { Json } from '../json.ts';

export const FIELD_TYPES = ['string', 'number', 'boolean', 'object', 'array', 'any'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export const COMPATIBILITY = ['backward', 'forward', 'full', 'none'] as const;
export type Compatibility = (typeof COMPATIBILITY)[number];

export interface SchemaField {
  name: string;
  type: FieldType;
  /** Present: the field may be missing from data written without it (Avro's default). */
  default?: Json;
}
export interface SchemaVersion {
  fields: SchemaField[];
}
export interface Subject {
  /** The event type it governs (the record name). */
  subject: string;
  compatibility: Compatibility;
  /** Version 1 first; version n is `versions[n - 1]`. Registered versions never change. */
  versions: SchemaVersion[];
}

const hasDefault = (f: SchemaField) => f.default !== undefined;

/** Does `value` have `type`? */
export function fits(type: FieldType, value: Json): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

/**
 * [SR1] Why version `next` (numbered n) cannot follow `prev` (n − 1) under `mode`, or null.
 * Checked against the version just before it only (Confluent's non-transitive modes).
 */
export function compatibilityProblem(subject: string, prev: SchemaVersion, next: SchemaVersion, n: number, mode: Compatibility): string | null {
  if (mode === 'none') return null;
  const before = new Map(prev.fields.map((f) => [f.name, f]));
  const after = new Map(next.fields.map((f) => [f.name, f]));
  for (const f of next.fields) {
    const old = before.get(f.name);
    if (old && old.type !== f.type && old.type !== 'any' && f.type !== 'any') return `changes the type of "${f.name}" from ${old.type} to ${f.type}: no consumer on either version can read the other's`;
  }
  if (mode === 'backward' || mode === 'full') {
    for (const f of next.fields) {
      if (!before.has(f.name) && !hasDefault(f)) return `is not backward compatible: it adds "${f.name}" without a default, so a consumer on version ${n} cannot read the ${subject} events written with version ${n - 1} (give "${f.name}" a default)`;
    }
  }
  if (mode === 'forward' || mode === 'full') {
    for (const f of prev.fields) {
      if (!after.has(f.name) && !hasDefault(f)) return `is not forward compatible: it removes "${f.name}", which version ${n - 1} requires (it has no default there), so a consumer still on version ${n - 1} cannot read the ${subject} events written with version ${n} (keep "${f.name}")`;
    }
  }
  return null;
}

/** Field errors of one subject, paths relative to it: duplicate field names, defaults of the wrong type, incompatible versions. */
export function subjectProblems(s: Subject): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  s.versions.forEach((v, i) => {
    const seen = new Set<string>();
    v.fields.forEach((f, j) => {
      if (seen.has(f.name)) out.push({ path: `versions[${i}].fields[${j}].name`, message: `"${f.name}" is already a field of version ${i + 1}` });
      seen.add(f.name);
      if (f.default !== undefined && !fits(f.type, f.default)) out.push({ path: `versions[${i}].fields[${j}].default`, message: `must be a ${f.type}, like the field` });
    });
    if (i > 0) {
      const why = compatibilityProblem(s.subject, s.versions[i - 1], v, i + 1, s.compatibility);
      if (why) out.push({ path: `versions[${i}]`, message: `version ${i + 1} ${why}; the registry refuses to register it under ${s.compatibility.toUpperCase()} compatibility` });
    }
  });
  return out;
}

/**
 * [SR2] The data a producer writes with `version`, as the serializer encodes it (missing
 * fields with a default filled in), or why it cannot be serialized.
 */
export function serialize(s: Subject, version: number, data: Json): { data: Json } | { problem: string } {
  const v = s.versions[version - 1];
  if (!v) return { problem: `subject ${s.subject} has no version ${version} (registered: 1–${s.versions.length})` };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { problem: `version ${version} of ${s.subject} is a record of fields, and the data is not an object` };
  const rec = data as Record<string, Json>;
  const known = new Set(v.fields.map((f) => f.name));
  for (const name of Object.keys(rec)) if (!known.has(name)) return { problem: `"${name}" is not a field of ${s.subject} version ${version}: register a version that has it, or leave it out` };
  const out: Record<string, Json> = {};
  for (const f of v.fields) {
    if (f.name in rec) {
      if (!fits(f.type, rec[f.name])) return { problem: `"${f.name}" must be a ${f.type} in ${s.subject} version ${version}, and it is ${JSON.stringify(rec[f.name])}` };
      out[f.name] = rec[f.name];
    } else if (hasDefault(f)) out[f.name] = f.default!;
    else return { problem: `"${f.name}" is required by ${s.subject} version ${version} (it has no default), and the data has none` };
  }
  return { data: out };
}

/**
 * [SR3] What a consumer reading with version `reader` gets from data written with
 * `writer`: the reader's fields, from the data or their defaults; the writer's other
 * fields are dropped. Or why it cannot read it.
 */
export function resolve(s: Subject, writer: number, reader: number, data: Json): { data: Json } | { problem: string } {
  const w = s.versions[writer - 1];
  const r = s.versions[reader - 1];
  if (!w) return { problem: `the event was written with ${s.subject} version ${writer}, which the registry does not have` };
  if (!r) return { problem: `the consumer reads ${s.subject} with version ${reader}, which the registry does not have` };
  const rec = (data !== null && typeof data === 'object' && !Array.isArray(data) ? data : {}) as Record<string, Json>;
  const written = new Set(w.fields.map((f) => f.name));
  const out: Record<string, Json> = {};
  for (const f of r.fields) {
    if (written.has(f.name) && f.name in rec) {
      if (!fits(f.type, rec[f.name])) return { problem: `"${f.name}" is a ${f.type} in version ${reader} and not in version ${writer}` };
      out[f.name] = rec[f.name];
    } else if (hasDefault(f)) out[f.name] = f.default!;
    else return { problem: `it reads ${s.subject} with version ${reader}, which requires "${f.name}", and events written with version ${writer} have no "${f.name}" (version ${reader} gives it no default): it cannot deserialize them` };
  }
  return { data: out };
}
