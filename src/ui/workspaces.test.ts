// The workspace keeper against the real host in-process and a memory repository: what is
// saved where, when saving fails, and when another tab saved first.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Simulation, type AsyncApi } from './simulation.svelte.ts';
import { Workspaces } from './workspaces.svelte.ts';
import { makeWorkerApi } from '../worker/api.ts';
import { createMemoryRepo, MemoryStorage, notifierHub, type WorkspaceRepo } from '../persist/index.ts';
import { faultyBackend } from '../persist/backend.ts';
import fanOut from '../examples/fan-out.json';
import payments from '../examples/payments.json';

/** Every worker method, made async and structured-cloned as postMessage would. */
function inProcess(): AsyncApi {
  const api = makeWorkerApi() as unknown as Record<string, (...a: unknown[]) => unknown>;
  return new Proxy({} as AsyncApi, {
    get: (_, name: string) => async (...a: unknown[]) => structuredClone(api[name](...structuredClone(a))),
  });
}

const noFrames = { request: () => 0, cancel: () => {} };

function tab(repo: WorkspaceRepo, clock = { t: 1_000 }) {
  const api = inProcess();
  const sim = new Simulation(api, noFrames);
  const keeper = new Workspaces(sim, api, repo, { now: () => clock.t, autosaveMs: 50 });
  return { api, sim, keeper };
}

async function inputsOf(repo: WorkspaceRepo, id: string): Promise<number> {
  const r = await repo.open(id);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.session.inputs.length;
}

/**
 * Two tabs on one workspace, 'shared': tab a fires once and saves (rev 2); then tab b,
 * which opened it at rev 1, fires `mine` times (not saved yet). With `hub`, the tabs hear
 * each other as on a BroadcastChannel, and b has heard of a's save before it fires.
 */
async function twoTabs(mine: number, hub?: ReturnType<typeof notifierHub>) {
  const storage = new MemoryStorage();
  const a = tab(createMemoryRepo({ storage, ...(hub ? { notifier: hub.join() } : {}) }));
  await a.keeper.openNew(fanOut, { name: 'shared', origin: 'blank' });
  const id = a.keeper.current!.id;
  const b = tab(createMemoryRepo({ storage, ...(hub ? { notifier: hub.join() } : {}) }));
  expect(await b.keeper.open(id)).toBe(true);
  await a.sim.fire();
  await a.keeper.flush();
  if (hub) await new Promise((r) => setTimeout(r, 5)); // the channel delivers in a macrotask
  for (let i = 0; i < mine; i++) await b.sim.fire();
  return { a, b, id };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Workspaces', () => {
  it('opens each session as a new workspace and never touches another', async () => {
    const repo = createMemoryRepo();
    const { sim, keeper } = tab(repo);
    expect(await keeper.openNew(fanOut, { name: 'mine', origin: 'blank' })).toBe(true);
    const mine = keeper.current!.id;
    await sim.fire();
    await keeper.flush();
    expect(keeper.state).toBe('saved');
    expect(await inputsOf(repo, mine)).toBe(1);

    expect(await keeper.openNew(payments, { name: 'from a link', origin: 'link' })).toBe(true);
    expect(keeper.current!.id).not.toBe(mine);
    expect(keeper.all.map((w) => w.name).sort()).toEqual(['from a link', 'mine']);
    expect(await inputsOf(repo, mine)).toBe(1);
    expect(await inputsOf(repo, keeper.current!.id)).toBe(0);
  });

  it('an autosave that fires while a switch is loading the next workspace saves nothing into the wrong one', async () => {
    const repo = createMemoryRepo();
    const { sim, keeper } = tab(repo);
    await keeper.openNew(fanOut, { name: 'first', origin: 'blank' });
    const first = keeper.current!.id;
    await sim.fire();
    // The switch starts and, while the worker is loading the next scenario, the autosave
    // fires (as its timer would): it must wait for the switch, not save what the worker
    // now holds under the first workspace's id.
    const switching = keeper.openNew(payments, { name: 'second', origin: 'link' });
    const saving = keeper.flush();
    await Promise.all([switching, saving]);
    await keeper.flush();
    const fanOutName = (fanOut as { name: string }).name;
    const firstOpened = await repo.open(first);
    expect(firstOpened.ok && firstOpened.value.session.scenario.name).toBe(fanOutName);
    expect(await inputsOf(repo, first)).toBe(1);
    const second = keeper.current!.id;
    expect(second).not.toBe(first);
    const secondOpened = await repo.open(second);
    expect(secondOpened.ok && secondOpened.value.session.scenario.name).toBe((payments as { name: string }).name);
    expect(await inputsOf(repo, second)).toBe(0);
  });

  it('the debounced autosave writes after the quiet period, once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const repo = createMemoryRepo();
    const { sim, keeper } = tab(repo);
    await keeper.openNew(fanOut, { name: 'mine', origin: 'blank' });
    const id = keeper.current!.id;
    const rev = keeper.current!.rev;
    await sim.fire();
    keeper.changed();
    keeper.changed();
    expect(keeper.state).toBe('saving');
    expect(await inputsOf(repo, id)).toBe(0);
    await vi.advanceTimersByTimeAsync(60);
    await keeper.flush();
    expect(keeper.state).toBe('saved');
    expect(await inputsOf(repo, id)).toBe(1);
    expect(keeper.current!.rev).toBe(rev + 1);
  });

  it('resumes the workspace of last time, and the newest when that one is gone', async () => {
    const storage = new MemoryStorage();
    const clock = { t: 1_000 };
    const a = tab(createMemoryRepo({ storage }), clock);
    await a.keeper.openNew(fanOut, { name: 'one', origin: 'blank' });
    clock.t = 2_000;
    // 'two' is newer (and after 'one' in the alphabet, so the order is not by name).
    await a.keeper.openNew(payments, { name: 'two', origin: 'blank' });
    const two = a.keeper.current!.id;
    await a.keeper.open(a.keeper.all.find((w) => w.name === 'one')!.id);

    const fallback = vi.fn(async () => true);
    const b = tab(createMemoryRepo({ storage }));
    expect(await b.keeper.resume(fallback)).toBe(true);
    expect(b.keeper.current!.name).toBe('one');
    expect(fallback).not.toHaveBeenCalled();

    await b.keeper.repo.setSetting('lastWorkspace', 'gone');
    const c = tab(createMemoryRepo({ storage }));
    expect(await c.keeper.resume(fallback)).toBe(true);
    expect(c.keeper.current!.id).toBe(two);
    expect(fallback).not.toHaveBeenCalled();
  });

  it('leaving a workspace another tab saved first keeps this tab\'s version as a new workspace', async () => {
    const { b, id } = await twoTabs(2);
    await b.keeper.flush();
    expect(b.keeper.state).toBe('conflict');
    // The learner ignores the banner and opens a blank canvas.
    await b.keeper.openNew({ format: 'eventfold/scenario', version: 1, name: 'blank', nodes: [] }, { name: 'blank', origin: 'blank' });
    const kept = b.keeper.all.find((w) => w.name === "shared (this tab's version)");
    expect(kept).toBeDefined();
    expect(await inputsOf(b.keeper.repo, kept!.id)).toBe(2);
    expect(await inputsOf(b.keeper.repo, id)).toBe(1);
    expect(b.sim.notice?.text).toContain("shared (this tab's version)");
  });

  it('renames the workspace on screen after edits (its own newer rev, not the list\'s)', async () => {
    const repo = createMemoryRepo();
    const { sim, keeper } = tab(repo);
    await keeper.openNew(fanOut, { name: 'old name', origin: 'blank' });
    await sim.fire();
    await keeper.flush();
    await sim.fire();
    await keeper.flush();
    expect(await keeper.rename(keeper.current!.id, 'new name')).toBe(true);
    expect(keeper.current!.name).toBe('new name');
    expect(keeper.all.map((w) => w.name)).toEqual(['new name']);
  });

  it('exports what is on screen even while another tab\'s version is the stored one', async () => {
    const { b } = await twoTabs(3);
    const file = JSON.parse((await b.keeper.exportCurrent())!.text);
    expect(b.keeper.state).toBe('conflict');
    expect(file.workspaces[0].session.inputs).toHaveLength(3);
  });

  it('keeps the work in memory when storage is full, and saves it once there is room', async () => {
    let full = false;
    const quota = Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
    const repo = createMemoryRepo({ wrapBackend: (b) => faultyBackend(b, () => (full ? quota : null)) });
    const { sim, keeper } = tab(repo);
    await keeper.openNew(fanOut, { name: 'mine', origin: 'blank' });
    const id = keeper.current!.id;
    full = true;
    await sim.fire();
    await keeper.flush();
    expect(keeper.state).toBe('failed');
    expect(keeper.problem?.kind).toBe('quota');
    expect((await keeper.exportCurrent())!.text).toContain('"inputs"');
    expect(await inputsOf(repo, id)).toBe(1); // the repo answers the copy kept in memory

    // Switching away and back while still full: the copy stays, and so does the warning.
    await keeper.openNew(payments, { name: 'other', origin: 'blank' });
    const other = keeper.current!.id;
    expect(keeper.current!.rev).toBe(0); // its creation failed too: kept in memory
    expect(keeper.problem?.kind).toBe('quota');
    expect(repo.unsaved().map((u) => u.workspace.id)).toContain(id);
    await keeper.open(id);
    expect(await inputsOf(repo, id)).toBe(1);

    full = false;
    await keeper.flush();
    expect(keeper.state).toBe('saved');
    // 'other' is still only in memory: the warning stays until it is saved too.
    expect(repo.unsaved().map((u) => u.workspace.id)).toEqual([other]);
    expect(keeper.problem?.kind).toBe('quota');
    await keeper.open(other);
    await keeper.flush();
    expect(keeper.current!.rev).toBe(1);
    expect(keeper.problem).toBeNull();
    expect(repo.unsaved()).toHaveLength(0);
    expect(await inputsOf(repo, id)).toBe(1);
  });

  it('another tab saved first: nothing is overwritten, and "keep mine" adds a workspace', async () => {
    const { a, b, id } = await twoTabs(2, notifierHub());
    // b heard of a's save (and still says so after its own fires, before saving).
    expect(b.keeper.changedElsewhere).toBe(true);
    await b.keeper.flush();
    expect(b.keeper.state).toBe('conflict');
    expect(await inputsOf(a.keeper.repo, id)).toBe(1);

    expect(await b.keeper.keepMineAsNew()).toBe(true);
    expect(b.keeper.current!.id).not.toBe(id);
    expect(b.keeper.all.map((w) => w.name).sort()).toEqual(['shared', "shared (this tab's version)"]);
    expect(b.keeper.state).toBe('saved');
    expect(await inputsOf(b.keeper.repo, b.keeper.current!.id)).toBe(2);
    expect(await inputsOf(a.keeper.repo, id)).toBe(1);
  });

  it('"replace it with mine" after a conflict saves this tab\'s version over the other', async () => {
    const { a, b, id } = await twoTabs(3);
    await b.keeper.flush();
    expect(b.keeper.state).toBe('conflict');
    await b.keeper.overwriteTheirs();
    expect(b.keeper.state).toBe('saved');
    expect(await inputsOf(a.keeper.repo, id)).toBe(3);
  });

  it('imports a file as new workspaces and refuses a broken one naming the field', async () => {
    const repo = createMemoryRepo();
    const { sim, keeper } = tab(repo);
    await keeper.openNew(fanOut, { name: 'mine', origin: 'blank' });
    await sim.fire();
    const file = (await keeper.exportCurrent())!;
    expect(await keeper.importText(file.text)).toBe(true);
    expect(keeper.all).toHaveLength(2);
    expect(sim.notice?.text).toContain('Imported 1 workspace');

    const broken = JSON.parse(file.text);
    broken.workspaces[0].session.seed = 'soon';
    expect(await keeper.importText(JSON.stringify(broken))).toBe(false);
    expect(sim.notice?.text).toMatch(/seed/);
    expect(keeper.all).toHaveLength(2);
  });
});
