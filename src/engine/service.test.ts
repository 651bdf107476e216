// Services calling each other synchronously ([RR1]–[RR6]): slots, timeouts, the cascade a slow
// or down service causes, the circuit breaker, and the same flow with a topic in between.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { sim } from './testing/harness.ts';
import { restoreScenario } from './scenario.ts';
import { createEngine } from './engine.ts';
import { allow, settle, halfOpen, newBreaker, CLOSED, OPEN, HALF_OPEN, TRANSITIONS, type BreakerConfig } from './kinds/breaker.ts';
import type { ServiceView } from './kinds/service.ts';

interface Svc {
  processingMs?: number;
  concurrency?: number;
  timeoutMs?: number;
  breaker?: Partial<BreakerConfig> | null;
}

/** shop → checkout → payment (→ fraud), and optionally checkout → orders → emailer. */
function chain(o: { checkout?: Svc; payment?: Svc; fraud?: Svc | null; orders?: boolean; limit?: number; perSecond?: number; schedule?: unknown[] } = {}) {
  const fraud = o.fraud === undefined ? null : o.fraud;
  return {
    format: 'eventfold/scenario',
    version: 1,
    seed: 1,
    nodes: [
      { id: 'shop', kind: 'producer', config: { templates: [{ type: 'OrderPlaced', key: 'ORD-{n}', data: { orderId: 'ORD-{n}' } }], ...(o.limit ? { rate: { perSecond: o.perSecond ?? 20, limit: o.limit, template: 0 } } : {}) } },
      { id: 'checkout', kind: 'service', config: { processingMs: 5, concurrency: 2, timeoutMs: 100, ...o.checkout } },
      { id: 'payment', kind: 'service', config: { processingMs: 10, concurrency: 2, timeoutMs: 50, ...o.payment } },
      ...(fraud ? [{ id: 'fraud', kind: 'service', config: { processingMs: 10, concurrency: 2, ...fraud } }] : []),
      ...(o.orders ? [{ id: 'orders', kind: 'topic' }, { id: 'emailer', kind: 'consumer', config: { processingMs: 200, rules: [{ on: 'OrderPlaced', do: [{ do: 'increment', table: 'sent', key: 'emails', by: 1 }] }] } }] : []),
    ],
    edges: [
      { source: 'shop', target: 'checkout' },
      ...(o.orders ? [{ source: 'checkout', target: 'orders' }, { source: 'orders', target: 'emailer' }] : [{ source: 'checkout', target: 'payment' }]),
      ...(fraud ? [{ source: 'payment', target: 'fraud' }] : []),
    ],
    schedule: o.schedule ?? [],
  };
}

const view = (s: ReturnType<typeof sim>, id: string) => s.engine.view().nodes[id] as ServiceView;

/** How long an answered request held its slot, read from its answer: time since arrival minus time in line. */
function held(text: string): number {
  const m = /(\d+(?:\.\d+)?) ms after it arrived(?:, (\d+(?:\.\d+)?) ms of it waiting for a slot)?/.exec(text);
  if (!m) throw new Error(`not an answer: ${text}`);
  return Number(m[1]) - Number(m[2] ?? 0);
}

describe('[RR1] a producer is a service’s client', () => {
  it('each event it sends is a request: taken, worked on, answered; a request to a down service is lost', () => {
    const s = sim(chain()).fire('shop').run();
    expect(s.stepsOf('request', 'checkout')[0].text).toBe('checkout got OrderPlaced ORD-1 from a client and takes a slot (1 of 2 busy)');
    expect(s.stepsOf('reply', 'checkout').at(-1)!.text).toBe('checkout answered its client: OrderPlaced ORD-1 succeeded, 15 ms after it arrived');
    expect(view(s, 'checkout')).toMatchObject({ received: 1, ok: 1, failed: 0, inFlight: 0, latency: { last: 15, max: 15 } });
    s.crash('checkout').fire('shop').run();
    expect(s.stepsOf('request', 'checkout').at(-1)!.text).toBe('OrderPlaced ORD-2 reached checkout, but checkout is down: nobody answers it, and the order is lost');
    expect(view(s, 'checkout')).toMatchObject({ received: 2, ok: 1, lost: 1, alive: false });
  });

  it('an outage of the service makes its client retry, as for a topic', () => {
    const s = sim(chain()).act({ kind: 'outage', node: 'checkout', durationMs: 300 }).fire('shop').run();
    expect(s.stepsOf('send-failed', 'shop')[0].text).toContain('checkout is unavailable');
    expect(view(s, 'checkout')).toMatchObject({ ok: 1 });
  });
});

describe('[RR2] slots, lines and calls in turn', () => {
  it('a request holds its slot while it waits for each reply; the next waits in line', () => {
    const s = sim(chain({ checkout: { concurrency: 1 } })).fire('shop').fire('shop').run();
    expect(s.stepsOf('request', 'checkout')[1].text).toContain('but all 1 of its slots are busy, each held by a request waiting on something: it waits in line (1 waiting)');
    const replies = s.stepsOf('reply', 'checkout').filter((x) => x.text.startsWith('checkout answered'));
    // The second starts when the first answers: 15 ms, then 15 more.
    expect(replies.map((x) => x.time)).toEqual([15, 30]);
    expect(replies[1].text).toBe('checkout answered its client: OrderPlaced ORD-2 succeeded, 30 ms after it arrived, 15 ms of it waiting for a slot');
  });

  it('calls that loop back are refused at the connection, and a service takes no connection from a topic', () => {
    const loop = chain({ fraud: {} });
    loop.edges.push({ source: 'fraud', target: 'checkout' });
    const r = restoreScenario(loop);
    expect(!r.ok && r.errors.map((e) => e.path)).toEqual(['edges[1]', 'edges[2]', 'edges[3]']);
    expect(!r.ok && r.errors[2].message).toBe('fraud → checkout makes a loop of calls (checkout calls back to fraud): a request would wait on itself. Remove one of these connections');
    const t = chain({ orders: true });
    t.edges.push({ source: 'orders', target: 'checkout' });
    const u = restoreScenario(t);
    expect(!u.ok && u.errors[0].message).toBe('a service takes connections from a producer or a service, not from a topic');
    const bad = restoreScenario(chain({ checkout: { concurrency: 0, timeoutMs: -1 } }));
    expect(!bad.ok && bad.errors).toEqual([
      { path: 'nodes[1].config.concurrency', message: 'must be at least 1' },
      { path: 'nodes[1].config.timeoutMs', message: 'must be at least 1' },
    ]);
  });
});

describe('[RR3] a down or slow service cascades to its callers', () => {
  it('fraud down: payment times out, then checkout times out, and every order fails', () => {
    const s = sim(chain({ fraud: {}, limit: 4 })).crash('fraud').run();
    expect(s.stepsOf('request', 'fraud')[0].text).toBe("payment's call for OrderPlaced ORD-1 reached fraud, but fraud is down: no reply will come, and payment keeps waiting, holding its slot, until its timeout of 50 ms");
    expect(s.stepsOf('timeout', 'payment')[0].text).toBe('payment waited 50 ms for fraud and gave up on OrderPlaced ORD-1: its slot was held all that time, doing nothing');
    expect(view(s, 'payment')).toMatchObject({ ok: 0, failed: 4, timedOut: 4 });
    expect(view(s, 'checkout')).toMatchObject({ ok: 0, failed: 4 });
  });

  it('a slow callee: its late answer is wasted work, and the caller failed anyway', () => {
    const s = sim(chain({ payment: { processingMs: 150 } })).fire('shop').run();
    expect(s.stepsOf('timeout', 'checkout')).toHaveLength(1);
    expect(s.stepsOf('reply', 'checkout').some((x) => x.text === "payment's answer for OrderPlaced ORD-1 came back to checkout too late: checkout had already given up after 100 ms. The work payment did is wasted")).toBe(true);
    expect(view(s, 'payment')).toMatchObject({ ok: 1 });
    expect(view(s, 'checkout')).toMatchObject({ ok: 0, failed: 1, timedOut: 1 });
  });

  it('a cut between two services is a call that never arrives', () => {
    const s = sim(chain()).act({ kind: 'partition', node: 'checkout', from: 'payment', durationMs: 1000 }).fire('shop').run();
    expect(s.stepsOf('call', 'checkout')[0].text).toContain('but the network between checkout and payment is cut, so the call never arrives');
    expect(view(s, 'checkout')).toMatchObject({ failed: 1, timedOut: 1 });
  });

  it('property: no request holds a slot longer than its work plus one timeout per service it calls', () => {
    const svc = fc.record({ processingMs: fc.integer({ min: 0, max: 60 }), concurrency: fc.integer({ min: 1, max: 3 }), timeoutMs: fc.integer({ min: 1, max: 120 }) });
    fc.assert(
      fc.property(svc, svc, svc, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 5, max: 100 }), fc.option(fc.constantFrom('checkout', 'payment', 'fraud')), (c, p, f, limit, perSecond, down) => {
        const r = restoreScenario(chain({ checkout: c, payment: p, fraud: f, limit, perSecond }));
        if (!r.ok) throw new Error(JSON.stringify(r.errors));
        const e = createEngine(r.value);
        if (down) e.act({ kind: 'crash', node: down, restartAfterMs: 200 });
        e.runUntilIdle(20_000);
        expect(e.view().idle).toBe(true);
        const bound: Record<string, number> = { checkout: c.processingMs + c.timeoutMs, payment: p.processingMs + p.timeoutMs, fraud: f.processingMs };
        const steps = e.steps(0, e.step);
        for (const st of steps) {
          if (st.kind === 'reply' && st.text.startsWith(`${st.node} answered`)) expect(held(st.text)).toBeLessThanOrEqual(bound[st.node!] + 1e-6); // times print to the µs
        }
        // Every request is answered or lost: none is left holding a slot.
        for (const id of ['checkout', 'payment', 'fraud']) {
          const v = e.view().nodes[id] as ServiceView;
          expect(v.inFlight + v.waiting).toBe(0);
          expect(v.ok + v.failed + v.lost).toBe(v.received);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('[RR4] the circuit breaker', () => {
  const cfg: BreakerConfig = { failureThreshold: 2, openMs: 100, halfOpenTrials: 2 };

  it('opens after the threshold, fails fast, half-opens, and closes after its trial calls succeed', () => {
    // Fraud down for 300 ms; payment's breaker opens after 2 timeouts.
    const s = sim(chain({ fraud: {}, limit: 16, perSecond: 40, payment: { breaker: { failureThreshold: 2, openMs: 100, halfOpenTrials: 1 } } }))
      .act({ kind: 'crash', node: 'fraud', restartAfterMs: 300 })
      .run();
    const b = s.stepsOf('breaker', 'payment').map((x) => x.text);
    expect(b[0]).toBe("payment's breaker for fraud opens after 2 failures in a row: for 100 ms every call to fraud fails fast, without waiting, and fraud gets time to recover");
    expect(b[1]).toBe("payment's breaker for fraud half-opens after 100 ms: the next call goes through as a trial, the others still fail fast");
    expect(b.at(-1)).toBe("payment's breaker for fraud closes: the trial call succeeded, so calls go through again");
    const fast = s.stepsOf('call', 'payment').filter((x) => x.text.includes('fails fast'));
    expect(fast.length).toBeGreaterThan(0);
    expect(fast[0].text).toContain('its circuit breaker is open, so the call fails fast, at once, without waiting and without loading fraud');
    const v = view(s, 'payment');
    expect(v.calls[0].breaker).toBe('closed');
    expect(v.failedFast).toBe(fast.length);
    // Orders after the recovery succeed.
    expect(v.ok).toBeGreaterThan(0);
    // Fails fast: a failed-fast request answers in its processing time, not after a timeout.
    const reply = s.stepsOf('reply', 'payment').find((x) => x.text.includes('failed fast'))!;
    expect(held(reply.text)).toBe(10);
  });

  it('a failed trial opens it again', () => {
    const s = sim(chain({ fraud: {}, limit: 12, perSecond: 40, payment: { breaker: { failureThreshold: 1, openMs: 60, halfOpenTrials: 1 } } })).crash('fraud').run();
    const b = s.stepsOf('breaker', 'payment').map((x) => x.text);
    expect(b.slice(0, 3).map((t) => t.split(':')[0])).toEqual(["payment's breaker for fraud opens after 1 failure", "payment's breaker for fraud half-opens after 60 ms", "payment's breaker for fraud opens again"]);
  });

  it('property: for any outcomes, the state sequence follows the state machine and an open breaker lets nothing through', () => {
    const op = fc.oneof(fc.constant({ t: 'call' as const }), fc.record({ t: fc.constant('result' as const), ok: fc.boolean() }), fc.constant({ t: 'elapsed' as const }));
    const cfgArb = fc.record({ failureThreshold: fc.integer({ min: 1, max: 4 }), openMs: fc.constant(1), halfOpenTrials: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(cfgArb, fc.array(op, { maxLength: 80 }), (c, ops) => {
        const b = newBreaker();
        let inFlight = 0;
        let failuresInRow = 0;
        for (const o of ops) {
          const before = b.state;
          let to = -1;
          if (o.t === 'call') {
            const ok = allow(b, c);
            if (before === OPEN) expect(ok).toBe(false);
            if (before === CLOSED) expect(ok).toBe(true);
            if (ok) inFlight++;
          } else if (o.t === 'result') {
            if (inFlight === 0) continue;
            inFlight--;
            failuresInRow = o.ok ? 0 : failuresInRow + 1;
            to = settle(b, c, o.ok);
            if (before === CLOSED && to === OPEN) expect(failuresInRow).toBeGreaterThanOrEqual(c.failureThreshold);
          } else if (b.state === OPEN) {
            to = halfOpen(b);
          }
          if (to >= 0) expect(TRANSITIONS.some(([x, y]) => x === before && y === to)).toBe(true);
          else expect(b.state).toBe(before);
          if (to === OPEN || to === HALF_OPEN) failuresInRow = 0;
          // Half-open never lets more than its trials through.
          if (b.state === HALF_OPEN) expect(b.trials).toBeLessThanOrEqual(c.halfOpenTrials);
        }
      }),
      { numRuns: 300 },
    );
  });

  void cfg;

  it('lesson 34, as its text says: a breaker on Checkout ends the line of waiting orders, but they still fail', () => {
    const start = JSON.parse(readFileSync('lessons/36-sync-calls/start.json', 'utf8')) as { nodes: { id: string; config: Record<string, unknown> }[] };
    const plain = view(sim(start).run(), 'checkout');
    start.nodes.find((n) => n.id === 'checkout')!.config.breaker = { failureThreshold: 3, openMs: 500, halfOpenTrials: 1 };
    const s = sim(start).run();
    const guarded = view(s, 'checkout');
    expect(plain).toMatchObject({ ok: 0, failed: 10, failedFast: 0 });
    expect(guarded).toMatchObject({ ok: 0, failed: 10, timedOut: 4, failedFast: 6 });
    expect(guarded.latency.last).toBe(15);
    expect(plain.latency.max).toBeGreaterThan(400);
    expect(s.stepsOf('breaker', 'checkout')[0].text).toContain('opens after 3 failures in a row');
  });
});

describe('[RR5] the same flow with events', () => {
  it('checkout publishes and answers at once; the slow consumer lags, and catches up', () => {
    const s = sim(chain({ orders: true, limit: 6 }));
    // Part-way: checkout has answered every order, emailer is far behind.
    s.runUntilStep((x) => x.kind === 'reply' && x.text.includes('ORD-6 succeeded'));
    expect(view(s, 'checkout')).toMatchObject({ ok: 6, failed: 0, latency: { max: 5 } });
    expect(s.stepsOf('publish', 'checkout')[0].text).toBe('checkout published OrderPlaced evt-1 (key ORD-1) to orders and does not wait for anyone to handle it');
    expect(s.topic('orders').partitions[0].groups.find((g) => g.group === 'emailer')!.lag).toBeGreaterThan(3);
    s.run();
    expect(s.consumer('emailer').state.sent).toEqual({ emails: 6 });
  });
});

describe('[RR6] crash and restart', () => {
  it('a crash drops what it had in hand, its callers time out; restarted, it answers again', () => {
    const s = sim(chain({ payment: { processingMs: 40 } })).fire('shop');
    s.runUntilStep((x) => x.kind === 'request' && x.node === 'payment');
    s.crash('payment');
    expect(s.stepsOf('crash', 'payment')[0].text).toBe('payment went down with 1 request in hand: none will be answered, so whoever called it waits until its timeout');
    s.run();
    expect(view(s, 'checkout')).toMatchObject({ failed: 1, timedOut: 1 });
    expect(view(s, 'payment')).toMatchObject({ lost: 1, inFlight: 0 });
    s.restart('payment').fire('shop').run();
    expect(view(s, 'checkout')).toMatchObject({ ok: 1, failed: 1 });
    expect(s.engine.act({ kind: 'crash', node: 'payment', point: 'after-save' })).toEqual({ ok: false, reason: 'a service crashes now, not after-save' });
  });

  it('seeking back gives exactly the fresh run, breakers and lines included', () => {
    const s = sim(chain({ fraud: {}, limit: 10, perSecond: 40, payment: { breaker: { failureThreshold: 2, openMs: 100 } } })).act({ kind: 'crash', node: 'fraud', restartAfterMs: 250 }).run();
    const total = s.engine.step;
    for (const at of [3, Math.floor(total / 3), Math.floor(total / 2), total - 2]) {
      s.seek(at);
      const seen = JSON.stringify(s.engine.view().nodes);
      const fresh = sim(chain({ fraud: {}, limit: 10, perSecond: 40, payment: { breaker: { failureThreshold: 2, openMs: 100 } } })).act({ kind: 'crash', node: 'fraud', restartAfterMs: 250 });
      fresh.engine.stepForward(at - fresh.engine.step);
      expect(seen).toBe(JSON.stringify(fresh.engine.view().nodes));
    }
  });
});
