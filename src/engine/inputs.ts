// The learner's actions. Each is recorded with the step at which it was applied, so a
// session (scenario + seed + inputs) replays exactly (SPEC [T2], [T3]).
import type { Json } from './json.ts';
import type { ConsumerPatch } from './scenario.ts';

export interface FireIntent {
  kind: 'fire';
  /** Producer node id. */
  node: string;
  /** Template index (default 0), unless `event` is given. */
  template?: number;
  /** An event written on the spot instead of a template. */
  event?: { type: string; key?: string | null; data?: Json; topic?: string; schemaVersion?: number };
}

/** Where inside handling a crash strikes ([X1]). */
export type CrashPoint = 'now' | 'before-handle' | 'after-effects' | 'after-save' | 'after-publish';

export interface CrashIntent {
  kind: 'crash';
  /** Consumer or producer node id. */
  node: string;
  /** `now` (default), or armed for the consumer's next event at that point. */
  point?: CrashPoint;
  /** Restart by itself this long after the crash. */
  restartAfterMs?: number;
}
export interface RestartIntent {
  kind: 'restart';
  node: string;
}
/** Deliver one event again to a consumer's group ([X2]). */
export interface DuplicateIntent {
  kind: 'duplicate';
  node: string;
  /** CloudEvents id, e.g. `evt-3`. */
  event: string;
}
/** Rewind a consumer's position on each of its partitions by `count` records ([X3]). */
export interface RedeliverIntent {
  kind: 'redeliver';
  node: string;
  count: number;
}
/** Deploy a new version of a consumer's settings from this step on ([X4]). */
export interface DeployIntent {
  kind: 'deploy';
  node: string;
  config: ConsumerPatch;
}
/** Send dead-lettered events back to the topic they came from ([R5]). */
export interface RedriveIntent {
  kind: 'redrive';
  /** The dead-letter topic. */
  node: string;
  /** CloudEvents ids to redrive; all not yet redriven when left out. */
  events?: string[];
}
/** A topic or queue is unavailable for a while ([N4]). */
export interface OutageIntent {
  kind: 'outage';
  node: string;
  durationMs: number;
  /** `down` (default): publishes fail and are retried; `acks-lost`: writes land but their acks are lost; `restart`: down, and a queue loses what was not durable ([DU1]). */
  mode?: 'down' | 'acks-lost' | 'restart';
}
/** One broker of a replicated topic fails ([KR5]): by number, or the leader of partition 0; back by itself after `durationMs`. */
export interface BrokerFailIntent {
  kind: 'broker-fail';
  /** The topic. */
  node: string;
  /** 1..replicationFactor; left out, the broker leading partition 0. */
  broker?: number;
  durationMs?: number;
}
/** A failed broker of a replicated topic comes back ([KR6]). */
export interface BrokerRecoverIntent {
  kind: 'broker-recover';
  node: string;
  broker: number;
}
/** Cut the network between two nodes, optionally healing by itself ([N5]). */
export interface PartitionIntent {
  kind: 'partition';
  node: string;
  from: string;
  durationMs?: number;
}
export interface HealIntent {
  kind: 'heal';
  node: string;
  from: string;
}
/** Change what the network does on one connection ([N1]–[N3]). */
export interface LinkIntent {
  kind: 'link';
  node: string;
  to: string;
  delayMs?: number;
  jitterMs?: number;
  duplicateChance?: number;
  ackLossChance?: number;
}
/** Rebuild a projection from offset 0: replay ([J3]). */
export interface RebuildIntent {
  kind: 'rebuild';
  node: string;
}
/** Read one row of a projection now, stale or not ([J2]). */
export interface QueryIntent {
  kind: 'query';
  node: string;
  table: string;
  key: string;
}
/** Send a command to an aggregate's stream ([A2]). */
export interface CommandIntent {
  kind: 'command';
  node: string;
  command: string;
  stream: string;
  data?: Json;
}
/** Make step `step` of the next saga instance that reaches it fail, or time out ([W5]). */
export interface SagaFaultIntent {
  kind: 'saga-fault';
  node: string;
  step: number;
  fault: 'fail' | 'timeout';
}
export type Intent =
  | SagaFaultIntent
  | CommandIntent
  | RebuildIntent
  | QueryIntent
  | FireIntent
  | CrashIntent
  | RestartIntent
  | DuplicateIntent
  | RedeliverIntent
  | DeployIntent
  | RedriveIntent
  | OutageIntent
  | BrokerFailIntent
  | BrokerRecoverIntent
  | PartitionIntent
  | HealIntent
  | LinkIntent;

/** An intent as recorded: at which step (trace index) and logical time it was applied. */
export type Input = Intent & { atStep: number; time: number };
