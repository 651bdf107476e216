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

/** Half-fixes a learner may try, which must still fail: the challenge asks for the whole pattern. */
const WRONG: { challenge: string; why: string; node: string; config: Record<string, unknown> }[] = [
  { challenge: 'one-email-per-order', why: 'committing before handling: a duplicate delivery still sends a second email', node: 'mailer', config: { commit: 'before' } },
  { challenge: 'count-each-order-once', why: 'committing after handling alone counts a redelivered order twice', node: 'payment', config: { commit: 'after' } },
  { challenge: 'count-each-order-once', why: 'processed ids alone still lose the order in hand when committed first', node: 'payment', config: { idempotency: 'processed-ids' } },
  { challenge: 'count-each-order-once', why: 'processed ids saved in a separate step: a crash between the two counts twice', node: 'payment', config: { commit: 'after', idempotency: 'processed-ids-separate' } },
  { challenge: 'no-lost-orders', why: 'a dual write that publishes sooner still loses the order on a crash in between', node: 'orders-service', config: { publishDelayMs: 1 } },
];

describe('half-fixes fail', () => {
  for (const w of WRONG) {
    it(`${w.challenge}: ${w.why}`, () => {
      const c = challenges.find((x) => x.id === w.challenge)!;
      const design = { ...c.start, nodes: c.start.nodes.map((n) => (n.id === w.node ? { ...n, config: { ...n.config, ...w.config } } : n)) } as typeof c.start;
      expect(grade(design, gradeSpec(c)).verdict).toBe('fail');
    });
  }
});
