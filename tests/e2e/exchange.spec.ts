// An AMQP exchange as a learner meets it: a topic exchange whose binding key is one word
// short routes EU orders to no EU queue, the route step says which bindings matched and why,
// a wildcard inside a word is refused at the binding's field, and the fixed binding key gets
// EU fulfilment its orders. Then an exchange built from the palette drops what it cannot route.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, openExample, rowsOf, runToEnd, saved } from './support.ts';

failOnConsoleProblems();

test('a binding key one word short starves EU fulfilment; the route step says why; the fixed key routes the orders', async ({ page }) => {
  await openExample(page, 'exchange-routing');
  const exchange = page.getByTestId('node-orders');
  await expect(exchange).toContainText('topic exchange');
  await expect(page.getByTestId('binding-orders-eu-orders')).toContainText('order.eu → eu-orders');

  await page.getByTestId('fire').click();
  await runToEnd(page);
  const route = rowsOf(page, 'route').first();
  await expect(route).toContainText('routing key order.eu.created');
  await expect(route).toContainText('order.eu → eu-orders did not match');
  await expect(route).toContainText('order.# → audit matched');
  await expect(page.getByTestId('binding-orders-eu-orders')).toContainText('0');
  await expect(rowsOf(page, 'handle')).toHaveCount(1);
  await expect(rowsOf(page, 'handle').first()).toContainText('auditor handled');

  // The exchange's form: a wildcard inside a word is refused at the binding, nothing changes.
  await exchange.click();
  await expect(page.getByTestId('exchange-form')).toBeVisible();
  const key = page.getByTestId('binding-key-eu-orders');
  await expect(key).toHaveValue('order.eu');
  await key.fill('order.eu*');
  await key.blur();
  await expect(page.getByTestId('binding-error-eu-orders')).toContainText('write order.* or order.#, not order* or order#');
  await expect(page.getByTestId('binding-orders-eu-orders')).toContainText('order.eu → eu-orders');

  // The fix: one more word, any word. The recorded fire replays on the new binding.
  await key.fill('order.eu.*');
  await key.blur();
  await expect(page.getByTestId('binding-error-eu-orders')).toHaveCount(0);
  await expect(page.getByTestId('binding-orders-eu-orders')).toContainText('order.eu.* → eu-orders');
  await runToEnd(page);
  await expect(rowsOf(page, 'route').first()).toContainText('order.eu.* → eu-orders matched');
  await expect(page.locator('[data-testid="trace-row"][data-kind="handle"]', { hasText: 'eu-fulfilment handled OrderPlaced evt-0' })).toHaveCount(1);
  await expect(page.getByTestId('binding-orders-eu-orders')).toContainText('1');

  // It survives a reload (the workspace is saved).
  await saved(page);
  await page.reload();
  await expect(page.getByTestId('binding-orders-eu-orders')).toContainText('order.eu.* → eu-orders');

  const axe = await new AxeBuilder({ page }).include('[data-testid="node-orders"]').analyze();
  expect(axe.violations).toEqual([]);
});

test('an exchange from the palette drops what no binding matches, and a binding routes it', async ({ page }) => {
  await page.goto('./?blank');
  await page.getByTestId('palette-producer').click();
  await page.getByTestId('palette-exchange').click();
  await page.getByTestId('palette-queue').click();
  const exchange = page.locator('[data-testid="node-exchange-1"]');
  await expect(exchange).toContainText('no bindings yet: every message is dropped');

  // producer → exchange → queue, from the inspector's Connect menu.
  await page.getByTestId('node-producer-1').click();
  await page.getByTestId('connect-target').selectOption('exchange-1');
  await page.getByTestId('connect').click();
  await exchange.click();
  await page.getByTestId('connect-target').selectOption('queue-1');
  await page.getByTestId('connect').click();
  await expect(page.getByTestId('binding-key-queue-1')).toHaveValue('');

  // The starter template publishes OrderPlaced with the routing key OrderPlaced: the empty binding key drops it.
  await page.getByTestId('node-producer-1').click();
  await expect(page.getByTestId('template-routing-key-0')).toHaveAttribute('placeholder', 'OrderPlaced');
  await page.getByTestId('template-fire-0').click();
  await runToEnd(page);
  await expect(rowsOf(page, 'route').first()).toContainText('dropped (unroutable)');
  await expect(page.getByTestId('exchange-unroutable-exchange-1')).toContainText('1 dropped');

  // Bind the queue with the key the event carries: the recorded fire now lands in the queue.
  await exchange.click();
  await page.getByTestId('binding-key-queue-1').fill('OrderPlaced');
  await page.getByTestId('binding-key-queue-1').blur();
  await runToEnd(page);
  await expect(page.getByTestId('exchange-unroutable-exchange-1')).toContainText('0 dropped');
  await expect(rowsOf(page, 'route').first()).toContainText('Copies (same id) went to queue-1 @0');
});
