// Lesson 34 on the built site, the way a learner takes it ([WN1]–[WN4]): a fraud check counts
// payments per card in tumbling one-second windows and misses a burst that straddles a window
// boundary; an advance that does not divide the size is refused at its field; hopping windows
// (advance 250 ms) catch the burst, and the canvas shows the window results.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, goal, playToEnd, rowsOf, saved, selectNode } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 90_000 });

test('lesson 34: a tumbling window splits a burst of payments 2 + 2; hopping windows of the same size catch it', async ({ page }) => {
  await page.goto('./#/lesson/windowed-fraud');
  await expect(page.getByTestId('lesson-title')).toHaveText('A burst between two windows');
  await playToEnd(page);
  // The burst is split between [0 s, 1 s) and [1 s, 2 s): nothing is emitted.
  const closes = rowsOf(page, 'window-close').filter({ hasText: 'of CARD-7' });
  await expect(closes).toHaveCount(2);
  await expect(closes.first()).toContainText('count 2 for CARD-7 in [0 s, 1 s) (2 events) is not above 3, so nothing is emitted');
  await expect(page.getByTestId('node-fraud-check')).toContainText('count · tumbling 1 s · grace 0 s');
  await expect(page.getByTestId('stream-result-fraud-check').filter({ hasText: 'CARD-7' }).first()).toContainText('CARD-7 [0 s, 1 s): 2');
  await expect(goal(page, 'alert')).toHaveAttribute('data-ok', 'false');

  await selectNode(page, 'fraud-check');
  const form = page.getByTestId('stream-form');
  await expect(form).toBeVisible();
  const axe = await new AxeBuilder({ page }).include('[data-testid="stream-form"]').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  // An advance that does not divide the size is refused at its field, and stays there.
  const advance = form.getByLabel('Advance (ms)');
  await advance.fill('300');
  await advance.blur();
  await expect(form.locator('.error')).toContainText('must divide the window size (1000 ms)');
  await expect(advance).toHaveAttribute('aria-invalid', 'true');
  await expect(advance).toHaveValue('300');
  await expect(page.getByTestId('node-fraud-check')).toContainText('tumbling');

  // Hopping windows: each starts 250 ms after the one before.
  await advance.fill('250');
  await advance.blur();
  await expect(form.locator('.error')).toHaveCount(0);
  await expect(page.getByTestId('node-fraud-check')).toContainText('count · hopping 1 s every 250 ms');
  await playToEnd(page);
  await expect(rowsOf(page, 'window-close').filter({ hasText: 'count 4 for CARD-7 in [250 ms, 1.25 s) (4 events) → alerts' })).toHaveCount(1);
  await expect(rowsOf(page, 'publish').filter({ hasText: 'FraudSuspected' }).first()).toBeVisible();
  await expect(form.getByTestId('stream-results')).toContainText('CARD-7 [750 ms, 1.75 s): 4 → emitted');
  await expect(goal(page, 'alert')).toHaveAttribute('data-ok', 'true');
  await expect(goal(page, 'honest')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');

  await saved(page);
  await page.reload();
  await expect(page.getByTestId('node-fraud-check')).toContainText('hopping 1 s every 250 ms');
});

test('the fraud-detection example: a late payment is dropped with a step that says so, a join misses, and a grace period set in the form lets the alert through', async ({ page }) => {
  await page.goto('./?example=fraud-detection');
  await expect(page.getByTestId('canvas')).toBeVisible();
  await playToEnd(page);
  await expect(rowsOf(page, 'late').first()).toContainText('as late (event time 950 ms');
  await expect(rowsOf(page, 'late').first()).toContainText('With a grace period of 0, an event that arrives after its window ends is lost');
  await expect(page.getByTestId('stream-late-fraud-check')).toHaveText('✕ 1 late, dropped');
  await expect(rowsOf(page, 'join').filter({ hasText: 'no row for key CARD-5' })).toHaveCount(1);
  await expect(rowsOf(page, 'publish').filter({ hasText: 'FraudSuspected' })).toHaveCount(0);

  await selectNode(page, 'fraud-check');
  const form = page.getByTestId('stream-form');
  await expect(form.getByTestId('stream-table')).toContainText('CARD-7: {"holder":"Ada","limit":500}');
  const grace = form.getByLabel('Grace period (ms)');
  await grace.fill('-5');
  await grace.blur();
  await expect(form.locator('.error')).toContainText('must be at least 0');
  await grace.fill('500');
  await grace.blur();
  await expect(form.locator('.error')).toHaveCount(0);
  await playToEnd(page);
  await expect(page.getByTestId('stream-late-fraud-check')).toHaveCount(0);
  await expect(rowsOf(page, 'window-close').filter({ hasText: 'plus 500 ms of grace' }).filter({ hasText: 'count 4 for CARD-7 in [0 s, 1 s) (4 events) → alerts' })).toHaveCount(1);
  await expect(page.getByTestId('stream-result-fraud-check').filter({ hasText: 'CARD-7' })).toContainText('CARD-7 [0 s, 1 s): 4 → emitted');
});

test('lesson 35: the app\'s late sales are dropped with no grace; a grace period counts them; too much grace makes the counts too late', async ({ page }) => {
  await page.goto('./#/lesson/late-events');
  await expect(page.getByTestId('lesson-title')).toHaveText('Late events');
  await playToEnd(page);
  await expect(rowsOf(page, 'late').first()).toContainText('dropped SaleMade');
  await expect(rowsOf(page, 'late').first()).toContainText('as late (event time 800 ms');
  await expect(goal(page, 'first')).toHaveAttribute('data-ok', 'false');
  await expect(goal(page, 'none-late')).toHaveAttribute('data-ok', 'false');

  await selectNode(page, 'per-second');
  const grace = page.getByTestId('stream-form').getByLabel('Grace period (ms)');
  // Too much: every sale counted, but the first two seconds' counts come out after 2,800 ms.
  await grace.fill('1500');
  await grace.blur();
  await playToEnd(page);
  await expect(goal(page, 'none-late')).toHaveAttribute('data-ok', 'true');
  await expect(goal(page, 'timely')).toHaveAttribute('data-ok', 'false');

  await selectNode(page, 'per-second');
  await grace.fill('700');
  await grace.blur();
  await playToEnd(page);
  await expect(rowsOf(page, 'late')).toHaveCount(0);
  await expect(rowsOf(page, 'window-close').first()).toContainText('count 11 for SHOP-1 in [0 s, 1 s)');
  for (const id of ['first', 'second', 'none-late', 'timely', 'per-second']) await expect(goal(page, id)).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
});
