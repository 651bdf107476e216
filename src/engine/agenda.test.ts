// The agenda ([K2]): pending actions come out in (time, sequence) order, whatever mix of
// in-order and out-of-order times they went in with, also across a snapshot and restore.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ActionQueue } from './queue.ts';

type Op = { push: number } | { pop: true } | { reload: true } | { drop: number };

describe('the agenda', () => {
  it('[K2] pops in (time, sequence) order under any interleaving of pushes, pops, drops and restores', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 0, max: 30 }).map((d) => ({ push: d })) },
      { weight: 3, arbitrary: fc.constant({ pop: true as const }) },
      { weight: 1, arbitrary: fc.constant({ reload: true as const }) },
      { weight: 1, arbitrary: fc.integer({ min: 2, max: 5 }).map((d) => ({ drop: d })) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: -5, max: 5 }), (ops, skew) => {
        const q = new ActionQueue();
        const model: { time: number; seq: number }[] = [];
        let seq = 0;
        let now = 0;
        for (const o of ops) {
          if ('push' in o) {
            // Mostly at or after now (the lane), often earlier than the last push (near the
            // lane's end, or the heap when more than a few are later).
            const time = Math.max(0, now + (o.push % 3 === 0 ? -o.push + skew : o.push));
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
          } else if ('drop' in o) {
            // [K6] Expiring: every action whose sequence number is a multiple of d goes.
            q.dropWhere((_kind, a) => a % o.drop === 0);
            model.splice(0, model.length, ...model.filter((x) => x.seq % o.drop !== 0));
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

  it('[K6] dropping actions keeps the rest in order, in the lane and in the heap', () => {
    // Ten in order (the lane), then earlier ones behind more than a few of them (the heap).
    const times = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 50, 40, 30, 60, 20, 45, 35, 25, 55];
    fc.assert(
      fc.property(fc.subarray(times.map((_, i) => i)), (dropped) => {
        const q = new ActionQueue();
        times.forEach((time, seq) => q.push(time, seq, 1, seq, 0, 0));
        q.dropWhere((_kind, a) => dropped.includes(a));
        const want = times
          .map((time, seq) => ({ time, seq }))
          .filter((x) => !dropped.includes(x.seq))
          .sort((x, y) => x.time - y.time || x.seq - y.seq)
          .map((x) => x.seq);
        const got: number[] = [];
        for (let slot = q.peek(); slot >= 0; slot = q.peek()) {
          got.push(q.aOf(slot));
          q.pop();
        }
        expect(got).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });
});
