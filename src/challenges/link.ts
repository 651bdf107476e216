// Deep links to a graded challenge: `#/challenge/<id>`. Like lesson links (src/lessons/link.ts)
// they start with `#/`, so they never look like share links (`#s1z.`), and an id is only ever
// read as an id: lowercase words joined by dashes.
import { ID } from '../lessons/link.ts';

/** `#/challenge/failover`, from a challenge id. */
export function challengeHash(id: string): string {
  if (!ID.test(id)) throw new RangeError(`"${id}" is not a challenge id`);
  return `#/challenge/${id}`;
}

/** Reads a location hash: the challenge id it links to, null when it is not a challenge link. */
export function parseChallengeHash(hash: string): string | null {
  const m = /^#?\/challenge\/([^/?#]+)\/?$/.exec(hash);
  if (!m) return null;
  let id: string;
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  return ID.test(id) ? id : null;
}
