import { describe, expect, it } from 'vitest';
import { sim } from './testing/harness.ts';

function world(producer: Record<string, unknown> = {}, edges: Record<string, Record<string, unknown>> = {}, extra: Record<string, unknown> = {}) {
  const edge = (source: string, target: string) => ({ source, target, ...(edges[`${source}>${target}`] ?? {}) });
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'checkout', kind: 'producer', config: { templates: [{ type: 'OrderPlaced', key: 'ORD-1', data: { n: '{n}' } }], ...producer } },
      { id: 'orders', kind: 'topic' },
      {
        id: 'payment',
        kind: 'consumer',
        config: {
          rules: [{ on: '*', do: [{ do: 'effect', name: 'charged', key: { event: 'id' } }, { do: 'append', table: 'seen', key: 'all', value: { event: 'data.n' } }] }],
          sessionTimeoutMs: 50,
        },
      },
    ],
    edges: [edge('checkout', 'orders'), edge('orders', 'payment')],
    ...extra,
  };
}

describe('the network', () => {
  it('[N1] a delay on producer → topic: the event is sent now and appended later', () => {
    const s = sim(world({}, { 'checkout>orders': { delayMs: 40 } })).fire('checkout');
    expect(s.trace.at(-1)!.text).toMatch(/the network takes 40 ms to deliver it to orders/);
    s.run();
    const pub = s.stepsOf('publish')[0];
    expect(pub.time).toBe(40);
    expect(pub.text).toMatch(/arrived at orders p0 @0 after the network delay/);
  });

  it('[N4] a direct publish during an outage says it failed and will retry, in plain words', () => {
    const s = sim(world()).act({ kind: 'outage', node: 'orders', durationMs: 500, mode: 'down' }).fire('checkout');
    expect(s.trace.at(-1)!.text).toBe('You fired OrderPlaced evt-0 (key ORD-1) from checkout: checkout could not publish OrderPlaced evt-0: orders is unavailable. It retries in 100 ms');
  });

  it('[K1] an action that turns out to do nothing moves no clock: the time at the last step is the same after running to idle or seeking there', () => {
    // payment was to join its group at 300 ms, but was started by hand before: the join at 300 ms does nothing.
    const w = world();
    (w.nodes[2].config as Record<string, unknown>).joinAt = 300;
    const s = sim(w).restart('payment').fire('checkout').run();
    const steps = s.engine.steps();
    const last = steps.at(-1)!;
    expect(last.time).toBeLessThan(300);
    expect(s.engine.time).toBe(last.time);
    s.engine.seek(1);
    s.engine.seek(steps.length);
    expect(s.engine.time).toBe(last.time);
  });

  it('[N2] jitter reorders events of one key: the log order differs from the firing order', () => {
    const s = sim(world({}, { 'checkout>orders': { delayMs: 0, jitterMs: 100 } }), { seed: 4 });
    for (let i = 0; i < 6; i++) s.fire('checkout');
    s.run();
    const appended = s.stepsOf('publish').map((x) => x.eventId);
    expect(appended).toHaveLength(6);
    expect(appended).not.toEqual(['evt-0', 'evt-1', 'evt-2', 'evt-3', 'evt-4', 'evt-5']);
    expect(s.consumer('payment').state.seen.all).not.toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('[N3] a duplicate-delivery nemesis on topic → consumer, seeded', () => {
    const run = (seed: number) => {
      const s = sim(world({}, { 'orders>payment': { duplicateChance: 0.5 } }), { seed });
      for (let i = 0; i < 10; i++) s.fire('checkout');
      return s.run();
    };
    const a = run(9);
    const dups = a.stepsOf('commit').filter((x) => /deliver .* again/.test(x.text)).length;
    expect(dups).toBeGreaterThan(0);
    expect(a.stepsOf('handle')).toHaveLength(10 + dups);
    expect(run(9).engine.steps()).toEqual(a.engine.steps());
  });

  it('[N4] an outage: publishes fail and are retried; consumers wait; then it all goes through', () => {
    const s = sim(world({ retryBackoffMs: 30 })).run();
    s.act({ kind: 'outage', node: 'orders', durationMs: 100 });
    s.fire('checkout');
    expect(s.trace.at(-1)!.text).toMatch(/could not publish OrderPlaced evt-0: orders is unavailable\. It retries in 30 ms/);
    s.run();
    expect(s.stepsOf('send-failed').length).toBeGreaterThanOrEqual(2);
    expect(s.stepsOf('recover')).toHaveLength(1);
    expect(s.engine.log('orders', 0)).toEqual(['evt-0']);
    expect(s.consumer('payment').effects.charged).toEqual({ 'evt-0': 1 });
  });

  it('[N4] a consumer fetches nothing from a topic in an outage, though the event is in its log, and fetches it at the recovery', () => {
    const s = sim(world()).fire('checkout');
    expect(s.engine.log('orders', 0)).toEqual(['evt-0']);
    s.act({ kind: 'outage', node: 'orders', durationMs: 100 }).run();
    const recover = s.stepsOf('recover')[0];
    const deliver = s.stepsOf('deliver', 'payment')[0];
    expect(recover.time).toBe(100);
    expect(deliver.time).toBeGreaterThanOrEqual(100);
    expect(deliver.seq).toBeGreaterThan(recover.seq);
    expect(s.consumer('payment').effects.charged).toEqual({ 'evt-0': 1 });
  });

  it('[N4] lost acks make a plain producer publish twice; an idempotent producer does not', () => {
    const plain = sim(world({ retryBackoffMs: 200 })).run();
    plain.act({ kind: 'outage', node: 'orders', durationMs: 100, mode: 'acks-lost' }).fire('checkout').run();
    expect(plain.engine.log('orders', 0)).toEqual(['evt-0', 'evt-0']);
    expect(plain.consumer('payment').effects.charged).toEqual({ 'evt-0': 2 });
    const idem = sim(world({ retryBackoffMs: 200, idempotent: true })).run();
    idem.act({ kind: 'outage', node: 'orders', durationMs: 100, mode: 'acks-lost' }).fire('checkout').run();
    expect(idem.engine.log('orders', 0)).toEqual(['evt-0']);
    expect(idem.stepsOf('dedup')[0].text).toMatch(/same producer id and sequence number/);
  });

  it('[N5] a consumer cut from its topic stops, its commit fails, the group drops it; healing brings it back', () => {
    const s = sim(world()).fire('checkout');
    s.runUntilStep((x) => x.kind === 'handle');
    s.act({ kind: 'partition', node: 'payment', from: 'orders', durationMs: 200 });
    s.run();
    expect(s.stepsOf('commit')[0].text).toMatch(/could not commit after OrderPlaced evt-0 \(key ORD-1\): the network to orders is cut/);
    const rebalances = s.stepsOf('rebalance').map((x) => x.text);
    expect(rebalances.some((t) => /lost contact: orders: no live member/.test(t))).toBe(true);
    expect(s.stepsOf('heal')[0].text).toMatch(/healed by itself between payment and orders/);
    expect(rebalances.some((t) => /reachable again: payment ← orders p0/.test(t))).toBe(true);
    // The handled-but-uncommitted event is handled again after the heal: at-least-once.
    expect(s.consumer('payment').effects.charged).toEqual({ 'evt-0': 2 });
  });

  it('[N5] a producer cut from its topic retries until the heal', () => {
    const s = sim(world({ retryBackoffMs: 25 })).run();
    s.act({ kind: 'partition', node: 'checkout', from: 'orders' }).fire('checkout').step(3);
    expect(s.stepsOf('send-failed').length).toBeGreaterThan(0);
    s.act({ kind: 'heal', node: 'checkout', from: 'orders' }).run();
    expect(s.engine.log('orders', 0)).toEqual(['evt-0']);
    expect(s.engine.act({ kind: 'heal', node: 'checkout', from: 'orders' })).toMatchObject({ ok: false });
    expect(s.engine.act({ kind: 'partition', node: 'checkout', from: 'payment' })).toMatchObject({ ok: false, reason: expect.stringMatching(/not connected/) });
  });

  it('[N1] a link change applies from that step on and shows in the view', () => {
    const s = sim(world()).act({ kind: 'link', node: 'checkout', to: 'orders', delayMs: 25 }).fire('checkout');
    expect(s.engine.view().network.links).toEqual([{ source: 'checkout', target: 'orders', delayMs: 25, jitterMs: 0, duplicateChance: 0, ackLossChance: 0 }]);
    s.run();
    expect(s.stepsOf('publish')[0].time).toBe(25);
    expect(s.engine.act({ kind: 'link', node: 'orders', to: 'checkout', delayMs: 1 })).toMatchObject({ ok: false });
  });
});
