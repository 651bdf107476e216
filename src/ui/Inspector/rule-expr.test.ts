// The rule builder's fields read as the rule sentences write them, so what a learner types
// from a sentence means the same thing ([H2]).
import { describe, expect, it } from 'vitest';
import { exprText } from '../../engine/rules.ts';
import { restoreScenario } from '../../engine/index.ts';
import { parseExpr } from './rule-expr.ts';

describe('parseExpr', () => {
  it('reads event fields, table values and fixed values', () => {
    expect(parseExpr('data.orderId')).toEqual({ event: 'data.orderId' });
    expect(parseExpr(' key ')).toEqual({ event: 'key' });
    expect(parseExpr('paid[data.orderId]')).toEqual({ state: 'paid', key: { event: 'data.orderId' } });
    expect(parseExpr('seq[key]')).toEqual({ state: 'seq', key: { event: 'key' } });
    expect(parseExpr('balance[ACC-1]')).toEqual({ state: 'balance', key: 'ACC-1' });
    expect(parseExpr('42')).toBe(42);
    expect(parseExpr('true')).toBe(true);
    expect(parseExpr('null')).toBeNull();
    expect(parseExpr('paid')).toBe('paid');
    expect(parseExpr('')).toBe('');
  });
  it('reads back what a rule sentence writes', () => {
    for (const e of [{ event: 'data.customerId' }, { state: 'status', key: { event: 'data.orderId' } }, { state: 'seq', key: { state: 'driver', key: { event: 'key' } } }] as const) {
      expect(parseExpr(exprText(e))).toEqual(e);
    }
  });
  it('a table read is a condition the engine accepts', () => {
    const r = restoreScenario({
      format: 'eventfold/scenario',
      version: 1,
      nodes: [{ id: 'c', kind: 'consumer', config: { rules: [{ on: 'PaymentConfirmed', when: { op: 'eq', left: parseExpr('status[data.orderId]'), right: parseExpr('pending') }, do: [{ do: 'set', table: 'status', key: parseExpr('data.orderId'), value: parseExpr('paid') }] }] } }],
    });
    expect(r.ok).toBe(true);
  });
});
