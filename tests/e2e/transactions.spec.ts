// Lesson 37 on the built site, the way a learner takes it: opened by its link and played
// (at-least-once writes a ledger entry twice), then fixed in the inspector — the ledger
// writer in a transaction, Balances and Mailer reading read_committed — with the trace
// showing the commit steps, the abort and the stall, and the email still going out twice
// until Mailer gets a processed-id table. A transaction with commit "before" is refused at
// its field; the fix survives a reload.
import { test, expect } from '@playwright/test';
import { failOnConsoleProblems, goal, playToEnd, rowsOf, saved, selectNode } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 120_000 });

test('lesson 37: a crash between emit and commit duplicates the ledger entry; a transaction and read_committed fix it; the email needs idempotency', async ({ page }) => {
  await page.goto('./#/lesson/exactly-once');
  await expect(page.getByTestId('lesson-title')).toHaveText('Exactly once, and what it costs');

  // At-least-once: the entry is written twice, Balances counts 200.
  await playToEnd(page);
  await expect(goal(page, 'balance')).toHaveAttribute('data-ok', 'false');
  await expect(goal(page, 'emails')).toHaveAttribute('data-ok', 'false');
  await expect(rowsOf(page, 'crash').filter({ hasText: 'ledger-writer crashed as you armed it: PaymentReceived evt-0 (key PAY-1) was handled, its state saved and what it emitted sent, but the offset was not committed' })).toHaveCount(1);
  await expect(rowsOf(page, 'tx-commit')).toHaveCount(0);

  // A transaction needs the commit after handling: refused at its field, nothing changes.
  await selectNode(page, 'ledger-writer');
  await page.getByTestId('inspect-commit').selectOption('before');
  await page.getByTestId('inspect-transactional').click();
  await expect(page.getByTestId('error-transactional')).toContainText('a transaction commits the offset together with what the handler emitted, after handling');
  await expect(page.getByTestId('inspect-transactional')).not.toBeChecked();
  await page.getByTestId('inspect-commit').selectOption('after');
  await expect(page.getByTestId('error-transactional')).toHaveCount(0);
  await page.getByTestId('inspect-transactional').check();
  await expect(page.getByTestId('inspect-transactional')).toBeChecked();
  await expect(page.getByTestId('inspect-tx-timeout')).toBeVisible();

  // Fix 1: read_committed on both readers.
  await selectNode(page, 'balances');
  await page.getByTestId('inspect-isolation').selectOption('read_committed');
  await selectNode(page, 'mailer');
  await page.getByTestId('inspect-isolation').selectOption('read_committed');
  await expect(page.getByTestId('inspect-isolation')).toHaveValue('read_committed');
  await playToEnd(page);
  await expect(goal(page, 'balance')).toHaveAttribute('data-ok', 'true');
  // The cost: a commit step per payment, an open transaction aborted after its timeout, and
  // read_committed readers skipping what it wrote.
  await expect(rowsOf(page, 'tx-commit').first()).toContainText('became visible together, with a commit marker, 5 ms after the handling');
  await expect(rowsOf(page, 'tx-abort').filter({ hasText: 'The transaction coordinator aborted tx-0 of ledger-writer' })).toHaveCount(1);
  await expect(rowsOf(page, 'skip').filter({ hasText: 'balances skipped LedgerEntry evt-1 (key ACC-1) at ledger p0 @0: ledger-writer wrote it in transaction tx-0, which was aborted' })).toHaveCount(1);
  // The aborted entry is still in the ledger, struck through: read_committed skipped it.
  await selectNode(page, 'ledger');
  await expect(page.getByTestId('aborted-ledger-p0-0')).toBeVisible();
  await expect(page.getByTestId('log-ledger-p0').locator('.cell.gone')).toHaveCount(1);
  // The email is not in Kafka: Mailer's own crash still sends a receipt twice.
  await expect(goal(page, 'emails')).toHaveAttribute('data-ok', 'false');

  // Fix 2: Mailer remembers what it handled.
  await selectNode(page, 'mailer');
  await page.getByLabel('Idempotency', { exact: true }).selectOption('processed-ids');
  await playToEnd(page);
  await expect(goal(page, 'emails')).toHaveAttribute('data-ok', 'true');
  await expect(goal(page, 'all-emails')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');

  await saved(page);
  await page.reload();
  await selectNode(page, 'ledger-writer');
  await expect(page.getByTestId('inspect-transactional')).toBeChecked();
  await selectNode(page, 'balances');
  await expect(page.getByTestId('inspect-isolation')).toHaveValue('read_committed');
});
