// Columns, the packed trace and the packed event numbers read back exactly what was written, across the first chunk's
// doubling and whole-chunk growth, and after a truncate and re-write (a fork, SPEC [T4]).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventColumns, TRACE_KINDS, TRACE_NODES, TraceColumns, f64, i32, u8 } from './columns.ts';
import { STEP_KINDS } from './steps.ts';
import { MAX_NODES } from './scenario.ts';

const CHUNK = 1 << 15;

describe('columns', () => {
  it('an int, float and byte column keep every value across chunk boundaries', () => {
    const a = i32(4);
    const b = f64(4);
    const c = u8(4);
    const n = 2 * CHUNK + 5;
    for (let i = 0; i < n; i++) {
      a.set(i, i * 3 - 7);
      b.set(i, i / 4);
      c.set(i, i & 255);
    }
    expect(a.length).toBe(n);
    for (const i of [0, 3, 4, 63, 64, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, n - 1]) {
      expect(a.get(i)).toBe(i * 3 - 7);
      expect(b.get(i)).toBe(i / 4);
      expect(c.get(i)).toBe(i & 255);
    }
  });
});

describe('TraceColumns', () => {
  it('reads back each step as written, whatever the number of steps and the start capacity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 * CHUNK + 100 }), fc.integer({ min: 1, max: 4096 }), (n, capacity) => {
        const t = new TraceColumns(capacity);
        for (let i = 0; i < n; i++) t.write(i, i % 200, i * 0.5, (i % 9) - 1, i - 1, -i - 1);
        expect(t.length).toBe(n);
        for (const i of [0, n >> 1, n - 1, Math.min(n - 1, CHUNK - 1), Math.min(n - 1, CHUNK)]) {
          expect([t.kind(i), t.time(i), t.node(i), t.event(i), t.aux(i)]).toEqual([i % 200, i * 0.5, (i % 9) - 1, i - 1, -i - 1]);
        }
      }),
      { numRuns: 12 },
    );
  });

  it('keeps a kind and a node in one int32: the extremes of both read back, and every step kind fits', () => {
    const t = new TraceColumns(4);
    const rows = [
      [TRACE_KINDS - 1, 1.5, -1, -1, -(2 ** 31)],
      [0, 2, TRACE_NODES - 1, 2 ** 31 - 1, 0],
      [TRACE_KINDS - 1, 3, TRACE_NODES - 1, 0, 2 ** 31 - 1],
      [7, 4, 0, 5, -1],
    ];
    rows.forEach(([kind, time, node, event, aux], i) => t.write(i, kind, time, node, event, aux));
    rows.forEach((row, i) => expect([t.kind(i), t.time(i), t.node(i), t.event(i), t.aux(i)]).toEqual(row));
    expect(STEP_KINDS.length).toBeLessThanOrEqual(TRACE_KINDS);
    expect(MAX_NODES).toBeLessThanOrEqual(TRACE_NODES);
  });

  it('after a truncate, writing again replaces the old future and keeps the past', () => {
    const t = new TraceColumns(2);
    for (let i = 0; i < CHUNK + 10; i++) t.write(i, 1, i, 2, 3, 4);
    t.truncate(100);
    expect(t.length).toBe(100);
    t.write(100, 9, 0.25, -1, -1, 7);
    expect(t.length).toBe(101);
    expect([t.kind(99), t.time(99), t.node(99)]).toEqual([1, 99, 2]);
    expect([t.kind(100), t.time(100), t.node(100), t.event(100), t.aux(100)]).toEqual([9, 0.25, -1, -1, 7]);
    expect(t.bytes).toBeGreaterThanOrEqual((CHUNK + 10) * 20);
  });
});

describe('EventColumns', () => {
  const row = (i: number) => [i, i % 7, i * 2 + 1, i - 3, i % 5, i % 3, i * 4, (i % 4) - 1];
  const read = (t: EventColumns, i: number) => [...Array.from({ length: 8 }, (_, f) => t.int(i, f)), t.time(i)];
  const refs = (i: number) => [`T${i % 11}`, i % 2 ? `k${i}` : null, { i }];
  const readRefs = (t: EventColumns, i: number) => [t.ref(i, 0), t.ref(i, 1), t.ref(i, 2)];

  it('reads back the type, key, data, eight numbers and time of each record, whatever the count and the start capacity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 * CHUNK + 100 }), fc.integer({ min: 1, max: 4096 }), (n, capacity) => {
        const t = new EventColumns(capacity);
        for (let i = 0; i < n; i++) {
          const [a, b, c, d, e, f, g, h] = row(i);
          const [type, key, data] = refs(i);
          t.write(i, type as string, key as string | null, data, a, b, i * 0.25, c, d, e, f, g, h);
        }
        expect(t.length).toBe(n);
        for (const i of [0, n >> 1, n - 1, Math.min(n - 1, CHUNK - 1), Math.min(n - 1, CHUNK)]) {
          expect(read(t, i)).toEqual([...row(i), i * 0.25]);
          expect(readRefs(t, i)).toEqual(refs(i));
        }
      }),
      { numRuns: 12 },
    );
  });

  it('sets one number of a record (its offset, when appended) and leaves its neighbours', () => {
    const t = new EventColumns(2);
    for (let i = 0; i < CHUNK + 3; i++) t.write(i, 'T', 'k', null, i, 1, i, 2, 3, 4, 5, -1, 6);
    t.setInt(CHUNK + 1, 6, 42);
    expect(read(t, CHUNK + 1)).toEqual([CHUNK + 1, 1, 2, 3, 4, 5, 42, 6, CHUNK + 1]);
    expect(t.int(CHUNK, 6)).toBe(-1);
    expect(t.int(CHUNK + 2, 6)).toBe(-1);
    t.truncate(10);
    t.write(10, 'U', null, 1, 0, 0, 0.5, 0, 0, 0, 0, 0, 0);
    expect(t.length).toBe(11);
    expect(read(t, 9)).toEqual([9, 1, 2, 3, 4, 5, -1, 6, 9]);
    expect([t.ref(9, 0), t.ref(10, 0), t.ref(10, 1), t.ref(10, 2)]).toEqual(['T', 'U', null, 1]);
  });
});
