import { describe, expect, it } from 'vitest';
import { effectSummary, firstRows, fmtTime, nodeSummary, tablesText, valueText } from './format.ts';
import type { NodeView } from '../engine/index.ts';

describe('format', () => {
  it('times', () => {
    expect(fmtTime(0)).toBe('0 ms');
    expect(fmtTime(11)).toBe('11 ms');
    expect(fmtTime(1 / 3)).toBe('0.333 ms');
    expect(fmtTime(12_345)).toBe('12.3 s');
  });
  it('values, cut to one short line', () => {
    expect(valueText(true)).toBe('true');
    expect(valueText('ORD-1')).toBe('ORD-1');
    expect(valueText(['ORD-1', 'ORD-2'])).toBe('["ORD-1","ORD-2"]');
    expect(valueText('x'.repeat(40), 10)).toBe(`${'x'.repeat(9)}…`);
  });
  it('tables and effects', () => {
    expect(firstRows({ a: 1, b: 2, c: 3 })).toEqual({ rows: [['a', '1'], ['b', '2']], more: 1 });
    expect(effectSummary({ 'ORD-1': 2, 'ORD-2': 1 })).toEqual({ total: 3, repeated: [['ORD-1', 2]] });
    expect(tablesText({ charged: { 'cus-1': 5 } })).toBe('charged\n  cus-1 → 5');
  });
  it('a one-line summary for kinds drawn without detail', () => {
    expect(nodeSummary(undefined)).toBeNull();
    expect(nodeSummary({ kind: 'queue', ready: 2, inFlight: 1, acked: 3, dead: 0, messages: [], deadLetters: [] } as NodeView)).toBe('2 ready · 1 in flight · 3 acked · 0 dead-lettered');
  });
});
