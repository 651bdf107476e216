// Goal kinds, each evaluated on one run: what holds, what it says, and where to jump.
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { createEngine, restoreScenario, restoreSession } from '../engine/index.ts';
import type { Session } from '../engine/index.ts';
import fanOut from '../examples/fan-out.json';
import keyedCrash from '../examples/keyed-crash.session.json';
import orderSaga from '../examples/order-saga.json';
import { allHold, evaluateGoals, goalText, waitMet } from './goals.ts';
import { completed, lessonStatus } from './progress.ts';
import { GoalSchema, type Goal } from './schema.ts';

const goal = (g: unknown): Goal => v.parse(GoalSchema, g);
function fanOutRun(fires = 1) {
  const r = restoreScenario(fanOut);
  if (!r.ok) throw new Error('fan-out refused');
  const e = createEngine(r.value);
  for (let i = 0; i < fires; i++) e.act({ kind: 'fire', node: 'checkout' });
  e.runUntilIdle();
  const solution: Session = { format: 'eventfold/session', version: 1, scenario: r.value, seed: r.value.seed, inputs: e.session().inputs, step: e.step };
  return { engine: e, solution };
}
function check(g: unknown, fires = 1) {
  const { engine, solution } = fanOutRun(fires);
  return evaluateGoals({ goals: [goal(g)], solution }, engine)[0];
}

describe('graph goals', () => {
  it('count nodes matching a selector, by kind, config and connection', () => {
    expect(check({ kind: 'graph', label: 'x', exists: { kind: 'consumer', from: { id: 'orders' } }, atLeast: 3 })).toMatchObject({ ok: true, detail: 'found 3: Inventory, Payment, Notification' });
    expect(check({ kind: 'graph', label: 'x', exists: { kind: 'consumer', from: { id: 'orders' } }, atLeast: 4 })).toMatchObject({ ok: false });
    expect(check({ kind: 'graph', label: 'x', exists: { id: 'orders', config: { partitions: 3 } } }).ok).toBe(true);
    expect(check({ kind: 'graph', label: 'x', exists: { kind: 'consumer' }, every: { config: { commit: 'after' } } }).ok).toBe(true);
    expect(check({ kind: 'graph', label: 'x', exists: { kind: 'consumer' }, every: { config: { commit: 'before' } } })).toMatchObject({ ok: false, detail: expect.stringMatching(/not as required: Inventory, Payment, Notification/) });
  });
  it('find a path through connected nodes', () => {
    expect(check({ kind: 'graph', label: 'x', path: ['checkout', 'orders', { kind: 'consumer', label: 'payment' }] }).ok).toBe(true);
    expect(check({ kind: 'graph', label: 'x', path: ['checkout', 'payment'] })).toMatchObject({ ok: false, detail: 'broken after node "checkout"' });
  });
});

describe('trace goals', () => {
  it('count matching steps, and point at the step where the count was reached', () => {
    const r = check({ kind: 'trace', label: 'x', match: { kind: 'handle', eventType: 'OrderPlaced' }, distinct: 'node', atLeast: 3 });
    expect(r).toMatchObject({ ok: true, detail: '3 different nodes (inventory, notification, payment)' });
    expect(typeof r.step).toBe('number');
  });
  it('at most: points at the first step over the limit', () => {
    const r = check({ kind: 'trace', label: 'x', match: { kind: 'fire' }, atMost: 1 }, 2);
    expect(r.ok).toBe(false);
    expect(r.detail).toBe('2 matching steps');
    expect(r.step).toBeGreaterThan(0);
  });
  it('per conversation: one correlation id must satisfy it', () => {
    expect(check({ kind: 'trace', label: 'x', match: { kind: 'handle' }, distinct: 'node', perConversation: true, atLeast: 3 }, 2)).toMatchObject({ ok: true, detail: expect.stringMatching(/^conversation evt-0: 3 different nodes/) });
    expect(check({ kind: 'trace', label: 'x', match: { kind: 'handle' }, perConversation: true, atLeast: 4 }, 2)).toMatchObject({ ok: false, detail: expect.stringMatching(/comes closest: 3 matching steps/) });
  });
});

describe('invariant goals', () => {
  const session = restoreSession(keyedCrash);
  if (!session.ok) throw new Error('keyed-crash refused');
  const run = () => {
    const e = createEngine(session.value.scenario, { seed: session.value.seed, inputs: session.value.inputs });
    e.runUntilIdle();
    return e;
  };
  it('say where an invariant the scenario does not declare broke, with the step to jump to', () => {
    const e = run();
    const [broke, held] = evaluateGoals(
      {
        goals: [
          goal({ kind: 'invariant', label: 'x', invariant: { kind: 'at-most-once', node: { kind: 'consumer' }, effect: 'status email sent' } }),
          goal({ kind: 'invariant', label: 'y', invariant: { kind: 'no-loss', node: { kind: 'consumer' } } }),
        ],
        solution: session.value,
      },
      e,
    );
    expect(broke.ok).toBe(false);
    expect(broke.detail).toMatch(/^broke at step \d+: "status email sent" happened 2 times/);
    expect(e.describeStep(broke.step!).kind).toBe('handle');
    expect(held).toMatchObject({ ok: true });
  });
  it('expect "broke" holds when the invariant broke', () => {
    const [r] = evaluateGoals({ goals: [goal({ kind: 'invariant', label: 'x', expect: 'broke', invariant: { kind: 'at-most-once', node: 'fulfilment-1', effect: 'status email sent' } })], solution: session.value }, run());
    expect(r.ok).toBe(true);
  });
  it('a check made only when idle is not yet satisfied mid-run', () => {
    const e = createEngine(session.value.scenario, { seed: session.value.seed, inputs: session.value.inputs });
    e.stepForward(10);
    const [r] = evaluateGoals({ goals: [goal({ kind: 'invariant', label: 'x', invariant: { kind: 'fold', node: 'fulfilment-1' } })], solution: session.value }, e);
    expect(r).toMatchObject({ ok: false, detail: 'checked when nothing is left to do: run to the end' });
  });
});

describe('metric goals', () => {
  it('read a value, a sum or a count from a node view', () => {
    expect(check({ kind: 'metric', label: 'x', node: 'payment', path: ['state', 'charged', 'cus-678'], op: 'eq', value: 199.98 }, 2)).toMatchObject({ ok: true, detail: '199.98' });
    expect(check({ kind: 'metric', label: 'x', node: 'payment', path: ['effects', 'card charged'], of: 'count', op: 'eq', value: 2 }, 2).ok).toBe(true);
    expect(check({ kind: 'metric', label: 'x', node: 'payment', path: ['effects', 'card charged'], of: 'sum', op: 'gte', value: 3 }, 2)).toMatchObject({ ok: false, detail: '2' });
    expect(check({ kind: 'metric', label: 'x', node: 'orders', path: ['lag', 'payment'], op: 'eq', value: 0 }).ok).toBe(true);
    expect(check({ kind: 'metric', label: 'x', node: 'nobody', path: ['x'], op: 'eq', value: 0 })).toMatchObject({ ok: false, detail: 'no node "nobody"' });
  });
});

describe('a saga\'s steps left undone', () => {
  // The payment of the second order (250) is declined: the saga compensates what it did.
  function sagaRun(withoutFirstCompensation: boolean) {
    const raw = JSON.parse(JSON.stringify(orderSaga));
    if (withoutFirstCompensation) raw.nodes.find((n: { id: string }) => n.id === 'order-saga').config.steps[0].compensation = null;
    const r = restoreScenario(raw);
    if (!r.ok) throw new Error('order-saga refused');
    const e = createEngine(r.value);
    e.act({ kind: 'fire', node: 'shop', template: 0 });
    e.runUntilIdle();
    e.act({ kind: 'fire', node: 'shop', template: 1 });
    e.runUntilIdle();
    const solution: Session = { format: 'eventfold/session', version: 1, scenario: r.value, seed: r.value.seed, inputs: e.session().inputs, step: e.step };
    return { e, solution };
  }
  const fully = goal({ kind: 'metric', label: 'fully compensated', node: 'order-saga', path: ['notUndone'], op: 'eq', value: {} });
  it('a compensated saga that undid every step it did has nothing left undone', () => {
    const { e, solution } = sagaRun(false);
    expect(evaluateGoals({ goals: [fully], solution }, e)[0]).toMatchObject({ ok: true, detail: '{}' });
  });
  it('a step without a compensation is skipped by the engine, and named as not undone', () => {
    const { e, solution } = sagaRun(true);
    // The engine calls the instance compensated (nothing it could send) …
    const settled = goal({ kind: 'invariant', label: 'settled', invariant: { kind: 'saga-settled', node: 'order-saga' } });
    const [held, left] = evaluateGoals({ goals: [settled, fully], solution }, e);
    expect(held.ok).toBe(true);
    // … but the stock it reserved was never released.
    expect(left.ok).toBe(false);
    expect(left.detail).toMatch(/^\{"evt-\d+":\["reserve stock"\]\}$/);
  });
});

describe('equivalent goals', () => {
  it('compare observable outcomes with the reference solution run on the same seed', () => {
    const { solution } = fanOutRun(2);
    const same = fanOutRun(2).engine;
    const fewer = fanOutRun(1).engine;
    const g = goal({ kind: 'equivalent', label: 'x', compare: ['effects', 'state'] });
    expect(evaluateGoals({ goals: [g], solution }, same)[0]).toMatchObject({ ok: true });
    expect(evaluateGoals({ goals: [g], solution }, fewer)[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/differ at/) });
  });
});

describe('all, any, not', () => {
  const yes = { kind: 'trace', label: 'fired', match: { kind: 'fire' }, atLeast: 1 };
  const no = { kind: 'trace', label: 'crashed', match: { kind: 'crash' }, atLeast: 1 };
  it('combine goals and keep the children', () => {
    expect(check({ kind: 'all', label: 'x', of: [yes, no] })).toMatchObject({ ok: false, detail: '1 of 2 hold' });
    expect(check({ kind: 'any', label: 'x', of: [yes, no] }).ok).toBe(true);
    const not = check({ kind: 'not', label: 'x', goal: no });
    expect(not.ok).toBe(true);
    expect(not.children?.[0].label).toBe('crashed');
  });
  it('allHold needs every goal', () => {
    const { engine, solution } = fanOutRun();
    expect(allHold(evaluateGoals({ goals: [goal(yes)], solution }, engine))).toBe(true);
    expect(allHold(evaluateGoals({ goals: [goal(yes), goal(no)], solution }, engine))).toBe(false);
  });
});

describe('goalText says exactly what is checked', () => {
  it.each([
    [{ kind: 'graph', label: 'x', exists: { kind: 'consumer', from: { id: 'orders' } }, atLeast: 3 }, 'the graph has at least 3 × consumer fed by node "orders"'],
    [{ kind: 'trace', label: 'x', match: { kind: 'handle', eventType: 'OrderPlaced' }, distinct: 'node', atLeast: 3 }, 'at least 3 different nodes in handle steps about OrderPlaced'],
    [{ kind: 'trace', label: 'x', match: { kind: 'reappear' }, atMost: 0 }, 'at most 0 reappear steps'],
    [{ kind: 'invariant', label: 'x', invariant: { kind: 'no-loss', node: 'payment' } }, 'holds for the whole run: node "payment": no event is lost'],
    [{ kind: 'metric', label: 'x', node: 'payment', path: ['effects', 'card charged'], of: 'count', op: 'gte', value: 2 }, 'count of effects › card charged of node "payment" ≥ 2'],
  ])('%j', (g, text) => {
    expect(goalText(goal(g))).toBe(text);
  });
});

describe('guided step waits', () => {
  it('wait for a goal by id, a trace step, or Continue', () => {
    const { engine, solution } = fanOutRun();
    const goals = [goal({ id: 'fired', kind: 'trace', label: 'fired', match: { kind: 'fire' }, atLeast: 1 }), goal({ kind: 'not', label: 'n', goal: { id: 'crashed', kind: 'trace', label: 'c', match: { kind: 'crash' }, atLeast: 1 } })];
    const results = evaluateGoals({ goals, solution }, engine);
    expect(waitMet({ goal: 'fired' }, results, engine)).toBe(true);
    expect(waitMet({ goal: 'crashed' }, results, engine)).toBe(false);
    expect(waitMet({ trace: { kind: ['handle'], eventType: 'OrderPlaced' } }, results, engine)).toBe(true);
    expect(waitMet({ trace: { kind: ['crash'] } }, results, engine)).toBe(false);
    expect(waitMet({ continue: true }, results, engine)).toBe(false);
  });
  it('a wait for the past is met only while the playhead is back at a step where its goal holds', () => {
    const { engine, solution } = fanOutRun(2);
    const once = goal({ kind: 'metric', label: 'one order handled', node: 'payment', path: ['effects', 'card charged'], of: 'count', op: 'eq', value: 1 });
    const results = evaluateGoals({ goals: [], solution }, engine);
    // At the end two orders were handled: the goal does not hold, and this is the present anyway.
    expect(waitMet({ past: once }, results, engine)).toBe(false);
    // Back to where the first order had been charged and the second not yet.
    const charged = () => {
      const v = engine.view().nodes.payment;
      return v.kind === 'consumer' ? Object.keys(v.effects['card charged'] ?? {}).length : -1;
    };
    const end = engine.step;
    let at = -1;
    for (let k = 0; k < end && at < 0; k++) {
      engine.seek(k);
      if (charged() === 1) at = k;
    }
    expect(at).toBeGreaterThan(0);
    engine.seek(at);
    expect(waitMet({ past: once }, results, engine)).toBe(true);
    // Earlier, before the first charge, it does not hold.
    engine.seek(at - 1);
    expect(waitMet({ past: once }, results, engine)).toBe(false);
    // The same state at the end of a run is the present, not the past.
    const { engine: short } = fanOutRun(1);
    expect(waitMet({ past: once }, [], short)).toBe(false);
  });
});

describe('equivalence matches nodes by id, then label, then the only one of a kind', () => {
  it('a learner who rebuilt Payment under another id still matches', () => {
    const { solution } = fanOutRun(1);
    const renamed = JSON.parse(JSON.stringify(fanOut));
    renamed.nodes.find((n: { id: string }) => n.id === 'payment').id = 'consumer-7';
    renamed.edges.find((e: { target: string }) => e.target === 'payment').target = 'consumer-7';
    const r = restoreScenario(renamed);
    if (!r.ok) throw new Error('refused');
    const e = createEngine(r.value);
    e.act({ kind: 'fire', node: 'checkout' });
    e.runUntilIdle();
    expect(evaluateGoals({ goals: [goal({ kind: 'equivalent', label: 'x', compare: ['effects', 'state'] })], solution }, e)[0]).toMatchObject({ ok: true });
  });
});

describe('progress', () => {
  it('is keyed by id and says when a finished lesson was updated since', () => {
    const lesson = { id: 'fan-out', version: 2 };
    expect(lessonStatus(lesson, undefined)).toBe('not-started');
    expect(lessonStatus(lesson, { id: 'fan-out', version: 2, state: 'in-progress', withHelp: false, hintsShown: 1, step: 'add' })).toBe('in-progress');
    expect(lessonStatus(lesson, completed(lesson, undefined, false))).toBe('done');
    expect(lessonStatus(lesson, completed({ id: 'fan-out', version: 1 }, undefined, false))).toBe('updated');
    expect(lessonStatus(lesson, { ...completed(lesson, undefined, false), id: 'other' })).toBe('not-started');
  });
  it('remembers help, and a later own finish clears it', () => {
    const lesson = { id: 'fan-out', version: 1 };
    const helped = completed(lesson, undefined, true);
    expect(helped.withHelp).toBe(true);
    expect(completed(lesson, helped, false).withHelp).toBe(false);
    expect(completed(lesson, completed(lesson, undefined, false), true).withHelp).toBe(false);
  });
});
