// Lesson 31 on the built site, the way a learner takes it: a schema change the registry
// accepted under BACKWARD breaks a consumer still on version 1; FULL is refused at the
// version until version 2 keeps customerId; the serializer then refuses orders without it
// until the producer sends it. Each change in the registry's form, as a learner clicks it.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, goal, playToEnd, rowsOf, saved, selectNode } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 90_000 });

test('lesson 31: BACKWARD let version 2 drop a field an old consumer needs; FULL refuses it; keeping and sending the field fixes it', async ({ page }) => {
  await page.goto('./#/lesson/schema-registry');
  await expect(page.getByTestId('lesson-title')).toHaveText('A schema change that breaks an old consumer');
  await playToEnd(page);
  await expect(rowsOf(page, 'error').filter({ hasText: 'loyalty cannot read OrderPlaced' }).first()).toContainText('which requires "customerId", and events written with version 2 have no "customerId"');
  await expect(page.getByTestId('node-registry')).toContainText('unreadable');
  await expect(goal(page, 'points')).toHaveAttribute('data-ok', 'false');

  // FULL is refused: version 2 removes customerId, which version 1 requires.
  await selectNode(page, 'registry');
  await expect(page.getByTestId('registry-form')).toBeVisible();
  const axe = await new AxeBuilder({ page }).include('[data-testid="registry-form"]').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await page.getByTestId('subject-compat-0').selectOption('full');
  await expect(page.getByTestId('version-error-0-2')).toContainText('version 2 is not forward compatible: it removes "customerId"');
  await expect(page.getByTestId('subject-compat-0')).toHaveValue('backward');

  // Keep customerId in version 2 (required): the serializer now refuses Checkout's orders.
  await page.getByTestId('new-field-name-0-2').fill('customerId');
  await page.getByTestId('field-add-0-2').click();
  await expect(page.getByTestId('field-name-0-2-3')).toHaveValue('customerId');
  await playToEnd(page);
  await expect(rowsOf(page, 'schema').first()).toContainText('checkout could not serialize OrderPlaced: "customerId" is required by OrderPlaced version 2');

  // Send it.
  await selectNode(page, 'checkout');
  await page.getByTestId('template-data-0').fill('{"orderId": "ORD-{n}", "total": "{rand:20-90}", "discount": "{rand:0-5}", "customerId": "C-{rand:1-3}"}');
  await page.getByTestId('template-data-0').blur();
  await playToEnd(page);
  await expect(goal(page, 'points')).toHaveAttribute('data-ok', 'true');

  // Now FULL is accepted.
  await selectNode(page, 'registry');
  await page.getByTestId('subject-compat-0').selectOption('full');
  await expect(page.getByTestId('version-error-0-2')).toHaveCount(0);
  await expect(goal(page, 'full')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
  await expect(page.getByTestId('node-registry')).toContainText('FULL');

  await saved(page);
  await page.reload();
  await expect(page.getByTestId('node-registry')).toContainText('FULL');
});
