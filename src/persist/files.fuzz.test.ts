// Throws 10,000 generated and mutated workspace files at the importer (issue 14): every one
// must either be refused with errors that name a field, or give sessions that restore
// again and run in the engine (tests/fuzz/corpus.ts's oracle); none may throw. Accepted
// files are imported into a repo that already holds the learner's work, which must come
// out untouched. parseImport has no safety net: an exception anywhere fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Session } from '../engine/session.ts';
import { applyEdits, applyJsonChanges, DEEP_PLACES, deepJson, exampleSessions, generatedSession, invalidAccepted, jsonChanges, jsonEdits, workspaceFileText } from '../../tests/fuzz/corpus.ts';
import { importInto, parseImport } from './files.ts';
import { createMemoryRepo } from './repo.ts';
import { prepareForRestore } from '../share/compact.ts';

let pool: Session[] = [];
const outcomes = new Map<string, number>();
const invalid: string[] = [];
let total = 0;
let accepted = 0;
const started = Date.now();

beforeAll(() => {
  pool = [...exampleSessions(), ...fc.sample(generatedSession, { numRuns: 60, seed: 14 }).filter((s): s is Session => s !== null)];
});

afterAll(() => {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.info(`fuzzed ${total} workspace files in ${seconds} s (${accepted} accepted, ${invalid.length} invalid accepted):`, JSON.stringify(Object.fromEntries([...outcomes].sort())));
});

const T0 = Date.UTC(2026, 10, 22, 9);

/** The property every file must have. */
async function importsOrExplains(text: string): Promise<void> {
  total++;
  const r = parseImport(text);
  if (!r.ok) {
    const first = r.errors[0];
    const head = first ? first.path.split(/[.[]/)[0] : '(none)';
    outcomes.set(`refused ${head}`, (outcomes.get(`refused ${head}`) ?? 0) + 1);
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) {
      expect(e.path.length).toBeGreaterThan(0);
      expect(e.message.length).toBeGreaterThan(3);
    }
    return;
  }
  accepted++;
  outcomes.set('accepted', (outcomes.get('accepted') ?? 0) + 1);
  for (const w of r.value.workspaces) {
    const bad = invalidAccepted(w.session);
    if (bad) invalid.push(bad);
    expect(bad).toBeNull();
  }
  // Imported next to the learner's own workspace, which must not change.
  const repo = createMemoryRepo();
  const mine = await repo.create({ name: 'My work', origin: 'blank', session: pool[0] }, T0);
  if (!mine.ok) throw new Error(mine.error.message);
  const before = await repo.open(mine.value.id);
  const done = await importInto(repo, r.value, T0 + 1);
  expect(done.ok).toBe(true);
  const after = await repo.open(mine.value.id);
  expect(after).toEqual(before);
}

const pick = (n: number) => pool[n % pool.length];
const asJson = (s: Session) => JSON.parse(JSON.stringify(prepareForRestore(s)));

describe('workspace files under fuzzing: refused with a named field, or valid sessions; never an exception', { timeout: 300_000 }, () => {
  const runs = { generated: 1_500, changedJson: 4_000, edited: 2_500, cut: 1_500, odd: 500 };

  it(`${runs.generated.toLocaleString('en-US')} generated files: exports of random played topologies, bare sessions and scenarios`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(generatedSession, { minLength: 1, maxLength: 3 }), fc.constantFrom('export', 'session', 'scenario'), async (made, shape) => {
        const sessions = made.filter((s): s is Session => s !== null);
        if (sessions.length === 0) return importsOrExplains('{}');
        if (shape === 'export') return importsOrExplains(workspaceFileText(sessions));
        const s = asJson(sessions[0]);
        return importsOrExplains(JSON.stringify(shape === 'session' ? s : s.scenario));
      }),
      { numRuns: runs.generated },
    );
  });

  it(`${runs.changedJson.toLocaleString('en-US')} files whose JSON was changed at random paths (the export, session and scenario formats under fuzzing)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom('export', 'session', 'scenario'), jsonChanges, async (which, shape, changes) => {
        const s = pick(which);
        const json = shape === 'export' ? JSON.parse(workspaceFileText([s, pick(which + 1)])) : shape === 'session' ? asJson(s) : asJson(s).scenario;
        await importsOrExplains(JSON.stringify(applyJsonChanges(json, changes)) ?? 'null');
      }),
      { numRuns: runs.changedJson },
    );
  });

  it(`${runs.edited.toLocaleString('en-US')} files with characters replaced, deleted, inserted, swapped or repeated`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), jsonEdits, async (which, edits) => {
        await importsOrExplains(applyEdits(workspaceFileText([pick(which)]), edits));
      }),
      { numRuns: runs.edited },
    );
  });

  it(`${runs.cut.toLocaleString('en-US')} files cut at random points`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (which, at) => {
        const text = workspaceFileText([pick(which), pick(which + 3)]);
        await importsOrExplains(text.slice(0, at % text.length));
      }),
      { numRuns: runs.cut },
    );
  });

  it(`${runs.odd.toLocaleString('en-US')} odd files: nested absurdly deep, wrong envelopes, not JSON at all`, async () => {
    const odd = fc.oneof(
      fc.tuple(fc.integer({ min: 60, max: 50_000 }), fc.constantFrom(...DEEP_PLACES)).map(([d, w]) => deepJson(d, w)),
      fc.constantFrom('', ' ', 'null', '[]', '"text"', '42', '{"format":"eventfold/workspace-export","version":99,"workspaces":[]}', '{"format":"eventfold/workspace-export","version":1,"workspaces":{}}', '\uFEFF{}', '{"format":"eventfold/session","version":1,"scenario":null}'),
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j)),
    );
    await fc.assert(fc.asyncProperty(odd, importsOrExplains), { numRuns: runs.odd });
  });

  it('ran at least 10,000 files; some were accepted, none of them invalid', () => {
    expect(total).toBeGreaterThanOrEqual(10_000);
    expect(accepted).toBeGreaterThan(1_000);
    expect(invalid).toEqual([]);
  });
});
