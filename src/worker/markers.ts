// The timeline's marker kinds, shared by the worker (api.ts fills the buckets) and the UI's
// scrubber. A file of its own so the UI can import them without api.ts, which imports the
// engine (and so would tie the scenario schemas to the first screen's bundle).

/** Timeline marker kinds, in the order the scrubber draws them. */
export const MARKERS = ['publish', 'deliver', 'commit', 'rebalance', 'error'] as const;
/** Alert lanes ([AL3]), drawn only when the scenario has alerts: bits 5 and 6 of a bucket. */
export const ALERT_MARKERS = ['alert fired', 'alert cleared'] as const;
export type Marker = (typeof MARKERS)[number];
