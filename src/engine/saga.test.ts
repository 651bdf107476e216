import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sim } from './testing/harness.ts';
import orderSaga from '../examples/order-saga.json';
import type { ProjectionView, SagaView } from './engine.ts';

const sagaView = (s: ReturnType<typeof sim>) => s.engine.view().nodes['order-saga'] as SagaView;
const status = (s: ReturnType<typeof sim>) => (s.engine.view().nodes['order-status'] as ProjectionView).tables.status;

describe('orchestrated sagas', () => {
  it('[W1] [W2] place order → reserve → charge → ship: completed and confirmed', () => {
    const s = sim(orderSaga).fire('shop', 0).run();
    expect(sagaView(s).instances).toEqual([
      { id: 'evt-0', state: 'completed', step: null, done: ['reserve stock', 'charge payment', 'ship'], remaining: [], history: ['started', 'reserve stock ✓', 'charge payment ✓', 'ship ✓', 'completed'] },
    ]);
    s.expectEffect('payment', 'card charged', 'ORD-1', 1).expectEffect('shipping', 'parcel shipped', 'ORD-1', 1);
    expect(status(s)).toEqual({ 'ORD-1': 'confirmed' });
    expect(s.engine.invariantStatus()[0].status).toBe('holding');
  });

  it('[W3] when payment fails, the stock is released and the order cancelled, in reverse order', () => {
    const s = sim(orderSaga).fire('shop', 1).run();
    const inst = sagaView(s).instances[0];
    expect(inst.state).toBe('compensated');
    expect(inst.history).toEqual(['started', 'reserve stock ✓', 'charge payment ✗', 'reserve stock undone', 'compensated']);
    s.expectEffect('inventory', 'stock released', 'ORD-1', 1).expectEffect('payment', 'card charged', 'ORD-1', 0).expectEffect('shipping', 'parcel shipped', 'ORD-1', 0);
    expect(status(s)).toEqual({ 'ORD-1': 'cancelled' });
    const failed = s.stepsOf('saga').find((x) => /failed \(PaymentFailed\)/.test(x.text))!;
    expect(failed.text).toMatch(/compensating the 1 step that succeeded, last first: sent ReleaseStock to undo "reserve stock"; every step is undone: the saga is compensated; sent OrderCancelled to order-events/);
  });

  it('[W4] a running instance shows the path still ahead', () => {
    const s = sim(orderSaga).fire('shop', 0);
    s.runUntilStep((x) => x.kind === 'saga' && /step 2 "charge payment": sent/.test(x.text));
    expect(sagaView(s).instances[0]).toMatchObject({ state: 'running', step: 1, done: ['reserve stock'], remaining: ['charge payment', 'ship'] });
  });

  it('[W5] an injected timeout: the reply comes too late, the saga compensates', () => {
    const s = sim(orderSaga).act({ kind: 'saga-fault', node: 'order-saga', step: 2, fault: 'timeout' }).fire('shop', 0).run();
    const inst = sagaView(s).instances[0];
    expect(inst.state).toBe('compensated');
    expect(inst.history).toEqual(['started', 'reserve stock ✓', 'charge payment ✓', 'ship ⏱', 'charge payment undone', 'reserve stock undone', 'compensated']);
    expect(s.stepsOf('saga').some((x) => /arrived, but too late for step 3/.test(x.text))).toBe(true);
    s.expectEffect('payment', 'refunded', 'ORD-1', 1).expectEffect('inventory', 'stock released', 'ORD-1', 1);
    expect(s.engine.act({ kind: 'saga-fault', node: 'order-saga', step: 7, fault: 'fail' })).toMatchObject({ ok: false });
  });

  it('[W6] a saga stuck waiting breaks the settled invariant when idle', () => {
    const stuck = JSON.parse(JSON.stringify(orderSaga));
    stuck.nodes.find((n: { id: string }) => n.id === 'order-saga').config.steps[2].timeoutMs = null;
    stuck.nodes.find((n: { id: string }) => n.id === 'shipping').config.rules = [];
    const s = sim(stuck).fire('shop', 0).run();
    expect(s.engine.invariantStatus()[0]).toMatchObject({ status: 'broken', message: 'the instance for evt-0 is running at step 3 "ship"' });
  });

  it('[W3] [W5] for k steps and a failure injected at any step i, every instance ends completed or compensated, compensations in reverse order (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.nat(), fc.constantFrom<'fail' | 'timeout'>('fail', 'timeout'), fc.integer({ min: 1, max: 3 }), (k, iRaw, fault, orders) => {
        const i = iRaw % k;
        const steps = Array.from({ length: k }, (_, j) => ({
          name: `s${j}`,
          command: { topic: 'cmd', type: `Do${j}` },
          success: `Done${j}`,
          failure: `Failed${j}`,
          timeoutMs: 200,
          compensation: { topic: 'cmd', type: `Undo${j}` },
        }));
        const sc = {
          format: 'eventfold/scenario',
          version: 1,
          nodes: [
            { id: 'p', kind: 'producer', config: { templates: [{ type: 'Start', key: 'K-{n}' }] } },
            { id: 'in', kind: 'topic' },
            { id: 'saga', kind: 'saga', config: { trigger: 'Start', steps } },
            { id: 'cmd', kind: 'topic' },
            { id: 'replies', kind: 'topic' },
            {
              id: 'worker',
              kind: 'consumer',
              config: {
                rules: [
                  ...steps.map((_, j) => ({ on: `Do${j}`, do: [{ do: 'emit', topic: 'replies', type: `Done${j}`, key: { event: 'key' } }] })),
                  ...steps.map((_, j) => ({ on: `Undo${j}`, do: [{ do: 'append', table: 'undone', key: { event: 'key' }, value: j }] })),
                ],
              },
            },
          ],
          edges: [
            { source: 'p', target: 'in' },
            { source: 'in', target: 'saga' },
            { source: 'replies', target: 'saga' },
            { source: 'saga', target: 'cmd' },
            { source: 'cmd', target: 'worker' },
            { source: 'worker', target: 'replies' },
          ],
          invariants: [{ kind: 'saga-settled', node: 'saga' }],
        };
        const s = sim(sc).act({ kind: 'saga-fault', node: 'saga', step: i, fault });
        for (let o = 0; o < orders; o++) s.fire('p');
        s.run();
        const instances = (s.engine.view().nodes.saga as SagaView).instances;
        expect(instances).toHaveLength(orders);
        expect(instances.filter((x) => x.state === 'compensated')).toHaveLength(1);
        expect(instances.every((x) => x.state === 'completed' || x.state === 'compensated')).toBe(true);
        const undone = s.consumer('worker').state.undone ?? {};
        // The failed instance undid exactly the steps before i, last first.
        expect(Object.values(undone)).toEqual(i === 0 ? [] : [Array.from({ length: i }, (_, j) => i - 1 - j)]);
        expect(s.engine.invariantStatus()[0].status).toBe('holding');
      }),
      { numRuns: 60 },
    );
  });
});
