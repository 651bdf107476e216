// Alerts in the worker ([AL1], [AL3], [AL4]): added, replaced and removed as edits through the
// one door (refusals name the alert's field), the timeline's alert marks, and a consumer's
// latency and error rate over time read from the trace.
import { describe, expect, it } from 'vitest';
import { makeWorkerApi } from './api.ts';
import { applyEdit } from './editing.ts';
import { restoreScenario } from '../engine/index.ts';
import start from '../../lessons/32-lag-alert/start.json';

function lesson() {
  const api = makeWorkerApi();
  const r = api.load(start);
  expect(r.ok).toBe(true);
  return api;
}

describe('alerts in the worker', () => {
  it('[AL1] set-alert adds and replaces, remove-alert removes; a bad alert is refused at its field and changes nothing', () => {
    const r = restoreScenario(start);
    if (!r.ok) throw new Error('lesson 32 start refused');
    const s = r.value;
    const added = applyEdit(s, { op: 'set-alert', index: null, alert: { node: 'shipping', metric: 'latency', op: 'gt', threshold: 300 } });
    expect(added.ok && added.scenario.alerts?.map((a) => a.metric)).toEqual(['lag', 'latency']);
    const replaced = applyEdit(s, { op: 'set-alert', index: 0, alert: { node: 'shipping', metric: 'lag', op: 'gt', threshold: 5 } });
    expect(replaced.ok && replaced.scenario.alerts?.[0].threshold).toBe(5);
    const bad = applyEdit(s, { op: 'set-alert', index: null, alert: { node: 'shipping', metric: 'lag', op: 'gt', threshold: -1 } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toBe('the alert · threshold: must be at least 0');
    expect(!bad.ok && bad.errors[0]).toEqual({ node: null, field: 'alerts[1].threshold', message: 'must be at least 0' });
    const wrongNode = applyEdit(s, { op: 'set-alert', index: null, alert: { node: 'orders', metric: 'latency', op: 'gt', threshold: 1 } });
    expect(!wrongNode.ok && wrongNode.reason).toBe('the alert · node: "orders" is a topic: a latency alert watches a consumer');
    const removed = applyEdit(s, { op: 'remove-alert', index: 0 });
    expect(removed.ok && removed.scenario.alerts).toBe(undefined);
    expect(applyEdit(s, { op: 'remove-alert', index: 3 })).toMatchObject({ ok: false, reason: 'there is no alert number 4' });
    // Removing the node removes its alerts.
    const gone = applyEdit(s, { op: 'remove', nodes: ['shipping'], edges: [] });
    expect(gone.ok && gone.scenario.alerts).toEqual([]);
  });

  it('[AL3] the timeline marks where each alert fired and cleared', () => {
    const api = lesson();
    api.step(10_000);
    const t = api.timeline(100);
    expect(t.alerts.map((a) => [a.fired, a.node])).toEqual([
      [true, 'shipping'],
      [false, 'shipping'],
    ]);
    expect(api.rows(t.alerts[0].step, t.alerts[0].step + 1)[0].kind).toBe('alert');
    // Bits 5 and 6 of the buckets they fall in.
    expect(t.buckets.some((b) => b & 32)).toBe(true);
    expect(t.buckets.some((b) => b & 64)).toBe(true);
  });

  it('[AL4] latency and error rate over time come from the trace, up to the playhead, and change nothing', () => {
    const api = lesson();
    api.step(10_000);
    const here = api.refresh().step;
    const h = api.health('shipping', 20);
    expect(h.step).toBe(here);
    expect(h.handled).toBe(40);
    expect(h.failed).toBe(0);
    expect(h.errorRate.every((x) => x === null || x === 0)).toBe(true);
    // Orders queue up: the latest handled order waited longest (60 ms each, 20 ms apart).
    const lat = h.latency.filter((x): x is number => x !== null);
    expect(Math.max(...lat)).toBe(h.lastLatency);
    expect(h.lastLatency).toBeGreaterThan(1000);
    expect(h.alerts.map((a) => a.fired)).toEqual([true, false]);
    expect(api.refresh().step).toBe(here);
    // Stepped back before the fire: no mark, and fewer handled.
    api.seek(h.alerts[0].step);
    const before = api.health('shipping', 20);
    expect(before.alerts).toEqual([]);
    expect(before.handled).toBeLessThan(40);
  });
});
