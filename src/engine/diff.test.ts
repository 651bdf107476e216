// Fork and diff ([FD1]–[FD6]) on the examples a learner forks: the payments example (a card
// charged per order, the idempotency lesson) and the ledger (projections and state tables).
import { describe, expect, it } from 'vitest';
import type { Engine } from './engine.ts';
import { restoreScenario, type Scenario } from './scenario.ts';
import { diffRuns, engineOf, FIELDS_PER_NODE, type Run } from './diff.ts';
import type { Intent } from './inputs.ts';
import payments from '../examples/payments.json';
import ledger from '../examples/ledger.json';

function scenario(raw: unknown): Scenario {
  const r = restoreScenario(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

/** An engine as the app opens a session: time 0 applied, then to its step. */
const open = engineOf;
const runOf = (e: Engine, s: Scenario): Run => ({ scenario: s, seed: e.session().seed, inputs: e.session().inputs });

/** The original: two orders fired and handled, then run to the end. */
function original(): { run: Run; s: Scenario; e: Engine } {
  const s = scenario(payments);
  const e = open({ scenario: s, seed: s.seed, inputs: [] });
  e.act({ kind: 'fire', node: 'checkout' });
  e.runUntilIdle();
  e.act({ kind: 'fire', node: 'checkout' });
  e.runUntilIdle();
  return { run: runOf(e, s), s, e };
}

/** A fork at `step` of `run` with `intents` taken there, as the app does it ([FD1]). */
function fork(run: Run, step: number, ...intents: Intent[]): Run {
  const e = open(run, step);
  for (const i of intents) expect(e.act(i)).toEqual({ ok: true });
  return runOf(e, run.scenario);
}

describe('[FD1] [FD3] a fork and its first difference', () => {
  it('[FD1] a fork with nothing done on it has no difference from its original, at any step', () => {
    const { run, e } = original();
    for (const step of [0, 3, 5, e.step]) {
      const d = diffRuns(run, fork(run, step));
      expect(d.same).toBe(true);
      expect(d.first).toBeNull();
      expect(d.nodes).toEqual([]);
      expect(d.tables).toEqual([]);
      expect(d.kinds).toEqual([]);
      expect(d.effects).toEqual([{ node: 'payment', group: 'payment', effect: 'card charged', a: 2, b: 2, keys: [] }]);
    }
  });

  it('[FD3] a duplicate injected at step N differs first at N: the original goes on, the fork repeats a delivery', () => {
    const { run } = original();
    // Step 5: the first order is handled and committed; the second not fired yet.
    const d = diffRuns(run, fork(run, 5, { kind: 'duplicate', node: 'payment', event: 'evt-0' }));
    expect(d.first?.step).toBe(5);
    expect(d.first?.a).toMatchObject({ seq: 5, kind: 'fire', node: 'checkout' });
    expect(d.first?.b).toMatchObject({ seq: 5, kind: 'inject', node: 'payment', eventId: 'evt-0' });
    expect(d.first?.b?.text).toContain('You injected a duplicate');
    expect(d.same).toBe(false);
  });

  it('[FD1] [T3] acting on the fork drops the original inputs after the fork step: the second order is never fired there', () => {
    const { run } = original();
    const b = fork(run, 5, { kind: 'duplicate', node: 'payment', event: 'evt-0' });
    expect(run.inputs.map((i) => i.kind)).toEqual(['fire', 'fire']);
    expect(b.inputs.map((i) => `${i.kind}@${i.atStep}`)).toEqual(['fire@1', 'duplicate@5']);
  });

  it('[FD3] a run that is a prefix of the other differs first at the shorter length', () => {
    const { run, e } = original();
    const shorter: Run = { ...run, inputs: run.inputs.slice(0, 1) };
    const d = diffRuns(shorter, run);
    expect(d.length.a).toBe(5);
    expect(d.length.b).toBe(e.step);
    expect(d.first).toEqual({ step: 5, a: null, b: expect.objectContaining({ seq: 5, kind: 'fire' }) });
  });

  it('[FD3] steps are compared by what they say, event data included: the same words with another amount differ', () => {
    const { run } = original();
    // An edit of the template's amount: the same steps, the same words, other data.
    const s2 = scenario({ ...payments, nodes: payments.nodes.map((n) => (n.id === 'checkout' ? { ...n, config: { templates: [{ type: 'PaymentRequested', key: 'ORD-{n}', data: { orderId: 'ORD-{n}', amount: 45 } }] } } : n)) });
    const d = diffRuns(run, { ...run, scenario: s2 });
    // The fire at step 1 says the same words (type, key, partition), but its data differs.
    expect(d.first?.step).toBe(1);
    expect(d.first?.a?.text).toBe(d.first?.b?.text);
    expect(d.tables).toEqual([
      { node: 'payment', table: 'charged', key: 'ORD-1', a: 30, b: 45 },
      { node: 'payment', table: 'charged', key: 'ORD-2', a: 30, b: 45 },
    ]);
  });
});

describe('[FD4] [FD5] [FD6] what differs at the end', () => {
  it('[FD6] a duplicate at step 5 charges ORD-1 twice in the fork (and ORD-2 never: the second fire was dropped); the invariant breaks only there', () => {
    const { run } = original();
    // The fork plays to its end too: its duplicate is delivered and handled again.
    const d = diffRuns(run, fork(run, 5, { kind: 'duplicate', node: 'payment', event: 'evt-0' }));
    expect(d.finished).toEqual({ a: true, b: true });
    // The original fired twice; the fork fired once (acting dropped the second fire) and
    // handled ORD-1 twice.
    expect(d.effects).toEqual([{ node: 'payment', group: 'payment', effect: 'card charged', a: 2, b: 2, keys: [
      { key: 'ORD-1', a: 1, b: 2 },
      { key: 'ORD-2', a: 1, b: 0 },
    ] }]);
    expect(d.tables).toEqual([
      { node: 'payment', table: 'charged', key: 'ORD-1', a: 30, b: 60 },
      { node: 'payment', table: 'charged', key: 'ORD-2', a: 30 },
    ]);
    expect(d.invariants).toEqual([{ label: "each order's card is charged at most once", a: 'holding', b: 'broken', brokeAtA: null, brokeAtB: expect.any(Number) }]);
    expect(d.kinds).toEqual(expect.arrayContaining([{ kind: 'fire', a: 2, b: 1 }, { kind: 'inject', a: 0, b: 1 }]));
  });

  it('[FD6] a duplicate at the end of the run: 3 charges against 2 in total', () => {
    const { run, e } = original();
    const d = diffRuns(run, fork(run, e.step, { kind: 'duplicate', node: 'payment', event: 'evt-0' }));
    expect(d.first?.step).toBe(e.step);
    expect(d.first?.a).toBeNull();
    expect(d.effects).toEqual([{ node: 'payment', group: 'payment', effect: 'card charged', a: 2, b: 3, keys: [{ key: 'ORD-1', a: 1, b: 2 }] }]);
  });

  it('[FD4] node fields that differ name their path and both values; tables and effects are not repeated there', () => {
    const { run, e } = original();
    const d = diffRuns(run, fork(run, e.step, { kind: 'duplicate', node: 'payment', event: 'evt-0' }));
    const payment = d.nodes.find((n) => n.node === 'payment')!;
    expect(payment.only).toBeNull();
    expect(payment.fields).toEqual(expect.arrayContaining([{ path: 'handled', a: 2, b: 3 }, { path: 'metrics.processed', a: 2, b: 3 }]));
    expect(payment.fields.some((f) => f.path.startsWith('state') || f.path.startsWith('effects'))).toBe(false);
    expect(payment.fields.length).toBeLessThanOrEqual(FIELDS_PER_NODE);
    // The producer and the topic are the same in both.
    expect(d.nodes.map((n) => n.node)).toEqual(['payment']);
  });

  it('[FD2] at a chosen step both runs are compared after that many steps; before the fork step nothing differs', () => {
    const { run } = original();
    const b = fork(run, 5, { kind: 'duplicate', node: 'payment', event: 'evt-0' });
    const before = diffRuns(run, b, { at: 4 });
    expect(before.at).toEqual({ a: 4, b: 4 });
    expect(before.nodes).toEqual([]);
    expect(before.tables).toEqual([]);
    expect(before.first?.step).toBe(5); // the traces still differ later
    const after = diffRuns(run, b, { at: 8 });
    expect(after.at).toEqual({ a: 8, b: 8 });
    expect(after.nodes.length + after.tables.length).toBeGreaterThan(0);
    // Beyond a run's end: clamped to its length.
    const far = diffRuns(run, b, { at: 10_000 });
    expect(far.at).toEqual({ a: far.length.a, b: far.length.b });
  });

  it('[FD2] a run that does not end within maxSteps says so', () => {
    const { run } = original();
    const d = diffRuns(run, run, { maxSteps: 4 });
    expect(d.finished).toEqual({ a: false, b: false });
    expect(d.length).toEqual({ a: 4, b: 4 });
    expect(d.same).toBe(true);
  });

  it('[FD4] a node added on the fork by an edit is named as only in the fork', () => {
    const { run } = original();
    const s2 = scenario({ ...payments, nodes: [...payments.nodes, { id: 'audit', kind: 'topic', label: 'audit', position: { x: 0, y: 300 }, config: { partitions: 1 } }] });
    const d = diffRuns(run, { ...run, scenario: s2 });
    expect(d.nodes).toEqual([expect.objectContaining({ node: 'audit', kind: 'topic', only: 'b' })]);
    expect(d.first).toBeNull();
    expect(d.same).toBe(false);
  });

  it('[FD5] projections and consumer groups: each table row once, under the first member of its group', () => {
    const s = scenario(ledger);
    const e = open({ scenario: s, seed: s.seed, inputs: [] });
    const producer = s.nodes.find((n) => n.kind === 'producer')!.id;
    e.act({ kind: 'fire', node: producer });
    e.runUntilIdle();
    const run = runOf(e, s);
    const b = open(run, e.step);
    b.act({ kind: 'fire', node: producer });
    const d = diffRuns(run, runOf(b, s));
    expect(d.tables.length).toBeGreaterThan(0);
    const keys = d.tables.map((t) => `${t.node}/${t.table}/${t.key}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const t of d.tables) expect('a' in t || 'b' in t).toBe(true);
  });
});
