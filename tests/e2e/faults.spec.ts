// Break it on purpose, in the built site, the way a learner would: a duplicate charges a
// card twice and an invariant names the step; a poison message goes through its retries to
// the dead-letter topic and is redriven after the fix; a crash between save and publish
// loses an event with a dual write and not with an outbox.
import { test, expect, type Page } from '@playwright/test';
import { failOnConsoleProblems, openExample, rowsOf, runToEnd, selectNode } from './support.ts';

failOnConsoleProblems();

const invariant = (page: Page) => page.getByTestId('invariant').first();

test('(a) a duplicate charges the card twice; a processed-id table charges it once', async ({ page }) => {
  await openExample(page, 'payments');
  await page.getByTestId('fire').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await runToEnd(page);
  await expect(invariant(page)).toHaveAttribute('data-status', 'holding');

  await selectNode(page, 'payment');
  await page.getByLabel('Event to deliver again').selectOption('evt-0');
  await page.getByTestId('inject-duplicate').click();
  await expect(rowsOf(page, 'inject')).toHaveCount(1);
  await runToEnd(page);
  await expect(rowsOf(page, 'handle')).toHaveCount(2);
  await expect(invariant(page)).toHaveAttribute('data-status', 'broken');
  await expect(invariant(page)).toContainText('"card charged" happened 2 times for ORD-1');

  // Jump to the step where it broke: the second handling.
  await invariant(page).getByRole('button', { name: /Jump to step/ }).click();
  await expect(page.locator('[data-testid="trace-row"][aria-current="step"]')).toHaveAttribute('data-kind', 'handle');

  // Fix: give Payment a processed-id table (an edit: the session replays with it).
  await page.getByLabel('Idempotency', { exact: true }).selectOption('processed-ids');
  await expect(page.getByLabel('Idempotency', { exact: true })).toHaveValue('processed-ids');
  await runToEnd(page);
  await expect(rowsOf(page, 'skip')).toHaveCount(1);
  await expect(invariant(page)).toHaveAttribute('data-status', 'holding');
});

test('(b) a poison message goes through its retries to the dead-letter topic; fix and redrive', async ({ page }) => {
  await openExample(page, 'poison');
  await page.getByTestId('fire').click(); // template 0: +100
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await runToEnd(page);
  await selectNode(page, 'bank');
  await page.getByLabel('Template to fire').selectOption('1'); // the refund, -40: the poison
  await page.getByTestId('fire-template').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(2);
  await runToEnd(page);
  await expect(rowsOf(page, 'error')).toHaveCount(2);
  await expect(rowsOf(page, 'dead-letter')).toHaveCount(1);

  await selectNode(page, 'bookings-dlq');
  await expect(page.getByTestId('dead-letters')).toContainText('3 attempts');
  await selectNode(page, 'ledger');
  await page.getByTestId('fix').click();
  await expect(rowsOf(page, 'deploy')).toHaveCount(1);
  await selectNode(page, 'bookings-dlq');
  await page.getByTestId('redrive-all').click();
  await expect(rowsOf(page, 'redrive')).toHaveCount(1);
  await runToEnd(page);
  await expect(page.getByTestId('dead-letters')).toContainText('redriven');
  await expect(invariant(page)).toHaveAttribute('data-status', 'holding');
});

test('(c) a crash between save and publish loses the event with a dual write, not with an outbox', async ({ page }) => {
  await openExample(page, 'outbox');
  await selectNode(page, 'orders-service');
  await page.getByTestId('crash-after-save').click();
  await expect(rowsOf(page, 'inject')).toHaveCount(1);
  await page.getByTestId('fire-template').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await runToEnd(page);
  await expect(invariant(page)).toHaveAttribute('data-status', 'broken');
  await expect(invariant(page)).toContainText('never published');

  await selectNode(page, 'orders-service');
  await page.getByLabel('Pattern').selectOption('outbox');
  await expect(page.getByLabel('Pattern')).toHaveValue('outbox');
  await runToEnd(page);
  await expect(rowsOf(page, 'relay')).toHaveCount(1);
  await expect(invariant(page)).toHaveAttribute('data-status', 'holding');
});
