// The pure window arithmetic behind the trace rows each update sends.
import { describe, expect, it } from 'vitest';
import { applyTrace, planWindow, targetWindow } from './trace-window.ts';
import type { TraceStep } from '../engine/index.ts';

const row = (seq: number) => ({ seq, time: 0, kind: 'commit', node: null, eventId: null, eventType: null, key: null, topic: null, partition: null, offset: null, text: `row ${seq}` }) as TraceStep;
const rows = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, i) => row(lo + i));

describe('targetWindow', () => {
  it('is the whole trace while it is short, then its last rows', () => {
    expect(targetWindow(3, 3, 10)).toEqual({ lo: 0, hi: 3 });
    expect(targetWindow(25, 25, 10)).toEqual({ lo: 15, hi: 25 });
    // Scrubbed back a little: the same window, so nothing is resent.
    expect(targetWindow(20, 25, 10)).toEqual({ lo: 15, hi: 25 });
  });
  it('centres on the playhead row when scrubbed far back', () => {
    expect(targetWindow(8, 100, 10)).toEqual({ lo: 2, hi: 12 });
    expect(targetWindow(0, 100, 10)).toEqual({ lo: 0, hi: 10 });
  });
});

describe('planWindow and applyTrace', () => {
  it('sends only the rows after what the client holds', () => {
    const { window, send } = planWindow({ lo: 0, hi: 5 }, { lo: 0, hi: 8 });
    expect(send).toEqual([{ lo: 5, hi: 8 }]);
    expect(applyTrace(rows(0, 5), window, rows(5, 8))).toEqual(rows(0, 8));
  });
  it('sends rows on both sides and drops what falls out', () => {
    const { window, send } = planWindow({ lo: 10, hi: 20 }, { lo: 5, hi: 25 });
    expect(send).toEqual([{ lo: 5, hi: 10 }, { lo: 20, hi: 25 }]);
    expect(applyTrace(rows(10, 20), window, [...rows(5, 10), ...rows(20, 25)])).toEqual(rows(5, 25));
    const shrink = planWindow({ lo: 0, hi: 20 }, { lo: 8, hi: 12 });
    expect(shrink.send).toEqual([]);
    expect(applyTrace(rows(0, 20), shrink.window, [])).toEqual(rows(8, 12));
  });
  it('replaces everything when nothing overlaps', () => {
    const { window, send } = planWindow({ lo: 0, hi: 5 }, { lo: 50, hi: 60 });
    expect(window).toMatchObject({ keepFrom: 0, keepTo: 0 });
    expect(send).toEqual([{ lo: 50, hi: 60 }]);
    expect(applyTrace(rows(0, 5), window, rows(50, 60))).toEqual(rows(50, 60));
  });
});
