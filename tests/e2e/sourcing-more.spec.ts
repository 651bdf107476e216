// More of event sourcing and sagas in the built site, as a learner uses them: the order
// saga edited through its form (a refused value shown at its field, steps added, moved and
// removed, a compensation that waits for its reply), the payment failing and the
// compensation watched step by step in the instance's state machine, then stepped back
// through; an account stream folded event by event with its snapshots; and a conversation
// drawn as a sequence diagram, with where it stopped.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, openExample, rowsOf, runToEnd, selectNode } from './support.ts';

failOnConsoleProblems();
// Many single steps, each waiting for the worker's answer, on a shared 2-core machine.
test.describe.configure({ timeout: 120_000 });

const counter = (page: Page) => page.getByTestId('step-counter');
async function stepNow(page: Page): Promise<number> {
  return Number(/step (\d+)/.exec((await counter(page).textContent()) ?? '')![1]);
}
/** One step forward, waiting for the worker's answer before the next. */
async function forward(page: Page): Promise<void> {
  const at = await stepNow(page);
  await page.getByRole('button', { name: 'Step forward' }).click();
  await expect(counter(page)).not.toHaveText(new RegExp(`^step ${at} /`));
}
async function back(page: Page): Promise<void> {
  const at = await stepNow(page);
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect(counter(page)).toHaveText(new RegExp(`^step ${at - 1} /`));
}
/** Commits a text field (its change event) and waits for the edit to come back. */
async function change(page: Page, testId: string, value: string): Promise<void> {
  const field = page.getByTestId(testId);
  await field.fill(value);
  await field.press('Tab');
}
/** No serious or critical axe violation in what is on screen. */
async function scan(page: Page, view: string): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze();
  expect(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${view}: ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
}
const current = (page: Page) => page.locator('[data-testid="saga-state"][data-mark="current"]');

test('the order saga through its form: a bad timeout refused at its field, steps added, moved and removed, an undo that waits for its reply', async ({ page }) => {
  await openExample(page, 'order-saga');
  await selectNode(page, 'order-saga');
  const form = page.getByTestId('saga-form');
  await expect(form).toBeVisible();
  await expect(page.getByTestId('saga-step-name-0')).toHaveValue('reserve stock');
  await expect(page.getByTestId('saga-step-topic-1')).toHaveValue('payment-commands');
  await expect(page.getByTestId('saga-step-data-1')).toHaveValue('orderId, amount');
  await expect(page.getByTestId('saga-step-failure-1')).toHaveValue('PaymentFailed');

  // A timeout of 0 is refused by the scenario format: the error sits at the field, the value stays.
  await change(page, 'saga-step-timeout-0', '0');
  await expect(page.getByTestId('saga-error-timeout-0')).toBeVisible();
  await expect(page.getByTestId('saga-step-timeout-0')).toHaveValue('0');
  await expect(page.getByTestId('saga-step-timeout-0')).toHaveAttribute('aria-invalid', 'true');
  await change(page, 'saga-step-timeout-0', '800');
  await expect(page.getByTestId('saga-error-timeout-0')).toHaveCount(0);
  // Data that is neither field names nor JSON is caught before it is sent.
  await change(page, 'saga-step-data-0', 'order id');
  await expect(page.getByTestId('saga-error-data-0')).toContainText('"order id" is not a field name');
  await change(page, 'saga-step-data-0', 'orderId');
  await expect(page.getByTestId('saga-error-data-0')).toHaveCount(0);

  // Add a step, move it up, then remove it: the order shows in the form each time.
  await page.getByTestId('saga-add-step').click();
  await expect(page.getByTestId('saga-step-name-3')).toHaveValue('step 4');
  await page.getByTestId('saga-step-up-3').click();
  await expect(page.getByTestId('saga-step-name-2')).toHaveValue('step 4');
  await expect(page.getByTestId('saga-step-name-3')).toHaveValue('ship');
  await page.getByTestId('saga-step-remove-2').click();
  await expect(page.getByTestId('saga-step-3')).toHaveCount(0);
  await expect(page.getByTestId('saga-step-name-2')).toHaveValue('ship');

  // Releasing the stock now waits for Inventory's StockReleased reply.
  await change(page, 'saga-step-comp-success-0', 'StockReleased');
  await expect(page.getByTestId('saga-step-comp-success-0')).toHaveValue('StockReleased');
  // Inventory replies: its ReleaseStock rule is replaced by one that emits StockReleased.
  await selectNode(page, 'inventory');
  await page.getByRole('button', { name: 'Remove rule 2' }).click();
  await expect(page.getByTestId('rules').locator('li')).toHaveCount(1);
  await page.getByTestId('rule-on').fill('ReleaseStock');
  await page.getByTestId('rule-do').selectOption('emit');
  await page.getByLabel('Event type', { exact: true }).fill('StockReleased');
  await page.getByTestId('rule-key').fill('key');
  await page.getByTestId('rule-add').click();
  await expect(page.getByTestId('rules')).toContainText('ReleaseStock');

  // The payment fails (250 is over the limit): watch the instance's machine step by step.
  await selectNode(page, 'shop');
  await page.getByLabel('Template to fire').selectOption('1');
  const fired = await rowsOf(page, 'fire').count();
  await page.getByTestId('fire-template').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(fired + 1);
  await selectNode(page, 'order-saga');
  const machine = page.getByTestId('saga-machine');
  const seen: string[] = [];
  for (let i = 0; i < 200; i++) {
    if (await machine.isVisible()) {
      const id = await current(page).getAttribute('data-state');
      if (id && seen.at(-1) !== id) seen.push(id);
      if (id === 'compensated') break;
    }
    await forward(page);
  }
  expect(seen).toEqual(['step-0', 'step-1', 'undo-0', 'compensated']);
  await expect(page.getByTestId('saga-machine-summary')).toContainText('compensated: step 2 "charge payment" failed');
  await expect(page.locator('[data-state="step-1"]')).toHaveAttribute('data-mark', 'taken');
  await expect(machine.locator('[data-edge="step-1>undo-0"]')).toHaveAttribute('data-mark', 'taken');

  // Step back: the machine goes back to waiting for StockReleased, the rest of the way ahead.
  for (let i = 0; i < 50; i++) {
    await back(page);
    if ((await current(page).getAttribute('data-state')) !== 'compensated') break;
  }
  await expect(current(page)).toHaveAttribute('data-state', 'undo-0');
  await expect(page.getByTestId('saga-machine-summary')).toContainText('compensating: undo reserve stock → compensated');
  await expect(page.locator('[data-testid="saga-state"][data-state="compensated"]')).toHaveAttribute('data-mark', 'ahead');
  await expect(machine.locator('[data-edge="undo-0>compensated"]')).toHaveAttribute('data-mark', 'ahead');
  for (let i = 0; i < 50; i++) {
    await back(page);
    if ((await current(page).getAttribute('data-state')) !== 'undo-0') break;
  }
  await expect(current(page)).toHaveAttribute('data-state', 'step-1');
  await expect(page.getByTestId('saga-machine-summary')).toContainText('running step 2 "charge payment"; ahead: ship → completed');
  // The canvas marks the connections still ahead: to shipping, not back to inventory.
  await expect(page.locator('.svelte-flow__edge[data-id="order-saga->shipping-commands"]')).toHaveClass(/\bahead\b/);
  await expect(page.locator('.svelte-flow__edge[data-id="order-saga->inventory-commands"]')).not.toHaveClass(/\bahead\b/);
  await expect(page.locator('[data-testid="saga-state"][data-state="completed"]')).toHaveAttribute('data-mark', 'ahead');
  await scan(page, 'saga form and state machine');
  await page.emulateMedia({ colorScheme: 'dark' });
  await scan(page, 'saga form and state machine (dark)');
});

test('a stream folded event by event: the state after each, and where the snapshots were taken', async ({ page }) => {
  await openExample(page, 'account');
  await selectNode(page, 'account');
  // The aggregate's form: 0 is refused at its field; snapshots every 2 events.
  await expect(page.getByTestId('aggregate-form')).toBeVisible();
  await expect(page.getByTestId('command-name-2')).toHaveValue('Withdraw');
  await change(page, 'aggregate-snapshot-every', '0');
  await expect(page.getByTestId('aggregate-error-snapshot')).toBeVisible();
  await change(page, 'aggregate-snapshot-every', '2');
  await expect(page.getByTestId('aggregate-error-snapshot')).toHaveCount(0);
  await expect(page.getByTestId('aggregate-snapshot-every')).toHaveValue('2');
  // A condition that is not JSON is caught at its field and kept there; the command is unchanged.
  const when = page.getByTestId('command-when-1');
  const was = await when.inputValue();
  await change(page, 'command-when-1', '{"op": "gt", ');
  await expect(page.getByTestId('command-error-when-1')).toContainText('must be JSON');
  await expect(when).toHaveValue('{"op": "gt", ');
  await change(page, 'command-when-1', was);
  await expect(page.getByTestId('command-error-when-1')).toHaveCount(0);
  for (const [name, data] of [['OpenAccount', '{"initialBalance": 1000}'], ['Deposit', '{"amount": 500}'], ['Withdraw', '{"amount": 200}']]) {
    await page.getByLabel('Command', { exact: true }).selectOption(name);
    await page.getByLabel('Stream id').fill('ACC-1');
    await page.getByLabel('Command data as JSON').fill(data);
    const sent = await rowsOf(page, 'command').count();
    await page.getByTestId('send-command').click();
    await expect(rowsOf(page, 'command')).toHaveCount(sent + 1);
    await runToEnd(page);
  }
  await page.getByTestId('fold-stream').selectOption('ACC-1');
  const position = page.getByTestId('fold-position');
  const state = page.getByTestId('fold-state');
  await expect(position).toHaveText('event 3 of 3');
  await expect(state).toHaveText('{"balance":1300}');
  await expect(page.getByTestId('fold-snapshot')).toHaveCount(0);
  await page.getByTestId('fold-prev').click();
  await expect(position).toHaveText('event 2 of 3');
  await expect(state).toHaveText('{"balance":1500}');
  await expect(page.getByTestId('fold-event')).toContainText('MoneyDeposited');
  await expect(page.getByTestId('fold-snapshot')).toContainText('A snapshot of this state was taken here');
  await page.getByTestId('fold-prev').click();
  await expect(position).toHaveText('event 1 of 3');
  await expect(state).toHaveText('{"balance":1000}');
  await expect(page.getByTestId('fold-prev')).toBeDisabled();
  await scan(page, 'stream fold');
  await page.getByTestId('fold-next').click();
  await expect(state).toHaveText('{"balance":1500}');

  // Step back in time until the third append is undone: the stream has two events again.
  for (let i = 0; i < 30 && !/of 2$/.test((await position.textContent()) ?? ''); i++) await back(page);
  await expect(position).toHaveText('event 2 of 2');
  await expect(state).toHaveText('{"balance":1500}');
  await expect(page.getByTestId('fold-next')).toBeDisabled();

  // The projection's reducers in its form: read back as sentences; bad JSON is caught and kept.
  await selectNode(page, 'balances');
  await expect(page.getByTestId('projection-rules').locator('li')).toHaveCount(3);
  await expect(page.getByTestId('projection-rules')).toContainText('On MoneyDeposited');
  await page.getByTestId('projection-new-rule').fill('{"on": "X", ');
  await page.getByTestId('projection-add-rule').click();
  await expect(page.getByTestId('projection-form')).toContainText('must be JSON');
  await expect(page.getByTestId('projection-new-rule')).toHaveValue('{"on": "X", ');
  await expect(page.getByTestId('projection-rules').locator('li')).toHaveCount(3);
});

test('a conversation as a sequence diagram: the order saga, and a poison message where it stopped', async ({ page }) => {
  await openExample(page, 'order-saga');
  await selectNode(page, 'shop');
  await page.getByLabel('Template to fire').selectOption('1');
  await page.getByTestId('fire-template').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await runToEnd(page);
  // Search the trace for the conversation of the order (the fired event is its correlation id).
  await page.getByTestId('filter-field').selectOption('correlation');
  await page.getByTestId('filter-text').fill('evt-0');
  await expect(page.getByTestId('found')).toContainText('conversation evt-0');
  await page.getByTestId('export-mermaid').click();
  const dialog = page.getByTestId('mermaid-dialog');
  await expect(dialog).toBeVisible();
  const diagram = page.getByTestId('sequence-diagram');
  // Shop, orders, the saga, inventory and payment with their command topics, replies, order events and status.
  await expect(diagram.getByTestId('sequence-participant')).toHaveCount(10);
  expect(await diagram.getByTestId('sequence-message').count()).toBeGreaterThan(20);
  await expect(page.getByTestId('sequence-stopped')).toContainText('Conversation evt-0');
  await expect(page.getByTestId('sequence-stopped')).toContainText('deliver OrderCancelled');
  await expect(diagram.locator('.message.stopped')).toHaveCount(1);
  await expect(page.getByTestId('mermaid-text')).toHaveValue(/^sequenceDiagram/);
  await scan(page, 'sequence diagram');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();

  // A poison message: every attempt fails and it is dead-lettered; the conversation stops there.
  await openExample(page, 'poison');
  await selectNode(page, 'bank');
  await page.getByLabel('Template to fire').selectOption('1'); // a refund: −40, which the buggy ledger fails on
  const fired = await rowsOf(page, 'fire').count();
  await page.getByTestId('fire-template').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(fired + 1);
  await runToEnd(page);
  await page.getByTestId('filter-field').selectOption('correlation');
  await page.getByTestId('filter-text').fill('evt-0');
  await expect(page.getByTestId('found')).toContainText('conversation evt-0');
  await page.getByTestId('export-mermaid').click();
  await expect(page.getByTestId('sequence-stopped')).toContainText('It went wrong and stopped');
  await expect(page.getByTestId('sequence-diagram').locator('.message.stopped')).toHaveAttribute('data-failed', 'true');
  await page.getByTestId('mermaid-dialog').getByRole('button', { name: 'Close' }).click();
});
