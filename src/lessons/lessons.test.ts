// The lesson checks: CI solves every lesson. Every lesson parses; ids are unique; the index
// lists every folder exactly once; a lesson's start does not already satisfy its goals;
// its recorded solution satisfies every goal under its own seed and three others.
import { describe, expect, it } from 'vitest';
import { createEngine, restoreScenario, restoreSession, type Engine } from '../engine/index.ts';
import { buildCourse, getLesson, lessonSolutionInput, lessonStartInput, loadCourse } from './index.ts';
import { evaluateGoals, waitMet, type GoalResult } from './goals.ts';
import { describeLessonErrors, type StepWait } from './schema.ts';

const FILES = import.meta.glob<string>(['/lessons/index.json', '/lessons/*/*.md', '/lessons/*/*.json'], { query: '?raw', import: 'default', eager: true });
const OTHER_SEEDS = [2, 1234, 4_000_000_007];

/**
 * Runs a world that may never go idle (a poison message a queue hands out for ever) to the
 * end, or for ten logical minutes: far beyond any lesson's story, and a bounded test.
 */
function runOut(engine: Engine): void {
  engine.runUntil(10 * 60_000, 200_000);
}

/** Whether a `past` wait is met at some step before the end of the run (the playhead is put back where it was). */
function metLookingBack(wait: StepWait, engine: Engine): boolean {
  const end = engine.step;
  let met = false;
  for (let k = end - 1; k >= 0 && !met; k--) {
    engine.seek(k);
    met = waitMet(wait, [], engine);
  }
  engine.seek(end);
  return met;
}

function failing(results: GoalResult[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `✗ ${r.label} — ${r.detail}`)
    .join('\n');
}

describe('the course', () => {
  it('every lesson parses, with no error in any file', () => {
    const r = buildCourse(FILES);
    expect(r.ok ? '' : describeLessonErrors(r.errors)).toBe('');
  });

  it('lesson ids are unique', () => {
    const ids = loadCourse().lessons.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the index lists every lesson folder exactly once, in folder order', () => {
    const folders = [...new Set(Object.keys(FILES).map((p) => /lessons\/([^/]+)\//.exec(p)?.[1]).filter((f): f is string => !!f))].sort();
    const listed = loadCourse().chapters.flatMap((c) => c.lessons.map((l) => l.folder));
    expect(listed).toEqual(folders);
  });

  it('has at least 15 lessons', () => {
    expect(loadCourse().lessons.length).toBeGreaterThanOrEqual(15);
  });

  it('lesson 1 is short: at most 5 minutes, 4 goals, guided steps', () => {
    const first = loadCourse().lessons[0];
    expect(first.minutes).toBeLessThanOrEqual(5);
    expect(first.goals.length).toBeLessThanOrEqual(4);
    expect(first.steps.length).toBeGreaterThan(0);
  });

  it('getLesson finds lessons by id, and nothing for an unknown id', () => {
    expect(getLesson('fan-out')?.number).toBe(1);
    expect(getLesson('no-such-lesson')).toBeNull();
  });
});

describe.each(loadCourse().lessons.map((l) => [l.id, l] as const))('lesson %s', (_id, lesson) => {
  it('its start does not already satisfy its goals', () => {
    const engine = createEngine(lesson.start);
    runOut(engine);
    const results = evaluateGoals(lesson, engine);
    expect(results.every((r) => r.ok), 'the start, run to the end with no action, already completes the lesson').toBe(false);
  });

  it('when the solution edits the scenario, its actions alone on the start do not complete the lesson', () => {
    const edited = JSON.stringify(lessonStartInput(lesson)) !== JSON.stringify(lessonSolutionInput(lesson).scenario);
    if (!edited) return; // the fix is an action (deploy, rebuild, query), checked by the goals themselves
    const engine = createEngine(lesson.start, { seed: lesson.solution.seed, inputs: lesson.solution.inputs });
    runOut(engine);
    expect(evaluateGoals(lesson, engine).every((r) => r.ok), 'the edit the solution makes is not needed').toBe(false);
  });

  it.each([lesson.solution.seed, ...OTHER_SEEDS])('its solution satisfies every goal with seed %i', (seed) => {
    const engine = createEngine(lesson.solution.scenario, { seed, inputs: lesson.solution.inputs });
    engine.runUntilIdle(200_000);
    expect(engine.idle, 'the solution runs to the end').toBe(true);
    expect(failing(evaluateGoals(lesson, engine))).toBe('');
  });

  it('every guided step can be passed: its wait is met by the solution, or by the solution\'s actions on the unfixed start', () => {
    const solved = createEngine(lesson.solution.scenario, { seed: lesson.solution.seed, inputs: lesson.solution.inputs });
    solved.runUntilIdle(200_000);
    const broken = createEngine(lesson.start, { seed: lesson.solution.seed, inputs: lesson.solution.inputs });
    runOut(broken);
    const results = [evaluateGoals(lesson, solved), evaluateGoals(lesson, broken)];
    for (const step of lesson.steps) {
      if ('continue' in step.wait) continue;
      // A look into the past is met somewhere back along the run, as a learner drags the timeline.
      const met = 'past' in step.wait ? metLookingBack(step.wait, solved) || metLookingBack(step.wait, broken) : waitMet(step.wait, results[0], solved) || waitMet(step.wait, results[1], broken);
      expect(met, `step "${step.id}" waits for something that never happens`).toBe(true);
    }
  });

  it('its text is Markdown without raw HTML (rendered sanitized anyway)', () => {
    for (const text of [lesson.body, ...lesson.steps.map((s) => s.text), ...lesson.hints]) expect(text).not.toMatch(/<\/?[a-zA-Z][^>]*>/);
  });

  it('says what it models and what it simplifies, and has hints', () => {
    expect(lesson.models.length).toBeGreaterThan(40);
    expect(lesson.simplifies.length).toBeGreaterThan(40);
    expect(lesson.hints.length).toBeGreaterThan(0);
    expect(lesson.body.length).toBeGreaterThan(200);
  });
});

describe('what the UI loads', () => {
  it('every start and solution goes through the one door again (reset lesson, show solution)', () => {
    for (const l of loadCourse().lessons) {
      const s = restoreScenario(JSON.parse(JSON.stringify(lessonStartInput(l))));
      expect(s.ok ? '' : JSON.stringify(s.errors), l.id).toBe('');
      const sol = restoreSession(JSON.parse(JSON.stringify(lessonSolutionInput(l))));
      expect(sol.ok ? '' : JSON.stringify(sol.errors), l.id).toBe('');
    }
  });
});

// A lesson whose fix is an action rather than an edit (its solution keeps the start's
// scenario) still has something to fix: without that action, the rest of the solution's
// inputs do not complete it.
describe('fixes that are actions', () => {
  const fixes: [string, string[]][] = [
    ['projections-stale-reads', ['restart']],
    ['replay-rebuild', ['deploy', 'rebuild']],
  ];
  it('every lesson whose solution keeps the start scenario is listed here', () => {
    const unedited = loadCourse()
      .lessons.filter((l) => JSON.stringify(lessonStartInput(l)) === JSON.stringify(lessonSolutionInput(l).scenario))
      .map((l) => l.id);
    expect(unedited.sort()).toEqual(fixes.map(([id]) => id).sort());
  });
  it.each(fixes)('%s: without %j the lesson is not complete', (id, kinds) => {
    const lesson = getLesson(id)!;
    for (const kind of kinds) {
      const inputs = lesson.solution.inputs.filter((i) => i.kind !== kind);
      expect(inputs.length).toBeLessThan(lesson.solution.inputs.length);
      const engine = createEngine(lesson.start, { seed: lesson.solution.seed, inputs });
      runOut(engine);
      expect(evaluateGoals(lesson, engine).every((g) => g.ok), `${kind} is not needed`).toBe(false);
    }
  });
});

// What the lesson texts claim about other answers, checked: a lesson's goals accept every
// fix its text calls right and refuse the ones it calls wrong.
describe('other answers', () => {
  type Patch = (scenario: { nodes: { id: string; config: Record<string, unknown> }[]; edges: unknown[] }) => void;
  const consumer = (id: string, f: (c: Record<string, unknown>) => void): Patch => (s) => f(s.nodes.find((n) => n.id === id)!.config);
  const bind = (source: string, target: string, bindingKey: string): Patch => (s) => {
    (s.edges as { source: string; target: string; bindingKey?: string }[]).find((e) => e.source === source && e.target === target)!.bindingKey = bindingKey;
  };
  /** Lesson 32: `n` partitions and `n` Shipping members at the start's 60 ms each. */
  const scaleOut = (n: number): Patch => (s) => {
    s.nodes.find((x) => x.id === 'orders')!.config.partitions = n;
    const shipping = s.nodes.find((x) => x.id === 'shipping')!;
    shipping.config.processingMs = 60;
    for (let i = 2; i <= n; i++) {
      s.nodes.push({ ...JSON.parse(JSON.stringify(shipping)), id: `shipping-${i}`, label: `Shipping ${i}` });
      s.edges.push({ source: 'orders', target: `shipping-${i}` });
    }
  };
  const cases: [string, string, Patch, boolean][] = [
    ['idempotent-consumer', 'the version strategy', consumer('payment', (c) => (c.idempotency = 'version')), true],
    ['idempotent-consumer', 'processed ids saved in a separate step (the crash comes before the mark)', consumer('payment', (c) => (c.idempotency = 'processed-ids-separate')), false],
    ['idempotent-consumer', '"natural" with an increment and a card charge', consumer('payment', (c) => (c.idempotency = 'natural')), false],
    ['idempotent-consumer', 'a conditional update (compare-and-swap): charge only while paid[orderId] is missing', consumer('payment', (c) => {
      c.idempotency = 'none';
      c.rules = [{
        on: 'OrderPlaced',
        when: { op: 'missing', value: { state: 'paid', key: { event: 'data.orderId' } } },
        do: [
          { do: 'increment', table: 'charged', key: { event: 'data.customerId' }, by: { event: 'data.total' } },
          { do: 'effect', name: 'card charged', key: { event: 'data.orderId' } },
          { do: 'set', table: 'paid', key: { event: 'data.orderId' }, value: true },
        ],
      }];
    }), true],
    ['consumer-lag', 'three members for four partitions', (s) => {
      s.nodes = s.nodes.filter((n) => n.id !== 'analytics-4');
      s.edges = (s.edges as { target: string }[]).filter((e) => e.target !== 'analytics-4');
    }, false],
    ['consumer-lag', 'one member made faster', consumer('analytics-1', (c) => (c.processingMs = 10)), false],
    ['keys-and-order', 'one partition instead of keys', (s) => {
      s.nodes.find((n) => n.id === 'orders')!.config.partitions = 1;
    }, false],
    ['retries-dead-letters', 'retries without a dead-letter topic', consumer('payment', (c) => (c.deadLetter = null)), false],
    ['transactional-outbox', 'dual write with a longer publish delay', consumer('checkout', (c) => ((c.pattern = 'dual-write'), (c.publishDelayMs = 50))), false],
    ['broker-outage', 'an idempotent consumer instead of an idempotent producer (the copies stay in the log)', (s) => {
      consumer('checkout', (c) => (c.idempotent = false))(s);
      consumer('payment', (c) => (c.idempotency = 'processed-ids'))(s);
    }, false],
    ['network-partition', 'a second member without idempotency', (s) => ['payment-1', 'consumer-1'].forEach((id) => consumer(id, (c) => (c.idempotency = 'none'))(s)), false],
    ['network-partition', 'idempotency without a second member', (s) => {
      s.nodes = s.nodes.filter((n) => n.id !== 'consumer-1');
      s.edges = (s.edges as { target: string }[]).filter((e) => e.target !== 'consumer-1');
    }, false],
    ['network-partition', 'a second member, committing before handling instead', (s) => ['payment-1', 'consumer-1'].forEach((id) => consumer(id, (c) => ((c.idempotency = 'none'), (c.commit = 'before')))(s)), false],
    ['out-of-order', 'the processed-id table with last-write-wins', consumer('map', (c) => ((c.idempotency = 'processed-ids'), (c.rules = [{ on: 'DriverMoved', do: [{ do: 'set', table: 'position', key: { event: 'data.driverId' }, value: { event: 'data.km' } }] }]))), false],
    ['out-of-order', 'the version check per key (offsets) with last-write-wins', consumer('map', (c) => ((c.idempotency = 'version'), (c.rules = [{ on: 'DriverMoved', do: [{ do: 'set', table: 'position', key: { event: 'data.driverId' }, value: { event: 'data.km' } }] }]))), false],
    ['retry-ordering', 'no retries: one attempt, then skip', consumer('ledger', (c) => (c.retry = { maxAttempts: 1 })), false],
    ['saga-timeouts', 'a timeout shorter than a healthy charge (100 ms)', (s) => {
      (s.nodes.find((n) => n.id === 'order-saga')!.config.steps as { timeoutMs: number | null }[])[1].timeoutMs = 100;
    }, false],
    ['saga-timeouts', 'a timeout of 500 ms', (s) => {
      (s.nodes.find((n) => n.id === 'order-saga')!.config.steps as { timeoutMs: number | null }[])[1].timeoutMs = 500;
    }, true],
    ['hot-partition', 'no key: round robin', consumer('checkout', (c) => ((c.templates as { key: string | null }[])[0].key = null)), false],
    ['prefetch', 'prefetch 1 for Worker 1 only', consumer('worker-2', (c) => (c.prefetch = 10)), false],
    ['prefetch', 'prefetch 2 for both', (s) => ['worker-1', 'worker-2'].forEach((id) => consumer(id, (c) => (c.prefetch = 2))(s)), true],
    ['prefetch', 'a visibility timeout longer than the pile', (s) => {
      consumer('invoices', (c) => (c.visibilityTimeoutMs = 2000))(s);
      ['worker-1', 'worker-2'].forEach((id) => consumer(id, (c) => (c.prefetch = 10))(s));
    }, false],
    ['queue-dead-letters', 'a dead-letter queue after the first failed receive', consumer('emails', (c) => (c.maxReceiveCount = 1)), true],
    ['exchange-routing', 'the binding key order.eu.#', bind('orders', 'eu-orders', 'order.eu.#'), true],
    ['exchange-routing', 'the binding key # (everything)', bind('orders', 'eu-orders', '#'), false],
    ['exchange-routing', 'the binding key order.*', bind('orders', 'eu-orders', 'order.*'), false],
    ['dead-letter-exchange', 'binding parked with the key the dead letters carry', (s) => {
      consumer('payments', (c) => delete c.deadLetterRoutingKey)(s);
      bind('dlx', 'parked', 'payment.requested')(s);
    }, true],
    ['dead-letter-exchange', 'requeue instead of dead-lettering, with a delivery limit of 3', consumer('payments', (c) => ((c.onReject = 'requeue'), (c.maxReceiveCount = 3))), false],
    ['lag-alert', 'scaling out: 3 partitions and 3 members at 60 ms each', scaleOut(3), true],
    ['lag-alert', 'two members at 60 ms each (not enough)', scaleOut(2), false],
    ['lag-alert', 'the alert deleted, Shipping still slow', (s) => {
      consumer('shipping', (c) => (c.processingMs = 60))(s);
      delete (s as { alerts?: unknown }).alerts;
    }, false],
    ['lag-alert', 'the threshold raised to 100, Shipping still slow', (s) => {
      consumer('shipping', (c) => (c.processingMs = 60))(s);
      (s as unknown as { alerts: { threshold: number }[] }).alerts[0].threshold = 100;
    }, false],
    ['lag-alert', 'a "for" of 5 s, Shipping still slow', (s) => {
      consumer('shipping', (c) => (c.processingMs = 60))(s);
      (s as unknown as { alerts: { forMs: number }[] }).alerts[0].forMs = 5000;
    }, false],
  ];
  it.each(cases)('%s: %s', (id, _what, patch, completes) => {
    const lesson = getLesson(id)!;
    const raw = JSON.parse(JSON.stringify(lessonSolutionInput(lesson).scenario));
    patch(raw);
    const r = restoreScenario(raw);
    expect(r.ok ? '' : JSON.stringify(r.errors)).toBe('');
    if (!r.ok) return;
    const engine = createEngine(r.value, { seed: lesson.solution.seed, inputs: lesson.solution.inputs });
    engine.runUntilIdle(200_000);
    expect(evaluateGoals(lesson, engine).every((g) => g.ok)).toBe(completes);
  });
});
