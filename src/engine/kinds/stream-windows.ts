// Windows of event time for the stream processor ([WN2]): pure functions, no engine state.
// Windows are aligned to time 0, as Kafka Streams aligns them to the epoch: a tumbling window
// of size S covers [n·S, (n+1)·S); hopping windows of size S advancing by A start at every
// multiple of A, so each event time falls in S/A of them. As in Kafka Streams, no window
// starts before time 0: an event in the first S ms falls in fewer.

/** The starts of every window of `sizeMs` advancing by `advanceMs` that contains time `t` (oldest first). */
export function windowStarts(t: number, sizeMs: number, advanceMs: number): number[] {
  const last = Math.floor(t / advanceMs) * advanceMs;
  const out: number[] = [];
  for (let s = last; s > t - sizeMs && s >= 0; s -= advanceMs) out.unshift(s);
  return out;
}

export type Aggregate = 'count' | 'sum' | 'min' | 'max';

/** A window's value after one more event (`x` is the event's number; ignored by count). */
export function fold(agg: Aggregate, value: number | null, x: number): number {
  switch (agg) {
    case 'count':
      return (value ?? 0) + 1;
    case 'sum':
      return (value ?? 0) + x;
    case 'min':
      return value === null ? x : Math.min(value, x);
    case 'max':
      return value === null ? x : Math.max(value, x);
  }
}

/** A time on the simulation clock as a learner reads it: `62 s`, `1.5 s`, `250 ms`. */
export function fmtTime(ms: number): string {
  return ms % 1000 === 0 || Math.abs(ms) >= 1000 ? `${Math.round(ms) / 1000} s` : `${Math.round(ms * 1000) / 1000} ms`;
}
