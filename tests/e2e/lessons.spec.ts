// Lessons on the built site, the way a learner takes them: lesson 1 from the course map —
// read, drag a consumer in, wire it, fire, play — done, and still done after a reload; a
// later lesson by deep link — a hint, the solution in a workspace of its own, and the
// learner's own work untouched. Plus: an unknown lesson in a link says so and opens the
// course map; the open panel passes an axe scan. No console errors or warnings.
import { test, expect, type Locator, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnConsoleProblems, goal } from './support.ts';

failOnConsoleProblems();

/** A real pointer drag, in small moves, from one element to another. */
async function drag(page: Page, from: Locator, to: Locator) {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}
const handle = (page: Page, id: string, type: 'source' | 'target') => page.locator(`.svelte-flow__node[data-id="${id}"] .svelte-flow__handle.${type}`);

/**
 * Human pace: a learner new to Eventfold reads at about 200 words a minute and needs a few
 * seconds to find and make each move. Each `act` waits that long in the clock this test
 * keeps (not in real time: the test runs fast and adds up what a person would spend).
 */
function humanClock() {
  let words = 0;
  let moves = 0;
  return {
    read(text: string) {
      words += text.split(/\s+/).filter(Boolean).length;
    },
    act(n = 1) {
      moves += n;
    },
    get seconds() {
      return Math.round((words / 200) * 60 + moves * 6);
    },
    toString() {
      return `${words} words read, ${moves} moves: about ${this.seconds} s`;
    },
  };
}

test('lesson 1 as a new learner: read, drag, connect, fire, play — done, and still done after a reload', async ({ page }) => {
  test.setTimeout(60_000);
  const human = humanClock();
  await page.goto('./');
  await expect(page.getByTestId('canvas')).toBeVisible();

  // Lessons → the course map → lesson 1.
  await page.getByTestId('lessons-open').click();
  human.act();
  const first = page.getByTestId('course-lesson-fan-out');
  await expect(first).toHaveAttribute('data-status', 'not-started');
  await first.getByRole('button').click();
  human.act();
  await expect(page.getByTestId('lesson-title')).toHaveText('One event, many services');
  await expect(page).toHaveURL(/#\/lesson\/fan-out\/look$/);
  await expect(page.getByTestId('scenario-name')).toHaveText('One event, many services');

  // Reading: the lesson text, then the first step, which waits for Continue.
  const prose = page.locator('.prose');
  await expect(prose.locator('strong').first()).toHaveText('call');
  human.read((await prose.locator('.md').innerText()) ?? '');
  const checklist = page.getByTestId('checklist');
  await expect(page.getByTestId('goal')).toHaveCount(3);
  await expect(goal(page, 'subscribers')).toHaveAttribute('data-ok', 'false');
  human.read(await checklist.innerText());
  human.read(await page.getByTestId('steps').innerText());
  await page.getByTestId('step-next').click(); // Continue
  human.act();

  // Step 2: drag a Consumer onto the canvas and wire orders → it.
  await expect(page.getByTestId('step-title')).toContainText('Add a service');
  human.read(await page.getByTestId('steps').innerText());
  await expect(page.getByTestId('step-next')).toBeDisabled();
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  await page.getByTestId('palette-consumer').dragTo(canvas, { targetPosition: { x: box.width - 90, y: box.height - 70 } });
  human.act();
  await expect(page.getByTestId('node-consumer-1')).toBeVisible();
  await drag(page, handle(page, 'orders', 'source'), handle(page, 'consumer-1', 'target'));
  human.act(2); // finding the handles takes a moment longer
  await expect(goal(page, 'subscribers')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('step-wait')).toContainText('Done');
  await page.getByTestId('step-next').click();
  human.act();

  // Step 3: Fire.
  await expect(page.getByTestId('step-title')).toContainText('Fire an order');
  human.read(await page.getByTestId('steps').innerText());
  await page.getByTestId('fire').click();
  human.act();
  await expect(goal(page, 'fired')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toHaveCount(0); // not yet: nothing handled it
  await page.getByTestId('step-next').click();
  human.act();

  // Step 4: Play, and the same event reaches all three.
  await expect(page.getByTestId('step-title')).toContainText('Watch the fan-out');
  human.read(await page.getByTestId('steps').innerText());
  await page.getByTestId('play').click();
  human.act();
  await expect(goal(page, 'fan-out')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('lesson-complete')).toContainText('Lesson complete');
  human.read(await page.getByTestId('lesson-complete').innerText());
  await expect(page.getByTestId('handled-consumer-1')).toHaveText('1');

  // Marked done on the course map.
  await page.getByTestId('course-map-open').click();
  await expect(page.getByTestId('course-lesson-fan-out')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('course-lesson-fan-out').getByTestId('lesson-status')).toHaveText('Done');

  // Under five minutes for someone who never used Eventfold (reading at 200 words a minute,
  // six seconds a move; the lesson says it takes about 4).
  console.log(`lesson 1 at human pace: ${human}`);
  expect(human.seconds).toBeLessThan(5 * 60);

  // A reload: still done.
  await page.reload();
  await expect(page.getByTestId('canvas')).toBeVisible();
  await page.getByTestId('lessons-open').click();
  await expect(page.getByTestId('course-lesson-fan-out')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('course-lesson-keys-and-order')).toHaveAttribute('data-status', 'not-started');
});

test('a later lesson by deep link: a hint, the solution beside the learner work, which stays untouched', async ({ page }) => {
  await page.goto('./#/lesson/commit-timing');
  await expect(page.getByTestId('lesson-title')).toHaveText('When to commit the offset');
  await expect(page.getByTestId('notice')).toHaveCount(0); // not taken for a share link
  await expect(page.getByTestId('goal').first()).toBeVisible();
  const canvasNodes = page.locator('.svelte-flow__node');
  const startCount = await canvasNodes.count();

  // The learner's own work: one more node (a topic, added from the palette by keyboard).
  await page.getByTestId('palette-topic').focus();
  await page.keyboard.press('Enter');
  await expect(canvasNodes).toHaveCount(startCount + 1);

  // One hint, then the next only when asked.
  await expect(page.getByTestId('hint')).toHaveCount(0);
  await page.getByTestId('hint-show').click();
  await expect(page.getByTestId('hint')).toHaveCount(1);
  await expect(page.getByTestId('hint-show')).toContainText('2 of');

  // Show solution asks first; Cancel changes nothing.
  await page.getByTestId('solution-show').click();
  await expect(page.getByTestId('confirm-yes')).toBeFocused();
  await page.getByTestId('confirm-no').click();
  await expect(page.getByTestId('on-solution')).toHaveCount(0);
  await expect(canvasNodes).toHaveCount(startCount + 1);

  await page.getByTestId('solution-show').click();
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('on-solution')).toBeVisible();

  // Back to the learner's own work: the added node is still there.
  await page.getByTestId('back-to-own').click();
  await expect(page.getByTestId('on-solution')).toHaveCount(0);
  await expect(canvasNodes).toHaveCount(startCount + 1);

  // And it is kept: after a reload the lesson opens the learner's workspace, with their node.
  await page.reload();
  await expect(page.getByTestId('lesson-title')).toHaveText('When to commit the offset');
  await expect(page.getByTestId('on-solution')).toHaveCount(0);
  await expect(canvasNodes).toHaveCount(startCount + 1);

  // The course map says it was done with help.
  await page.getByTestId('course-map-open').click();
  await expect(page.getByTestId('course-lesson-commit-timing')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('course-lesson-commit-timing').getByTestId('lesson-status')).toHaveText('Done with help');
});

test('a link to a lesson that does not exist names it and opens the course map; a step link opens that step', async ({ page }) => {
  await page.goto('./#/lesson/no-such-lesson');
  await expect(page.getByTestId('lesson-notice')).toContainText('"no-such-lesson"');
  await expect(page.getByTestId('course-map')).toBeVisible();
  await expect(page.getByTestId('notice')).toHaveCount(0);

  // A hashchange to a step link opens that lesson at that step.
  await page.evaluate(() => (location.hash = '#/lesson/fan-out/fire'));
  await expect(page.getByTestId('step-title')).toContainText('Fire an order');
  await expect(page.getByTestId('step-title')).toContainText('Step 3 of 4');
});

test('axe: the course map and an open lesson have no serious or critical violations', async ({ page }) => {
  test.setTimeout(60_000); // two full scans
  await page.goto('./');
  await page.getByTestId('lessons-open').click();
  await expect(page.getByTestId('course-map')).toBeVisible();
  for (const view of ['course map', 'lesson']) {
    if (view === 'lesson') {
      await page.getByTestId('course-lesson-fan-out').getByRole('button').click();
      await expect(page.getByTestId('goal').first()).toBeVisible();
    }
    const r = await new AxeBuilder({ page }).analyze();
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${view}: ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
    expect(bad).toEqual([]);
  }
});
