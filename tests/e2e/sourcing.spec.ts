// Event sourcing, read models and sagas in the built site, as a learner uses them: the
// account aggregate (1000 + 500 − 200 = 1300, an overdraft refused), a buggy projection
// fixed by a deploy and a rebuild with the tables compared, a temporal query by seeking,
// and the order saga compensating when the payment fails — stepped back through.
import { test, expect, type Page } from '@playwright/test';
import { failOnConsoleProblems, openExample, rowsOf, runToEnd, selectNode } from './support.ts';

failOnConsoleProblems();

async function command(page: Page, name: string, data: string) {
  await page.getByLabel('Command', { exact: true }).selectOption(name);
  await page.getByLabel('Stream id').fill('ACC-1');
  await page.getByLabel('Command data as JSON').fill(data);
  const sent = await rowsOf(page, 'command').count();
  await page.getByTestId('send-command').click();
  // Wait for the command to come back through the worker before stepping on.
  await expect(rowsOf(page, 'command')).toHaveCount(sent + 1);
  await runToEnd(page);
}

test('the account: 1300 in the stream, an overdraft refused, a projection fixed by a rebuild, 1500 as of the deposit', async ({ page }) => {
  await openExample(page, 'account');
  await selectNode(page, 'account');
  await command(page, 'OpenAccount', '{"initialBalance": 1000}');
  await command(page, 'Deposit', '{"amount": 500}');
  await command(page, 'Withdraw', '{"amount": 200}');
  await expect(page.getByRole('list', { name: 'Streams' })).toContainText('ACC-1 v3: {"balance":1300}');
  await command(page, 'Withdraw', '{"amount": 5000}');
  await expect(rowsOf(page, 'load').last()).toContainText('Rejected: insufficient funds');
  await expect(page.getByRole('list', { name: 'Streams' })).toContainText('ACC-1 v3');

  // The projection's deposit reducer is wrong: 1000 − 500 − 200 = 300.
  await selectNode(page, 'balances');
  await expect(page.getByTestId('tables')).toContainText('balance[ACC-1] = 300');
  await page.getByText('Reducers (deploy a fix, then rebuild)').click();
  const editor = page.getByLabel('Reducers as JSON');
  const fixed = (await editor.inputValue()).replace(/"MoneyDeposited",\s*"do":\s*\[\s*\{\s*"do":\s*"decrement"/, (m) => m.replace('decrement', 'increment'));
  await editor.fill(fixed);
  await page.getByTestId('deploy-reducers').click();
  await page.getByTestId('rebuild').click();
  await runToEnd(page);
  await expect(page.getByTestId('tables')).toContainText('balance[ACC-1] = 1300');
  await expect(page.getByTestId('compare')).toContainText('balance[ACC-1]: 300 → 1300');

  // A temporal query: seek to just after the rebuilt projection applied the second event.
  await page.locator('[data-testid="trace-row"][data-kind="commit"]', { hasText: 'balances committed offset 2' }).last().click();
  await selectNode(page, 'balances');
  await expect(page.getByTestId('tables')).toContainText('balance[ACC-1] = 1500');
});

test('the order saga: the payment fails, the stock is released and the order cancelled; step back through it', async ({ page }) => {
  await openExample(page, 'order-saga');
  await selectNode(page, 'shop');
  await page.getByLabel('Template to fire').selectOption('1'); // 250: over the card limit
  await page.getByTestId('fire-template').click();
  // The fire is applied before running on (else a loaded machine may find nothing pending yet).
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await runToEnd(page);
  await selectNode(page, 'order-saga');
  const instances = page.getByTestId('saga-instances');
  await expect(instances).toContainText('evt-0: compensated');
  await expect(instances).toContainText('started → reserve stock ✓ → charge payment ✗ → reserve stock undone → compensated');

  // Step back to before the payment failed: the saga is running again, one step done.
  const failed = page.locator('[data-testid="trace-row"][data-kind="saga"]', { hasText: 'failed (PaymentFailed)' });
  const seq = Number(await failed.getAttribute('data-seq'));
  const back = page.getByRole('button', { name: 'Step back' });
  const counter = page.getByTestId('step-counter');
  for (;;) {
    const at = Number(/step (\d+)/.exec((await counter.textContent()) ?? '')![1]);
    if (at <= seq) break;
    await back.click();
    // Read the counter again only once this click has moved it (a loaded machine answers late).
    await expect(counter).toContainText(`step ${at - 1} /`);
  }
  await expect(instances).toContainText('evt-0: running');
  await expect(instances).toContainText('ahead: charge payment → ship');
  await page.getByRole('button', { name: 'Step forward' }).click();
  await expect(instances).toContainText('evt-0: compensated');
});
