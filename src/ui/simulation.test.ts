// The UI's simulation state against the real host in-process (the same API the worker
// exposes, made async): what the canvas and the trace read after each learner action.
import { describe, expect, it } from 'vitest';
import { Simulation, SPEEDS, type AsyncApi, type Frames } from './simulation.svelte.ts';
import { makeWorkerApi } from '../worker/api.ts';
import fanOut from '../examples/fan-out.json';

function inProcess(calls: string[] = []): AsyncApi {
  const api = makeWorkerApi();
  const methods = api as unknown as Record<string, (...a: unknown[]) => unknown>;
  // Every method of the worker API, async, its arguments and answer round-tripped through
  // structured clone as postMessage would; `calls` records the names in order.
  return new Proxy({} as AsyncApi, {
    get:
      (_, name: string) =>
      async (...a: unknown[]) => {
        calls.push(name);
        return structuredClone(await methods[name](...structuredClone(a)));
      },
  });
}

/** Animation frames driven by hand: `next(ms)` runs the pending frame `ms` after the last. */
function handFrames() {
  let pending: ((now: number) => void) | null = null;
  let now = 0;
  const frames: Frames = {
    request: (cb) => ((pending = cb), 1),
    cancel: () => (pending = null),
  };
  return {
    frames,
    get scheduled() {
      return pending !== null;
    },
    next(ms = 16) {
      const cb = pending;
      pending = null;
      now += ms;
      cb?.(now);
    },
  };
}
/** Lets the in-process api's promises settle. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('Simulation', () => {
  it('loads, fires the first producer, steps, steps back and seeks from a trace row', async () => {
    const sim = new Simulation(inProcess());
    expect(await sim.load(fanOut)).toBe(true);
    expect(sim.name).toBe('Pub/sub fan-out: one OrderPlaced, three services');
    expect(sim.nodes.map((n) => [n.id, n.type])).toEqual([
      ['checkout', 'producer'],
      ['orders', 'topic'],
      ['inventory', 'consumer'],
      ['payment', 'consumer'],
      ['notification', 'consumer'],
    ]);
    expect(sim.firer?.id).toBe('checkout');
    expect(sim.rows.map((r) => r.kind)).toEqual(['rebalance', 'rebalance', 'rebalance']);

    await sim.fire();
    expect(sim.view?.step).toBe(4);
    expect(sim.current).toMatchObject({ seq: 3, kind: 'fire' });
    for (let i = 0; i < 6; i++) await sim.step();
    expect(sim.view?.nodes.payment).toMatchObject({ handled: 1 });
    const rows = sim.rows;
    await sim.back();
    expect(sim.view?.step).toBe(9);
    expect(sim.rows).toEqual(rows); // the recorded future is kept
    await sim.seekAfter(3);
    expect(sim.view?.step).toBe(4);
    expect(sim.view?.nodes.payment).toMatchObject({ handled: 0 });
  });

  it('edits: selects what it added, keeps the selection, shows a refusal at its field, undoes', async () => {
    const sim = new Simulation(inProcess());
    await sim.load(fanOut);
    expect(await sim.blank()).toBe(true);
    expect(sim.nodes).toEqual([]);
    expect(sim.canUndo).toBe(true);
    await sim.edit({ op: 'add', kind: 'topic' });
    expect(sim.selected.map((n) => n.id)).toEqual(['topic-1']);
    expect(await sim.edit({ op: 'config', id: 'topic-1', config: { partitions: 0 } })).toBe(false);
    expect(sim.errors).toEqual([{ node: 'topic-1', field: 'config.partitions', message: 'must be at least 1' }]);
    expect(sim.notice?.text).toBe('Topic 1 · config.partitions: must be at least 1');
    await sim.edit({ op: 'rename', id: 'topic-1', label: 'orders' });
    expect(sim.errors).toEqual([]);
    expect(sim.selected.map((n) => n.data.label)).toEqual(['orders']);
    await sim.undo();
    expect(sim.nodes[0].data.label).toBe('Topic 1');
    expect(sim.canRedo).toBe(true);
    await sim.undo();
    await sim.undo();
    expect(sim.name).toBe('Pub/sub fan-out: one OrderPlaced, three services');
    // The same run as before the blank canvas: fan-out's own seed.
    const again = new Simulation(inProcess());
    await again.load(fanOut);
    await sim.fire();
    await again.fire();
    for (let i = 0; i < 12; i++) await Promise.all([sim.step(), again.step()]);
    expect(sim.view).toEqual(again.view);
  });

  it('shows why an action was refused, and a bad scenario without losing the current one', async () => {
    const sim = new Simulation(inProcess());
    await sim.load(fanOut);
    await sim.restart('payment');
    expect(sim.notice).toEqual({ tone: 'info', text: 'payment is already running' });
    expect(await sim.load({ format: 'eventfold/scenario', version: 99, nodes: [] })).toBe(false);
    expect(sim.notice?.tone).toBe('error');
    expect(sim.notice?.text).toContain('newer Eventfold');
    expect(sim.name).toBe('Pub/sub fan-out: one OrderPlaced, three services');
    await sim.crash('payment');
    expect(sim.view?.nodes.payment).toMatchObject({ alive: false });
    expect(sim.notice).toBeNull();
  });

  it('plays with at most one advance per frame, none while one is in flight or the world is idle', async () => {
    const calls: string[] = [];
    const clock = handFrames();
    const sim = new Simulation(inProcess(calls), clock.frames);
    await sim.load(fanOut);
    sim.speed = SPEEDS.findIndex((s) => s.label === '1×');
    await sim.fire();
    calls.length = 0;

    sim.play();
    clock.next(); // the first frame only starts the clock
    expect(calls).toEqual([]);
    clock.next(0.5); // 0.5 ms owed: one call
    clock.next(0.5); // that call is still in flight: none
    expect(calls).toEqual(['advance']);
    await settle();
    expect(sim.view?.step).toBe(4); // nothing was due by 0.5 ms
    clock.next(0.5); // 0.5 ms + 0.5 ms owed: the deliveries at 1 ms, in one update
    await settle();
    expect(calls).toEqual(['advance', 'advance']);
    expect(sim.rows.slice(-3).map((r) => r.kind)).toEqual(['deliver', 'deliver', 'deliver']);
    for (let i = 0; i < 5; i++) {
      clock.next(16);
      await settle();
    }
    expect(sim.view?.idle).toBe(true);
    const made = calls.length;
    clock.next(16);
    clock.next(16);
    await settle();
    expect(calls.length).toBe(made); // idle: the loop runs but calls nothing
    expect(clock.scheduled).toBe(true);
    sim.pause();
    expect(clock.scheduled).toBe(false);
    expect(sim.playing).toBe(false);
  });
});
