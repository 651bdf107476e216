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
