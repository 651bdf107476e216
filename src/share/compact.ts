// Makes a session small before it is compressed into a link: drops every field whose
// value restoreScenario would put back by itself (defaults), and rounds node positions to
// whole pixels. The defaults are not copied from the scenario format: they are read from
// restoreScenario itself (a probe scenario, restored once), so they cannot drift from it.
//
// The result is checked before it is used: restoring the compact form must give exactly
// the session restoring the full form gives. If it ever does not (a default learned
// wrongly, a format change), the full form is sent instead: a longer link, never a
// different scenario.
import { restoreScenario, SCENARIO_FORMAT, SCENARIO_VERSION, describeErrors, KIND_INFO } from '../engine/scenario.ts';
import { restoreSession, restoreSessionOrScenario, type Session } from '../engine/session.ts';
import { stableStringify } from '../engine/json.ts';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);
/** Key order and `undefined` fields do not matter; JSON text does. */
const canonical = (x: unknown) => stableStringify(JSON.parse(JSON.stringify(x)));
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

const DROP = Symbol('drop');

interface Defaults {
  /** The scenario's top-level defaults (name, description, seed, edges, …). */
  scenario: Obj;
  /** A node's position and config when only `id` and `kind` are given, by kind. */
  nodes: Map<string, Obj>;
  /** Fields restore adds to an element of an array, by the array's field name ('do' by action). */
  elements: Map<string, Obj>;
}

let learned: Defaults | null = null;

/** Reads the defaults out of restoreScenario: what it adds to a minimal scenario. */
function defaults(): Defaults {
  if (learned) return learned;
  const kinds = Object.keys(KIND_INFO);
  const scenario: Obj = {};
  const nodes = new Map<string, Obj>();
  const elements = new Map<string, Obj>();
  const bare = restoreScenario({ format: SCENARIO_FORMAT, version: SCENARIO_VERSION, nodes: kinds.map((kind) => ({ id: `n-${kind}`, kind })) });
  if (bare.ok) {
    const { nodes: ns, ...top } = bare.value;
    Object.assign(scenario, top);
    delete scenario.format;
    delete scenario.version;
    for (const n of ns) nodes.set(n.kind, { position: n.position, config: n.config });
  }
  // One element of each defaulted array, with only its required fields given.
  const given = {
    template: { type: 'T' },
    increment: { do: 'increment', table: 'x', key: 'k' },
    decrement: { do: 'decrement', table: 'x', key: 'k' },
    upcaster: { type: 'T', from: 1, to: 2 },
    command: { name: 'C', emit: [{ type: 'E' }] },
    step: { name: 'S', command: { topic: 't', type: 'X' }, success: 'Y' },
  };
  const probe = restoreScenario({
    format: SCENARIO_FORMAT,
    version: SCENARIO_VERSION,
    nodes: [
      { id: 'p', kind: 'producer', config: { templates: [given.template] } },
      { id: 't', kind: 'topic' },
      { id: 'c', kind: 'consumer', config: { rules: [{ on: 'T', do: [given.increment, given.decrement] }], upcasters: [given.upcaster] } },
      { id: 'a', kind: 'aggregate', config: { commands: [given.command] } },
      { id: 's', kind: 'saga', config: { steps: [given.step] } },
    ],
    edges: [
      { source: 'p', target: 't' },
      { source: 't', target: 'c' },
      { source: 's', target: 't' },
    ],
  });
  if (probe.ok) {
    const cfg = (i: number) => probe.value.nodes[i].config as Obj;
    const added = (restored: unknown, input: Obj): Obj => {
      const out: Obj = {};
      if (isObj(restored)) for (const k of Object.keys(restored)) if (!(k in input)) out[k] = restored[k];
      return out;
    };
    const at = (x: unknown, i: number) => (Array.isArray(x) ? x[i] : undefined);
    elements.set('templates', added(at(cfg(0).templates, 0), given.template));
    const actions = at(cfg(2).rules, 0) as Obj | undefined;
    elements.set('do:increment', added(at(actions?.do, 0), given.increment));
    elements.set('do:decrement', added(at(actions?.do, 1), given.decrement));
    elements.set('upcasters', added(at(cfg(2).upcasters, 0), given.upcaster));
    elements.set('commands', added(at(cfg(3).commands, 0), given.command));
    elements.set('steps', added(at(cfg(4).steps, 0), given.step));
  }
  learned = { scenario, nodes, elements };
  return learned;
}

/** Array fields whose elements are scenario structures that may hold defaults. */
const CONTAINERS = new Set(['templates', 'rules', 'apply', 'do', 'upcasters', 'commands', 'steps']);

function elementDefaults(d: Defaults, arrayKey: string, element: unknown): Obj | undefined {
  if (arrayKey === 'do' && isObj(element)) return d.elements.get(`do:${String(element.do)}`);
  return d.elements.get(arrayKey);
}

/** `value` without what equals `dflt`, recursively; DROP when all of it is default. */
function strip(d: Defaults, value: unknown, dflt: unknown, key: string): unknown {
  if (dflt !== undefined && same(value, dflt)) return DROP;
  if (Array.isArray(value)) {
    // Only arrays of the format's own structures: never user data (an event's `data`).
    if (!CONTAINERS.has(key)) return value;
    return value.map((el) => {
      if (!isObj(el)) return el;
      const out = stripObject(d, el, elementDefaults(d, key, el) ?? {});
      return out === DROP ? {} : out;
    });
  }
  if (isObj(value) && isObj(dflt)) return stripObject(d, value, dflt);
  return value;
}

function stripObject(d: Defaults, value: Obj, dflt: Obj): Obj | typeof DROP {
  const out: Obj = {};
  for (const k of Object.keys(value)) {
    const s = strip(d, value[k], dflt[k], k);
    if (s !== DROP) out[k] = s;
  }
  return Object.keys(out).length === 0 && Object.keys(value).length > 0 ? DROP : out;
}

function compactNode(d: Defaults, node: Obj): Obj {
  const out: Obj = { ...node };
  const kind = String(node.kind);
  const nd = d.nodes.get(kind);
  if (out.label === out.id) delete out.label;
  if (isObj(out.position) && nd && same(out.position, nd.position)) delete out.position;
  if (isObj(out.config)) {
    let config = out.config;
    if (kind === 'consumer' && config.group === node.id) {
      config = { ...config };
      delete config.group;
    }
    const s = nd ? strip(d, config, nd.config, 'config') : config;
    if (s === DROP || (isObj(s) && Object.keys(s).length === 0)) delete out.config;
    else out.config = s;
  }
  return out;
}

function compactScenario(d: Defaults, scenario: Obj): Obj {
  const out: Obj = {};
  for (const k of Object.keys(scenario)) {
    const value = scenario[k];
    if (k === 'format' || k === 'version') out[k] = value;
    else if (k === 'nodes' && Array.isArray(value)) out.nodes = value.map((n) => (isObj(n) ? compactNode(d, n) : n));
    else if (k === 'edges' && Array.isArray(value)) {
      if (value.length > 0) out.edges = value.map((e) => (isObj(e) && e.id === `${String(e.source)}->${String(e.target)}` ? withoutKey(e, 'id') : e));
    } else if (!(k in d.scenario) || !same(value, d.scenario[k])) out[k] = value;
  }
  return out;
}

function withoutKey(o: Obj, key: string): Obj {
  const out = { ...o };
  delete out[key];
  return out;
}

/**
 * A copy of the session without edge ids of the form "source->target". restoreScenario
 * gives an edge without an id that name, and its own id pattern refuses the ">" on the way
 * back in (src/worker/editing.ts works around the same thing), so they must go before a
 * restored session is restored again. restoreScenario names them again the same way.
 */
export function withoutGeneratedEdgeIds(session: Session): Session {
  const edges = session.scenario.edges.map((e) => (e.id === `${e.source}->${e.target}` ? (withoutKey(e as unknown as Obj, 'id') as unknown as typeof e) : e));
  return { ...session, scenario: { ...session.scenario, edges } };
}

/** The session as a link sends it: node positions rounded to whole numbers, generated edge ids left out. */
export function prepareForRestore(session: Session): Session {
  const s = withoutGeneratedEdgeIds(session);
  return { ...s, scenario: { ...s.scenario, nodes: s.scenario.nodes.map((n) => ({ ...n, position: { x: Math.round(n.position.x), y: Math.round(n.position.y) } })) } };
}

/**
 * What a link carries for `session`: the session restored (so defaults are filled in and
 * positions rounded), then every default dropped again. Throws on a session that does
 * not pass restoreSession: only a valid session can be shared.
 */
export function compactSession(session: Session): { json: Obj; full: Session; compact: boolean } {
  const restored = restoreSession(prepareForRestore(session));
  if (!restored.ok) throw new TypeError(`Cannot share an invalid session:\n${describeErrors(restored.errors)}`);
  const full = restored.value;
  const d = defaults();
  const json: Obj = { format: full.format, version: full.version, scenario: compactScenario(d, full.scenario as unknown as Obj) };
  if (full.seed !== full.scenario.seed) json.seed = full.seed;
  if (full.inputs.length > 0) json.inputs = full.inputs;
  if (full.step !== 0) json.step = full.step;
  const back = restoreSessionOrScenario(json);
  if (back.ok && same(back.value, full)) return { json, full, compact: true };
  const safe = prepareForRestore(full) as unknown as Obj;
  return { json: safe, full, compact: false };
}
