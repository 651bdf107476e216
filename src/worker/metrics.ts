// Lag over time ([M2]): for every node that has a backlog, how many messages were waiting at
// sampled steps from 0 up to the playhead. Computed from the run itself (seek to each sample,
// read the view, seek back), so it is as deterministic as the trace and follows the playhead
// when the learner steps back. Samples are every `every` steps, `every` a power of two, so
// the points already taken stay valid while the run grows; they are cached per engine and
// dropped where the timeline forks.
import type { Engine, EngineView } from '../engine/index.ts';

export interface LagSeries {
  /** The playhead the series ends at (its last point). */
  step: number;
  /** Steps between samples (a power of two). */
  every: number;
  /** The step of each sample, ascending; the last is the playhead. */
  steps: number[];
  /** Node id → backlog at each sample (same length as `steps`). */
  nodes: Record<string, number[]>;
}

/**
 * A node's backlog in a view ([M2]): a consumer's group lag plus the ready messages of the
 * queues it reads; a projection's events behind; a queue's messages not yet acked or
 * dead-lettered; a topic's largest lag of any group reading it. Null for other kinds.
 */
export function backlogs(view: EngineView): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, v] of Object.entries(view.nodes)) {
    if (v.kind === 'consumer') {
      let n = v.groupLag;
      for (const q of v.queues) {
        const qv = view.nodes[q];
        if (qv?.kind === 'queue') n += qv.ready;
      }
      out[id] = n;
    } else if (v.kind === 'projection') out[id] = v.behind;
    else if (v.kind === 'queue') out[id] = v.ready + v.inFlight;
    else if (v.kind === 'topic') {
      const byGroup = new Map<string, number>();
      for (const p of v.partitions) for (const g of p.groups) byGroup.set(g.group, (byGroup.get(g.group) ?? 0) + g.lag);
      out[id] = Math.max(0, ...byGroup.values());
    }
  }
  return out;
}

/** Steps between samples so that at most `points` + 1 samples cover [0, step]. */
export function sampleEvery(step: number, points: number): number {
  let every = 1;
  while (step / every > points) every *= 2;
  return every;
}

/** Keeps the samples of one timeline; `series` seeks the engine and always puts it back. */
export function lagSampler() {
  let owner: Engine | null = null;
  const cache = new Map<number, Record<string, number>>();

  return {
    /** The timeline forked at `step`: samples from there on are no longer true. */
    cut(step: number): void {
      for (const k of [...cache.keys()]) if (k >= step) cache.delete(k);
    },

    /**
     * The series up to the playhead. With `cachedOnly` (while playing) it seeks nothing: it
     * gives the samples already taken and the playhead, so playing never pays for re-runs.
     */
    series(e: Engine, points: number, cachedOnly = false): LagSeries {
      if (owner !== e) {
        owner = e;
        cache.clear();
      }
      const here = e.step;
      const every = sampleEvery(here, Math.max(2, points));
      const wanted: number[] = [];
      for (let s = 0; s < here; s += every) wanted.push(s);
      wanted.push(here);
      const steps: number[] = [];
      const rows: Record<string, number>[] = [];
      let moved = false;
      try {
        for (const s of wanted) {
          if (s === here) {
            // The playhead itself is read where it stands (never cached: the live end).
            if (moved) e.seek(here);
            moved = false;
            steps.push(s);
            rows.push(backlogs(e.view()));
            continue;
          }
          let row = cache.get(s);
          if (!row && cachedOnly) continue;
          if (!row) {
            e.seek(s);
            moved = true;
            row = backlogs(e.view());
            cache.set(s, row);
          }
          steps.push(s);
          rows.push(row);
        }
      } finally {
        if (moved || e.step !== here) e.seek(here);
      }
      const nodes: Record<string, number[]> = {};
      for (const id of Object.keys(rows[rows.length - 1])) nodes[id] = rows.map((r) => r[id] ?? 0);
      return { step: here, every, steps, nodes };
    },
  };
}

/** A node's health over time ([AL4]): per bucket of steps, the largest latency handled and the error rate. */
export interface HealthSeries {
  /** The playhead the series ends at. */
  step: number;
  /** The last step of each bucket (exclusive end), ascending; the last is the playhead. */
  steps: number[];
  /** Largest handle time − event time of the events the node handled in the bucket; null when none. */
  latency: (number | null)[];
  /** Failed attempts (`error` steps) per attempt (`handle` + `error`) in the bucket, in %; null with no attempt. */
  errorRate: (number | null)[];
  /** Over the whole run to the playhead: handled, failed, the latest latency. */
  handled: number;
  failed: number;
  lastLatency: number | null;
  /** The node's alert steps ([AL3]): where each fired or cleared. */
  alerts: { step: number; fired: boolean }[];
}

/** Reads the trace from step 0 to the playhead in chunks: as deterministic as the run, no seeking. */
export function healthSeries(e: Engine, node: string, points: number): HealthSeries {
  const here = e.step;
  const n = Math.max(1, Math.min(points, here || 1));
  const latency: (number | null)[] = new Array(n).fill(null);
  const tries = new Array<number>(n).fill(0);
  const fails = new Array<number>(n).fill(0);
  let handled = 0;
  let failed = 0;
  let lastLatency: number | null = null;
  const alerts: HealthSeries['alerts'] = [];
  for (let at = 0; at < here; at += 4096) {
    for (const st of e.steps(at, Math.min(here, at + 4096))) {
      if (st.node !== node) continue;
      if (st.kind === 'alert') alerts.push({ step: st.seq, fired: st.text.includes('" fired') });
      if (st.kind !== 'handle' && st.kind !== 'error') continue;
      const b = Math.min(n - 1, Math.floor((st.seq * n) / Math.max(1, here)));
      tries[b]++;
      if (st.kind === 'error') {
        fails[b]++;
        failed++;
        continue;
      }
      handled++;
      if (st.record !== null) {
        const l = st.time - e.records.evTime(st.record);
        lastLatency = l;
        latency[b] = Math.max(latency[b] ?? 0, l);
      }
    }
  }
  const steps = Array.from({ length: n }, (_, i) => Math.ceil(((i + 1) * here) / n));
  const errorRate = tries.map((t, i) => (t === 0 ? null : Math.round((fails[i] / t) * 1000) / 10));
  return { step: here, steps, latency, errorRate, handled, failed, lastLatency, alerts };
}
