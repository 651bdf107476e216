// The saga instance's state machine ([W7]) built from the engine's own saga view: run the
// order saga in the engine, step through it, and check what is taken, current and ahead.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pathAhead, sagaMachine, type Instance, type StepInfo } from './machine.ts';
import { sim } from '../../../engine/testing/harness.ts';
import type { SagaView } from '../../../engine/views.ts';
import orderSaga from '../../../examples/order-saga.json';

const STEPS: StepInfo[] = [
  { name: 'reserve stock', compensable: true },
  { name: 'charge payment', compensable: true },
  { name: 'ship', compensable: false },
];
const marks = (m: ReturnType<typeof sagaMachine>) => Object.fromEntries(m.states.filter((s) => s.mark !== 'off').map((s) => [s.id, s.mark]));
const edgesMarked = (m: ReturnType<typeof sagaMachine>, mark: string) => m.edges.filter((e) => e.mark === mark).map((e) => `${e.from}>${e.to}`);
const inst = (over: Partial<Instance>): Instance => ({ id: 'evt-0', state: 'running', step: 0, done: [], remaining: [], history: ['started'], ...over });

describe('the state machine of a saga instance', () => {
  it('[W7] running: the steps done are taken, the current one is current, the rest up to completed is ahead', () => {
    const m = sagaMachine(STEPS, inst({ step: 1, done: ['reserve stock'], remaining: ['charge payment', 'ship'] }));
    expect(marks(m)).toEqual({ started: 'taken', 'step-0': 'taken', 'step-1': 'current', 'step-2': 'ahead', completed: 'ahead' });
    expect(edgesMarked(m, 'taken')).toEqual(['started>step-0', 'step-0>step-1']);
    expect(edgesMarked(m, 'ahead')).toEqual(['step-1>step-2', 'step-2>completed']);
    expect(m.summary).toBe('running step 2 "charge payment"; ahead: ship → completed');
  });

  it('[W7] compensating then compensated: the failed step is marked, the undos go back in reverse order', () => {
    const comp = sagaMachine(STEPS, inst({ state: 'compensating', step: null, done: ['reserve stock', 'charge payment'], remaining: ['undo charge payment', 'undo reserve stock'] }));
    expect(marks(comp)).toEqual({ started: 'taken', 'step-0': 'taken', 'step-1': 'taken', 'step-2': 'taken', 'undo-1': 'current', 'undo-0': 'ahead', compensated: 'ahead' });
    expect(comp.states.find((s) => s.id === 'step-2')!.bad).toBe(true);
    expect(edgesMarked(comp, 'ahead').sort()).toEqual(['undo-0>compensated', 'undo-1>undo-0']);
    const done = sagaMachine(STEPS, inst({ state: 'compensated', step: null, done: ['reserve stock', 'charge payment'] }));
    expect(marks(done)).toMatchObject({ 'undo-1': 'taken', 'undo-0': 'taken', compensated: 'current' });
    expect(edgesMarked(done, 'taken').sort()).toEqual(['started>step-0', 'step-0>step-1', 'step-1>step-2', 'step-2>undo-1', 'undo-0>compensated', 'undo-1>undo-0'].sort());
  });

  it('[W7] failed: the compensation that failed leads to failed', () => {
    const m = sagaMachine(STEPS, inst({ state: 'failed', step: null, done: ['reserve stock', 'charge payment'], history: ['started', 'reserve stock ✓', 'charge payment ✓', 'ship ✗', 'charge payment undone', 'undo reserve stock ✗', 'failed'] }));
    expect(marks(m)).toMatchObject({ 'undo-1': 'taken', 'undo-0': 'taken', failed: 'current' });
    expect(m.states.find((s) => s.id === 'undo-0')!.bad).toBe(true);
    expect(m.states.find((s) => s.id === 'compensated')!.mark).toBe('off');
    expect(edgesMarked(m, 'taken')).toContain('undo-0>failed');
  });

  /** The order saga whose compensations wait for their replies, so each undo is a state of its own. */
  function waitingUndos() {
    const sc = structuredClone(orderSaga) as typeof orderSaga & { nodes: { id: string; config?: Record<string, unknown> }[] };
    const cfg = sc.nodes.find((n) => n.id === 'order-saga')!.config as { steps: { compensation?: Record<string, unknown> | null }[] };
    cfg.steps[0].compensation!.success = 'StockReleased';
    cfg.steps[1].compensation!.success = 'PaymentRefunded';
    const reply = (type: string) => ({ do: 'emit', topic: 'replies', type, key: { event: 'key' } });
    const rules = (id: string) => (sc.nodes.find((n) => n.id === id)!.config as { rules: { on: string; do: unknown[] }[] }).rules;
    rules('inventory').find((r) => r.on === 'ReleaseStock')!.do.push(reply('StockReleased'));
    rules('payment').find((r) => r.on === 'RefundPayment')!.do.push(reply('PaymentRefunded'));
    return sc;
  }
  const stepsOf = (sc: typeof orderSaga) =>
    (sc.nodes.find((n) => n.id === 'order-saga')!.config as { steps: { name: string; compensation?: unknown }[] }).steps.map((x) => ({ name: x.name, compensable: !!x.compensation }));

  /** Steps the engine one step at a time; the current state of the machine each time it changes. */
  function walk(s: ReturnType<typeof sim>, steps: StepInfo[]) {
    const view = () => s.engine.view().nodes['order-saga'] as SagaView;
    const seen: { id: string; step: number; summary: string }[] = [];
    for (let i = 0; i < 400 && !s.engine.idle; i++) {
      s.engine.stepForward(1);
      const v = view().instances[0];
      if (!v) continue;
      const m = sagaMachine(steps, v);
      const current = m.states.find((x) => x.mark === 'current')!.id;
      if (seen.at(-1)?.id !== current) seen.push({ id: current, step: s.engine.step, summary: m.summary });
    }
    return { seen, view };
  }

  it('[W7] [W3] follows the engine through the order saga failing its payment: one undo, done at once', () => {
    const s = sim(orderSaga).fire('shop', 1);
    const { seen } = walk(s, stepsOf(orderSaga));
    expect(seen.map((x) => x.id)).toEqual(['step-0', 'step-1', 'compensated']);
  });

  it('[W7] [W3] with undos that wait for replies and a failure injected at the last step: each undo in reverse order, and back again', () => {
    const sc = waitingUndos();
    const steps = stepsOf(sc);
    const s = sim(sc).act({ kind: 'saga-fault', node: 'order-saga', step: 2, fault: 'fail' }).fire('shop', 0);
    const { seen, view } = walk(s, steps);
    expect(seen.map((x) => x.id)).toEqual(['step-0', 'step-1', 'step-2', 'undo-1', 'undo-0', 'compensated']);
    // Stepping back to where undo-1 was current draws that machine again.
    const undo1 = seen.find((x) => x.id === 'undo-1')!;
    s.engine.seek(undo1.step);
    const back = sagaMachine(steps, view().instances[0]);
    expect(back.states.find((x) => x.mark === 'current')!.id).toBe('undo-1');
    expect(back.summary).toBe(undo1.summary);
    expect(back.summary).toBe('compensating: undo charge payment → undo reserve stock → compensated');
  });

  it('[W7] for any k steps and any failing step i: one current state, and the taken path is connected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.nat(), fc.constantFrom('running', 'compensating', 'compensated', 'completed') as fc.Arbitrary<Instance['state']>, (k, raw, state) => {
        const steps = Array.from({ length: k }, (_, j) => ({ name: `s${j}`, compensable: j % 2 === 0 }));
        const i = raw % k;
        if (state === 'compensating' && i === 0) return;
        const done = steps.slice(0, state === 'completed' ? k : i).map((x) => x.name);
        const remaining = state === 'compensating' ? done.slice(0, Math.max(1, done.length - 1)).reverse().map((n) => `undo ${n}`) : [];
        const m = sagaMachine(steps, inst({ state, step: state === 'running' ? i : null, done, remaining }));
        expect(m.states.filter((s) => s.mark === 'current')).toHaveLength(1);
        // Every taken edge joins two states on the path.
        const onPath = new Set(m.states.filter((s) => s.mark === 'taken' || s.mark === 'current').map((s) => s.id));
        for (const e of m.edges.filter((x) => x.mark === 'taken')) expect(onPath.has(e.from) && onPath.has(e.to)).toBe(true);
        expect(m.edges.filter((x) => x.mark === 'taken')).toHaveLength(onPath.size - 1);
      }),
    );
  });

  it('[W7] the connections still ahead: to the topics of the steps (or undos) left and on to their readers', () => {
    const saga = orderSaga.nodes.find((n) => n.id === 'order-saga')!.config as never;
    const edges = orderSaga.edges.map((e) => ({ id: `${e.source}->${e.target}`, ...e }));
    const running = pathAhead('order-saga', saga, inst({ step: 1, done: ['reserve stock'] }), edges);
    expect(running.sort()).toEqual(
      ['order-saga->payment-commands', 'payment-commands->payment', 'order-saga->shipping-commands', 'shipping-commands->shipping', 'order-saga->order-events', 'order-events->order-status'].sort(),
    );
    const undoing = pathAhead('order-saga', saga, inst({ state: 'compensating', step: null, done: ['reserve stock'], remaining: ['undo reserve stock'] }), edges);
    expect(undoing.sort()).toEqual(['order-saga->inventory-commands', 'inventory-commands->inventory', 'order-saga->order-events', 'order-events->order-status'].sort());
    expect(pathAhead('order-saga', saga, inst({ state: 'compensated', step: null }), edges)).toEqual([]);
  });
});
