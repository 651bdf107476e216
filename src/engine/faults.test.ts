import { describe, expect, it } from 'vitest';
import { sim } from './testing/harness.ts';
import { createEngine } from './engine.ts';

/** payments: producer → orders → payment consumer (+ optional dead-letter topic). */
function payments(config: Record<string, unknown> = {}, extra: { invariants?: unknown[]; dlq?: boolean; partitions?: number } = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      {
        id: 'shop',
        kind: 'producer',
        config: {
          templates: [
            { type: 'PaymentRequested', key: 'ORD-{n}', data: { orderId: 'ORD-{n}', amount: 30 } },
            { type: 'PaymentRequested', key: 'ORD-7', data: { orderId: 'ORD-7', amount: -1 } },
            { type: 'PaymentRequested', key: 'ORD-7', data: { orderId: 'ORD-7', amount: 5 } },
          ],
        },
      },
      { id: 'orders', kind: 'topic', config: { partitions: extra.partitions ?? 1 } },
      ...(extra.dlq ? [{ id: 'orders-dlq', kind: 'topic' }] : []),
      {
        id: 'payment',
        kind: 'consumer',
        config: {
          rules: [
            {
              on: 'PaymentRequested',
              do: [
                { do: 'effect', name: 'card charged', key: { event: 'data.orderId' } },
                { do: 'increment', table: 'paid', key: { event: 'data.orderId' }, by: { event: 'data.amount' } },
                { do: 'append', table: 'seen', key: 'all', value: { event: 'data.orderId' } },
              ],
            },
          ],
          ...(extra.dlq ? { deadLetter: 'orders-dlq' } : {}),
          ...config,
        },
      },
    ],
    edges: [
      { source: 'shop', target: 'orders' },
      { source: 'orders', target: 'payment' },
      ...(extra.dlq ? [{ source: 'payment', target: 'orders-dlq' }] : []),
    ],
    invariants: extra.invariants ?? [],
  };
}
const chargedOnce = { kind: 'at-most-once', node: 'payment', effect: 'card charged', label: 'each order charged at most once' };

describe('faults', () => {
  it('[X2] [V2] a duplicate charges the card twice without idempotency, and the invariant names the step', () => {
    const s = sim(payments({}, { invariants: [chargedOnce] })).fire('shop').run();
    s.act({ kind: 'duplicate', node: 'payment', event: 'evt-0' }).run();
    s.expectEffect('payment', 'card charged', 'ORD-1', 2).expectState('payment', 'paid', 'ORD-1', 60);
    const [inv] = s.engine.invariantStatus();
    expect(inv).toMatchObject({ label: 'each order charged at most once', status: 'broken', message: expect.stringMatching(/"card charged" happened 2 times for ORD-1/) });
    const broke = s.engine.describeStep(inv.brokeAt!);
    expect(broke).toMatchObject({ kind: 'handle', eventId: 'evt-0' });
    // An injected duplicate commits nothing: the log position is untouched.
    expect(s.stepsOf('commit')).toHaveLength(1);
    // Seeking back before the break shows the invariant holding again [V1].
    s.seek(inv.brokeAt!);
    expect(s.engine.invariantStatus()[0].status).toBe('holding');
  });

  it('[D2] with a processed-id table the duplicate is skipped and the card charged once', () => {
    const s = sim(payments({ idempotency: 'processed-ids' }, { invariants: [chargedOnce] })).fire('shop').run();
    s.act({ kind: 'duplicate', node: 'payment', event: 'evt-0' }).run();
    s.expectEffect('payment', 'card charged', 'ORD-1', 1);
    expect(s.stepsOf('skip')[0].text).toMatch(/already in the processed-ids table/);
    expect(s.consumer('payment').state['processed-ids']).toEqual({ 'evt-0': true });
    expect(s.consumer('payment').metrics.duplicatesSkipped).toBe(1);
    expect(s.engine.invariantStatus()[0].status).toBe('holding');
  });

  it('[D3] a version check skips a record at or below the last applied offset of its key', () => {
    const s = sim(payments({ idempotency: 'version' })).fire('shop').fire('shop', 2).run();
    s.act({ kind: 'redeliver', node: 'payment', count: 2 }).run();
    expect(s.stepsOf('skip')).toHaveLength(2);
    expect(s.consumer('payment').state.versions).toEqual({ 'ORD-1': 0, 'ORD-7': 1 });
    s.expectState('payment', 'paid', 'ORD-1', 30);
  });

  it('[D4] [X1] a crash between the state change and a separately saved processed id applies the duplicate', () => {
    const s = sim(payments({ idempotency: 'processed-ids-separate' })).fire('shop');
    s.runUntilStep((x) => x.kind === 'handle');
    expect(s.engine.nextAction()).toMatch(/saves evt-0 as processed/);
    s.crash('payment').restart('payment').run();
    s.expectState('payment', 'paid', 'ORD-1', 60).expectEffect('payment', 'card charged', 'ORD-1', 2);
    // The same crash point with the id saved atomically is harmless.
    const t = sim(payments({ idempotency: 'processed-ids' })).fire('shop');
    t.runUntilStep((x) => x.kind === 'handle');
    t.crash('payment').restart('payment').run();
    t.expectState('payment', 'paid', 'ORD-1', 30);
  });

  it('[X1] [D5] after-effects: the card is charged again even with a processed-id table; after-save: state is safe', () => {
    const s = sim(payments({ idempotency: 'processed-ids' }));
    s.act({ kind: 'crash', node: 'payment', point: 'after-effects', restartAfterMs: 500 });
    expect(s.consumer('payment').armed).toBe('after-effects');
    s.fire('shop').run();
    const crash = s.stepsOf('crash')[0];
    expect(crash.text).toMatch(/side effects of PaymentRequested evt-0 \(key ORD-1\) already happened \(1 counted\)/);
    expect(s.stepsOf('restart')[0].text).toMatch(/restarted by itself/);
    s.expectEffect('payment', 'card charged', 'ORD-1', 2).expectState('payment', 'paid', 'ORD-1', 30);

    const t = sim(payments({ idempotency: 'processed-ids' }));
    t.act({ kind: 'crash', node: 'payment', point: 'after-save', restartAfterMs: 10 }).fire('shop').run();
    expect(t.stepsOf('skip')).toHaveLength(1);
    t.expectEffect('payment', 'card charged', 'ORD-1', 1).expectState('payment', 'paid', 'ORD-1', 30);
  });

  it('[X1] before-handle: nothing happens and the event comes back', () => {
    const s = sim(payments()).act({ kind: 'crash', node: 'payment', point: 'before-handle', restartAfterMs: 0 }).fire('shop').run();
    expect(s.stepsOf('crash')[0].text).toMatch(/arrived but was not handled/);
    s.expectEffect('payment', 'card charged', 'ORD-1', 1);
    expect(s.engine.act({ kind: 'crash', node: 'payment', point: 'after-save' })).toEqual({ ok: true });
    expect(s.engine.act({ kind: 'crash', node: 'payment', point: 'after-save' })).toEqual({ ok: false, reason: 'payment already has a crash armed' });
  });

  it('[X3] redeliver rewinds the position: without idempotency the events apply again', () => {
    const s = sim(payments()).fire('shop').fire('shop').run();
    s.act({ kind: 'redeliver', node: 'payment', count: 1 }).run();
    expect(s.stepsOf('inject')[0].text).toMatch(/orders p0: 2 → 1/);
    s.expectState('payment', 'paid', 'ORD-2', 60);
  });
});

describe('retries and dead letters', () => {
  const poison = { op: 'lt', left: { event: 'data.amount' }, right: 0 };

  it('[R1] [R2] [R5] a poison message is retried with backoff, then dead-lettered with its error', () => {
    const s = sim(payments({ failWhen: poison, retry: { maxAttempts: 3, backoff: 'exponential', initialMs: 100, jitter: false } }, { dlq: true }));
    s.fire('shop', 1).run();
    const errors = s.stepsOf('error');
    expect(errors.map((x) => x.text.match(/Attempt (\d) of 3 failed: the next in (\d+) ms/)!.slice(1))).toEqual([
      ['1', '100'],
      ['2', '200'],
    ]);
    const retries = s.stepsOf('retry');
    expect(retries.map((r) => r.time - errors[retries.indexOf(r)].time)).toEqual([100, 200]);
    const dead = s.stepsOf('dead-letter')[0];
    expect(dead).toMatchObject({ eventId: 'evt-0', topic: 'orders-dlq' });
    expect(dead.text).toMatch(/poison message\. After 3 attempts payment moved it to orders-dlq/);
    expect(s.engine.deadLetters('orders-dlq')).toEqual([
      expect.objectContaining({ eventId: 'evt-0', attempts: 3, from: { topic: 'orders', partition: 0, offset: 0 }, redriven: false }),
    ]);
    expect(s.consumer('payment').metrics).toMatchObject({ failed: 3, retried: 2, deadLettered: 1, processed: 0, retrying: 0 });
  });

  it('[R2] jittered backoff is drawn from the seeded PRNG: same seed, same delays', () => {
    const cfg = payments({ failWhen: poison, retry: { maxAttempts: 4, initialMs: 1000 } }, { dlq: true });
    const delays = (seed: number) => sim(cfg, { seed }).fire('shop', 1).run().stepsOf('retry').map((x) => x.time);
    expect(delays(1)).toEqual(delays(1));
    const d = delays(1);
    const gaps = [d[0], d[1], d[2]];
    expect(gaps.length).toBe(3);
    expect(delays(1)).not.toEqual(delays(2));
  });

  it('[R4] block-key: later events of the key wait behind the retried one and keep their order', () => {
    const s = sim(payments({ failWhen: poison, retry: { maxAttempts: 2, backoff: 'exponential', initialMs: 50, jitter: false }, ordering: 'block-key' }, { dlq: true, invariants: [{ kind: 'key-order', node: 'payment' }] }));
    s.fire('shop', 1).fire('shop', 2).run();
    expect(s.stepsOf('park')).toHaveLength(1);
    expect(s.consumer('payment').state.seen).toEqual({ all: ['ORD-7'] });
    expect(s.engine.invariantStatus()[0].status).toBe('holding');
    const order = s.trace.filter((x) => ['error', 'dead-letter', 'handle'].includes(x.kind)).map((x) => `${x.kind}:${x.eventId}`);
    expect(order).toEqual(['error:evt-0', 'dead-letter:evt-0', 'handle:evt-1']);
  });

  it('[R4] [V4] skip-and-continue: a later event of the key overtakes the retried one', () => {
    const s = sim(
      payments({ rules: [{ on: '*', when: { op: 'gte', left: { event: 'data.amount' }, right: 0 }, do: [{ do: 'append', table: 'seen', key: 'all', value: { event: 'id' } }] }], failWhen: { op: 'all', of: [poison, { op: 'missing', value: { state: 'fixed', key: 'x' } }] }, retry: { maxAttempts: 2, backoff: 'exponential', initialMs: 500, jitter: false }, ordering: 'skip' }, { dlq: true, invariants: [{ kind: 'key-order', node: 'payment' }] }),
    );
    s.fire('shop', 1).fire('shop', 2).run();
    expect(s.stepsOf('park')).toHaveLength(0);
    expect(s.trace.filter((x) => ['error', 'handle', 'dead-letter'].includes(x.kind)).map((x) => `${x.kind}:${x.eventId}`)).toEqual(['error:evt-0', 'handle:evt-1', 'dead-letter:evt-0']);
  });

  it('[X4] [R5] fix the handler with a deploy, redrive the dead letter: handled once, same id', () => {
    const s = sim(payments({ failWhen: poison, idempotency: 'processed-ids' }, { dlq: true, invariants: [{ kind: 'no-loss', node: 'payment' }] }));
    s.fire('shop', 1).run();
    expect(s.engine.deadLetters('orders-dlq')).toHaveLength(1);
    s.act({ kind: 'deploy', node: 'payment', config: { failWhen: null } });
    expect(s.trace.at(-1)!.text).toMatch(/deployed new settings to payment \(failWhen\)/);
    s.act({ kind: 'redrive', node: 'orders-dlq' }).run();
    expect(s.stepsOf('redrive')[0].text).toMatch(/evt-0 → orders p0 @1/);
    const handled = s.stepsOf('handle');
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ eventId: 'evt-0', offset: 1 });
    s.expectState('payment', 'paid', 'ORD-7', -1);
    expect(s.engine.deadLetters('orders-dlq')[0].redriven).toBe(true);
    expect(s.engine.act({ kind: 'redrive', node: 'orders-dlq' })).toMatchObject({ ok: false });
    expect(s.engine.invariantStatus()[0].status).toBe('holding');
  });

  it('[X4] a deploy with invalid settings is refused with the field named', () => {
    const s = sim(payments());
    expect(s.engine.act({ kind: 'deploy', node: 'payment', config: { retry: { maxAttempts: 0 } } as never })).toEqual({
      ok: false,
      reason: expect.stringMatching(/retry\.maxAttempts: must be at least 1/),
    });
    expect(s.engine.act({ kind: 'deploy', node: 'payment', config: { deadLetter: 'orders' } })).toMatchObject({ ok: false, reason: expect.stringMatching(/connect payment → orders first/) });
  });

  it('[R6] [V3] no dead-letter topic: the event is dropped and no-loss breaks', () => {
    const s = sim(payments({ failWhen: poison }, { invariants: [{ kind: 'no-loss', node: 'payment' }] })).fire('shop', 1).run();
    expect(s.stepsOf('error')[0].text).toMatch(/no dead-letter topic, so the event is skipped/);
    expect(s.engine.invariantStatus()[0]).toMatchObject({ status: 'broken', message: expect.stringMatching(/evt-0 \(PaymentRequested\) was lost/) });
  });

  it('[V3] at-most-once: a crash after the commit loses the event and no-loss names the step', () => {
    const s = sim(payments({ commit: 'before' }, { invariants: [{ kind: 'no-loss', node: 'payment' }] })).fire('shop');
    s.runUntilStep((x) => x.kind === 'commit');
    s.crash('payment');
    const st = s.engine.invariantStatus()[0];
    expect(st.status).toBe('broken');
    expect(s.engine.describeStep(st.brokeAt!).kind).toBe('crash');
  });

  it('[V5] [V6] fold and state invariants', () => {
    const inv = [
      { kind: 'fold', node: 'payment' },
      { kind: 'state', node: 'payment', table: 'paid', op: 'gte', value: 0, label: 'nothing paid is negative' },
    ];
    const s = sim(payments({}, { invariants: inv })).fire('shop');
    expect(s.engine.invariantStatus()[0].status).toBe('pending');
    s.run();
    expect(s.engine.invariantStatus().map((x) => x.status)).toEqual(['holding', 'holding']);
    s.act({ kind: 'duplicate', node: 'payment', event: 'evt-0' }).run();
    expect(s.engine.invariantStatus()[0]).toMatchObject({ status: 'broken', message: 'paid[ORD-1] is 60, but folding each event once gives 30' });
    s.fire('shop', 1).run();
    expect(s.engine.invariantStatus()[1]).toMatchObject({ label: 'nothing paid is negative', status: 'broken', message: 'paid[ORD-7] became -1' });
  });

  it('[R3] a retry survives the crash of the member that owned it', () => {
    const s = sim(payments({ failWhen: { op: 'missing', value: { state: 'ok', key: 'x' } }, retry: { maxAttempts: 5, backoff: 'exponential', initialMs: 1000, jitter: false } }, { dlq: true }));
    s.fire('shop');
    s.runUntilStep((x) => x.kind === 'error');
    s.runUntilStep((x) => x.kind === 'commit'); // the failed record is committed: it lives in the retry store now
    s.crash('payment').restart('payment');
    s.act({ kind: 'deploy', node: 'payment', config: { failWhen: null } }).run();
    s.expectState('payment', 'paid', 'ORD-1', 30);
    expect(s.consumer('payment').metrics.retrying).toBe(0);
  });

  it('[K5] faults replay exactly from the session', () => {
    const s = sim(payments({ failWhen: poison, retry: { maxAttempts: 3 }, idempotency: 'processed-ids-separate' }, { dlq: true }));
    s.fire('shop').fire('shop', 1).act({ kind: 'crash', node: 'payment', point: 'after-save', restartAfterMs: 50 }).fire('shop', 2).run();
    s.act({ kind: 'duplicate', node: 'payment', event: 'evt-1' }).act({ kind: 'deploy', node: 'payment', config: { failWhen: null } }).run();
    s.act({ kind: 'redrive', node: 'orders-dlq' }).run();
    const { seed, inputs } = s.engine.session();
    const replay = createEngine(s.engine.scenario, { seed, inputs });
    replay.runUntilIdle();
    expect(replay.steps()).toEqual(s.engine.steps());
    expect(replay.view()).toEqual(s.engine.view());
  });
});

describe('what the view carries', () => {
  it('[V1] [R5] invariants and dead letters are in the view, and a topic shows its latest cells', () => {
    const s = sim(payments({ failWhen: { op: 'lt', left: { event: 'data.amount' }, right: 0 } }, { dlq: true, invariants: [{ kind: 'no-loss', node: 'payment' }] }));
    s.fire('shop').fire('shop', 1).run();
    const view = s.engine.view();
    expect(view.invariants).toEqual([expect.objectContaining({ label: 'payment: no event is lost', status: 'holding' })]);
    const dlq = view.nodes['orders-dlq'];
    if (dlq.kind !== 'topic') throw new Error('not a topic');
    expect(dlq.deadLetters).toEqual([expect.objectContaining({ eventId: 'evt-1', attempts: 1, from: { topic: 'orders', partition: 0, offset: 1 } })]);
    const orders = view.nodes.orders;
    if (orders.kind !== 'topic') throw new Error('not a topic');
    expect(orders.partitions[0].recent).toEqual([
      { offset: 0, id: 'evt-0', type: 'PaymentRequested', key: 'ORD-1' },
      { offset: 1, id: 'evt-1', type: 'PaymentRequested', key: 'ORD-7' },
    ]);
  });
});
