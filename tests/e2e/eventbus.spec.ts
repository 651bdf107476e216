// An event bus as a learner meets it: an order matches no rule and is dropped, the route
// step says why, a bad pattern is refused at its field, the fixed pattern routes the order.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, openExample, rowsOf, runToEnd } from './support.ts';

failOnConsoleProblems();

test('a typo in a rule drops EU orders; the route step says why; fixing the pattern routes them', async ({ page }) => {
  await openExample(page, 'order-routing');
  await expect(page.getByTestId('node-bus')).toContainText('big-orders → fraud-checks');
  await page.getByTestId('fire').click();
  await runToEnd(page);

  const unmatched = page.getByTestId('bus-unmatched-bus');
  await expect(unmatched).toContainText('1 received · 1 matched no rule: evt-0');
  await expect(rowsOf(page, 'route').first()).toContainText('type must be "OrderPlace", and it is "OrderPlaced"');

  // The bus's form: a pattern with no field is refused at its field, and nothing changes.
  await page.getByTestId('node-bus').click();
  const pattern = page.getByTestId('bus-rule-pattern-1');
  const text = await pattern.inputValue();
  expect(JSON.parse(text)).toEqual({ type: ['OrderPlace'], data: { region: [{ prefix: 'eu-' }] } });
  await pattern.fill('{}');
  await pattern.blur();
  await expect(page.getByTestId('bus-rule-pattern-error-1')).toContainText('needs at least one field to match');
  await expect(unmatched).toContainText('1 matched no rule');
  // Not JSON at all: said in place, nothing sent.
  await pattern.fill('{type: OrderPlaced');
  await pattern.blur();
  await expect(page.getByTestId('bus-rule-pattern-error-1')).toContainText('must be JSON');

  // The fix: the type the rule waits for, spelled right. The recorded fire replays on it.
  await pattern.fill(text.replace('"OrderPlace"', '"OrderPlaced"'));
  await pattern.blur();
  await expect(page.getByTestId('bus-rule-pattern-error-1')).toHaveCount(0);
  await expect(page.getByTestId('bus-rule-1').locator('legend').first()).toHaveText(/eu-orders\s*· 1 matched/);
  await runToEnd(page);
  await expect(unmatched).toContainText('1 received · 0 matched no rule');
  await expect(page.getByTestId('bus-rule-eu-orders')).toContainText('1');
  await expect(rowsOf(page, 'route').first()).toContainText('rule "eu-orders" matched → eu-orders');
  await expect(rowsOf(page, 'handle').first()).toContainText('eu-fulfilment handled OrderPlaced evt-0');

  const axe = await new AxeBuilder({ page }).include('[data-testid="node-bus"]').analyze();
  expect(axe.violations).toEqual([]);
  const form = await new AxeBuilder({ page }).include('[data-testid="event-bus-form"]').analyze();
  expect(form.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  // A target taken away in the form: the rule no longer routes there.
  await page.getByTestId('bus-rule-target-1-eu-orders').click(); // a learner unticks it: refused, so it stays ticked
  await expect(page.getByTestId('bus-rule-targets-error-1')).toContainText('needs at least one target');
  await expect(page.getByTestId('bus-rule-target-1-eu-orders')).toBeChecked();
});

test('an event bus from the palette starts with no rules, and says it drops everything', async ({ page }) => {
  await page.goto('./?blank');
  await page.getByTestId('palette-event-bus').click();
  const bus = page.locator('[data-testid^="node-event-bus-"]');
  await expect(bus).toContainText('no rules yet: every event is dropped');
});
