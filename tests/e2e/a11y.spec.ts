// Accessibility: an axe scan of the main views finds no serious or critical violations,
// and a learner who uses only the keyboard can build and run producer → topic → consumer.
import { test, expect, type Page } from '@playwright/test';
import { failOnConsoleProblems } from './support.ts';
import AxeBuilder from '@axe-core/playwright';

failOnConsoleProblems();

async function scan(page: Page, view: string) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${view}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  expect(bad).toEqual([]);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`axe: the main views have no serious or critical violations (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('./');
    await expect(page.getByTestId('node-payment')).toBeVisible();
    await scan(page, 'fan-out');
    // A consumer in the inspector: the rule builder.
    await page.getByTestId('list-node-payment').click();
    await expect(page.getByTestId('rule-add')).toBeVisible();
    await scan(page, 'consumer inspector');
    // A producer in the inspector: templates and rate; events in the trace.
    await page.getByTestId('list-node-checkout').click();
    await page.getByTestId('fire').click();
    await page.getByRole('button', { name: 'Step forward' }).click();
    await expect(page.getByTestId('template-type-0')).toBeVisible();
    await scan(page, 'producer inspector');
    // The empty canvas.
    await page.getByTestId('new-blank').click();
    await expect(page.getByText('The canvas is empty')).toBeVisible();
    await scan(page, 'blank canvas');
  });
}

/** Presses Tab until the element with this test id has the focus. */
async function tabTo(page: Page, testId: string) {
  for (let i = 0; i < 150; i++) {
    if (await page.evaluate((id) => document.activeElement?.getAttribute('data-testid') === id, testId)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${testId}`);
}

test('keyboard only: build producer → topic → consumer, add a rule, fire and play', async ({ page }) => {
  await page.goto('./?blank');
  await expect(page.getByText('The canvas is empty')).toBeVisible();

  for (const kind of ['producer', 'topic', 'consumer']) {
    await tabTo(page, `palette-${kind}`);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId(`node-${kind}-1`)).toBeVisible();
  }
  // The consumer just added is selected: give it a rule with the builder's defaults.
  await expect(page.getByTestId('inspector')).toContainText('Consumer 1');
  await tabTo(page, 'rule-add');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('rules')).toContainText('OrderPlaced');

  // Wire producer → topic and topic → consumer from the inspector.
  for (const [from, to] of [['producer-1', 'Topic'], ['topic-1', 'Consumer']]) {
    await tabTo(page, `list-node-${from}`);
    await page.keyboard.press('Enter');
    await tabTo(page, 'connect-target');
    await page.keyboard.type(to);
    await tabTo(page, 'connect');
    await page.keyboard.press('Enter');
  }
  await expect(page.getByTestId('edge-list').getByRole('listitem')).toHaveCount(2);
  await expect(page.getByTestId('assigned-consumer-1')).toHaveText('p0@0');

  // Fire, then play until it is handled.
  await tabTo(page, 'fire');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('fired-producer-1')).toHaveText('1');
  await tabTo(page, 'play');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('handled-consumer-1')).toHaveText('1');
  await expect(page.getByTestId('state-consumer-1-orders')).toContainText('ORD-1 → 10');
  await expect(page.getByTestId('live')).toContainText('Step');
});

// Reflow: with a lesson open the side columns are narrow (the inspector about 270 px at
// 1280 px, 255 px on a 1024 px laptop, where the palette is one kind a row). Every node's
// form, the palette and the lists fit them: nothing makes the learner scroll sideways. On
// the laptop the canvas keeps room to work in.
test('in a lesson, each kind of node form fits the narrow inspector without sideways scrolling', async ({ page }) => {
  const cases: [number, string, string[]][] = [
    [1280, 'orchestrated-saga', ['order-saga', 'payment', 'order-status', 'shop', 'orders']],
    [1280, 'event-sourcing', ['account']],
    [1280, 'exchange-routing', ['orders', 'eu-orders']],
    [1024, 'orchestrated-saga', ['order-saga', 'payment']],
  ];
  for (const [width, lesson, nodes] of cases) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`./#/lesson/${lesson}`);
    await expect(page.getByTestId('lesson-panel')).toBeVisible();
    for (const node of nodes) {
      await expect(async () => {
        await page.getByTestId(`node-${node}`).click();
        await expect(page.locator(`[data-testid="tools"][data-node="${node}"]`)).toBeVisible({ timeout: 3_000 });
      }).toPass({ timeout: 20_000 });
      // Open every folded part, so what it hides is measured too.
      await page.evaluate(() => document.querySelectorAll('aside.right details').forEach((d) => ((d as HTMLDetailsElement).open = true)));
      // The build column (palette, nodes, connections) and the inspector column.
      const overflow = await page.evaluate(() => {
        const past: string[] = [];
        let scroll = 0;
        for (const aside of document.querySelectorAll<HTMLElement>('aside.left, aside.right')) {
          const edge = aside.getBoundingClientRect().left + aside.clientWidth + 1;
          scroll += aside.scrollWidth - aside.clientWidth;
          for (const e of aside.querySelectorAll('*')) if (e.getBoundingClientRect().right > edge && e.getBoundingClientRect().width > 0) past.push(e.getAttribute('data-testid') ?? `${e.tagName} ${(e.textContent ?? '').trim().slice(0, 30)} ${Math.round(e.getBoundingClientRect().right - edge)}`);
        }
        return { scroll, past: past.slice(0, 3) };
      });
      expect(overflow, `${width} px, ${lesson}: ${node}`).toEqual({ scroll: 0, past: [] });
    }
    // The palette, the lesson and the inspector leave the canvas more than a third of the screen.
    expect((await page.getByTestId('canvas').boundingBox())!.width, `${width} px: the canvas`).toBeGreaterThan(width / 3);
  }
  // Nor is anything squeezed to nothing: the trace's search box keeps room to type in.
  expect((await page.getByTestId('filter-text').boundingBox())!.width).toBeGreaterThan(100);
});
