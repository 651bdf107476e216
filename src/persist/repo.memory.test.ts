// The repository contract on the in-memory backend.
import { MemoryStorage } from './backend.ts';
import { createMemoryRepo, type WorkspaceRepo } from './repo.ts';
import { workspaceRepoContract } from './repo.contract.ts';

workspaceRepoContract('in memory', async () => {
  const storage = new MemoryStorage();
  const open: WorkspaceRepo[] = [];
  return {
    async open(options) {
      const repo = createMemoryRepo({ ...options, storage });
      open.push(repo);
      return repo;
    },
    async cleanup() {
      for (const r of open) r.close();
    },
  };
});
