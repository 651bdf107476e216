// [H3] [H4] A consumer applies a counter rule straight to its group's store, skipping the rule
// interpreter (issue #11). Whatever happens around it (text rows that cannot be incremented,
// keyless events, retries that fail and then succeed, a key blocked behind a retry, processed
// ids and duplicates, crashes armed and not, checkpoints taken between writes and seeks back
// to them), a run must be step for step what the general interpreter gives: the same counter
// behind a `when` that always holds goes the general way.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createEngine, type Engine } from './engine.ts';
import { restoreScenario, type Scenario } from './scenario.ts';

type Op = { op: 'fire'; template: number } | { op: 'duplicate'; event: number } | { op: 'crash'; member: number; point: 'after-effects' | 'after-save' | null } | { op: 'restart'; member: number } | { op: 'step'; n: number };

const MEMBERS = ['a0', 'a1', 'b0'];

function scenario(general: boolean, by: number, seed: number): Scenario {
  const when = general ? { when: { op: 'exists', value: { event: 'type' } } } : {};
  const rules = [
    // A text row: a later increment of that key fails, and the general way must say why.
    { on: 'Spoil', do: [{ do: 'set', table: 'count', key: { event: 'key' }, value: 'seven' }] },
    // …and a fix, so a retried increment can succeed the second time.
    { on: 'Fix', do: [{ do: 'set', table: 'count', key: { event: 'key' }, value: 0 }] },
    { on: 'Tick', ...when, do: [{ do: 'increment', table: 'count', key: { event: 'key' }, by }] },
    { on: 'Untick', ...when, do: [{ do: 'decrement', table: 'count', key: { event: 'data.k' }, by }] },
    // A second table, counted between the first's counts (the fast path's table shortcut must follow the name).
    { on: 'Tock', ...when, do: [{ do: 'increment', table: 'tocks', key: { event: 'key' }, by }] },
  ];
  const r = restoreScenario({
    format: 'eventfold/scenario',
    version: 1,
    name: 'counters',
    seed,
    nodes: [
      {
        id: 'p',
        kind: 'producer',
        config: {
          templates: [
            { type: 'Tick', key: 'k{rand:0-3}' },
            { type: 'Tick' },
            { type: 'Untick', key: 'k{rand:0-3}', data: { k: 'k{rand:0-3}' } },
            { type: 'Untick', key: 'x', data: { k: { nested: true } } },
            { type: 'Spoil', key: 'k{rand:0-3}' },
            { type: 'Fix', key: 'k{rand:0-3}' },
            { type: 'Tock', key: 'k{rand:0-3}' },
          ],
          rate: { perSecond: 200, limit: 40 },
        },
      },
      { id: 't', kind: 'topic', config: { partitions: 2 } },
      ...MEMBERS.map((id) => ({
        id,
        kind: 'consumer',
        config: { group: id[0], rules, processingMs: 1, sessionTimeoutMs: 20, retry: { maxAttempts: 3, initialMs: 20, jitter: false }, ordering: id[0] === 'a' ? 'block-key' : 'skip', idempotency: id[0] === 'b' ? 'processed-ids' : 'none' },
      })),
    ],
    edges: [{ source: 'p', target: 't' }, ...MEMBERS.map((id) => ({ source: 't', target: id }))],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

function play(e: Engine, ops: Op[]): void {
  for (const o of ops) {
    if (o.op === 'fire') e.act({ kind: 'fire', node: 'p', template: o.template });
    else if (o.op === 'duplicate') e.act({ kind: 'duplicate', node: MEMBERS[o.event % MEMBERS.length], event: `evt-${o.event}` });
    else if (o.op === 'crash') e.act(o.point === null ? { kind: 'crash', node: MEMBERS[o.member] } : { kind: 'crash', node: MEMBERS[o.member], point: o.point });
    else if (o.op === 'restart') e.act({ kind: 'restart', node: MEMBERS[o.member] });
    else e.stepForward(o.n);
  }
  e.runUntilIdle(20_000);
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('fire' as const), template: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('crash' as const), member: fc.integer({ min: 0, max: 2 }), point: fc.constantFrom('after-effects' as const, 'after-save' as const, null) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restart' as const), member: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), event: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('step' as const), n: fc.integer({ min: 1, max: 15 }) }) },
);

describe('counters applied straight to the store', () => {
  it('[H3] [H4] give the general interpreter\'s run, step for step, and seek back to the same state', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, min: -10, max: 10 })), fc.integer({ min: 0, max: 2 ** 31 }), fc.array(opArb, { maxLength: 25 }), (by, seed, ops) => {
        const fast = createEngine(scenario(false, by, seed), { checkpointEvery: 8, maxCheckpoints: 6 });
        const general = createEngine(scenario(true, by, seed), { checkpointEvery: 8, maxCheckpoints: 6 });
        play(fast, ops);
        play(general, ops);
        // The steps name the rule they applied, condition and all: the `when` is not compared.
        const unconditional = general.steps().map((s) => ({ ...s, text: s.text.replaceAll(' when type is present', '') }));
        expect(fast.steps()).toEqual(unconditional);
        expect(fast.view()).toEqual(general.view());
        // Checkpoints share the store's tables until a row changes: seeking back must find
        // each one as it was, whichever way the row was written.
        for (const at of [Math.floor(fast.step / 3), Math.floor(fast.step / 2), 1]) {
          fast.seek(at);
          general.seek(at);
          expect(fast.view()).toEqual(general.view());
        }
      }),
      { numRuns: 150 },
    );
  });
});
