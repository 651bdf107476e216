// Editing a scenario: each edit makes a NEW scenario from the current one and sends it
// through `restoreScenario` (the one door), so an edit the format refuses changes nothing
// and comes back with errors that name the node and the field. Pure and synchronous: the
// host (api.ts) owns the current scenario, the undo history and the engine.
import { connectionProblem, restoreScenario, KIND_INFO } from '../engine/index.ts';
import type { FieldError, KindInfo, NodeKind, NodeSpec, Scenario } from '../engine/index.ts';
import { SCENARIO_FORMAT, SCENARIO_VERSION } from '../engine/index.ts';

/** An edit the learner makes on the canvas or in an inspector. */
export type Edit =
  | { op: 'add'; kind: NodeKind; position?: { x: number; y: number } }
  | { op: 'move'; moves: { id: string; x: number; y: number }[] }
  | { op: 'remove'; nodes: string[]; edges: string[] }
  | { op: 'duplicate'; nodes: string[] }
  | { op: 'rename'; id: string; label: string }
  | { op: 'connect'; source: string; target: string }
  | { op: 'disconnect'; id: string }
  /** Tidies the drawing: columns by how far down the flow a node is, rows by where it was. */
  | { op: 'layout' }
  /** Replaces the node's whole config (the inspector sends what its form holds). */
  | { op: 'config'; id: string; config: Record<string, unknown> }
  /** Turns a topic, a queue or a pub/sub channel into another of them, keeping its id, label, position and connections ([ED1]). */
  | { op: 'retype'; id: string; kind: RetypeKind }
  /** Adds an invariant, checked live from then on; validated like a scenario file ([ED2]). */
  | { op: 'add-invariant'; invariant: Record<string, unknown> }
  /** Removes the scenario's invariant at this index ([ED2]). */
  | { op: 'remove-invariant'; index: number }
  /** Adds an alert (index null) or replaces the one at `index` ([AL1]); validated like a scenario file. */
  | { op: 'set-alert'; index: number | null; alert: Record<string, unknown> }
  /** Removes the scenario's alert at this index. */
  | { op: 'remove-alert'; index: number }
  /** Sets the binding on a connection from an exchange ([AM3], [AM4]): a given field replaces, null removes it. */
  | { op: 'bind'; id: string; bindingKey?: string | null; headers?: Record<string, string | number | boolean> | null; xMatch?: 'all' | 'any' | null };

/** The kinds a node can switch between with `retype` ([ED1]): producers publish to each, consumers read each. */
export const RETYPE_KINDS = ['topic', 'queue', 'pubsub'] as const;
export type RetypeKind = (typeof RETYPE_KINDS)[number];
const isRetypeKind = (k: string): k is RetypeKind => (RETYPE_KINDS as readonly string[]).includes(k);

/** An error of a refused edit, placed where the inspector shows it. */
export interface EditError {
  /** Node the error is about, or null (the scenario as a whole, a connection). */
  node: string | null;
  /** Path inside the node, such as `config.partitions` or `label`; '' for the node itself. */
  field: string;
  message: string;
}

export type EditOutcome = { ok: true; scenario: Scenario; added: string[] } | { ok: false; reason: string; errors: EditError[] };

/** A new node's label starts with its kind's name. */
export const KIND_LABEL: Record<NodeKind, string> = Object.fromEntries(Object.entries(KIND_INFO).map(([kind, info]) => [kind, info.label])) as Record<NodeKind, string>;

/** The empty canvas: a scenario with no nodes. */
export function blankScenario(): Scenario {
  const r = restoreScenario({ format: SCENARIO_FORMAT, version: SCENARIO_VERSION, name: 'Untitled scenario', description: '', nodes: [] });
  if (!r.ok) throw new Error('the blank scenario is refused by restoreScenario');
  return r.value;
}

/** What a new node of a kind starts with: enough to run at once. */
function defaultConfig(kind: NodeKind, id: string): Record<string, unknown> {
  const info: KindInfo = KIND_INFO[kind];
  return info.starter ? info.starter(id) : {};
}

function freshId(s: Scenario, base: string): string {
  const taken = new Set(s.nodes.map((n) => n.id));
  for (let k = 1; ; k++) if (!taken.has(`${base}-${k}`)) return `${base}-${k}`;
}

/** A spot near the others that no node sits on. */
function freeSpot(s: Scenario): { x: number; y: number } {
  for (let k = 0; ; k++) {
    const x = (k % 4) * 240;
    const y = Math.floor(k / 4) * 170;
    if (!s.nodes.some((n) => Math.abs(n.position.x - x) < 120 && Math.abs(n.position.y - y) < 90)) return { x, y };
  }
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Turns restoreScenario's `nodes[2].config.partitions` into node id + field. */
export function placeErrors(raw: { nodes: { id: string }[] }, errors: readonly FieldError[]): EditError[] {
  return errors.map((e) => {
    const m = /^nodes\[(\d+)\]\.?(.*)$/.exec(e.path);
    if (m) return { node: raw.nodes[Number(m[1])]?.id ?? null, field: m[2], message: e.message };
    return { node: null, field: e.path, message: e.message };
  });
}

/**
 * The scenario as it can go back through restoreScenario. restoreScenario names an edge
 * without an id "source->target", an id its own schema refuses on the way back in: such
 * ids are left out, and restoreScenario names them again.
 */
export function portable<S extends Scenario>(s: S): S {
  return {
    ...s,
    edges: s.edges.map((e) => {
      if (e.id !== `${e.source}->${e.target}`) return e;
      const { id: _id, ...rest } = e;
      return rest as typeof e;
    }),
  };
}

/** Applies one edit to a scenario; the result went through restoreScenario. */
export function applyEdit(s: Scenario, edit: Edit): EditOutcome {
  const raw = clone(s) as Scenario;
  const byId = new Map(raw.nodes.map((n) => [n.id, n]));
  let added: string[] = [];
  switch (edit.op) {
    case 'add': {
      const id = freshId(raw, edit.kind);
      const n = id.slice(edit.kind.length + 1);
      const position = edit.position ? { x: Math.round(edit.position.x), y: Math.round(edit.position.y) } : freeSpot(raw);
      raw.nodes.push({ id, kind: edit.kind, label: `${KIND_LABEL[edit.kind]} ${n}`, position, config: defaultConfig(edit.kind, id) } as NodeSpec);
      added = [id];
      break;
    }
    case 'move':
      for (const m of edit.moves) {
        const n = byId.get(m.id);
        if (n) n.position = { x: Math.round(m.x), y: Math.round(m.y) };
      }
      break;
    case 'remove': {
      const gone = new Set(edit.nodes);
      const cut = new Set(edit.edges);
      raw.nodes = raw.nodes.filter((n) => !gone.has(n.id));
      raw.edges = raw.edges.filter((e) => !cut.has(e.id) && !gone.has(e.source) && !gone.has(e.target));
      // Invariants about a removed node go with it.
      raw.invariants = (raw.invariants ?? []).filter((i) => !gone.has(i.node));
      raw.schedule = (raw.schedule ?? []).filter((x) => !('node' in x) || !gone.has((x as { node: string }).node));
      if (raw.alerts) raw.alerts = raw.alerts.filter((a) => !gone.has(a.node));
      break;
    }
    case 'duplicate': {
      const map = new Map<string, string>();
      for (const id of edit.nodes) {
        const n = byId.get(id);
        if (!n) continue;
        const copy = clone(n);
        copy.id = freshId(raw, n.kind);
        copy.label = `${n.label} copy`.slice(0, 80);
        copy.position = { x: n.position.x + 40, y: n.position.y + 40 };
        // A duplicated consumer joins the same group: the usual reason to copy one.
        raw.nodes.push(copy);
        map.set(id, copy.id);
        added.push(copy.id);
      }
      // Connections among the copied nodes are copied too; connections to the rest as well.
      for (const e of [...raw.edges]) {
        const src = map.get(e.source);
        const dst = map.get(e.target);
        if (!src && !dst) continue;
        const source = src ?? e.source;
        const target = dst ?? e.target;
        raw.edges.push({ id: `${source}->${target}`, source, target });
      }
      break;
    }
    case 'rename': {
      const n = byId.get(edit.id);
      if (!n) return { ok: false, reason: `there is no node "${edit.id}"`, errors: [] };
      n.label = edit.label;
      break;
    }
    case 'connect': {
      const a = byId.get(edit.source);
      const b = byId.get(edit.target);
      if (!a || !b) return { ok: false, reason: 'connect two nodes that exist', errors: [] };
      if (a.id === b.id) return { ok: false, reason: 'a node cannot connect to itself', errors: [] };
      const why = connectionProblem(a.kind, b.kind);
      if (why) return { ok: false, reason: `${a.label} → ${b.label}: ${why}`, errors: [] };
      if (raw.edges.some((e) => e.source === a.id && e.target === b.id)) return { ok: false, reason: `${a.label} is already connected to ${b.label}`, errors: [] };
      raw.edges.push({ id: `${a.id}->${b.id}`, source: a.id, target: b.id });
      break;
    }
    case 'layout':
      for (const [id, at] of layout(raw)) byId.get(id)!.position = at;
      break;
    case 'disconnect':
      raw.edges = raw.edges.filter((e) => e.id !== edit.id);
      break;
    case 'config': {
      const n = byId.get(edit.id);
      if (!n) return { ok: false, reason: `there is no node "${edit.id}"`, errors: [] };
      (n as { config: unknown }).config = clone(edit.config);
      break;
    }
    case 'retype': {
      const n = byId.get(edit.id);
      if (!n) return { ok: false, reason: `there is no node "${edit.id}"`, errors: [] };
      const why = retypeProblem(raw, n, edit.kind);
      if (why) return { ok: false, reason: why, errors: [{ node: n.id, field: '', message: why }] };
      const readers = raw.edges.filter((e) => e.source === n.id).map((e) => byId.get(e.target)).filter((x) => x?.kind === 'consumer');
      (n as { kind: NodeKind }).kind = edit.kind;
      (n as { config: unknown }).config = edit.kind === 'topic' ? { partitions: partitionsFor(readers as NodeSpec[]) } : {};
      break;
    }
    case 'bind': {
      const e = raw.edges.find((x) => x.id === edit.id) as Record<string, unknown> | undefined;
      if (!e) return { ok: false, reason: `there is no connection "${edit.id}"`, errors: [] };
      for (const f of ['bindingKey', 'headers', 'xMatch'] as const) {
        if (edit[f] === null) delete e[f];
        else if (edit[f] !== undefined) e[f] = clone(edit[f]);
      }
      break;
    }
    case 'add-invariant':
      raw.invariants = [...(raw.invariants ?? []), clone(edit.invariant) as never];
      break;
    case 'set-alert': {
      const list = [...(raw.alerts ?? [])];
      if (edit.index === null) list.push(clone(edit.alert) as never);
      else if (!Number.isInteger(edit.index) || edit.index < 0 || edit.index >= list.length) return { ok: false, reason: `there is no alert number ${edit.index + 1}`, errors: [] };
      else list[edit.index] = clone(edit.alert) as never;
      raw.alerts = list;
      break;
    }
    case 'remove-alert': {
      const list = raw.alerts ?? [];
      if (!Number.isInteger(edit.index) || edit.index < 0 || edit.index >= list.length) return { ok: false, reason: `there is no alert number ${edit.index + 1}`, errors: [] };
      raw.alerts = list.filter((_, i) => i !== edit.index);
      if (raw.alerts.length === 0) delete raw.alerts;
      break;
    }
    case 'remove-invariant': {
      const list = raw.invariants ?? [];
      if (!Number.isInteger(edit.index) || edit.index < 0 || edit.index >= list.length) return { ok: false, reason: `there is no invariant number ${edit.index + 1}`, errors: [] };
      raw.invariants = list.filter((_, i) => i !== edit.index);
      break;
    }
  }
  const r = restoreScenario(portable(raw));
  if (!r.ok) {
    let errors = placeErrors(raw, r.errors);
    // A refused binding shows at its field in the exchange's form: node = the exchange, field `bindings[<target>].<field>`.
    if (edit.op === 'bind') errors = errors.map((x) => bindingError(raw, x));
    const label = (id: string | null) => (id ? (byId.get(id)?.label ?? raw.nodes.find((n) => n.id === id)?.label ?? id) : null);
    const first = errors[0];
    // A refused new invariant names its field as the form shows it ("the new invariant · effect").
    const added = edit.op === 'add-invariant' ? `invariants[${raw.invariants.length - 1}]` : null;
    const field = (f: string) => (/^alerts\[\d+\]/.test(f) ? f.replace(/^alerts\[\d+\]\.?/, 'the alert · ') : /^bindings\[/.test(f) ? f.replace(/^bindings\[([^\]]+)\]\.?(.*)$/, (_m, to: string, rest: string) => `the binding to ${to}${rest ? ` · ${rest}` : ''}`) : added && f.startsWith(added) ? `the new invariant${f.slice(added.length) ? ` · ${f.slice(added.length + 1)}` : ''}` : f);
    const where = first ? [label(first.node), field(first.field)].filter(Boolean).join(' · ') : '';
    return { ok: false, reason: first ? `${where ? `${where}: ` : ''}${first.message}` : 'the edit was refused', errors };
  }
  return { ok: true, scenario: r.value, added };
}

function bindingError(raw: Scenario, x: EditError): EditError {
  const m = x.node === null ? /^edges\[(\d+)\]\.?(.*)$/.exec(x.field) : null;
  const e = m ? portable(raw).edges[Number(m[1])] : undefined;
  return e ? { node: e.source, field: `bindings[${e.target}]${m![2] ? `.${m![2]}` : ''}`, message: x.message } : x;
}

/**
 * Why a node cannot become `kind` ([ED1]), or null: only topics and queues switch, and
 * every connection must make sense with the new kind (a projection or a saga reads only
 * topics, a topic feeds no other channel, …).
 */
function retypeProblem(s: Scenario, n: NodeSpec, kind: RetypeKind): string | null {
  if (!isRetypeKind(n.kind)) return `only a topic, a queue or a pub/sub channel can switch: ${n.label} is a ${n.kind}`;
  if (!isRetypeKind(kind)) return `a ${n.kind} can switch to a topic, a queue or a pub/sub channel, not to "${String(kind)}"`;
  if (n.kind === kind) return `${n.label} is already a ${kind}`;
  const label = (id: string) => s.nodes.find((x) => x.id === id)?.label ?? id;
  const kindOf = (id: string) => (id === n.id ? kind : s.nodes.find((x) => x.id === id)!.kind);
  const broken = s.edges.flatMap((e) => {
    if (e.source !== n.id && e.target !== n.id) return [];
    const why = connectionProblem(kindOf(e.source), kindOf(e.target));
    return why ? [`${label(e.source)} → ${label(e.target)}: ${why}`] : [];
  });
  if (broken.length === 0) return null;
  return `${n.label} cannot become a ${kind} while ${broken.length === 1 ? 'this connection stays' : 'these connections stay'} (remove ${broken.length === 1 ? 'it' : 'them'} first): ${broken.join('; ')}`;
}

/**
 * Partitions for a queue that becomes a topic ([ED1]): one per member of the largest group
 * reading it, so consumers that competed on the queue still all get work.
 */
function partitionsFor(readers: NodeSpec[]): number {
  const size = new Map<string, number>();
  for (const r of readers) if (r.kind === 'consumer') size.set(r.config.group, (size.get(r.config.group) ?? 0) + 1);
  return Math.min(64, Math.max(1, ...size.values()));
}

/**
 * A layered layout: each node's column is the longest path to it from a node nothing flows
 * into (cycles, such as consumer → topic → consumer, are cut where they close); within a
 * column nodes keep their top-to-bottom order and are centred on the tallest column.
 */
export function layout(s: Scenario): Map<string, { x: number; y: number }> {
  const layer = new Map(s.nodes.map((n) => [n.id, 0]));
  // Longest path by relaxation, at most |nodes| rounds (a cycle stops growing there).
  for (let round = 0; round < s.nodes.length; round++) {
    let changed = false;
    for (const e of s.edges) {
      const want = (layer.get(e.source) ?? 0) + 1;
      if (want > (layer.get(e.target) ?? 0) && want < s.nodes.length) {
        layer.set(e.target, want);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const columns = new Map<number, NodeSpec[]>();
  for (const n of s.nodes) columns.set(layer.get(n.id)!, [...(columns.get(layer.get(n.id)!) ?? []), n]);
  const tallest = Math.max(0, ...[...columns.values()].map((c) => c.length));
  const out = new Map<string, { x: number; y: number }>();
  [...columns.keys()].sort((a, b) => a - b).forEach((col, ci) => {
    const nodes = columns.get(col)!.sort((a, b) => a.position.y - b.position.y);
    const offset = ((tallest - nodes.length) * 170) / 2;
    nodes.forEach((n, i) => out.set(n.id, { x: ci * 320, y: Math.round(offset + i * 170) }));
  });
  return out;
}

/** True when two scenarios differ only in where nodes sit (no need to re-run anything). */
export function onlyMoved(a: Scenario, b: Scenario): boolean {
  const strip = (s: Scenario) => JSON.stringify({ ...s, nodes: s.nodes.map((n) => ({ ...n, position: null })) });
  return strip(a) === strip(b);
}
