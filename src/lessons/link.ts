// Deep links to a lesson and to one of its guided steps: `#/lesson/<id>` and
// `#/lesson/<id>/<step-id>`. They live in the URL fragment like share links, but share
// payloads always start with `#s1z.` (a version prefix), so the two never collide: a
// lesson link starts with `#/`.

export interface LessonLink {
  lesson: string;
  /** A guided step's id, or null for the lesson itself. */
  step: string | null;
}

/** A lesson's, a step's or a challenge's id: lowercase words and digits joined by dashes (only ever read as an id). */
export const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** `#/lesson/fan-out/connect`, from a lesson id and an optional step id. */
export function lessonHash(lesson: string, step?: string | null): string {
  if (!ID.test(lesson)) throw new RangeError(`"${lesson}" is not a lesson id`);
  if (step != null && !ID.test(step)) throw new RangeError(`"${step}" is not a step id`);
  return `#/lesson/${lesson}${step != null ? `/${step}` : ''}`;
}

/** Reads a location hash; null when it is not a lesson link (a share link, empty, anything else). */
export function parseLessonHash(hash: string): LessonLink | null {
  const m = /^#?\/lesson\/([^/?#]+)(?:\/([^/?#]+))?\/?$/.exec(hash);
  if (!m) return null;
  let lesson: string;
  let step: string | null;
  try {
    lesson = decodeURIComponent(m[1]);
    step = m[2] === undefined ? null : decodeURIComponent(m[2]);
  } catch {
    return null;
  }
  if (!ID.test(lesson) || (step !== null && !ID.test(step))) return null;
  return { lesson, step };
}
