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
// offline and from any sub-path. Plain Node (tsx scripts) has no import.meta.glob: use
// buildCourse with record.ts's readLessonFiles there.
const FILES: Record<string, string> | null =
  typeof import.meta.glob === 'function' ? import.meta.glob<string>(['/lessons/index.json', '/lessons/*/*.md', '/lessons/*/*.json'], { query: '?raw', import: 'default', eager: true }) : null;

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
