// One place that says which Chromium the tests drive, shared by playwright.config.ts and
// the vitest browser project. Playwright has no environment variable for a browser path,
// so we read our own: CHROMIUM_PATH (CI sets it to Debian's /usr/lib/chromium/chromium).
// Unset, Playwright uses its own download (`npx playwright install chromium`).
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH || undefined,
  args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
};
