// The lesson checklist, evaluated in the worker: goals need the engine (trace, invariants
// replayed in a shadow run, the reference solution for `equivalent`), and the engine lives
// here. The UI sends the lesson's goals, solution and guided-step waits as plain data and
// gets plain GoalResult data back. Nothing of the lesson is ever run as code: goals are
// read through the lesson schemas again here, since anything crossing the worker boundary
// is input.
import * as v from 'valibot';
import { restoreSession } from '../engine/index.ts';
import type { Engine } from '../engine/index.ts';
import { allHold, evaluateGoals, waitMet, type GoalResult } from '../lessons/goals.ts';
import { GoalsFileSchema, StepsFileSchema, type StepWait } from '../lessons/schema.ts';

/** What the UI sends to have a lesson checked: plain JSON from the lesson's files. */
export interface LessonCheck {
  goals: unknown[];
  /** The lesson's reference solution (a session), for `equivalent` goals. */
  solution: unknown;
  /** Each guided step's wait, in step order. */
  waits: StepWait[];
}

export type LessonReport =
  | {
      ok: true;
      results: GoalResult[];
      /** Every goal holds in this run: the lesson is complete. */
      complete: boolean;
      /** Per guided step: whether its wait is met now (`continue` never is by itself). */
      waits: boolean[];
      /** The playhead the report is about. */
      step: number;
    }
  | { ok: false; message: string };

// The waits are checked with the steps schema (one made-up step around each wait).
const WaitsSchema = v.array(v.unknown());

/** Evaluates a lesson's goals and step waits on the engine's run up to its playhead. */
export function checkLesson(engine: Engine, check: LessonCheck): LessonReport {
  const goals = v.safeParse(GoalsFileSchema, check?.goals);
  if (!goals.success) return { ok: false, message: `the lesson's goals are not valid: ${v.summarize(goals.issues)}` };
  const solution = restoreSession(check?.solution);
  if (!solution.ok) return { ok: false, message: "the lesson's solution is not a valid session" };
  const rawWaits = v.safeParse(WaitsSchema, check?.waits ?? []);
  const steps = rawWaits.success ? v.safeParse(StepsFileSchema, rawWaits.output.map((wait, i) => ({ id: `s${i}`, title: 'step', text: 'step', wait }))) : null;
  if (!steps?.success) return { ok: false, message: "the lesson's guided steps are not valid" };
  try {
    const results = evaluateGoals({ goals: goals.output, solution: solution.value }, engine);
    return {
      ok: true,
      results,
      complete: allHold(results),
      waits: steps.output.map((s) => waitMet(s.wait, results, engine)),
      step: engine.step,
    };
  } catch (err) {
    return { ok: false, message: `the goals could not be checked: ${(err as Error).message}` };
  }
}
