// Property tests for the fault model: idempotent consumers absorb any duplicates, crashes and
// redeliveries; without idempotency, fast-check finds a counterexample and we show it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createEngine, PROCESSED_TABLE, VERSIONS_TABLE, type Engine } from './engine.ts';
import { restoreScenario, type Scenario } from './scenario.ts';
import type { CrashPoint } from './inputs.ts';

type Mode = 'none' | 'processed-ids' | 'version';
type Op =
  | { op: 'fire'; key: number }
  | { op: 'duplicate'; event: number }
  | { op: 'crash'; member: number; point: CrashPoint }
  | { op: 'restart'; member: number }
  | { op: 'redeliver'; member: number; count: number }
  | { op: 'step'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('fire' as const), key: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate' as const), event: fc.integer({ min: 0, max: 20 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('crash' as const), member: fc.integer({ min: 0, max: 1 }), point: fc.constantFrom<CrashPoint>('now', 'before-handle', 'after-effects', 'after-save') }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restart' as const), member: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('redeliver' as const), member: fc.integer({ min: 0, max: 1 }), count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('step' as const), n: fc.integer({ min: 1, max: 8 }) }) },
);

function scenario(mode: Mode, partitions: number, members: number): Scenario {
  const rules = [
    {
      on: '*',
      do: [
        { do: 'increment', table: 'total', key: { event: 'key' }, by: { event: 'data.amount' } },
        { do: 'append', table: 'history', key: { event: 'key' }, value: { event: 'data.n' } },
      ],
    },
  ];
  const ids = Array.from({ length: members }, (_, i) => `m${i}`);
  const r = restoreScenario({
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'p', kind: 'producer', config: { templates: [0, 1, 2].map((k) => ({ type: 'E', key: `k${k}`, data: { amount: 10 + k, n: '{n}' } })) } },
      { id: 't', kind: 'topic', config: { partitions } },
      ...ids.map((id) => ({ id, kind: 'consumer', config: { group: 'g', idempotency: mode, rules, sessionTimeoutMs: 30 } })),
    ],
    edges: [{ source: 'p', target: 't' }, ...ids.map((id) => ({ source: 't', target: id }))],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

function play(e: Engine, ops: Op[], members: number): void {
  let fired = 0;
  for (const o of ops) {
    const m = `m${'member' in o ? o.member % members : 0}`;
    if (o.op === 'fire') fired += e.act({ kind: 'fire', node: 'p', template: o.key }).ok ? 1 : 0;
    else if (o.op === 'duplicate' && fired > 0) e.act({ kind: 'duplicate', node: 'm0', event: `evt-${o.event % fired}` });
    else if (o.op === 'crash') e.act({ kind: 'crash', node: m, point: o.point });
    else if (o.op === 'restart') e.act({ kind: 'restart', node: m });
    else if (o.op === 'redeliver') e.act({ kind: 'redeliver', node: m, count: o.count });
    else if (o.op === 'step') e.stepForward(o.n);
  }
}

/** Brings every member back, disarms pending crashes by letting them fire, and runs dry. */
function settle(e: Engine, members: number): void {
  for (let round = 0; round < 4; round++) {
    e.runUntilIdle(100_000);
    for (let i = 0; i < members; i++) {
      const v = e.view().nodes[`m${i}`];
      if (v.kind === 'consumer' && !v.alive) e.act({ kind: 'restart', node: `m${i}` });
    }
  }
  e.runUntilIdle(100_000);
}

function businessState(e: Engine): unknown {
  const v = e.view().nodes.m0;
  if (v.kind !== 'consumer') throw new Error('not a consumer');
  const { [PROCESSED_TABLE]: _p, [VERSIONS_TABLE]: _v, ...rest } = v.state;
  return rest;
}

function sameAsFaultFree(mode: Mode, partitions: number, members: number, ops: Op[]): boolean {
  const faulty = createEngine(scenario(mode, partitions, members));
  play(faulty, ops, members);
  settle(faulty, members);
  const clean = createEngine(scenario(mode, partitions, members));
  play(clean, ops.filter((o) => o.op === 'fire'), members);
  settle(clean, members);
  return JSON.stringify(businessState(faulty)) === JSON.stringify(businessState(clean));
}

const args = [fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.array(opArb, { maxLength: 30 })] as const;

describe('idempotency under faults', () => {
  for (const mode of ['processed-ids', 'version'] as const) {
    it(`[D2] [D3] ${mode}: any duplicates, crashes and redeliveries end in the fault-free state`, () => {
      fc.assert(
        fc.property(...args, (partitions, members, ops) => sameAsFaultFree(mode, partitions, members, ops)),
        { numRuns: 150 },
      );
    });
  }

  it('[D1] without idempotency the search finds a counterexample, shown as a short trace', () => {
    const result = fc.check(fc.property(...args, (partitions, members, ops) => sameAsFaultFree('none', partitions, members, ops)), { numRuns: 300, seed: 42 });
    expect(result.failed).toBe(true);
    const [partitions, members, ops] = result.counterexample!;
    // Shrinking leaves the essence: an event and one fault that delivers it twice.
    expect(ops.length).toBeLessThanOrEqual(4);
    const e = createEngine(scenario('none', partitions, members));
    play(e, ops, members);
    settle(e, members);
    const story = e.steps().filter((s) => s.kind !== 'rebalance' && s.kind !== 'deliver' && s.kind !== 'commit').map((s) => `${s.seq} ${s.kind}: ${s.text}`);
    // The trace shows one event applied twice: a handle, then a fault, then the same id again.
    expect(sameAsFaultFree('none', partitions, members, ops)).toBe(false);
    const ids = e.steps().filter((s) => s.kind === 'handle' || (s.kind === 'crash' && s.eventId)).map((s) => s.eventId);
    expect(new Set(ids).size).toBeLessThan(ids.length);
    console.info(`counterexample (${ops.length} ops: ${JSON.stringify(ops)}):\n${story.join('\n')}`);
  });
});
