// The saving benchmark behind `npm run bench` (after the engine's): "saving a
// 1,000,000-step session costs no more than twice saving a 1,000-step one". One JSON line
// per repository on stdout: the memory repository and IndexedDB (fake-indexeddb in Node;
// the same repository code as the app's). Both sessions are measured in this same process,
// alternating, so the ratio is read against a baseline from the same run.
import 'fake-indexeddb/auto';
import { compareSaveCost } from '../src/persist/bench-support.ts';
import { createMemoryRepo, openWorkspaceRepo } from '../src/persist/repo.ts';

const targets = [
  { label: 'memory', open: async () => createMemoryRepo() },
  {
    label: 'indexeddb',
    open: async () => {
      const { repo, error } = await openWorkspaceRepo({ name: `eventfold-bench-${Date.now()}` });
      if (error) throw new Error(error.message);
      return repo;
    },
  },
];

for (const t of targets) {
  process.stderr.write(`save: ${t.label}…\n`);
  try {
    const r = await compareSaveCost({ open: t.open });
    process.stdout.write(
      `${JSON.stringify({
        metric: `persist.save-1M-vs-1k.${t.label}`,
        ratio: Math.round(r.ratio * 100) / 100,
        target: '<= 2',
        met: r.ratio <= 2,
        smallMs: Math.round(r.small.medianMs * 1000) / 1000,
        largeMs: Math.round(r.large.medianMs * 1000) / 1000,
        bytes: { small: r.small.bytes, large: r.large.bytes },
        storage: r.storage,
      })}\n`,
    );
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ metric: `persist.save-1M-vs-1k.${t.label}`, error: (e as Error).message, target: '<= 2', met: false })}\n`);
  }
}
