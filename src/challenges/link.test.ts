import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { challengeHash, parseChallengeHash } from './link.ts';
import { parseLessonHash } from '../lessons/link.ts';

describe('challenge links', () => {
  it('read back what they write, and are never lesson links or share links', () => {
    expect(challengeHash('failover')).toBe('#/challenge/failover');
    expect(parseChallengeHash('#/challenge/failover')).toBe('failover');
    expect(parseChallengeHash('#/challenge/failover/')).toBe('failover');
    expect(parseLessonHash('#/challenge/failover')).toBeNull();
    expect(parseChallengeHash('#/lesson/fan-out')).toBeNull();
    expect(parseChallengeHash('#s1z.abc')).toBeNull();
  });

  it('refuse anything that is not an id: other characters, bad escapes, extra parts', () => {
    for (const h of ['#/challenge/', '#/challenge/Fail', '#/challenge/a%2Fb', '#/challenge/%E0%A4%A', '#/challenge/a/b', '#/challenge/<script>', '#/challenge/a--b']) expect(parseChallengeHash(h)).toBeNull();
    expect(() => challengeHash('no spaces')).toThrow(RangeError);
  });

  it('property: any id round-trips, and no string parses to something that is not an id', () => {
    const id = fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 4 }).map((xs) => xs.join('-'));
    fc.assert(fc.property(id, (x) => parseChallengeHash(challengeHash(x)) === x));
    fc.assert(fc.property(fc.string(), (s) => {
      const got = parseChallengeHash(s);
      return got === null || /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(got);
    }));
  });
});
