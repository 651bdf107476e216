// The one contract every WorkspaceRepo keeps, run against each storage: memory
// (repo.memory.test.ts), fake-indexeddb in Node (repo.idb.test.ts) and real IndexedDB in
// Chromium (repo.browser.test.ts). A target opens repos on one storage: two opens are two
// tabs on the same database.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreSessionOrScenario, type Session } from '../engine/session.ts';
import fanOutJson from '../examples/fan-out.json';
import keyedCrashJson from '../examples/keyed-crash.session.json';
import ledgerJson from '../examples/ledger.json';
import { faultyBackend } from './backend.ts';
import { notifierHub } from './notify.ts';
import { openWorkspaceRepo, type RepoOptions, type WorkspaceRepo } from './repo.ts';
import { deleteDB } from 'idb';
import type { ChangeMessage, LessonProgress, PersistError, Result } from './types.ts';

export interface RepoTarget {
  /** A repo on this target's storage; every call is one more tab on the same storage. */
  open(options?: RepoOptions): Promise<WorkspaceRepo>;
  /** Closes what was opened and deletes the storage. */
  cleanup(): Promise<void>;
}

function session(data: unknown): Session {
  const r = restoreSessionOrScenario(data);
  if (!r.ok) throw new Error('example refused');
  return r.value;
}
const fanOut = () => session(fanOutJson);
const keyedCrash = () => session(keyedCrashJson);
const ledger = () => session(ledgerJson);

function ok<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.kind}: ${r.error.message}`);
  return r.value;
}
function err<T>(r: Result<T>): PersistError {
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 22, 9, 0, 0);

/** Ids a-1, a-2, … so tests can name workspaces. */
function ids(prefix = 'w') {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

export function workspaceRepoContract(name: string, makeTarget: () => Promise<RepoTarget>): void {
  describe(`WorkspaceRepo contract: ${name}`, () => {
    let target: RepoTarget;
    let repo: WorkspaceRepo;
    beforeEach(async () => {
      target = await makeTarget();
      repo = await target.open({ newId: ids() });
    });
    afterEach(async () => {
      await target.cleanup();
    });

    it('creates a workspace at rev 1 and opens the same session', async () => {
      const s = keyedCrash();
      const w = ok(await repo.create({ name: '  My   crash  ', origin: 'link', session: s }, T0));
      expect(w).toMatchObject({ id: 'w-1', name: 'My crash', origin: 'link', createdAt: T0, updatedAt: T0, rev: 1 });
      const opened = ok(await repo.open(w.id));
      expect(opened.unsaved).toBe(false);
      expect(opened.workspace).toEqual(w);
      expect(opened.session).toEqual(s);
      expect(opened.session.inputs).toHaveLength(7);
      expect(opened.session.step).toBe(29);
    });

    it('lists workspaces, the most recently saved first', async () => {
      ok(await repo.create({ name: 'A', origin: 'blank', session: fanOut() }, T0));
      ok(await repo.create({ name: 'B', origin: 'lesson', lesson: '01-fan-out', session: ledger() }, T0 + 1000));
      const c = ok(await repo.create({ name: 'C', origin: 'file', session: ledger() }, T0 + 2000));
      ok(await repo.save('w-1', { ...fanOut(), step: 3 }, { rev: 1, now: T0 + 3000 }));
      expect(ok(await repo.list()).map((w) => w.name)).toEqual(['A', 'C', 'B']);
      expect(ok(await repo.list()).find((w) => w.name === 'B')).toMatchObject({ origin: 'lesson', lesson: '01-fan-out' });
      expect(c.origin).toBe('file');
    });

    it('saves with the rev it started from, and answers the next rev; an unchanged session writes nothing', async () => {
      const w = ok(await repo.create({ name: 'W', origin: 'blank', session: fanOut() }, T0));
      const changed = { ...fanOut(), step: 5 };
      const saved = ok(await repo.save(w.id, changed, { rev: 1, now: T0 + 1000 }));
      expect(saved).toMatchObject({ rev: 2, updatedAt: T0 + 1000, createdAt: T0 });
      expect(ok(await repo.open(w.id)).session.step).toBe(5);
      const again = ok(await repo.save(w.id, changed, { rev: 2, now: T0 + 2000 }));
      expect(again).toMatchObject({ rev: 2, updatedAt: T0 + 1000 });
    });

    it('never creates over an existing workspace, even when an id comes up twice', async () => {
      const same = ['dup', 'dup', 'other'];
      const tab = await target.open({ newId: () => same.shift() ?? 'x' });
      const a = ok(await tab.create({ name: 'First', origin: 'blank', session: fanOut() }, T0));
      const b = ok(await tab.create({ name: 'Second', origin: 'blank', session: ledger() }, T0));
      expect([a.id, b.id]).toEqual(['dup', 'other']);
      expect(ok(await tab.open('dup')).workspace.name).toBe('First');
    });

    it('refuses a save from a stale rev as a conflict, and overwrites nothing (two tabs)', async () => {
      const hub = notifierHub();
      const tabA = await target.open({ notifier: hub.join(), newId: ids('a') });
      const tabB = await target.open({ notifier: hub.join() });
      const heard: ChangeMessage[] = [];
      tabB.onExternalChange((m) => heard.push(m));

      const w = ok(await tabA.create({ name: 'Shared', origin: 'blank', session: fanOut() }, T0));
      const inB = ok(await tabB.open(w.id));
      expect(inB.workspace.rev).toBe(1);

      ok(await tabA.save(w.id, { ...fanOut(), step: 7 }, { rev: 1, now: T0 + 1000 }));
      await expect.poll(() => heard.map((m) => m.type === 'workspace' && !m.removed && m.rev)).toContain(2);

      const conflict = err(await tabB.save(w.id, { ...fanOut(), step: 99 }, { rev: inB.workspace.rev, now: T0 + 2000 }));
      expect(conflict.kind).toBe('conflict');
      expect(conflict.message).toMatch(/another tab/);
      expect(conflict.current).toMatchObject({ id: w.id, rev: 2 });
      expect(ok(await tabA.open(w.id)).session.step).toBe(7);
      expect(tabB.unsaved()).toEqual([]);

      // B chooses to replace A's version, knowingly: it saves from the current rev.
      ok(await tabB.save(w.id, { ...fanOut(), step: 99 }, { rev: conflict.current!.rev, now: T0 + 3000 }));
      expect(ok(await tabA.open(w.id))).toMatchObject({ workspace: { rev: 3 }, session: { step: 99 } });
    });

    it('renames with the same rev rule', async () => {
      const w = ok(await repo.create({ name: 'Old', origin: 'blank', session: fanOut() }, T0));
      expect(ok(await repo.rename(w.id, 'New', { rev: 1, now: T0 + 5 }))).toMatchObject({ name: 'New', rev: 2 });
      expect(err(await repo.rename(w.id, 'Newer', { rev: 1, now: T0 + 6 })).kind).toBe('conflict');
      expect(ok(await repo.open(w.id)).workspace.name).toBe('New');
    });

    it('removes a workspace with its session and history', async () => {
      const w = ok(await repo.create({ name: 'Gone', origin: 'blank', session: fanOut() }, T0));
      const keep = ok(await repo.create({ name: 'Kept', origin: 'blank', session: ledger() }, T0));
      ok(await repo.remove(w.id));
      expect(err(await repo.open(w.id)).kind).toBe('not-found');
      expect(err(await repo.save(w.id, fanOut(), { rev: 1, now: T0 + 1 })).kind).toBe('not-found');
      expect(ok(await repo.history(w.id))).toEqual([]);
      expect(ok(await repo.list()).map((x) => x.id)).toEqual([keep.id]);
      expect(ok(await repo.history(keep.id))).toHaveLength(1);
    });

    it('keeps a history ring: at most one snapshot a minute, only of changes, about 30', async () => {
      const w = ok(await repo.create({ name: 'H', origin: 'blank', session: fanOut() }, T0));
      let rev = w.rev;
      // Saves every 20 s for 45 minutes, each a change.
      for (let i = 1; i <= 135; i++) rev = ok(await repo.save(w.id, { ...fanOut(), step: i }, { rev, now: T0 + i * 20_000 })).rev;
      const entries = ok(await repo.history(w.id));
      expect(entries).toHaveLength(30);
      const ats = entries.map((e) => e.at);
      for (let i = 1; i < ats.length; i++) expect(ats[i - 1] - ats[i]).toBeGreaterThanOrEqual(MINUTE);
      expect(entries[0]).toMatchObject({ workspaceId: w.id, at: T0 + 135 * 20_000, step: 135, name: fanOut().scenario.name, inputs: 0 });
      const seqs = entries.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      const older = ok(await repo.historySession(w.id, entries[29].seq));
      expect(older.step).toBe(entries[29].step);
      // The oldest snapshots are gone.
      expect(err(await repo.historySession(w.id, 1)).kind).toBe('not-found');

      // A change 20 s later takes none; going back to the last snapshot's session later takes none either.
      rev = ok(await repo.save(w.id, { ...fanOut(), step: 136 }, { rev, now: T0 + 136 * 20_000 })).rev;
      rev = ok(await repo.save(w.id, { ...fanOut(), step: 135 }, { rev, now: T0 + 136 * 20_000 + 5 * MINUTE })).rev;
      expect(ok(await repo.history(w.id))).toEqual(entries);
      // A change a minute later does.
      ok(await repo.save(w.id, { ...fanOut(), step: 137 }, { rev, now: T0 + 136 * 20_000 + 6 * MINUTE }));
      expect(ok(await repo.history(w.id))[0]).toMatchObject({ step: 137 });
    });

    it('saves in proportion to the inputs, not the steps: a 1,000,000-step session is as small as a 1,000-step one', async () => {
      const s = keyedCrash();
      const short = ok(await repo.create({ name: 'short', origin: 'blank', session: { ...s, step: 1_000 } }, T0));
      const long = ok(await repo.create({ name: 'long', origin: 'blank', session: { ...s, step: 1_000_000 } }, T0));
      expect(long.bytes - short.bytes).toBe(String(1_000_000).length - String(1_000).length);
      const more = ok(await repo.create({ name: 'more inputs', origin: 'blank', session: { ...s, inputs: [...s.inputs, ...s.inputs.map((x) => ({ ...x, atStep: 29 }))] } }, T0));
      expect(more.bytes).toBeGreaterThan(short.bytes + 300);
    });

    it('validates what it opens: a stored session that fails restoreSession is refused naming the field', async () => {
      const w = ok(await repo.create({ name: 'Bad', origin: 'blank', session: fanOut() }, T0));
      const broken = { ...fanOut(), seed: -1 } as Session;
      ok(await repo.save(w.id, broken, { rev: 1, now: T0 + 1 }));
      const e = err(await repo.open(w.id));
      expect(e.kind).toBe('invalid');
      expect(e.errors?.[0]?.path).toBe('seed');
    });

    it('keeps lesson progress and settings', async () => {
      const progress = (id: string, over: Partial<LessonProgress> = {}): LessonProgress => ({ id, version: 1, state: 'in-progress', withHelp: false, hintsShown: 0, step: null, ...over });
      ok(await repo.saveLessonProgress(progress('fan-out', { hintsShown: 1, step: 'add' })));
      ok(await repo.saveLessonProgress(progress('keys-and-order', { state: 'done', withHelp: true, version: 2 })));
      ok(await repo.saveLessonProgress(progress('fan-out', { state: 'done', hintsShown: 2, step: 'watch' })));
      expect(ok(await repo.lessonProgress())).toEqual([
        progress('fan-out', { state: 'done', hintsShown: 2, step: 'watch' }),
        progress('keys-and-order', { state: 'done', withHelp: true, version: 2 }),
      ]);
      expect(err(await repo.saveLessonProgress(progress(''))).kind).toBe('invalid');
      expect(err(await repo.saveLessonProgress(progress('Not An Id'))).kind).toBe('invalid');

      expect(ok(await repo.getSetting('speed'))).toBeUndefined();
      ok(await repo.setSetting('speed', 4));
      ok(await repo.setSetting('panels', { trace: true, width: 320 }));
      expect(ok(await repo.getSetting('speed'))).toBe(4);
      expect(ok(await repo.getSetting('panels'))).toEqual({ trace: true, width: 320 });
      expect(err(await repo.setSetting('bad', (() => 1) as never)).kind).toBe('invalid');
    });

    it('tells other tabs what changed', async () => {
      const hub = notifierHub();
      const a = await target.open({ notifier: hub.join(), newId: ids('n') });
      const b = await target.open({ notifier: hub.join() });
      const heard: ChangeMessage[] = [];
      b.onExternalChange((m) => heard.push(m));
      const w = ok(await a.create({ name: 'N', origin: 'blank', session: fanOut() }, T0));
      ok(await a.save(w.id, { ...fanOut(), step: 1 }, { rev: 1, now: T0 + 1 }));
      ok(await a.saveLessonProgress({ id: 'l', version: 1, state: 'in-progress', withHelp: false, hintsShown: 0, step: null }));
      ok(await a.setSetting('k', true));
      ok(await a.remove(w.id));
      await expect.poll(() => heard.length).toBe(5);
      expect(heard).toEqual([
        { type: 'workspace', id: 'n-1', rev: 1 },
        { type: 'workspace', id: 'n-1', rev: 2 },
        { type: 'lessons' },
        { type: 'settings', key: 'k' },
        { type: 'workspace', id: 'n-1', removed: true },
      ]);
    });

    it('on a full quota: a typed error for the learner, the work kept in memory, saved once there is room', async () => {
      let full = false;
      const quota = () => (full ? new DOMException('The quota has been exceeded.', 'QuotaExceededError') : null);
      const tab = await target.open({ newId: ids('q'), wrapBackend: (b) => faultyBackend(b, quota) });
      const w = ok(await tab.create({ name: 'Q', origin: 'blank', session: fanOut() }, T0));

      full = true;
      const work = { ...keyedCrash(), step: 12 };
      const e = err(await tab.save(w.id, work, { rev: 1, now: T0 + 1 }));
      expect(e.kind).toBe('quota');
      expect(e.message).toMatch(/no more room.*export/i);
      expect(e.workspace).toMatchObject({ id: w.id, rev: 1 });
      expect(tab.unsaved().map((u) => [u.workspace.id, u.session.step])).toEqual([[w.id, 12]]);
      expect(ok(await tab.open(w.id))).toMatchObject({ unsaved: true, session: { step: 12 } });
      expect(ok(await tab.list()).map((x) => x.id)).toEqual([w.id]);

      // Creating fails too, and is kept at rev 0.
      const c = err(await tab.create({ name: 'New while full', origin: 'link', session: ledger() }, T0 + 2));
      expect(c.kind).toBe('quota');
      expect(c.workspace).toMatchObject({ id: 'q-2', rev: 0, name: 'New while full' });
      expect(ok(await tab.list()).map((x) => x.name).sort()).toEqual(['New while full', 'Q']);

      full = false;
      expect(ok(await tab.save(w.id, work, { rev: 1, now: T0 + 3 }))).toMatchObject({ rev: 2 });
      expect(ok(await tab.save('q-2', ledger(), { rev: 0, now: T0 + 4 }))).toMatchObject({ id: 'q-2', rev: 1, name: 'New while full', origin: 'link' });
      expect(tab.unsaved()).toEqual([]);
      const other = await target.open();
      expect(ok(await other.open(w.id))).toMatchObject({ unsaved: false, session: { step: 12 } });
      expect(ok(await other.open('q-2')).session.scenario.name).toBe(ledger().scenario.name);
    });

    it('when storage goes away mid-session: "unavailable", the work kept', async () => {
      let gone = false;
      const tab = await target.open({ newId: ids('u'), wrapBackend: (b) => faultyBackend(b, () => (gone ? new DOMException('lost', 'UnknownError') : null)) });
      const w = ok(await tab.create({ name: 'U', origin: 'blank', session: fanOut() }, T0));
      gone = true;
      const e = err(await tab.save(w.id, { ...fanOut(), step: 2 }, { rev: 1, now: T0 + 1 }));
      expect(e.kind).toBe('unavailable');
      expect(ok(await tab.open(w.id)).session.step).toBe(2);
    });
  });
}

/** The contract's target on an IndexedDB (fake or real) database called `name`, deleted after the test. */
export async function indexedDbTarget(name: string): Promise<RepoTarget> {
  const open: WorkspaceRepo[] = [];
  return {
    async open(options) {
      const { repo, error } = await openWorkspaceRepo({ ...options, name });
      expect(error).toBeNull();
      expect(repo.storage).toBe('indexeddb');
      open.push(repo);
      return repo;
    },
    async cleanup() {
      for (const r of open) r.close();
      await deleteDB(name);
    },
  };
}
