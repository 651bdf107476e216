// Every challenge is real and solvable ([Z6]–[Z8]): under its own fault kinds, number of
// schedules and seed, its broken start fails the goal and its known passing design passes,
// graded exactly as the worker grades the learner's design.
import { describe, expect, it } from 'vitest';
import { loadChallenges, gradeSpec } from './index.ts';
import { grade } from './grade.ts';
import { FAULT_KINDS } from '../engine/explore-kinds.ts';

const challenges = loadChallenges();

describe('the challenges', () => {
  it('are at least five, each listed once, with distinct patterns', () => {
    expect(challenges.length).toBeGreaterThanOrEqual(5);
    expect(new Set(challenges.map((c) => c.id)).size).toBe(challenges.length);
    expect(new Set(challenges.map((c) => c.pattern)).size).toBe(challenges.length);
  });

  for (const c of challenges) {
    describe(c.id, () => {
      it('[Z6][Z7] the broken start fails the goal under the challenge\'s faults', () => {
        const r = grade(c.start, gradeSpec(c));
        expect(r.verdict).toBe('fail');
        const f = r.finding!;
        expect(c.start.invariants!.map((i) => i.label)).toContain(f.invariant);
        // The breaking schedule holds only faults of the challenge's kinds, and opens as a run at the step after the break.
        for (const x of f.faults) expect(c.budget.kinds).toContain(x.fault);
        expect(f.session.step).toBe(f.brokeAt + 1);
        expect(r.tried).toBeLessThanOrEqual(c.budget.schedules);
      });

      it('[Z6][Z8] the known passing design holds every schedule of the budget', () => {
        const r = grade(c.solution, gradeSpec(c));
        expect(r.problem).toBeNull();
        expect(r.finding?.invariant ?? null).toBeNull();
        expect(r.verdict).toBe('pass');
        expect(r.tried).toBe(c.budget.schedules);
        // Every kind of the challenge was part of some schedule that held, and no other kind.
        for (const k of FAULT_KINDS) {
          if (c.budget.kinds.includes(k)) expect(r.survived[k]).toBeGreaterThan(0);
          else expect(r.survived[k]).toBe(0);
        }
      });
    });
  }
});
