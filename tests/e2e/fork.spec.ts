// Fork and diff ([FD1]–[FD6]) the way a learner meets it, in the built site: open the
// payments example (a card charged per order), step to a point, fork there, inject a
// duplicate on the fork, play both, compare them side by side, jump to the first step where
// they differ, reload and find both runs still there; then keep or discard a fork.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, openExample, playToEnd, rowsOf, runToEnd, saved, selectNode } from './support.ts';

failOnConsoleProblems();

const counter = (page: Page) => page.getByTestId('step-counter');
const bar = (page: Page) => page.getByTestId('fork-bar');
const currentRow = (page: Page) => page.locator('[data-testid="trace-row"][aria-current="step"]');
const ORIGINAL = 'Duplicates charge cards twice';

async function workspaceNames(page: Page): Promise<string[]> {
  await page.getByTestId('workspaces').click();
  const dialog = page.getByTestId('workspaces-dialog');
  await expect(dialog).toBeVisible();
  const names = await dialog.getByTestId('workspace-row').locator('.name').allTextContents();
  await dialog.getByRole('button', { name: 'Close' }).click();
  return names.map((n) => n.trim()).sort();
}

/** One order fired and handled; then one step back, before its commit: the fork point, step 4. */
async function toForkPoint(page: Page): Promise<void> {
  await openExample(page, 'payments');
  await page.getByTestId('fire').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  await runToEnd(page);
  await expect(counter(page)).toHaveText('step 5 / 5');
  await page.getByTestId('step-back').click();
  await expect(counter(page)).toHaveText('step 4 / 5');
}

test('fork at a step, inject a duplicate on the fork, play both, compare, jump to the first difference, reload: both runs are there', async ({ page }) => {
  await toForkPoint(page);
  await page.getByTestId('fork-here').click();
  await expect(bar(page)).toHaveAttribute('data-side', 'b');
  await expect(bar(page)).toContainText(`Fork of “${ORIGINAL}” at step 4`);
  // The fork opens where the original was: at step 4 (its future not played yet).
  await expect(counter(page)).toHaveText('step 4 / 4');

  // Break the fork: deliver evt-0 to Payment once more.
  await selectNode(page, 'payment');
  await page.getByLabel('Event to deliver again').selectOption('evt-0');
  await page.getByTestId('inject-duplicate').click();
  await expect(rowsOf(page, 'inject')).toHaveCount(1);
  await playToEnd(page);
  await expect(rowsOf(page, 'handle')).toHaveCount(2);

  // The original, played to its end too: untouched by the fork.
  await page.getByTestId('fork-other').click();
  await expect(bar(page)).toHaveAttribute('data-side', 'a');
  await expect(counter(page)).toHaveText('step 4 / 4');
  await playToEnd(page);
  await expect(counter(page)).toHaveText('step 5 / 5');
  await expect(rowsOf(page, 'inject')).toHaveCount(0);
  await expect(rowsOf(page, 'handle')).toHaveCount(1);

  // Compare: the first differing step is the fork's duplicate, step 5; the card is charged
  // once in the original and twice in the fork.
  await page.getByTestId('fork-compare').click();
  const dialog = page.getByTestId('compare-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('compare-first-step')).toHaveText('The runs first differ at step 5.');
  await expect(dialog.getByTestId('compare-first-a')).toContainText('commit');
  await expect(dialog.getByTestId('compare-first-b')).toContainText('You injected a duplicate');
  const charged = dialog.locator('[data-testid="compare-effect"][data-effect="card charged"]');
  await expect(charged.getByTestId('effect-a')).toHaveText('1');
  await expect(charged.getByTestId('effect-b')).toHaveText('2');
  await expect(dialog.getByTestId('compare-table-row').filter({ hasText: 'ORD-1' })).toContainText('3060');
  await expect(dialog.getByTestId('compare-invariant')).toContainText('broken at step');
  await expect(dialog.getByTestId('compare-lengths')).toContainText('Original: 5 steps (ended)');

  // Nothing in the dialog has serious accessibility problems, in the light and the dark theme.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const axe = await new AxeBuilder({ page }).include('[data-testid="compare-dialog"]').analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${colorScheme}: ${v.id}: ${v.help}`)).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // Compared at the step on screen (5, the original's end): the fork is mid-way there.
  await dialog.getByTestId('compare-at-here').check();
  await expect(dialog.getByTestId('compare-lengths')).toContainText('after step 5 of the original and 5 of the fork');

  // Jump to the first difference in the fork: the fork is on screen, its duplicate just applied.
  await dialog.getByTestId('compare-jump-b').click();
  await expect(dialog).toBeHidden();
  await expect(bar(page)).toHaveAttribute('data-side', 'b');
  await expect(counter(page)).toHaveText(/^step 5 \//);
  await expect(currentRow(page)).toHaveAttribute('data-kind', 'inject');

  // And in the original: its commit at the same step.
  await page.getByTestId('fork-compare').click();
  await expect(dialog.getByTestId('compare-first-step')).toHaveText('The runs first differ at step 5.');
  await dialog.getByTestId('compare-jump-a').click();
  await expect(bar(page)).toHaveAttribute('data-side', 'a');
  await expect(counter(page)).toHaveText('step 5 / 5');
  await expect(currentRow(page)).toHaveAttribute('data-kind', 'commit');

  // The whole page with the bar passes axe too.
  const barAxe = await new AxeBuilder({ page }).include('[data-testid="fork-bar"]').include('[role="toolbar"]').analyze();
  expect(barAxe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  // Reload: both runs are kept, each knows the other, and the comparison is the same.
  await saved(page);
  await page.reload();
  await expect(bar(page)).toHaveAttribute('data-side', 'a');
  await expect(counter(page)).toHaveText('step 5 / 5');
  expect(await workspaceNames(page)).toEqual([ORIGINAL, `${ORIGINAL} (fork at step 4)`]);
  await page.getByTestId('fork-other').click();
  await expect(bar(page)).toHaveAttribute('data-side', 'b');
  await expect(rowsOf(page, 'inject')).toHaveCount(1);
  await page.getByTestId('fork-compare').click();
  await expect(charged.getByTestId('effect-a')).toHaveText('1');
  await expect(charged.getByTestId('effect-b')).toHaveText('2');
  await dialog.getByRole('button', { name: 'Close' }).click();
});

test('keep the fork as a workspace of its own, or discard it and go back to the original', async ({ page }) => {
  await toForkPoint(page);
  await page.getByTestId('fork-here').click();
  await expect(bar(page)).toHaveAttribute('data-side', 'b');

  // Untouched, the fork is the same run: Compare says so.
  await page.getByTestId('fork-compare').click();
  const dialog = page.getByTestId('compare-dialog');
  await expect(dialog.getByTestId('compare-first-step')).toHaveText('The two runs are the same, step for step, and so is everything below.');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // Keep: the bar goes, both workspaces stay, and after a reload the fork is just a workspace.
  await page.getByTestId('fork-keep').click();
  await expect(bar(page)).toBeHidden();
  await expect(page.getByTestId('notice')).toContainText('is now a workspace of its own');
  await saved(page);
  await page.reload();
  await expect(counter(page)).toHaveText('step 4 / 4');
  await expect(bar(page)).toBeHidden();
  expect(await workspaceNames(page)).toEqual([ORIGINAL, `${ORIGINAL} (fork at step 4)`]);

  // A fork of the kept fork, then discarded (confirmed with a second press): deleted, and
  // the run it came from is back on screen as it was.
  await page.getByTestId('step-back').click();
  await expect(counter(page)).toHaveText('step 3 / 4');
  await page.getByTestId('fork-here').click();
  await expect(bar(page)).toContainText(`Fork of “${ORIGINAL} (fork at step 4)” at step 3`);
  await page.getByTestId('fire').click();
  await page.getByTestId('fork-discard').click();
  await expect(page.getByTestId('fork-discard')).toHaveText('Delete the fork? Press again');
  await page.getByTestId('fork-discard').click();
  await expect(bar(page)).toBeHidden();
  await expect(page.getByTestId('notice')).toContainText('was deleted; this is the original, as it was');
  // At the step it was left at (a reopened run knows no future until it plays again).
  await expect(counter(page)).toHaveText('step 3 / 3');
  await expect(rowsOf(page, 'fire')).toHaveCount(1);
  expect(await workspaceNames(page)).toEqual([ORIGINAL, `${ORIGINAL} (fork at step 4)`]);
});

test('two forks of one original: the original lists both, the learner picks the older, and shows it', async ({ page }) => {
  await toForkPoint(page);
  await page.getByTestId('fork-here').click();
  await expect(bar(page)).toContainText(`Fork of “${ORIGINAL}” at step 4`);
  await page.getByTestId('fork-other').click();
  await expect(bar(page)).toHaveAttribute('data-side', 'a');
  await page.getByTestId('step-back').click();
  await expect(counter(page)).toHaveText('step 3 / 4');
  await page.getByTestId('fork-here').click();
  await expect(bar(page)).toContainText(`Fork of “${ORIGINAL}” at step 3`);

  await page.getByTestId('fork-other').click();
  await expect(bar(page)).toContainText('Original of 2 forks.');
  const choose = page.getByTestId('fork-choose');
  await expect(choose.locator('option')).toHaveText([`${ORIGINAL} (fork at step 3)`, `${ORIGINAL} (fork at step 4)`]);
  await expect(bar(page)).toContainText('(forked at step 3)');
  await choose.selectOption({ label: `${ORIGINAL} (fork at step 4)` });
  await expect(bar(page)).toContainText('(forked at step 4)');
  expect(await new AxeBuilder({ page }).include('[data-testid="fork-bar"]').analyze().then((r) => r.violations)).toEqual([]);
  await page.getByTestId('fork-other').click();
  await expect(bar(page)).toContainText(`Fork of “${ORIGINAL}” at step 4`);
  await expect(counter(page)).toHaveText('step 4 / 4');
});
