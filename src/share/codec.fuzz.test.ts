// Throws more than 10,000 generated, random, truncated and mutated links at the decoder
// (issues 6 and 14): every one must open as a session that restores again and runs in the
// engine (tests/fuzz/corpus.ts's oracle), or fail with a typed error and a message; never
// throw. It calls the decoder without its last-resort catch, so an exception anywhere
// inside fails the test instead of being turned into an error. Workspace files get the
// same treatment in src/persist/files.fuzz.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { restoreSession } from '../engine/session.ts';
import { decodeWithoutSafetyNet, encodeShareLink, LINK_PREFIX, type ShareErrorKind } from './codec.ts';
import { prepareForRestore, withoutGeneratedEdgeIds } from './compact.ts';
import { exampleFiles, loadExample, playedExample } from './testing.ts';
import { applyEdits, applyJsonChanges, generatedSession, invalidAccepted, jsonChanges, linkEdits, zlibLink } from '../../tests/fuzz/corpus.ts';
import type { Session } from '../engine/session.ts';

const KINDS: ShareErrorKind[] = ['truncated', 'corrupted', 'too-large', 'newer-version', 'unknown-prefix', 'invalid'];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const invalid: string[] = [];

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
  console.info(`fuzzed ${total} links in ${seconds} s (${invalid.length} invalid accepted):`, JSON.stringify(Object.fromEntries([...outcomes].sort())));
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
    // And the engine runs it: no invalid scenario gets in.
    const bad = invalidAccepted(r.session);
    if (bad) invalid.push(bad);
    expect(bad).toBeNull();
  } else {
    expect(KINDS).toContain(r.error.kind);
    expect(typeof r.error.message).toBe('string');
    expect(r.error.message.length).toBeGreaterThan(40);
  }
}

// Thousands of decodes per test: seconds alone, more on a loaded machine (never a speed claim).
describe('the decoder under fuzzing: a valid session or a typed error, never an exception', { timeout: 120_000 }, () => {
  const runs = { truncated: 2_000, mutated: 5_000, randomPayload: 1_500, randomPrefix: 1_000, mutatedJson: 2_500, generated: 1_500 };

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
      fc.asyncProperty(fc.nat(), linkEdits, async (which, edits) => {
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
    await fc.assert(
      fc.asyncProperty(fc.nat(), jsonChanges, async (which, changes) => {
        await opensOrExplains(await zlibLink(JSON.stringify(applyJsonChanges(sessions[which % sessions.length], changes)) ?? 'null'));
      }),
      { numRuns: runs.mutatedJson },
    );
  });

  it(`${runs.generated.toLocaleString('en-US')} links of generated topologies played at random, whole, cut or edited`, async () => {
    await fc.assert(
      fc.asyncProperty(generatedSession, fc.constantFrom('whole', 'cut', 'edited'), fc.nat(), linkEdits, async (s, how, at, edits) => {
        if (s === null) return;
        const link = await encodeShareLink(s as Session);
        await opensOrExplains(how === 'whole' ? link : how === 'cut' ? link.slice(0, at % link.length) : applyEdits(link, edits));
      }),
      { numRuns: runs.generated },
    );
  });

  it('ran at least 10,000 links, and every kind of outcome came up', () => {
    expect(total).toBeGreaterThanOrEqual(10_000);
    expect(invalid).toEqual([]);
    for (const k of ['ok', 'truncated', 'corrupted', 'unknown-prefix', 'invalid', 'newer-version']) expect(outcomes.get(k), k).toBeGreaterThan(0);
  });
});
