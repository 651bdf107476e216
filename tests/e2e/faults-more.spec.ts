// More ways to break it on purpose, in the built site, the way a learner would: an invariant
// added from the menu breaks at a step and "Jump there" goes to it; a topic switched to a
// queue makes its consumers compete instead of fanning out; the lag chart follows the
// playhead; faults come from the canvas menus of a node and of a connection.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, openExample, playToEnd, rowsOf, runToEnd, selectNode } from './support.ts';

failOnConsoleProblems();
// Each flow waits for every action to come back through the worker and scans the new menus
// with axe: on a shared 2-core machine that takes longer than the default 30 s.
test.describe.configure({ timeout: 60_000 });

const invariant = (page: Page) => page.getByTestId('invariant').first();

/** No serious or critical axe violations in what is open now (the new menus and forms). */
async function scan(page: Page, view: string) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${view}: ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  expect(bad).toEqual([]);
}

/** Fires the toolbar's producer and waits for the fire to come back as a trace row. */
async function fire(page: Page, total: number) {
  await page.getByTestId('fire').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(total);
}

test('(d) an invariant added from the menu breaks at the duplicate, and Jump there goes to that step', async ({ page }) => {
  await openExample(page, 'fan-out');
  await expect(page.getByTestId('invariant')).toHaveCount(0);
  await page.getByTestId('invariant-add').click();
  await page.getByTestId('invariant-kind').selectOption('at-most-once');
  await page.getByTestId('invariant-node').selectOption('payment');
  // The effect is offered from Payment's rules.
  await expect(page.getByTestId('invariant-effect')).toHaveValue('card charged');
  await scan(page, 'add invariant form');

  // A malformed one is refused with a message that names the field, and nothing is added.
  await page.getByTestId('invariant-effect').fill('');
  await page.getByTestId('invariant-submit').click();
  await expect(page.getByTestId('invariant-error-effect')).toHaveText('must not be empty');
  await expect(page.getByTestId('notice')).toContainText('the new invariant · effect: must not be empty');
  await expect(page.getByTestId('invariant')).toHaveCount(0);

  await page.getByTestId('invariant-effect').fill('card charged');
  await page.getByTestId('invariant-submit').click();
  await expect(page.getByTestId('invariant')).toHaveCount(1);
  await expect(invariant(page)).toContainText('card charged');
  await expect(invariant(page)).toHaveAttribute('data-status', 'holding');

  await fire(page, 1);
  await runToEnd(page);
  await expect(invariant(page)).toHaveAttribute('data-status', 'holding');

  // The duplicate comes from Payment's canvas menu.
  await page.getByTestId('node-payment').click({ button: 'right' });
  await page.getByTestId('menu-duplicate').click();
  await expect(rowsOf(page, 'inject')).toHaveCount(1);
  await runToEnd(page);
  await expect(invariant(page)).toHaveAttribute('data-status', 'broken');
  await expect(invariant(page)).toContainText('"card charged" happened 2 times');

  await invariant(page).getByRole('button', { name: /Jump to step/ }).click();
  const current = page.locator('[data-testid="trace-row"][aria-current="step"]');
  await expect(current).toHaveAttribute('data-kind', 'handle');
  await expect(current).toContainText('payment');
  await expect(invariant(page)).toHaveAttribute('data-status', 'broken');

  // Removed, it is gone from the scenario (and undo brings it back).
  await invariant(page).getByTestId('invariant-remove').click();
  await expect(page.getByTestId('invariant')).toHaveCount(0);
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('invariant')).toHaveCount(1);
});

test('(e) a topic switched to a queue: each message goes to one consumer instead of to every one', async ({ page }) => {
  await openExample(page, 'fan-out');
  await fire(page, 1);
  await fire(page, 2);
  await fire(page, 3);
  await playToEnd(page);
  // A topic fans out: three services each handle the three orders.
  await expect(rowsOf(page, 'handle')).toHaveCount(9);

  await selectNode(page, 'orders');
  await page.getByTestId('retype').click();
  await expect(page.getByTestId('inspector')).toContainText('queue');
  await expect(page.getByTestId('retype')).toHaveText('Switch to a topic');
  // Same connections: the three consumers now compete on the queue.
  await expect(page.getByTestId('edge-list').getByRole('listitem')).toHaveCount(4);
  await playToEnd(page);
  await expect(rowsOf(page, 'fire')).toHaveCount(3);
  await expect(rowsOf(page, 'handle')).toHaveCount(3);
  const handled = await rowsOf(page, 'handle').evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));
  const ids = handled.map((t) => /evt-\d+/.exec(t)?.[0]);
  expect(new Set(ids).size).toBe(3);

  // And back: fan-out again.
  await page.getByTestId('retype').click();
  await expect(page.getByTestId('retype')).toHaveText('Switch to a queue');
  await playToEnd(page);
  await expect(rowsOf(page, 'handle')).toHaveCount(9);
});

test('(f) the lag chart follows the playhead forwards and back', async ({ page }) => {
  await openExample(page, 'fan-out');
  await selectNode(page, 'payment');
  const chart = page.getByTestId('lag-chart');
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute('data-now', '0');
  await fire(page, 1);
  await fire(page, 2);
  await expect(chart).toHaveAttribute('data-now', '2');
  await runToEnd(page);
  await expect(chart).toHaveAttribute('data-now', '0');
  await expect(chart).toHaveAttribute('data-peak', '2');
  const end = Number(await chart.getAttribute('data-step'));
  const line = await page.getByTestId('lag-line').getAttribute('points');

  // Step back: the series ends at the playhead again, and the lag there is not yet 0.
  const back = page.getByTestId('step-back');
  for (let i = 0; i < 6; i++) {
    await back.click();
    await expect(chart).toHaveAttribute('data-step', String(end - i - 1));
  }
  await expect(chart).not.toHaveAttribute('data-now', '0');
  expect(await page.getByTestId('lag-line').getAttribute('points')).not.toBe(line);
  await expect(page.getByTestId('step-counter')).toContainText(`step ${end - 6} /`);
});

test('(g) faults from a node\'s canvas menu: crash now, restart by keyboard, arm a crash at a point', async ({ page }) => {
  await openExample(page, 'fan-out');
  // Right click on a consumer: crash now.
  await page.getByTestId('node-payment').click({ button: 'right' });
  await expect(page.getByTestId('node-menu')).toBeVisible();
  await scan(page, 'node menu with faults');
  await page.getByTestId('menu-crash-now').click();
  await expect(rowsOf(page, 'crash')).toHaveCount(1);
  await expect(page.getByTestId('status-payment')).toHaveText('down');

  // The keyboard path: the node is selected; Shift+F10 opens its menu, Enter restarts.
  await page.getByTestId('list-node-payment').click();
  await page.keyboard.press('Shift+F10');
  await expect(page.getByTestId('node-menu')).toBeVisible();
  // The first item has the focus; Tab walks down to Restart.
  await expect(page.getByRole('menuitem', { name: 'Rename' })).toBeFocused();
  for (let i = 0; i < 6 && !(await page.getByTestId('menu-restart').evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(page.getByTestId('menu-restart')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(rowsOf(page, 'restart')).toHaveCount(1);
  await expect(page.getByTestId('status-payment')).toHaveText('running');

  // Arm a crash at a point from the menu: the break-it panel says it is armed.
  await page.getByTestId('node-inventory').click({ button: 'right' });
  await page.getByTestId('menu-crash-after-effects').click();
  await expect(rowsOf(page, 'inject')).toHaveCount(1);
  await selectNode(page, 'inventory');
  await expect(page.getByTestId('tools')).toContainText('Armed: crashes after-effects');
});

test('(h) faults from a connection\'s canvas menu: delay, cut and heal, jitter by keyboard', async ({ page }) => {
  await openExample(page, 'fan-out');
  // Right click on a connection: delay it, then cut it and heal it.
  const edge = page.locator('.svelte-flow__edge[data-id="checkout->orders"] .svelte-flow__edge-interaction');
  await edge.click({ button: 'right', force: true });
  await expect(page.getByTestId('edge-menu')).toBeVisible();
  await scan(page, 'connection faults');
  await page.getByTestId('edge-delay').fill('40');
  await page.getByTestId('edge-apply').click();
  await expect(rowsOf(page, 'link')).toHaveCount(1);
  await expect(rowsOf(page, 'link')).toContainText('delay 40 ms');

  await edge.click({ button: 'right', force: true });
  await expect(page.getByTestId('edge-delay')).toHaveValue('40');
  await page.getByTestId('edge-cut').click();
  await expect(rowsOf(page, 'partition')).toHaveCount(1);
  // Cut: the producer's publish fails until the network heals.
  await fire(page, 1);
  await expect(async () => {
    await page.getByTestId('step-forward').click();
    expect(await rowsOf(page, 'send-failed').count()).toBeGreaterThan(0);
  }).toPass({ timeout: 10_000 });
  await edge.click({ button: 'right', force: true });
  await page.getByTestId('edge-heal').click();
  await expect(rowsOf(page, 'heal')).toHaveCount(1);
  await runToEnd(page);
  await expect(page.getByTestId('handled-payment')).toHaveText('1');

  // The keyboard path to a connection: the node's menu lists its connections.
  await page.getByTestId('list-node-orders').click();
  await page.keyboard.press('Shift+F10');
  await page.getByTestId('menu-edge-orders-notification').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('edge-menu')).toBeVisible();
  await expect(page.getByTestId('edge-delay')).toBeFocused();
  await page.keyboard.press('Tab'); // jitter
  await page.keyboard.type('25');
  await page.keyboard.press('Enter');
  await expect(rowsOf(page, 'link')).toHaveCount(2);
  await expect(rowsOf(page, 'link').last()).toContainText('orders → notification: delay 0 ms, jitter up to 25 ms');
});
