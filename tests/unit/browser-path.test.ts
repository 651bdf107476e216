// The search for a Chromium behind `npm test` (browser-path.ts), on fake machines.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findChromium, installAdvice, type Probe } from '../../browser-path.ts';

function machine(over: Partial<Probe> & { files?: string[]; links?: Record<string, string> } = {}): Probe {
  const files = new Set(over.files ?? []);
  return {
    platform: over.platform ?? 'linux',
    env: over.env ?? {},
    home: '/home/ada',
    executable: (p) => files.has(p),
    realpath: (p) => over.links?.[p] ?? p,
    distro: over.distro ?? (() => 'debian'),
    playwrightPath: over.playwrightPath ?? (() => '/home/ada/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome'),
  };
}

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, over a system Chromium', () => {
    const found = findChromium(machine({ env: { CHROMIUM_PATH: '/opt/mine/chrome' }, files: ['/opt/mine/chrome', '/usr/lib/chromium/chromium'] }));
    expect(found).toEqual({ ok: true, path: '/opt/mine/chrome', from: 'CHROMIUM_PATH' });
  });

  it('stops on a CHROMIUM_PATH that points at nothing rather than quietly using another browser', () => {
    const found = findChromium(machine({ env: { CHROMIUM_PATH: '/typo/chromium' }, files: ['/usr/lib/chromium/chromium'] }));
    expect(found.ok).toBe(false);
    if (!found.ok) {
      expect(found.message).toContain('CHROMIUM_PATH is set to /typo/chromium');
      expect(found.message).toContain('/usr/lib/chromium/chromium');
    }
  });

  it("finds Debian's chromium binary without any setting, before the wrapper script", () => {
    const found = findChromium(machine({ files: ['/usr/bin/chromium', '/usr/lib/chromium/chromium'] }));
    expect(found).toEqual({ ok: true, path: '/usr/lib/chromium/chromium', from: 'system' });
  });

  it('finds Chromium, then Chrome, in /Applications on macOS', () => {
    const chrome = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    expect(findChromium(machine({ platform: 'darwin', files: [chrome] }))).toEqual({ ok: true, path: chrome, from: 'system' });
    const both = findChromium(machine({ platform: 'darwin', files: [chrome, '/Applications/Chromium.app/Contents/MacOS/Chromium'] }));
    expect(both).toMatchObject({ path: '/Applications/Chromium.app/Contents/MacOS/Chromium' });
  });

  it("skips Ubuntu's snap chromium (Playwright cannot drive it) and falls back to Playwright's own", () => {
    const own = '/home/ada/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome';
    const found = findChromium(
      machine({ distro: () => 'ubuntu debian', files: ['/usr/bin/chromium-browser', own], links: { '/usr/bin/chromium-browser': '/snap/bin/chromium' } }),
    );
    expect(found).toEqual({ ok: true, path: own, from: 'playwright' });
  });

  it('with nothing installed, says where it looked and exactly what to install on Debian', () => {
    const found = findChromium(machine());
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.message).toMatch(/^No Chromium found/);
    expect(found.message).toContain('/usr/lib/chromium/chromium');
    expect(found.message).toContain('(not installed)');
    // The Debian advice comes first on Debian.
    const advice = found.message.split('Install one, then run `npm test` again:\n')[1];
    expect(advice.split('\n')[0]).toContain('apt-get update && apt-get install -y chromium');
  });

  it('gives each system its own advice first', () => {
    expect(installAdvice({ platform: 'linux', distro: () => 'ubuntu debian' })[0]).toContain('npx playwright install --with-deps chromium');
    expect(installAdvice({ platform: 'darwin', distro: () => '' })[0]).toContain('brew install --cask chromium');
    expect(installAdvice({ platform: 'win32', distro: () => '' })[0]).toContain('npx playwright install chromium');
  });
});

describe('npx tsx browser-path.ts (the first step of npm test)', () => {
  const run = (env: Record<string, string>) =>
    promisify(execFile)('node', ['--import', 'tsx', 'browser-path.ts'], { env: { ...process.env, ...env } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('exits 1 at once with the message when CHROMIUM_PATH points at nothing', async () => {
    const r = await run({ CHROMIUM_PATH: '/no/such/chromium' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CHROMIUM_PATH is set to /no/such/chromium, but there is no executable file there.');
  });

  it('names the Chromium it will drive when there is one', async () => {
    const r = await run({ CHROMIUM_PATH: process.execPath });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Chromium at ${process.execPath} (from CHROMIUM_PATH)`);
  });
});
