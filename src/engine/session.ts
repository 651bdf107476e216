// A session is what determines a run: scenario + seed + the learner's recorded inputs
// (with the step of each) + the step they were looking at. Its trace is recomputed, never
// stored (SPEC [T2]). `restoreSession` is the one door for sessions, as restoreScenario is
// for scenarios.
import * as v from 'valibot';
import { ConsumerPatch, formatPath, restoreScenario, type FieldError, type Restored, type Scenario } from './scenario.ts';
import { isJson } from './json.ts';
import type { Input } from './inputs.ts';

export const SESSION_FORMAT = 'eventfold/session';
export const SESSION_VERSION = 1;

export interface Session {
  format: typeof SESSION_FORMAT;
  version: typeof SESSION_VERSION;
  scenario: Scenario;
  seed: number;
  inputs: Input[];
  /** The step the author was looking at. */
  step: number;
}

const Stamp = { atStep: v.pipe(v.number(), v.integer(), v.minValue(0)), time: v.pipe(v.number(), v.finite(), v.minValue(0)) };
const NodeId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const InputSchema = v.variant(
  'kind',
  [
    v.strictObject({
      kind: v.literal('fire'),
      node: NodeId,
      template: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(49))),
      event: v.optional(
        v.strictObject({
          type: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
          key: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(200)))),
          data: v.optional(v.custom((x) => isJson(x), 'must be plain JSON')),
          topic: v.optional(NodeId),
        }),
      ),
      ...Stamp,
    }),
    v.strictObject({
      kind: v.literal('crash'),
      node: NodeId,
      point: v.optional(v.picklist(['now', 'before-handle', 'after-effects', 'after-save'])),
      restartAfterMs: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(3_600_000))),
      ...Stamp,
    }),
    v.strictObject({ kind: v.literal('restart'), node: NodeId, ...Stamp }),
    v.strictObject({ kind: v.literal('duplicate'), node: NodeId, event: v.pipe(v.string(), v.regex(/^evt-\d{1,9}$/, 'must be an event id such as evt-3')), ...Stamp }),
    v.strictObject({ kind: v.literal('redeliver'), node: NodeId, count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), ...Stamp }),
    v.strictObject({ kind: v.literal('deploy'), node: NodeId, config: ConsumerPatch, ...Stamp }),
    v.strictObject({
      kind: v.literal('redrive'),
      node: NodeId,
      events: v.optional(v.pipe(v.array(v.pipe(v.string(), v.regex(/^evt-\d{1,9}$/))), v.maxLength(10_000))),
      ...Stamp,
    }),
  ],
  'must have "kind": fire, crash, restart, duplicate, redeliver, deploy or redrive',
);

const SessionShape = v.object({
  format: v.literal(SESSION_FORMAT),
  version: v.literal(SESSION_VERSION, `must be ${SESSION_VERSION}`),
  scenario: v.unknown(),
  seed: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1))),
  inputs: v.optional(v.pipe(v.array(InputSchema), v.maxLength(100_000)), []),
  step: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
});

export function restoreSession(input: unknown): Restored<Session> {
  const parsed = v.safeParse(SessionShape, input, { abortPipeEarly: true });
  if (!parsed.success) {
    return { ok: false, errors: parsed.issues.map((i) => ({ path: formatPath((i.path ?? []).map((p) => p.key as string | number)), message: i.message })) };
  }
  const scenario = restoreScenario(parsed.output.scenario);
  if (!scenario.ok) return { ok: false, errors: scenario.errors.map((e: FieldError) => ({ path: `scenario.${e.path}`, message: e.message })) };
  const inputs = parsed.output.inputs as Input[];
  for (let i = 1; i < inputs.length; i++) {
    if (inputs[i].atStep < inputs[i - 1].atStep) return { ok: false, errors: [{ path: `inputs[${i}].atStep`, message: 'inputs must be in step order' }] };
  }
  return {
    ok: true,
    value: {
      format: SESSION_FORMAT,
      version: SESSION_VERSION,
      scenario: scenario.value,
      seed: parsed.output.seed ?? scenario.value.seed,
      inputs,
      step: parsed.output.step,
    },
  };
}

/** Accepts either a session or a bare scenario (a session with no inputs). */
export function restoreSessionOrScenario(input: unknown): Restored<Session> {
  if (input && typeof input === 'object' && (input as { format?: unknown }).format === SESSION_FORMAT) return restoreSession(input);
  const s = restoreScenario(input);
  if (!s.ok) return s;
  return { ok: true, value: { format: SESSION_FORMAT, version: SESSION_VERSION, scenario: s.value, seed: s.value.seed, inputs: [], step: 0 } };
}
