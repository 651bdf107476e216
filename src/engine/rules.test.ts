// [H3] [H4] A counter rule (one increment or decrement by a number written in the rule, keyed
// by an event field) runs on a fast path in `compileRules`: it must give exactly what the
// general interpreter gives, for any key and any value already in the row, errors included.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileRules, newOutcome, type RuleInput } from './rules.ts';
import type { Json } from './json.ts';
import type { Rule } from './scenario.ts';

function input(key: unknown, row: Json | undefined): RuleInput {
  return {
    field: (path) => (path[0] === 'key' ? key : path[0] === 'type' ? 'Tick' : undefined),
    data: () => ({}),
    read: (table, k) => (table === 'count' && k === 'k1' ? row : undefined),
  };
}

describe('counter rules', () => {
  it('[H3] [H4] the fast path gives what the general interpreter gives', () => {
    const anyValue = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(''), fc.constant('k1'), fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant([1]), fc.constant({ a: 1 }));
    fc.assert(
      fc.property(fc.constantFrom('increment', 'decrement'), fc.oneof(fc.integer(), fc.double()), anyValue, anyValue, fc.boolean(), (op, by, key, row, reuse) => {
        const action = { do: op, table: 'count', key: { event: 'key' }, by } as Rule['do'][number];
        const fast = compileRules([{ on: 'Tick', do: [action] }]);
        // A `when` that always holds sends the same rule the general way.
        const general = compileRules([{ on: 'Tick', when: { op: 'exists', value: { event: 'type' } }, do: [action] }]);
        const i = input(key, row as Json | undefined);
        const a = fast.run('Tick', i, reuse ? newOutcome() : undefined);
        const b = general.run('Tick', i);
        expect(a).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  it('[H4] a counter on a row that holds text fails, as any increment does', () => {
    const rules = compileRules([{ on: 'Tick', do: [{ do: 'increment', table: 'count', key: { event: 'key' }, by: 1 }] }]);
    expect(rules.run('Tick', input('k1', 'seven')).error).toBe('count[k1] is "seven", not a number, so it cannot be incremented');
    expect(rules.run('Tick', input(undefined, 3)).error).toBe('the key for count is missing (key): a key must be text or a number');
    expect(rules.run('Tick', input('k1', 3)).writes).toEqual([{ table: 'count', key: 'k1', value: 4 }]);
  });
});
