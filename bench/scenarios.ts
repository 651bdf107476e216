// The benchmark's scenario, as a plain document: engine.bench.ts and ab.ts both load it, each
// through the engine it measures (ab.ts compares two engines, each with its own restoreScenario).

export const SEED = 1;
export const KEYS = 1000;
export const PARTITIONS = 3;
export const GROUPS = 3;

/**
 * One producer at a rate (no per-event inputs), 1 topic with 3 partitions, 3 consumer groups
 * of one member each. Each handler increments a counter keyed by the event key, drawn from
 * KEYS distinct keys with the engine's seeded PRNG, and does nothing else.
 */
export function throughputDocument(events: number) {
  const groups = Array.from({ length: GROUPS }, (_, g) => `g${g}`);
  return {
    format: 'eventfold/scenario',
    version: 1,
    name: 'bench: 1 topic × 3 partitions × 3 groups',
    seed: SEED,
    nodes: [
      { id: 'producer', kind: 'producer', config: { templates: [{ type: 'Tick', key: `k{rand:0-${KEYS - 1}}` }], rate: { perSecond: 1000, limit: events } } },
      { id: 'topic', kind: 'topic', config: { partitions: PARTITIONS } },
      ...groups.map((g) => ({
        id: g,
        kind: 'consumer',
        config: { processingMs: 0, rules: [{ on: 'Tick', do: [{ do: 'increment', table: 'count', key: { event: 'key' }, by: 1 }] }] },
      })),
    ],
    edges: [{ source: 'producer', target: 'topic' }, ...groups.map((g) => ({ source: 'topic', target: g }))],
  };
}

/**
 * The throughput topology with faults everywhere: g0 fails on one event in ten (a poison:
 * 3 attempts with backoff, then the dead-letter topic) and keeps processed ids; g1 checks
 * versions behind a jittered connection; g2 commits before handling; deliveries are
 * duplicated by a nemesis, acks lost; every tenth of the run a consumer crashes at a point
 * and restarts, the topic has an outage and g1 is cut off for a while.
 */
export function faultDocument(events: number) {
  const span = events; // 1000 events per second: one per millisecond
  const schedule: Record<string, unknown>[] = [];
  const points = ['now', 'before-handle', 'after-effects', 'after-save'];
  for (let k = 1; k < 10; k++) {
    const at = Math.round((span * k) / 10);
    schedule.push({ at, kind: 'crash', node: `g${k % GROUPS}`, point: points[k % points.length], restartAfterMs: 20 });
    if (k % 3 === 0) schedule.push({ at: at + 5, kind: 'outage', node: 'topic', durationMs: 15, mode: k % 2 ? 'down' : 'acks-lost' });
    if (k % 3 === 1) schedule.push({ at: at + 7, kind: 'partition', node: 'topic', from: 'g1', durationMs: 30 });
  }
  const count = { on: 'Tick', do: [{ do: 'increment', table: 'count', key: { event: 'key' }, by: 1 }] };
  return {
    format: 'eventfold/scenario',
    version: 1,
    name: 'bench: faults on every side',
    seed: SEED,
    nodes: [
      { id: 'producer', kind: 'producer', config: { templates: [{ type: 'Tick', key: `k{rand:0-${KEYS - 1}}`, data: { r: '{rand:0-9}' } }], rate: { perSecond: 1000, limit: events }, retryBackoffMs: 5 } },
      { id: 'topic', kind: 'topic', config: { partitions: PARTITIONS } },
      { id: 'dlq', kind: 'topic', config: { partitions: 1 } },
      {
        id: 'g0',
        kind: 'consumer',
        config: {
          processingMs: 0,
          rules: [count],
          idempotency: 'processed-ids',
          failWhen: { op: 'eq', left: { event: 'data.r' }, right: 0 },
          retry: { maxAttempts: 3, backoff: 'exponential', initialMs: 2, maxMs: 20, jitter: true },
          ordering: 'skip',
          deadLetter: 'dlq',
        },
      },
      { id: 'g1', kind: 'consumer', config: { processingMs: 0, rules: [count], idempotency: 'version' } },
      { id: 'g2', kind: 'consumer', config: { processingMs: 0, rules: [count], commit: 'before' } },
    ],
    edges: [
      { source: 'producer', target: 'topic', ackLossChance: 0.02 },
      { source: 'topic', target: 'g0', duplicateChance: 0.05 },
      { source: 'topic', target: 'g1', jitterMs: 3, duplicateChance: 0.05 },
      { source: 'topic', target: 'g2' },
      { source: 'g0', target: 'dlq' },
    ],
    schedule,
  };
}
