// The stream processor ([WN1]–[WN6]): tumbling and hopping windows of event time per key,
// late events and the grace period, results emitted once when a window closes, and a
// stream-table join with its misses.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sim } from './testing/harness.ts';
import { restoreScenario } from './scenario.ts';
import { createEngine } from './engine.ts';
import { windowStarts } from './kinds/stream-windows.ts';
import type { StreamView } from './kinds/stream.ts';

type Fire = { at: number; key: string; amount?: number; from?: string };

/** Payments → stream `fraud` → alerts, plus a `cards` table topic fed by `bank`. */
function scenario(fires: Fire[], stream: Record<string, unknown>, opts: { slowMs?: number; cards?: { at: number; key: string; holder: string }[] } = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'pos', kind: 'producer' },
      { id: 'mobile', kind: 'producer' },
      { id: 'bank', kind: 'producer' },
      { id: 'payments', kind: 'topic', config: { partitions: 2 } },
      { id: 'cards', kind: 'topic' },
      { id: 'fraud', kind: 'stream', config: stream },
      { id: 'alerts', kind: 'topic' },
    ],
    edges: [
      { source: 'pos', target: 'payments' },
      { source: 'mobile', target: 'payments', ...(opts.slowMs ? { delayMs: opts.slowMs } : {}) },
      { source: 'bank', target: 'cards' },
      { source: 'payments', target: 'fraud' },
      { source: 'cards', target: 'fraud' },
      { source: 'fraud', target: 'alerts' },
    ],
    schedule: [
      ...(opts.cards ?? []).map((c) => ({ at: c.at, kind: 'fire', node: 'bank', event: { type: 'CardIssued', key: c.key, data: { holder: c.holder } } })),
      ...fires.map((f) => ({ at: f.at, kind: 'fire', node: f.from ?? 'pos', event: { type: 'PaymentMade', key: f.key, data: { card: f.key, amount: f.amount ?? 10 } } })),
    ],
  };
}

const view = (s: ReturnType<typeof sim>) => s.engine.view().nodes.fraud as StreamView;
const errors = (x: unknown) => {
  const r = restoreScenario(x);
  return r.ok ? [] : r.errors;
};

describe('[WN1] a stream processor is refused at its field when its config is wrong', () => {
  it('refuses a window that advances by more than its size, or by a step that does not divide it, sum without a field, and unwired topics', () => {
    expect(errors(scenario([], { window: { sizeMs: 60000, advanceMs: 90000 } }))).toEqual([
      { path: 'nodes[5].config.window.advanceMs', message: 'must be at most the window size (60000 ms): windows that advance by more than their size leave gaps where events count in no window' },
      { path: 'nodes[5].config.window.advanceMs', message: expect.stringContaining('must divide the window size (60000 ms)') },
    ]);
    expect(errors(scenario([], { window: { sizeMs: 60000, advanceMs: 7000 } }))[0].path).toBe('nodes[5].config.window.advanceMs');
    expect(errors(scenario([], { window: { sizeMs: 60000, aggregate: 'sum' } }))).toEqual([{ path: 'nodes[5].config.window.field', message: 'sum needs the number to add up: a data field such as data.amount' }]);
    expect(errors(scenario([], { window: { sizeMs: 60000, aggregate: 'avg' } }))[0]).toMatchObject({ path: 'nodes[5].config.window.aggregate', message: 'must be count, sum, min or max' });
    expect(errors(scenario([], { input: 'alerts', window: { sizeMs: 1000 } }))).toEqual([{ path: 'nodes[5].config.input', message: 'fraud does not read "alerts": connect the topic alerts → fraud first' }]);
    expect(errors(scenario([], { output: 'payments', window: { sizeMs: 1000 } }))).toEqual([{ path: 'nodes[5].config.output', message: 'fraud does not write to "payments": connect fraud → the topic payments first' }]);
    expect(errors(scenario([], { input: 'payments', join: { table: 'payments' } }))).toEqual([{ path: 'nodes[5].config.join.table', message: 'the table must be built from another topic than the stream it joins (payments)' }]);
    expect(errors(scenario([], { window: { sizeMs: 1000, field: 'amount' } }))[0]).toMatchObject({ path: 'nodes[5].config.window.field', message: 'must be a field of the data, such as data.amount' });
  });

  it('with neither a window nor a join, it passes the events of its types on', () => {
    const s = sim(scenario([{ at: 10, key: 'C' }], { types: ['PaymentMade'] })).run();
    expect(s.stepsOf('window', 'fraud')[0].text).toBe('fraud has no window and no join, so it passes PaymentMade evt-0 (key C) on');
    expect(s.stepsOf('publish', 'fraud')).toHaveLength(1);
    const other = sim(scenario([], { types: ['Refund'] })).fireEvent('pos', 'PaymentMade', 'C').run();
    expect(other.stepsOf('publish', 'fraud')).toHaveLength(0);
  });

  it('takes connections from topics only, and feeds topics only', () => {
    const s = scenario([], { window: { sizeMs: 1000 } });
    const bad = { ...s, edges: [...s.edges, { source: 'pos', target: 'fraud' }] };
    expect(errors(bad).map((e) => e.message)).toContain('a stream processor takes connections from a topic, not from a producer');
  });
});

describe('[WN2] windows of event time, per key', () => {
  it('a tumbling window counts per key in [n·size, (n+1)·size); a hopping one puts each event in size/advance windows', () => {
    const fires = [50, 55, 62, 65].map((s) => ({ at: s * 1000, key: 'CARD-1' }));
    const tumbling = sim(scenario(fires, { input: 'payments', window: { sizeMs: 60000 } })).run();
    expect(view(tumbling).results.map((r) => [r.start, r.end, r.value])).toEqual([
      [0, 60000, 2],
      [60000, 120000, 2],
    ]);
    const hopping = sim(scenario(fires, { window: { sizeMs: 60000, advanceMs: 10000 } })).run();
    const counts = view(hopping).results.map((r) => [r.start / 1000, r.value]);
    expect(counts).toEqual([
      [0, 2],
      [10, 4],
      [20, 4],
      [30, 4],
      [40, 4],
      [50, 4],
      [60, 2],
    ]);
    const steps = hopping.stepsOf('window', 'fraud');
    expect(steps[0].text).toBe('fraud added PaymentMade evt-0 (key CARD-1) (event time 50 s) to 6 overlapping windows of CARD-1: [0 s, 60 s): count 1; [10 s, 70 s): count 1; [20 s, 80 s): count 1; [30 s, 90 s): count 1; [40 s, 100 s): count 1; [50 s, 110 s): count 1');
  });

  it('sums, and takes event time from a data field when told to', () => {
    const s = sim(scenario([{ at: 1000, key: 'C', amount: 30 }, { at: 2000, key: 'C', amount: 12 }], { window: { sizeMs: 10000, aggregate: 'max', field: 'data.amount' } })).run();
    expect(view(s).results.map((r) => r.value)).toEqual([30]);
    const t = sim(scenario([{ at: 1000, key: 'C', amount: 15000 }], { window: { sizeMs: 10000, timeField: 'data.amount' } })).run();
    expect(view(t).results.map((r) => r.start)).toEqual([10000]);
  });

  it('property: for in-order events, each tumbling window count per key equals a naive grouping', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ t: fc.integer({ min: 0, max: 40 }), key: fc.constantFrom('A', 'B', 'C') }), { maxLength: 12 }), fc.constantFrom(1000, 3000, 5000), (evs, size) => {
        const fires = evs.map((e) => ({ at: e.t * 250, key: e.key }));
        const s = sim(scenario(fires, { window: { sizeMs: size } })).run();
        const naive = new Map<string, number>();
        for (const f of fires) {
          const id = `${f.key}|${Math.floor(f.at / size) * size}`;
          naive.set(id, (naive.get(id) ?? 0) + 1);
        }
        const got = new Map(view(s).results.map((r) => [`${r.key}|${r.start}`, r.value]));
        expect(view(s).results.length).toBeLessThanOrEqual(20);
        if (naive.size <= 20) expect(got).toEqual(naive);
        expect(view(s).late.count).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('property: a hopping window of size S advancing by A holds each time in S/A windows (fewer in the first S ms: none starts before 0), each containing it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e7 }), fc.constantFrom(1, 2, 3, 4, 6, 12), fc.integer({ min: 1, max: 5000 }), (t, hops, advance) => {
        const size = advance * hops;
        const starts = windowStarts(t, size, advance);
        expect(starts.length).toBe(Math.min(hops, Math.floor(t / advance) + 1));
        for (const s of starts) {
          expect(s % advance).toBe(0);
          expect(s >= 0 && s <= t && t < s + size).toBe(true);
        }
      }),
    );
  });
});

describe('[WN3] late events and the grace period', () => {
  const fires = [
    { at: 50000, key: 'CARD-1' },
    { at: 58000, key: 'CARD-1', from: 'mobile' },
  ];
  it('with grace 0, an event produced at 58 s that arrives after 60 s is dropped as late, and a step says so', () => {
    const s = sim(scenario(fires, { window: { sizeMs: 60000 } }, { slowMs: 3000 })).run();
    expect(view(s).results.map((r) => r.value)).toEqual([1]);
    expect(view(s).late).toEqual({ count: 1, recent: ['evt-1'] });
    const late = s.stepsOf('late', 'fraud');
    expect(late).toHaveLength(1);
    expect(late[0].text).toBe('fraud dropped PaymentMade evt-1 (key CARD-1) as late (event time 58 s, processed at 61.001 s): its window had closed — [0 s, 60 s) closed at 60 s. With a grace period of 0, an event that arrives after its window ends is lost; a grace period keeps windows open for stragglers');
  });

  it('a grace period keeps the window open for it, and the result waits for the grace to pass', () => {
    const s = sim(scenario(fires, { window: { sizeMs: 60000, graceMs: 5000 } }, { slowMs: 3000 })).run();
    expect(view(s).results.map((r) => r.value)).toEqual([2]);
    expect(view(s).late.count).toBe(0);
    expect(s.stepsOf('window-close', 'fraud')[0].time).toBe(65000);
  });
});

describe('[WN4] a window emits its final result once, when it closes', () => {
  it('emits to the output topic, with a threshold filtering what is emitted', () => {
    const fires = [1, 2, 3, 4].map((x) => ({ at: x * 1000, key: 'CARD-1' })).concat([{ at: 5000, key: 'CARD-2' }]);
    const s = sim(scenario(fires, { emitType: 'FraudSuspected', window: { sizeMs: 60000, above: 3 } })).run();
    const published = s.stepsOf('publish', 'fraud');
    expect(published).toHaveLength(1);
    expect(s.engine.event(published[0].eventId!)).toMatchObject({ type: 'FraudSuspected', subject: 'CARD-1', data: { key: 'CARD-1', windowStart: 0, windowEnd: 60000, count: 4, events: 4 } });
    const closes = s.stepsOf('window-close', 'fraud').map((x) => x.text);
    expect(closes).toEqual([
      'fraud closed the window [0 s, 60 s) of CARD-1 (its end has passed) and emits its final result: count 4 for CARD-1 in [0 s, 60 s) (4 events) → alerts',
      'fraud closed the window [0 s, 60 s) of CARD-2: count 1 for CARD-2 in [0 s, 60 s) (1 event) is not above 3, so nothing is emitted',
    ]);
    // Nothing is emitted while the window is open (no intermediate updates).
    const firstClose = s.trace.findIndex((x) => x.kind === 'window-close');
    expect(s.trace.slice(0, firstClose).some((x) => x.kind === 'publish' && x.node === 'fraud')).toBe(false);
  });
});

describe('[WN5] a stream-table join', () => {
  it('misses while the table has no row for the key, and joins once it has', () => {
    const s = sim(
      scenario([{ at: 1000, key: 'CARD-1' }, { at: 3000, key: 'CARD-1' }], { emitType: 'PaymentWithHolder', join: { table: 'cards', as: 'card' } }, { cards: [{ at: 2000, key: 'CARD-1', holder: 'Ada' }] }),
    ).run();
    const joins = s.stepsOf('join', 'fraud').map((x) => x.text);
    expect(joins[0]).toBe('fraud found no row for key CARD-1 in its table from cards, so the inner join drops PaymentMade evt-0 (key CARD-1): a stream-table join only sees rows the table already has when the event is processed (a miss)');
    expect(joins[1]).toContain('added the row for CARD-1 in its table from cards');
    expect(joins[2]).toBe('fraud joined with the row for CARD-1 from cards and sends the joined event on');
    expect(view(s).misses).toBe(1);
    expect(view(s).table).toEqual({ 'CARD-1': { holder: 'Ada' } });
    const out = s.stepsOf('publish', 'fraud');
    expect(out).toHaveLength(1);
    expect(s.engine.event(out[0].eventId!)).toMatchObject({ type: 'PaymentWithHolder', data: { card: { holder: 'Ada' }, amount: 10 } });
  });

  it('a left join goes on without a row, and a window counts the joined events', () => {
    const s = sim(scenario([{ at: 1000, key: 'CARD-1', amount: 5 }, { at: 3000, key: 'CARD-1', amount: 7 }], { join: { table: 'cards', mode: 'left' }, window: { sizeMs: 10000, aggregate: 'sum', field: 'data.amount' } }, { cards: [{ at: 2000, key: 'CARD-1', holder: 'Ada' }] })).run();
    expect(view(s).results.map((r) => r.value)).toEqual([12]);
    expect(s.stepsOf('window', 'fraud')[0].text).toContain('no row for CARD-1 in cards yet, so the left join goes on with table: null');
  });
});

describe('[WN6] a stream processor is deterministic and seekable', () => {
  it('seeking to any step equals a fresh run to it, with jitter reordering events', () => {
    const fires = Array.from({ length: 12 }, (_, i) => ({ at: i * 7000, key: `CARD-${i % 3}`, from: i % 2 ? 'mobile' : 'pos' }));
    const sc = scenario(fires, { join: { table: 'cards', mode: 'left' }, window: { sizeMs: 10000, graceMs: 1000 } }, { cards: [{ at: 0, key: 'CARD-1', holder: 'Ada' }] });
    sc.edges[1] = { ...sc.edges[1], jitterMs: 9000 } as (typeof sc.edges)[number];
    const r = restoreScenario(sc);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const e = createEngine(r.value, { seed: 5, checkpointEvery: 3 });
    e.runUntilIdle();
    const end = e.step;
    expect((e.view().nodes.fraud as StreamView).late.count).toBeGreaterThan(0);
    for (const k of [Math.floor(end / 2), 1, end, Math.floor(end / 3)]) {
      e.seek(k);
      const fresh = createEngine(r.value, { seed: 5 });
      fresh.stepForward(k);
      expect(e.view().nodes.fraud).toEqual(fresh.view().nodes.fraud);
    }
  });
});
