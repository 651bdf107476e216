// The lessons' front door for the UI: the course read from lessons/ (bundled by Vite,
// read the same way by vitest), lessons by id, goal evaluation and deep links.
import { buildCourse, type Course, type Lesson } from './course.ts';
import { describeLessonErrors } from './schema.ts';

export { buildCourse, lessonStartInput, lessonSolutionInput } from './course.ts';
export type { Course, Lesson, CourseResult } from './course.ts';
export { evaluateGoals, allHold, goalText, waitMet } from './goals.ts';
export { lessonStatus, completed } from './progress.ts';
export type { LessonProgress, LessonStatus } from './progress.ts';
export type { GoalResult } from './goals.ts';
export { lessonHash, parseLessonHash } from './link.ts';
export type { LessonLink } from './link.ts';
export { describeLessonErrors } from './schema.ts';
export type { Goal, GuidedStep, StepWait, LessonError, StepFilter, Selector } from './schema.ts';

// Every lesson file as text, bundled at build time by Vite (and vitest): no fetch, works
// offline and from any sub-path. Vite rewrites the import.meta.glob call itself, so it must
// stay a plain call (a `typeof import.meta.glob` test would be false in the built site).
// Plain Node (tsx scripts) has no import.meta.glob: there the call throws, and scripts use
// buildCourse(readLessonFiles()) from record.ts instead.
function bundledFiles(): Record<string, string> | null {
  try {
    return import.meta.glob<string>(['/lessons/index.json', '/lessons/*/*.md', '/lessons/*/*.json'], { query: '?raw', import: 'default', eager: true });
  } catch {
    return null;
  }
}
const FILES = bundledFiles();

let course: Course | null = null;

/**
 * The course. Lessons are checked by the test suite, so a broken lesson cannot ship; if one
 * does, this throws with every error naming its file and field.
 */
export function loadCourse(): Course {
  if (course) return course;
  if (!FILES) throw new Error('loadCourse needs Vite (import.meta.glob); in plain Node use buildCourse(readLessonFiles())');
  const r = buildCourse(FILES);
  if (!r.ok) throw new Error(`the lessons do not load:\n${describeLessonErrors(r.errors)}`);
  course = r.course;
  return course;
}

/** A lesson by its stable id, or null (an old link to a lesson that no longer exists). */
export function getLesson(id: string): Lesson | null {
  return loadCourse().lessons.find((l) => l.id === id) ?? null;
}

/** The lesson after this one in course order, or null at the end. */
export function nextLesson(id: string): Lesson | null {
  const all = loadCourse().lessons;
  const i = all.findIndex((l) => l.id === id);
  return i >= 0 && i + 1 < all.length ? all[i + 1] : null;
}
