// The chaos explorer as a learner uses it: which faults break my design? It finds a schedule
// that charges a card twice, shrunk to faults none of which can be dropped, opens that run at
// the breaking step; a design that holds says what it survived.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, openExample, runToEnd } from './support.ts';

failOnConsoleProblems();

test('finds a fault schedule that breaks "charged once", shrunk, and opens it at the break', async ({ page }) => {
  await openExample(page, 'payments');
  await page.getByTestId('fire').click();
  await page.getByTestId('fire').click();
  await runToEnd(page);
  await expect(page.locator('[data-testid="invariant"][data-status="holding"]')).toHaveCount(1);

  await page.getByTestId('chaos-open-dialog').click();
  const dialog = page.getByTestId('chaos-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('chaos-run').click();
  await expect(dialog.getByTestId('chaos-finding')).toContainText("Broke “each order's card is charged at most once”", { timeout: 60_000 });
  const faults = dialog.getByTestId('chaos-faults').locator('li');
  expect(await faults.count()).toBeGreaterThanOrEqual(1);
  await expect(faults.first()).toContainText(/^at \d+ ms: /);
  expect((await new AxeBuilder({ page }).include('[data-testid="chaos-dialog"]').analyze()).violations).toEqual([]);

  // The run opens as a workspace of its own, at the step after the break: the invariant is broken there.
  await dialog.getByTestId('chaos-open').click();
  await expect(page.getByTestId('save-status')).toHaveAttribute('title', /broken by 1 fault|broken by \d faults/);
  await expect(page.locator('[data-testid="invariant"][data-status="broken"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="trace-row"]').filter({ hasText: 'As scheduled, the scenario ' }).first()).toBeVisible();
});

test('a design that holds says how many schedules of each kind it survived; no invariant: it says what to do', async ({ page }) => {
  await openExample(page, 'payments');
  await page.getByTestId('fire').click();
  await runToEnd(page);
  await page.getByTestId('chaos-open-dialog').click();
  const dialog = page.getByTestId('chaos-dialog');
  // Only reordering: it delivers nothing twice, so "charged once" holds.
  for (const k of ['crash', 'duplicate', 'rewind', 'outage', 'partition', 'lost-acks', 'broker']) await dialog.getByTestId(`chaos-kind-${k}`).uncheck();
  await dialog.getByTestId('chaos-count').fill('120');
  await dialog.getByTestId('chaos-run').click();
  await expect(dialog.getByTestId('chaos-survived')).toHaveText('Survived 120 schedules: reorder in 120.', { timeout: 60_000 });
  await dialog.getByRole('button', { name: 'Close' }).click();

  await openExample(page, 'fan-out');
  await page.getByTestId('chaos-open-dialog').click();
  await page.getByTestId('chaos-dialog').getByTestId('chaos-run').click();
  await expect(page.getByTestId('chaos-dialog').getByTestId('chaos-result')).toContainText('Cannot explore: the scenario has no invariants to break');
});
