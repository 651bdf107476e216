// The agenda ([K2]): pending actions come out in (time, sequence) order, whatever mix of
// in-order and out-of-order times they went in with, also across a snapshot and restore.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ActionQueue } from './queue.ts';

type Op = { push: number } | { pop: true } | { reload: true };

describe('the agenda', () => {
  it('[K2] pops in (time, sequence) order under any interleaving of pushes, pops and restores', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 0, max: 30 }).map((d) => ({ push: d })) },
      { weight: 3, arbitrary: fc.constant({ pop: true as const }) },
      { weight: 1, arbitrary: fc.constant({ reload: true as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: -5, max: 5 }), (ops, skew) => {
        const q = new ActionQueue();
        const model: { time: number; seq: number }[] = [];
        let seq = 0;
        let now = 0;
        for (const o of ops) {
          if ('push' in o) {
            // Mostly at or after now (the lane), sometimes earlier than the last push (the heap).
            const time = Math.max(0, now + (o.push % 7 === 0 ? -o.push + skew : o.push));
            q.push(time, seq, 1, seq, 0, 0);
            model.push({ time, seq });
            seq++;
          } else if ('pop' in o) {
            model.sort((x, y) => x.time - y.time || x.seq - y.seq);
            const want = model.shift();
            const slot = q.peek();
            if (!want) {
              expect(slot).toBe(-1);
              continue;
            }
            expect([q.timeOf(slot), q.aOf(slot)]).toEqual([want.time, want.seq]);
            q.pop();
            now = Math.max(now, want.time);
          } else q.restore(q.snapshot());
          expect(q.size).toBe(model.length);
        }
        model.sort((x, y) => x.time - y.time || x.seq - y.seq);
        for (const want of model) {
          const slot = q.peek();
          expect([q.timeOf(slot), q.aOf(slot)]).toEqual([want.time, want.seq]);
          q.pop();
        }
        expect(q.peek()).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });
});
