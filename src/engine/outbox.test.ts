import { describe, expect, it } from 'vitest';
import { sim } from './testing/harness.ts';
import { createEngine } from './engine.ts';
import { restoreScenario } from './scenario.ts';

function orders(pattern: 'direct' | 'dual-write' | 'outbox', extra: Record<string, unknown> = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      {
        id: 'checkout',
        kind: 'producer',
        config: { pattern, table: 'orders', templates: [{ type: 'OrderPlaced', key: 'ORD-{n}', data: { orderId: 'ORD-{n}' } }] },
      },
      { id: 'orders', kind: 'topic' },
      {
        id: 'shipping',
        kind: 'consumer',
        config: {
          idempotency: 'processed-ids',
          rules: [{ on: 'OrderPlaced', do: [{ do: 'effect', name: 'shipped', key: { event: 'data.orderId' } }, { do: 'set', table: 'shipments', key: { event: 'data.orderId' }, value: 'booked' }] }],
        },
      },
    ],
    edges: [
      { source: 'checkout', target: 'orders' },
      { source: 'orders', target: 'shipping' },
    ],
    invariants: [{ kind: 'published', node: 'checkout' }],
    ...extra,
  };
}

describe('producer patterns', () => {
  it('[O1] direct: firing appends at once', () => {
    const s = sim(orders('direct')).fire('checkout');
    expect(s.trace.at(-1)).toMatchObject({ kind: 'fire', offset: 0, topic: 'orders' });
    expect(s.engine.view().nodes.checkout).toMatchObject({ pattern: 'direct', table: null, outbox: null });
  });

  it('[O2] dual write: save, then publish in a second step; a crash between loses the event', () => {
    const s = sim(orders('dual-write')).fire('checkout');
    expect(s.trace.at(-1)!.text).toMatch(/saved the change in its orders table and will publish the event 5 ms later/);
    expect(s.engine.view().nodes.checkout).toMatchObject({ table: { name: 'orders', rows: { 'ORD-1': { orderId: 'ORD-1' } } } });
    s.crash('checkout').restart('checkout').run();
    expect(s.stepsOf('crash')[0].text).toMatch(/1 change it saved was never published.*the dual write lost the event/);
    expect(s.engine.log('orders', 0)).toEqual([]);
    expect(s.consumer('shipping').state).toEqual({});
    const [inv] = s.engine.invariantStatus();
    expect(inv).toMatchObject({ status: 'broken', message: expect.stringMatching(/crashed between saving and publishing/) });
    expect(s.engine.describeStep(inv.brokeAt!).kind).toBe('crash');
  });

  it('[O2] dual write without a crash publishes', () => {
    const s = sim(orders('dual-write')).fire('checkout').run();
    expect(s.stepsOf('publish')[0].text).toMatch(/second step of its dual write/);
    s.expectState('shipping', 'shipments', 'ORD-1', 'booked');
    expect(s.engine.invariantStatus()[0].status).toBe('holding');
  });

  it('[O3] outbox: the same crash loses nothing; the relay publishes after the restart', () => {
    const s = sim(orders('outbox')).fire('checkout');
    expect(s.trace.at(-1)!.text).toMatch(/and an outbox row in the same transaction/);
    s.crash('checkout');
    expect(s.trace.at(-1)!.text).toMatch(/1 outbox row is not marked sent yet/);
    s.restart('checkout').run();
    expect(s.stepsOf('relay')).toHaveLength(1);
    expect(s.stepsOf('sent')).toHaveLength(1);
    s.expectState('shipping', 'shipments', 'ORD-1', 'booked');
    expect(s.engine.view().nodes.checkout).toMatchObject({ outbox: [{ event: 'evt-0', state: 'sent' }] });
    expect(s.engine.invariantStatus()[0].status).toBe('holding');
  });

  it('[O3] [D2] outbox: a crash after publishing but before marking sent publishes twice; the idempotent consumer absorbs it', () => {
    const s = sim(orders('outbox'));
    s.act({ kind: 'crash', node: 'checkout', point: 'after-publish', restartAfterMs: 100 }).fire('checkout').run();
    const relays = s.stepsOf('relay');
    expect(relays.map((r) => r.eventId)).toEqual(['evt-0', 'evt-0']);
    expect(relays[1].text).toMatch(/again, because the row was never marked sent: a duplicate with the same id/);
    expect(s.engine.log('orders', 0)).toEqual(['evt-0', 'evt-0']);
    s.expectEffect('shipping', 'shipped', 'ORD-1', 1);
    expect(s.stepsOf('skip')).toHaveLength(1);
  });

  it('[O2] an armed crash after the save loses the dual write and not the outbox', () => {
    const dual = sim(orders('dual-write')).act({ kind: 'crash', node: 'checkout', point: 'after-save', restartAfterMs: 10 }).fire('checkout').run();
    expect(dual.consumer('shipping').state).toEqual({});
    const box = sim(orders('outbox')).act({ kind: 'crash', node: 'checkout', point: 'after-save', restartAfterMs: 10 }).fire('checkout').run();
    box.expectState('shipping', 'shipments', 'ORD-1', 'booked');
  });

  it('[I2] crash points that do not fit the producer are refused; a down producer cannot fire', () => {
    const s = sim(orders('direct'));
    expect(s.engine.act({ kind: 'crash', node: 'checkout', point: 'after-save' })).toMatchObject({ ok: false, reason: expect.stringMatching(/a direct producer cannot crash after-save/) });
    // [TX5] A consumer crashes after-publish between its emits and its commit: none for one that commits before handling.
    s.act({ kind: 'deploy', node: 'shipping', config: { commit: 'before' } });
    expect(s.engine.act({ kind: 'crash', node: 'shipping', point: 'after-publish' })).toMatchObject({ ok: false, reason: expect.stringMatching(/shipping commits before handling: there is nothing in between/) });
    s.crash('checkout');
    expect(s.engine.act({ kind: 'fire', node: 'checkout' })).toEqual({ ok: false, reason: 'checkout is down: restart it first' });
  });
});

describe('the schedule', () => {
  it('[X5] scheduled faults apply at their time, worded as the scenario', () => {
    const s = sim(orders('direct', { schedule: [{ at: 0, kind: 'fire', node: 'checkout' }, { at: 5, kind: 'crash', node: 'shipping' }, { at: 400, kind: 'restart', node: 'shipping' }] })).run();
    const crash = s.stepsOf('crash')[0];
    expect(crash.time).toBe(5);
    expect(crash.text).toMatch(/^As scheduled, the scenario crashed shipping while it was working on OrderPlaced evt-0/);
    expect(s.stepsOf('restart')[0].time).toBe(400);
    s.expectEffect('shipping', 'shipped', 'ORD-1', 1);
    expect(s.engine.session().inputs).toEqual([]);
  });

  it('[X5] a malformed schedule is refused with the field named', () => {
    const bad = (schedule: unknown) => {
      const r = restoreScenario(orders('direct', { schedule }));
      return r.ok ? null : r.errors[0];
    };
    expect(bad([{ at: -1, kind: 'crash', node: 'shipping' }])).toMatchObject({ path: 'schedule[0].at' });
    expect(bad([{ at: 1, kind: 'explode', node: 'shipping' }])).toMatchObject({ path: 'schedule[0].kind' });
    expect(bad([{ at: 1, kind: 'crash', node: 'nobody' }])).toEqual({ path: 'schedule[0].node', message: 'no node has the id "nobody"' });
    expect(bad([{ at: 1, kind: 'redeliver', node: 'shipping', count: 0 }])).toMatchObject({ path: 'schedule[0].count' });
  });

  it('[X5] a scheduled action that cannot apply becomes an ignored step', () => {
    const r = restoreScenario(orders('direct', { schedule: [{ at: 1, kind: 'restart', node: 'shipping' }] }));
    if (!r.ok) throw new Error('refused');
    const e = createEngine(r.value);
    e.runUntilIdle();
    expect(e.steps().find((x) => x.kind === 'ignored')!.text).toMatch(/scheduled restart of shipping could not apply: shipping is already running/);
  });
});
