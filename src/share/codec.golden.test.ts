// Links encoded by released versions must open forever (tests/fixtures/links/README.md).
// The assertions are facts a learner would notice if they changed: names, nodes,
// settings, the recorded inputs and the step the sender was looking at.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../engine/engine.ts';
import type { Session } from '../engine/session.ts';
import { decodeShareLink } from './codec.ts';

const DIR = fileURLToPath(new URL('../../tests/fixtures/links/', import.meta.url));

async function open(name: string): Promise<Session> {
  const r = await decodeShareLink(readFileSync(DIR + name, 'utf8'));
  if (!r.ok) throw new Error(`${name}: ${r.error.kind}: ${r.error.message}`);
  return r.session;
}

const ids = (s: Session) => s.scenario.nodes.map((n) => n.id);
const node = (s: Session, id: string) => s.scenario.nodes.find((n) => n.id === id)!;

describe('golden share links', () => {
  it('every fixture has a test here', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()).toEqual(['v1-fan-out.txt', 'v1-keyed-crash-session.txt', 'v1-ledger.txt', 'v1-order-saga.txt']);
  });

  it('v1-fan-out: one producer, a 3-partition topic, three consumers in their own groups', async () => {
    const s = await open('v1-fan-out.txt');
    expect(s.scenario.name).toBe('Pub/sub fan-out: one OrderPlaced, three services');
    expect(s.scenario.description).toMatch(/^Checkout publishes OrderPlaced to the orders topic\./);
    expect(ids(s)).toEqual(['checkout', 'orders', 'inventory', 'payment', 'notification']);
    expect(s.scenario.nodes.map((n) => n.label)).toEqual(['Checkout', 'orders', 'Inventory', 'Payment', 'Notification']);
    expect(node(s, 'orders').config).toEqual({ partitions: 3 });
    expect(node(s, 'checkout').position).toEqual({ x: 0, y: 160 });
    expect(node(s, 'checkout').config).toMatchObject({
      pattern: 'direct',
      templates: [{ type: 'OrderPlaced', key: 'ORD-{n}', data: { orderId: 'ORD-{n}', customerId: 'cus-678', total: 99.99 }, schemaVersion: 1 }],
    });
    expect(node(s, 'payment').config).toMatchObject({ group: 'payment', commit: 'after', idempotency: 'none', retry: { maxAttempts: 1 } });
    expect(s.scenario.edges.map((e) => e.id)).toEqual(['checkout->orders', 'orders->inventory', 'orders->payment', 'orders->notification']);
    expect(s).toMatchObject({ seed: 7, inputs: [], step: 0 });
  });

  it('v1-ledger: a ledger consumer folding account events', async () => {
    const s = await open('v1-ledger.txt');
    expect(s.scenario.name).toBe('The account ledger: state is a fold of events');
    expect(ids(s)).toEqual(['bank', 'accounts', 'ledger']);
    expect(node(s, 'ledger').config).toMatchObject({ rules: [{ on: 'AccountCreated' }, { on: 'MoneyDeposited' }, { on: 'MoneyWithdrawn' }] });
    expect(s).toMatchObject({ seed: 1, inputs: [], step: 0 });
  });

  it('v1-keyed-crash-session: seven recorded inputs, opened at step 29', async () => {
    const s = await open('v1-keyed-crash-session.txt');
    expect(s.scenario.name).toBe('Keys, partitions and a crash before the commit');
    expect(ids(s)).toEqual(['shop', 'orders', 'fulfilment-1', 'fulfilment-2']);
    expect(node(s, 'fulfilment-1').config).toMatchObject({ group: 'fulfilment', processingMs: 20, sessionTimeoutMs: 50 });
    expect(s.seed).toBe(3);
    expect(s.step).toBe(29);
    expect(s.inputs.map((i) => i.kind)).toEqual(['fire', 'fire', 'fire', 'fire', 'fire', 'fire', 'crash']);
    expect(s.inputs[1]).toEqual({ kind: 'fire', node: 'shop', event: { type: 'OrderPlaced', key: 'ORD-2', data: { orderId: 'ORD-2' } }, atStep: 2, time: 0 });
    expect(s.inputs[6]).toEqual({ kind: 'crash', node: 'fulfilment-1', atStep: 16, time: 42 });
  });

  it('v1-keyed-crash-session replays the sender\'s run: the crash before the commit, and the event handled again', async () => {
    // This one depends on the engine's semantics too, not only on the link: if a change
    // of the engine alters it, that change breaks what old links show their receivers.
    const s = await open('v1-keyed-crash-session.txt');
    const engine = createEngine(s.scenario, { seed: s.seed, inputs: s.inputs });
    engine.seek(s.step);
    expect(engine.step).toBe(29);
    const trace = engine.steps();
    expect(trace[16]).toMatchObject({ kind: 'crash', node: 'fulfilment-1', eventId: 'evt-2' });
    const handledEvt2 = trace.filter((t) => t.kind === 'handle' && t.eventId === 'evt-2').map((t) => t.node);
    expect(handledEvt2).toEqual(['fulfilment-1', 'fulfilment-2']);
  });

  it('v1-order-saga: a saga with three steps and compensations', async () => {
    const s = await open('v1-order-saga.txt');
    expect(s.scenario.name).toBe('Order saga: reserve, charge, ship — and undo when payment fails');
    expect(ids(s)).toEqual(['shop', 'orders', 'order-saga', 'inventory-commands', 'payment-commands', 'shipping-commands', 'replies', 'order-events', 'inventory', 'payment', 'shipping', 'order-status']);
    const saga = node(s, 'order-saga');
    expect(saga.kind).toBe('saga');
    expect(saga.config).toMatchObject({ trigger: 'OrderPlaced', steps: [{ name: 'reserve stock', timeoutMs: 500 }, { name: 'charge payment' }, { name: 'ship', compensation: null }] });
    expect(s.scenario.edges).toHaveLength(14);
    expect(s).toMatchObject({ seed: 11, inputs: [], step: 0 });
  });
});
