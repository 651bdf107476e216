// The challenge format: data only, read through valibot and restoreScenario; whatever is
// malformed is refused with the file, the field and what to do. And the grading rules that
// do not depend on one challenge ([Z6], [Z7]).
import { describe, expect, it } from 'vitest';
import { buildChallenges, describeChallengeErrors, gradeSpec, loadChallenges } from './index.ts';
import { grade, gradedScenario } from './grade.ts';
import { restoreChallengeProgress } from './progress.ts';

const good = loadChallenges()[0];
const files = (over: Record<string, string | undefined> = {}): Record<string, string> => {
  const base: Record<string, string> = {
    'challenges/index.json': JSON.stringify({ format: 'eventfold/challenges', version: 1, challenges: ['demo'] }),
    'challenges/demo/challenge.json': JSON.stringify({ format: 'eventfold/challenge', version: 1, id: 'demo', title: 'Demo', pattern: 'Idempotent consumer', goal: 'One email each.', faults: { kinds: ['duplicate'], schedules: 20, seed: 1 } }),
    'challenges/demo/README.md': 'Some *text*.',
    'challenges/demo/start.json': JSON.stringify(good.start),
    'challenges/demo/solution.json': JSON.stringify(good.solution),
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
};
const errorsOf = (f: Record<string, string>) => {
  const r = buildChallenges(f);
  if (r.ok) throw new Error('expected errors');
  return describeChallengeErrors(r.errors);
};
const meta = (patch: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(files()['challenges/demo/challenge.json']), ...patch });

describe('the challenge format', () => {
  it('reads a well-formed challenge, with defaults', () => {
    const r = buildChallenges(files());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.challenges).toHaveLength(1);
    expect(r.challenges[0]).toMatchObject({ id: 'demo', number: 1, revision: 1, budget: { kinds: ['duplicate'], schedules: 20, seed: 1, maxFaults: 3 } });
  });

  it('refuses a missing or stray file, naming it', () => {
    expect(errorsOf(files({ 'challenges/demo/solution.json': undefined }))).toContain('challenges/demo/solution.json: is missing');
    expect(errorsOf(files({ 'challenges/demo/notes.txt': 'x' }))).toMatch(/challenges\/demo\/notes.txt: is not a challenge file \(a challenge has challenge.json, README.md, start.json, solution.json\)/);
    expect(errorsOf(files({ 'challenges/index.json': undefined }))).toBe('challenges/index.json: is missing');
  });

  it('refuses a bad budget, unknown fault kinds and fields, each at its field', () => {
    expect(errorsOf(files({ 'challenges/demo/challenge.json': meta({ faults: { kinds: ['meteor'], schedules: 20, seed: 1 } }) }))).toMatch(/faults.kinds\[0\]: must be one of crash, duplicate, rewind, reorder, outage, partition, lost-acks/);
    expect(errorsOf(files({ 'challenges/demo/challenge.json': meta({ faults: { kinds: [], schedules: 20, seed: 1 } }) }))).toMatch(/faults.kinds: name at least one kind of fault/);
    expect(errorsOf(files({ 'challenges/demo/challenge.json': meta({ faults: { kinds: ['crash', 'crash'], schedules: 20, seed: 1 } }) }))).toMatch(/faults.kinds: names a kind of fault twice/);
    expect(errorsOf(files({ 'challenges/demo/challenge.json': meta({ faults: { kinds: ['crash'], schedules: 0, seed: 1 } }) }))).toMatch(/faults.schedules: must be at least 1/);
    expect(errorsOf(files({ 'challenges/demo/challenge.json': meta({ faults: { kinds: ['crash'], schedules: 5000, seed: 1 } }) }))).toMatch(/faults.schedules: must be at most 2000/);
    expect(errorsOf(files({ 'challenges/demo/challenge.json': meta({ script: 'alert(1)' }) }))).toMatch(/challenge.json: script: unknown field|challenge.json: script: /);
    expect(errorsOf(files({ 'challenges/demo/challenge.json': meta({ id: 'other' }) }))).toMatch(/id: is "other" but the folder is challenges\/demo/);
    expect(errorsOf(files({ 'challenges/demo/challenge.json': '{ nope' }))).toMatch(/challenge.json: is not valid JSON/);
  });

  it('refuses a start or solution that is not a scenario, with the scenario\'s own messages', () => {
    const bad = { ...JSON.parse(JSON.stringify(good.start)), nodes: [{ id: 'x', kind: 'topic', label: 'x', position: { x: 0, y: 0 }, config: { partitions: 0 } }], edges: [], invariants: [], schedule: [] };
    expect(errorsOf(files({ 'challenges/demo/start.json': JSON.stringify(bad) }))).toMatch(/challenges\/demo\/start.json: nodes\[0\].config.partitions: must be at least 1/);
  });

  it('refuses a start without a goal (invariants) or without a workload', () => {
    expect(errorsOf(files({ 'challenges/demo/start.json': JSON.stringify({ ...good.start, invariants: [] }) }))).toMatch(/start.json: invariants: is empty: the goal is the start's invariants/);
    expect(errorsOf(files({ 'challenges/demo/start.json': JSON.stringify({ ...good.start, schedule: [] }) }))).toMatch(/start.json: schedule: fires nothing/);
  });

  it('refuses raw HTML in the text, with its line', () => {
    expect(errorsOf(files({ 'challenges/demo/README.md': 'fine\n<script>alert(1)</script>' }))).toMatch(/README.md: line 2: holds raw HTML \(<script>\): write Markdown instead/);
    expect(errorsOf(files({ 'challenges/demo/README.md': '  \n' }))).toMatch(/README.md: is empty/);
  });

  it('checks the index against the folders', () => {
    expect(errorsOf(files({ 'challenges/index.json': JSON.stringify({ format: 'eventfold/challenges', version: 1, challenges: ['demo', 'demo'] }) }))).toMatch(/challenges\[1\]: "demo" is listed twice/);
    expect(errorsOf(files({ 'challenges/index.json': JSON.stringify({ format: 'eventfold/challenges', version: 1, challenges: ['demo', 'ghost'] }) }))).toMatch(/challenges\[1\]: no folder challenges\/ghost exists/);
    expect(errorsOf(files({ 'challenges/index.json': JSON.stringify({ format: 'eventfold/challenges', version: 1, challenges: ['other'] }) }))).toMatch(/challenges\/demo is not listed/);
  });
});

describe('grading rules', () => {
  it('[Z6] grades the challenge\'s goal and workload, not the design\'s own: deleting the goal does not pass', () => {
    const cheat = { ...good.start, invariants: [], schedule: [] };
    const r = grade(cheat, gradeSpec(good));
    expect(r.verdict).toBe('fail');
  });

  it('[Z6] a design without a node the goal watches cannot be graded, and says which goal and what to do', () => {
    const watched = good.start.invariants![0].node;
    const design = { ...good.start, nodes: good.start.nodes.filter((n) => n.id !== watched), edges: good.start.edges.filter((e) => e.source !== watched && e.target !== watched) };
    const g = gradedScenario(design, gradeSpec(good));
    expect(g.ok).toBe(false);
    if (g.ok) return;
    expect(g.problem).toContain(`the goal “${good.start.invariants![0].label}” does not fit your design`);
    expect(g.problem).toContain('reset the challenge');
    expect(grade(design, gradeSpec(good)).verdict).toBe('cannot');
  });

  it('[Z7] a design that breaks the goal with no fault at all fails with that run (no faults)', () => {
    const poison = loadChallenges().find((c) => c.id === 'poison-message')!;
    const r = grade(poison.start, gradeSpec(poison));
    expect(r).toMatchObject({ verdict: 'fail', tried: 0 });
    expect(r.finding!.faults).toEqual([]);
    expect(r.finding!.session.step).toBe(r.finding!.brokeAt + 1);
  });

  it('[Z8] the same design, budget and seed grade the same', () => {
    const a = grade(good.start, gradeSpec(good));
    const b = grade(good.start, gradeSpec(good));
    expect(b).toEqual(a);
  });
});

describe('challenge progress as stored', () => {
  it('keeps well-formed entries and drops the rest', () => {
    expect(restoreChallengeProgress({ passed: { 'one-email-per-order': { revision: 1, schedules: 200, at: 5 }, 'Bad Id': { revision: 1, schedules: 1, at: 1 }, x: { revision: 0, schedules: 1, at: 1 } }, workspaces: { 'one-email-per-order': 'ws-1', y: 3 } })).toEqual({
      passed: { 'one-email-per-order': { revision: 1, schedules: 200, at: 5 } },
      workspaces: { 'one-email-per-order': 'ws-1' },
    });
    expect(restoreChallengeProgress('nonsense')).toEqual({ passed: {}, workspaces: {} });
    expect(restoreChallengeProgress(null)).toEqual({ passed: {}, workspaces: {} });
  });
});
