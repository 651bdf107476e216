import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sim } from './testing/harness.ts';
import type { AggregateView, ProjectionView } from './engine.ts';

const amount = { event: 'data.amount' };
const balanceOf = { state: 'balance', key: { event: 'key' } };
export const bankAccount = (extra: Record<string, unknown> = {}) => ({
  format: 'eventfold/scenario',
  version: 1,
  nodes: [
    {
      id: 'account',
      kind: 'aggregate',
      config: {
        apply: [
          { on: 'AccountCreated', do: [{ do: 'set', table: 'balance', key: { event: 'key' }, value: { event: 'data.initialBalance' } }] },
          { on: 'MoneyDeposited', do: [{ do: 'increment', table: 'balance', key: { event: 'key' }, by: amount }] },
          { on: 'MoneyWithdrawn', do: [{ do: 'decrement', table: 'balance', key: { event: 'key' }, by: amount }] },
        ],
        commands: [
          { name: 'OpenAccount', when: { op: 'missing', value: balanceOf }, reject: 'the account already exists', emit: [{ type: 'AccountCreated', data: { accountId: { event: 'key' }, initialBalance: { event: 'data.initialBalance' } } }] },
          { name: 'Deposit', when: { op: 'gt', left: amount, right: 0 }, reject: 'a deposit must be positive', emit: [{ type: 'MoneyDeposited', data: { accountId: { event: 'key' }, amount } }] },
          { name: 'Withdraw', when: { op: 'gte', left: balanceOf, right: amount }, reject: 'insufficient funds', emit: [{ type: 'MoneyWithdrawn', data: { accountId: { event: 'key' }, amount } }] },
        ],
        ...extra,
      },
    },
    { id: 'accounts', kind: 'topic' },
    {
      id: 'balances',
      kind: 'projection',
      config: {
        rules: [
          { on: 'AccountCreated', do: [{ do: 'set', table: 'balance', key: { event: 'key' }, value: { event: 'data.initialBalance' } }] },
          { on: 'MoneyDeposited', do: [{ do: 'increment', table: 'balance', key: { event: 'key' }, by: amount }] },
          { on: 'MoneyWithdrawn', do: [{ do: 'decrement', table: 'balance', key: { event: 'key' }, by: amount }] },
        ],
      },
    },
  ],
  edges: [
    { source: 'account', target: 'accounts' },
    { source: 'accounts', target: 'balances' },
  ],
});

const cmd = (command: string, stream: string, data: Record<string, unknown> = {}) => ({ kind: 'command' as const, node: 'account', command, stream, data: data as never });
const agg = (s: ReturnType<typeof sim>) => s.engine.view().nodes.account as AggregateView;

describe('aggregates (event sourcing)', () => {
  it('[A1] [A2] the account: created 1000, deposit 500, withdraw 200 → 1300 in the stream and in the projection', () => {
    const s = sim(bankAccount());
    s.act(cmd('OpenAccount', 'ACC-1', { initialBalance: 1000 })).run();
    s.act(cmd('Deposit', 'ACC-1', { amount: 500 })).run();
    s.act(cmd('Withdraw', 'ACC-1', { amount: 200 })).run();
    expect(agg(s).streams).toEqual([{ id: 'ACC-1', version: 3, state: { balance: 1300 }, snapshot: null }]);
    expect((s.engine.view().nodes.balances as ProjectionView).tables.balance).toEqual({ 'ACC-1': 1300 });
    expect(s.engine.streamHistory('account', 'ACC-1').map((h) => [h.type, h.version, h.state.balance])).toEqual([
      ['AccountCreated', 1, 1000],
      ['MoneyDeposited', 2, 1500],
      ['MoneyWithdrawn', 3, 1300],
    ]);
    // The temporal query at the second event shows 1500.
    const second = s.trace.find((x) => x.kind === 'commit' && x.node === 'balances' && x.eventType === 'MoneyDeposited')!;
    expect((s.engine.viewAt(second.seq + 1).nodes.balances as ProjectionView).tables.balance['ACC-1']).toBe(1500);
  });

  it('[A2] a withdrawal beyond the balance is refused by the aggregate, with the reason', () => {
    const s = sim(bankAccount());
    s.act(cmd('OpenAccount', 'ACC-1', { initialBalance: 100 })).run();
    s.act(cmd('Withdraw', 'ACC-1', { amount: 500 })).run();
    const load = s.stepsOf('load').at(-1)!;
    expect(load.text).toMatch(/Withdraw on ACC-1: loaded ACC-1 at version 1 \(1 event folded\), state \{"balance":100\}\. Rejected: insufficient funds/);
    expect(agg(s).streams[0].version).toBe(1);
    expect(agg(s).commands.at(-1)).toMatchObject({ command: 'Withdraw', status: 'rejected' });
    expect(s.engine.act(cmd('Explode', 'ACC-1'))).toMatchObject({ ok: false, reason: expect.stringMatching(/has no command "Explode"/) });
  });

  it('[A4] two commands racing on one stream: a visible conflict, a reload, a retry; no event lost', () => {
    const s = sim(bankAccount({ processingMs: 20 }));
    s.act(cmd('OpenAccount', 'ACC-1', { initialBalance: 100 })).run();
    s.act(cmd('Withdraw', 'ACC-1', { amount: 60 })).act(cmd('Withdraw', 'ACC-1', { amount: 60 })).run();
    const conflict = s.stepsOf('conflict')[0];
    expect(conflict.text).toMatch(/expected version 1, but another command appended first \(the stream is at 2\)/);
    // After the reload the second withdrawal no longer fits the balance: refused, not lost.
    expect(s.stepsOf('load').at(-1)!.text).toMatch(/loaded ACC-1 at version 2.*Rejected: insufficient funds/);
    expect(agg(s).streams[0]).toMatchObject({ version: 2, state: { balance: 40 } });
  });

  it('[A5] snapshots every N events; loading starts from the snapshot', () => {
    const s = sim(bankAccount({ snapshotEvery: 2 }));
    s.act(cmd('OpenAccount', 'ACC-1', { initialBalance: 10 })).run();
    for (let i = 0; i < 3; i++) s.act(cmd('Deposit', 'ACC-1', { amount: 1 })).run();
    expect(s.stepsOf('append').map((x) => /snapshot of ACC-1 taken at v(\d)/.exec(x.text)?.[1] ?? null)).toEqual([null, '2', null, '4']);
    s.act(cmd('Withdraw', 'ACC-1', { amount: 1 })).run();
    expect(s.stepsOf('load').at(-1)!.text).toMatch(/from the snapshot at v4 \+ 0 events/);
    expect(agg(s).streams[0]).toMatchObject({ version: 5, state: { balance: 12 }, snapshot: 4 });
  });

  it('[A3] a consumer sends commands to an aggregate; events keep the correlation', () => {
    const sc = bankAccount();
    sc.nodes.push({ id: 'payroll', kind: 'producer', config: { templates: [{ type: 'SalaryPaid', key: 'ACC-1', data: { amount: 300 } }] } } as never);
    sc.nodes.push({ id: 'salaries', kind: 'topic' } as never);
    sc.nodes.push({ id: 'bookkeeper', kind: 'consumer', config: { rules: [{ on: 'SalaryPaid', do: [{ do: 'command', aggregate: 'account', command: 'Deposit', stream: { event: 'key' }, data: { amount } }] }] } } as never);
    sc.edges.push({ source: 'payroll', target: 'salaries' }, { source: 'salaries', target: 'bookkeeper' }, { source: 'bookkeeper', target: 'account' });
    const s = sim(sc);
    s.act(cmd('OpenAccount', 'ACC-1', { initialBalance: 0 })).run();
    s.fire('payroll').run();
    expect(agg(s).streams[0].state.balance).toBe(300);
    const deposited = s.stepsOf('append').at(-1)!;
    expect(deposited.correlationId).toBe(s.stepsOf('fire')[0].eventId);
  });

  it('[A4] expected-version conflicts never lose an event (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ stream: fc.constantFrom('A', 'B'), amount: fc.integer({ min: 1, max: 40 }), withdraw: fc.boolean(), gap: fc.integer({ min: 0, max: 6 }) }), { maxLength: 20 }), (ops) => {
        const s = sim(bankAccount({ processingMs: 5, maxConflictRetries: 20 }));
        s.act(cmd('OpenAccount', 'A', { initialBalance: 50 })).act(cmd('OpenAccount', 'B', { initialBalance: 50 })).run();
        for (const o of ops) {
          s.act(cmd(o.withdraw ? 'Withdraw' : 'Deposit', o.stream, { amount: o.amount }));
          s.step(o.gap);
        }
        s.run();
        const view = agg(s);
        // Every command ended appended or rejected; none failed or vanished.
        expect(view.commands.every((c) => c.status === 'appended' || c.status === 'rejected')).toBe(true);
        const appended = s.stepsOf('append').reduce((n, x) => n + Number(/appended (.*?) to \S+: version/.exec(x.text)![1].split(', ').length), 0);
        expect(view.streams.reduce((n, x) => n + x.version, 0)).toBe(appended);
        // The balance never goes negative: every decision saw the latest version.
        for (const st of view.streams) expect(st.state.balance as number).toBeGreaterThanOrEqual(0);
        // And the projection, fed by the published events, agrees with the streams.
        const tables = (s.engine.view().nodes.balances as ProjectionView).tables.balance;
        for (const st of view.streams) expect(tables[st.id]).toBe(st.state.balance);
      }),
      { numRuns: 80 },
    );
  });
});
