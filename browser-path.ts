// Which Chromium the tests drive: the one place that decides, shared by playwright.config.ts,
// the vitest browser project (vite.config.ts) and the UI benchmark. Playwright has no
// environment variable for a browser path, so we look ourselves, in this order:
//   1. CHROMIUM_PATH, when set (and it must then point at a file: no silent fallback);
//   2. a system Chromium at the usual Debian / Ubuntu / macOS places (then Google Chrome);
//   3. Playwright's own download (`npx playwright install chromium`).
// None there: `requireChromium()` throws a message that says exactly what to install on
// this machine, and `npx tsx browser-path.ts` (the first thing `npm test` runs) prints it
// and exits 1 before any test starts. Importing this file never throws, so `npm run dev`
// and `npm run build` work on a machine without a browser.
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

/** Where to look and how: injected so the search can be tested without touching the disk. */
export interface Probe {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
  /** True for an executable file (not a directory). */
  executable(path: string): boolean;
  /** The path with symlinks resolved (a snap's wrapper resolves under /snap/). */
  realpath(path: string): string;
  /** /etc/os-release's ID and ID_LIKE, lowercased ('' when unknown). */
  distro(): string;
  /** Where Playwright's own Chromium would be, installed or not. */
  playwrightPath(): string | undefined;
}

export type ChromiumLookup =
  | { ok: true; path: string; from: 'CHROMIUM_PATH' | 'system' | 'playwright' }
  | { ok: false; message: string };

/** The system places, most specific first. Binaries rather than wrapper scripts where both
 * exist (Debian's /usr/bin/chromium is a script that prints a harmless shell error). */
export function systemCandidates(platform: NodeJS.Platform, home: string): string[] {
  if (platform === 'darwin') {
    return [
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      `${home}/Applications/Chromium.app/Contents/MacOS/Chromium`,
      '/opt/homebrew/bin/chromium',
      '/usr/local/bin/chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      `${home}/Applications/Google Chrome.app/Contents/MacOS/Google Chrome`,
    ];
  }
  if (platform === 'linux') {
    return [
      '/usr/lib/chromium/chromium', // Debian's package `chromium`
      '/usr/bin/chromium', // Debian's wrapper, Arch, Fedora
      '/usr/lib/chromium-browser/chromium-browser', // Ubuntu's package before the snap
      '/usr/bin/chromium-browser',
      '/opt/google/chrome/chrome', // Google Chrome's .deb / .rpm
      '/usr/bin/google-chrome-stable',
      '/usr/bin/google-chrome',
    ];
  }
  return [];
}

// Ubuntu's `chromium-browser` is a snap: its confinement stops Playwright driving it.
const isSnap = (real: string) => real.startsWith('/snap/');

export function findChromium(probe: Probe = realProbe()): ChromiumLookup {
  const set = probe.env.CHROMIUM_PATH;
  if (set) {
    if (probe.executable(set)) return { ok: true, path: set, from: 'CHROMIUM_PATH' };
    return {
      ok: false,
      message: [
        `CHROMIUM_PATH is set to ${set}, but there is no executable file there.`,
        `Point it at a Chromium binary (on Debian: CHROMIUM_PATH=/usr/lib/chromium/chromium),`,
        `or unset it to let the tests look for one (${describeOrder(probe)}).`,
      ].join('\n'),
    };
  }
  const looked: string[] = [];
  for (const path of systemCandidates(probe.platform, probe.home)) {
    if (!probe.executable(path)) continue;
    const real = safeRealpath(probe, path);
    if (isSnap(real)) {
      looked.push(`${path} (a snap, which Playwright cannot drive: skipped)`);
      continue;
    }
    return { ok: true, path, from: 'system' };
  }
  const own = probe.playwrightPath();
  if (own && probe.executable(own)) return { ok: true, path: own, from: 'playwright' };
  return { ok: false, message: missingMessage(probe, looked, own) };
}

function safeRealpath(probe: Probe, path: string): string {
  try {
    return probe.realpath(path);
  } catch {
    return path;
  }
}

function describeOrder(probe: Probe): string {
  return probe.platform === 'linux' || probe.platform === 'darwin'
    ? 'the usual system places, then Playwright’s own Chromium'
    : 'Playwright’s own Chromium';
}

/** What to install, for this machine first. */
export function installAdvice(probe: Pick<Probe, 'platform' | 'distro'>): string[] {
  const debian = '  apt-get update && apt-get install -y chromium      (Debian; as root or with sudo; then nothing else to set)';
  const ubuntu = '  npx playwright install --with-deps chromium      (Ubuntu: its chromium-browser is a snap Playwright cannot drive)';
  const mac = '  brew install --cask chromium      (macOS; or: npx playwright install chromium)';
  const other = '  npx playwright install chromium      (Playwright’s own build, any system it supports)';
  if (probe.platform === 'darwin') return [mac, other];
  if (probe.platform === 'linux') {
    const d = probe.distro();
    if (/\bubuntu\b/.test(d)) return [ubuntu, debian];
    if (/\bdebian\b/.test(d)) return [debian, ubuntu];
    return [other, debian, ubuntu];
  }
  return [other];
}

function missingMessage(probe: Probe, looked: string[], own: string | undefined): string {
  const places = systemCandidates(probe.platform, probe.home);
  return [
    'No Chromium found: the browser tests of `npm test` drive a real Chromium, and there is none here.',
    'Looked for:',
    '  CHROMIUM_PATH (not set)',
    ...places.map((p) => `  ${p}`),
    ...looked.map((l) => `  skipped ${l}`),
    `  Playwright’s own Chromium${own ? ` at ${own}` : ''} (not installed)`,
    'Install one, then run `npm test` again:',
    ...installAdvice(probe),
    'or point CHROMIUM_PATH at a Chromium you have: CHROMIUM_PATH=/path/to/chromium npm test',
  ].join('\n');
}

function realProbe(): Probe {
  return {
    platform: process.platform,
    env: process.env,
    home: homedir(),
    executable(path) {
      try {
        accessSync(path, constants.X_OK);
        // A directory is "executable" too; a Chromium is a file (statSync follows links).
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    realpath: (path) => realpathSync(path),
    distro() {
      try {
        const text = readFileSync('/etc/os-release', 'utf8');
        return [...text.matchAll(/^(ID|ID_LIKE)=(.*)$/gm)].map((m) => m[2].replace(/"/g, '')).join(' ').toLowerCase();
      } catch {
        return '';
      }
    },
    playwrightPath() {
      try {
        // Loaded only when no system Chromium was found: it is the slow part of this file.
        const { chromium } = createRequire(import.meta.url)('playwright') as typeof import('playwright');
        return chromium.executablePath();
      } catch {
        return undefined;
      }
    },
  };
}

/** The browser found when this file was loaded (computed once; cheap file checks only). */
export const chromiumLookup: ChromiumLookup = findChromium();

/** The path of the Chromium to drive, or an Error whose message says what to install. */
export function requireChromium(lookup: ChromiumLookup = chromiumLookup): string {
  if (!lookup.ok) throw new Error(lookup.message);
  return lookup.path;
}

/** Prints the message and ends the process when there is no Chromium: for the test runners'
 * configs, where a thrown Error would bury the message under a stack trace. */
export function exitUnlessChromium(lookup: ChromiumLookup = chromiumLookup): void {
  if (lookup.ok) return;
  console.error(`\n${lookup.message}\n`);
  process.exit(1);
}

export const chromiumLaunchOptions = {
  // Undefined only when nothing was found; the test runs stop at exitUnlessChromium first.
  executablePath: chromiumLookup.ok ? chromiumLookup.path : undefined,
  args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
};

// `npx tsx browser-path.ts`: says which Chromium the tests will drive, or what to install.
if (process.argv[1] && fileURLToPath(import.meta.url) === safeResolve(process.argv[1])) {
  if (chromiumLookup.ok) {
    const from = { CHROMIUM_PATH: 'from CHROMIUM_PATH', system: 'found on this system', playwright: 'Playwright’s own' }[chromiumLookup.from];
    if (!process.argv.includes('--quiet')) console.log(`browser tests: Chromium at ${chromiumLookup.path} (${from})`);
  } else {
    exitUnlessChromium();
  }
}

function safeResolve(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
