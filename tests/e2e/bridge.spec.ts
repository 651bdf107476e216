// The bridge to real systems, as a learner uses it in the built site: the trace's events
// downloaded as CloudEvents 1.0 JSON (the whole trace, a conversation, and only what has
// happened up to the playhead), each file checked against the CloudEvents 1.0 JSON schema.
import { test, expect, type Download, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { failOnConsoleProblems, openExample, rowsOf, runToEnd, selectNode } from './support.ts';

failOnConsoleProblems();
test.describe.configure({ timeout: 120_000 });

// The CloudEvents 1.0 JSON schema as the CNCF's JavaScript SDK ships it (compiled with ajv).
const validateCloudEvent = createRequire(import.meta.url)('cloudevents/dist/schema/v1.js') as ((x: unknown) => boolean) & { errors?: unknown };

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; events: Record<string, unknown>[] }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const d = download as Download;
  const events = JSON.parse(await readFile((await d.path())!, 'utf8')) as Record<string, unknown>[];
  for (const e of events) expect(validateCloudEvent(e), JSON.stringify(validateCloudEvent.errors)).toBe(true);
  return { name: d.suggestedFilename(), events };
}

test('the trace and a conversation download as CloudEvents 1.0 JSON, up to the playhead', async ({ page }) => {
  await openExample(page, 'order-saga');
  await selectNode(page, 'shop');
  await page.getByTestId('fire-template').click();
  await page.getByLabel('Template to fire').selectOption('1');
  await page.getByTestId('fire-template').click();
  await expect(rowsOf(page, 'fire')).toHaveCount(2);
  await runToEnd(page);

  // The whole trace: both orders' conversations, every event once.
  const all = await downloaded(page, () => page.getByTestId('export-cloudevents').click());
  expect(all.name).toMatch(/-trace\.cloudevents\.json$/);
  expect(new Set(all.events.map((e) => e.correlationid))).toEqual(new Set(['evt-0', 'evt-1']));
  expect(new Set(all.events.map((e) => e.id)).size).toBe(all.events.length);
  expect(all.events[0]).toMatchObject({ specversion: '1.0', id: 'evt-0', source: '/eventfold/shop', datacontenttype: 'application/json' });
  await expect(page.getByTestId('cloudevents-status')).toContainText(`Downloaded ${all.events.length} events of the trace`);

  // One conversation, from the sequence diagram's dialog.
  await page.getByTestId('filter-field').selectOption('correlation');
  await page.getByTestId('filter-text').fill('evt-1');
  await expect(page.getByTestId('found')).toContainText('conversation evt-1');
  await page.getByTestId('export-mermaid').click();
  const conv = await downloaded(page, () => page.getByTestId('conversation-cloudevents').click());
  expect(conv.name).toMatch(/-conversation-evt-1\.cloudevents\.json$/);
  expect(conv.events.length).toBeGreaterThan(2);
  expect(conv.events.every((e) => e.correlationid === 'evt-1')).toBe(true);
  expect(conv.events.slice(1).every((e) => typeof e.causationid === 'string')).toBe(true);
  await expect(page.getByTestId('mermaid-dialog').getByRole('status')).toContainText(`Downloaded ${conv.events.length} events of the conversation evt-1`);
  await page.getByTestId('mermaid-dialog').getByRole('button', { name: 'Close' }).click();

  // Stepped back to just after the first fire: only what had happened by then.
  await page.getByTestId('filter-text').fill('');
  await rowsOf(page, 'fire').first().click();
  const early = await downloaded(page, () => page.getByTestId('export-cloudevents').click());
  expect(early.events.map((e) => e.id)).toEqual(['evt-0']);
});
