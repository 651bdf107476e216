// Throws more than 10,000 random, truncated and mutated links at the decoder (issue 6):
// every one must open as a session that passes restoreSession, or fail with a typed
// error and a message; never throw. It calls the decoder without its last-resort catch,
// so an exception anywhere inside fails the test instead of being turned into an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { restoreSession } from '../engine/session.ts';
import { decodeWithoutSafetyNet, encodeShareLink, LINK_PREFIX, type ShareErrorKind } from './codec.ts';
import { prepareForRestore, withoutGeneratedEdgeIds } from './compact.ts';
import { toBase64url } from './base64url.ts';
import { exampleFiles, loadExample, playedExample } from './testing.ts';

const KINDS: ShareErrorKind[] = ['truncated', 'corrupted', 'too-large', 'newer-version', 'unknown-prefix', 'invalid'];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let links: string[] = [];
let sessions: unknown[] = [];
const outcomes = new Map<string, number>();
let total = 0;
const started = Date.now();

beforeAll(async () => {
  for (const file of exampleFiles()) {
    for (const s of [loadExample(file), playedExample(file)]) {
      links.push(await encodeShareLink(s));
      sessions.push(JSON.parse(JSON.stringify(prepareForRestore(s))));
    }
  }
});

afterAll(() => {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.info(`fuzzed ${total} links in ${seconds} s:`, JSON.stringify(Object.fromEntries([...outcomes].sort())));
});

/** The property every input must have. */
async function opensOrExplains(link: string): Promise<void> {
  total++;
  const r = await decodeWithoutSafetyNet(link);
  const outcome = r.ok ? 'ok' : r.error.kind;
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  if (r.ok) {
    // Restoring it again changes nothing (generated edge ids aside: see withoutGeneratedEdgeIds).
    const again = restoreSession(withoutGeneratedEdgeIds(r.session));
    if (!again.ok) throw new Error(`decoded a session restoreSession refuses: ${JSON.stringify(again.errors)}`);
    expect(again.value).toEqual(r.session);
  } else {
    expect(KINDS).toContain(r.error.kind);
    expect(typeof r.error.message).toBe('string');
    expect(r.error.message.length).toBeGreaterThan(40);
  }
}

async function zlib(text: string): Promise<string> {
  const stream = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream('deflate'));
  return toBase64url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

type Edit = { at: number; op: 'replace' | 'delete' | 'insert' | 'swap' | 'repeat'; char: string };
function applyEdits(link: string, edits: Edit[]): string {
  let s = link;
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

const char = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...B64) },
  { weight: 1, arbitrary: fc.constantFrom('=', '.', '#', '%', ' ', '\n', '+', '/', 'é', '\u0000') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const edit = fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'delete', 'insert', 'swap', 'repeat'), char }) as fc.Arbitrary<Edit>;

/** Every path to a value inside a JSON value. */
function paths(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}
function mutateJson(value: unknown, path: (string | number)[], op: 'set' | 'delete' | 'add', replacement: unknown, key: string): unknown {
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

// Thousands of decodes per test: seconds alone, more on a loaded machine (never a speed claim).
describe('the decoder under fuzzing: a valid session or a typed error, never an exception', { timeout: 120_000 }, () => {
  const runs = { truncated: 2_000, mutated: 5_000, randomPayload: 1_500, randomPrefix: 1_000, mutatedJson: 2_500 };

  it(`${runs.truncated.toLocaleString('en-US')} real links cut at random points`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (which, at) => {
        const link = links[which % links.length];
        await opensOrExplains(link.slice(0, at % link.length));
      }),
      { numRuns: runs.truncated },
    );
  });

  it(`${runs.mutated.toLocaleString('en-US')} real links with characters replaced, deleted, inserted, swapped or repeated`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 4 }), async (which, edits) => {
        await opensOrExplains(applyEdits(links[which % links.length], edits));
      }),
      { numRuns: runs.mutated },
    );
  });

  it(`${runs.randomPayload.toLocaleString('en-US')} random payloads after the right prefix`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: fc.constantFrom(...B64), maxLength: 3000 }), fc.string({ maxLength: 200 })), async (payload) => {
        await opensOrExplains(LINK_PREFIX + payload);
      }),
      { numRuns: runs.randomPayload },
    );
  });

  it(`${runs.randomPrefix.toLocaleString('en-US')} random prefixes, before real or random payloads`, async () => {
    const prefix = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.tuple(fc.constantFrom('s', 'S', 'x', ''), fc.nat({ max: 100_000 }), fc.string({ unit: fc.constantFrom(...'abcxyz'), maxLength: 3 }), fc.constantFrom('.', '', '..', '#')).map(
        ([a, n, c, dot]) => `${a}${n}${c}${dot}`,
      ),
      fc.constantFrom('#', 'https://example.org/#', 'https://example.org/?s1z.#', ' #'),
    );
    await fc.assert(
      fc.asyncProperty(prefix, fc.nat(), fc.boolean(), async (p, which, strip) => {
        const link = links[which % links.length];
        await opensOrExplains(p + (strip ? link.slice(LINK_PREFIX.length) : link));
      }),
      { numRuns: runs.randomPrefix },
    );
  });

  it(`${runs.mutatedJson.toLocaleString('en-US')} well-formed links around sessions changed at random (the scenario format under fuzzing)`, async () => {
    const replacement = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(-1, 0, 1, 1e300, 2 ** 32, 0.5, '', 'orders', 'x->y', '__proto__', null, [], {}, { x: 1, y: 2 }, 'eventfold/scenario', 2),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'delete', 'add'), replacement, fc.constantFrom('id', 'kind', 'config', 'x', 'version', 'format', 'constructor', '__proto__')), {
          minLength: 1,
          maxLength: 3,
        }),
        async (which, changes) => {
          let json = sessions[which % sessions.length];
          for (const [at, op, value, key] of changes) {
            const all = paths(json);
            json = mutateJson(json, all[at % all.length], op as 'set' | 'delete' | 'add', value, key);
          }
          await opensOrExplains(LINK_PREFIX + (await zlib(JSON.stringify(json) ?? 'null')));
        },
      ),
      { numRuns: runs.mutatedJson },
    );
  });

  it('ran at least 10,000 links, and every kind of outcome came up', () => {
    expect(total).toBeGreaterThanOrEqual(10_000);
    for (const k of ['ok', 'truncated', 'corrupted', 'unknown-prefix', 'invalid', 'newer-version']) expect(outcomes.get(k), k).toBeGreaterThan(0);
  });
});
