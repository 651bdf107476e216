import { defineConfig, devices } from '@playwright/test';
import { chromiumLaunchOptions, exitUnlessChromium } from './browser-path.ts';

// No Chromium: stop here, with the message that says what to install.
exitUnlessChromium();

// End-to-end tests drive real Chromium against the *built* site (vite preview of dist/).
// PW_PORT lets two checkouts run their e2e suites side by side.
const port = Number(process.env.PW_PORT ?? 4173);
export default defineConfig({
  testDir: 'tests/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // The long learner flows take ~15 s alone; shared machines can be several times slower.
  timeout: 120_000,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['json', { outputFile: 'reports/e2e.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}/`,
    trace: 'retain-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], launchOptions: chromiumLaunchOptions } }],
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
