// Lesson progress as it comes out of storage or an export file: the one door
// (restoreLessonProgress) that every stored or imported record goes through.
import type { LessonProgress } from './types.ts';

const LESSON_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const STEP_ID = LESSON_ID;

/**
 * A lesson progress record as stored or imported, or null when it names no lesson. Reads
 * the current shape, and the first one (`{lesson, step: number, completed, goalsMet,
 * updatedAt}`, kept by databases and export files written before the lesson panel), which
 * becomes version 1, done or in progress, no hints, no step.
 */
export function restoreLessonProgress(raw: unknown): LessonProgress | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const x = raw as Record<string, unknown>;
  const id = typeof x.id === 'string' ? x.id : x.lesson;
  if (typeof id !== 'string' || id.length > 64 || !LESSON_ID.test(id)) return null;
  const whole = (n: unknown, min: number, fallback: number) => (typeof n === 'number' && Number.isInteger(n) && n >= min ? n : fallback);
  if (typeof x.state !== 'string') {
    // The first shape.
    return { id, version: 1, state: x.completed === true ? 'done' : 'in-progress', withHelp: false, hintsShown: 0, step: null };
  }
  return {
    id,
    version: whole(x.version, 1, 1),
    state: x.state === 'done' ? 'done' : 'in-progress',
    withHelp: x.withHelp === true,
    hintsShown: Math.min(whole(x.hintsShown, 0, 0), 100),
    step: typeof x.step === 'string' && x.step.length <= 64 && STEP_ID.test(x.step) ? x.step : null,
  };
}
