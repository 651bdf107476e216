// The repository contract on IndexedDB, with fake-indexeddb standing in for the browser's
// (repo.browser.test.ts runs the same contract on Chromium's). One database per test.
import 'fake-indexeddb/auto';
import { deleteDB } from 'idb';
import { expect } from 'vitest';
import { openWorkspaceRepo, type WorkspaceRepo } from './repo.ts';
import { workspaceRepoContract } from './repo.contract.ts';

let n = 0;
workspaceRepoContract('IndexedDB (fake-indexeddb in Node)', async () => {
  const name = `eventfold-test-${++n}`;
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
});
