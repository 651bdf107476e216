// The lesson panel in real Chromium, with the real host API in-process and a fake
// workspace host (memory repository): a lesson opens in a workspace of its own, the
// checklist follows what the learner does, hints come one at a time, the solution opens
// beside the learner's work without touching it, and progress is saved by lesson id.
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { makeWorkerApi } from '../../worker/api.ts';
import { Simulation, type AsyncApi } from '../simulation.svelte.ts';
import { LessonGuide } from './guide.svelte.ts';
import { FakeHost } from './testing/fake-host.svelte.ts';
import Harness from './testing/Harness.svelte';
import fanOut from '../../examples/fan-out.json';
import { loadCourse } from '../../lessons/index.ts';

function inProcess(): AsyncApi {
  const api = makeWorkerApi();
  const wrapped: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(api)) wrapped[k] = async (...a: unknown[]) => structuredClone(await (f as (...x: unknown[]) => unknown)(...structuredClone(a)));
  return wrapped as AsyncApi;
}

let app: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
  history.replaceState(null, '', location.pathname + location.search);
});

async function setUp() {
  const api = inProcess();
  const sim = new Simulation(api, { request: () => 0, cancel: () => {} });
  expect(await sim.load(fanOut)).toBe(true);
  const host = new FakeHost(sim, api);
  // The learner's own work before any lesson: a workspace that lessons must not touch.
  expect(await host.openNew(fanOut, { name: 'My fan-out', origin: 'blank' })).toBe(true);
  const guide = new LessonGuide({ sim, host, check: (c) => api.checkLesson(c) });
  const target = document.createElement('div');
  document.body.append(target);
  app = mount(Harness, { target, props: { sim, host, guide } });
  flushSync();
  return { api, sim, host, guide };
}

const $ = (testId: string) => document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
const $$ = (testId: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];
const click = (testId: string) => {
  const el = $(testId);
  if (!el) throw new Error(`no ${testId}`);
  el.click();
};
const goalsMet = () => $$('goal').map((g) => `${g.dataset.goal}:${g.dataset.ok}`);

describe('the lesson panel', () => {
  it('shows the course map with every lesson not started, and opens lesson 1 in a new lesson workspace', async () => {
    const { host, guide } = await setUp();
    await expect.poll(() => $$('lesson-status').length).toBe(loadCourse().lessons.length);
    expect($('course-lesson-fan-out')?.dataset.status).toBe('not-started');

    ($('course-lesson-fan-out')?.querySelector('button') as HTMLButtonElement).click();
    await expect.poll(() => $('lesson-title')?.textContent).toBe('One event, many services');
    expect(host.current).toMatchObject({ origin: 'lesson', lesson: 'fan-out', name: 'One event, many services' });
    expect(location.hash).toBe('#/lesson/fan-out/look');
    // Prose rendered from Markdown, no raw tags.
    expect(document.querySelector('.prose strong')?.textContent).toBe('call');
    // The live checklist: the author's labels verbatim, none met on the start.
    await expect.poll(goalsMet).toEqual(['subscribers:false', 'fired:false', 'fan-out:false']);
    expect($$('goal')[0].textContent).toContain('Three services subscribe to the orders topic');
    expect($$('goal')[0].textContent).toContain('Checks:');
    expect(guide.progress['fan-out']).toMatchObject({ state: 'in-progress', step: 'look' });
  });

  it('follows the learner: Continue, wire a consumer, fire, play — each step lights up, the lesson completes and is saved done', async () => {
    const { sim, host, guide } = await setUp();
    await guide.open('fan-out');
    flushSync();
    expect($('step-title')?.textContent).toContain('Look at the wiring');
    click('step-next'); // Continue
    await expect.poll(() => $('step-title')?.textContent).toContain('Add a service');
    expect(($('step-next') as HTMLButtonElement).disabled).toBe(true);
    expect($('step-wait')?.textContent).toContain('Waiting for: Three services subscribe');

    const added = await sim.edit({ op: 'add', kind: 'consumer', position: { x: 600, y: 380 } });
    expect(added).toBe(true);
    const id = sim.nodes.at(-1)!.id;
    await sim.edit({ op: 'connect', source: 'orders', target: id });
    await expect.poll(goalsMet).toEqual(['subscribers:true', 'fired:false', 'fan-out:false']);
    await expect.poll(() => ($('step-next') as HTMLButtonElement).disabled).toBe(false);
    click('step-next');
    await expect.poll(() => $('step-title')?.textContent).toContain('Fire an order');

    await sim.fire('checkout');
    await expect.poll(goalsMet).toEqual(['subscribers:true', 'fired:true', 'fan-out:false']);
    click('step-next');
    await expect.poll(() => $('step-title')?.textContent).toContain('Watch the fan-out');
    expect($('step-next')).toBeNull(); // the last step

    for (let i = 0; i < 60 && !sim.view?.idle; i++) await sim.step();
    await expect.poll(goalsMet).toEqual(['subscribers:true', 'fired:true', 'fan-out:true']);
    await expect.poll(() => $('lesson-complete')?.textContent).toContain('Lesson complete');
    expect($('next-lesson')?.textContent).toContain('Keys');
    const saved = await host.repo.lessonProgress();
    expect(saved.ok && saved.value.find((p) => p.id === 'fan-out')).toMatchObject({ state: 'done', withHelp: false, version: 1, step: 'watch' });

    // Replay this step: the run goes back to where it was when the step began.
    const before = sim.view!.step;
    click('step-replay');
    await expect.poll(() => sim.view!.step).toBeLessThan(before);
  });

  it('hints one at a time; the solution asks first, opens beside the learner work, and counts as done with help', async () => {
    const { sim, host, guide } = await setUp();
    await guide.open('commit-timing');
    flushSync();
    const own = host.current!.id;
    const ownNodes = sim.nodes.length;
    await sim.edit({ op: 'add', kind: 'consumer' });
    expect(sim.nodes.length).toBe(ownNodes + 1);

    expect($$('hint')).toHaveLength(0);
    click('hint-show');
    await expect.poll(() => $$('hint').length).toBe(1);
    expect($$('hint')[0].textContent).toBe(guide.lesson!.hints[0]);
    expect($('hint-show')?.textContent).toContain('2 of');

    click('solution-show');
    await expect.poll(() => $('confirm-yes')).not.toBeNull();
    expect(document.activeElement).toBe($('confirm-yes'));
    click('confirm-no'); // asked first: cancelling does nothing, and the focus goes back
    await expect.poll(() => document.activeElement !== null && document.activeElement === $('solution-show')).toBe(true);
    expect(host.current!.id).toBe(own);

    click('solution-show');
    await expect.poll(() => $('confirm-yes')).not.toBeNull();
    click('confirm-yes');
    await expect.poll(() => host.current?.name).toBe('When to commit the offset — solution');
    sim.pause();
    await expect.poll(() => $('on-solution')).not.toBeNull();
    expect(guide.progress['commit-timing']).toMatchObject({ state: 'done', withHelp: true, hintsShown: 1 });

    // The learner's own work is as it was: their added consumer is still there.
    const mine = await host.repo.open(own);
    expect(mine.ok && mine.value.session.scenario.nodes.length).toBe(ownNodes + 1);
    click('back-to-own');
    await expect.poll(() => host.current?.id).toBe(own);
    expect(sim.nodes.length).toBe(ownNodes + 1);

    // Opening the lesson again goes to the same workspace, not a new one, even when asked twice at once.
    await Promise.all([guide.open('commit-timing'), guide.open('commit-timing')]);
    expect(host.current?.id).toBe(own);
    expect(host.calls.filter((c) => c === 'openNew:When to commit the offset')).toHaveLength(1);
  });

  it('a solution being opened never counts as the learner finishing on their own, however slowly the host names it', async () => {
    const { sim, host, guide } = await setUp();
    await guide.open('fan-out');
    host.settleMs = 600; // longer than a check takes: the solution's complete run is checked while the learner's workspace is still named current
    expect(await guide.showSolution()).toBe(true);
    sim.pause();
    for (let i = 0; i < 80 && !sim.view?.idle; i++) await sim.step();
    await expect.poll(() => guide.complete).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(guide.progress['fan-out']).toMatchObject({ state: 'done', withHelp: true });
    const saved = await host.repo.lessonProgress();
    expect(saved.ok && saved.value.find((p) => p.id === 'fan-out')).toMatchObject({ withHelp: true });
  });

  it('an unknown lesson id names it and shows the course map; an unknown step names it and shows the first', async () => {
    const { host, guide } = await setUp();
    const before = host.current!.id;
    expect(await guide.open('no-such-lesson')).toBe(false);
    flushSync();
    expect($('lesson-notice')?.textContent).toContain('"no-such-lesson"');
    expect($('course-map')).not.toBeNull();
    expect(host.current!.id).toBe(before); // nothing was opened or lost

    expect(await guide.open('fan-out', 'nope')).toBe(true);
    flushSync();
    expect($('lesson-notice')?.textContent).toContain('no step called "nope"');
    expect($('step-title')?.textContent).toContain('Step 1 of 4');

    // Asked twice at once (a double click), a new lesson still gets one workspace.
    await Promise.all([guide.open('keys-and-order'), guide.open('keys-and-order')]);
    const list = await host.repo.list();
    expect(list.ok && list.value.filter((w) => w.lesson === 'keys-and-order')).toHaveLength(1);
  });

  it('a goal that broke at a step says where, and "Jump there" moves the playhead just after that step', async () => {
    const { sim, guide } = await setUp();
    await guide.open('queues-vs-logs');
    for (let i = 0; i < 200 && !sim.view?.idle; i++) await sim.step();
    const twice = () => $$('goal').find((g) => g.textContent?.includes('No customer got the same e-mail twice'));
    await expect.poll(() => twice()?.dataset.ok).toBe('false');
    const detail = twice()!.textContent!;
    const at = Number(/broke at step (\d+)/.exec(detail)?.[1]);
    expect(at).toBeGreaterThan(0);
    (twice()!.querySelector('[data-testid="goal-jump"]') as HTMLButtonElement).click();
    await expect.poll(() => sim.view?.step).toBe(at + 1);
    // Jumped back before the end, the checklist is about the run up to there.
    expect(sim.view!.step).toBeLessThan(sim.view!.horizon);
  });

  it('reset asks first, then puts the learner workspace back to the lesson start', async () => {
    const { sim, guide } = await setUp();
    await guide.open('fan-out');
    const start = sim.nodes.length;
    await sim.edit({ op: 'add', kind: 'consumer' });
    click('lesson-reset');
    await expect.poll(() => $('confirm-yes')?.textContent).toContain('Start over');
    click('confirm-yes');
    await expect.poll(() => sim.nodes.length).toBe(start);
    expect($('step-title')?.textContent).toContain('Step 1 of 4');
  });
});
