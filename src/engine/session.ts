// A session is what determines a run: scenario + seed + the learner's recorded inputs
// (with the step of each) + the step they were looking at. Its trace is recomputed, never
// stored (SPEC [T2]). `restoreSession` is the one door for sessions, as restoreScenario is
// for scenarios.
import * as v from 'valibot';
import { intentSchema, issuesToErrors, restoreScenario, type FieldError, type Restored, type Scenario } from './scenario.ts';
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

const Stamp = {
  atStep: v.pipe(v.number('must be the step number at which the action was applied'), v.integer('must be a whole number'), v.minValue(0, 'must be at least 0')),
  time: v.pipe(v.number('must be the logical time of the action, in ms'), v.finite('must be a finite number'), v.minValue(0, 'must be at least 0')),
};
const InputSchema = intentSchema(Stamp);

/** The furthest step a session may open at (a few seconds of replay in the worker). */
export const MAX_SESSION_STEP = 2_000_000;

const SessionShape = v.object({
  format: v.literal(SESSION_FORMAT),
  version: v.literal(SESSION_VERSION, `must be ${SESSION_VERSION}`),
  scenario: v.unknown(),
  seed: v.optional(v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(0, 'must be at least 0'), v.maxValue(2 ** 32 - 1, 'must be below 2^32'))),
  inputs: v.optional(v.pipe(v.array(InputSchema, 'must be a list of recorded actions'), v.maxLength(100_000, 'must hold at most 100,000 actions')), []),
  // Opening a session replays it to this step: a cap keeps a hostile link or file from
  // keeping the worker busy forever (a producer at a rate never runs out of steps).
  step: v.optional(v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(0, 'must be at least 0'), v.maxValue(MAX_SESSION_STEP, `must be at most ${MAX_SESSION_STEP.toLocaleString('en-US')} (the longest run a session replays)`)), 0),
});

export function restoreSession(input: unknown): Restored<Session> {
  const parsed = v.safeParse(SessionShape, input, { abortPipeEarly: true });
  if (!parsed.success) {
    return { ok: false, errors: issuesToErrors(parsed.issues) };
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
