// The lesson checks: CI solves every lesson. Every lesson parses; ids are unique; the index
// lists every folder exactly once; a lesson's start does not already satisfy its goals;
// its recorded solution satisfies every goal under its own seed and three others.
import { describe, expect, it } from 'vitest';
import { createEngine, restoreScenario, restoreSession } from '../engine/index.ts';
import { buildCourse, getLesson, lessonSolutionInput, lessonStartInput, loadCourse } from './index.ts';
import { evaluateGoals, waitMet, type GoalResult } from './goals.ts';
import { describeLessonErrors } from './schema.ts';

const FILES = import.meta.glob<string>(['/lessons/index.json', '/lessons/*/*.md', '/lessons/*/*.json'], { query: '?raw', import: 'default', eager: true });
const OTHER_SEEDS = [2, 1234, 4_000_000_007];

function failing(results: GoalResult[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `✗ ${r.label} — ${r.detail}`)
    .join('\n');
}

describe('the course', () => {
  it('every lesson parses, with no error in any file', () => {
    const r = buildCourse(FILES);
    expect(r.ok ? '' : describeLessonErrors(r.errors)).toBe('');
  });

  it('lesson ids are unique', () => {
    const ids = loadCourse().lessons.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the index lists every lesson folder exactly once, in folder order', () => {
    const folders = [...new Set(Object.keys(FILES).map((p) => /lessons\/([^/]+)\//.exec(p)?.[1]).filter((f): f is string => !!f))].sort();
    const listed = loadCourse().chapters.flatMap((c) => c.lessons.map((l) => l.folder));
    expect(listed).toEqual(folders);
  });

  it('has at least 15 lessons', () => {
    expect(loadCourse().lessons.length).toBeGreaterThanOrEqual(15);
  });

  it('lesson 1 is short: at most 5 minutes, 4 goals, guided steps', () => {
    const first = loadCourse().lessons[0];
    expect(first.minutes).toBeLessThanOrEqual(5);
    expect(first.goals.length).toBeLessThanOrEqual(4);
    expect(first.steps.length).toBeGreaterThan(0);
  });

  it('getLesson finds lessons by id, and nothing for an unknown id', () => {
    expect(getLesson('fan-out')?.number).toBe(1);
    expect(getLesson('no-such-lesson')).toBeNull();
  });
});

describe.each(loadCourse().lessons.map((l) => [l.id, l] as const))('lesson %s', (_id, lesson) => {
  it('its start does not already satisfy its goals', () => {
    const engine = createEngine(lesson.start);
    engine.runUntilIdle(200_000);
    const results = evaluateGoals(lesson, engine);
    expect(results.every((r) => r.ok), 'the start, run to the end with no action, already completes the lesson').toBe(false);
  });

  it('when the solution edits the scenario, its actions alone on the start do not complete the lesson', () => {
    const edited = JSON.stringify(lessonStartInput(lesson)) !== JSON.stringify(lessonSolutionInput(lesson).scenario);
    if (!edited) return; // the fix is an action (deploy, rebuild, query), checked by the goals themselves
    const engine = createEngine(lesson.start, { seed: lesson.solution.seed, inputs: lesson.solution.inputs });
    engine.runUntilIdle(200_000);
    expect(evaluateGoals(lesson, engine).every((r) => r.ok), 'the edit the solution makes is not needed').toBe(false);
  });

  it.each([lesson.solution.seed, ...OTHER_SEEDS])('its solution satisfies every goal with seed %i', (seed) => {
    const engine = createEngine(lesson.solution.scenario, { seed, inputs: lesson.solution.inputs });
    engine.runUntilIdle(200_000);
    expect(engine.idle, 'the solution runs to the end').toBe(true);
    expect(failing(evaluateGoals(lesson, engine))).toBe('');
  });

  it('every guided step can be passed: its wait is met by the solution, or by the solution\'s actions on the unfixed start', () => {
    const solved = createEngine(lesson.solution.scenario, { seed: lesson.solution.seed, inputs: lesson.solution.inputs });
    solved.runUntilIdle(200_000);
    const broken = createEngine(lesson.start, { seed: lesson.solution.seed, inputs: lesson.solution.inputs });
    broken.runUntilIdle(200_000);
    const results = [evaluateGoals(lesson, solved), evaluateGoals(lesson, broken)];
    for (const step of lesson.steps) {
      if ('continue' in step.wait) continue;
      const met = waitMet(step.wait, results[0], solved) || waitMet(step.wait, results[1], broken);
      expect(met, `step "${step.id}" waits for something that never happens`).toBe(true);
    }
  });

  it('its text is Markdown without raw HTML (rendered sanitized anyway)', () => {
    for (const text of [lesson.body, ...lesson.steps.map((s) => s.text), ...lesson.hints]) expect(text).not.toMatch(/<\/?[a-zA-Z][^>]*>/);
  });

  it('says what it models and what it simplifies, and has hints', () => {
    expect(lesson.models.length).toBeGreaterThan(40);
    expect(lesson.simplifies.length).toBeGreaterThan(40);
    expect(lesson.hints.length).toBeGreaterThan(0);
    expect(lesson.body.length).toBeGreaterThan(200);
  });
});

describe('what the UI loads', () => {
  it('every start and solution goes through the one door again (reset lesson, show solution)', () => {
    for (const l of loadCourse().lessons) {
      const s = restoreScenario(JSON.parse(JSON.stringify(lessonStartInput(l))));
      expect(s.ok ? '' : JSON.stringify(s.errors), l.id).toBe('');
      const sol = restoreSession(JSON.parse(JSON.stringify(lessonSolutionInput(l))));
      expect(sol.ok ? '' : JSON.stringify(sol.errors), l.id).toBe('');
    }
  });
});
