// Shared by the end-to-end specs: every test fails on a console error or warning, and a
// few moves a learner makes again and again.
import { test, expect, type ConsoleMessage, type Page } from '@playwright/test';

/** Call at the top of a spec file: collects console errors and warnings; each test must end with none. */
export function failOnConsoleProblems(): void {
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
}

/** Opens one of src/examples by name. */
export async function openExample(page: Page, example: string): Promise<void> {
  await page.goto(`./?example=${example}`);
  await expect(page.getByTestId('canvas')).toBeVisible();
}

/** The workspace bar says the work on screen is in IndexedDB (what a learner waits for before a reload). */
export const saved = (page: Page) => expect(page.getByTestId('save-status')).toHaveText('Saved locally', { timeout: 10_000 });

/** A lesson goal's row in the checklist (its `data-ok` says whether it holds). */
export const goal = (page: Page, id: string) => page.locator(`[data-testid="goal"][data-goal="${id}"]`);

/**
 * Presses Play (unless it is on already), waits until nothing is pending, and pauses, as a
 * learner does before the next change (with Play on, an outage's time runs out in real time).
 */
export async function playToEnd(page: Page): Promise<void> {
  const play = page.getByTestId('play');
  if ((await play.getAttribute('aria-label')) === 'Play') await play.click();
  await expect(page.getByTestId('next-action')).toContainText('nothing is pending', { timeout: 30_000 });
  // Pause; on a loaded machine a click on the button while the play loop redraws it can be
  // lost, so look again and click until it says Play (it never plays on by itself when idle).
  await expect(async () => {
    if ((await play.getAttribute('aria-label')) === 'Pause') await play.click();
    await expect(play).toHaveAttribute('aria-label', 'Play', { timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
}

export const rowsOf = (page: Page, kind: string) => page.locator(`[data-testid="trace-row"][data-kind="${kind}"]`);

/** Steps forward until nothing is pending. */
export async function runToEnd(page: Page, maxSteps = 300): Promise<void> {
  const next = page.getByTestId('next-action');
  const forward = page.getByRole('button', { name: 'Step forward' });
  for (let i = 0; i < maxSteps; i++) {
    // What it says is read once the worker has answered the last click (a fire, a step).
    await expect(next).toHaveAttribute('data-busy', 'false');
    if ((await next.textContent())?.includes('nothing is pending') || (await forward.isDisabled())) return;
    await forward.click({ timeout: 2000 }).catch(() => undefined); // it may go idle meanwhile
  }
  throw new Error('the run did not go idle');
}

/** Selects a node on the canvas; the break-it panel shows its tools. */
export async function selectNode(page: Page, id: string): Promise<void> {
  // Right after a workspace opens, the canvas may still be drawing it: click again until selected.
  await expect(async () => {
    await page.getByTestId(`node-${id}`).click();
    await expect(page.locator(`[data-testid="tools"][data-node="${id}"]`)).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 20_000 });
}
