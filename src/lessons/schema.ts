// The schemas of every file in a lesson folder, and of lessons/index.json. Lessons are
// data: Markdown and JSON read through these schemas, never code. Errors name the file
// and the field (`lessons/04-commit-timing/goals.json: [2].atLeast: must be a whole number`).
import * as v from 'valibot';
import { KIND_INFO, STEP_KINDS } from '../engine/index.ts';
import type { FieldError, NodeKind } from '../engine/index.ts';

const Id = v.pipe(v.string('must be text'), v.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case words joined by "-", such as fan-out'), v.maxLength(64, 'must be at most 64 characters'));
const Text = (max: number) => v.pipe(v.string('must be text'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(max, `must be at most ${max} characters`));
const Count = v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(0, 'must be at least 0'), v.maxValue(1_000_000, 'must be at most 1000000'));
const NodeId = v.pipe(v.string('must be text'), v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be a node id'));
const Json = v.custom<JsonValue>((x) => isPlainJson(x), 'must be plain JSON');
export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

function isPlainJson(x: unknown, depth = 0): boolean {
  if (depth > 20) return false;
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return true;
  if (typeof x === 'number') return Number.isFinite(x);
  if (Array.isArray(x)) return x.every((y) => isPlainJson(y, depth + 1));
  if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) return Object.values(x as object).every((y) => isPlainJson(y, depth + 1));
  return false;
}

// ---------------------------------------------------------------------------- lesson.md

export const FrontMatterSchema = v.strictObject({
  /** Stable forever: progress is keyed by it. Never reuse or rename an id. */
  id: Id,
  /** Bumped when the goals or the start change enough that a finished lesson should say "updated". */
  version: v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(1, 'must be at least 1')),
  title: Text(80),
  summary: Text(240),
  concepts: v.pipe(v.array(Text(40), 'must be a list such as [offsets, at-least-once]'), v.minLength(1, 'must name at least one concept')),
  /** Minutes a learner new to the idea needs. */
  minutes: v.optional(v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(1), v.maxValue(60)), 10),
  /** What the simulation models here, in one or two sentences. */
  models: Text(600),
  /** What it simplifies compared with real Kafka or RabbitMQ. */
  simplifies: Text(600),
});
export type LessonFrontMatter = v.InferOutput<typeof FrontMatterSchema>;

// ---------------------------------------------------------------------------- start.json

/** Start from the previous lesson's solution scenario, optionally replacing top-level fields. */
export const InheritSchema = v.strictObject({
  inherit: Id,
  name: v.optional(Text(120)),
  description: v.optional(v.pipe(v.string(), v.maxLength(4000))),
  /** Replaces the inherited scenario's schedule (faults the lesson sets up). */
  schedule: v.optional(v.array(v.unknown())),
  /** Replaces the inherited scenario's invariants. */
  invariants: v.optional(v.array(v.unknown())),
});
export type InheritRef = v.InferOutput<typeof InheritSchema>;

// ---------------------------------------------------------------------------- goals.json

/** Picks nodes of the scenario: every given field must match. */
export interface Selector {
  id?: string;
  kind?: NodeKind;
  label?: string;
  /** Dotted paths into the node's config and the value each must equal: `{"group": "billing"}`. */
  config?: Record<string, JsonValue>;
  /** A node matching this has a connection into the node. */
  from?: Selector;
  /** The node has a connection to a node matching this. */
  to?: Selector;
}
const KINDS = Object.keys(KIND_INFO) as NodeKind[];
const KIND = v.picklist(KINDS, `must be ${KINDS.slice(0, -1).join(', ')} or ${KINDS[KINDS.length - 1]}`);
export const SelectorSchema: v.GenericSchema<Selector> = v.strictObject({
  id: v.optional(NodeId),
  kind: v.optional(KIND),
  label: v.optional(Text(80)),
  config: v.optional(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'must be a dotted path such as retry.maxAttempts')), Json)),
  from: v.optional(v.lazy(() => SelectorSchema)),
  to: v.optional(v.lazy(() => SelectorSchema)),
});
/** A selector, or a node id as a shorthand for `{"id": …}`. */
const NodeRef = v.pipe(
  v.union([NodeId, SelectorSchema], 'must be a node id or a selector such as {"kind": "consumer"}'),
  v.transform((x): Selector => (typeof x === 'string' ? { id: x } : x)),
);

export type Op = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';
const OpSchema = v.picklist(['eq', 'ne', 'gt', 'gte', 'lt', 'lte'], 'must be eq, ne, gt, gte, lt or lte');

export interface StepFilter {
  kind?: (typeof STEP_KINDS)[number][];
  node?: Selector;
  eventType?: string;
  key?: string;
  topic?: string;
  /** The step's sentence contains this text. */
  text?: string;
  /** Only steps at or before this logical time (ms). */
  timeAtMost?: number;
}
const StepKindSchema = v.picklist(STEP_KINDS, `must be a step kind: ${STEP_KINDS.join(', ')}`);
export const StepFilterSchema = v.strictObject({
  kind: v.optional(v.pipe(v.union([StepKindSchema, v.array(StepKindSchema)], `must be a step kind or a list of them`), v.transform((k) => (Array.isArray(k) ? k : [k])))),
  node: v.optional(NodeRef),
  eventType: v.optional(Text(100)),
  key: v.optional(Text(200)),
  topic: v.optional(NodeId),
  text: v.optional(Text(200)),
  timeAtMost: v.optional(v.pipe(v.number(), v.minValue(0))),
});

export type InvariantSpec =
  | { kind: 'at-most-once'; node: Selector; effect: string }
  | { kind: 'no-loss' | 'key-order' | 'fold' | 'published' | 'saga-settled'; node: Selector }
  | { kind: 'state'; node: Selector; table: string; op: Op; value: JsonValue };
const InvariantSpecSchema = v.variant(
  'kind',
  [
    v.strictObject({ kind: v.literal('at-most-once'), node: NodeRef, effect: Text(64) }),
    v.strictObject({ kind: v.picklist(['no-loss', 'key-order', 'fold', 'published', 'saga-settled']), node: NodeRef }),
    v.strictObject({ kind: v.literal('state'), node: NodeRef, table: Text(64), op: OpSchema, value: Json }),
  ],
  'must have "kind": at-most-once, no-loss, key-order, fold, published, saga-settled or state',
);

export type Outcome = 'effects' | 'state' | 'tables' | 'streams' | 'sagas';

interface GoalBase {
  /** Stable within the lesson: guided steps wait for goals by id. */
  id?: string;
  /** Shown verbatim to the learner. */
  label: string;
}
export type Goal = GoalBase &
  (
    | { kind: 'graph'; exists?: Selector; path?: Selector[]; atLeast?: number; atMost?: number; every?: Selector }
    | { kind: 'trace'; match: StepFilter; atLeast?: number; atMost?: number; distinct?: 'node' | 'key' | 'eventId' | 'eventType'; perConversation?: boolean }
    | { kind: 'invariant'; invariant: InvariantSpec; expect: 'held' | 'broke' }
    | { kind: 'metric'; node: Selector; path: string[]; of: 'value' | 'sum' | 'count' | 'max' | 'min'; op: Op; value: JsonValue }
    | { kind: 'equivalent'; compare: Outcome[]; nodes?: string[] }
    | { kind: 'alert'; node: string; metric: 'lag' | 'latency' | 'error-rate' | 'under-replicated'; fired?: { atLeast?: number; atMost?: number }; state?: 'ok' | 'pending' | 'firing'; thresholdAtMost?: number; forAtMost?: number }
    | { kind: 'all' | 'any'; of: Goal[] }
    | { kind: 'not'; goal: Goal }
  );

const Base = { id: v.optional(Id), label: Text(200) };
const Bound = { atLeast: v.optional(Count), atMost: v.optional(Count) };
export const GoalSchema: v.GenericSchema<unknown, Goal> = v.pipe(
  v.variant(
    'kind',
    [
      v.strictObject({ kind: v.literal('graph'), ...Base, exists: v.optional(SelectorSchema), path: v.optional(v.pipe(v.array(NodeRef), v.minLength(2, 'a path names at least two nodes'))), ...Bound,
        /** Every node found must also match this ("every analytics member takes 50 ms"). */
        every: v.optional(SelectorSchema),
      }),
      v.strictObject({ kind: v.literal('trace'), ...Base, match: StepFilterSchema, ...Bound, distinct: v.optional(v.picklist(['node', 'key', 'eventId', 'eventType'], 'must be node, key, eventId or eventType')),
        /** Count within each conversation (correlation id); the goal holds when one conversation satisfies it. */
        perConversation: v.optional(v.boolean('must be true or false')),
      }),
      v.strictObject({ kind: v.literal('invariant'), ...Base, invariant: InvariantSpecSchema, expect: v.optional(v.picklist(['held', 'broke'], 'must be held or broke'), 'held') }),
      v.strictObject({
        kind: v.literal('metric'),
        ...Base,
        node: NodeRef,
        path: v.pipe(v.array(v.pipe(v.string(), v.minLength(1)), 'must be a list of names such as ["effects", "card charged"]'), v.minLength(1)),
        of: v.optional(v.picklist(['value', 'sum', 'count', 'max', 'min'], 'must be value, sum, count, max or min'), 'value'),
        op: OpSchema,
        value: Json,
      }),
      v.strictObject({
        kind: v.literal('equivalent'),
        ...Base,
        compare: v.pipe(v.array(v.picklist(['effects', 'state', 'tables', 'streams', 'sagas'], 'must be effects, state, tables, streams or sagas')), v.minLength(1)),
        nodes: v.optional(v.array(NodeId)),
      }),
      v.strictObject({
        kind: v.literal('alert'),
        ...Base,
        node: NodeId,
        metric: v.picklist(['lag', 'latency', 'error-rate', 'under-replicated'], 'must be lag, latency, error-rate or under-replicated'),
        fired: v.optional(v.strictObject(Bound)),
        state: v.optional(v.picklist(['ok', 'pending', 'firing'], 'must be ok, pending or firing')),
        /** Only alerts at least this strict count (raising the threshold hides the symptom). */
        thresholdAtMost: v.optional(v.number('must be a number')),
        forAtMost: v.optional(v.number('must be a number')),
      }),
      v.strictObject({ kind: v.picklist(['all', 'any']), ...Base, of: v.pipe(v.array(v.lazy(() => GoalSchema)), v.minLength(1)) }),
      v.strictObject({ kind: v.literal('not'), ...Base, goal: v.lazy(() => GoalSchema) }),
    ],
    'must have "kind": graph, trace, invariant, metric, equivalent, alert, all, any or not',
  ),
  v.check((g) => g.kind !== 'graph' || (g.exists === undefined) !== (g.path === undefined), 'a graph goal has either "exists" or "path"'),
  v.check((g) => g.kind !== 'trace' || g.atLeast !== undefined || g.atMost !== undefined, 'a trace goal needs "atLeast" or "atMost"'),
) as v.GenericSchema<unknown, Goal>;

export const GoalsFileSchema = v.pipe(
  v.array(GoalSchema, 'must be a list of goals'),
  v.minLength(1, 'a lesson needs at least one goal'),
  v.maxLength(12, 'at most 12 goals: a checklist a learner can read'),
);

// ---------------------------------------------------------------------------- hints.json, steps.json

export const HintsFileSchema = v.pipe(v.array(Text(600), 'must be a list of hints, easiest first'), v.minLength(1, 'give at least one hint'), v.maxLength(8));

/**
 * What a guided step waits for before Next lights up: a goal of the checklist by id, a step
 * in the trace, the learner's Continue, or — for a look into the past — a goal of its own
 * that holds while the playhead is back before the end of the recorded run.
 */
export type StepWait = { goal: string } | { trace: StepFilter } | { continue: true } | { past: Goal };
export const StepsFileSchema = v.pipe(
  v.array(
    v.strictObject({
      id: Id,
      title: Text(80),
      /** Markdown, a few sentences. */
      text: Text(1200),
      wait: v.optional(
        v.union(
          [
            v.strictObject({ goal: Id }),
            v.strictObject({ trace: StepFilterSchema }),
            v.strictObject({ continue: v.literal(true) }),
            /** Met while the learner has moved the playhead back (a temporal query) to a step where this goal holds. */
            v.strictObject({ past: GoalSchema }),
          ],
          'must be {"goal": "<goal id>"}, {"trace": {…filter…}}, {"past": {…goal…}} or {"continue": true}',
        ),
        { continue: true },
      ),
    }),
  ),
  v.maxLength(12),
);
export type GuidedStep = v.InferOutput<typeof StepsFileSchema>[number];

// ---------------------------------------------------------------------------- lessons/index.json

export const IndexSchema = v.strictObject({
  format: v.literal('eventfold/course'),
  version: v.literal(1),
  title: Text(120),
  chapters: v.pipe(
    v.array(v.strictObject({ id: Id, title: Text(120), lessons: v.pipe(v.array(Id), v.minLength(1)) })),
    v.minLength(1),
  ),
});
export type CourseIndex = v.InferOutput<typeof IndexSchema>;

// ---------------------------------------------------------------------------- errors

/** A problem in one lesson file, naming the file and the field. */
export interface LessonError {
  file: string;
  path: string;
  message: string;
}

export function describeLessonErrors(errors: readonly LessonError[]): string {
  return errors.map((e) => `${e.file}: ${e.path ? `${e.path}: ` : ''}${e.message}`).join('\n');
}

export function issuesOf(file: string, issues: readonly v.BaseIssue<unknown>[]): LessonError[] {
  return issues.map((i) => ({
    file,
    path: (i.path ?? []).map((p) => (typeof p.key === 'number' ? `[${p.key}]` : `.${String(p.key)}`)).join('').replace(/^\./, ''),
    message: i.type === 'strict_object' && i.received !== 'Object' && i.path ? 'unknown field' : i.message,
  }));
}

export function fromFieldErrors(file: string, errors: readonly FieldError[], prefix = ''): LessonError[] {
  return errors.map((e) => ({ file, path: prefix + e.path, message: e.message }));
}
