// Lesson 29 on the built site, the way a learner takes it: opened by its link, played, then
// fixed twice in the inspector — the new group's auto.offset.reset, then the topic's
// retention — with the canvas and the inspector showing the log start, and the fix kept
// after a reload. A retention that is not a number is refused at its field.
import { test, expect } from '@playwright/test';
import { failOnConsoleProblems, goal, playToEnd, rowsOf, saved, selectNode } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 90_000 });

test('lesson 29: a new group with latest misses history; earliest still finds records deleted by retention; keeping them longer fixes it', async ({ page }) => {
  await page.goto('./#/lesson/retention-offset-reset');
  await expect(page.getByTestId('lesson-title')).toHaveText('A new service joins late');
  await expect(page.getByTestId('node-orders')).toContainText('kept 300 ms');

  await playToEnd(page);
  await expect(goal(page, 'all-12')).toHaveAttribute('data-ok', 'false');
  // The rebalance says where the new group started, and why.
  await expect(rowsOf(page, 'rebalance').filter({ hasText: 'analytics starts orders p0 at @6 (no committed offset; auto.offset.reset=latest' })).toHaveCount(1);
  // Every record was deleted 300 ms after it was appended: the canvas shows the log start.
  await expect(page.getByTestId('start-orders-p0')).toHaveText('12');
  await expect(rowsOf(page, 'expire').first()).toContainText("orders deleted OrderPlaced evt-0 (key ORD-1) at orders p0 @0: it was appended 300 ms ago, the topic's retention");

  // Fix 1: earliest. The run replays: 9 of 12, since 0–2 were gone when Analytics joined.
  await selectNode(page, 'analytics');
  await page.getByTestId('inspect-offset-reset').selectOption('earliest');
  await expect(goal(page, 'earliest')).toHaveAttribute('data-ok', 'true');
  await playToEnd(page);
  await expect(rowsOf(page, 'rebalance').filter({ hasText: 'at @3 (no committed offset; auto.offset.reset=earliest: offsets 0–2 were deleted by retention)' })).toHaveCount(1);
  await expect(goal(page, 'all-12')).toHaveAttribute('data-ok', 'false');

  // A retention that is not allowed is refused at its field, and nothing changes.
  await selectNode(page, 'orders');
  await page.getByTestId('inspect-retention-ms').fill('-5');
  await page.getByTestId('inspect-retention-ms').press('Enter');
  await expect(page.getByTestId('error-retention-ms')).toBeVisible();
  await expect(page.getByTestId('node-orders')).toContainText('kept 300 ms');

  // Fix 2: keep each record 1000 ms.
  await page.getByTestId('inspect-retention-ms').fill('1000');
  await page.getByTestId('inspect-retention-ms').press('Enter');
  await expect(page.getByTestId('node-orders')).toContainText('kept 1000 ms');
  await playToEnd(page);
  await expect(goal(page, 'all-12')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
  await expect(page.getByTestId('log-orders-p0')).toBeVisible();

  await saved(page);
  await page.reload();
  await expect(page.getByTestId('node-orders')).toContainText('kept 1000 ms');
  await selectNode(page, 'analytics');
  await expect(page.getByTestId('inspect-offset-reset')).toHaveValue('earliest');
});

test('lesson 30: retention forgets quiet customers; keeping everything grows; compaction keeps one record per customer, struck through in the log', async ({ page }) => {
  await page.goto('./#/lesson/compacted-changelog');
  await expect(page.getByTestId('lesson-title')).toHaveText('A changelog that forgets');
  await playToEnd(page);
  await expect(goal(page, 'all-four')).toHaveAttribute('data-ok', 'false');
  await expect(rowsOf(page, 'expire').filter({ hasText: '(key C-2)' })).toHaveCount(1);

  // Keep everything: all four customers, but the log keeps every move of C-1.
  await selectNode(page, 'customers');
  await page.getByTestId('inspect-retention-ms').fill('');
  await page.getByTestId('inspect-retention-ms').press('Enter');
  await expect(page.getByTestId('node-customers')).not.toContainText('kept 1000 ms');
  await playToEnd(page);
  await expect(goal(page, 'all-four')).toHaveAttribute('data-ok', 'true');
  await expect(goal(page, 'small')).toHaveAttribute('data-ok', 'false');

  // Compact it: the older records of C-1 are struck through, one record per customer is left.
  await selectNode(page, 'customers');
  await page.getByTestId('inspect-compact').fill('100');
  await page.getByTestId('inspect-compact').press('Enter');
  await expect(page.getByTestId('node-customers')).toContainText('compacted');
  await playToEnd(page);
  await expect(rowsOf(page, 'compact').first()).toContainText("customers's log cleaner compacted it");
  await expect(goal(page, 'small')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
  await selectNode(page, 'customers');
  await expect(page.getByTestId('log-customers-p0').locator('.cell.gone')).toHaveCount(5);
  await expect(page.getByTestId('log-customers-p0').locator('.cell:not(.gone)')).toHaveCount(4);
});
