// A graded challenge as a learner meets it ([Z6]–[Z8]): open the list, start "Exactly one
// email per order", grade the broken design (it fails), open the breaking run at the
// breaking step, go back, fix it in the break-it panel, grade again (it passes), and the pass
// is still there after a reload, and in another browser that imports the export of everything.
import { readFile } from 'node:fs/promises';
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, saved, selectNode } from './support.ts';

failOnConsoleProblems();

const axe = async (page: import('@playwright/test').Page) => (await new AxeBuilder({ page }).include('#challenges').analyze()).violations;

test('start a challenge, fail it, step to the break, fix it, pass it, and the pass is kept after a reload and through an export', async ({ page, browser, baseURL }) => {
  await page.goto('./?blank');
  await expect(page.getByTestId('canvas')).toBeVisible();
  await page.getByTestId('challenges-open').click();
  const panel = page.getByTestId('challenge-panel');
  await expect(panel.getByTestId('challenge-list')).toBeVisible();
  const item = panel.getByTestId('challenge-item-one-email-per-order');
  await expect(item).toHaveAttribute('data-status', 'not-started');
  expect(await panel.locator('[data-testid^="challenge-item-"]').count()).toBeGreaterThanOrEqual(5);
  expect(await axe(page)).toEqual([]);

  // Open it: the text, the goal it grades, the faults; start it as a new workspace.
  await item.getByRole('button').click();
  await expect(panel.getByRole('heading', { name: 'Exactly one email per order' })).toBeVisible();
  await expect(panel.getByTestId('challenge-goals')).toContainText('At most one email per order');
  await expect(panel).toContainText('200 schedules');
  await panel.getByTestId('challenge-start').click();
  await expect(page.getByTestId('scenario-name')).toHaveText('Order confirmations');
  await saved(page);

  // Grade the broken design: it fails, with the shrunk schedule.
  await panel.getByTestId('challenge-grade').click();
  const fail = panel.getByTestId('challenge-fail');
  await expect(fail).toContainText('“At most one email per order” broke at step', { timeout: 60_000 });
  await expect(panel.getByTestId('challenge-faults').locator('li').first()).toContainText(/^at \d+ ms: (deliver evt-\d+ to mailer again|rewind mailer by \d)/);
  expect(await axe(page)).toEqual([]);
  const step = Number(/broke at step (\d+)/.exec((await fail.textContent()) ?? '')![1]);

  // The breaking run opens as a workspace of its own, at the breaking step.
  await panel.getByTestId('challenge-open-run').click();
  await expect(page.getByTestId('save-status')).toHaveAttribute('title', /Exactly one email per order: broken by \d fault/);
  await expect(page.getByTestId('step-counter')).toContainText(`step ${step} /`);
  await expect(page.locator('[data-testid="invariant"][data-status="broken"]')).toContainText('At most one email per order');
  await expect(page.locator('[data-testid="trace-row"]').filter({ hasText: 'As scheduled, the scenario ' }).first()).toBeVisible();
  // From the run, grading is not offered: the panel leads back to the learner's design.
  await expect(panel.getByTestId('challenge-grade')).toHaveCount(0);

  // Back to the design; fix it as a learner would: Mailer remembers the events it handled.
  await panel.getByTestId('challenge-open-design').click();
  await expect(page.getByTestId('scenario-name')).toHaveText('Order confirmations');
  await selectNode(page, 'mailer');
  await page.getByLabel('Idempotency', { exact: true }).selectOption('processed-ids');
  await expect(page.getByLabel('Idempotency', { exact: true })).toHaveValue('processed-ids');
  await saved(page);

  await panel.getByTestId('challenge-grade').click();
  await expect(panel.getByTestId('challenge-pass')).toContainText('Passed: your design held the goal in all 200 schedules (duplicate in ', { timeout: 60_000 });
  await expect(panel.getByTestId('challenge').getByTestId('challenge-status')).toHaveText('Passed');
  expect(await axe(page)).toEqual([]);

  // A reload: the pass is kept, and the design is still the learner's.
  await page.reload();
  await expect(page.getByTestId('canvas')).toBeVisible();
  await page.getByTestId('challenges-open').click();
  await expect(page.getByTestId('challenge-item-one-email-per-order')).toHaveAttribute('data-status', 'passed');
  await page.getByTestId('challenge-item-one-email-per-order').getByRole('button').click();
  await expect(page.getByTestId('challenge-grade')).toBeVisible();

  // Export everything; another browser (its own, empty IndexedDB) imports the file: the pass
  // comes with it, and the challenge opens the learner's design, not a fresh start.
  await page.getByTestId('workspaces').click();
  const download = page.waitForEvent('download');
  await page.getByTestId('export-all').click();
  const text = await readFile((await (await download).path())!, 'utf8');
  const other = await browser.newContext({ baseURL });
  const friend = await other.newPage();
  await friend.goto('./?blank');
  await expect(friend.getByTestId('canvas')).toBeVisible();
  await friend.getByTestId('workspaces').click();
  await friend.getByTestId('import-file').setInputFiles({ name: 'all.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(friend.getByTestId('notice')).toContainText(' and 1 challenge pass(es); nothing was replaced.');
  await friend.getByTestId('challenges-open').click();
  await expect(friend.getByTestId('challenge-item-one-email-per-order')).toHaveAttribute('data-status', 'passed');
  await friend.getByTestId('challenge-item-one-email-per-order').getByRole('button').click();
  await expect(friend.getByTestId('challenge-grade').or(friend.getByTestId('challenge-open-design'))).toBeVisible();
  await expect(friend.getByTestId('challenge-start')).toHaveCount(0);
  await other.close();
});

test('a challenge link opens that challenge (hiding a lesson); a link to no challenge shows the list and says so', async ({ page }) => {
  await page.goto('./#/lesson/fan-out');
  await expect(page.getByTestId('lesson-panel')).toBeVisible();
  await page.evaluate(() => (location.hash = '#/challenge/failover'));
  await expect(page.locator('#challenge-title')).toHaveText('No order lost or counted twice in a failover');
  await expect(page.getByTestId('lesson-panel')).toBeHidden();
  await expect(page.getByTestId('challenge-link')).toHaveAttribute('href', '#/challenge/failover');
  // Started from the link: the broken design is a workspace of its own, with three brokers.
  await page.getByTestId('challenge-start').click();
  await expect(page.getByTestId('broker-orders-b3')).toBeVisible();

  await page.goto('./#/challenge/no-such-thing');
  await expect(page.getByTestId('challenge-list')).toBeVisible();
  await expect(page.locator('#challenges [role="alert"]')).toContainText('There is no challenge called "no-such-thing"');
  // Back to a lesson by its link: the challenges make room.
  await page.evaluate(() => (location.hash = '#/lesson/fan-out'));
  await expect(page.getByTestId('lesson-panel')).toBeVisible();
  await expect(page.getByTestId('challenge-list')).toBeHidden();
});
