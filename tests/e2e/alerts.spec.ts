// Alerts ([AL1]–[AL6]) on the built site, the way a learner uses them: lesson 32 opened by its
// link; the lesson's lag alert fires and clears on the timeline; the learner adds an alert of
// their own on Shipping's latency (bad values refused at their field first), sees it fire,
// jumps to the fire mark and back to the start, edits and removes it; then fixes the cause
// and completes the lesson, and the alerts survive a reload.
import { test, expect } from '@playwright/test';
import { failOnConsoleProblems, goal, playToEnd, saved, selectNode } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 120_000 });

test('lesson 32: a lag alert fires and clears on the timeline; a learner adds, edits and removes an alert; faster processing keeps it quiet', async ({ page }) => {
  await page.goto('./#/lesson/lag-alert');
  await expect(page.getByTestId('lesson-title')).toHaveText('An alert on consumer lag');
  const lagAlert = page.getByTestId('alert').filter({ hasText: 'Shipping is more than 10 orders behind' });
  await expect(lagAlert).toHaveAttribute('data-state', 'ok');

  await playToEnd(page);
  // It fired at 500 ms and cleared at 1850 ms: a fire mark and a clear mark on the timeline.
  const marks = page.getByTestId('alert-mark');
  await expect(marks).toHaveCount(2);
  await expect(marks.nth(0)).toHaveAttribute('data-fired', 'true');
  await expect(marks.nth(1)).toHaveAttribute('data-fired', 'false');
  await expect(goal(page, 'quiet')).toHaveAttribute('data-ok', 'false');
  await expect(goal(page, 'all')).toHaveAttribute('data-ok', 'true');
  await expect(lagAlert).toHaveAttribute('data-state', 'ok');

  // The fire mark seeks to the step after it fired: firing there, and the trace says why.
  await marks.nth(0).click();
  await expect(lagAlert).toHaveAttribute('data-state', 'firing');
  await expect(page.getByTestId('trace')).toContainText('has been > 10 for 200 ms');
  // Back to the start: ok again (seeking shows what a fresh run shows).
  await page.getByTestId('scrubber').fill('0');
  await expect(lagAlert).toHaveAttribute('data-state', 'ok');

  // The learner's own alert on Shipping's latency. Bad values are refused at their field.
  await selectNode(page, 'shipping');
  const editor = page.getByTestId('alerts-editor');
  await expect(editor.getByTestId('alert-row')).toHaveCount(1);
  await editor.getByTestId('alert-add').click();
  await editor.getByTestId('alert-metric').selectOption('latency');
  await editor.getByTestId('alert-threshold').fill('soon');
  await editor.getByTestId('alert-save').click();
  await expect(editor.getByTestId('alert-error-threshold')).toHaveText('Threshold: must be a number, such as 10');
  await editor.getByTestId('alert-threshold').fill('-3');
  await editor.getByTestId('alert-for').fill('100');
  await editor.getByTestId('alert-save').click();
  await expect(editor.getByTestId('alert-error-threshold')).toHaveText('Threshold: must be at least 0');
  await expect(editor.getByTestId('alert-row')).toHaveCount(1);
  await editor.getByTestId('alert-threshold').fill('400');
  await editor.getByTestId('alert-label').fill('Orders wait too long');
  await editor.getByTestId('alert-save').click();
  await expect(editor.getByTestId('alert-row')).toHaveCount(2);
  await expect(editor.getByTestId('alert-form')).toHaveCount(0);

  await playToEnd(page);
  const mine = page.getByTestId('alert').filter({ hasText: 'Orders wait too long' });
  await expect(mine).toHaveAttribute('data-state', 'firing');
  await expect(page.getByTestId('trace')).toContainText('latency of shipping is');
  await expect(marks).toHaveCount(3);
  await selectNode(page, 'shipping');
  await expect(page.getByTestId('health-alert-marks')).toContainText('fired at step');
  expect(Number(await page.getByTestId('health-chart').getAttribute('data-latency'))).toBeGreaterThan(400);

  // Edit it: a threshold no order reaches. It never fires now.
  await editor.getByTestId('alert-edit').nth(1).click();
  await expect(editor.getByTestId('alert-label')).toHaveValue('Orders wait too long');
  await editor.getByTestId('alert-threshold').fill('100000');
  await editor.getByTestId('alert-save').click();
  await playToEnd(page);
  await expect(mine).toHaveAttribute('data-state', 'ok');
  await expect(marks).toHaveCount(2);
  // Remove it.
  await selectNode(page, 'shipping');
  await editor.getByTestId('alert-remove').nth(1).click();
  await expect(page.getByTestId('alert')).toHaveCount(1);

  // Fix the cause: Shipping spends 15 ms per order. The alert never fires.
  await page.getByTestId('inspect-processing').fill('15');
  await page.getByTestId('inspect-processing').press('Enter');
  await playToEnd(page);
  await expect(marks).toHaveCount(0);
  await expect(goal(page, 'quiet')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');

  await saved(page);
  await page.reload();
  await expect(page.getByTestId('alert')).toHaveCount(1);
  await expect(lagAlert).toBeVisible();
});

test('deleting the alert or raising its threshold does not pass lesson 32', async ({ page }) => {
  await page.goto('./#/lesson/lag-alert');
  await expect(page.getByTestId('lesson-title')).toHaveText('An alert on consumer lag');
  await selectNode(page, 'shipping');
  const editor = page.getByTestId('alerts-editor');
  await editor.getByTestId('alert-edit').first().click();
  await editor.getByTestId('alert-threshold').fill('100');
  await editor.getByTestId('alert-save').click();
  await playToEnd(page);
  await expect(page.getByTestId('alert-mark')).toHaveCount(0);
  await expect(goal(page, 'quiet')).toHaveAttribute('data-ok', 'false');
  await expect(goal(page, 'quiet')).toContainText('keep it');
  await selectNode(page, 'shipping');
  await editor.getByTestId('alert-remove').first().click();
  await expect(page.getByTestId('alert')).toHaveCount(0);
  await playToEnd(page);
  await expect(goal(page, 'quiet')).toHaveAttribute('data-ok', 'false');
});

test('lesson 33: a poison message retried at once fires the error-rate alert; three spaced attempts and a dead-letter topic keep it quiet', async ({ page }) => {
  await page.goto('./#/lesson/error-rate');
  await expect(page.getByTestId('lesson-title')).toHaveText('An alert on the error rate');
  const alert = page.getByTestId('alert').filter({ hasText: 'Payments fails more than half its attempts' });
  await playToEnd(page);
  await expect(page.getByTestId('alert-mark').first()).toHaveAttribute('data-fired', 'true');
  await expect(goal(page, 'quiet')).toHaveAttribute('data-ok', 'false');
  await expect(goal(page, 'no-loss')).toHaveAttribute('data-ok', 'false');
  // Where it fired, the trace says how bad it was.
  await page.getByTestId('alert-mark').first().click();
  await expect(alert).toHaveAttribute('data-state', 'firing');
  await expect(page.getByTestId('trace')).toContainText('error rate of payments is');

  await selectNode(page, 'payments');
  await page.getByTestId('inspect-attempts').fill('3');
  await page.getByTestId('inspect-attempts').press('Enter');
  await page.getByTestId('inspect-backoff').selectOption('exponential');
  await page.getByTestId('inspect-dead-letter').selectOption('payments-dlq');
  await playToEnd(page);
  await expect(page.getByTestId('alert-mark')).toHaveCount(0);
  await expect(alert).toHaveAttribute('data-state', 'ok');
  for (const id of ['quiet', 'parked', 'no-loss', 'all-paid', 'bug']) await expect(goal(page, id)).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
});
