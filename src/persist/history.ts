// The history ring: about 30 snapshots of a workspace's session, at most one a minute and
// only when the session changed since the last one, so a learner can go back to an
// earlier version. Pure rules; the repo applies them inside the save transaction.

/** Snapshots kept per workspace; the oldest goes first. */
export const HISTORY_LIMIT = 30;
/** At most one snapshot per this long. */
export const HISTORY_INTERVAL_MS = 60_000;

export interface LastSnapshot {
  at: number | null;
  hash: string | null;
}

/**
 * True when a save at `now` of a session with `hash` should also be kept as a snapshot:
 * there is none yet, or the last one is at least `interval` old (or from a clock that has
 * since gone back) and the session differs from it.
 */
export function shouldSnapshot(last: LastSnapshot, now: number, hash: string, interval = HISTORY_INTERVAL_MS): boolean {
  if (last.at === null || last.hash === null) return true;
  if (hash === last.hash) return false;
  return now - last.at >= interval || now < last.at;
}

/** The seqs to delete so that at most `limit` remain, oldest first. */
export function overflow(seqs: readonly number[], limit = HISTORY_LIMIT): number[] {
  const sorted = [...seqs].sort((a, b) => a - b);
  return sorted.slice(0, Math.max(0, sorted.length - limit));
}

/** FNV-1a, 32 bits, as 8 hex digits: tells whether a session changed since the last snapshot. */
export function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
