import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { playwright } from '@vitest/browser-playwright';
import { chromiumLaunchOptions } from './browser-path.ts';

export default defineConfig({
  // Relative base: the built site works from any sub-path of a static host.
  base: './',
  plugins: [svelte()],
  worker: { format: 'es' },
  // vitest browser mode reloads mid-run when a dependency is imported only from the worker.
  optimizeDeps: { include: ['comlink', 'valibot', 'idb'] },
  build: {
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      output: {
        codeSplitting: {
          // Everything the first screen runs in one chunk beside the entry, instead of a
          // handful of small ones (Svelte's runtime, the repo, …) that the deferred parts
          // share with it: fewer requests, same bytes. What is loaded on use stays apart
          // (src/ui/first-screen/later.ts).
          groups: [{ name: 'first-screen', tags: ['$initial'] }],
        },
      },
    },
  },
  test: {
    // Generous: these machines are shared, and a slow test is not a failing one (speed is
    // measured by `npm run bench`, never by tests).
    testTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts'],
          // Every optional engine module (the worker loads them on demand; Node has them all),
          // and the kernel's check that no expired action runs (testing/strict.ts).
          setupFiles: ['src/engine/kinds/all.ts', 'src/engine/testing/strict.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['src/**/*.browser.test.ts', 'tests/browser/**/*.browser.test.ts'],
          globalSetup: ['tests/browser/require-chromium.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: chromiumLaunchOptions }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
