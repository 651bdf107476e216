// Building a system from an empty canvas, the way a learner does: drag a producer, a topic
// with three partitions and two consumers in one group onto the canvas, wire them (and
// be refused a wire that makes no sense), write a handler rule, fire five keyed events,
// step forward and back, crash a consumer and watch its group rebalance, undo an edit.
// What the learner sees is asserted at each point. No console errors or warnings.
import { test, expect, type Locator, type Page } from '@playwright/test';
import { failOnConsoleProblems, rowsOf } from './support.ts';
import { partitionForKey } from '../../src/engine/murmur2.ts';

failOnConsoleProblems();

/** A real pointer drag, in small moves, from one element to a point (or element) on the page. */
async function drag(page: Page, from: Locator, to: { x: number; y: number } | Locator) {
  const a = (await from.boundingBox())!;
  const b = 'x' in to ? to : await centre(to);
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 12 });
  await page.mouse.up();
}
async function centre(l: Locator) {
  const r = (await l.boundingBox())!;
  return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
}
/** Drag a palette kind onto the canvas at (dx, dy) from the canvas's top-left. */
async function dropKind(page: Page, kind: string, dx: number, dy: number) {
  const c = (await page.getByTestId('canvas').boundingBox())!;
  await page.getByTestId(`palette-${kind}`).dragTo(page.getByTestId('canvas'), { targetPosition: { x: dx, y: dy } });
  void c;
}
const handle = (page: Page, id: string, type: 'source' | 'target') => page.locator(`.svelte-flow__node[data-id="${id}"] .svelte-flow__handle.${type}`);

test('from an empty canvas: build, wire, configure, fire, step, crash, undo', async ({ page }) => {
  await page.goto('./?blank');
  await expect(page.getByTestId('scenario-name')).toHaveText('Untitled scenario');
  await expect(page.getByText('The canvas is empty')).toBeVisible();

  // Drag the four nodes onto the canvas.
  // (An empty canvas is at zoom 1, and the canvas is 680 px wide at 1280 × 720: three columns.)
  await dropKind(page, 'producer', 70, 200);
  await expect(page.getByTestId('node-producer-1')).toBeVisible();
  await dropKind(page, 'topic', 290, 200);
  await dropKind(page, 'consumer', 510, 80);
  await dropKind(page, 'consumer', 510, 330);
  for (const id of ['producer-1', 'topic-1', 'consumer-1', 'consumer-2']) await expect(page.getByTestId(`node-${id}`)).toBeVisible();
  await expect(page.getByTestId('node-list').getByRole('button')).toHaveCount(4);

  // The topic: three partitions (a bad value first, refused where it was typed).
  await page.getByTestId('list-node-topic-1').click();
  const partitions = page.getByTestId('inspect-partitions');
  await partitions.fill('99');
  await partitions.press('Enter');
  await expect(page.getByTestId('error-partitions')).toHaveText('must be at most 64');
  await expect(partitions).toHaveAttribute('aria-invalid', 'true');
  await partitions.fill('3');
  await partitions.press('Enter');
  await expect(page.getByTestId('error-partitions')).toHaveCount(0);
  await expect(page.getByTestId('node-topic-1')).toContainText('3 partitions');

  // Both consumers in one group: "orders".
  for (const id of ['consumer-1', 'consumer-2']) {
    await page.getByTestId(`list-node-${id}`).click();
    await page.getByTestId('inspect-group').fill('orders');
    await page.getByTestId('inspect-group').press('Enter');
    await expect(page.getByTestId(`node-${id}`)).toContainText('group orders');
  }

  // Wire with the handles. A producer straight to a consumer is refused, with the reason.
  await drag(page, handle(page, 'producer-1', 'source'), handle(page, 'consumer-1', 'target'));
  await expect(page.getByTestId('notice')).toContainText('put a topic between them');
  await drag(page, handle(page, 'producer-1', 'source'), handle(page, 'topic-1', 'target'));
  await drag(page, handle(page, 'topic-1', 'source'), handle(page, 'consumer-1', 'target'));
  await drag(page, handle(page, 'topic-1', 'source'), handle(page, 'consumer-2', 'target'));
  await expect(page.getByTestId('edge-list').getByRole('listitem')).toHaveCount(3);
  // The group formed: the three partitions shared between the two members.
  await expect(page.getByTestId('assigned-consumer-1')).toHaveText(/p0@0\s*p1@0/);
  await expect(page.getByTestId('assigned-consumer-2')).toHaveText('p2@0');

  // A handler rule on each member: on OrderPlaced, set totals[data.orderId] = data.total,
  // and then count a side effect "email sent"; the builder reads it back as a sentence.
  for (const id of ['consumer-1', 'consumer-2']) {
    await page.getByTestId(`list-node-${id}`).click();
    await page.getByTestId('rule-table').fill('totals');
    await expect(page.getByTestId('rule-preview')).toHaveText(/OrderPlaced.*totals/);
    await page.getByTestId('rule-and').click();
    await page.getByTestId('rule-do').selectOption('effect');
    await page.getByTestId('rule-name').fill('email sent');
    await expect(page.getByTestId('rule-preview')).toHaveText(/totals\[data\.orderId\].*email sent/);
    await page.getByTestId('rule-add').click();
    await expect(page.getByTestId('rules').getByRole('listitem')).toHaveCount(1);
  }

  // Fire five keyed events (ORD-1 … ORD-5) from the producer.
  const expected = [0, 0, 0];
  for (let n = 1; n <= 5; n++) expected[partitionForKey(`ORD-${n}`, 3)]++;
  for (let i = 0; i < 5; i++) await page.getByTestId('fire-producer-1').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(5);
  for (let p = 0; p < 3; p++) {
    await expect(page.getByTestId(`end-topic-1-p${p}`)).toHaveText(String(expected[p]));
    if (expected[p] > 0) await expect(page.getByTestId(`lag-topic-1-orders-p${p}`)).toHaveText(`+${expected[p]}`);
  }

  // Step forward through the world until nothing is pending: all handled, all committed.
  const forward = page.getByRole('button', { name: 'Step forward' });
  const counter = page.getByTestId('step-counter');
  for (let i = 0; i < 80; i++) {
    if ((await page.getByTestId('next-action').textContent())!.includes('nothing is pending')) break;
    const before = await counter.textContent();
    await forward.click();
    await expect(counter).not.toHaveText(before!);
  }
  await expect(page.getByTestId('next-action')).toContainText('nothing is pending');
  await expect(rowsOf(page, 'handle')).toHaveCount(5);
  for (let p = 0; p < 3; p++) {
    await expect(page.getByTestId(`committed-topic-1-orders-p${p}`)).toHaveText(String(expected[p]));
    await expect(page.getByTestId(`lag-topic-1-orders-p${p}`)).toHaveCount(0);
  }
  await expect(page.getByTestId('state-consumer-1-totals')).toContainText('ORD-1 → 10');
  // In the inspector: the group's table in full, and the topic's logs as offset cells.
  await page.getByTestId('list-node-consumer-2').click();
  await expect(page.getByTestId('state-table-totals').getByRole('row')).toHaveCount(6);
  await expect(page.getByTestId('inspect-consumer-now')).toContainText('group lag 0');
  await page.getByTestId('list-node-topic-1').click();
  for (let p = 0; p < 3; p++) await expect(page.getByTestId(`log-topic-1-p${p}`).getByRole('listitem')).toHaveCount(Math.max(1, expected[p]));
  const handled = Number(await page.getByTestId('handled-consumer-1').textContent()) + Number(await page.getByTestId('handled-consumer-2').textContent());
  expect(handled).toBe(5);

  // Step back: the last commit is undone on screen; forward again redoes it.
  const at = (await counter.textContent())!;
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect(counter).not.toHaveText(at);
  await expect(page.locator('[data-testid^="lag-topic-1-orders-p"]')).toHaveCount(1);
  await forward.click();
  await expect(counter).toHaveText(at);
  await expect(page.locator('[data-testid^="lag-topic-1-orders-p"]')).toHaveCount(0);

  // Crash consumer-2: the group rebalances after the session timeout; consumer-1 owns all.
  // (Its state line has grown the node past the canvas edge: fit the view first, as a
  // learner would, so its Crash button is in sight.)
  await page.locator('.svelte-flow__controls-fitview').click();
  const rebalances = await rowsOf(page, 'rebalance').count();
  // (Retried: in one run in many the click landed while the canvas re-rendered and was lost.)
  await expect(async () => {
    const crash = page.getByTestId('crash-consumer-2');
    if (await crash.isVisible()) await crash.click();
    await expect(page.getByTestId('status-consumer-2')).toHaveText('down', { timeout: 1000 });
  }).toPass();
  await forward.click();
  await expect(rowsOf(page, 'rebalance')).toHaveCount(rebalances + 1);
  await expect(page.getByTestId('assigned-consumer-1')).toHaveText(/p0@\d+\s*p1@\d+\s*p2@\d+/);
  await expect(page.getByTestId('assigned-consumer-2')).toHaveText('no partition');

  // Undo an edit: rename the topic, then Ctrl+Z brings the old name back; redo again.
  await page.getByTestId('list-node-topic-1').click();
  await page.getByTestId('inspect-label').fill('orders');
  await page.getByTestId('inspect-label').press('Enter');
  await expect(page.getByTestId('node-topic-1')).toContainText('orders');
  await page.getByTestId('canvas').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('node-topic-1').locator('h3')).toHaveText('Topic 1');
  // The run is replayed on the restored scenario: the learner's crash is still there.
  await expect(page.getByTestId('status-consumer-2')).toHaveText('down');
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('node-topic-1').locator('h3')).toHaveText('orders');
});

test('the timeline scrubs, the trace searches by key and by conversation, and exports Mermaid', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('node-payment')).toBeVisible();
  for (let i = 0; i < 2; i++) await page.getByTestId('fire').click();
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(page.getByTestId('next-action')).toContainText('nothing is pending');
  const counter = page.getByTestId('step-counter');
  const total = Number(/\/ (\d+)/.exec((await counter.textContent())!)![1]);

  // Markers: the lanes show where publishes and commits happened.
  await expect(page.locator('.m-publish rect').first()).toBeAttached();
  await expect(page.locator('.m-commit rect').first()).toBeAttached();
  // The scrubber seeks: to the start, then the keyboard moves it one step.
  const scrubber = page.getByTestId('scrubber');
  await scrubber.fill('0');
  await expect(counter).toHaveText(`step 0 / ${total}`);
  await scrubber.press('ArrowRight');
  await expect(counter).toHaveText(`step 1 / ${total}`);

  // Search by key: only ORD-2's steps; its chain button shows the whole conversation.
  await page.getByTestId('filter-field').selectOption('key');
  await page.getByTestId('filter-text').fill('ORD-2');
  await expect(page.getByTestId('found')).toContainText('matching steps');
  const rows = page.getByTestId('trace-row');
  await expect(rows.first()).toContainText('ORD-2');
  expect(await rows.count()).toBeGreaterThan(3);
  await expect(rows.filter({ hasText: 'ORD-1' })).toHaveCount(0);
  await page.getByTestId('chain').first().click();
  await expect(page.getByTestId('filter-field')).toHaveValue('correlation');
  await expect(page.getByTestId('found')).toContainText('conversation');

  // Clicking a found step seeks there.
  await rows.first().click();
  await expect(rows.first()).toHaveAttribute('aria-current', 'step');

  // Mermaid of the conversation, in a dialog.
  await page.getByTestId('export-mermaid').click();
  await expect(page.getByTestId('mermaid-dialog')).toBeVisible();
  await expect(page.getByTestId('mermaid-text')).toHaveValue(/^sequenceDiagram/);
  await expect(page.getByTestId('mermaid-text')).toHaveValue(/participant/);
  await page.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('mermaid-dialog')).toBeHidden();
});

test('node menu, multi-select, delete by key, duplicate and undo', async ({ page }) => {
  await page.goto('./');
  const notification = page.getByTestId('node-notification');
  await expect(notification).toBeVisible();
  await expect(page.getByTestId('group-lag-payment')).toHaveText('0');

  // Right click → Duplicate: the copy joins the same group and is wired like the original.
  await notification.click({ button: 'right' });
  await expect(page.getByTestId('node-menu')).toBeVisible();
  await page.getByRole('menuitem', { name: 'Duplicate' }).click();
  await expect(page.getByTestId('node-consumer-1')).toContainText('Notification copy');
  await expect(page.getByTestId('node-consumer-1')).toContainText('group notification');
  await expect(page.getByTestId('edge-list')).toContainText('orders → Notification copy');

  // Shift-click a second node: both selected; the Delete key removes both.
  await page.getByTestId('node-consumer-1').click();
  await page.getByTestId('node-inventory').click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('inspector')).toContainText('2 nodes selected');
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-consumer-1')).toHaveCount(0);
  await expect(page.getByTestId('node-inventory')).toHaveCount(0);

  // Undo brings both back; redo takes them away again.
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('node-inventory')).toBeVisible();
  await expect(page.getByTestId('node-consumer-1')).toBeVisible();
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('node-inventory')).toHaveCount(0);
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('node-inventory')).toBeVisible();

  // Click a connection and press Delete: it goes; undo brings it back.
  await page.locator('.svelte-flow__edge[data-id="orders->payment"] .svelte-flow__edge-interaction').click({ force: true });
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('edge-list')).not.toContainText('orders → Payment');
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('edge-list')).toContainText('orders → Payment');

  // Tidy up: producer, topic and consumers in columns left to right.
  await page.getByTestId('layout').click();
  const x = async (id: string) => (await page.getByTestId(`node-${id}`).boundingBox())!.x;
  await expect.poll(async () => (await x('checkout')) < (await x('orders')) && (await x('orders')) < (await x('payment'))).toBe(true);
});

test('exports the canvas as PNG and SVG', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('node-payment')).toBeVisible();
  for (const format of ['png', 'svg']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`export-${format}`).click()]);
    expect(download.suggestedFilename()).toBe(`pubsub-fan-out-one-orderplaced-three-services.${format}`);
    const path = await download.path();
    const { statSync } = await import('node:fs');
    expect(statSync(path).size).toBeGreaterThan(1000);
  }
});
