// Fork and diff: two runs of one design side by side ([FD1]–[FD6] in SPEC.md). Run A is the
// original, run B a fork of it. Both are replayed here from their sessions (scenario + seed +
// inputs), never taken from an engine on screen, so the answer depends only on the two
// sessions. Pure and deterministic: runs in Node (tests) and in the worker (api.compare).
// Through index.ts, as the worker's entry imports the engine: imported from engine.ts, the
// worker's bundler split the whole engine into a chunk of its own (one more request before
// the first screen is interactive).
import { createEngine, type Engine, type TraceStep } from './index.ts';
import type { Scenario } from './scenario.ts';
import type { Input } from './inputs.ts';
import type { Json } from './json.ts';
import type { EngineView, InvariantStatus, NodeView } from './views.ts';

/** What determines a run: the session without the step on screen. */
export interface Run {
  scenario: Scenario;
  seed: number;
  inputs: readonly Input[];
}

export interface DiffOptions {
  /** Where the states are compared: after this many steps of each run, or at each run's end (default). */
  at?: number | 'end';
  /** Most steps a run is played to reach its end ([FD2]); default 100,000. */
  maxSteps?: number;
}

/** A trace step as compared ([FD3]): what it says, never where it sits in the engine's tables. */
export interface StepRow {
  seq: number;
  time: number;
  kind: string;
  node: string | null;
  eventId: string | null;
  eventType: string | null;
  key: string | null;
  text: string;
}

/** One field of a node's view that differs ([FD4]); a value is undefined where that run has none. */
export interface FieldDiff {
  path: string;
  a?: Json;
  b?: Json;
}
export interface NodeDiff {
  node: string;
  kind: string;
  /** 'a' or 'b' when the node exists in one run only (an edit on the fork). */
  only: 'a' | 'b' | null;
  fields: FieldDiff[];
  /** Differences left out of `fields` (more than FIELDS_PER_NODE). */
  more: number;
}
/** One row of a table (a consumer group's or a projection's state, an aggregate's streams, a producer's table) that differs ([FD5]). */
export interface TableRow {
  node: string;
  table: string;
  key: string;
  a?: Json;
  b?: Json;
}
/** A side effect counted in each run ([FD6]): by consumer group, in total and per key. */
export interface EffectCount {
  /** The first member node of the group (what the canvas shows). */
  node: string;
  group: string;
  effect: string;
  a: number;
  b: number;
  /** The keys whose counts differ. */
  keys: { key: string; a: number; b: number }[];
}
export interface InvariantDiff {
  label: string;
  a: InvariantStatus['status'] | null;
  b: InvariantStatus['status'] | null;
  brokeAtA: number | null;
  brokeAtB: number | null;
}

export interface RunDiff {
  /** Steps in each run (to its end, or to maxSteps). */
  length: { a: number; b: number };
  /** Whether each run reached its end (nothing pending) within maxSteps. */
  finished: { a: boolean; b: boolean };
  /** After how many steps of each run the states were compared. */
  at: { a: number; b: number };
  /** The first step where the traces differ, with each run's row there (null: that run has no such step); null when they never differ. */
  first: { step: number; a: StepRow | null; b: StepRow | null } | null;
  /** Step kinds whose counts differ over the whole runs (a duplicate, a deliver more). */
  kinds: { kind: string; a: number; b: number }[];
  /** Every side effect counted in either run, differing or not. */
  effects: EffectCount[];
  tables: TableRow[];
  /** Table rows left out (more than MAX_TABLE_ROWS). */
  tablesMore: number;
  nodes: NodeDiff[];
  invariants: InvariantDiff[];
  /** True when nothing at all differs: traces, states, tables, effects, invariants. */
  same: boolean;
}

export const DEFAULT_MAX_STEPS = 100_000;
export const FIELDS_PER_NODE = 40;
export const MAX_TABLE_ROWS = 200;
const CHUNK = 2048;

/** A fresh engine for a run as the app opens a session: time 0 applied ([G1]), then at `step`. */
export function engineOf(run: Run, step = 0): Engine {
  const e = createEngine(run.scenario, { seed: run.seed, inputs: run.inputs });
  e.runUntil(0);
  if (step > e.step) e.seek(step);
  return e;
}

/** Plays a run to its end (nothing pending) or to `max` steps; true when it ended. */
function toEnd(e: Engine, max: number): boolean {
  e.stepForward(Math.max(0, max - e.step));
  return e.idle;
}

/** What a step says, as compared ([FD3]): its time, kind, node, event and words, and the event's data. */
function stepKey(e: Engine, st: TraceStep): string {
  const data = st.record !== null ? (e.event(st.record)?.data ?? null) : null;
  return JSON.stringify([st.time, st.kind, st.node, st.eventId, st.correlationId, st.eventType, st.key, st.topic, st.partition, st.offset, st.text, data]);
}

const row = (st: TraceStep | undefined): StepRow | null =>
  st ? { seq: st.seq, time: st.time, kind: st.kind, node: st.node, eventId: st.eventId, eventType: st.eventType, key: st.key, text: st.text } : null;

/** The first step where two played runs' traces differ, or null ([FD3]). */
function firstDifference(a: Engine, b: Engine, lenA: number, lenB: number): number | null {
  const n = Math.min(lenA, lenB);
  for (let at = 0; at < n; at += CHUNK) {
    const hi = Math.min(n, at + CHUNK);
    const ra = a.steps(at, hi);
    const rb = b.steps(at, hi);
    for (let i = 0; i < ra.length; i++) if (stepKey(a, ra[i]) !== stepKey(b, rb[i])) return at + i;
  }
  return lenA === lenB ? null : n;
}

/** Counts of each step kind over a whole played run. */
function kindCounts(e: Engine, len: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let at = 0; at < len; at += CHUNK) for (const st of e.steps(at, Math.min(len, at + CHUNK))) out.set(st.kind, (out.get(st.kind) ?? 0) + 1);
  return out;
}

// ---------------------------------------------------------------------------- views

/** Fields of a view reported as tables or effects, not as fields ([FD4]). */
const AS_TABLES: Partial<Record<string, readonly string[]>> = {
  consumer: ['state', 'effects'],
  projection: ['tables', 'rebuild'],
  aggregate: ['streams'],
  producer: ['table'],
};

/** Flattens JSON into path → leaf (empty objects and lists are leaves too). */
function flatten(value: unknown, path: string, out: Map<string, Json>): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object') {
    out.set(path, value as Json);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, []);
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
    return;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) out.set(path, {});
  for (const k of keys) flatten((value as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
}

function fieldsOf(view: NodeView | undefined): Map<string, Json> {
  const out = new Map<string, Json>();
  if (!view) return out;
  const skip = new Set(AS_TABLES[view.kind] ?? []);
  for (const [k, v] of Object.entries(view)) if (k !== 'kind' && !skip.has(k)) flatten(v, k, out);
  return out;
}

const same = (x: Json | undefined, y: Json | undefined) => JSON.stringify(x) === JSON.stringify(y);

/** A node's state tables: table → key → value ([FD5]). */
function tablesOf(view: NodeView | undefined): Map<string, Map<string, Json>> {
  const out = new Map<string, Map<string, Json>>();
  if (!view) return out;
  const add = (table: string, rows: Record<string, Json>) => out.set(table, new Map(Object.entries(rows)));
  switch (view.kind) {
    case 'consumer':
      for (const [t, rows] of Object.entries(view.state)) add(t, rows);
      break;
    case 'projection':
      for (const [t, rows] of Object.entries(view.tables)) add(t, rows);
      break;
    case 'aggregate':
      add('streams', Object.fromEntries(view.streams.map((s) => [s.id, { version: s.version, state: s.state } as Json])));
      break;
    case 'producer':
      if (view.table) add(view.table.name, view.table.rows);
      break;
  }
  return out;
}

/**
 * Consumer views by group: members of one group share its store and its effects, so each
 * group's tables and effects are told once, under its first member ([FD5], [FD6]).
 */
function owners(a: EngineView, b: EngineView, order: string[]): { node: string; group: string | null }[] {
  const seen = new Set<string>();
  const out: { node: string; group: string | null }[] = [];
  for (const id of order) {
    const v = a.nodes[id] ?? b.nodes[id];
    if (!v) continue;
    if (v.kind === 'consumer') {
      if (seen.has(v.group)) continue;
      seen.add(v.group);
      out.push({ node: id, group: v.group });
    } else out.push({ node: id, group: null });
  }
  return out;
}

function effectsOf(view: NodeView | undefined): Record<string, Record<string, number>> {
  return view?.kind === 'consumer' ? view.effects : {};
}

function sumOf(rows: Record<string, number> | undefined): number {
  let n = 0;
  for (const v of Object.values(rows ?? {})) n += v;
  return n;
}

/** Node ids in the order of run A's scenario, then those only in B. */
function nodeOrder(a: Run, b: Run): string[] {
  const ids = a.scenario.nodes.map((n) => n.id);
  const known = new Set(ids);
  for (const n of b.scenario.nodes) if (!known.has(n.id)) ids.push(n.id);
  return ids;
}

// ---------------------------------------------------------------------------- the diff

/**
 * Compares run A (the original) with run B (a fork): the first step where their traces
 * differ, and at the chosen step (or each run's end) the differences in each node's view,
 * in every table row, in the side effects counted, and in the invariants ([FD2]–[FD6]).
 */
export function diffRuns(runA: Run, runB: Run, options: DiffOptions = {}): RunDiff {
  const max = Math.max(1, Math.floor(options.maxSteps ?? DEFAULT_MAX_STEPS));
  const a = engineOf(runA);
  const b = engineOf(runB);
  const finished = { a: toEnd(a, max), b: toEnd(b, max) };
  const length = { a: a.step, b: b.step };

  const firstAt = firstDifference(a, b, length.a, length.b);
  const first = firstAt === null ? null : { step: firstAt, a: row(firstAt < length.a ? a.describeStep(firstAt) : undefined), b: row(firstAt < length.b ? b.describeStep(firstAt) : undefined) };

  const ka = kindCounts(a, length.a);
  const kb = kindCounts(b, length.b);
  const kinds = [...new Set([...ka.keys(), ...kb.keys()])].map((kind) => ({ kind, a: ka.get(kind) ?? 0, b: kb.get(kind) ?? 0 })).filter((k) => k.a !== k.b);

  const target = options.at === undefined || options.at === 'end' ? null : Math.max(0, Math.floor(options.at));
  if (target !== null) {
    a.seek(Math.min(target, length.a));
    b.seek(Math.min(target, length.b));
  }
  const at = { a: a.step, b: b.step };
  const va = a.view();
  const vb = b.view();
  const order = nodeOrder(runA, runB);

  const nodes: NodeDiff[] = [];
  for (const id of order) {
    const x = va.nodes[id];
    const y = vb.nodes[id];
    if (!x && !y) continue;
    const only = !x ? 'b' : !y ? 'a' : null;
    if (x && y && x.kind !== y.kind) {
      nodes.push({ node: id, kind: `${x.kind} → ${y.kind}`, only: null, fields: [{ path: 'kind', a: x.kind, b: y.kind }], more: 0 });
      continue;
    }
    const fa = fieldsOf(x);
    const fb = fieldsOf(y);
    const fields: FieldDiff[] = [];
    let more = 0;
    for (const path of new Set([...fa.keys(), ...fb.keys()])) {
      if (same(fa.get(path), fb.get(path))) continue;
      if (fields.length >= FIELDS_PER_NODE) more++;
      else fields.push({ path, ...(fa.has(path) ? { a: fa.get(path) } : {}), ...(fb.has(path) ? { b: fb.get(path) } : {}) });
    }
    if (only || fields.length > 0) nodes.push({ node: id, kind: (x ?? y)!.kind, only, fields, more });
  }

  const tables: TableRow[] = [];
  let tablesMore = 0;
  const effects: EffectCount[] = [];
  for (const { node, group } of owners(va, vb, order)) {
    const ta = tablesOf(va.nodes[node]);
    const tb = tablesOf(vb.nodes[node]);
    for (const table of new Set([...ta.keys(), ...tb.keys()])) {
      const ra = ta.get(table) ?? new Map<string, Json>();
      const rb = tb.get(table) ?? new Map<string, Json>();
      for (const key of new Set([...ra.keys(), ...rb.keys()])) {
        if (same(ra.get(key), rb.get(key))) continue;
        if (tables.length >= MAX_TABLE_ROWS) tablesMore++;
        else tables.push({ node, table, key, ...(ra.has(key) ? { a: ra.get(key) } : {}), ...(rb.has(key) ? { b: rb.get(key) } : {}) });
      }
    }
    if (group === null) continue;
    const ea = effectsOf(va.nodes[node]);
    const eb = effectsOf(vb.nodes[node]);
    for (const effect of new Set([...Object.keys(ea), ...Object.keys(eb)])) {
      const pa = ea[effect] ?? {};
      const pb = eb[effect] ?? {};
      const keys = [...new Set([...Object.keys(pa), ...Object.keys(pb)])].map((key) => ({ key, a: pa[key] ?? 0, b: pb[key] ?? 0 })).filter((k) => k.a !== k.b);
      effects.push({ node, group, effect, a: sumOf(pa), b: sumOf(pb), keys });
    }
  }

  const invariants: InvariantDiff[] = [];
  const ia = new Map(va.invariants.map((s) => [s.label, s]));
  const ib = new Map(vb.invariants.map((s) => [s.label, s]));
  for (const label of new Set([...ia.keys(), ...ib.keys()])) {
    const x = ia.get(label);
    const y = ib.get(label);
    if (x && y && x.status === y.status && x.brokeAt === y.brokeAt) continue;
    invariants.push({ label, a: x?.status ?? null, b: y?.status ?? null, brokeAtA: x?.brokeAt ?? null, brokeAtB: y?.brokeAt ?? null });
  }

  const differ = first !== null || kinds.length > 0 || nodes.length > 0 || tables.length > 0 || effects.some((e) => e.a !== e.b || e.keys.length > 0) || invariants.length > 0;
  return { length, finished, at, first, kinds, effects, tables, tablesMore, nodes, invariants, same: !differ && length.a === length.b && at.a === at.b };
}
