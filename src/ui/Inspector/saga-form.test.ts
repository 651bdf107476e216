import { describe, expect, it } from 'vitest';
import { dataText, parseData } from './saga-form.ts';

describe('saga form data', () => {
  it('shows copies of trigger fields as names, and reads names back as copies', () => {
    const data = { orderId: { event: 'data.orderId' }, amount: { event: 'data.amount' } };
    expect(dataText(data)).toBe('orderId, amount');
    expect(parseData('orderId, amount')).toEqual({ ok: true, data });
    expect(parseData('')).toEqual({ ok: true, data: undefined });
  });
  it('anything else is JSON, both ways', () => {
    const data = { orderId: { event: 'data.id' }, note: 'x' };
    expect(dataText(data)).toBe(JSON.stringify(data));
    expect(parseData(JSON.stringify(data))).toEqual({ ok: true, data });
  });
  it('bad input gets a message that says what to write', () => {
    const r1 = parseData('order id');
    expect(r1.ok).toBe(false);
    expect(!r1.ok && r1.message).toMatch(/"order id" is not a field name/);
    const r2 = parseData('{"orderId": ');
    expect(!r2.ok && r2.message).toMatch(/^must be JSON/);
    expect(parseData('[1]').ok).toBe(false);
  });
});
