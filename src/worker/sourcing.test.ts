// The host's event-sourcing queries, called directly in Node: a stream's fold event by
// event with its snapshots ([A6]) and a conversation up to the playhead ([E4], [E5]).
import { describe, expect, it } from 'vitest';
import { makeWorkerApi } from './api.ts';
import account from '../examples/account.json';
import orderSaga from '../examples/order-saga.json';
import choreography from '../../lessons/15-choreography/start.json';

function withAccount(change: (config: Record<string, unknown>) => Record<string, unknown>) {
  const api = makeWorkerApi();
  const r = api.load(account);
  if (!r.ok) throw new Error(r.message);
  const spec = r.nodes.find((n) => n.id === 'account')!.spec;
  const edited = api.edit({ op: 'config', id: 'account', config: change(spec.config as Record<string, unknown>) });
  if (!edited.ok) throw new Error(edited.reason);
  const command = (name: string, data: Record<string, unknown> = {}) => {
    const r = api.act({ kind: 'command', node: 'account', command: name, stream: 'ACC-1', data: data as never });
    if (!r.ok) throw new Error(r.reason);
    api.step(1000);
  };
  return { api, command };
}

describe('a stream, event by event', () => {
  it('[A6] [A5] the state after each event, and a snapshot after every second one', () => {
    const { api, command } = withAccount((c) => ({ ...c, snapshotEvery: 2 }));
    command('OpenAccount', { initialBalance: 1000 });
    command('Deposit', { amount: 500 });
    command('Withdraw', { amount: 200 });
    command('Deposit', { amount: 100 });
    const fold = api.fold('account', 'ACC-1')!;
    expect(fold.snapshotEvery).toBe(2);
    expect(fold.events.map((e) => [e.version, e.type, e.state.balance, e.snapshot])).toEqual([
      [1, 'AccountCreated', 1000, false],
      [2, 'MoneyDeposited', 1500, true],
      [3, 'MoneyWithdrawn', 1300, false],
      [4, 'MoneyDeposited', 1400, true],
    ]);
    // Each event names the append step that wrote it, in order.
    const at = fold.events.map((e) => e.appendedAt!);
    expect(at.every((x, i) => x !== null && (i === 0 || x > at[i - 1]))).toBe(true);
    expect(api.rows(at[1], at[1] + 1)[0]).toMatchObject({ kind: 'append', node: 'account' });
    expect(api.rows(at[1], at[1] + 1)[0].text).toMatch(/snapshot of ACC-1 taken at v2/);
  });

  it('[A6] [A5] an append of several events takes its snapshot after the last of them, as the engine does', () => {
    const { api, command } = withAccount((c) => ({
      ...c,
      snapshotEvery: 3,
      commands: [
        ...(c.commands as unknown[]),
        { name: 'DepositTwice', emit: [{ type: 'MoneyDeposited', data: { amount: { event: 'data.amount' } } }, { type: 'MoneyDeposited', data: { amount: { event: 'data.amount' } } }] },
      ],
    }));
    command('OpenAccount', { initialBalance: 10 });
    command('DepositTwice', { amount: 1 }); // v2, v3: crosses 3
    command('DepositTwice', { amount: 1 }); // v4, v5
    command('DepositTwice', { amount: 1 }); // v6, v7: crosses 6, taken at 7
    const fold = api.fold('account', 'ACC-1')!;
    expect(fold.events.filter((e) => e.snapshot).map((e) => e.version)).toEqual([3, 7]);
    expect(fold.events.map((e) => e.state.balance)).toEqual([10, 11, 12, 13, 14, 15, 16]);
    // The engine's own latest snapshot agrees.
    const view = api.refresh().view.nodes.account;
    expect(view.kind === 'aggregate' && view.streams[0].snapshot).toBe(7);
    // Events of one append share its step.
    expect(fold.events[1].appendedAt).toBe(fold.events[2].appendedAt);
  });

  it('[A6] [T5] stepping back shows the stream as it was; unknown aggregates and streams answer nothing', () => {
    const { api, command } = withAccount((c) => c);
    command('OpenAccount', { initialBalance: 1000 });
    command('Deposit', { amount: 500 });
    const appended = api.fold('account', 'ACC-1')!.events[1].appendedAt!;
    api.seek(appended); // just before the second append
    expect(api.fold('account', 'ACC-1')!.events.map((e) => e.state.balance)).toEqual([1000]);
    expect(api.fold('account', 'NOPE')!.events).toEqual([]);
    expect(api.fold('accounts', 'ACC-1')).toBeNull();
  });
});

describe('a conversation up to the playhead', () => {
  it('[E4] [E5] the order saga: commands, replies and the saga\'s own steps, stopped where the playhead is', () => {
    const api = makeWorkerApi();
    const r = api.load(orderSaga);
    if (!r.ok) throw new Error(r.message);
    api.act({ kind: 'fire', node: 'shop', template: 1 }); // 250: the payment fails
    api.step(1000);
    const whole = api.conversation('evt-0');
    expect(whole.sequence.participants).toEqual(expect.arrayContaining(['shop', 'orders', 'order-saga', 'payment-commands', 'payment', 'replies']));
    const sagaSteps = whole.sequence.messages.filter((m) => m.from === 'order-saga' && m.to === 'order-saga');
    expect(sagaSteps.some((m) => m.label.includes('PaymentFailed'))).toBe(true);
    expect(whole.mermaid.split('\n')[0]).toBe('sequenceDiagram');
    expect(whole.later).toBe(0);
    // It ends with the cancellation reaching the order status read model.
    expect(whole.stopped).toMatchObject({ label: 'deliver OrderCancelled evt-6', failed: false });

    // Back to just after the saga read the PaymentFailed reply: the rest is "later", and
    // the conversation stands at that reply's delivery to the saga.
    const failed = sagaSteps.find((m) => m.label.includes('PaymentFailed'))!;
    api.seek(failed.seq + 1);
    const then = api.conversation('evt-0');
    const delivered = then.sequence.messages.filter((m) => m.to === 'order-saga' && m.from === 'replies').at(-1)!;
    expect(delivered.label).toMatch(/^deliver PaymentFailed/);
    expect(then.stopped).toEqual({ seq: delivered.seq, label: delivered.label, failed: false });
    expect(then.sequence.messages.at(-1)).toEqual(failed);
    expect(then.later).toBe(whole.sequence.messages.length - then.sequence.messages.length);
    expect(then.later).toBeGreaterThan(0);
  });

  it('[E5] a choreographed saga: over 100 the payment fails, Shipping only reads it, and the conversation stops there (the stock stays reserved)', () => {
    const api = makeWorkerApi();
    const r = api.load(choreography);
    if (!r.ok) throw new Error(r.message);
    api.act({ kind: 'fire', node: 'shop', template: 1 });
    api.step(1000);
    const c = api.conversation('evt-0');
    expect(c.sequence.participants).toEqual(['shop', 'orders', 'inventory', 'inventory-events', 'payment', 'payments', 'shipping']);
    expect(c.stopped).toMatchObject({ label: 'deliver PaymentFailed evt-2', failed: false });
    // After it Shipping only handles (no rule matches) and commits: bookkeeping, not a message on.
    const after = c.sequence.messages.filter((m) => m.seq > c.stopped!.seq);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((m) => m.from === 'shipping' && m.to === 'shipping')).toBe(true);
  });

  it('[E5] a conversation that went wrong stops at the failed message', () => {
    const api = makeWorkerApi();
    const r = api.load({
      format: 'eventfold/scenario',
      version: 1,
      nodes: [
        { id: 'shop', kind: 'producer', config: { templates: [{ type: 'OrderPlaced', key: 'A', data: { amount: 5 } }] } },
        { id: 'orders', kind: 'topic' },
        { id: 'payments', kind: 'topic' },
        { id: 'payment', kind: 'consumer', config: { rules: [{ on: 'OrderPlaced', do: [{ do: 'emit', topic: 'payments', type: 'PaymentCharged', key: { event: 'key' } }] }] } },
        { id: 'shipping', kind: 'consumer', config: { failWhen: { op: 'gt', left: { event: 'data.amount' }, right: -1 }, rules: [{ on: '*', do: [] }] } },
      ],
      edges: [
        { source: 'shop', target: 'orders' },
        { source: 'orders', target: 'payment' },
        { source: 'payment', target: 'payments' },
        { source: 'payments', target: 'shipping' },
      ],
    });
    if (!r.ok) throw new Error(r.message);
    api.act({ kind: 'fire', node: 'shop' });
    api.step(1000);
    const c = api.conversation('evt-0');
    // The error, not the commit that follows it: nothing travelled on from there.
    expect(c.stopped).toMatchObject({ failed: true, label: 'error PaymentCharged evt-1' });
    expect(c.sequence.messages.at(-1)!.label).toMatch(/^commit/);
  });
});

describe('editing a saga through the form', () => {
  it('[W2] [F5] a step whose command goes to a topic the saga is not connected to is refused at that field; nothing changes', () => {
    const api = makeWorkerApi();
    const r = api.load(orderSaga);
    if (!r.ok) throw new Error(r.message);
    const config = structuredClone(r.nodes.find((n) => n.id === 'order-saga')!.spec.config) as { steps: { command: { topic: string } }[] };
    config.steps[1].command.topic = 'orders'; // the saga reads orders, it does not send to it
    const refused = api.edit({ op: 'config', id: 'order-saga', config });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.errors).toContainEqual({ node: 'order-saga', field: 'config.steps[1].command.topic', message: expect.stringContaining('connect order-saga → orders first') });
    const scenario = api.scenario()!;
    const saga = scenario.nodes.find((n) => n.id === 'order-saga')!;
    expect(saga.kind === 'saga' && saga.config.steps[1].command.topic).toBe('payment-commands');
  });

  it('[W2] steps reordered through an edit run in the new order', () => {
    const api = makeWorkerApi();
    const r = api.load(orderSaga);
    if (!r.ok) throw new Error(r.message);
    const config = structuredClone(r.nodes.find((n) => n.id === 'order-saga')!.spec.config) as { steps: unknown[] };
    [config.steps[0], config.steps[1]] = [config.steps[1], config.steps[0]];
    const edited = api.edit({ op: 'config', id: 'order-saga', config });
    expect(edited.ok).toBe(true);
    api.act({ kind: 'fire', node: 'shop', template: 0 });
    api.step(1000);
    const view = api.refresh().view.nodes['order-saga'];
    expect(view.kind === 'saga' && view.instances[0].history).toEqual(['started', 'charge payment ✓', 'reserve stock ✓', 'ship ✓', 'completed']);
  });
});
