// What the fuzz tests throw at the two ways a scenario comes in from outside (issue 14):
// share links (src/share/codec.ts) and workspace files (src/persist/files.ts). Shared by
// the Node fuzz tests and the end-to-end test that opens a sample of them in the built site.
//
//   generated  random topologies (producers, topics, a queue, consumers with rules, a
//              projection; labels full of markup and odd characters), played in the engine
//              with random fires, crashes, duplicates and steps: realistic valid sessions;
//   mutated    those and the examples cut, with characters changed, with JSON changed at
//              random paths, wrapped in wrong envelopes, nested absurdly deep.
//
// And the oracle: an input accepted must be a session that restores again to itself and runs
// in the engine (`runsInEngine`); "0 invalid scenarios accepted" means no accepted input fails it.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../src/engine/engine.ts';
import { restoreScenario, SCENARIO_FORMAT, SCENARIO_VERSION } from '../../src/engine/scenario.ts';
import { restoreSession, restoreSessionOrScenario, SESSION_FORMAT, SESSION_VERSION, type Session } from '../../src/engine/session.ts';
import { toBase64url } from '../../src/share/base64url.ts';
import { encodeShareLink, LINK_PREFIX } from '../../src/share/codec.ts';
import { prepareForRestore } from '../../src/share/compact.ts';
import '../../src/engine/kinds/all.ts'; // every optional engine module (kinds/index.ts OPTIONAL)

// ---------------------------------------------------------------------------- sources

const EXAMPLES = fileURLToPath(new URL('../../src/examples/', import.meta.url));

/** Every example in src/examples as a session. */
export function exampleSessions(): Session[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const r = restoreSessionOrScenario(JSON.parse(readFileSync(EXAMPLES + f, 'utf8')));
      if (!r.ok) throw new Error(`${f} does not restore`);
      return r.value;
    });
}

/** Labels a learner or an attacker might type: markup, template syntax, bidi marks, emoji. */
const NASTY_TEXT = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=1</script>',
  '"><svg onload=window.__pwned=1>',
  '{{constructor.constructor("window.__pwned=1")()}}',
  '${window.__pwned=1}',
  'javascript:window.__pwned=1',
  '\u202Eevil\u202C',
  'Zalgo z̴̢̛a̵l̷g̸o',
  '👩‍💻 orders',
  '   padded   ',
  'line\nbreak',
  '__proto__',
  'constructor',
];
const label = fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) }, { weight: 2, arbitrary: fc.constantFrom(...NASTY_TEXT) });
const eventType = fc.constantFrom('OrderPlaced', 'PaymentTaken', 'ItemShipped', 'Refunded', 'X', 'Order.Placed.v2');
const key = fc.option(fc.oneof(fc.constantFrom('ORD-1', 'ORD-2', 'acc-1', ''), fc.string({ maxLength: 12 })), { nil: null });
const smallJson = fc.jsonValue({ maxDepth: 2 }).filter((j) => JSON.stringify(j).length < 400);

/** A scenario as a learner could have drawn it (as JSON input: it still goes through restoreScenario). */
export const scenarioInput: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    name: label,
    seed: fc.nat({ max: 2 ** 32 - 1 }),
    topics: fc.array(fc.record({ label, partitions: fc.integer({ min: 1, max: 8 }) }), { minLength: 1, maxLength: 3 }),
    queue: fc.option(fc.record({ label, visibilityTimeoutMs: fc.integer({ min: 1, max: 2000 }), maxReceiveCount: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }) }), { nil: null }),
    producers: fc.array(
      fc.record({
        label,
        pattern: fc.constantFrom('direct', 'dual-write', 'outbox'),
        idempotent: fc.boolean(),
        rate: fc.option(fc.record({ perSecond: fc.integer({ min: 1, max: 50 }), limit: fc.integer({ min: 1, max: 30 }) }), { nil: null }),
        templates: fc.array(fc.record({ type: eventType, key, data: smallJson, schemaVersion: fc.integer({ min: 1, max: 3 }), to: fc.nat() }), { minLength: 1, maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    consumers: fc.array(
      fc.record({
        label,
        from: fc.nat(),
        group: fc.constantFrom('g1', 'g2', null),
        commit: fc.constantFrom('after', 'before'),
        processingMs: fc.integer({ min: 0, max: 50 }),
        idempotency: fc.constantFrom('none', 'processed-ids', 'version', 'natural'),
        retries: fc.integer({ min: 1, max: 3 }),
        rules: fc.array(
          fc.record({
            on: fc.oneof(eventType, fc.constant('*')),
            action: fc.constantFrom('set', 'increment', 'append', 'effect', 'emit'),
            guard: fc.boolean(),
            emitTo: fc.nat(),
          }),
          { maxLength: 3 },
        ),
      }),
      { minLength: 0, maxLength: 3 },
    ),
    projection: fc.boolean(),
  })
  .map((g) => {
    const nodes: Record<string, unknown>[] = [];
    const edges: Record<string, unknown>[] = [];
    let x = 0;
    const at = () => ({ x: (x++ % 4) * 220, y: Math.floor(x / 4) * 160 });
    const topics = g.topics.map((t, i) => `t${i}`);
    g.topics.forEach((t, i) => nodes.push({ id: topics[i], kind: 'topic', label: t.label, position: at(), config: { partitions: t.partitions } }));
    const channels = [...topics];
    if (g.queue) {
      nodes.push({ id: 'q0', kind: 'queue', label: g.queue.label, position: at(), config: { visibilityTimeoutMs: g.queue.visibilityTimeoutMs, maxReceiveCount: g.queue.maxReceiveCount } });
      channels.push('q0');
    }
    g.producers.forEach((p, i) => {
      const id = `p${i}`;
      const wired = new Set<string>();
      const templates = p.templates.map((t) => {
        const topic = channels[t.to % channels.length];
        wired.add(topic);
        return { type: t.type, key: t.key, data: t.data, topic, schemaVersion: t.schemaVersion };
      });
      nodes.push({ id, kind: 'producer', label: p.label, position: at(), config: { templates, pattern: p.pattern, idempotent: p.idempotent, rate: p.rate } });
      for (const topic of wired) edges.push({ source: id, target: topic });
    });
    g.consumers.forEach((c, i) => {
      const id = `c${i}`;
      const from = channels[c.from % channels.length];
      edges.push({ source: from, target: id });
      const emitsTo = new Set<string>();
      const rules = c.rules.map((r) => {
        const when = r.guard ? { op: 'exists', value: { event: 'data' } } : undefined;
        const k = { event: 'key' };
        let action: Record<string, unknown>;
        if (r.action === 'set') action = { do: 'set', table: 'seen', key: k, value: { event: 'type' } };
        else if (r.action === 'increment') action = { do: 'increment', table: 'count', key: k, by: 1 };
        else if (r.action === 'append') action = { do: 'append', table: 'log', key: k, value: { event: 'id' } };
        else if (r.action === 'effect') action = { do: 'effect', name: 'send-email', key: k };
        else {
          // Emitting to the topic it reads would loop forever: emit to another, if any.
          const targets = topics.filter((t) => t !== from);
          if (targets.length === 0) action = { do: 'effect', name: 'charge-card', key: k };
          else {
            const topic = targets[r.emitTo % targets.length];
            emitsTo.add(topic);
            action = { do: 'emit', topic, type: 'Derived', key: k, data: { from: { event: 'id' } } };
          }
        }
        return when ? { on: r.on, when, do: [action] } : { on: r.on, do: [action] };
      });
      for (const t of emitsTo) edges.push({ source: id, target: t });
      nodes.push({
        id,
        kind: 'consumer',
        label: c.label,
        position: at(),
        config: { ...(c.group ? { group: c.group } : {}), commit: c.commit, processingMs: c.processingMs, idempotency: c.idempotency, retry: { maxAttempts: c.retries }, rules },
      });
    });
    if (g.projection) {
      nodes.push({ id: 'v0', kind: 'projection', label: 'read model', position: at(), config: { rules: [{ on: '*', do: [{ do: 'increment', table: 'events', key: { event: 'type' }, by: 1 }] }] } });
      edges.push({ source: topics[0], target: 'v0' });
    }
    return { format: SCENARIO_FORMAT, version: SCENARIO_VERSION, name: g.name, seed: g.seed, nodes, edges };
  });

type Move = { op: 'fire'; who: number; template: number } | { op: 'crash' | 'restart'; who: number } | { op: 'duplicate'; who: number; event: number } | { op: 'step'; n: number };
const move: fc.Arbitrary<Move> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('fire' as const), who: fc.nat(), template: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('crash' as const, 'restart' as const), who: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), who: fc.nat(), event: fc.nat({ max: 10 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('step' as const), n: fc.integer({ min: 1, max: 15 }) }) },
);

/** A generated scenario played a little in the engine: a session as the app would save it (null if refused). */
export const generatedSession: fc.Arbitrary<Session | null> = fc.tuple(scenarioInput, fc.array(move, { maxLength: 12 }), fc.boolean()).map(([input, moves, rewind]) => {
  const restored = restoreScenario(input);
  if (!restored.ok) return null;
  const scenario = restored.value;
  const engine = createEngine(scenario, { seed: scenario.seed });
  engine.runUntil(0);
  const producers = scenario.nodes.filter((n) => n.kind === 'producer');
  const consumers = scenario.nodes.filter((n) => n.kind === 'consumer');
  for (const m of moves) {
    if (m.op === 'step') engine.stepForward(m.n);
    else if (m.op === 'fire' && producers.length > 0) {
      const p = producers[m.who % producers.length];
      engine.act({ kind: 'fire', node: p.id, template: m.template % Math.max(1, p.kind === 'producer' ? p.config.templates.length : 1) });
    } else if (consumers.length > 0 && m.op !== 'fire') {
      const c = consumers[m.who % consumers.length].id;
      if (m.op === 'duplicate') engine.act({ kind: 'duplicate', node: c, event: `evt-${m.event}` });
      else engine.act({ kind: m.op, node: c });
    }
  }
  // Sometimes the learner stepped back: the session then holds a recorded future.
  if (rewind && engine.step > 2) engine.seek(Math.floor(engine.step / 2));
  const s = engine.session();
  return { format: SESSION_FORMAT, version: SESSION_VERSION, scenario, seed: s.seed, inputs: s.inputs, step: s.step };
});

// ---------------------------------------------------------------------------- the oracle

/** The furthest step the oracle replays to (a mutated `step` may ask for up to 2,000,000). */
const ORACLE_STEPS = 20_000;

/**
 * Null when the session is one the app can run: it restores again to itself (generated
 * edge ids aside) and the engine builds it, replays its inputs to its step (at most
 * 20,000) and runs 100 steps on without throwing. Otherwise what is wrong with it.
 */
export function invalidAccepted(session: Session): string | null {
  const again = restoreSession(JSON.parse(JSON.stringify(prepareForRestore(session))));
  if (!again.ok) return `accepted a session that does not restore again: ${JSON.stringify(again.errors).slice(0, 300)}`;
  try {
    const e = createEngine(session.scenario, { seed: session.seed, inputs: session.inputs });
    e.runUntil(0);
    if (session.step > e.step) e.seek(Math.min(session.step, ORACLE_STEPS));
    e.stepForward(100);
    e.view();
    return null;
  } catch (err) {
    return `accepted a session the engine cannot run: ${(err as Error).stack ?? err}`;
  }
}

// ---------------------------------------------------------------------------- mutations

/** Every path to a value inside a JSON value. */
export function paths(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

export function mutateJson(value: unknown, path: (string | number)[], op: 'set' | 'delete' | 'add', replacement: unknown, key: string): unknown {
  const copy = JSON.parse(JSON.stringify(value));
  if (path.length === 0) return op === 'set' ? replacement : copy;
  let parent = copy;
  for (const p of path.slice(0, -1)) parent = parent[p];
  const last = path[path.length - 1];
  if (op === 'set') parent[last] = replacement;
  else if (op === 'delete') Array.isArray(parent) ? parent.splice(last as number, 1) : delete parent[last];
  else if (parent[last] && typeof parent[last] === 'object' && !Array.isArray(parent[last])) parent[last][key] = replacement;
  else parent[last] = replacement;
  return copy;
}

const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(-1, 0, 1, 1e300, 2 ** 32, 0.5, '', 'orders', 'x->y', '__proto__', null, [], {}, { x: 1, y: 2 }, 'eventfold/scenario', 'eventfold/session', 2, 1_999_999, ...NASTY_TEXT),
);
export type JsonChange = [number, 'set' | 'delete' | 'add', unknown, string];
export const jsonChanges: fc.Arbitrary<JsonChange[]> = fc.array(
  fc.tuple(fc.nat(), fc.constantFrom('set' as const, 'delete' as const, 'add' as const), replacement, fc.constantFrom('id', 'kind', 'config', 'x', 'version', 'format', 'constructor', '__proto__', 'step', 'inputs')),
  { minLength: 1, maxLength: 3 },
);
export function applyJsonChanges(json: unknown, changes: JsonChange[]): unknown {
  let out = json;
  for (const [at, op, value, key] of changes) {
    const all = paths(out);
    out = mutateJson(out, all[at % all.length], op, value, key);
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export type TextEdit = { at: number; op: 'replace' | 'delete' | 'insert' | 'swap' | 'repeat'; char: string };
export function applyEdits(text: string, edits: TextEdit[]): string {
  let s = text;
  for (const e of edits) {
    const i = s.length === 0 ? 0 : e.at % s.length;
    if (e.op === 'replace') s = s.slice(0, i) + e.char + s.slice(i + 1);
    else if (e.op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
    else if (e.op === 'insert') s = s.slice(0, i) + e.char + s.slice(i);
    else if (e.op === 'swap') s = s.slice(0, i) + s.slice(i + 1, i + 2) + s.slice(i, i + 1) + s.slice(i + 2);
    else s = s.slice(0, i) + s.slice(i, i + 20) + s.slice(i);
  }
  return s;
}
const linkChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...B64) },
  { weight: 1, arbitrary: fc.constantFrom('=', '.', '#', '%', ' ', '\n', '+', '/', 'é', '\u0000') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const jsonChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', '0', '-', 'e', 'n', ' ') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
export const linkEdits = fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'delete', 'insert', 'swap', 'repeat'), char: linkChar }) as fc.Arbitrary<TextEdit>, { minLength: 1, maxLength: 4 });
export const jsonEdits = fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'delete', 'insert', 'swap', 'repeat'), char: jsonChar }) as fc.Arbitrary<TextEdit>, { minLength: 1, maxLength: 4 });

export type DeepPlace = 'template' | 'bare' | 'workspaces' | 'condition' | 'expr';
export const DEEP_PLACES: DeepPlace[] = ['template', 'bare', 'workspaces', 'condition', 'expr'];

/** JSON nested `depth` deep at a place the format reads (a template's data, a rule's
 * condition or expression, an export's session), or bare. Built as text: too deep for JSON.stringify. */
export function deepJson(depth: number, where: DeepPlace): string {
  const deep = '['.repeat(depth) + ']'.repeat(depth);
  const consumer = (rule: string) => `{"format":"eventfold/scenario","version":1,"nodes":[{"id":"c","kind":"consumer","config":{"rules":[${rule}]}}]}`;
  switch (where) {
    case 'bare':
      return deep;
    case 'workspaces':
      return `{"format":"eventfold/workspace-export","version":1,"workspaces":[{"name":"deep","session":${deep}}]}`;
    case 'condition':
      return consumer(`{"on":"*","when":${'{"op":"not","cond":'.repeat(depth)}{"op":"exists","value":1}${'}'.repeat(depth)},"do":[]}`);
    case 'expr':
      return consumer(`{"on":"*","do":[{"do":"set","table":"t","key":${'{"state":"t","key":'.repeat(depth)}1${'}'.repeat(depth)},"value":1}]}`);
    default:
      return `{"format":"eventfold/scenario","version":1,"nodes":[{"id":"p","kind":"producer","config":{"templates":[{"type":"T","data":${deep}}]}}]}`;
  }
}

// ---------------------------------------------------------------------------- links and files

export async function zlibLink(text: string): Promise<string> {
  const stream = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream('deflate'));
  return LINK_PREFIX + toBase64url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

/** A workspace export file holding these sessions (and some lesson progress). */
export function workspaceFileText(sessions: readonly Session[], names: readonly string[] = []): string {
  return JSON.stringify(
    {
      format: 'eventfold/workspace-export',
      version: 1,
      scope: sessions.length === 1 ? 'workspace' : 'all',
      exportedAt: '2026-11-22T09:00:00.000Z',
      workspaces: sessions.map((s, i) => ({ name: names[i] ?? s.scenario.name, origin: 'blank', createdAt: 1, updatedAt: 2, session: prepareForRestore(s) })),
      lessons: [{ id: 'fan-out', version: 1, state: 'done', withHelp: false, hintsShown: 0, step: 'watch' }],
    },
    null,
    2,
  );
}

/** One input for the app: a share link (the fragment, without '#') or a file's text. */
export interface FuzzCase {
  kind: 'link' | 'file';
  /** How it was made, for the report. */
  how: string;
  text: string;
}

type Recipe =
  | { how: 'generated link'; s: number }
  | { how: 'cut link'; s: number; at: number }
  | { how: 'edited link'; s: number; edits: TextEdit[] }
  | { how: 'link around changed JSON'; s: number; changes: JsonChange[] }
  | { how: 'generated file'; s: number[] }
  | { how: 'file with changed JSON'; s: number; changes: JsonChange[]; whole: boolean }
  | { how: 'edited file'; s: number; edits: TextEdit[] }
  | { how: 'cut file'; s: number; at: number }
  | { how: 'deep file'; depth: number; where: DeepPlace };

const recipe: fc.Arbitrary<Recipe> = fc.oneof(
  fc.record({ how: fc.constant('generated link' as const), s: fc.nat() }),
  fc.record({ how: fc.constant('cut link' as const), s: fc.nat(), at: fc.nat() }),
  fc.record({ how: fc.constant('edited link' as const), s: fc.nat(), edits: linkEdits }),
  fc.record({ how: fc.constant('link around changed JSON' as const), s: fc.nat(), changes: jsonChanges }),
  fc.record({ how: fc.constant('generated file' as const), s: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }),
  fc.record({ how: fc.constant('file with changed JSON' as const), s: fc.nat(), changes: jsonChanges, whole: fc.boolean() }),
  fc.record({ how: fc.constant('edited file' as const), s: fc.nat(), edits: jsonEdits }),
  fc.record({ how: fc.constant('cut file' as const), s: fc.nat(), at: fc.nat() }),
  fc.record({ how: fc.constant('deep file' as const), depth: fc.constantFrom(65, 1_000, 20_000), where: fc.constantFrom(...DEEP_PLACES) }),
);

/**
 * `count` inputs, links and files mixed, made from `seed` (the same seed, the same inputs):
 * for the end-to-end test, which opens each in the built site.
 */
export async function sampleCases(count: number, seed: number): Promise<FuzzCase[]> {
  const sessions = [...exampleSessions(), ...fc.sample(generatedSession, { numRuns: 40, seed }).filter((s): s is Session => s !== null)];
  const links = await Promise.all(sessions.map((s) => encodeShareLink(s)));
  const out: FuzzCase[] = [];
  for (const r of fc.sample(recipe, { numRuns: count, seed: seed + 1 })) {
    const pick = (n: number) => sessions[n % sessions.length];
    const json = (n: number) => JSON.parse(JSON.stringify(prepareForRestore(pick(n))));
    switch (r.how) {
      case 'generated link':
        out.push({ kind: 'link', how: r.how, text: links[r.s % links.length] });
        break;
      case 'cut link': {
        const l = links[r.s % links.length];
        out.push({ kind: 'link', how: r.how, text: l.slice(0, r.at % l.length) });
        break;
      }
      case 'edited link':
        out.push({ kind: 'link', how: r.how, text: applyEdits(links[r.s % links.length], r.edits) });
        break;
      case 'link around changed JSON':
        out.push({ kind: 'link', how: r.how, text: await zlibLink(JSON.stringify(applyJsonChanges(json(r.s), r.changes)) ?? 'null') });
        break;
      case 'generated file':
        out.push({ kind: 'file', how: r.how, text: workspaceFileText(r.s.map(pick)) });
        break;
      case 'file with changed JSON': {
        const text = r.whole ? JSON.parse(workspaceFileText([pick(r.s)])) : json(r.s);
        out.push({ kind: 'file', how: r.how, text: JSON.stringify(applyJsonChanges(text, r.changes)) ?? 'null' });
        break;
      }
      case 'edited file':
        out.push({ kind: 'file', how: r.how, text: applyEdits(workspaceFileText([pick(r.s)]), r.edits) });
        break;
      case 'cut file': {
        const t = workspaceFileText([pick(r.s)]);
        out.push({ kind: 'file', how: r.how, text: t.slice(0, r.at % t.length) });
        break;
      }
      case 'deep file':
        out.push({ kind: 'file', how: r.how, text: deepJson(r.depth, r.where) });
        break;
    }
  }
  return out;
}
