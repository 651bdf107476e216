// Lag over time ([M2]): sampled from the run itself, deterministic, following the playhead
// back and forth, and leaving the playhead where it was.
import { describe, expect, it } from 'vitest';
import { makeWorkerApi } from './api.ts';
import { sampleEvery } from './metrics.ts';
import fanOut from '../examples/fan-out.json';

function busyFanOut() {
  const api = makeWorkerApi();
  api.load(fanOut);
  for (let i = 0; i < 5; i++) api.act({ kind: 'fire', node: 'checkout' });
  return api;
}

describe('[M2] lag over time', () => {
  it('[M2] samples every power-of-two steps up to the playhead, the last point at the playhead', () => {
    expect(sampleEvery(0, 48)).toBe(1);
    expect(sampleEvery(48, 48)).toBe(1);
    expect(sampleEvery(49, 48)).toBe(2);
    expect(sampleEvery(1000, 48)).toBe(32);
    const api = busyFanOut();
    api.step(20);
    const s = api.lag(8);
    const here = api.refresh().step;
    expect(s.step).toBe(here);
    expect(s.steps[s.steps.length - 1]).toBe(here);
    expect(s.steps.slice(0, -1).every((k, i) => k === i * s.every)).toBe(true);
    for (const id of ['orders', 'inventory', 'payment', 'notification']) expect(s.nodes[id]).toHaveLength(s.steps.length);
    expect(s.nodes.checkout).toBeUndefined(); // a producer has no backlog
    // It changed nothing: the playhead and the view are where they were.
    expect(api.refresh().step).toBe(here);
  });

  it('[M2] rises as events are fired and falls to 0 as every group commits', () => {
    const api = busyFanOut();
    // 5 fires at time 0 after the groups formed: each group lags 5, then catches up.
    api.step(10_000);
    const s = api.lag(500);
    const payment = s.nodes.payment;
    expect(Math.max(...payment)).toBe(5);
    expect(payment[payment.length - 1]).toBe(0);
    expect(payment[0]).toBe(0);
    // The topic's backlog is its slowest group's.
    expect(Math.max(...s.nodes.orders)).toBe(5);
    // Each value equals the consumer's groupLag when the run is seeked to that step.
    const probe = makeWorkerApi();
    probe.load(api.session()!);
    for (const [i, k] of s.steps.entries()) {
      const v = probe.seek(k).view.nodes.payment;
      expect(v.kind === 'consumer' && v.groupLag).toBe(payment[i]);
    }
  });

  it('[M2] cachedOnly (while playing) seeks nothing: samples already taken and the playhead, the same values', () => {
    const api = busyFanOut();
    api.step(8);
    const early = api.lag(500);
    api.step(10_000);
    const quick = api.lag(500, true);
    // Only the samples taken before, plus the new playhead.
    expect(quick.steps).toEqual([...early.steps.slice(0, -1), quick.step]);
    const full = api.lag(500);
    for (const [i, k] of quick.steps.entries()) expect(quick.nodes.payment[i]).toBe(full.nodes.payment[full.steps.indexOf(k)]);
    expect(full.steps.length).toBeGreaterThan(quick.steps.length);
  });

  it('[M2] follows the playhead back: the series ends where the playhead is', () => {
    const api = busyFanOut();
    api.step(12);
    const forward = api.lag(500);
    api.back(6);
    const back = api.lag(500);
    expect(back.step).toBe(forward.step - 6);
    expect(back.steps).toEqual(forward.steps.slice(0, -6));
    expect(back.nodes.payment).toEqual(forward.nodes.payment.slice(0, -6));
  });

  it('[M2] [K5] the same session gives the same series; a fork drops the samples after it', () => {
    const a = busyFanOut();
    a.step(30);
    const b = makeWorkerApi();
    b.load(a.session()!);
    expect(b.lag(16)).toEqual(a.lag(16));
    // Step back and act: the timeline forks, and the series is that of the new timeline.
    a.back(25);
    a.act({ kind: 'crash', node: 'payment' });
    a.step(30);
    const fresh = makeWorkerApi();
    fresh.load(a.session()!);
    expect(a.lag(16)).toEqual(fresh.lag(16));
  });

  it('[M2] a consumer that crashed keeps a backlog while the others drain', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    api.act({ kind: 'crash', node: 'payment' });
    for (let i = 0; i < 3; i++) api.act({ kind: 'fire', node: 'checkout' });
    api.step(10_000);
    const s = api.lag(48);
    const last = s.steps.length - 1;
    expect([s.nodes.payment[last], s.nodes.inventory[last], s.nodes.orders[last]]).toEqual([3, 0, 3]);
  });
});
