import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sim } from './testing/harness.ts';
import { sequenceOf, toMermaid } from './sequence.ts';
import type { ProjectionView } from './engine.ts';

const deposit = (op: 'increment' | 'decrement') => ({ on: 'MoneyDeposited', do: [{ do: op, table: 'balance', key: { event: 'data.accountId' }, by: { event: 'data.amount' } }] });
const reducers = (buggy = false) => [
  { on: 'AccountCreated', do: [{ do: 'set', table: 'balance', key: { event: 'data.accountId' }, value: { event: 'data.initialBalance' } }] },
  deposit(buggy ? 'decrement' : 'increment'),
  { on: 'MoneyWithdrawn', do: [{ do: 'decrement', table: 'balance', key: { event: 'data.accountId' }, by: { event: 'data.amount' } }] },
];

function ledger(opts: { buggy?: boolean; processingMs?: number; extra?: Record<string, unknown> } = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      {
        id: 'bank',
        kind: 'producer',
        config: {
          templates: [
            { type: 'AccountCreated', key: 'ACC-1', data: { accountId: 'ACC-1', initialBalance: 1000 } },
            { type: 'MoneyDeposited', key: 'ACC-1', data: { accountId: 'ACC-1', amount: 500 } },
            { type: 'MoneyWithdrawn', key: 'ACC-1', data: { accountId: 'ACC-1', amount: 200 } },
          ],
        },
      },
      { id: 'accounts', kind: 'topic', config: { partitions: 2 } },
      { id: 'balances', kind: 'projection', config: { rules: reducers(opts.buggy), processingMs: opts.processingMs ?? 2 } },
      { id: 'activity', kind: 'projection', config: { rules: [{ on: '*', do: [{ do: 'increment', table: 'events', key: { event: 'type' } }] }] } },
    ],
    edges: [
      { source: 'bank', target: 'accounts' },
      { source: 'accounts', target: 'balances' },
      { source: 'accounts', target: 'activity' },
    ],
    ...opts.extra,
  };
}
const proj = (s: ReturnType<typeof sim>, id: string) => s.engine.view().nodes[id] as ProjectionView;

describe('projections', () => {
  it('[J1] a read model folds the events into a table; several projections read the same events', () => {
    const s = sim(ledger()).fire('bank', 0).fire('bank', 1).fire('bank', 2).run();
    expect(proj(s, 'balances').tables).toEqual({ balance: { 'ACC-1': 1300 } });
    expect(proj(s, 'activity').tables.events).toEqual({ AccountCreated: 1, MoneyDeposited: 1, MoneyWithdrawn: 1 });
    expect(proj(s, 'balances').behind).toBe(0);
  });

  it('[J2] a query while the projection lags gets a stale answer, labelled as such', () => {
    const s = sim(ledger({ processingMs: 50 })).fire('bank', 0).run().fire('bank', 1);
    s.act({ kind: 'query', node: 'balances', table: 'balance', key: 'ACC-1' });
    expect(s.trace.at(-1)!.text).toMatch(/balance\[ACC-1\] = 1000 — a stale answer: balances is 1 event behind/);
    s.run().act({ kind: 'query', node: 'balances', table: 'balance', key: 'ACC-1' });
    expect(s.trace.at(-1)!.text).toMatch(/= 1500 — up to date/);
  });

  it('[J3] [X4] fix a buggy reducer, rebuild from 0, compare the old and the new table', () => {
    const s = sim(ledger({ buggy: true })).fire('bank', 0).fire('bank', 1).fire('bank', 2).run();
    expect(proj(s, 'balances').tables.balance['ACC-1']).toBe(300);
    s.act({ kind: 'deploy', node: 'balances', config: { rules: reducers() as never } });
    s.act({ kind: 'rebuild', node: 'balances' });
    expect(s.trace.at(-1)!.text).toMatch(/replays 3 events from offset 0/);
    expect(proj(s, 'balances').rebuild).toMatchObject({ done: 0, target: 3 });
    s.run();
    const view = proj(s, 'balances');
    expect(view.tables.balance['ACC-1']).toBe(1300);
    expect(view.rebuild).toMatchObject({ done: 3, target: 3, previous: { balance: { 'ACC-1': 300 } } });
    // The other projection was not touched.
    expect(proj(s, 'activity').tables.events.MoneyDeposited).toBe(1);
  });

  it('[J4] a temporal query: the table as of the second event shows 1500', () => {
    const s = sim(ledger()).fire('bank', 0).fire('bank', 1).fire('bank', 2).run();
    const afterDeposit = s.trace.find((x) => x.kind === 'commit' && x.node === 'balances' && x.eventType === 'MoneyDeposited')!;
    const then = s.engine.viewAt(afterDeposit.seq + 1).nodes.balances as ProjectionView;
    expect(then.tables.balance['ACC-1']).toBe(1500);
    expect(s.engine.step).toBe(s.trace.length);
    expect(proj(s, 'balances').tables.balance['ACC-1']).toBe(1300);
  });

  it('[J1] at every step, the table equals the fold of the events it has handled so far, crashes and duplicates included (property)', () => {
    type Op = { op: 'fire'; t: number } | { op: 'step'; n: number } | { op: 'crash' } | { op: 'restart' } | { op: 'duplicate'; e: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('fire' as const), t: fc.integer({ min: 0, max: 2 }) }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constant('step' as const), n: fc.integer({ min: 1, max: 6 }) }) },
      { weight: 1, arbitrary: fc.constant({ op: 'crash' as const }) },
      { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), e: fc.integer({ min: 0, max: 10 }) }) },
    );
    // The reducers written out by hand: what folding the handled events must give.
    const fold = (events: { type: string; data: Record<string, number | string> }[]) => {
      const balance: Record<string, number> = {};
      for (const e of events) {
        const k = String(e.data.accountId);
        if (e.type === 'AccountCreated') balance[k] = Number(e.data.initialBalance);
        else if (e.type === 'MoneyDeposited') balance[k] = (balance[k] ?? 0) + Number(e.data.amount);
        else if (e.type === 'MoneyWithdrawn') balance[k] = (balance[k] ?? 0) - Number(e.data.amount);
      }
      return Object.keys(balance).length ? { balance } : {};
    };
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.integer({ min: 0, max: 1000 }), (ops, seed) => {
        const s = sim(ledger(), { seed });
        const check = () => {
          const handled = s.trace.filter((x) => x.kind === 'handle' && x.node === 'balances').map((x) => s.engine.event(x.record!)!);
          expect(proj(s, 'balances').tables).toEqual(fold(handled as never));
        };
        for (const o of ops) {
          if (o.op === 'fire') s.fire('bank', o.t);
          else if (o.op === 'step') s.step(o.n);
          else s.engine.act(o.op === 'duplicate' ? { kind: 'duplicate', node: 'balances', event: `evt-${o.e}` } : { kind: o.op, node: 'balances' });
          check();
        }
        s.engine.act({ kind: 'restart', node: 'balances' });
        s.run();
        check();
      }),
      { numRuns: 60 },
    );
  });

  it('[J5] a rebuild from 0 always equals the live table (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 25 }), fc.integer({ min: 0, max: 1000 }), (fires, seed) => {
        const s = sim(ledger(), { seed });
        for (const f of fires) s.fire('bank', f);
        s.run();
        const live = proj(s, 'balances').tables;
        s.act({ kind: 'rebuild', node: 'balances' }).run();
        expect(proj(s, 'balances').tables).toEqual(live);
      }),
      { numRuns: 60 },
    );
  });
});

describe('schema evolution', () => {
  function orders(consumer: Record<string, unknown>) {
    return {
      format: 'eventfold/scenario',
      version: 1,
      nodes: [
        {
          id: 'shop',
          kind: 'producer',
          config: {
            templates: [
              { type: 'OrderPlaced', key: 'A', data: { orderId: 'A', amount: 10 }, schemaVersion: 1 },
              { type: 'OrderPlaced', key: 'B', data: { orderId: 'B', total: 20, currency: 'EUR' }, schemaVersion: 2 },
            ],
          },
        },
        { id: 'orders', kind: 'topic' },
        { id: 'revenue', kind: 'consumer', config: { rules: [{ on: 'OrderPlaced', do: [{ do: 'increment', table: 'revenue', key: 'all', by: { event: 'data.total' } }] }], ...consumer } },
      ],
      edges: [
        { source: 'shop', target: 'orders' },
        { source: 'orders', target: 'revenue' },
      ],
    };
  }

  it('[S1] [S2] an upcaster renames an old field and adds a default, so old and new events fold alike', () => {
    const up = [{ type: 'OrderPlaced', from: 1, to: 2, rename: { amount: 'total' }, defaults: { currency: 'EUR' } }];
    const s = sim(orders({ upcasters: up })).fire('shop', 0).fire('shop', 1).run();
    s.expectState('revenue', 'revenue', 'all', 30);
    expect(s.engine.event('evt-0')!.data).toEqual({ orderId: 'A', amount: 10 });
  });

  it('[S2] without the upcaster the old event breaks the handler', () => {
    const s = sim(orders({})).fire('shop', 0).run();
    expect(s.stepsOf('error')[0].text).toMatch(/cannot increment revenue\[all\] by a missing value \(data\.total\)/);
  });

  it('[S3] a consumer that only knows version 1 refuses version 2', () => {
    const s = sim(orders({ schema: 1 })).fire('shop', 1).run();
    expect(s.stepsOf('error')[0].text).toMatch(/only understands OrderPlaced up to schema version 1, and this event is version 2/);
  });
});

describe('conversations', () => {
  it('[E4] the sequence of one correlation id, and its Mermaid text', () => {
    const sc = {
      format: 'eventfold/scenario',
      version: 1,
      nodes: [
        { id: 'checkout', kind: 'producer', config: { templates: [{ type: 'OrderPlaced', key: 'ORD-1', data: { orderId: 'ORD-1' } }] } },
        { id: 'orders', kind: 'topic' },
        { id: 'payments', kind: 'topic' },
        { id: 'payment', kind: 'consumer', config: { rules: [{ on: 'OrderPlaced', do: [{ do: 'emit', topic: 'payments', type: 'PaymentCharged; "x"', key: { event: 'key' } }] }] } },
        { id: 'shipping', kind: 'consumer', config: { rules: [{ on: '*', do: [] }] } },
      ],
      edges: [
        { source: 'checkout', target: 'orders' },
        { source: 'orders', target: 'payment' },
        { source: 'payment', target: 'payments' },
        { source: 'payments', target: 'shipping' },
      ],
    };
    const s = sim(sc).fire('checkout').fire('checkout').run();
    const seq = sequenceOf(s.engine.steps(), 'evt-0');
    expect(seq.participants).toEqual(['checkout', 'orders', 'payment', 'payments', 'shipping']);
    expect(seq.messages.every((m) => !m.label.includes('evt-1'))).toBe(true);
    const mermaid = toMermaid(seq);
    expect(mermaid.split('\n')[0]).toBe('sequenceDiagram');
    expect(mermaid).toContain('participant n4 as shipping');
    expect(mermaid).toMatch(/n2->>n3: \d+ PaymentCharged x evt-2/);
    expect(mermaid).not.toMatch(/PaymentCharged;/);
  });
});
