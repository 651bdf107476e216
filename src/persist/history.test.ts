import { describe, expect, it } from 'vitest';
import { hashText, HISTORY_INTERVAL_MS, HISTORY_LIMIT, overflow, shouldSnapshot } from './history.ts';

describe('history ring rules', () => {
  it('snapshots the first save, then at most once a minute, and only a change', () => {
    expect(shouldSnapshot({ at: null, hash: null }, 0, 'a')).toBe(true);
    expect(shouldSnapshot({ at: 0, hash: 'a' }, HISTORY_INTERVAL_MS - 1, 'b')).toBe(false);
    expect(shouldSnapshot({ at: 0, hash: 'a' }, HISTORY_INTERVAL_MS, 'b')).toBe(true);
    expect(shouldSnapshot({ at: 0, hash: 'a' }, 10 * HISTORY_INTERVAL_MS, 'a')).toBe(false);
    // A clock that went back does not stop snapshots for the time it went back.
    expect(shouldSnapshot({ at: 5 * HISTORY_INTERVAL_MS, hash: 'a' }, 1000, 'b')).toBe(true);
  });

  it(`keeps the newest ${HISTORY_LIMIT}`, () => {
    expect(HISTORY_LIMIT).toBe(30);
    expect(overflow([3, 1, 2], 2)).toEqual([1]);
    expect(overflow(Array.from({ length: 31 }, (_, i) => i + 1))).toEqual([1]);
    expect(overflow([1, 2])).toEqual([]);
  });

  it('hashes text with FNV-1a', () => {
    expect(hashText('')).toBe('811c9dc5');
    expect(hashText('a')).toBe('e40c292c');
    expect(hashText('{"step":1}')).not.toBe(hashText('{"step":2}'));
  });
});
