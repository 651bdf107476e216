// Every example scenario restores and tells the story its description promises.
import { describe, expect, it } from 'vitest';
import { sim } from '../engine/testing/harness.ts';
import payments from './payments.json';
import poison from './poison.json';
import outbox from './outbox.json';
import orderRouting from './order-routing.json';
import exchangeRouting from './exchange-routing.json';
import callChain from './call-chain.json';
import fraudDetection from './fraud-detection.json';
import type { StreamView } from '../engine/kinds/stream.ts';

describe('example scenarios', () => {
  it('call-chain: [RR3] Fraud down fails Payment and then Checkout; [RR4] the breaker opens, half-opens and closes', () => {
    const s = sim(callChain).run();
    expect(s.stepsOf('breaker', 'payment').map((x) => x.text.split(':')[0])).toEqual([
      "payment's breaker for fraud opens after 3 failures in a row",
      "payment's breaker for fraud half-opens after 200 ms",
      "payment's breaker for fraud closes",
    ]);
    expect(s.engine.view().nodes.payment).toMatchObject({ timedOut: 4, failedFast: 4, failed: 8, ok: 12 });
    expect(s.engine.view().nodes.checkout).toMatchObject({ failed: 8, ok: 12, publishesTo: ['orders'] });
    // [RR5] Only what Checkout confirmed is published.
    s.expectState('analytics', 'orders', 'confirmed', 12);
    // Without the breaker, every order while Fraud is down waits out a timeout.
    const bare = structuredClone(callChain) as unknown as { nodes: { id: string; config: Record<string, unknown> }[] };
    bare.nodes.find((n) => n.id === 'payment')!.config.breaker = null;
    expect(sim(bare).run().engine.view().nodes.payment).toMatchObject({ timedOut: 8, failedFast: 0 });
  });

  it('fraud-detection: [WN3] the mobile payment arrives after its window closed and is dropped as late; [WN5] CARD-5 misses the table; a grace period of 500 ms raises the alert ([WN4])', () => {
    for (const seed of [1, 2, 3, 16]) {
      const s = sim(fraudDetection, { seed }).run();
      const v = s.engine.view().nodes['fraud-check'] as StreamView;
      expect(v.late.count).toBe(1);
      expect(s.stepsOf('late', 'fraud-check')[0].text).toMatch(/^fraud-check dropped PaymentMade evt-\d+ \(key CARD-7\) as late \(event time 950 ms, processed at 1\.2\d+ s\): its window had closed — \[0 s, 1 s\) closed at 1 s\./);
      expect(s.stepsOf('join', 'fraud-check').filter((x) => x.key === 'CARD-5')[0].text).toContain('found no row for key CARD-5 in its table from cards, so the inner join drops');
      expect(s.stepsOf('publish', 'fraud-check')).toHaveLength(0);
      const fixed = structuredClone(fraudDetection) as unknown as { nodes: { config: { window?: { graceMs?: number } } }[] };
      fixed.nodes[5].config.window!.graceMs = 500;
      const t = sim(fixed, { seed }).run();
      expect((t.engine.view().nodes['fraud-check'] as StreamView).late.count).toBe(0);
      const alerts = t.stepsOf('publish', 'fraud-check');
      expect(alerts).toHaveLength(1);
      expect(t.engine.event(alerts[0].eventId!)).toMatchObject({ type: 'FraudSuspected', subject: 'CARD-7', data: { count: 4, windowStart: 0, windowEnd: 1000 } });
    }
  });

  it('order-routing: [B4] the typo in the EU rule drops EU orders; the fixed pattern routes them ([B3])', () => {
    const s = sim(orderRouting).fire('checkout', 0).fire('checkout', 1).run();
    s.expectEffect('fraud', 'order screened', 'ORD-2', 1);
    expect(s.consumer('eu-fulfilment').effects['order shipped']).toBeUndefined();
    expect(s.stepsOf('route')[0].text).toContain('type must be "OrderPlace", and it is "OrderPlaced"');
    const fixed = structuredClone(orderRouting) as unknown as { nodes: { config: { rules: { pattern: { type: string[] } }[] } }[] };
    fixed.nodes[1].config.rules[1].pattern.type = ['OrderPlaced'];
    sim(fixed).fire('checkout', 0).run().expectEffect('eu-fulfilment', 'order shipped', 'ORD-1', 1);
  });

  it('payments: a duplicate charges twice; a processed-id table charges once', () => {
    const s = sim(payments).fire('checkout').run();
    s.act({ kind: 'duplicate', node: 'payment', event: 'evt-0' }).run();
    s.expectEffect('payment', 'card charged', 'ORD-1', 2);
    expect(s.engine.invariantStatus()[0].status).toBe('broken');
    const fixed = structuredClone(payments) as typeof payments;
    (fixed.nodes[2].config as Record<string, unknown>).idempotency = 'processed-ids';
    const t = sim(fixed).fire('checkout').run();
    t.act({ kind: 'duplicate', node: 'payment', event: 'evt-0' }).run();
    t.expectEffect('payment', 'card charged', 'ORD-1', 1);
    expect(t.engine.invariantStatus()[0].status).toBe('holding');
  });

  it('poison: retries, then the dead-letter topic; the fix and a redrive book it', () => {
    const s = sim(poison).fire('bank', 1).fire('bank', 0).run();
    expect(s.stepsOf('error')).toHaveLength(2);
    expect(s.engine.deadLetters('bookings-dlq')).toHaveLength(1);
    s.expectState('ledger', 'balance', 'ACC-1', 100);
    s.act({ kind: 'deploy', node: 'ledger', config: { failWhen: null } }).act({ kind: 'redrive', node: 'bookings-dlq' }).run();
    s.expectState('ledger', 'balance', 'ACC-1', 60);
    expect(s.engine.invariantStatus()[0].status).toBe('holding');
  });

  it('outbox: a crash after the save loses the dual write, not the outbox', () => {
    const s = sim(outbox).act({ kind: 'crash', node: 'orders-service', point: 'after-save', restartAfterMs: 50 }).fire('orders-service').run();
    expect(s.consumer('shipping').state.shipments).toBeUndefined();
    expect(s.engine.invariantStatus()[0].status).toBe('broken');
    const fixed = structuredClone(outbox) as typeof outbox;
    (fixed.nodes[0].config as Record<string, unknown>).pattern = 'outbox';
    const t = sim(fixed).act({ kind: 'crash', node: 'orders-service', point: 'after-save', restartAfterMs: 50 }).fire('orders-service').run();
    t.expectState('shipping', 'shipments', 'ORD-1', 'booked');
    expect(t.engine.invariantStatus()[0].status).toBe('holding');
  });
});

import account from './account.json';
import orderSaga from './order-saga.json';
import type { AggregateView, ProjectionView, SagaView } from '../engine/engine.ts';

describe('event sourcing examples', () => {
  it('account: 1000 + 500 − 200 = 1300 in the stream; the buggy projection is fixed by a deploy and a rebuild', () => {
    const s = sim(account);
    s.act({ kind: 'command', node: 'account', command: 'OpenAccount', stream: 'ACC-1', data: { initialBalance: 1000 } }).run();
    s.act({ kind: 'command', node: 'account', command: 'Deposit', stream: 'ACC-1', data: { amount: 500 } }).run();
    s.act({ kind: 'command', node: 'account', command: 'Withdraw', stream: 'ACC-1', data: { amount: 200 } }).run();
    s.act({ kind: 'command', node: 'account', command: 'Withdraw', stream: 'ACC-1', data: { amount: 5000 } }).run();
    expect((s.engine.view().nodes.account as AggregateView).streams[0]).toMatchObject({ version: 3, state: { balance: 1300 } });
    expect(s.stepsOf('load').at(-1)!.text).toMatch(/Rejected: insufficient funds/);
    const proj = () => s.engine.view().nodes.balances as ProjectionView;
    expect(proj().tables.balance['ACC-1']).toBe(300);
    const fixed = structuredClone((account.nodes[0].config as { apply: unknown[] }).apply);
    s.act({ kind: 'deploy', node: 'balances', config: { rules: fixed as never } }).act({ kind: 'rebuild', node: 'balances' }).run();
    expect(proj().tables.balance['ACC-1']).toBe(1300);
    expect(proj().rebuild!.previous.balance['ACC-1']).toBe(300);
  });

  it('order saga: a payment over 100 fails and the stock is released', () => {
    const s = sim(orderSaga).fire('shop', 1).run();
    expect((s.engine.view().nodes['order-saga'] as SagaView).instances[0].state).toBe('compensated');
    expect(s.engine.invariantStatus()[0].status).toBe('holding');
  });

  it('exchange-routing: [AM3] order.eu matches no three-word routing key; order.eu.* gets EU fulfilment every EU event', () => {
    const s = sim(exchangeRouting).fire('checkout', 0).fire('checkout', 1).fire('checkout', 2).run();
    expect(s.consumer('eu-fulfilment').handled).toBe(0);
    expect(s.consumer('us-fulfilment').handled).toBe(1);
    expect(s.consumer('auditor').handled).toBe(3);
    const fixed = structuredClone(exchangeRouting) as typeof exchangeRouting;
    fixed.edges[1].bindingKey = 'order.eu.*';
    const t = sim(fixed).fire('checkout', 0).fire('checkout', 1).fire('checkout', 2).run();
    expect(t.consumer('eu-fulfilment').handled).toBe(2);
    expect(t.consumer('us-fulfilment').handled).toBe(1);
  });
});
