// The one interface between the kernel and everything it simulates. A module is a node kind
// (topic, consumer, saga…) or a part of the world that is not a node (the network, the
// invariants). The kernel calls modules only through this interface and knows none of them
// by name: adding a node kind is a new module in kinds/ and one line in kinds/index.ts.
import type { Intent, Input } from './inputs.ts';
import type { NodeView } from './views.ts';
import type { Kernel } from './kernel.ts';
import type { Invariant } from './scenario.ts';

/** A pending action's handler, registered with `Kernel.action`. `a`, `b`, `c` are its integers. */
export interface ActionHandler {
  /** Applies the action. False when it turned out to do nothing (no trace step is taken). */
  run(a: number, b: number, c: number): boolean;
  /**
   * True when the world moved on and the action must be dropped unapplied (an old epoch).
   * Once true it must stay true: the kernel may ask early (peeking at what comes next) or
   * only when the action is due, so a check that could flip back (a flag a later input
   * resets) makes a run and its replay differ. Compare a number that only grows.
   */
  stale?(a: number, b: number, c: number): boolean;
  /**
   * Like `stale`, but asked only when the module calls `Kernel.expire()`, which it does right
   * after each change that can make it true (an epoch it bumps): the agenda then drops every
   * pending action it makes stale at once, so the kernel asks nothing per step ([K6]). Once
   * true it must stay true. For the actions taken most often (a fetch, a handle, a commit).
   */
  expired?(a: number, b: number, c: number): boolean;
  /** "what happens next", ending with `at` ("at 12 ms"). */
  describe(a: number, b: number, c: number, at: string): string;
}

/** A learner's action on one of a module's nodes ([T2]). */
export interface IntentHandler<I extends Intent = Intent> {
  /** Why it cannot apply now, or null. */
  refuse(node: number, intent: I): string | null;
  /** Applies it (already checked by `refuse`) and records its step. */
  apply(node: number, input: I & Pick<Input, 'atStep' | 'time'>): void;
}

export type IntentHandlers = { [K in Intent['kind']]?: IntentHandler<Extract<Intent, { kind: K }>> };

/** One trace step as an explanation sees it. */
export interface StepInfo {
  /** Index in the trace. */
  i: number;
  kind: number;
  node: number;
  ev: number;
  aux: number;
  note: string | undefined;
}

export interface Module {
  /** The scenario node kinds whose nodes this module runs (none for a part of the world). */
  readonly kinds: readonly string[];
  /** An optional module's name (kinds/index.ts OPTIONAL), by which others find it. */
  readonly optionalName?: string;
  /** Intents this module applies to its own nodes. */
  readonly intents?: IntentHandlers;
  /** Intents this module applies to any node (the network's partition, heal, link). */
  readonly anyNodeIntents?: IntentHandlers;
  /** Builds runtime state from the scenario: its channels, its records. Called in module order. */
  build?(): void;
  /** After every module built: connects to the others. */
  link?(): void;
  /** Schedules the first actions. Called in module order after every link. */
  start?(): void;
  /** Every piece of mutable state, copied: the kernel keeps it in a checkpoint ([T5]). */
  capture(): unknown;
  /** Puts back what `capture` returned (the kernel never reads it). */
  restore(state: unknown): void;
  /** Roughly how many entries a checkpoint copies (or a later overwrite copies for it): the kernel spaces checkpoints by it. */
  stateSize?(): number;
  /** The view of one of its nodes at the playhead. */
  view?(node: number): NodeView | undefined;
  /** One trace step in words, when this module knows it; else undefined. */
  explain?(s: StepInfo): string | undefined;
  /** A fork dropped the recorded future: drop what this module recorded beyond it ([T3]). */
  fork?(): void;
  /** Bytes held by its recordings (for the benchmark). */
  recordingBytes?(): number;
  /** Invariant kinds on its nodes that are judged only when the run is idle ([V1]). */
  readonly idleChecks?: readonly Invariant['kind'][];
  /** Judges one of those: what is wrong, or null. */
  idleCheck?(inv: Invariant, node: number): string | null;
}

/** A module class: constructed by the kernel with itself. */
export type ModuleClass<M extends Module = Module> = new (k: Kernel) => M;
