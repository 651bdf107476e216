// The challenges' front door for the UI: the list read from challenges/ (bundled by Vite,
// read the same way by vitest), and the learner's progress as it is kept in the settings
// store of IndexedDB. Loaded with the challenge panel only, never on the first screen.
import { buildChallenges, describeChallengeErrors, type Challenge } from './format.ts';

export { buildChallenges, describeChallengeErrors, gradeSpec, type Challenge, type ChallengeError } from './format.ts';
export { restoreChallengeProgress, CHALLENGE_PROGRESS_KEY, type ChallengeProgress } from './progress.ts';

function bundledFiles(): Record<string, string> | null {
  try {
    return import.meta.glob<string>(['/challenges/index.json', '/challenges/*/*.json', '/challenges/*/*.md'], { query: '?raw', import: 'default', eager: true });
  } catch {
    return null;
  }
}
const FILES = bundledFiles();
let list: Challenge[] | null = null;

/** Every challenge, in order. The test suite checks them, so a broken one cannot ship; if one does, this throws naming its file and field. */
export function loadChallenges(): Challenge[] {
  if (list) return list;
  if (!FILES) throw new Error('loadChallenges needs Vite (import.meta.glob)');
  const r = buildChallenges(FILES);
  if (!r.ok) throw new Error(`the challenges do not load:\n${describeChallengeErrors(r.errors)}`);
  list = r.challenges;
  return list;
}
