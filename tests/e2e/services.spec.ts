// Lesson 36 on the built site, the way a learner takes it: Checkout calls a slow Email
// service synchronously and every order times out; a circuit breaker on Checkout's calls
// fails them fast instead (still failed); replacing the call with an event through the orders
// topic lets Checkout answer every order while the Email worker lags and catches up. Each
// change in the service's form and on the canvas, as a learner does it.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, goal, playToEnd, rowsOf, runToEnd, saved, selectNode } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 90_000 });

test('lesson 36: a slow service fails its caller; a breaker fails fast; an event through a topic fixes it', async ({ page }) => {
  await page.goto('./#/lesson/sync-calls');
  await expect(page.getByTestId('lesson-title')).toHaveText('A slow service takes its callers down with it');
  await playToEnd(page);
  await expect(rowsOf(page, 'timeout').first()).toContainText('checkout waited 150 ms for email and gave up on OrderPlaced ORD-1: its slot was held all that time, doing nothing');
  await expect(rowsOf(page, 'reply').filter({ hasText: 'came back to checkout too late' }).first()).toContainText('The work email did is wasted');
  await expect(page.getByTestId('service-status-checkout')).toContainText('✓0 ✕10');
  await expect(goal(page, 'answered')).toHaveAttribute('data-ok', 'false');

  // The form: a timeout of 0 is refused at its field, and nothing changes.
  await selectNode(page, 'checkout');
  await expect(page.getByTestId('service-form')).toBeVisible();
  const axe = await new AxeBuilder({ page }).include('[data-testid="service-form"]').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await expect(page.getByTestId('service-counts')).toContainText('10 received · 0 answered ok · 10 failed');
  await page.getByTestId('service-timeoutMs').fill('0');
  await page.getByTestId('service-timeoutMs').blur();
  await expect(page.getByTestId('service-error-timeoutMs')).toHaveText('must be at least 1');
  await page.getByTestId('service-timeoutMs').fill('150');
  await page.getByTestId('service-timeoutMs').blur();
  await expect(page.getByTestId('service-error-timeoutMs')).toHaveCount(0);

  // A circuit breaker: it opens after 3 failures in a row and the next calls fail fast, but the orders still fail.
  await page.getByTestId('service-breaker').check();
  await expect(page.getByTestId('service-breaker-failureThreshold')).toHaveValue('3');
  await playToEnd(page);
  await expect(rowsOf(page, 'breaker').first()).toContainText("checkout's breaker for email opens after 3 failures in a row");
  await expect(rowsOf(page, 'call').filter({ hasText: 'fails fast' }).first()).toContainText('its circuit breaker is open');
  await expect(page.getByTestId('service-counts')).toContainText('6 failed fast');
  await expect(page.getByTestId('service-call-email')).toContainText('breaker half-open');
  await expect(goal(page, 'answered')).toHaveAttribute('data-ok', 'false');
  await page.getByTestId('service-breaker').uncheck();
  await expect(page.getByTestId('service-breaker-failureThreshold')).toHaveCount(0);

  // Replace the call to Email with an event: delete the connection, connect Checkout to the topic.
  await page.locator('.svelte-flow__edge[data-id="checkout->email"] .svelte-flow__edge-interaction').click({ force: true });
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('edge-list')).not.toContainText('Checkout → Email');
  await selectNode(page, 'checkout');
  await page.getByTestId('connect-target').selectOption('orders');
  await page.getByTestId('connect').click();
  await expect(page.getByTestId('edge-list')).toContainText('Checkout → orders');
  await playToEnd(page);
  await expect(rowsOf(page, 'publish').filter({ hasText: 'checkout published OrderPlaced' }).first()).toContainText('to orders and does not wait for anyone to handle it');
  await expect(page.getByTestId('service-status-checkout')).toContainText('✓10 ✕0');
  for (const g of ['answered', 'fast', 'emails', 'payment']) await expect(goal(page, g)).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');

  await saved(page);
  await page.reload();
  await expect(page.getByTestId('edge-list')).toContainText('Checkout → orders');
  await expect(page.getByTestId('edge-list')).not.toContainText('Checkout → Email');
});

test('services from the palette: a client request answered through a call, a loop of calls refused, a crash from the canvas menu', async ({ page }) => {
  // The worker loads services' engine module (an optional one, [K11]) only once a service is on the canvas.
  const chunks: string[] = [];
  page.on('request', (r) => chunks.push(new URL(r.url()).pathname));
  const serviceChunk = () => chunks.some((c) => /\/service-[^/]*\.js$/.test(c));
  await page.goto('./?blank');
  await page.getByTestId('palette-producer').click();
  await expect(page.getByTestId('node-producer-1')).toBeVisible();
  expect(serviceChunk()).toBe(false);
  await page.getByTestId('palette-service').click();
  await page.getByTestId('palette-service').click();
  await expect(page.getByTestId('service-slots-service-1')).toContainText('0/2');
  expect(serviceChunk()).toBe(true);

  // producer-1 → service-1 → service-2, from the inspector's Connect menu.
  await page.getByTestId('node-producer-1').click();
  await page.getByTestId('connect-target').selectOption('service-1');
  await page.getByTestId('connect').click();
  await page.getByTestId('node-service-1').click();
  await page.getByTestId('connect-target').selectOption('service-2');
  await page.getByTestId('connect').click();
  // Back again would be a loop: refused, with why, and nothing changes.
  await page.getByTestId('node-service-2').click();
  await page.getByTestId('connect-target').selectOption('service-1');
  await page.getByTestId('connect').click();
  await expect(page.getByTestId('notice')).toContainText('makes a loop of calls');
  await expect(page.getByTestId('edge-list')).not.toContainText('Service 2 → Service');

  await page.getByTestId('node-producer-1').click();
  await page.getByTestId('template-fire-0').click();
  await runToEnd(page);
  await expect(rowsOf(page, 'call').first()).toContainText('service-1 calls service-2 for OrderPlaced ORD-1');
  await expect(page.getByTestId('service-status-service-1')).toContainText('✓1 ✕0');

  // Crash the callee from its canvas menu: the next order times out at the caller.
  await page.getByTestId('node-service-2').click({ button: 'right' });
  await expect(page.getByTestId('node-menu')).toBeVisible();
  await page.getByTestId('menu-crash-now').click();
  await page.getByTestId('node-producer-1').click();
  await page.getByTestId('template-fire-0').click();
  await runToEnd(page);
  await expect(rowsOf(page, 'timeout').first()).toContainText('service-1 waited 100 ms for service-2 and gave up on OrderPlaced ORD-2');
  await expect(page.getByTestId('service-status-service-1')).toContainText('✓1 ✕1');
});
