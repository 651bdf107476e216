// Which challenges a learner passed, and which workspace holds their design of each: kept
// in the settings store (src/persist) under one key. restoreChallengeProgress is the one
// door a stored value comes through: anything malformed is dropped, never trusted.
import { ID } from '../lessons/link.ts';

export const CHALLENGE_PROGRESS_KEY = 'challenges';

export interface ChallengeProgress {
  /** Per challenge id: the revision passed, how many schedules it held, when (ms since the epoch). */
  passed: Record<string, { revision: number; schedules: number; at: number }>;
  /** Per challenge id: the learner's workspace for it. */
  workspaces: Record<string, string>;
}

const whole = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

export function restoreChallengeProgress(raw: unknown): ChallengeProgress {
  const out: ChallengeProgress = { passed: {}, workspaces: {} };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
  const x = raw as Record<string, unknown>;
  const obj = (o: unknown) => (o && typeof o === 'object' && !Array.isArray(o) ? Object.entries(o as Record<string, unknown>) : []);
  for (const [id, p] of obj(x.passed)) {
    if (!ID.test(id) || id.length > 64 || !p || typeof p !== 'object') continue;
    const q = p as Record<string, unknown>;
    if (whole(q.revision) && q.revision >= 1 && whole(q.schedules) && whole(q.at)) out.passed[id] = { revision: q.revision, schedules: q.schedules, at: q.at };
  }
  for (const [id, w] of obj(x.workspaces)) if (ID.test(id) && id.length <= 64 && typeof w === 'string' && w.length > 0 && w.length <= 100) out.workspaces[id] = w;
  return out;
}
