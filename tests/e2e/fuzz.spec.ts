// The fuzz corpus in the built site (issue 14): 240 generated and mutated share links and
// workspace files (tests/fuzz/corpus.ts, the same generators as the Node fuzz tests, from a
// fixed seed) opened the way a learner would — a link pasted into the address bar of the
// open tab, a file imported from the Workspaces dialog — with the learner's own workspace
// open. Every one must end in a message, with no page error, no console error, no dialog and
// no markup from a label run; the learner's workspace must come out exactly as it was.
import { test, expect, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { sampleCases } from '../fuzz/corpus.ts';
import { isShareFragment } from '../../src/share/codec.ts';
import { failOnConsoleProblems, openExample, rowsOf } from './support.ts';

failOnConsoleProblems();

const MINE = 'My own work (fuzz)';

async function exportedSession(page: Page): Promise<unknown> {
  await page.getByTestId('workspaces').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-this').click()]);
  await page.getByTestId('workspaces-dialog').getByRole('button', { name: 'Close' }).click();
  const file = JSON.parse(await readFile((await download.path())!, 'utf8'));
  return file.workspaces[0].session;
}

/** Marks the notice on screen as seen; the next one is a new element (App keys it). */
const markNotice = (page: Page) => page.evaluate(() => document.querySelector('[data-testid="notice"]')?.setAttribute('data-seen', ''));
const freshNotice = (page: Page) => page.locator('[data-testid="notice"]:not([data-seen])');

test('240 generated and mutated links and files open with a message each, no page error, and the learner’s work untouched', async ({ page }) => {
  test.setTimeout(900_000);
  const dialogs: string[] = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });

  // The learner's own work: a run of the payments example, renamed, saved.
  await openExample(page, 'payments');
  await page.getByTestId('fire').click();
  await page.getByTestId('fire').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(2);
  for (let i = 0; i < 5; i++) {
    const before = await page.getByTestId('step-counter').textContent();
    await page.getByRole('button', { name: 'Step forward' }).click();
    await expect(page.getByTestId('step-counter')).not.toHaveText(before!);
  }
  await page.getByTestId('workspaces').click();
  const dialog = page.getByTestId('workspaces-dialog');
  await dialog.getByRole('button', { name: /^Rename / }).first().click();
  await dialog.getByRole('textbox').fill(MINE);
  await dialog.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(dialog.getByTestId('workspace-row').getByText(MINE)).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('save-status')).toHaveText('Saved locally');
  const counterBefore = await page.getByTestId('step-counter').textContent();
  const nameBefore = await page.getByTestId('scenario-name').textContent();
  const mine = await exportedSession(page);

  const cases = await sampleCases(240, 2614);
  const opened = { link: 0, file: 0, ignored: 0 };
  for (const [i, c] of cases.entries()) {
    await markNotice(page);
    if (c.kind === 'link') {
      // Pasted into the address bar of this tab: only the fragment changes.
      const hash = await page.evaluate((text) => {
        history.replaceState(history.state, '', location.pathname + location.search);
        location.hash = text;
        return location.hash;
      }, c.text);
      if (hash.length <= 1 || hash.startsWith('#/') || !isShareFragment(hash)) {
        opened.ignored++; // not a share link at all: the app leaves it alone
        continue;
      }
      opened.link++;
    } else {
      await page.getByTestId('workspaces').click();
      await page.getByTestId('import-file').setInputFiles({ name: `fuzz-${i}.json`, mimeType: 'application/json', buffer: Buffer.from(c.text) });
      opened.file++;
    }
    await expect(freshNotice(page), `case ${i} (${c.how}) got no message`).toBeVisible();
  }
  console.info(`opened ${opened.link} links and ${opened.file} files in the built site (${opened.ignored} fragments were not share links)`);
  expect(opened.link + opened.file).toBeGreaterThanOrEqual(200);
  expect(opened.file).toBeGreaterThan(20);
  expect(opened.link).toBeGreaterThan(20);

  // No label ran as markup or code, and nothing asked the learner anything.
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);

  // The learner's workspace, opened again: exactly as it was.
  await page.getByTestId('workspaces').click();
  await dialog.getByRole('button', { name: `Open ${MINE}`, exact: true }).click();
  await expect(page.getByTestId('scenario-name')).toHaveText(nameBefore!);
  await expect(page.getByTestId('step-counter')).toHaveText(counterBefore!);
  await expect(rowsOf(page, 'fire')).toHaveCount(2);
  expect(await exportedSession(page)).toEqual(mine);
  // And it survives a reload as the workspace of last time.
  await page.reload();
  await expect(page.getByTestId('step-counter')).toHaveText(counterBefore!);
  expect(await exportedSession(page)).toEqual(mine);
});
