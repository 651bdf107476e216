// Property tests (fast-check) over random topologies and random learner sessions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createEngine, type Engine, type TraceStep } from './engine.ts';
import { restoreScenario, type Scenario } from './scenario.ts';

interface World {
  partitions: number;
  groups: { members: number; commit: 'after' | 'before' }[];
  keys: number;
  seed: number;
}
type Op = { op: 'fire'; key: number } | { op: 'keyless' } | { op: 'crash'; member: number } | { op: 'restart'; member: number } | { op: 'step'; n: number };

const worldArb: fc.Arbitrary<World> = fc.record({
  partitions: fc.integer({ min: 1, max: 4 }),
  groups: fc.array(fc.record({ members: fc.integer({ min: 1, max: 3 }), commit: fc.constantFrom('after' as const, 'before' as const) }), { minLength: 1, maxLength: 3 }),
  keys: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('fire' as const), key: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'keyless' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('crash' as const), member: fc.integer({ min: 0, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('restart' as const), member: fc.integer({ min: 0, max: 8 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('step' as const), n: fc.integer({ min: 1, max: 12 }) }) },
);

function memberIds(w: World): string[] {
  return w.groups.flatMap((g, gi) => Array.from({ length: g.members }, (_, mi) => `g${gi}-m${mi}`));
}

function scenarioOf(w: World, commit?: 'after'): Scenario {
  const rules = [
    {
      on: '*',
      do: [
        { do: 'append', table: 'seen', key: { event: 'data.k' }, value: { event: 'id' } },
        { do: 'effect', name: 'handled', key: { event: 'id' } },
        { do: 'set', table: 'roll', key: { event: 'data.k' }, value: { event: 'data.r' } },
      ],
    },
  ];
  const raw = {
    format: 'eventfold/scenario',
    version: 1,
    seed: w.seed,
    nodes: [
      {
        id: 'p',
        kind: 'producer',
        config: {
          templates: [
            ...Array.from({ length: 4 }, (_, k) => ({ type: 'E', key: `key-${k % w.keys}`, data: { k: `key-${k % w.keys}`, n: '{n}', r: '{rand:1-1000000}' } })),
            { type: 'E', data: { k: 'none', n: '{n}', r: '{rand:1-1000000}' } },
          ],
        },
      },
      { id: 't', kind: 'topic', config: { partitions: w.partitions } },
      ...w.groups.flatMap((g, gi) =>
        Array.from({ length: g.members }, (_, mi) => ({
          id: `g${gi}-m${mi}`,
          kind: 'consumer',
          config: { group: `g${gi}`, commit: commit ?? g.commit, rules, processingMs: 3 + mi, sessionTimeoutMs: 20 },
        })),
      ),
    ],
    edges: [{ source: 'p', target: 't' }, ...memberIds(w).map((id) => ({ source: 't', target: id }))],
  };
  const r = restoreScenario(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

/** Plays the ops as a learner would: refused actions are simply not recorded. */
function play(e: Engine, w: World, ops: Op[]): void {
  const ids = memberIds(w);
  for (const o of ops) {
    if (o.op === 'fire') e.act({ kind: 'fire', node: 'p', template: o.key });
    else if (o.op === 'keyless') e.act({ kind: 'fire', node: 'p', template: 4 });
    else if (o.op === 'crash') e.act({ kind: 'crash', node: ids[o.member % ids.length] });
    else if (o.op === 'restart') e.act({ kind: 'restart', node: ids[o.member % ids.length] });
    else e.stepForward(o.n);
  }
}

/** Restarts every member that is down, then runs to the end. */
function settle(e: Engine, w: World): void {
  for (const id of memberIds(w)) {
    e.runUntilIdle(50_000);
    const v = e.view().nodes[id];
    if (v.kind === 'consumer' && !v.alive) e.act({ kind: 'restart', node: id });
  }
  e.runUntilIdle(50_000);
}

const runs = { numRuns: 120 };

describe('engine properties', () => {
  it('[K5] same scenario + seed + inputs → identical trace, also when replayed from the session', () => {
    fc.assert(
      fc.property(worldArb, fc.array(opArb, { maxLength: 30 }), (w, ops) => {
        const a = createEngine(scenarioOf(w));
        const b = createEngine(scenarioOf(w));
        play(a, w, ops);
        play(b, w, ops);
        a.runUntilIdle(50_000);
        b.runUntilIdle(50_000);
        expect(b.steps()).toEqual(a.steps());
        const { seed, inputs } = a.session();
        const replay = createEngine(scenarioOf(w), { seed, inputs });
        replay.runUntilIdle(50_000);
        expect(replay.steps()).toEqual(a.steps());
        expect(replay.view()).toEqual(a.view());
      }),
      runs,
    );
  });

  it('[T6] seek(k) then run to the end equals a straight run', () => {
    fc.assert(
      fc.property(worldArb, fc.array(opArb, { maxLength: 30 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }), (w, ops, where) => {
        const straight = createEngine(scenarioOf(w), { checkpointEvery: 8, maxCheckpoints: 4 });
        play(straight, w, ops);
        straight.runUntilIdle(50_000);
        const end = straight.step;
        const steps = straight.steps();
        const view = straight.view();
        for (const f of where) {
          straight.seek(Math.floor(f * end));
          expect(straight.step).toBe(Math.floor(f * end));
        }
        straight.seek(end + 10);
        expect(straight.step).toBe(end);
        expect(straight.steps()).toEqual(steps);
        expect(straight.view()).toEqual(view);
      }),
      runs,
    );
  });

  it('[P6] [G3] per-key order within a partition holds for every consumer (between rebalances)', () => {
    fc.assert(
      fc.property(worldArb, fc.array(opArb, { maxLength: 40 }), (w, ops) => {
        const e = createEngine(scenarioOf(w));
        play(e, w, ops);
        settle(e, w);
        const trace = e.steps();
        // A member's handles of one key between two rebalances of its group have rising offsets.
        const last = new Map<string, number>();
        for (const s of trace) {
          if (s.kind === 'rebalance') {
            const g = /group (\S+) rebalanced/.exec(s.text)![1];
            for (const k of [...last.keys()]) if (k.startsWith(`${g}-`)) last.delete(k);
          }
          if ((s.kind === 'handle' || s.kind === 'error') && s.key !== null) {
            const id = `${s.node}\u0000${s.key}`;
            const prev = last.get(id);
            if (prev !== undefined) expect(s.offset!).toBeGreaterThan(prev);
            last.set(id, s.offset!);
          }
        }
      }),
      runs,
    );
  });

  it('[C2] at-least-once: every appended event is handled by every group at least once', () => {
    fc.assert(
      fc.property(worldArb, fc.array(opArb, { maxLength: 40 }), (w, ops) => {
        const e = createEngine(scenarioOf(w, 'after'));
        play(e, w, ops);
        settle(e, w);
        const trace = e.steps();
        const appended = new Set(trace.filter((s) => s.kind === 'fire').map((s) => s.eventId!));
        w.groups.forEach((_, gi) => {
          const handled = new Set(trace.filter((s: TraceStep) => s.kind === 'handle' && s.node!.startsWith(`g${gi}-`)).map((s) => s.eventId!));
          for (const id of appended) expect(handled.has(id), `group g${gi} never handled ${id}`).toBe(true);
        });
        // Lag is zero everywhere once settled.
        const t = e.view().nodes.t;
        if (t.kind !== 'topic') throw new Error('not a topic');
        for (const p of t.partitions) for (const g of p.groups) expect(g.lag).toBe(0);
      }),
      runs,
    );
  });

  it('[C5] [K6] a member that is down delivers, handles and commits nothing', () => {
    fc.assert(
      fc.property(worldArb, fc.array(opArb, { maxLength: 40 }), (w, ops) => {
        const e = createEngine(scenarioOf(w));
        play(e, w, ops);
        settle(e, w);
        const down = new Set<string>();
        for (const s of e.steps()) {
          if (s.kind === 'crash') down.add(s.node!);
          else if (s.kind === 'restart') down.delete(s.node!);
          else if (s.kind === 'deliver' || s.kind === 'handle' || s.kind === 'commit' || s.kind === 'error') {
            expect(down.has(s.node!), `${s.node} acted while down at step ${s.seq}`).toBe(false);
          }
        }
      }),
      runs,
    );
  });

  it('[C3] at-most-once never handles an event twice in a group', () => {
    fc.assert(
      fc.property(worldArb, fc.array(opArb, { maxLength: 40 }), (w, ops) => {
        const allBefore = { ...w, groups: w.groups.map((g) => ({ ...g, commit: 'before' as const })) };
        const e = createEngine(scenarioOf(allBefore));
        play(e, allBefore, ops);
        settle(e, allBefore);
        const handles = e.steps().filter((s) => s.kind === 'handle');
        const seen = new Set<string>();
        for (const h of handles) {
          const id = `${h.node!.split('-')[0]}:${h.eventId}`;
          expect(seen.has(id), `${id} handled twice`).toBe(false);
          seen.add(id);
        }
      }),
      runs,
    );
  });
});
