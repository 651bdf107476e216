import { describe, expect, it } from 'vitest';
import { sim } from './testing/harness.ts';
import { sequenceOf, toMermaid } from './sequence.ts';
import orderSaga from '../examples/order-saga.json';

describe('conversations with sagas', () => {
  it("[E4] a saga's steps are messages to itself, in trace order between the commands and replies", () => {
    const s = sim(orderSaga).fire('shop', 1).run();
    const seq = sequenceOf(s.engine.steps(), 'evt-0');
    const labels = seq.messages.map((m) => `${m.from}>${m.to} ${m.label.split(' ').slice(0, 2).join(' ')}`);
    const i = labels.indexOf('order-saga>order-saga saga OrderPlaced');
    const j = labels.indexOf('order-saga>order-saga saga PaymentFailed');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(j).toBeGreaterThan(i);
    // The failed payment's reply reaches the saga before its compensation goes out.
    expect(labels.findIndex((l, k) => k > j && l.startsWith('order-saga>inventory-commands ReleaseStock'))).toBeGreaterThan(j);
    const mermaid = toMermaid(seq);
    const saga = `n${seq.participants.indexOf('order-saga')}`;
    expect(mermaid).toContain(`${saga}->>${saga}:`);
  });
});
