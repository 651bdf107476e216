// The other brokers in the built site, the way a learner uses them: a Redis-style pub/sub
// channel loses what a crashed subscriber missed, and switching it to a topic (a log) lets it
// catch up, kept after a reload; an SNS topic fans out to a FIFO queue and a filtered queue,
// with the FIFO and subscription settings refused at their field when wrong; and the FIFO
// lesson fixed by making its queue FIFO. No console errors or warnings.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, openExample, playToEnd, rowsOf, saved } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 60_000 });

async function scan(page: Page, view: string) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${view}: ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  expect(bad).toEqual([]);
}

test('pub/sub: a crashed subscriber misses messages for good; as a topic it catches up, and that is kept after a reload', async ({ page }) => {
  await openExample(page, 'pubsub');
  await playToEnd(page);
  // The channel pushed to Dashboard only while Alerts was down, and says so.
  await expect(page.getByTestId('node-prices')).toContainText('kept: none');
  await expect(rowsOf(page, 'push').filter({ hasText: 'alerts (down) missed it' }).first()).toBeVisible();
  await expect(page.getByTestId('invariant').first()).toHaveAttribute('data-status', 'broken');

  await page.getByTestId('node-prices').click();
  await expect(page.getByTestId('pubsub-form')).toContainText('Nothing is stored');
  await expect(page.getByTestId('pubsub-recent')).toContainText('missed by alerts');
  await scan(page, 'pub/sub inspector');
  await page.getByTestId('retype-topic').click();
  await expect(page.getByTestId('node-prices')).toContainText('1 partition');
  // The edit is saved at once, before play (which saves only every few seconds while it runs).
  await saved(page);
  await playToEnd(page);
  await expect(page.getByTestId('invariant').first()).toHaveAttribute('data-status', 'holding');

  await saved(page);
  await page.reload();
  await expect(page.getByTestId('node-prices')).toContainText('1 partition');
  await expect(page.getByTestId('invariant').first()).toHaveAttribute('data-status', 'holding');
});

test('SNS to a FIFO queue: fan-out with a filter and a dropped re-send; wrong settings are refused at their field', async ({ page }) => {
  await openExample(page, 'sns-fifo');
  await page.getByTestId('fire').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await playToEnd(page);
  // OrderPlaced went to billing and analytics; shipping's filter wants OrderPaid only.
  await expect(page.getByTestId('sns-node-sub-orders-billing')).toContainText('1');
  await expect(page.getByTestId('sns-node-sub-orders-shipping')).toContainText('⊘1');
  await expect(page.getByTestId('node-billing')).toContainText('FIFO');

  // The inspector: the SNS topic's subscriptions, with a bad filter refused in place.
  await page.getByTestId('node-orders').click();
  await expect(page.getByTestId('sns-now-shipping')).toContainText('0 delivered · 1 filtered out');
  await page.getByTestId('sns-filter-analytics').fill('{"type": [');
  await page.getByTestId('sns-filter-analytics').blur();
  await expect(page.getByTestId('sns-filter-error-analytics')).toContainText('must be JSON');
  await page.getByTestId('sns-filter-analytics').fill('{"total": [1]}');
  await page.getByTestId('sns-filter-analytics').blur();
  await expect(page.getByTestId('sns-filter-error-analytics')).toContainText('must be type, key or a data field such as data.region');
  await expect(page.getByTestId('sns-filter-analytics')).toHaveValue('{"total": [1]}');
  await scan(page, 'SNS inspector');

  // The FIFO queue: turned into a standard queue, content-based deduplication is refused.
  await page.getByTestId('node-billing').click();
  await expect(page.getByTestId('inspect-fifo')).toBeChecked();
  await page.getByTestId('inspect-fifo').uncheck();
  await expect(page.getByTestId('node-billing')).not.toContainText('FIFO');
  await page.getByTestId('inspect-content-dedup').check();
  await expect(page.getByTestId('error-content-dedup')).toContainText('content-based deduplication is for FIFO queues');
  await expect(page.getByTestId('notice')).toContainText('content-based deduplication is for FIFO queues');
  await page.getByTestId('inspect-fifo').check();
  await expect(page.getByTestId('inspect-fifo')).toBeChecked();
  await expect(page.getByTestId('node-billing')).toContainText('FIFO');

  // The producer's template shows its FIFO ids, since it publishes to an SNS topic.
  await page.getByTestId('node-checkout').click();
  await expect(page.getByTestId('template-dedup-1')).toHaveValue('paid-ORD-1');
  await scan(page, 'producer with FIFO ids');
});

test('the FIFO lesson: order and duplicates break on a standard queue; ticking FIFO fixes both', async ({ page }) => {
  await page.goto('./#/lesson/fifo-groups-dedup');
  await expect(page.getByTestId('lesson-title')).toHaveText('FIFO queues, message groups and deduplication');
  await playToEnd(page);
  await expect(page.locator('[data-testid="goal"][data-goal="order"]')).toHaveAttribute('data-ok', 'false');
  await expect(page.locator('[data-testid="goal"][data-goal="once"]')).toHaveAttribute('data-ok', 'false');

  await page.getByTestId('node-order-updates').click();
  await page.getByTestId('inspect-fifo').check();
  await expect(page.getByTestId('node-order-updates')).toContainText('FIFO');
  await playToEnd(page);
  for (const id of ['order', 'once', 'shipped-1', 'shipped-2', 'both', 'dropped']) {
    await expect(page.locator(`[data-testid="goal"][data-goal="${id}"]`)).toHaveAttribute('data-ok', 'true');
  }
});
