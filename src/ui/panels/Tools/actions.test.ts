// The shared fault intents (break-it panel and canvas menus): what they send is what the
// engine accepts, and "deliver again" picks an event the consumer was really delivered ([X2]).
import { describe, expect, it } from 'vitest';
import { makeWorkerApi } from '../../../worker/api.ts';
import { crashIntent, cutIntent, deliveredEvents, duplicateIntent, healIntent, isCut, lastDelivered, linkIntent, linkOf, recentEvents } from './actions.ts';
import fanOut from '../../../examples/fan-out.json';

describe('fault intents', () => {
  it('[X1] a crash at a point with a restart, as the menus send it, is accepted and armed', () => {
    expect(crashIntent('payment', 'after-effects', ' 50 ')).toEqual({ kind: 'crash', node: 'payment', point: 'after-effects', restartAfterMs: 50 });
    expect(crashIntent('payment')).toEqual({ kind: 'crash', node: 'payment', point: 'now' });
    const api = makeWorkerApi();
    api.load(fanOut);
    const r = api.act(crashIntent('payment', 'after-effects', '50'));
    expect(r.ok).toBe(true);
    const v = r.view.nodes.payment;
    expect(v.kind === 'consumer' && v.armed).toBe('after-effects');
  });

  it('[X2] deliver again: the newest event delivered to the consumer before the playhead, accepted as a duplicate', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    api.act({ kind: 'fire', node: 'checkout' });
    api.act({ kind: 'fire', node: 'checkout' });
    // Before any delivery there is nothing to repeat, though the topic has events.
    expect(lastDelivered(api.rows(0, 100), 'payment', api.refresh().step)).toBeNull();
    expect(recentEvents(api.refresh().view, 'payment')).toEqual(['evt-1', 'evt-0']);
    expect(deliveredEvents(api.refresh().view, 'payment')).toEqual([]);
    expect(api.act(duplicateIntent('payment', 'evt-1')).ok).toBe(false);
    api.step(100);
    const rows = api.rows(0, 200);
    const step = api.refresh().step;
    const again = lastDelivered(rows, 'payment', step)!;
    expect(['evt-0', 'evt-1']).toContain(again);
    // From the view alone (rows out of the window): both were read by now, newest first.
    expect(deliveredEvents(api.refresh().view, 'payment')).toEqual(['evt-1', 'evt-0']);
    // At a playhead before the deliveries it is null again.
    const firstDelivery = rows.find((r) => r.kind === 'deliver' && r.node === 'payment')!.seq;
    expect(lastDelivered(rows, 'payment', firstDelivery)).toBeNull();
    expect(api.act(duplicateIntent('payment', again)).ok).toBe(true);
  });

  it('[N1] [N5] link, cut and heal on a connection, and what the view then says', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    let u = api.act(linkIntent('orders', 'payment', { delayMs: 30, duplicateChance: 0.5 }));
    expect(u.ok).toBe(true);
    expect(linkOf(u.view, 'orders', 'payment')).toEqual({ delayMs: 30, jitterMs: 0, duplicateChance: 0.5, ackLossChance: 0 });
    expect(linkOf(u.view, 'orders', 'inventory')).toEqual({ delayMs: 0, jitterMs: 0, duplicateChance: 0, ackLossChance: 0 });
    u = api.act(cutIntent('orders', 'payment'));
    expect(isCut(u.view, 'payment', 'orders')).toBe(true);
    u = api.act(healIntent('orders', 'payment'));
    expect(isCut(u.view, 'orders', 'payment')).toBe(false);
    expect(cutIntent('a', 'b', 20)).toEqual({ kind: 'partition', node: 'a', from: 'b', durationMs: 20 });
  });
});
