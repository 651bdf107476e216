// What the course map shows for a lesson, from the learner's saved progress. Progress is
// keyed by lesson id (never position) and remembers the lesson version it was made on, so
// a lesson whose goals changed since can say "updated since you finished". Storage is
// src/persist's job; this is only the rule.

/** What is saved per lesson id. */
export interface LessonProgress {
  id: string;
  /** The lesson's version when this progress was last written. */
  version: number;
  state: 'in-progress' | 'done';
  /** Finished after "show solution": completed with help. */
  withHelp: boolean;
  /** Hints revealed so far. */
  hintsShown: number;
  /** The guided step the learner was on (its id), or null. */
  step: string | null;
}

export type LessonStatus = 'not-started' | 'in-progress' | 'done' | 'updated';

/** The badge for a lesson on the course map. */
export function lessonStatus(lesson: { id: string; version: number }, saved: LessonProgress | undefined): LessonStatus {
  if (!saved || saved.id !== lesson.id) return 'not-started';
  if (saved.state === 'done') return saved.version < lesson.version ? 'updated' : 'done';
  return 'in-progress';
}

/** Progress after every goal held in one run (or after the solution was shown: withHelp). */
export function completed(lesson: { id: string; version: number }, before: LessonProgress | undefined, withHelp: boolean): LessonProgress {
  return {
    id: lesson.id,
    version: lesson.version,
    state: 'done',
    // Finishing on your own later clears "with help"; showing the solution after finishing does not add it.
    withHelp: before?.state === 'done' && before.version === lesson.version && !before.withHelp ? false : withHelp,
    hintsShown: before?.hintsShown ?? 0,
    step: before?.step ?? null,
  };
}
