// The learner's actions. Each is recorded with the step at which it was applied, so a
// session (scenario + seed + inputs) replays exactly (SPEC [T2], [T3]).
import type { Json } from './json.ts';

export interface FireIntent {
  kind: 'fire';
  /** Producer node id. */
  node: string;
  /** Template index (default 0), unless `event` is given. */
  template?: number;
  /** An event written on the spot instead of a template. */
  event?: { type: string; key?: string | null; data?: Json; topic?: string };
}
export interface CrashIntent {
  kind: 'crash';
  /** Consumer node id. */
  node: string;
}
export interface RestartIntent {
  kind: 'restart';
  node: string;
}
export type Intent = FireIntent | CrashIntent | RestartIntent;

/** An intent as recorded: at which step (trace index) and logical time it was applied. */
export type Input = Intent & { atStep: number; time: number };
