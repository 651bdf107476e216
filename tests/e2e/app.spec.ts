// The built site in real Chromium, used the way a learner would: the fan-out scenario on
// the canvas, Fire, step forward and back, crash and restart, play — with no console
// errors or warnings on the way.
import { test, expect, type Page } from '@playwright/test';
import { failOnConsoleProblems, rowsOf } from './support.ts';

failOnConsoleProblems();

test.beforeEach(async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('canvas')).toBeVisible();
});

const counter = (page: Page) => page.getByTestId('step-counter');

test('opens fan-out: the canvas with the producer, the topic and three consumers', async ({ page }) => {
  await expect(page).toHaveTitle('Eventfold');
  await expect(page.getByTestId('scenario-name')).toHaveText('Pub/sub fan-out: one OrderPlaced, three services');
  for (const id of ['checkout', 'orders', 'inventory', 'payment', 'notification']) await expect(page.getByTestId(`node-${id}`)).toBeVisible();
  for (const id of ['inventory', 'payment', 'notification']) {
    await expect(page.getByTestId(`status-${id}`)).toHaveText('running');
    await expect(page.getByTestId(`assigned-${id}`)).toContainText('p0@0');
  }
  // The groups formed at time 0.
  await expect(counter(page)).toHaveText('step 3 / 3');
  await expect(rowsOf(page, 'rebalance')).toHaveCount(3);
  await expect(page.getByTestId('next-action')).toContainText('nothing is pending');
});

test('fire, step forward to the handling, step back to before it', async ({ page }) => {
  await expect(page.getByTestId('fire')).toHaveAccessibleName('Fire OrderPlaced from Checkout');
  await page.getByTestId('fire').click();
  // The click went through the worker and came back as a trace row and a new offset.
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await expect(rowsOf(page, 'fire')).toContainText('You fired OrderPlaced evt-0 (key ORD-1) from checkout');
  await expect(page.getByTestId('fired-checkout')).toHaveText('1');
  await expect(counter(page)).toHaveText('step 4 / 4');
  // ORD-1 hashes to partition 1 of 3.
  await expect(page.getByTestId('end-orders-p1')).toHaveText('1');
  await expect(page.getByTestId('lag-orders-payment-p1')).toHaveText('+1');
  await expect(page.getByTestId('next-action')).toContainText('fetches its next record at 1 ms');

  const forward = page.getByRole('button', { name: 'Step forward' });
  for (let i = 0; i < 3; i++) await forward.click();
  await expect(counter(page)).toHaveText('step 7 / 7');
  await expect(rowsOf(page, 'deliver')).toHaveCount(3);
  await expect(page.getByTestId('inflight-payment')).toHaveText('evt-0');

  for (let i = 0; i < 3; i++) await forward.click();
  await expect(rowsOf(page, 'handle')).toHaveCount(3);
  await expect(page.getByTestId('handled-payment')).toHaveText('1');
  await expect(page.getByTestId('effect-count-payment')).toHaveText('×1');
  await expect(page.getByTestId('state-payment-charged')).toContainText('cus-678 → 99.99');

  for (let i = 0; i < 3; i++) await forward.click();
  await expect(counter(page)).toHaveText('step 13 / 13');
  await expect(page.getByTestId('committed-orders-payment-p1')).toHaveText('1');
  await expect(page.getByTestId('lag-orders-payment-p1')).toHaveCount(0);

  // Back six steps: before anything was handled; the recorded future stays in the trace.
  const back = page.getByRole('button', { name: 'Step back' });
  for (let i = 0; i < 6; i++) await back.click();
  await expect(counter(page)).toHaveText('step 7 / 13');
  await expect(page.getByTestId('handled-payment')).toHaveText('0');
  await expect(page.getByTestId('effect-count-payment')).toHaveCount(0);
  await expect(page.getByTestId('committed-orders-payment-p1')).toHaveText('0+1');
  await expect(page.locator('[data-testid="trace-row"][aria-current="step"]')).toHaveAttribute('data-seq', '6');
  await expect(rowsOf(page, 'handle')).toHaveCount(3);

  // The keyboard does the same: ← back, → forward.
  await page.keyboard.press('ArrowLeft');
  await expect(counter(page)).toHaveText('step 6 / 13');
  await page.keyboard.press('ArrowRight');
  await expect(counter(page)).toHaveText('step 7 / 13');

  // Clicking a row seeks to just after it.
  await page.locator('[data-testid="trace-row"][data-seq="3"]').click();
  await expect(counter(page)).toHaveText('step 4 / 13');
  await expect(page.getByTestId('inflight-payment')).toHaveText('nothing');
});

test('crash a consumer: it goes down, its group rebalances after the session timeout, restart brings it back', async ({ page }) => {
  await page.getByRole('button', { name: 'Crash Payment' }).click();
  await expect(page.getByTestId('status-payment')).toHaveText('down');
  await expect(rowsOf(page, 'crash')).toContainText('You crashed payment while it was idle');
  await page.getByRole('button', { name: 'Step forward' }).click();
  await expect(rowsOf(page, 'rebalance')).toHaveCount(4);
  await expect(page.getByTestId('assigned-payment')).toHaveText('no partition');
  await page.getByRole('button', { name: 'Restart Payment' }).click();
  await expect(page.getByTestId('status-payment')).toHaveText('running');
});

test('play runs the world on by itself, pause stops it (Space toggles)', async ({ page }) => {
  await page.getByTestId('fire').click();
  await expect(page.getByRole('slider', { name: 'Play speed' })).toHaveAttribute('aria-valuetext', '1×');
  await page.getByRole('button', { name: 'Play' }).click();
  // Everything due is applied and the world goes quiet: three handles, three commits.
  await expect(rowsOf(page, 'commit')).toHaveCount(3);
  await expect(page.getByTestId('next-action')).toContainText('nothing is pending');
  await expect(page.getByTestId('effect-count-notification')).toHaveText('×1');
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
});
