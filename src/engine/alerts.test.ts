// Alerts ([AL1]–[AL6]): a metric of a node compared with a threshold after every step,
// pending while it holds, firing once it held for forMs, cleared when it stops holding.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { restoreScenario, type Scenario } from './scenario.ts';
import { Engine, type AlertStatus, type ConsumerView } from './engine.ts';

interface Opts {
  perSecond?: number;
  limit?: number;
  processingMs?: number;
  partitions?: number;
  alerts?: unknown[];
  consumer?: Record<string, unknown>;
  templates?: unknown[];
}

const ALERT = { node: 'shipping', metric: 'lag', op: 'gt', threshold: 10, forMs: 200 };

function raw(o: Opts = {}): Record<string, unknown> {
  return {
    format: 'eventfold/scenario',
    version: 1,
    seed: 3,
    nodes: [
      { id: 'checkout', kind: 'producer', config: { templates: o.templates ?? [{ type: 'OrderPlaced', key: 'ORD-{n}', data: { n: '{n}' } }], rate: { perSecond: o.perSecond ?? 50, limit: o.limit ?? 40 } } },
      { id: 'orders', kind: 'topic', config: { partitions: o.partitions ?? 1 } },
      { id: 'shipping', kind: 'consumer', config: { group: 'shipping', processingMs: o.processingMs ?? 60, rules: [{ on: '*', do: [{ do: 'increment', table: 'n', key: 'all', by: 1 }] }], ...o.consumer } },
    ],
    edges: [
      { source: 'checkout', target: 'orders' },
      { source: 'orders', target: 'shipping' },
    ],
    ...(o.alerts ? { alerts: o.alerts } : {}),
  };
}

function scenario(o: Opts = {}): Scenario {
  const r = restoreScenario(raw(o));
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return r.value;
}

const alertSteps = (e: Engine) => e.steps(0, e.step).filter((s) => s.kind === 'alert');

describe('alerts', () => {
  it('[AL1] alerts are optional: absent stays absent, and bad values are refused at their field', () => {
    const plain = restoreScenario(raw());
    expect(plain.ok && plain.value.alerts).toBe(undefined);
    const bad = (alert: Record<string, unknown>) => {
      const r = restoreScenario(raw({ alerts: [{ ...ALERT, ...alert }] }));
      return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
    };
    expect(bad({})).toEqual([]);
    expect(bad({ threshold: -1 })).toEqual(['alerts[0].threshold: must be at least 0']);
    expect(bad({ metric: 'cpu' })).toEqual(['alerts[0].metric: must be lag, latency, error-rate or under-replicated']);
    expect(bad({ node: 'nobody' })).toEqual(['alerts[0].node: no node has the id "nobody"']);
    expect(bad({ node: 'orders' })).toEqual(['alerts[0].node: "orders" is a topic: a lag alert watches a consumer or a projection']);
    expect(bad({ metric: 'error-rate', threshold: 150 })).toEqual(['alerts[0].threshold: an error rate is a percentage: at most 100']);
    expect(bad({ forMs: -5 })).toEqual(['alerts[0].forMs: must be at least 0']);
  });

  it('[AL2] a scenario without alerts is not watched; one with alerts is', () => {
    expect(new Engine(scenario()).watcher).toBe(null);
    expect(new Engine(scenario({ alerts: [ALERT] })).watcher).not.toBe(null);
  });

  it('[AL2][AL3] a lag alert fires once its condition held forMs, and clears when the consumer catches up', () => {
    const e = new Engine(scenario({ alerts: [ALERT] }));
    e.runUntilIdle();
    const steps = alertSteps(e);
    expect(steps.map((s) => [s.time, s.text.includes('fired') ? 'fired' : 'cleared'])).toEqual([
      [500, 'fired'],
      [1850, 'cleared'],
    ]);
    expect(steps[0].node).toBe('shipping');
    expect(steps[0].text).toContain('has been > 10 for 200 ms');
    // Without the `for`, it fires as soon as the lag passes 10.
    const eager = new Engine(scenario({ alerts: [{ ...ALERT, forMs: 0 }] }));
    eager.runUntilIdle();
    expect(alertSteps(eager)[0].time).toBe(300);
    // A consumer that keeps up never fires it.
    const fast = new Engine(scenario({ processingMs: 15, alerts: [ALERT] }));
    fast.runUntilIdle();
    expect(alertSteps(fast)).toEqual([]);
    expect(fast.view().alerts[0].state).toBe('ok');
  });

  it('[AL2] a condition that stops holding before forMs leaves the alert ok (pending, then ok again)', () => {
    // Lag passes 5 only briefly: 14 orders in 65 ms, 8 ms over each.
    const e = new Engine(scenario({ perSecond: 200, limit: 14, processingMs: 8, alerts: [{ ...ALERT, threshold: 5, forMs: 100 }] }));
    let sawPending = false;
    while (e.stepForward(1) > 0) if (e.view().alerts[0].state === 'pending') sawPending = true;
    expect(sawPending).toBe(true);
    expect(alertSteps(e)).toEqual([]);
    expect(e.view().alerts[0].state).toBe('ok');
  });

  it('[AL4] latency is handle time − event time of the latest handled event; error rate is failed attempts in the window', () => {
    const e = new Engine(scenario({ alerts: [{ node: 'shipping', metric: 'latency', op: 'gt', threshold: 300 }] }));
    e.runUntilIdle();
    const fired = alertSteps(e)[0];
    expect(fired.text).toMatch(/latency of shipping is \d+ ms/);
    // Every handle step's latency, from the events themselves: the first above 300 ms is where it fired.
    const over = e.steps(0, e.step).find((s) => s.kind === 'handle' && s.eventId !== null && s.time - Date.parse(e.event(s.eventId)!.time) + Date.parse('2026-01-01T00:00:00Z') > 300);
    expect(over).toBeDefined();
    expect(fired.time).toBe(over!.time);

    const poison = new Engine(
      scenario({
        limit: 10,
        processingMs: 5,
        templates: [{ type: 'OrderPlaced', key: 'ORD-{n}', data: { n: '{n}', bad: '{rand:0-1}' } }],
        consumer: { failWhen: { op: 'eq', left: { event: 'data.bad' }, right: 1 } },
        alerts: [{ node: 'shipping', metric: 'error-rate', op: 'gte', threshold: 50, windowMs: 100 }],
      }),
    );
    poison.runUntilIdle();
    const tried = poison.steps(0, poison.step).filter((s) => s.node === 'shipping' && (s.kind === 'handle' || s.kind === 'error'));
    expect(tried.some((s) => s.kind === 'error')).toBe(true);
    const first = alertSteps(poison)[0];
    expect(first.text).toContain('error rate of shipping');
    // At the firing step, at least half of the attempts in the last 100 ms failed.
    const window = tried.filter((s) => s.time > first.time - 100 && s.time <= first.time);
    expect(window.filter((s) => s.kind === 'error').length * 2).toBeGreaterThanOrEqual(window.length);
  });

  it('[AL5] the view after a seek equals the view of a fresh run to that step', () => {
    const s = scenario({ alerts: [ALERT, { node: 'shipping', metric: 'latency', op: 'gt', threshold: 200, forMs: 50 }] });
    const e = new Engine(s, { checkpointEvery: 16 });
    e.runUntilIdle();
    const end = e.step;
    for (const at of [0, 30, 47, 48, 90, 132, 133, end]) {
      e.seek(at);
      const fresh = new Engine(s);
      fresh.runUntil(Infinity, at);
      expect(e.view().alerts, `at step ${at}`).toEqual(fresh.view().alerts);
    }
  });

  it('[AL2][AL3][AL5] property: firing at step i iff the condition held at every step for forMs (naive recomputation from the views)', () => {
    fc.assert(
      fc.property(
        fc.record({
          perSecond: fc.integer({ min: 5, max: 120 }),
          limit: fc.integer({ min: 1, max: 30 }),
          processingMs: fc.integer({ min: 0, max: 90 }),
          partitions: fc.integer({ min: 1, max: 3 }),
          threshold: fc.integer({ min: 0, max: 12 }),
          forMs: fc.integer({ min: 0, max: 300 }),
          op: fc.constantFrom('gt', 'gte', 'lt', 'lte'),
        }),
        (p) => {
          const s = scenario({ ...p, alerts: [{ node: 'shipping', metric: 'lag', op: p.op, threshold: p.threshold, forMs: p.forMs }] });
          const e = new Engine(s);
          const holds = (lag: number) => (p.op === 'gt' ? lag > p.threshold : p.op === 'gte' ? lag >= p.threshold : p.op === 'lt' ? lag < p.threshold : lag <= p.threshold);
          const lagNow = () => (e.view().nodes.shipping as ConsumerView).groupLag;
          // Naive machine: ok / pending (since a time) / firing / clearing (firing, a clear due now).
          let st: 'ok' | 'pending' | 'firing' | 'clearing' = holds(lagNow()) ? 'pending' : 'ok';
          let start = 0;
          let clearAt = 0;
          const seen: AlertStatus['state'][] = [e.view().alerts[0].state];
          const shown = () => (st === 'clearing' ? 'firing' : st);
          expect(seen[0]).toBe(shown());
          for (let i = 0; i < 2000 && e.stepForward(1) > 0; i++) {
            const step = e.steps(e.step - 1, e.step)[0];
            if (step.kind === 'alert') {
              if (step.text.includes('" fired')) {
                expect(st).toBe('pending');
                expect(step.time).toBe(start + p.forMs);
                st = 'firing';
              } else {
                expect(st).toBe('clearing');
                expect(step.time).toBe(clearAt);
                st = 'ok';
              }
            } else {
              if (st === 'pending') expect(step.time, 'it should have fired by now').toBeLessThanOrEqual(start + p.forMs);
              if (st === 'clearing') expect(step.time, 'it should have cleared by now').toBeLessThanOrEqual(clearAt);
            }
            const c = holds(lagNow());
            if (st === 'ok' && c) {
              st = 'pending';
              start = step.time;
            } else if (st === 'pending' && !c) st = 'ok';
            else if (st === 'firing' && !c) {
              st = 'clearing';
              clearAt = step.time;
            } else if (st === 'clearing' && c) st = 'firing';
            const v = e.view().alerts[0];
            expect(v.state, `after step ${e.step}`).toBe(shown());
            seen.push(v.state);
          }
          if (e.idle) expect(['ok', 'firing']).toContain(st);
          // Seeking back anywhere shows the same state as when the run passed there.
          for (const at of [0, Math.floor(e.step / 3), Math.floor(e.step / 2), e.step]) {
            e.seek(at);
            expect(e.view().alerts[0].state).toBe(seen[at]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
