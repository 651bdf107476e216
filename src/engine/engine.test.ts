import { describe, expect, it } from 'vitest';
import { sim } from './testing/harness.ts';
import { partitionForKey } from './murmur2.ts';
import fanOut from '../examples/fan-out.json';
import ledger from '../examples/ledger.json';
import keyedOrders from '../examples/keyed-orders.json';
import keyedCrash from '../examples/keyed-crash.session.json';
import { restoreSession } from './session.ts';
import { createEngine } from './engine.ts';

/** producer → topic (P partitions) → the given consumers. */
function world(opts: { partitions?: number; consumers?: Record<string, Record<string, unknown>>; templates?: unknown[]; emitsTo?: string } = {}) {
  const consumers = opts.consumers ?? { c: {} };
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'p', kind: 'producer', config: { templates: opts.templates ?? [{ type: 'A', key: 'k-{n}', data: { id: 'k-{n}', amount: 5 } }] } },
      { id: 't', kind: 'topic', config: { partitions: opts.partitions ?? 1 } },
      ...(opts.emitsTo ? [{ id: opts.emitsTo, kind: 'topic' }] : []),
      ...Object.entries(consumers).map(([id, config]) => ({ id, kind: 'consumer', config })),
    ],
    edges: [
      { source: 'p', target: 't' },
      ...Object.keys(consumers).map((id) => ({ source: 't', target: id })),
      ...(opts.emitsTo ? Object.keys(consumers).map((id) => ({ source: id, target: opts.emitsTo! })) : []),
    ],
  };
}
const count = (table = 'n') => ({ on: '*', do: [{ do: 'increment', table, key: { event: 'key' } }] });

describe('the reference examples', () => {
  it('(a) [G1] pub/sub fan-out: one OrderPlaced is handled by Inventory, Payment and Notification', () => {
    const s = sim(fanOut).fire('checkout').run();
    s.expectEffect('inventory', 'stock reserved', 'ORD-1', 1)
      .expectEffect('payment', 'card charged', 'ORD-1', 1)
      .expectEffect('notification', 'email sent', 'ORD-1', 1)
      .expectState('payment', 'charged', 'cus-678', 99.99);
    expect(s.stepsOf('handle').map((x) => x.node).sort()).toEqual(['inventory', 'notification', 'payment']);
  });

  it('(b) the account ledger: created 1000, deposited 500, withdrew 200 → balance 1300', () => {
    const s = sim(ledger).run();
    s.expectState('ledger', 'balance', 'ACC-1', 1300);
    expect(s.stepsOf('handle').map((x) => x.eventType)).toEqual(['AccountCreated', 'MoneyDeposited', 'MoneyWithdrawn']);
  });

  it('(c) [C2] [P6] same-key events in order; a crash before the commit makes the successor handle the event again', () => {
    const r = restoreSession(keyedCrash);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const e = createEngine(r.value.scenario, { seed: r.value.seed, inputs: r.value.inputs });
    e.runUntilIdle();
    const trace = e.steps();
    const crash = trace.find((x) => x.kind === 'crash')!;
    expect(crash.node).toBe('fulfilment-1');
    expect(crash.eventType).toBe('OrderPaid');
    // The duplicate is visible: OrderPaid of ORD-1 is handled twice, by two members.
    const paid = trace.filter((x) => x.kind === 'handle' && x.key === 'ORD-1' && x.eventType === 'OrderPaid');
    expect(paid.map((x) => x.node)).toEqual(['fulfilment-1', 'fulfilment-2']);
    expect(paid[1].eventId).toBe(paid[0].eventId);
    const view = e.view().nodes['fulfilment-2'];
    if (view.kind !== 'consumer') throw new Error('not a consumer');
    expect(view.state.history).toEqual({
      'ORD-1': ['OrderPlaced', 'OrderPaid', 'OrderPaid', 'OrderShipped'],
      'ORD-2': ['OrderPlaced', 'OrderPaid', 'OrderShipped'],
    });
    expect(view.effects['status email sent']).toEqual({ 'ORD-1': 4, 'ORD-2': 3 });
  });
});

describe('kernel', () => {
  it('[K4] [E1] [E2] events are CloudEvents with predictable ids and logical timestamps', () => {
    const s = sim(world()).fire('p').run();
    expect(s.engine.event('evt-0')).toEqual({
      specversion: '1.0',
      id: 'evt-0',
      source: '/eventfold/p',
      type: 'A',
      subject: 'k-1',
      time: '2026-01-01T00:00:00.000Z',
      datacontenttype: 'application/json',
      data: { id: 'k-1', amount: 5 },
      partitionkey: 'k-1',
      correlationid: 'evt-0',
      schemaversion: 1,
    });
    expect(s.engine.event('evt-1')).toBeNull();
  });

  it('[K1] [K2] time never goes backwards and ties run in scheduling order', () => {
    const s = sim(world({ consumers: { a: { rules: [count()] }, b: { rules: [count()] } } }));
    for (let i = 0; i < 5; i++) s.fire('p');
    s.run();
    const times = s.trace.map((x) => x.time);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    // a and b were woken by the same append, a first: a's delivery comes first.
    const delivers = s.stepsOf('deliver').slice(0, 2);
    expect(delivers.map((x) => x.node)).toEqual(['a', 'b']);
  });

  it('[K6] a crash drops the stale handle and commit without steps of their own', () => {
    const s = sim(world({ consumers: { c: { rules: [count()] } } })).fire('p');
    s.runUntilStep((x) => x.kind === 'deliver');
    s.crash('c').run();
    expect(s.stepsOf('handle')).toHaveLength(0);
    expect(s.stepsOf('commit')).toHaveLength(0);
    expect(s.topic('t').partitions[0].groups[0]).toMatchObject({ committed: 0, lag: 1 });
  });
});

describe('topics and producers', () => {
  it('[P2] a keyed event lands on the partition Kafka would choose', () => {
    const s = sim(world({ partitions: 7 })).fire('p').fire('p').fire('p');
    const fires = s.stepsOf('fire');
    for (const f of fires) expect(f.partition).toBe(partitionForKey(f.key!, 7));
  });

  it('[P1] [P3] keyless events take the partitions in turn; offsets count up per partition without gaps', () => {
    const s = sim(world({ partitions: 3, templates: [{ type: 'A' }] }));
    for (let i = 0; i < 7; i++) s.fire('p');
    const fires = s.stepsOf('fire');
    expect(fires.map((f) => f.partition)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(fires.map((f) => f.offset)).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect(s.engine.log('t', 0)).toEqual(['evt-0', 'evt-3', 'evt-6']);
  });

  it('[P4] templates fill {n} and seeded {rand}', () => {
    const t = [{ type: 'A', key: 'ORD-{n}', data: { n: '{n}', label: 'order {n}', roll: '{rand:1-6}' } }];
    const a = sim(world({ templates: t }), { seed: 5 }).fire('p').fire('p');
    const b = sim(world({ templates: t }), { seed: 5 }).fire('p').fire('p');
    const e1 = a.engine.event('evt-1')!;
    expect(e1.subject).toBe('ORD-2');
    expect(e1.data).toMatchObject({ n: 2, label: 'order 2' });
    const roll = (e1.data as { roll: number }).roll;
    expect(roll).toBeGreaterThanOrEqual(1);
    expect(roll).toBeLessThanOrEqual(6);
    expect(b.engine.event('evt-1')!.data).toEqual(e1.data);
  });

  it('[P5] a rate producer produces its limit, one per period', () => {
    const w = world({ templates: [{ type: 'A' }, { type: 'B' }] });
    (w.nodes[0] as { config: Record<string, unknown> }).config.rate = { perSecond: 4, limit: 5 };
    const s = sim(w).run();
    const produced = s.stepsOf('produce');
    expect(produced.map((x) => x.time)).toEqual([250, 500, 750, 1000, 1250]);
    expect(produced.map((x) => x.eventType)).toEqual(['A', 'B', 'A', 'B', 'A']);
  });

  it('[I1] firing from a producer with no topic is refused and not recorded', () => {
    const w = world();
    w.edges = w.edges.filter((e) => e.source !== 'p');
    const s = sim(w);
    const r = s.engine.act({ kind: 'fire', node: 'p' });
    expect(r).toEqual({ ok: false, reason: 'p is not connected to a topic: connect it to one first' });
    expect(s.engine.session().inputs).toHaveLength(0);
    expect(s.engine.act({ kind: 'fire', node: 't' })).toMatchObject({ ok: false });
    expect(s.engine.act({ kind: 'fire', node: 'nope' })).toMatchObject({ ok: false, reason: 'there is no node "nope"' });
  });
});

describe('consumer groups', () => {
  it('[G2] range assignment: 3 partitions over 2 members gives the first member 2', () => {
    const s = sim(world({ partitions: 3, consumers: { b: { group: 'g' }, a: { group: 'g' } } })).run();
    expect(s.consumer('a').assigned.map((x) => x.partition)).toEqual([0, 1]);
    expect(s.consumer('b').assigned.map((x) => x.partition)).toEqual([2]);
  });

  it('[G2] members beyond the partition count get nothing', () => {
    const s = sim(world({ partitions: 1, consumers: { a: { group: 'g' }, b: { group: 'g' } } })).run();
    expect(s.consumer('a').assigned).toHaveLength(1);
    expect(s.consumer('b').assigned).toHaveLength(0);
  });

  it('[G1] a crash is noticed after the session timeout; a restart rejoins at once', () => {
    const s = sim(world({ partitions: 2, consumers: { a: { group: 'g', sessionTimeoutMs: 300 }, b: { group: 'g' } } })).run();
    s.crash('a');
    const crashAt = s.engine.time;
    s.run();
    const rebalances = s.stepsOf('rebalance');
    expect(rebalances).toHaveLength(2);
    expect(rebalances[1].time).toBe(crashAt + 300);
    expect(rebalances[1].text).toMatch(/a member crashed: b ← t p0, p1/);
    s.restart('a').run();
    const last = s.stepsOf('rebalance').at(-1)!;
    expect(last.time).toBe(s.engine.time);
    expect(last.text).toMatch(/a ← t p0; b ← t p1/);
  });

  it('[G1] [G2] a member that joins later takes over part of the partitions in a rebalance', () => {
    const s = sim(world({ partitions: 3, consumers: { a: { group: 'g', rules: [count()] }, b: { group: 'g', rules: [count()], joinAt: 100 } } }));
    s.engine.runUntil(50);
    expect(s.consumer('a').assigned.map((x) => x.partition)).toEqual([0, 1, 2]);
    expect(s.consumer('b').alive).toBe(false);
    s.run();
    const join = s.stepsOf('restart')[0];
    expect(join).toMatchObject({ node: 'b', time: 100 });
    expect(join.text).toMatch(/started, as the scenario says, and joins its group/);
    expect(s.stepsOf('rebalance').at(-1)!.text).toMatch(/because a member joined: a ← t p0, p1; b ← t p2/);
  });

  it('[G3] [G5] a partition new to a member starts from the committed offset; lag is end − committed', () => {
    const s = sim(world({ consumers: { a: { group: 'g', rules: [count()] }, b: { group: 'g', rules: [count()] } } })).run();
    s.crash('a'); // a owned the only partition
    s.fire('p').fire('p');
    expect(s.topic('t').partitions[0].groups[0]).toMatchObject({ committed: 0, lag: 2, owner: 'a' });
    s.run();
    expect(s.topic('t').partitions[0].groups[0]).toMatchObject({ committed: 2, lag: 0, owner: 'b' });
    expect(s.stepsOf('handle').map((x) => [x.node, x.offset])).toEqual([['b', 0], ['b', 1]]);
  });

  it('[G4] in-flight work on a revoked partition is abandoned and redone by the new owner', () => {
    const key = ['a', 'b', 'c', 'd', 'e'].find((k) => partitionForKey(k, 2) === 0)!;
    const s = sim(world({ partitions: 2, templates: [{ type: 'A', key }], consumers: { a: { group: 'g', rules: [count()] }, b: { group: 'g', rules: [count()] } } })).run();
    s.crash('a').run(); // b now owns p0 and p1
    expect(s.consumer('b').assigned.map((x) => x.partition)).toEqual([0, 1]);
    s.fire('p');
    s.runUntilStep((x) => x.kind === 'deliver');
    expect(s.consumer('b').inFlight).toBe('evt-0');
    s.restart('a'); // p0 goes back to a while b is working on evt-0
    const rebalance = s.runUntilStep((x) => x.kind === 'rebalance');
    expect(rebalance.text).toMatch(/b abandons evt-0/);
    s.run();
    expect(s.stepsOf('handle').map((x) => [x.node, x.eventId])).toEqual([['a', 'evt-0']]);
    expect(s.consumer('a').state.n).toEqual({ [key]: 1 });
  });

  it('[G6] the group store survives a rebalance', () => {
    const s = sim(world({ consumers: { a: { group: 'g', rules: [count()] }, b: { group: 'g', rules: [count()] } } }));
    s.fire('p').run().crash('a').fire('p').run();
    expect(s.consumer('b').state.n).toEqual({ 'k-1': 1, 'k-2': 1 });
    expect(s.consumer('a').state).toEqual(s.consumer('b').state);
  });
});

describe('consumers', () => {
  it('[C2] at-least-once: deliver → handle → commit', () => {
    const s = sim(world({ consumers: { c: { rules: [count()], processingMs: 7 } } })).fire('p').run();
    const mine = s.trace.filter((x) => x.node === 'c' && x.kind !== 'rebalance');
    expect(mine.map((x) => [x.kind, x.time])).toEqual([['deliver', 1], ['handle', 8], ['commit', 8]]);
  });

  it('[C3] at-most-once: deliver → commit → handle, and a crash between them loses the event', () => {
    const s = sim(world({ consumers: { a: { group: 'g', commit: 'before', rules: [count()] }, b: { group: 'g', commit: 'before', rules: [count()] } } })).run();
    s.fire('p');
    s.runUntilStep((x) => x.kind === 'commit');
    const crash = s.crash('a').trace.at(-1)!;
    expect(crash.text).toMatch(/already committed: nobody will handle it again, the event is lost/);
    s.run();
    expect(s.stepsOf('handle')).toHaveLength(0);
    expect(s.consumer('b').state).toEqual({});
    expect(s.topic('t').partitions[0].groups[0].lag).toBe(0);
  });

  it('[C1] [C4] one record at a time, partitions taken in turn', () => {
    const all = [{ on: '*', do: [{ do: 'increment', table: 't', key: 'all' }] }];
    const s = sim(world({ partitions: 2, templates: [{ type: 'A' }], consumers: { c: { rules: all } } }));
    for (let i = 0; i < 4; i++) s.fire('p');
    s.run();
    const kinds = s.trace.filter((x) => x.node === 'c' && x.kind !== 'rebalance').map((x) => x.kind);
    expect(kinds).toEqual(Array(4).fill(['deliver', 'handle', 'commit']).flat());
    expect(s.stepsOf('deliver').map((x) => x.partition)).toEqual([0, 1, 0, 1]);
  });

  it('[C5] a crash drops emitted events not yet appended', () => {
    const rules = [{ on: 'A', do: [{ do: 'emit', topic: 'out', type: 'B' }] }];
    const s = sim(world({ emitsTo: 'out', consumers: { c: { rules } } })).fire('p');
    s.runUntilStep((x) => x.kind === 'handle');
    s.crash('c').run();
    expect(s.stepsOf('publish')).toHaveLength(0);
    expect(s.engine.log('out', 0)).toEqual([]);
  });

  it('[C6] a commit sets the committed offset to the handled offset + 1', () => {
    const s = sim(world({ consumers: { c: { rules: [count()] } } })).fire('p').fire('p').run();
    expect(s.stepsOf('commit').map((x) => x.text.match(/offset (\d+)/)![1])).toEqual(['1', '2']);
  });
});

describe('handlers', () => {
  const rules = [
    { on: 'A', when: { op: 'gt', left: { event: 'data.amount' }, right: 10 }, do: [{ do: 'set', table: 'big', key: { event: 'data.id' }, value: { event: 'data.amount' } }] },
    { on: 'A', do: [{ do: 'append', table: 'small', key: 'all', value: { event: 'data.id' } }] },
  ];

  it('[H1] the first matching rule applies; no match means ignored but committed', () => {
    const s = sim(world({ templates: [{ type: 'A', data: { id: 'x', amount: 50 } }, { type: 'A', data: { id: 'y', amount: 1 } }, { type: 'Z' }], consumers: { c: { rules } } }));
    s.fire('p', 0).fire('p', 1).fire('p', 2).run();
    expect(s.consumer('c').state).toEqual({ big: { x: 50 }, small: { all: ['y'] } });
    expect(s.stepsOf('handle').at(-1)!.text).toMatch(/no rule matches Z, so it is ignored/);
    expect(s.topic('t').partitions[0].groups[0].lag).toBe(0);
  });

  it('[H2] reads see earlier writes of the same handling; paths read own properties only', () => {
    const r = [
      {
        on: 'A',
        do: [
          { do: 'increment', table: 'x', key: 'k', by: 2 },
          { do: 'set', table: 'copy', key: 'k', value: { state: 'x', key: 'k' } },
          { do: 'set', table: 'proto', key: 'k', value: { event: 'data.constructor' } },
        ],
      },
    ];
    const s = sim(world({ consumers: { c: { rules: r } } })).fire('p').run();
    expect(s.consumer('c').state).toEqual({ copy: { k: 2 }, proto: { k: null }, x: { k: 2 } });
  });

  it('[H3] increment and decrement treat a missing value as 0; effects count per key', () => {
    const r = [{ on: 'A', do: [{ do: 'decrement', table: 'bal', key: 'a', by: { event: 'data.amount' } }, { do: 'effect', name: 'charged', key: { event: 'data.id' } }] }];
    const s = sim(world({ consumers: { c: { rules: r } } })).fire('p').fire('p').run();
    expect(s.consumer('c').state.bal).toEqual({ a: -10 });
    expect(s.consumer('c').effects.charged).toEqual({ 'k-1': 1, 'k-2': 1 });
  });

  it('[H4] [H6] a handler error changes nothing, is explained, and the record is committed', () => {
    const r = [{ on: 'A', do: [{ do: 'increment', table: 'n', key: 'a' }, { do: 'set', table: 'x', key: { event: 'data.missing' }, value: 1 }] }];
    const s = sim(world({ consumers: { c: { rules: r } } })).fire('p').run();
    const err = s.stepsOf('error');
    expect(err).toHaveLength(1);
    expect(err[0].text).toMatch(/the key for x is missing \(data\.missing\)/);
    expect(s.consumer('c').state).toEqual({});
    expect(s.topic('t').partitions[0].groups[0].lag).toBe(0);
  });

  it('[H5] [E3] an emit is appended in its own step and carries causation and correlation', () => {
    const r = [{ on: 'A', do: [{ do: 'emit', topic: 'out', type: 'B', key: { event: 'data.id' }, data: { from: { event: 'id' } } }] }];
    const s = sim(world({ emitsTo: 'out', consumers: { c: { rules: r } } })).fire('p').run();
    const handleIdx = s.trace.findIndex((x) => x.kind === 'handle');
    expect(s.trace[handleIdx + 1]).toMatchObject({ kind: 'publish', eventType: 'B', topic: 'out', key: 'k-1' });
    expect(s.engine.event('evt-1')).toMatchObject({ causationid: 'evt-0', correlationid: 'evt-0', data: { from: 'evt-0' } });
  });

  it('[H7] ordering compares like with like only', () => {
    const cond = (left: unknown, op: string, right: unknown) => [{ on: 'A', when: { op, left, right }, do: [{ do: 'set', table: 'hit', key: 'k', value: true }] }];
    const hit = (left: unknown, op: string, right: unknown) => {
      const s = sim(world({ consumers: { c: { rules: cond(left, op, right) } } })).fire('p').run();
      return s.consumer('c').state.hit?.k === true;
    };
    expect(hit(5, 'gt', 3)).toBe(true);
    expect(hit('b', 'gt', 'a')).toBe(true);
    expect(hit('5', 'gt', 3)).toBe(false);
    expect(hit({ event: 'data' }, 'eq', { event: 'data' })).toBe(true);
    expect(hit({ event: 'data.id' }, 'eq', 'k-1')).toBe(true);
    expect(hit({ event: 'data.id' }, 'eq', 'k-2')).toBe(false);
    expect(hit(null, 'ne', 0)).toBe(true);
  });
});

describe('time travel', () => {
  it('[T1] [T5] seek back restores the exact earlier view; seek forward returns to it', () => {
    const s = sim(world({ partitions: 3, consumers: { a: { group: 'g', rules: [count()] }, b: { group: 'g', rules: [count()] } } }), { checkpointEvery: 4 });
    for (let i = 0; i < 6; i++) s.fire('p');
    const views: unknown[] = [];
    views.push(s.engine.view());
    while (s.engine.stepForward(1)) views.push(s.engine.view());
    const end = s.engine.step;
    for (const k of [end - 1, 6, 17, end, 9, 7]) {
      s.seek(k);
      expect(s.engine.step).toBe(k);
      expect(s.engine.view()).toEqual({ ...(views[k - 6] as object), horizon: end });
    }
    s.seek(0);
    expect(s.engine.step).toBe(0);
    expect(s.engine.time).toBe(0);
    expect(s.engine.view().nodes.t).toMatchObject({ partitions: [{ end: 0 }, { end: 0 }, { end: 0 }] });
  });

  it('[T4] a seek back keeps the recorded future visible; horizon stays', () => {
    const s = sim(world()).fire('p').fire('p').run();
    const end = s.engine.step;
    const all = s.engine.steps();
    s.seek(2);
    expect(s.engine.horizon).toBe(end);
    expect(s.engine.steps()).toEqual(all);
  });

  it('[T3] acting while scrubbed back forks: the old future and later inputs are dropped', () => {
    const s = sim(world()).fire('p').run().fire('p').run();
    expect(s.engine.session().inputs).toHaveLength(2);
    s.seek(3);
    s.crash('c');
    expect(s.engine.horizon).toBe(4);
    expect(s.engine.session().inputs.map((x) => x.kind)).toEqual(['fire', 'crash']);
    expect(s.engine.steps().map((x) => x.kind)).toEqual(s.trace.map((x) => x.kind));
    expect(s.engine.event('evt-1')).toBeNull();
  });

  it('[T2] a session replays exactly, and opens at any step', () => {
    const s = sim(world({ partitions: 2, consumers: { a: { group: 'g', rules: [count()] }, b: { group: 'g', rules: [count()] } } }));
    s.fire('p').step(3).crash('a').fire('p').run().restart('a').fire('p').run();
    const { seed, inputs } = s.engine.session();
    const replay = createEngine(s.engine.scenario, { seed, inputs });
    replay.runUntilIdle();
    expect(replay.steps()).toEqual(s.engine.steps());
    expect(replay.view()).toEqual(s.engine.view());
  });

  it('[I2] [I3] refused intents are not recorded; an inapplicable recorded input is an ignored step', () => {
    const s = sim(world()).run();
    expect(s.engine.act({ kind: 'restart', node: 'c' })).toEqual({ ok: false, reason: 'c is already running' });
    expect(s.engine.act({ kind: 'crash', node: 't' })).toMatchObject({ ok: false });
    const e = createEngine(s.engine.scenario, { inputs: [{ kind: 'restart', node: 'c', atStep: 0, time: 0 }] });
    e.runUntilIdle();
    expect(e.describeStep(0)).toMatchObject({ kind: 'ignored', text: expect.stringMatching(/could not apply: c is already running/) });
  });
});

describe('the keyed example scenario', () => {
  it('[P6] routes ORD-1 and ORD-2 to different partitions owned by different members', () => {
    const s = sim(keyedOrders).run();
    expect(partitionForKey('ORD-1', 3)).not.toBe(partitionForKey('ORD-2', 3));
    expect(s.consumer('fulfilment-1').assigned.map((x) => x.partition)).toEqual([0, 1]);
  });
});

describe('acting later than the last step', () => {
  it('[T2] [K1] an action can be stamped later, never past the next pending action, and replays the same', () => {
    const s = sim(world({ consumers: { c: { rules: [count()], processingMs: 50 } } })).run();
    s.engine.act({ kind: 'fire', node: 'p' }, { at: 300 });
    expect(s.trace.at(-1)!.time).toBe(300);
    s.step(1); // deliver at 301; the handle is due at 351
    s.engine.act({ kind: 'fire', node: 'p' }, { at: 900 });
    expect(s.trace.at(-1)!.time).toBe(351);
    s.run();
    const { seed, inputs } = s.engine.session();
    const replay = createEngine(s.engine.scenario, { seed, inputs });
    replay.runUntilIdle();
    expect(replay.steps()).toEqual(s.engine.steps());
  });
});
