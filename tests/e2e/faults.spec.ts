// Break it on purpose, in the built site, the way a learner would: a duplicate charges a
// card twice and an invariant names the step; a poison message goes through its retries to
// the dead-letter topic and is redriven after the fix; a crash between save and publish
// loses an event with a dual write and not with an outbox.
import { test, expect, type ConsoleMessage, type Page } from '@playwright/test';

let problems: string[] = [];

test.beforeEach(async ({ page }) => {
  problems = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
});

test.afterEach(() => {
  expect(problems).toEqual([]);
});

async function open(page: Page, example: string) {
  await page.goto(`./?example=${example}`);
  await expect(page.getByTestId('canvas')).toBeVisible();
}
const rowsOf = (page: Page, kind: string) => page.locator(`[data-testid="trace-row"][data-kind="${kind}"]`);
const invariant = (page: Page) => page.getByTestId('invariant').first();
async function runToEnd(page: Page) {
  // Step until nothing is pending (the step counter stops moving).
  const next = page.getByTestId('next-action');
  for (let i = 0; i < 200; i++) {
    const forward = page.getByRole('button', { name: 'Step forward' });
    if ((await next.textContent())?.includes('nothing is pending') || (await forward.isDisabled())) return;
    await forward.click({ timeout: 2000 }).catch(() => undefined); // it may go idle meanwhile
  }
  throw new Error('the run did not go idle');
}
async function select(page: Page, id: string) {
  await page.getByTestId(`node-${id}`).click();
  await expect(page.getByTestId('tools')).toBeVisible();
}

test('(a) a duplicate charges the card twice; a processed-id table charges it once', async ({ page }) => {
  await open(page, 'payments');
  await page.getByTestId('fire').click();
  await runToEnd(page);
  await expect(invariant(page)).toHaveAttribute('data-status', 'holding');

  await select(page, 'payment');
  await page.getByLabel('Event to deliver again').selectOption('evt-0');
  await page.getByTestId('inject-duplicate').click();
  await runToEnd(page);
  await expect(rowsOf(page, 'handle')).toHaveCount(2);
  await expect(invariant(page)).toHaveAttribute('data-status', 'broken');
  await expect(invariant(page)).toContainText('"card charged" happened 2 times for ORD-1');

  // Jump to the step where it broke: the second handling.
  await invariant(page).getByRole('button', { name: /Jump to step/ }).click();
  await expect(page.locator('[data-testid="trace-row"][aria-current="step"]')).toHaveAttribute('data-kind', 'handle');

  // Fix: give Payment a processed-id table (an edit: the session replays with it).
  await page.getByLabel('Idempotency', { exact: true }).selectOption('processed-ids');
  await runToEnd(page);
  await expect(rowsOf(page, 'skip')).toHaveCount(1);
  await expect(invariant(page)).toHaveAttribute('data-status', 'holding');
});

test('(b) a poison message goes through its retries to the dead-letter topic; fix and redrive', async ({ page }) => {
  await open(page, 'poison');
  await page.getByTestId('fire').click(); // template 0: +100
  await runToEnd(page);
  await select(page, 'bank');
  await page.getByLabel('Template to fire').selectOption('1'); // the refund, -40: the poison
  await page.getByTestId('fire-template').click();
  await runToEnd(page);
  await expect(rowsOf(page, 'error')).toHaveCount(2);
  await expect(rowsOf(page, 'dead-letter')).toHaveCount(1);

  await select(page, 'bookings-dlq');
  await expect(page.getByTestId('dead-letters')).toContainText('3 attempts');
  await select(page, 'ledger');
  await page.getByTestId('fix').click();
  await select(page, 'bookings-dlq');
  await page.getByTestId('redrive-all').click();
  await runToEnd(page);
  await expect(page.getByTestId('dead-letters')).toContainText('redriven');
  await expect(invariant(page)).toHaveAttribute('data-status', 'holding');
});

test('(c) a crash between save and publish loses the event with a dual write, not with an outbox', async ({ page }) => {
  await open(page, 'outbox');
  await select(page, 'orders-service');
  await page.getByTestId('crash-after-save').click();
  await page.getByTestId('fire-template').click();
  await runToEnd(page);
  await expect(invariant(page)).toHaveAttribute('data-status', 'broken');
  await expect(invariant(page)).toContainText('never published');

  await select(page, 'orders-service');
  await page.getByLabel('Pattern').selectOption('outbox');
  await runToEnd(page);
  await expect(rowsOf(page, 'relay')).toHaveCount(1);
  await expect(invariant(page)).toHaveAttribute('data-status', 'holding');
});
