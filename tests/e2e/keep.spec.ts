// Keeping and sharing work, the way a learner meets it: build something and reload; share a
// run and open the link in another browser; open a broken link; run out of storage; open
// the same workspace in two tabs; export and import a file. Real Chromium, built site.
import { test, expect, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { failOnConsoleProblems, openExample, rowsOf, saved } from './support.ts';

failOnConsoleProblems();

/** Adds a node of `kind` from the palette (click adds it) and renames it. */
async function addNamed(page: Page, kind: string, id: string, label: string) {
  await page.getByTestId(`palette-${kind}`).click();
  await expect(page.getByTestId(`node-${id}`)).toBeVisible();
  await page.getByTestId(`list-node-${id}`).click();
  await page.getByTestId('inspect-label').fill(label);
  await page.getByTestId('inspect-label').press('Enter');
  await expect(page.getByTestId(`node-${id}`)).toContainText(label);
}

async function workspaceNames(page: Page): Promise<string[]> {
  await page.getByTestId('workspaces').click();
  const dialog = page.getByTestId('workspaces-dialog');
  await expect(dialog).toBeVisible();
  const names = await dialog.getByTestId('workspace-row').locator('.name').allTextContents();
  await dialog.getByRole('button', { name: 'Close' }).click();
  return names;
}

test('a scenario built on a blank canvas is still there after a reload', async ({ page }) => {
  await page.goto('./?blank');
  await expect(page.getByTestId('scenario-name')).toHaveText('Untitled scenario');
  await addNamed(page, 'producer', 'producer-1', 'checkout');
  await addNamed(page, 'topic', 'topic-1', 'orders');
  await saved(page);
  // `?blank` was taken out of the address: a reload opens the workspace, not a new canvas.
  expect(new URL(page.url()).search).toBe('');

  await page.reload();
  await expect(page.getByTestId('node-producer-1')).toContainText('checkout');
  await expect(page.getByTestId('node-topic-1')).toContainText('orders');
  await saved(page);
  expect(await workspaceNames(page)).toEqual(['Untitled scenario']);

  // "New blank canvas" starts another workspace; this one stays as it was.
  await page.getByTestId('new-blank').click();
  await expect(page.getByText('The canvas is empty')).toBeVisible();
  await saved(page);
  expect(await workspaceNames(page)).toHaveLength(2);
  await page.getByTestId('workspaces').click();
  await page.getByTestId('workspace-row').filter({ has: page.getByRole('button', { name: 'Open Untitled scenario' }) }).getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('node-producer-1')).toContainText('checkout');
});

test('a shared link opens the same run at the same step in a fresh browser, and a cut link leaves work intact', async ({ page, browser }) => {
  await openExample(page, 'payments');
  const fire = page.getByTestId('fire');
  await fire.click();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await fire.click();
  await expect(rowsOf(page, 'fire')).toHaveCount(2);
  const forward = page.getByRole('button', { name: 'Step forward' });
  const counter = page.getByTestId('step-counter');
  for (let i = 0; i < 6; i++) {
    const before = await counter.textContent();
    await forward.click();
    await expect(counter).not.toHaveText(before!);
  }
  // Back two steps: the link must open here, not at the end.
  for (let i = 0; i < 2; i++) {
    const before = await counter.textContent();
    await page.getByRole('button', { name: 'Step back' }).click();
    await expect(counter).not.toHaveText(before!);
  }
  const where = (await counter.textContent())!;
  const step = Number(/step (\d+)/.exec(where)![1]);
  const trace = await page.getByTestId('trace-row').allTextContents();
  expect(trace.length).toBe(step + 2);

  await page.getByTestId('share').click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toContain('#s1z.');
  await expect(page.getByTestId('share-size')).toHaveText(`The link is ${url.length.toLocaleString('en-US')} characters long.`);
  expect(url.length).toBeLessThan(2000);
  await page.getByTestId('share-dialog').getByRole('button', { name: 'Close' }).click();

  // Another browser (a fresh context: its own, empty IndexedDB).
  const other = await browser.newContext();
  const friend = await other.newPage();
  const problems: string[] = [];
  friend.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(m.text()));
  await friend.goto(url);
  await expect(friend.getByTestId('notice')).toContainText("Opened shared scenario 'Duplicates charge cards twice' as a new workspace, at step");
  // The same step, the same rows up to it (the run past it is recomputed when stepped into).
  await expect(friend.getByTestId('step-counter')).toHaveText(`step ${step} / ${step}`);
  await expect(friend.getByTestId('trace-row')).toHaveText(trace.slice(0, step));
  for (let i = 0; i < 2; i++) {
    const before = await friend.getByTestId('step-counter').textContent();
    await friend.getByRole('button', { name: 'Step forward' }).click();
    await expect(friend.getByTestId('step-counter')).not.toHaveText(before!);
  }
  await expect(friend.getByTestId('trace-row')).toHaveText(trace);
  // The payload is out of the address bar, and the link became a workspace of its own.
  expect(new URL(friend.url()).hash).toBe('');
  await expect(friend.getByTestId('save-status')).toHaveText('Saved locally');
  await friend.reload();
  await expect(friend.getByTestId('step-counter')).toHaveText(`step ${step + 2} / ${step + 2}`);
  expect(problems).toEqual([]);
  await other.close();

  // The sender's own tab: a link cut short by a chat app, pasted into the address bar.
  await saved(page);
  await page.goto(url.slice(0, url.length - 25));
  await expect(page.getByTestId('notice')).toContainText('The link looks cut off');
  await expect(page.getByTestId('notice')).toContainText('Your own work is untouched');
  await expect(page.getByTestId('step-counter')).toHaveText(where);
  await expect(page.getByTestId('trace-row')).toHaveText(trace);
  // And opened afresh (a new tab): the workspace, saved at the step it was left on.
  await page.goto('about:blank');
  await page.goto(url.slice(0, 60));
  await expect(page.getByTestId('notice')).toContainText('The link looks cut off');
  await expect(page.getByTestId('step-counter')).toHaveText(`step ${step} / ${step}`);
  await expect(page.getByTestId('trace-row')).toHaveText(trace.slice(0, step));
  expect(await workspaceNames(page)).toHaveLength(1);
});

test('when storage fills up the work stays on screen and the learner can export it', async ({ page }) => {
  // A small quota, stubbed at the browser level: IDBObjectStore.put counts the bytes this
  // page writes and, past the budget, throws QuotaExceededError as Chromium does for an
  // origin over its quota. (Chromium's DevTools Storage.overrideQuotaForOrigin did not
  // take effect for IndexedDB in headless Chromium 156 here, so the stub stands in.)
  await page.addInitScript(() => {
    const w = window as unknown as { __quotaBytes: number; __usedBytes: number };
    w.__quotaBytes = Infinity;
    w.__usedBytes = 0;
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      const size = JSON.stringify(value)?.length ?? 0;
      if (w.__usedBytes + size > w.__quotaBytes) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      w.__usedBytes += size;
      return put.call(this, value, key);
    };
  });
  await openExample(page, 'fan-out');
  await saved(page);
  // Room for a few more saves, then none: fire until a save fails.
  await page.evaluate(() => {
    const w = window as unknown as { __quotaBytes: number; __usedBytes: number };
    w.__quotaBytes = w.__usedBytes + 6_000;
  });
  const banner = page.getByTestId('storage-banner');
  let fired = 0;
  while ((await banner.count()) === 0) {
    expect(fired).toBeLessThan(20);
    await page.getByTestId('fire').click();
    fired++;
    await expect(rowsOf(page, 'fire')).toHaveCount(fired);
    await expect(page.getByTestId('save-status')).not.toHaveText('Saving…');
  }
  await expect(banner).toContainText('no more room');
  await expect(page.getByTestId('save-status')).toHaveText('Not saved');
  // Nothing was lost: every fire is on screen.
  await expect(rowsOf(page, 'fire')).toHaveCount(fired);

  const download = page.waitForEvent('download');
  await page.getByTestId('export-rescue').click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^eventfold-.*\.json$/);
  const exported = JSON.parse(await readFile((await file.path())!, 'utf8'));
  expect(exported.format).toBe('eventfold/workspace-export');
  expect(exported.workspaces[0].session.inputs).toHaveLength(fired);

  // Room again (the learner freed space): trying again saves, and the banner goes.
  await page.evaluate(() => ((window as unknown as { __quotaBytes: number }).__quotaBytes = Infinity));
  await page.getByRole('button', { name: 'Try saving again' }).click();
  await saved(page);
  await expect(banner).toHaveCount(0);
  await page.reload();
  await expect(rowsOf(page, 'fire')).toHaveCount(fired);
});

test('without IndexedDB (a private window) the app says so and still works in memory', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', {
      get() {
        throw new DOMException('The user denied permission to access the database.', 'SecurityError');
      },
    });
  });
  await openExample(page, 'fan-out');
  await expect(page.getByTestId('storage-banner')).toContainText('does not let Eventfold save');
  await expect(page.getByTestId('save-status')).toHaveText('Not saved (this tab only)');
  await page.getByTestId('fire').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await expect(page.getByTestId('export-rescue')).toBeVisible();
});

test('two tabs on one workspace: the second is told, and keeps its version as a new workspace', async ({ page, context }) => {
  await openExample(page, 'fan-out');
  await saved(page);
  const second = await context.newPage();
  await second.goto('./');
  await expect(second.getByTestId('scenario-name')).toHaveText(/fan-out/);
  await expect(second.getByTestId('save-status')).toHaveText('Saved locally');

  // The first tab changes it; the second hears of it before it saves over anything.
  await page.getByTestId('fire').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await saved(page);
  await expect(second.getByTestId('storage-banner')).toContainText('changed in another tab');
  await second.getByTestId('fire').click();
  await second.getByTestId('fire').click();
  await expect(rowsOf(second, 'fire')).toHaveCount(2);
  await second.getByRole('button', { name: 'Keep mine as a new workspace' }).click();
  await expect(second.getByTestId('storage-banner')).toHaveCount(0);
  await expect(second.getByTestId('save-status')).toHaveText('Saved locally');
  const names = await workspaceNames(second);
  expect(names).toHaveLength(2);
  expect(names.filter((n) => n.endsWith("(this tab's version)"))).toHaveLength(1);

  // The first tab's version was not overwritten.
  await page.reload();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await second.close();
});

test('export a workspace, import it back as a new one; a broken file is refused naming the field', async ({ page }) => {
  await openExample(page, 'fan-out');
  await page.getByTestId('fire').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await saved(page);
  await page.getByTestId('workspaces').click();
  const download = page.waitForEvent('download');
  await page.getByTestId('export-this').click();
  const text = await readFile((await (await download).path())!, 'utf8');

  await page.getByTestId('import-file').setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(page.getByTestId('notice')).toContainText('Imported 1 workspace; nothing was replaced.');
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  expect(await workspaceNames(page)).toHaveLength(2);

  const broken = JSON.parse(text);
  broken.workspaces[0].session.scenario.nodes[0].kind = 'printer';
  await page.getByTestId('workspaces').click();
  await page.getByTestId('import-file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(broken)) });
  await expect(page.getByTestId('notice')).toContainText('nodes[0]');
  expect(await workspaceNames(page)).toHaveLength(2);
});
