// Lesson 38 on the built site, the way a learner takes it: a RabbitMQ restart loses the
// waiting jobs; persistent messages alone do not save them from a queue that is not durable;
// both together do. Then the learner restarts the broker again by hand from the break-it panel.
import { test, expect } from '@playwright/test';
import { failOnConsoleProblems, goal, playToEnd, rowsOf, saved, selectNode } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 90_000 });

test('lesson 38: a broker restart loses transient messages and a queue that is not durable; persistent + durable keeps them', async ({ page }) => {
  await page.goto('./#/lesson/broker-restart');
  await expect(page.getByTestId('lesson-title')).toHaveText('A broker restart');
  await playToEnd(page);
  await expect(rowsOf(page, 'outage').first()).toContainText('its broker restarts: 2 messages lost (emails is not durable');
  await expect(goal(page, 'all-sent')).toHaveAttribute('data-ok', 'false');

  await selectNode(page, 'signup');
  await page.getByTestId('template-persistent-0').check();
  await expect(goal(page, 'persistent')).toHaveAttribute('data-ok', 'true');
  await playToEnd(page);
  await expect(rowsOf(page, 'outage').first()).toContainText('emails is not durable: the queue itself is gone');
  await expect(goal(page, 'all-sent')).toHaveAttribute('data-ok', 'false');

  await selectNode(page, 'emails');
  await page.getByTestId('inspect-durable').check();
  await playToEnd(page);
  await expect(rowsOf(page, 'outage').first()).toContainText('no message lost; 1 unacked message ready again');
  await expect(rowsOf(page, 'ack').filter({ hasText: 'a broker restart closed the channel it came on' })).toHaveCount(1);
  await expect(goal(page, 'all-sent')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');

  // A restart by hand, from the break-it panel: nothing left to lose.
  await selectNode(page, 'emails');
  await page.getByLabel('Outage in milliseconds').fill('50');
  await page.getByLabel('Outage kind').selectOption('restart');
  await page.getByTestId('outage').click();
  await expect(rowsOf(page, 'outage').last()).toContainText('You made emails unavailable until');
  await expect(rowsOf(page, 'outage').last()).toContainText('its broker restarts: no message lost');

  await saved(page);
  await page.reload();
  await selectNode(page, 'emails');
  await expect(page.getByTestId('inspect-durable')).toBeChecked();
});
