// The kinds of fault the chaos explorer draws from ([Z1]), in words. Apart from explore.ts
// so the UI can offer them without loading the engine.

export const FAULT_KINDS = ['crash', 'duplicate', 'rewind', 'reorder', 'outage', 'partition', 'lost-acks', 'broker'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_WORDS: Record<FaultKind, string> = {
  crash: 'crashes at each point of handling, with a restart',
  duplicate: 'duplicate deliveries',
  rewind: 'rewinds (redelivery)',
  reorder: 'delay and jitter on a connection (reordering)',
  outage: 'broker outages (down, or acks lost)',
  partition: 'network partitions between two nodes',
  'lost-acks': 'lost publish acknowledgements',
  broker: "broker failures (a queue's broker restarts; a broker of a replicated topic fails)",
};
