// The worker host, called directly in Node (no worker, no comlink): loading, acting,
// stepping back, batched play, and the trace rows each update sends.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeWorkerApi, type Update } from './api.ts';
import { applyTrace, TRACE_WINDOW } from './trace-window.ts';
import type { EngineView, TraceStep } from '../engine/index.ts';
import fanOut from '../examples/fan-out.json';
import keyedCrash from '../examples/keyed-crash.session.json';

/**
 * The world in a view, without what describes the timeline: after a step back the horizon
 * stays ahead ([T4]) and the next thing to happen may be the learner's recorded action ([T2]).
 */
const atPlayhead = ({ horizon: _h, next: _n, idle: _i, ...world }: EngineView) => world;

function loaded() {
  const api = makeWorkerApi();
  const r = api.load(fanOut);
  if (!r.ok) throw new Error(r.message);
  return { api, first: r };
}

/** The client's side: the rows it holds, kept up to date from each update. */
function mirror(first: Update) {
  let rows: TraceStep[] = applyTrace([], first.trace, first.newSteps);
  return {
    apply<U extends Update>(u: U): U {
      rows = applyTrace(rows, u.trace, u.newSteps);
      return u;
    },
    get rows() {
      return rows;
    },
  };
}

describe('load', () => {
  it('refuses a scenario whose rule is nested thousands of levels deep, keeping the engine it had', () => {
    const api = makeWorkerApi();
    expect(api.load(fanOut).ok).toBe(true);
    const d = 5_000;
    const deep = `{"format":"eventfold/scenario","version":1,"nodes":[{"id":"c","kind":"consumer","config":{"rules":[{"on":"*","when":${'{"op":"not","cond":'.repeat(d)}{"op":"exists","value":1}${'}'.repeat(d)},"do":[]}]}}]}`;
    const r = api.load(deep);
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining('nested absurdly deep') });
    expect(api.scenario()?.name).toBe(fanOut.name);
  });

  it('loads fan-out, runs it to time 0 (the groups take their partitions) and returns what to draw', () => {
    const { first } = loaded();
    expect(first.kind).toBe('scenario');
    expect(first.name).toBe('Pub/sub fan-out: one OrderPlaced, three services');
    expect(first.nodes.map((n) => [n.id, n.kind])).toEqual([
      ['checkout', 'producer'],
      ['orders', 'topic'],
      ['inventory', 'consumer'],
      ['payment', 'consumer'],
      ['notification', 'consumer'],
    ]);
    expect(first.nodes[1]).toMatchObject({ kind: 'topic', partitions: 3, position: { x: 280, y: 160 } });
    expect(first.nodes[3]).toMatchObject({ kind: 'consumer', group: 'payment', commit: 'after' });
    expect(first.edges).toContainEqual({ id: 'checkout->orders', source: 'checkout', target: 'orders' });
    // Three groups formed at time 0: three rebalance steps, all sent.
    expect(first.step).toBe(3);
    expect(first.view.time).toBe(0);
    expect(first.newSteps.map((s) => s.kind)).toEqual(['rebalance', 'rebalance', 'rebalance']);
    expect(first.trace).toEqual({ from: 0, to: 3, keepFrom: 0, keepTo: 0 });
    const payment = first.view.nodes.payment;
    expect(payment.kind === 'consumer' && payment.assigned.map((a) => a.partition)).toEqual([0, 1, 2]);
    // Plain data: it crosses postMessage as it is.
    expect(structuredClone(first)).toEqual(first);
  });

  it('refuses bad input with the field named, and keeps the engine it had', () => {
    const { api } = loaded();
    api.act({ kind: 'fire', node: 'checkout' });
    const before = api.refresh();

    const bad = api.load({ format: 'eventfold/scenario', version: 1, nodes: [{ id: 't', kind: 'topic', config: { partitions: 0 } }] });
    expect(bad).toEqual({ ok: false, message: 'nodes[0].config.partitions: must be at least 1' });
    expect(api.load('{ not json').ok).toBe(false);
    expect(api.load(null)).toMatchObject({ ok: false, message: expect.stringContaining('(top level)') });

    const after = api.refresh();
    expect(after.view).toEqual(before.view);
    expect(after.newSteps).toEqual(before.newSteps);
    // …and it still runs.
    expect(api.step().view.step).toBe(before.step + 1);
  });

  it('loads a session at the step its author was looking at', () => {
    const api = makeWorkerApi();
    const r = api.load(keyedCrash);
    if (!r.ok) throw new Error(r.message);
    expect(r.kind).toBe('session');
    expect(r.step).toBe(keyedCrash.step);
    expect(r.newSteps).toHaveLength(keyedCrash.step);
  });

  it('draws every node kind: the ones without a component of their own by id, kind and label', () => {
    const api = makeWorkerApi();
    const r = api.load({
      format: 'eventfold/scenario',
      version: 1,
      nodes: [
        { id: 'shop', kind: 'producer', config: { templates: [{ type: 'Job' }] } },
        { id: 'jobs', kind: 'queue', label: 'Jobs', position: { x: 10, y: 20 } },
        { id: 'worker', kind: 'consumer' },
      ],
      edges: [
        { source: 'shop', target: 'jobs' },
        { source: 'jobs', target: 'worker' },
      ],
    });
    if (!r.ok) throw new Error(r.message);
    expect(r.nodes[1]).toMatchObject({ id: 'jobs', kind: 'queue', label: 'Jobs', position: { x: 10, y: 20 } });
    expect(r.nodes[1].spec).toMatchObject({ kind: 'queue', config: { visibilityTimeoutMs: 300 } });
    expect(r.view.nodes.jobs).toMatchObject({ kind: 'queue' });
  });

  it('refuses calls before anything is loaded', () => {
    expect(() => makeWorkerApi().step()).toThrow(/load\(\) first/);
  });
});

describe('act', () => {
  it('fire: one step, sent as the one new trace row', () => {
    const { api, first } = loaded();
    const u = api.act({ kind: 'fire', node: 'checkout', template: 0 });
    expect(u.ok).toBe(true);
    expect(u.step).toBe(first.step + 1);
    expect(u.newSteps).toHaveLength(1);
    expect(u.newSteps[0]).toMatchObject({ seq: 3, kind: 'fire', node: 'checkout', eventId: 'evt-0', eventType: 'OrderPlaced', key: 'ORD-1', topic: 'orders' });
    expect(u.trace).toEqual({ from: 0, to: 4, keepFrom: 0, keepTo: 3 });
    expect(u.view.nodes.checkout).toMatchObject({ kind: 'producer', fired: 1 });
    const orders = u.view.nodes.orders;
    expect(orders.kind === 'topic' && orders.partitions.reduce((n, p) => n + p.end, 0)).toBe(1);
  });

  it('a refused action says why and changes nothing', () => {
    const { api, first } = loaded();
    const u = api.act({ kind: 'fire', node: 'orders' });
    expect(u).toMatchObject({ ok: false, reason: 'orders is a topic: only producers fire events' });
    expect(u.step).toBe(first.step);
    expect(u.newSteps).toEqual([]);
  });

  it('crash and restart a consumer', () => {
    const { api } = loaded();
    expect(api.act({ kind: 'crash', node: 'payment' }).view.nodes.payment).toMatchObject({ alive: false });
    expect(api.act({ kind: 'crash', node: 'payment' })).toMatchObject({ ok: false, reason: 'payment is already down' });
    expect(api.act({ kind: 'restart', node: 'payment' }).view.nodes.payment).toMatchObject({ alive: true });
  });
});

describe('step and back', () => {
  it('back restores the previous view exactly, step by step, and sends no rows', () => {
    const { api } = loaded();
    const views: EngineView[] = [];
    const remember = (u: Update) => views.push(u.view);
    remember(api.refresh());
    remember(api.act({ kind: 'fire', node: 'checkout' }));
    remember(api.act({ kind: 'fire', node: 'checkout' }));
    for (let u = api.step(); ; u = api.step()) {
      remember(u);
      if (u.view.idle) break;
    }
    const last = views.length - 1;
    expect(views[last].nodes.payment).toMatchObject({ handled: 2, effects: { 'card charged': { 'ORD-1': 1, 'ORD-2': 1 } } });
    for (let i = last - 1; i >= 0; i--) {
      const u = api.back();
      expect(u.step).toBe(views[i].step);
      expect(u.horizon).toBe(views[last].step);
      expect(atPlayhead(u.view)).toEqual(atPlayhead(views[i]));
      expect(u.newSteps).toEqual([]);
    }
    // Stepping back past a fire keeps it as the recorded future.
    expect(api.refresh().view.next).toBe('your recorded action: fire checkout');
    // Back at the start, it cannot go further; forward again replays the same world.
    expect(api.back(5).step).toBe(0);
    expect(atPlayhead(api.seek(views[last].step).view)).toEqual(atPlayhead(views[last]));
  });

  it('acting after a step back forks: the client drops the old future and gets the new one', () => {
    const { api, first } = loaded();
    const client = mirror(first);
    client.apply(api.act({ kind: 'fire', node: 'checkout' }));
    client.apply(api.step(6));
    const back = client.apply(api.back(4));
    const at = back.step;
    expect(client.rows).toHaveLength(back.horizon);
    expect(back.horizon).toBe(at + 4);
    const u = client.apply(api.act({ kind: 'crash', node: 'inventory' }));
    expect(u.ok).toBe(true);
    expect(u.horizon).toBe(at + 1);
    expect(u.trace).toEqual({ from: 0, to: at + 1, keepFrom: 0, keepTo: at });
    expect(client.rows.map((r) => r.seq)).toEqual([...Array(at + 1).keys()]);
    expect(client.rows[at]).toMatchObject({ kind: 'crash', node: 'inventory' });
  });
});

describe('advance (play)', () => {
  it('runs by logical time and returns everything due as one batched update', () => {
    const { api } = loaded();
    api.act({ kind: 'fire', node: 'checkout' }); // t = 0; each consumer fetches at t = 1
    const early = api.advance(0.5);
    expect(early.newSteps).toEqual([]);
    expect(early.clock).toBe(0.5);
    const batch = api.advance(0.5); // clock 1: the three deliveries, one update
    expect(batch.newSteps.map((s) => [s.kind, s.node])).toEqual([
      ['deliver', 'inventory'],
      ['deliver', 'notification'],
      ['deliver', 'payment'],
    ]);
    expect(batch.view.time).toBe(1);
    const rest = api.advance(1000);
    expect(rest.view.idle).toBe(true);
    expect(rest.newSteps.filter((s) => s.kind === 'handle')).toHaveLength(3);
    expect(rest.view.nodes.payment).toMatchObject({ handled: 1, effects: { 'card charged': { 'ORD-1': 1 } } });
  });

  it('keeps time through a quiet gap: a crash is noticed after the session timeout', () => {
    const { api } = loaded();
    const crash = api.act({ kind: 'crash', node: 'payment' });
    expect(crash.view.next).toMatch(/rebalance|group/i);
    let frames = 0;
    let u: Update = crash;
    while (!u.newSteps.some((s) => s.kind === 'rebalance') && frames < 20) {
      u = api.advance(16);
      frames++;
    }
    expect(u.view.time).toBe(100); // sessionTimeoutMs (default 100)
    expect(frames).toBe(7); // 7 × 16 ms ≥ 100 ms: the clock ran on while nothing happened
  });

  it('a step budget caps the batch and the clock waits for the world', () => {
    const { api } = loaded();
    api.act({ kind: 'fire', node: 'checkout' });
    const u = api.advance(1000, 2);
    expect(u.newSteps).toHaveLength(2);
    expect(u.clock).toBe(u.view.time);
    expect(api.advance(0, 1).newSteps).toHaveLength(1);
  });
});

describe('trace window', () => {
  it(`over any run the client holds at most ${TRACE_WINDOW} rows, contiguous, around the playhead, as a full resend would give`, () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('fire' as const), n: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('step' as const), n: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ kind: fc.constant('back' as const), n: fc.integer({ min: 1, max: 600 }) }),
      fc.record({ kind: fc.constant('seek' as const), k: fc.integer({ min: 0, max: 2000 }) }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 500 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const { api, first } = loaded();
        const client = mirror(first);
        for (const o of ops) {
          let u: Update;
          if (o.kind === 'fire') {
            // Fires in a burst; the client applies every update, in order.
            for (let i = 0; i < o.n; i++) client.apply(api.act({ kind: 'fire', node: 'checkout' }));
            u = client.apply(api.step(0));
          } else if (o.kind === 'step') u = client.apply(api.step(o.n));
          else if (o.kind === 'back') u = client.apply(api.back(o.n));
          else if (o.kind === 'seek') u = client.apply(api.seek(o.k));
          else u = client.apply(api.advance(o.ms));

          const seqs = client.rows.map((r) => r.seq);
          expect(seqs).toEqual([...Array(u.trace.to - u.trace.from).keys()].map((i) => u.trace.from + i));
          expect(client.rows.length).toBeLessThanOrEqual(TRACE_WINDOW);
          if (u.step > 0) expect(seqs).toContain(u.step - 1);
          const full = api.refresh();
          expect(client.rows).toEqual(applyTrace([], full.trace, full.newSteps));
          client.apply(full);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('compare (fork and diff)', () => {
  /** The payments example with one order handled: the session a learner forks. */
  async function forked() {
    const payments = (await import('../examples/payments.json')).default;
    const api = makeWorkerApi();
    expect(api.load(payments).ok).toBe(true);
    api.act({ kind: 'fire', node: 'checkout' });
    api.step(10);
    const original = api.session()!;
    // The fork: the session at the playhead opened again, with a duplicate injected ([FD1]).
    expect(api.load(original).ok).toBe(true);
    expect(api.act({ kind: 'duplicate', node: 'payment', event: 'evt-0' }).ok).toBe(true);
    return { api, original };
  }

  it('[FD1] [FD6] the fork on screen against its saved original: first difference at the fork step, 2 charges against 1', async () => {
    const { api, original } = await forked();
    const here = api.session()!.step;
    const r = await api.compare(original, { screen: 'b' });
    if (!r.ok) throw new Error(r.message);
    expect(r.diff.first).toMatchObject({ step: original.step, a: null, b: { kind: 'inject', node: 'payment' } });
    expect(r.diff.effects).toEqual([expect.objectContaining({ effect: 'card charged', a: 1, b: 2 })]);
    // Comparing moves nothing on screen.
    expect(api.session()!.step).toBe(here);
  });

  it('[FD2] the sides follow `screen`: the original on screen is run A', async () => {
    const { api, original } = await forked();
    const fork = api.session()!;
    expect(api.load(original).ok).toBe(true);
    const r = await api.compare(fork, { screen: 'a', at: 'end' });
    if (!r.ok) throw new Error(r.message);
    expect(r.diff.effects[0]).toMatchObject({ a: 1, b: 2 });
  });

  it('refuses another run that is not a session, saying which field is wrong, and keeps the run on screen', async () => {
    const { api, original } = await forked();
    const before = api.session();
    const r = await api.compare({ ...original, inputs: 'lots' }, { screen: 'b' });
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining('inputs') });
    expect(api.session()).toEqual(before);
  });
});
