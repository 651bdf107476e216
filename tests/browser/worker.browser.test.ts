// The real module worker in real Chromium, through comlink: the same calls the UI makes.
import { afterAll, describe, expect, it } from 'vitest';
import { releaseProxy } from 'comlink';
import { createEngineClient } from '../../src/worker/client.ts';
import { applyTrace } from '../../src/worker/trace-window.ts';
import type { TraceStep } from '../../src/engine/index.ts';
import fanOut from '../../src/examples/fan-out.json';

const client = createEngineClient();
afterAll(() => client[releaseProxy]());

describe('the simulation worker', () => {
  let rows: TraceStep[] = [];

  it('refuses calls before a load, the error crossing the boundary as a rejection', async () => {
    await expect(client.step()).rejects.toThrow(/load\(\) first/);
  });

  it('loads fan-out and applies the group rebalances of time 0', async () => {
    const r = await client.load(fanOut);
    if (!r.ok) throw new Error(r.message);
    expect(r.name).toBe('Pub/sub fan-out: one OrderPlaced, three services');
    expect(r.nodes.map((n) => n.id)).toEqual(['checkout', 'orders', 'inventory', 'payment', 'notification']);
    expect(r.step).toBe(3);
    rows = applyTrace(rows, r.trace, r.newSteps);
    expect(rows.map((s) => s.kind)).toEqual(['rebalance', 'rebalance', 'rebalance']);
  });

  it('refuses a bad scenario with the field named and keeps the loaded one', async () => {
    const r = await client.load({ format: 'eventfold/scenario', version: 1, nodes: [{ id: 'x', kind: 'gizmo' }] });
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining('nodes[0].kind') });
    expect((await client.refresh()).step).toBe(3);
  });

  it('fires, steps and steps back', async () => {
    const fired = await client.act({ kind: 'fire', node: 'checkout', template: 0 });
    expect(fired.ok).toBe(true);
    expect(fired.newSteps).toHaveLength(1);
    expect(fired.newSteps[0]).toMatchObject({ seq: 3, kind: 'fire', eventId: 'evt-0', key: 'ORD-1' });
    rows = applyTrace(rows, fired.trace, fired.newSteps);
    const before = fired.view;

    // deliver ×3 at 1 ms, then payment is the last to handle at 11 ms
    const stepped = await client.step(6);
    rows = applyTrace(rows, stepped.trace, stepped.newSteps);
    expect(stepped.step).toBe(10);
    expect(rows.slice(4).map((s) => s.kind)).toEqual(['deliver', 'deliver', 'deliver', 'handle', 'handle', 'handle']);
    expect(stepped.view.nodes.payment).toMatchObject({ handled: 1, effects: { 'card charged': { 'ORD-1': 1 } }, state: { charged: { 'cus-678': 99.99 } } });

    const back = await client.back(6);
    rows = applyTrace(rows, back.trace, back.newSteps);
    expect(back.step).toBe(4);
    expect(back.horizon).toBe(10);
    expect(back.newSteps).toEqual([]);
    expect(back.view.nodes).toEqual(before.nodes);
    expect(back.view.nodes.payment).toMatchObject({ handled: 0, effects: {}, state: {} });
    // The recorded future stays in the client's rows.
    expect(rows).toHaveLength(10);
  });

  it('plays: advance returns one batched update per call', async () => {
    // From step 4 (just after the fire) the deliveries at 1 ms are the recorded future:
    // the client holds their rows already, so the update moves the playhead and sends none.
    const u = await client.advance(1);
    expect(u.step).toBe(7);
    expect(u.newSteps).toEqual([]);
    expect(rows.slice(4, 7).map((s) => [s.kind, s.time])).toEqual([
      ['deliver', 1],
      ['deliver', 1],
      ['deliver', 1],
    ]);
    const rest = await client.advance(1000);
    rows = applyTrace(rows, rest.trace, rest.newSteps);
    expect(rest.newSteps.map((s) => s.seq)).toEqual([10, 11, 12]);
    expect(rows.slice(-3).map((s) => s.kind)).toEqual(['commit', 'commit', 'commit']);
    expect(rest.view.idle).toBe(true);
    expect(rest.view.nodes.orders).toMatchObject({ kind: 'topic' });
    const orders = rest.view.nodes.orders;
    if (orders.kind !== 'topic') throw new Error('orders is a topic');
    expect(orders.partitions.flatMap((p) => p.groups.map((g) => g.lag))).toEqual(Array(9).fill(0));
  });
});
