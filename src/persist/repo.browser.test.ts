// The repository contract on Chromium's own IndexedDB, and a real quota error: Chromium is
// told through the DevTools protocol (Storage.overrideQuotaForOrigin) that this origin may
// store only a little, so IndexedDB itself throws QuotaExceededError. No stub.
import { afterAll, describe, expect, it } from 'vitest';
import { cdp } from 'vitest/browser';
import { deleteDB, openDB } from 'idb';
import { restoreSessionOrScenario, type Session } from '../engine/session.ts';
import keyedCrashJson from '../examples/keyed-crash.session.json';
import { broadcastNotifier } from './notify.ts';
import { openWorkspaceRepo } from './repo.ts';
import { indexedDbTarget, workspaceRepoContract } from './repo.contract.ts';
import { DB_VERSION, STORES, upgrade } from './schema.ts';
import type { ChangeMessage } from './types.ts';

let n = 0;
const run = `${Date.now()}`;
workspaceRepoContract('IndexedDB (Chromium)', async () => {
  const name = `eventfold-browser-${run}-${++n}`;
  return indexedDbTarget(name);
});

function crash(): Session {
  const r = restoreSessionOrScenario(keyedCrashJson);
  if (!r.ok) throw new Error('example refused');
  return r.value;
}

describe('IndexedDB in Chromium', () => {
  it('migrates a version-1 database written by Chromium', async () => {
    const name = `eventfold-browser-${run}-v1`;
    const v1 = await openDB(name, 1, { upgrade: (d, o, v, tx) => void upgrade(d, o, v, tx as never) });
    await v1.put(STORES.workspaces, { id: 'old', name: 'Old work', origin: 'file', createdAt: 1, updatedAt: 2, session: crash() });
    v1.close();
    const { repo, error } = await openWorkspaceRepo({ name });
    expect(error).toBeNull();
    const opened = await repo.open('old');
    expect(opened.ok && [opened.value.workspace.rev, opened.value.session.step]).toEqual([1, 29]);
    repo.close();
    const db = await openDB(name);
    expect(db.version).toBe(DB_VERSION);
    db.close();
    await deleteDB(name);
  });

  it('tells another tab through a real BroadcastChannel', async () => {
    const name = `eventfold-browser-${run}-bc`;
    const a = (await openWorkspaceRepo({ name, notifier: broadcastNotifier(`ch-${run}`) })).repo;
    const b = (await openWorkspaceRepo({ name, notifier: broadcastNotifier(`ch-${run}`) })).repo;
    const heard: ChangeMessage[] = [];
    b.onExternalChange((m) => heard.push(m));
    const w = await a.create({ name: 'Seen', origin: 'blank', session: crash() }, 1);
    await expect.poll(() => heard).toEqual([{ type: 'workspace', id: w.ok ? w.value.id : '', rev: 1 }]);
    a.close();
    b.close();
    await deleteDB(name);
  });

  describe('a full quota', () => {
    const session = cdp();
    afterAll(async () => {
      await session.send('Storage.overrideQuotaForOrigin', { origin: location.origin });
    });

    it('is a "quota" error, the work kept in memory, and saved once there is room', async () => {
      // Chromium grants IndexedDB room in advance and remembers it, so lowering the quota
      // takes effect only once this origin's IndexedDB starts afresh: clear it (the tests
      // above cleaned up after themselves), then set the quota, then open.
      // (navigator.storage.estimate() in the test frame does not show the override; writes obey it.)
      await session.send('Storage.clearDataForOrigin', { origin: location.origin, storageTypes: 'indexeddb' });
      const { usage } = (await session.send('Storage.getUsageAndQuota', { origin: location.origin })) as { usage: number };
      await session.send('Storage.overrideQuotaForOrigin', { origin: location.origin, quotaSize: usage + 300_000 });
      const name = `eventfold-browser-${run}-quota`;
      const { repo } = await openWorkspaceRepo({ name });
      const w = await repo.create({ name: 'Big', origin: 'blank', session: crash() }, 1);
      if (!w.ok) throw new Error(w.error.message);

      // A session with many inputs, bigger than the room left (its data random, since
      // Chromium compresses what it stores).
      const s = crash();
      const noise = () => Array.from(crypto.getRandomValues(new Uint8Array(48)), (b) => b.toString(36)).join('');
      const big: Session = {
        ...s,
        inputs: Array.from({ length: 20_000 }, (_, i) => ({ kind: 'fire' as const, node: 'shop', event: { type: 'OrderPlaced', key: `k-${i}`, data: { note: noise() } }, atStep: 30 + i, time: 0 })),
        step: 30,
      };
      const r = await repo.save(w.value.id, big, { rev: 1, now: 2 });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.kind).toBe('quota');
      expect(r.error.message).toMatch(/no more room/);
      expect(repo.unsaved().map((u) => u.session.inputs.length)).toEqual([20_000]);
      expect(await repo.open(w.value.id)).toMatchObject({ ok: true, value: { unsaved: true, session: { step: 30 } } });
      repo.close();

      // Room again (a new connection sees it): the kept copy saves; nothing was half-written before.
      await session.send('Storage.overrideQuotaForOrigin', { origin: location.origin });
      const later = (await openWorkspaceRepo({ name })).repo;
      const stored = await later.open(w.value.id);
      expect(stored.ok && [stored.value.workspace.rev, stored.value.session.inputs.length]).toEqual([1, 7]);
      const again = await later.save(w.value.id, big, { rev: 1, now: 3 });
      expect(again.ok && again.value.rev).toBe(2);
      later.close();
      await deleteDB(name);
    });
  });
});
