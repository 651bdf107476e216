// Database upgrades: a database written by the previous schema (version 1: sessions
// inside workspace records, no history, no lesson progress) opens with this build and
// keeps its data; a newer database, a missing IndexedDB and a newer tab are reported.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteDB, openDB } from 'idb';
import { restoreSessionOrScenario, type Session } from '../engine/session.ts';
import fanOutJson from '../examples/fan-out.json';
import keyedCrashJson from '../examples/keyed-crash.session.json';
import { openWorkspaceRepo } from './repo.ts';
import { DB_VERSION, STORES, upgrade, type WorkspaceRecordV1 } from './schema.ts';

let n = 0;
const names: string[] = [];
function dbName() {
  const name = `eventfold-schema-${++n}`;
  names.push(name);
  return name;
}
afterEach(async () => {
  vi.unstubAllGlobals();
  for (const name of names.splice(0)) await deleteDB(name);
});

function restored(data: unknown): Session {
  const r = restoreSessionOrScenario(data);
  if (!r.ok) throw new Error('example refused');
  return r.value;
}

/** Writes a database the way the version-1 schema did. */
async function writeV1(name: string, workspaces: WorkspaceRecordV1[], settings: { key: string; value: unknown }[]) {
  const db = await openDB(name, 1, { upgrade: (d, o, v, tx) => void upgrade(d, o, v, tx as never) });
  expect([...db.objectStoreNames].sort()).toEqual([STORES.settings, STORES.workspaces]);
  const tx = db.transaction([STORES.workspaces, STORES.settings], 'readwrite');
  for (const w of workspaces) await tx.objectStore(STORES.workspaces).put(w);
  for (const s of settings) await tx.objectStore(STORES.settings).put(s);
  await tx.done;
  db.close();
}

describe('database schema', () => {
  it(`is at version ${DB_VERSION} with five stores when created fresh`, async () => {
    const name = dbName();
    const { repo, error } = await openWorkspaceRepo({ name });
    expect(error).toBeNull();
    repo.close();
    const db = await openDB(name);
    expect(db.version).toBe(2);
    expect([...db.objectStoreNames].sort()).toEqual(['history', 'lessons', 'sessions', 'settings', 'workspaces']);
    db.close();
  });

  it('migrates a version-1 database: workspaces, sessions and settings kept, revs start at 1', async () => {
    const name = dbName();
    // A v1 record holds the session as the app had it: restored, generated edge ids included.
    const crash = restored(keyedCrashJson);
    await writeV1(
      name,
      [
        { id: 'old-1', name: 'My fan-out', origin: 'blank', createdAt: 1000, updatedAt: 2000, session: restored(fanOutJson) },
        { id: 'old-2', name: 'The crash', origin: 'link', createdAt: 3000, updatedAt: 4000, session: crash },
        { id: 'old-3', name: 'Damaged', origin: 'file', createdAt: 5000, updatedAt: 500, session: { format: 'eventfold/session', version: 1, scenario: { nodes: 'x' } } },
      ],
      [{ key: 'speed', value: 2 }],
    );

    const { repo, error } = await openWorkspaceRepo({ name });
    expect(error).toBeNull();
    const list = await repo.list();
    expect(list.ok && list.value.map((w) => [w.id, w.name, w.origin, w.createdAt, w.updatedAt, w.rev])).toEqual([
      ['old-2', 'The crash', 'link', 3000, 4000, 1],
      ['old-1', 'My fan-out', 'blank', 1000, 2000, 1],
      ['old-3', 'Damaged', 'file', 5000, 500, 1],
    ]);
    const opened = await repo.open('old-2');
    expect(opened.ok && opened.value.session).toEqual(crash);
    expect(opened.ok && opened.value.workspace.bytes).toBeGreaterThan(1000);
    // A damaged record is refused naming the field, and stays (nothing is deleted).
    const damaged = await repo.open('old-3');
    expect(damaged).toMatchObject({ ok: false, error: { kind: 'invalid', errors: [{ path: expect.stringMatching(/^scenario\./) }] } });
    expect(await repo.getSetting('speed')).toEqual({ ok: true, value: 2 });
    expect(await repo.history('old-1')).toEqual({ ok: true, value: [] });
    expect(await repo.lessonProgress()).toEqual({ ok: true, value: [] });

    // It carries on like any v2 workspace.
    const saved = await repo.save('old-1', { ...restored(fanOutJson), step: 4 }, { rev: 1, now: 10_000 });
    expect(saved).toMatchObject({ ok: true, value: { rev: 2 } });
    const history = await repo.history('old-1');
    expect(history.ok && history.value.map((h) => h.step)).toEqual([4]);
    repo.close();

    // And the database is at the current version with the old records rewritten.
    const db = await openDB(name);
    expect(db.version).toBe(DB_VERSION);
    const raw = await db.get(STORES.workspaces, 'old-2');
    expect(raw).not.toHaveProperty('session');
    expect(raw).toMatchObject({ rev: 1, historySeq: 0 });
    expect(typeof (await db.get(STORES.sessions, 'old-2')).json).toBe('string');
    db.close();
  });

  it('reads lesson progress a version-2 database kept in the first record shape, and saves over it in the current one', async () => {
    const name = dbName();
    const first = await openWorkspaceRepo({ name });
    first.repo.close();
    const db = await openDB(name);
    // The shape the lessons store had before the lesson panel: same key, other fields.
    await db.put(STORES.lessons, { lesson: 'fan-out', step: 3, completed: true, goalsMet: ['subscribers'], updatedAt: 1000 });
    await db.put(STORES.lessons, { lesson: 'keys-and-order', step: 1, completed: false, goalsMet: [], updatedAt: 1000 });
    db.close();

    const { repo, error } = await openWorkspaceRepo({ name });
    expect(error).toBeNull();
    expect(await repo.lessonProgress()).toEqual({
      ok: true,
      value: [
        { id: 'fan-out', version: 1, state: 'done', withHelp: false, hintsShown: 0, step: null },
        { id: 'keys-and-order', version: 1, state: 'in-progress', withHelp: false, hintsShown: 0, step: null },
      ],
    });
    const next = { id: 'keys-and-order', version: 1, state: 'done', withHelp: true, hintsShown: 2, step: 'fire' } as const;
    expect((await repo.saveLessonProgress(next)).ok).toBe(true);
    repo.close();
    const after = await openDB(name);
    expect(after.version).toBe(DB_VERSION);
    expect(await after.get(STORES.lessons, 'keys-and-order')).toEqual({ lesson: 'keys-and-order', ...next });
    after.close();
  });

  it('upgrading an empty version-1 database works too', async () => {
    const name = dbName();
    await writeV1(name, [], []);
    const { repo, error } = await openWorkspaceRepo({ name });
    expect(error).toBeNull();
    expect(await repo.list()).toEqual({ ok: true, value: [] });
    repo.close();
  });

  it('a database from a newer Eventfold is not touched: the app runs from memory and says to reload', async () => {
    const name = dbName();
    const newer = await openDB(name, DB_VERSION + 1, { upgrade: (d) => void d.createObjectStore('future') });
    newer.close();
    const { repo, error } = await openWorkspaceRepo({ name });
    expect(error?.kind).toBe('outdated');
    expect(error?.message).toMatch(/Reload/);
    expect(repo.storage).toBe('memory');
    const db = await openDB(name);
    expect(db.version).toBe(DB_VERSION + 1);
    expect([...db.objectStoreNames]).toEqual(['future']);
    db.close();
  });

  it('without IndexedDB (private mode, disabled): a memory repo and an "unavailable" message', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const { repo, error } = await openWorkspaceRepo({ name: dbName() });
    expect(error).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/private window.*export/) });
    expect(repo.storage).toBe('memory');
    const created = await repo.create({ name: 'Still works', origin: 'blank', session: restored(fanOutJson) }, 1);
    expect(created.ok).toBe(true);
  });

  it('when IndexedDB.open throws (old Firefox private mode): the same', async () => {
    vi.stubGlobal('indexedDB', {
      open() {
        throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError');
      },
    });
    const { error } = await openWorkspaceRepo({ name: dbName() });
    expect(error?.kind).toBe('unavailable');
  });

  it('a tab whose database a newer Eventfold upgrades lets it, then reports "outdated" and keeps its work', async () => {
    const name = dbName();
    const lost: string[] = [];
    const { repo } = await openWorkspaceRepo({ name, onLost: (why) => lost.push(why) });
    const w = await repo.create({ name: 'Mine', origin: 'blank', session: restored(fanOutJson) }, 1);
    if (!w.ok) throw new Error(w.error.message);
    const newer = await openDB(name, DB_VERSION + 1, { upgrade: () => {} });
    expect(lost).toEqual(['versionchange']);
    const saved = await repo.save(w.value.id, { ...restored(fanOutJson), step: 9 }, { rev: 1, now: 2 });
    expect(saved).toMatchObject({ ok: false, error: { kind: 'outdated' } });
    expect(repo.unsaved().map((u) => u.session.step)).toEqual([9]);
    newer.close();
  });

  it('gives up opening when an older tab blocks the upgrade and never closes', async () => {
    const name = dbName();
    // An old connection with no versionchange handler, like a tab of a build before this one.
    const old = await openDB(name, 1, { upgrade: (d, o, v, tx) => void upgrade(d, o, v, tx as never) });
    const { repo, error } = await openWorkspaceRepo({ name, blockedTimeoutMs: 50 });
    expect(error?.kind).toBe('unavailable');
    expect(repo.storage).toBe('memory');
    old.close();
  });
});
