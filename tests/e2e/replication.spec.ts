// Lesson 39 on the built site, the way a learner takes it: a replicated topic whose leader
// fails before its followers copied an order loses it for an acks=1 producer; acks=all makes
// the producer send it again to the new leader. Then the learner fails and brings back
// brokers by hand from the break-it panel, and sets an impossible min.insync.replicas.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, goal, openExample, playToEnd, rowsOf, runToEnd, saved, selectNode } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 90_000 });

test('lesson 39: acks=1 loses an acknowledged order in a failover; acks=all sends it again; brokers fail and come back by hand', async ({ page }) => {
  await page.goto('./#/lesson/replicas-and-acks');
  await expect(page.getByTestId('lesson-title')).toHaveText('Replicas and acks');
  // Three brokers on the canvas, b1 leading.
  await expect(page.getByTestId('broker-orders-b3')).toBeVisible();
  await expect(page.getByTestId('leader-orders-p0')).toHaveText('b1');

  await playToEnd(page);
  await expect(rowsOf(page, 'broker-fail').first()).toContainText('Broker b1 of orders failed: p0 loses its leader (log end 4, high watermark 3)');
  await expect(rowsOf(page, 'elect').first()).toContainText('b2 leads p0');
  await expect(rowsOf(page, 'elect').first()).toContainText('LOST: evt-3');
  await expect(goal(page, 'all-billed')).toHaveAttribute('data-ok', 'false');
  await expect(goal(page, 'no-loss')).toHaveAttribute('data-ok', 'false');
  await expect(page.getByTestId('leader-orders-p0')).toHaveText('b2');
  await expect(page.getByTestId('hw-orders-p0')).toHaveText('9');

  await selectNode(page, 'checkout');
  await page.getByTestId('inspect-acks').selectOption('all');
  await expect(goal(page, 'acks-all')).toHaveAttribute('data-ok', 'true');
  await playToEnd(page);
  await expect(rowsOf(page, 'elect').first()).toContainText('acks=all writes never acknowledged: evt-3 (not on the new leader)');
  await expect(rowsOf(page, 'publish').filter({ hasText: 'checkout sent evt-3 again' })).toHaveCount(1);
  await expect(goal(page, 'all-billed')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');

  // By hand: fail the leader (b2 now); b1, back in sync, takes over; then bring b2 back.
  await selectNode(page, 'orders');
  // The topic's node, its replication fields and the brokers in the break-it panel pass axe.
  for (const part of ['[data-testid="node-orders"]', '[data-testid="inspect-replication"]', '[data-testid="brokers"]']) {
    expect((await new AxeBuilder({ page }).include(part).analyze()).violations.map((v) => `${part}: ${v.id}`)).toEqual([]);
  }
  await expect(page.getByTestId('replicas-orders-p0')).toContainText('Leader b2 · in sync b1, b2, b3 · high watermark 10');
  await page.getByTestId('broker-fail-b2').click();
  await expect(rowsOf(page, 'broker-fail').last()).toContainText('Broker b2 of orders failed');
  await runToEnd(page);
  await expect(rowsOf(page, 'elect').last()).toContainText('b1 leads p0');
  await expect(page.getByTestId('leader-orders-p0')).toHaveText('b1');
  await expect(page.getByTestId('broker-orders-b2')).toContainText('✗');
  await page.getByTestId('broker-recover-b2').click();
  await expect(rowsOf(page, 'broker-recover').last()).toContainText('Broker b2 of orders is back, as you asked: it follows p0 from @10');

  // An impossible setting is refused at its field, and the topic keeps what it had.
  await page.getByTestId('inspect-min-insync').fill('4');
  await page.getByTestId('inspect-min-insync').press('Enter');
  await expect(page.getByTestId('error-min-insync')).toContainText('must be at most the replication factor (3)');
  await page.getByTestId('inspect-min-insync').fill('2');
  await page.getByTestId('inspect-min-insync').press('Enter');
  await expect(page.getByTestId('error-min-insync')).toHaveCount(0);

  await saved(page);
  await page.reload();
  await selectNode(page, 'checkout');
  await expect(page.getByTestId('inspect-acks')).toHaveValue('all');
});

test('lesson 40: lag stays flat while a broker is down; an alert on under-replication fires first, and bringing the broker back in time keeps every write accepted', async ({ page }) => {
  await page.goto('./#/lesson/under-replicated');
  await expect(page.getByTestId('lesson-title')).toHaveText('Under-replicated');
  await playToEnd(page);
  await expect(rowsOf(page, 'send-failed').first()).toContainText('NOT_ENOUGH_REPLICAS: orders p0 has 1 in-sync replica (b1) and min.insync.replicas is 2');
  await expect(page.getByTestId('alert').filter({ hasText: 'Billing is falling behind' })).toHaveAttribute('data-state', 'ok');
  await expect(goal(page, 'no-refusals')).toHaveAttribute('data-ok', 'false');

  // The learner's alert on orders: under-replicated partitions > 0 for 100 ms (the only metric a topic offers).
  await selectNode(page, 'orders');
  const editor = page.getByTestId('alerts-editor');
  await editor.getByTestId('alert-add').click();
  await expect(editor.getByTestId('alert-metric')).toHaveValue('under-replicated');
  await expect(editor.getByTestId('alert-threshold')).toHaveValue('0');
  await editor.getByTestId('alert-for').fill('100');
  await editor.getByTestId('alert-save').click();
  await expect(editor.getByTestId('alert-row')).toHaveCount(1);
  await playToEnd(page);
  await expect(goal(page, 'watching')).toHaveAttribute('data-ok', 'true');

  // Back to where it first fired (b3 has been down 100 ms; b2 is still up), and bring b3 back.
  const marks = page.getByTestId('alert-mark');
  await marks.nth(0).click();
  await expect(page.getByTestId('alert').filter({ hasText: 'under-replicated' })).toHaveAttribute('data-state', 'firing');
  await selectNode(page, 'orders');
  await page.getByTestId('broker-recover-b3').click();
  await expect(rowsOf(page, 'broker-recover').last()).toContainText('Broker b3 of orders is back, as you asked: it follows p0 from @');
  await playToEnd(page);
  await expect(rowsOf(page, 'send-failed')).toHaveCount(0);
  await expect(goal(page, 'no-refusals')).toHaveAttribute('data-ok', 'true');
  await expect(goal(page, 'all-billed')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');

  await saved(page);
  await page.reload();
  await expect(goal(page, 'no-refusals')).toHaveAttribute('data-ok', 'true');
});

test('a topic kept once becomes replicated from its form: the worker loads replication then, and a reload keeps it', async ({ page }) => {
  await openExample(page, 'fan-out');
  await selectNode(page, 'orders');
  await expect(page.getByTestId('broker-orders-b1')).toHaveCount(0);
  // Load it only when needed: before this edit, no scenario on screen was replicated.
  const chunks: string[] = [];
  page.on('request', (r) => chunks.push(new URL(r.url()).pathname));
  await page.getByTestId('inspect-replication-factor').fill('3');
  await page.getByTestId('inspect-replication-factor').press('Enter');
  await expect(page.getByTestId('broker-orders-b3')).toBeVisible();
  expect(chunks.some((c) => /\/replication-[^/]*\.js$/.test(c))).toBe(true);
  await expect(page.getByTestId('leader-orders-p2')).toHaveText('b3');
  await page.getByTestId('broker-fail-b1').click();
  await expect(rowsOf(page, 'broker-fail').last()).toContainText('Broker b1 of orders failed: p0 loses its leader');
  await saved(page);
  await page.reload();
  await expect(page.getByTestId('broker-orders-b3')).toBeVisible();
  await expect(page.getByTestId('broker-orders-b1')).toContainText('✗');
});
