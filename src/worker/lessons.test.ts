// The lesson checklist through the worker's API, called directly in Node: what the learner
// does to the running engine (edit, fire, play, seek) is what the checklist reports.
import { describe, expect, it } from 'vitest';
import { makeWorkerApi } from './api.ts';
import type { LessonCheck, LessonReport } from './lessons.ts';
import { getLesson, lessonSolutionInput, lessonStartInput, type Lesson } from '../lessons/index.ts';

function lesson(id: string): Lesson {
  const l = getLesson(id);
  if (!l) throw new Error(`no lesson ${id}`);
  return l;
}

/** What the lesson panel sends: plain JSON, as it crosses the worker boundary. */
const checkOf = (l: Lesson): LessonCheck => structuredClone({ goals: l.goals, solution: l.solution, waits: l.steps.map((s) => s.wait) });

async function ok(p: LessonReport | Promise<LessonReport>) {
  const r = await p;
  if (!r.ok) throw new Error(r.message);
  return r;
}

function started(id: string) {
  const api = makeWorkerApi();
  const l = lesson(id);
  const r = api.load(lessonStartInput(l));
  if (!r.ok) throw new Error(r.message);
  return { api, l };
}

function runToEnd(api: ReturnType<typeof makeWorkerApi>) {
  for (let i = 0; i < 100 && !api.refresh().view.idle; i++) api.advance(10_000);
}

describe('checkLesson', () => {
  it('on the start of lesson 1 nothing is done yet, and each line says what it checks', async () => {
    const { api, l } = started('fan-out');
    const r = (await ok(api.checkLesson(checkOf(l))));
    expect(r.complete).toBe(false);
    expect(r.results.map((x) => x.label)).toEqual(l.goals.map((g) => g.label));
    expect(r.results.every((x) => x.check.length > 0)).toBe(true);
    expect(r.results.find((x) => x.id === 'subscribers')).toMatchObject({ ok: false, detail: expect.stringContaining('2') });
    // The first step waits for Continue, which the worker never presses.
    expect(r.waits).toEqual([false, false, false, false]);
  });

  it('follows the learner: a new consumer wired to orders meets "subscribers", firing meets "fired", playing completes the lesson', async () => {
    const { api, l } = started('fan-out');
    const added = api.edit({ op: 'add', kind: 'consumer', position: { x: 560, y: 400 } });
    if (!added.ok) throw new Error(added.reason);
    expect((await ok(api.checkLesson(checkOf(l)))).waits[1]).toBe(false);
    const wired = api.edit({ op: 'connect', source: 'orders', target: added.added[0] });
    expect(wired.ok).toBe(true);
    let r = (await ok(api.checkLesson(checkOf(l))));
    expect(r.results.find((x) => x.id === 'subscribers')?.ok).toBe(true);
    expect(r.waits).toEqual([false, true, false, false]);

    expect(api.act({ kind: 'fire', node: 'checkout', template: 0 }).ok).toBe(true);
    r = (await ok(api.checkLesson(checkOf(l))));
    expect(r.results.find((x) => x.id === 'fired')?.ok).toBe(true);
    expect(r.complete).toBe(false);

    runToEnd(api);
    r = (await ok(api.checkLesson(checkOf(l))));
    expect(r.complete).toBe(true);
    expect(r.waits).toEqual([false, true, true, true]);
    // The goal that a count was reached carries the step to jump to.
    expect(r.results.find((x) => x.id === 'fan-out')?.step).toBeTypeOf('number');

    // Back at the start of the run the same goals no longer hold: the checklist is about the playhead.
    api.seek(0);
    expect((await ok(api.checkLesson(checkOf(l)))).complete).toBe(false);
  });

  it('every lesson solution, loaded the way "show solution" loads it and run to the end, is complete', async () => {
    for (const id of ['fan-out', 'commit-timing', 'transactional-outbox']) {
      const api = makeWorkerApi();
      const l = lesson(id);
      const loaded = api.load(lessonSolutionInput(l));
      if (!loaded.ok) throw new Error(loaded.message);
      runToEnd(api);
      const r = (await ok(api.checkLesson(checkOf(l))));
      expect(r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`), id).toEqual([]);
    }
  });

  it('refuses goals that are not goals, with a message, instead of throwing', async () => {
    const { api, l } = started('fan-out');
    const bad = { ...checkOf(l), goals: [{ kind: 'eval', label: 'x', code: 'alert(1)' }] };
    const r = await api.checkLesson(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/goals are not valid/);
    expect((await api.checkLesson({ ...checkOf(l), waits: [{ goal: 'NOT AN ID' } as never] })).ok).toBe(false);
    expect((await api.checkLesson({ ...checkOf(l), solution: { format: 'nope' } })).ok).toBe(false);
  });

  it('returns plain data (it crosses the worker boundary by structured clone)', async () => {
    const { api, l } = started('fan-out');
    const r = await api.checkLesson(checkOf(l));
    expect(structuredClone(r)).toEqual(r);
  });
});
