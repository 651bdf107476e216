// The trace rows the UI holds, and how an update changes them. Both sides of the worker
// boundary use this file: the worker decides which rows the client lacks (planWindow),
// the client applies an update to the rows it has (applyTrace). Types only from the
// engine, so importing it from the UI does not pull the engine into the main bundle.
import type { TraceStep } from '../engine/index.ts';

/** Most trace rows the client holds at once: a long run shows a window around the playhead. */
export const TRACE_WINDOW = 400;

/** How an update changes the client's rows. After applying it they are exactly [from, to). */
export interface TraceWindow {
  from: number;
  to: number;
  /** Keep the rows you hold with seq in [keepFrom, keepTo); drop every other row you hold. */
  keepFrom: number;
  keepTo: number;
}

/** A range of trace indices [lo, hi); empty when hi ≤ lo. */
export interface Range {
  lo: number;
  hi: number;
}

/**
 * The rows the client should hold: the whole recorded trace up to the horizon when it is
 * short, else the last TRACE_WINDOW rows, else (scrubbed far back) a window centred on
 * the playhead row. `step` is the playhead, `horizon` the recorded length.
 */
export function targetWindow(step: number, horizon: number, size = TRACE_WINDOW): Range {
  const current = Math.max(0, step - 1);
  const lo = Math.max(0, horizon - size);
  if (current >= lo) return { lo, hi: horizon };
  const start = Math.max(0, current - Math.floor(size / 2));
  return { lo: start, hi: Math.min(horizon, start + size) };
}

/**
 * Given what the client holds (`known`) and what it should hold (`target`), the rows to
 * keep and the ranges to send. Sends at most two ranges: before and after the kept part.
 */
export function planWindow(known: Range, target: Range): { window: TraceWindow; send: Range[] } {
  const keepFrom = Math.max(known.lo, target.lo);
  const keepTo = Math.min(known.hi, target.hi);
  if (keepTo <= keepFrom) {
    return { window: { from: target.lo, to: target.hi, keepFrom: 0, keepTo: 0 }, send: [target] };
  }
  const send: Range[] = [];
  if (target.lo < keepFrom) send.push({ lo: target.lo, hi: keepFrom });
  if (keepTo < target.hi) send.push({ lo: keepTo, hi: target.hi });
  return { window: { from: target.lo, to: target.hi, keepFrom, keepTo }, send };
}

/** The client's side: the rows after an update, in seq order. */
export function applyTrace(rows: readonly TraceStep[], window: TraceWindow, newSteps: readonly TraceStep[]): TraceStep[] {
  const kept = rows.filter((r) => r.seq >= window.keepFrom && r.seq < window.keepTo);
  const before = newSteps.filter((r) => r.seq < window.keepFrom);
  const after = newSteps.filter((r) => r.seq >= window.keepFrom);
  return kept.length === 0 ? [...newSteps] : [...before, ...kept, ...after];
}
