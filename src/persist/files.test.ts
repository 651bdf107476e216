import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { restoreSessionOrScenario, type Session } from '../engine/session.ts';
import fanOutJson from '../examples/fan-out.json';
import keyedCrashJson from '../examples/keyed-crash.session.json';
import ledgerJson from '../examples/ledger.json';
import { faultyBackend } from './backend.ts';
import { exportEverything, exportFileName, exportText, exportWorkspace, importErrorMessage, importInto, parseImport, EXPORT_FORMAT, type WorkspaceExport } from './files.ts';
import { createMemoryRepo } from './repo.ts';
import { CHALLENGE_PROGRESS_KEY } from '../challenges/progress.ts';
import type { Result } from './types.ts';

const T0 = Date.UTC(2026, 10, 22, 9, 0, 0);
function session(data: unknown): Session {
  const r = restoreSessionOrScenario(data);
  if (!r.ok) throw new Error('example refused');
  return r.value;
}
function ok<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.value;
}
function plan(text: string) {
  const r = parseImport(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
function refused(text: string) {
  const r = parseImport(text);
  if (r.ok) throw new Error('expected the file to be refused');
  return r.errors;
}

describe('export', () => {
  it('one workspace: a self-describing file that imports back to the same session', async () => {
    const repo = createMemoryRepo();
    const w = ok(await repo.create({ name: 'Crash study', origin: 'link', session: session(keyedCrashJson) }, T0));
    const file = ok(await exportWorkspace(repo, w.id, T0));
    expect(file).toMatchObject({ format: EXPORT_FORMAT, version: 1, scope: 'workspace', exportedAt: '2026-11-22T09:00:00.000Z', lessons: [] });
    expect(file.workspaces).toHaveLength(1);
    expect(file.workspaces[0]).toMatchObject({ name: 'Crash study', origin: 'link', createdAt: T0, updatedAt: T0 });
    expect(exportFileName(file)).toBe('eventfold-crash-study-2026-11-22.json');

    const text = exportText(file);
    expect(text).not.toMatch(/"id": "[^"]*->/); // generated edge ids stay out of files
    const other = createMemoryRepo();
    const r = await importInto(other, plan(text), T0 + 1);
    expect(r.ok).toBe(true);
    const list = ok(await other.list());
    expect(list).toMatchObject([{ name: 'Crash study', origin: 'file', rev: 1 }]);
    expect(ok(await other.open(list[0].id)).session).toEqual(session(keyedCrashJson));
  });

  it('everything: all workspaces, the unsaved copies among them, and lesson progress', async () => {
    let full = false;
    const repo = createMemoryRepo({ wrapBackend: (b) => faultyBackend(b, () => (full ? new DOMException('full', 'QuotaExceededError') : null)) });
    const a = ok(await repo.create({ name: 'A', origin: 'blank', session: session(fanOutJson) }, T0));
    ok(await repo.create({ name: 'B', origin: 'lesson', lesson: '02-ledger', session: session(ledgerJson) }, T0 + 1));
    ok(await repo.saveLessonProgress({ id: 'fan-out', version: 1, state: 'done', withHelp: false, hintsShown: 0, step: 'watch' }));
    full = true;
    expect((await repo.save(a.id, { ...session(fanOutJson), step: 3 }, { rev: 1, now: T0 + 2 })).ok).toBe(false);

    const { file, skipped } = ok(await exportEverything(repo, T0 + 3));
    expect(skipped).toEqual([]);
    expect(file.scope).toBe('all');
    expect(exportFileName(file)).toBe('eventfold-all-2026-11-22.json');
    expect(file.workspaces.map((w) => [w.name, w.origin, w.lesson, w.session.step])).toEqual([
      ['A', 'blank', undefined, 3],
      ['B', 'lesson', '02-ledger', 0],
    ]);
    expect(file.lessons).toEqual([{ id: 'fan-out', version: 1, state: 'done', withHelp: false, hintsShown: 0, step: 'watch' }]);
  });
});

describe('challenge progress in a file', () => {
  const pass = (schedules: number) => ({ revision: 1, schedules, at: T0 });

  it('an export of everything carries the passes, and names each design by its index among the exported workspaces', async () => {
    const repo = createMemoryRepo();
    ok(await repo.create({ name: 'Notes', origin: 'blank', session: session(fanOutJson) }, T0));
    const design = ok(await repo.create({ name: 'Challenge: poison message', origin: 'blank', session: session(ledgerJson) }, T0 + 1));
    ok(await repo.setSetting(CHALLENGE_PROGRESS_KEY, { passed: { 'poison-message': pass(200) }, workspaces: { 'poison-message': design.id, 'saga-settles': 'ws-that-was-deleted' } }));
    const { file } = ok(await exportEverything(repo, T0 + 2));
    const at = file.workspaces.findIndex((w) => w.name === 'Challenge: poison message');
    expect(file.workspaces).toHaveLength(2);
    // The design of a challenge whose workspace is gone is left out, not exported as a dangling id.
    expect(file.challenges).toEqual({ passed: { 'poison-message': pass(200) }, workspaces: { 'poison-message': at } });
    // One workspace's file carries none.
    expect(ok(await exportWorkspace(repo, design.id, T0)).challenges).toBeUndefined();
  });

  it('an import adds passes and designs only where this browser has none, pointing at the new workspaces', async () => {
    const from = createMemoryRepo();
    const a = ok(await from.create({ name: 'Poison', origin: 'blank', session: session(fanOutJson) }, T0));
    const b = ok(await from.create({ name: 'Failover', origin: 'blank', session: session(ledgerJson) }, T0));
    ok(await from.setSetting(CHALLENGE_PROGRESS_KEY, { passed: { 'poison-message': pass(200), failover: pass(150) }, workspaces: { 'poison-message': a.id, failover: b.id } }));
    const text = exportText(ok(await exportEverything(from, T0)).file);

    const to = createMemoryRepo();
    const mine = ok(await to.create({ name: 'My failover', origin: 'blank', session: session(keyedCrashJson) }, T0));
    ok(await to.setSetting(CHALLENGE_PROGRESS_KEY, { passed: { failover: pass(300) }, workspaces: { failover: mine.id } }));
    const r = await importInto(to, plan(text), T0 + 1);
    expect(r).toMatchObject({ ok: true, challengesAdded: 1 });
    const list = ok(await to.list());
    const poison = list.find((w) => w.name === 'Poison')!;
    expect(ok(await to.getSetting(CHALLENGE_PROGRESS_KEY))).toEqual({
      passed: { failover: pass(300), 'poison-message': pass(200) },
      workspaces: { failover: mine.id, 'poison-message': poison.id },
    });
    // Again: nothing more to add.
    expect(await importInto(to, plan(text), T0 + 2)).toMatchObject({ ok: true, challengesAdded: 0 });
  });

  it('drops a malformed pass, and a design whose workspace was skipped; refuses a challenges field that is not an object', () => {
    const file = {
      format: EXPORT_FORMAT,
      version: 1,
      scope: 'all',
      exportedAt: '2026-12-03T09:00:00.000Z',
      workspaces: [{ name: 'Bad', session: { scenario: { nodes: 'no' } } }, { name: 'Good', session: fanOutJson }],
      lessons: [],
      challenges: { passed: { 'poison-message': pass(200), 'No Such Id!': pass(1), failover: { revision: 'one' } }, workspaces: { 'poison-message': 0, failover: 1, 'saga-settles': 7 } },
    };
    const p = plan(JSON.stringify(file));
    expect(p.workspaces.map((w) => w.name)).toEqual(['Good']);
    // Index 1 in the file is the plan's first workspace; 0 was skipped, 7 is no workspace.
    expect(p.challenges).toEqual({ passed: { 'poison-message': pass(200) }, workspaces: { failover: 0 } });
    expect(refused(JSON.stringify({ ...file, challenges: ['poison-message'] }))).toEqual([{ path: 'challenges', message: 'must be an object with "passed" and "workspaces"' }]);
  });
});

describe('import', () => {
  it('refuses a file nested thousands of levels deep (a rule condition) with a message, instead of overflowing the stack', () => {
    const deep = (d: number) => `{"format":"eventfold/scenario","version":1,"nodes":[{"id":"c","kind":"consumer","config":{"rules":[{"on":"*","when":${'{"op":"not","cond":'.repeat(d)}{"op":"exists","value":1}${'}'.repeat(d)},"do":[]}]}}]}`;
    expect(refused(deep(5_000))).toEqual([{ path: '(file)', message: 'is nested more than 67 levels deep: not an Eventfold file (no scenario is nested that deep)' }]);
    // A shareable depth still imports.
    expect(plan(deep(50)).workspaces).toHaveLength(1);
  });

  async function everything(): Promise<WorkspaceExport> {
    const repo = createMemoryRepo();
    ok(await repo.create({ name: 'Fan-out', origin: 'blank', session: session(fanOutJson) }, T0));
    ok(await repo.create({ name: 'Ledger', origin: 'lesson', lesson: '02-ledger', session: session(ledgerJson) }, T0));
    ok(await repo.saveLessonProgress({ id: 'fan-out', version: 1, state: 'done', withHelp: false, hintsShown: 0, step: null }));
    ok(await repo.saveLessonProgress({ id: 'ledger', version: 1, state: 'in-progress', withHelp: false, hintsShown: 0, step: 'add' }));
    return ok(await exportEverything(repo, T0)).file;
  }

  it('never overwrites: it adds workspaces under new ids and names, and progress only for lessons without any', async () => {
    const repo = createMemoryRepo();
    const mine = ok(await repo.create({ name: 'Ledger', origin: 'blank', session: session(keyedCrashJson) }, T0));
    ok(await repo.saveLessonProgress({ id: 'fan-out', version: 1, state: 'in-progress', withHelp: false, hintsShown: 0, step: 'fire' }));

    const text = exportText(await everything());
    const first = await importInto(repo, plan(text), T0 + 1);
    expect(first).toMatchObject({ ok: true, lessonsAdded: 1 });
    const again = await importInto(repo, plan(text), T0 + 2);
    expect(again).toMatchObject({ ok: true, lessonsAdded: 0 });

    const list = ok(await repo.list());
    expect(list.map((w) => w.name).sort()).toEqual(['Fan-out', 'Fan-out (2)', 'Ledger', 'Ledger (2)', 'Ledger (3)']);
    expect(new Set(list.map((w) => w.id)).size).toBe(5);
    expect(list.filter((w) => w.id !== mine.id).every((w) => w.origin === 'file' && w.rev === 1)).toBe(true);
    // Mine is untouched.
    expect(ok(await repo.open(mine.id))).toMatchObject({ workspace: { name: 'Ledger', rev: 1 }, session: { inputs: { length: 7 } } });
    expect(ok(await repo.lessonProgress())).toEqual([
      { id: 'fan-out', version: 1, state: 'in-progress', withHelp: false, hintsShown: 0, step: 'fire' },
      { id: 'ledger', version: 1, state: 'in-progress', withHelp: false, hintsShown: 0, step: 'add' },
    ]);
  });

  it('takes a bare session or scenario file as one workspace', () => {
    const fromSession = plan(readFileSync(new URL('../examples/keyed-crash.session.json', import.meta.url), 'utf8'));
    expect(fromSession.workspaces).toMatchObject([{ name: 'Keys, partitions and a crash before the commit', origin: 'file', session: { step: 29 } }]);
    const fromScenario = plan(JSON.stringify(fanOutJson));
    expect(fromScenario.workspaces[0].session).toMatchObject({ inputs: [], step: 0, seed: 7 });
  });

  it('imports what is valid, skips what is not, and names the field', async () => {
    const file = JSON.parse(exportText(await everything()));
    file.workspaces[1].session.scenario.nodes[0].kind = 'gizmo';
    const p = plan(JSON.stringify(file));
    expect(p.workspaces.map((w) => w.name)).toEqual(['Fan-out']);
    expect(p.skipped).toEqual([{ index: 1, name: 'Ledger', errors: [{ path: 'workspaces[1].session.scenario.nodes[0].kind', message: expect.stringContaining('producer, topic') }] }]);
  });

  it('reads lesson progress in the first shape (export files written before the lesson panel) and skips entries naming no lesson', () => {
    const file = { format: EXPORT_FORMAT, version: 1, scope: 'all', exportedAt: '2026-11-20T09:00:00.000Z', workspaces: [], lessons: [
      { lesson: 'fan-out', step: 2, completed: true, goalsMet: ['subscribers'], updatedAt: T0 },
      { lesson: 'ledger', step: 0, completed: false, goalsMet: [], updatedAt: T0 },
      { lesson: '../../etc', step: 0, completed: true },
    ] };
    const p = plan(JSON.stringify(file));
    expect(p.lessons).toEqual([
      { id: 'fan-out', version: 1, state: 'done', withHelp: false, hintsShown: 0, step: null },
      { id: 'ledger', version: 1, state: 'in-progress', withHelp: false, hintsShown: 0, step: null },
    ]);
    expect(p.skipped).toEqual([{ index: 2, name: 'lesson #3', errors: [{ path: 'lessons[2].id', message: expect.stringContaining('lesson id') }] }]);
  });

  it('refuses a file with nothing to import, naming the field, and says nothing changed', async () => {
    const file = JSON.parse(exportText(await everything()));
    file.lessons = [];
    for (const w of file.workspaces) w.session.scenario.nodes[1].config = { partitions: 0 };
    const errors = refused(JSON.stringify(file));
    expect(errors.map((e) => e.path)).toEqual(['workspaces[0].session.scenario.nodes[1].config.partitions', 'workspaces[1].session.scenario.nodes[1].config.partitions']);
    expect(importErrorMessage(errors)).toMatch(/^The file cannot be imported, and nothing was changed:\nworkspaces\[0\]\.session\.scenario\.nodes\[1\]\.config\.partitions: must be at least 1/);

    expect(refused('{"format": "eventfold/scenario"')[0]).toMatchObject({ path: '(file)', message: expect.stringMatching(/^is not valid JSON/) });
    expect(refused('[1, 2]')[0].path).toBe('(top level)');
    expect(refused(JSON.stringify({ format: EXPORT_FORMAT, version: 2, workspaces: [] }))[0]).toMatchObject({ path: 'version', message: expect.stringContaining('newer Eventfold') });
    expect(refused(JSON.stringify({ format: EXPORT_FORMAT, version: 1, workspaces: {} }))[0].path).toBe('workspaces');
    expect(refused(JSON.stringify({ format: 'eventfold/scenario', version: 1, nodes: [{ id: 'a', kind: 'topic', config: { partitions: 99 } }] }))[0].path).toBe('nodes[0].config.partitions');
  });

  it('reports a storage failure during import with what was added before it', async () => {
    let n = 0;
    const repo = createMemoryRepo({ wrapBackend: (b) => faultyBackend(b, () => (++n > 4 ? new DOMException('full', 'QuotaExceededError') : null)) });
    const r = await importInto(repo, plan(exportText(await everything())), T0);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('quota');
    expect(r.added.length).toBeLessThan(2);
  });
});
