// The lessons of issue #16 on the built site, taken the way a learner takes them: opened by
// their #/lesson/<id> link, each guided step done with the control its text names, until
// the checklist says the lesson is complete. Between them they drive the controls these
// lessons brought: a topic's outages, a producer's idempotence, a consumer's ordering while
// retrying, a projection's restart, and a look into the past on the timeline.
import { test, expect, type Page } from '@playwright/test';
import { failOnConsoleProblems, goal, playToEnd, selectNode } from './support.ts';

failOnConsoleProblems();

/** The guided step on screen is done: its wait is met and Next is pressed. */
async function next(page: Page, title: string) {
  await expect(page.getByTestId('step-wait')).toContainText('Done');
  await page.getByTestId('step-next').click();
  await expect(page.getByTestId('step-title')).toContainText(title);
}

test('lesson 17 by its link: a topic down, then losing acks, then an idempotent producer — complete', async ({ page }) => {
  await page.goto('./#/lesson/broker-outage');
  await expect(page.getByTestId('lesson-title')).toHaveText('When the broker stumbles');
  await expect(page.getByTestId('step-title')).toContainText('Take the topic down');
  await expect(goal(page, 'retried')).toHaveAttribute('data-ok', 'false');

  // Step 1: orders down for 300 ms, then fire.
  await selectNode(page, 'orders');
  await page.getByLabel('Outage in milliseconds').fill('300');
  await page.getByTestId('outage').click();
  await page.getByTestId('fire').click();
  await next(page, 'Retry until it is back');

  // Step 2: play; Checkout retries until the topic is back, and the order lands once.
  await playToEnd(page);
  await expect(goal(page, 'retried')).toHaveAttribute('data-ok', 'true');
  await next(page, 'Lose the acknowledgements');

  // Step 3: acks lost — the retry writes ORD-2 again, and again.
  await selectNode(page, 'orders');
  await page.getByLabel('Outage in milliseconds').fill('300');
  await page.getByLabel('Outage kind').selectOption('acks-lost');
  await page.getByTestId('outage').click();
  await page.getByTestId('fire').click();
  await playToEnd(page);
  await expect(goal(page, 'acks-lost')).toHaveAttribute('data-ok', 'true');
  await expect(goal(page, 'log-once')).toHaveAttribute('data-ok', 'false');
  await expect(goal(page, 'once')).toHaveAttribute('data-ok', 'false');
  await next(page, 'Count the copies');

  // Step 4 (read): Payment charged ORD-2 more than once.
  await selectNode(page, 'payment');
  await expect(page.getByTestId('inspector')).toContainText(/ORD-2 ×[2-9]/);
  await page.getByTestId('step-next').click();
  await expect(page.getByTestId('step-title')).toContainText('Make the producer idempotent');

  // Step 5: tick Idempotent producer on Checkout; the run replays with the same outages.
  await selectNode(page, 'checkout');
  await page.getByTestId('inspect-idempotent').check();
  await expect(goal(page, 'log-once')).toHaveAttribute('data-ok', 'true');
  await expect(goal(page, 'once')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
  // The log holds the two orders once each.
  await selectNode(page, 'orders');
  await expect(page.getByTestId('log-orders-p0').locator('.cell')).toHaveCount(2);

  // A reload keeps the fix: the producer is still idempotent and the lesson still complete.
  await page.reload();
  await expect(page.getByTestId('lesson-title')).toHaveText('When the broker stumbles');
  await selectNode(page, 'checkout');
  await expect(page.getByTestId('inspect-idempotent')).toBeChecked();
});

test('lesson 20 by its link: a retried deposit is overtaken until the ledger blocks the key', async ({ page }) => {
  await page.goto('./#/lesson/retry-ordering');
  await expect(page.getByTestId('lesson-title')).toHaveText('What overtakes a retry');
  await playToEnd(page);
  await expect(goal(page, 'paid-out')).toHaveAttribute('data-ok', 'false');
  await expect(goal(page, 'order')).toHaveAttribute('data-ok', 'false');

  // The control the fix step names: Delivery and retries › While an event is retried…
  await selectNode(page, 'ledger');
  const delivery = page.getByTestId('inspect-delivery');
  await expect(delivery).toContainText('Delivery and retries');
  await expect(page.getByTestId('inspect-attempts')).toHaveValue('5');
  await expect(page.getByTestId('inspect-ordering')).toHaveValue('skip');
  await delivery.getByLabel('While an event is retried, later events of its key').selectOption('block-key');
  await expect(page.getByTestId('inspect-ordering')).toHaveValue('block-key');
  await playToEnd(page);
  await expect(goal(page, 'paid-out')).toHaveAttribute('data-ok', 'true');
  await expect(goal(page, 'order')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
  await expect(page.getByTestId('inspector')).toContainText('cash paid out: 1 in all');
  await expect(page.getByTestId('inspector')).not.toContainText('withdrawal refused:');
});

test('lesson 9 by its link: the read model goes down, its reads stay stale, a restart catches it up', async ({ page }) => {
  await page.goto('./#/lesson/projections-stale-reads');
  await expect(page.getByTestId('step-title')).toContainText('Place an order');
  await page.getByTestId('fire').click();
  await next(page, 'Read at once');

  await selectNode(page, 'order-status');
  const tools = page.getByTestId('tools');
  await tools.getByRole('textbox', { name: 'Table' }).fill('status');
  await tools.getByLabel('Key', { exact: true }).fill('ORD-1');
  await page.getByRole('button', { name: 'Query', exact: true }).click();
  await expect(goal(page, 'stale')).toHaveAttribute('data-ok', 'true');
  await next(page, 'Play on');

  await playToEnd(page);
  await expect(page.getByTestId('behind')).toContainText('down');
  await next(page, 'Write while the read side is down');

  await page.getByTestId('fire').click();
  await page.getByTestId('fire').click();
  await tools.getByLabel('Key', { exact: true }).fill('ORD-3');
  await page.getByRole('button', { name: 'Query', exact: true }).click();
  await expect(page.getByTestId('behind')).toContainText('2 events behind');
  await next(page, 'Restart it and read your write');

  // The restart the step names, in the projection's break-it panel.
  await tools.getByTestId('restart').click();
  await playToEnd(page);
  await expect(page.getByTestId('behind')).toHaveText('Up to date with its topics');
  await page.getByRole('button', { name: 'Query', exact: true }).click();
  await expect(goal(page, 'fresh')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
});

test('lesson 11, step 3: the step waits until the learner drags the timeline back to ACC-1 at v5', async ({ page }) => {
  await page.goto('./#/lesson/snapshots-temporal/travel');
  await expect(page.getByTestId('step-title')).toContainText('Ask about the past');
  await playToEnd(page);
  await expect(page.getByTestId('step-wait')).toContainText('Waiting for you to drag the timeline back to where ACC-1 was at version 5');

  // Back along the scrubber, one step at a time from the keyboard, until the stream reads v5.
  await selectNode(page, 'account');
  const streams = page.getByRole('list', { name: 'Streams' });
  const scrubber = page.getByTestId('scrubber');
  await scrubber.focus();
  for (let i = 0; i < 60 && !(await streams.innerText()).includes('ACC-1 v5:'); i++) await page.keyboard.press('ArrowLeft');
  await expect(streams).toContainText('ACC-1 v5:');
  await expect(streams).toContainText('1040');
  await expect(page.getByTestId('step-wait')).toContainText('Done: you are looking at the past, where ACC-1 was at version 5');
});

test('lesson 19 by its link: a conditional update built in the rule builder keeps the newest position through reordering, a rewind and a duplicate', async ({ page }) => {
  await page.goto('./#/lesson/out-of-order');
  await expect(page.getByTestId('lesson-title')).toHaveText('Out of order, twice, and again');
  await playToEnd(page);
  await expect(goal(page, 'latest')).toHaveAttribute('data-ok', 'false');
  await expect(goal(page, 'fold')).toHaveAttribute('data-ok', 'false');

  // Two rules, exactly as the step says, reading the group's own table in their condition.
  await selectNode(page, 'map');
  const builder = page.locator('fieldset.builder');
  const rule = async (op: string, field: string, value: string | null) => {
    await page.getByTestId('rule-on').fill('DriverMoved');
    await builder.getByLabel('Condition', { exact: true }).selectOption({ label: op });
    await builder.getByLabel('Condition field').fill(field);
    if (value !== null) await builder.getByLabel('Condition value').fill(value);
    await page.getByTestId('rule-do').selectOption('set');
    await page.getByTestId('rule-table').fill('position');
    await page.getByTestId('rule-key').fill('data.driverId');
    await page.getByTestId('rule-value').fill('data.km');
    await page.getByTestId('rule-and').click();
    await page.getByTestId('rule-table').fill('seq');
    await page.getByTestId('rule-value').fill('data.seq');
    await page.getByTestId('rule-add').click();
  };
  await rule('is missing', 'seq[data.driverId]', null);
  await rule('is more than', 'data.seq', 'seq[data.driverId]');
  await page.getByRole('button', { name: 'Remove rule 1' }).click();
  const rules = page.getByTestId('rules');
  await expect(rules.locator('li')).toHaveCount(2);
  await expect(rules).toContainText('On DriverMoved when seq[data.driverId] is missing: set position[data.driverId] to data.km; set seq[data.driverId] to data.seq');
  await expect(rules).toContainText('On DriverMoved when data.seq > seq[data.driverId]');
  await playToEnd(page);
  await expect(goal(page, 'latest')).toHaveAttribute('data-ok', 'true');
  await expect(goal(page, 'no-going-back')).toHaveAttribute('data-ok', 'true');

  // Rewind by 5, then deliver an old position again: the map keeps km 10.
  await page.getByLabel('Records to rewind').fill('5');
  await page.getByRole('button', { name: 'Redeliver' }).click();
  await playToEnd(page);
  await page.getByLabel('Event to deliver again').selectOption('evt-3');
  await page.getByTestId('inject-duplicate').click();
  await playToEnd(page);
  await expect(goal(page, 'again')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('state-table-position')).toContainText('DRV-710');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
});

test('lesson 23 by its link: prefetch 1 on both workers shares the invoices and sends each once', async ({ page }) => {
  await page.goto('./#/lesson/prefetch');
  await expect(page.getByTestId('lesson-title')).toHaveText('A worker that takes too much');
  await playToEnd(page);
  await expect(goal(page, 'once')).toHaveAttribute('data-ok', 'false');
  for (const worker of ['worker-1', 'worker-2']) {
    await selectNode(page, worker);
    await expect(page.getByTestId('inspect-prefetch')).toHaveValue('10');
    await page.getByTestId('inspect-prefetch').fill('1');
    await page.getByTestId('inspect-prefetch').press('Enter');
    await expect(page.getByTestId('inspect-prefetch')).toHaveValue('1');
  }
  await playToEnd(page);
  await expect(goal(page, 'once')).toHaveAttribute('data-ok', 'true');
  await expect(goal(page, 'in-time')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
});
