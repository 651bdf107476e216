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

  it('a change pending when the learner switches is saved to its own workspace, not the next', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const repo = createMemoryRepo();
    const { sim, keeper } = tab(repo);
    await keeper.openNew(fanOut, { name: 'first', origin: 'blank' });
    const first = keeper.current!.id;
    await sim.fire();
    keeper.changed(); // the autosave is now waiting for its half second
    expect(keeper.state).toBe('saving');
    await keeper.openNew(payments, { name: 'second', origin: 'link' });
    await vi.runAllTimersAsync();
    await keeper.flush();
    expect(await inputsOf(repo, first)).toBe(1);
    expect(await inputsOf(repo, keeper.current!.id)).toBe(0);
  });

  it('resumes the workspace of last time, and the newest when that one is gone', async () => {
    const storage = new MemoryStorage();
    const a = tab(createMemoryRepo({ storage }));
    await a.keeper.openNew(fanOut, { name: 'one', origin: 'blank' });
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
    expect(c.keeper.current!.id).toBe(a.keeper.all[0].id);
    expect([two, a.keeper.all.find((w) => w.name === 'one')!.id]).toContain(c.keeper.current!.id);
    expect(fallback).not.toHaveBeenCalled();
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

    full = false;
    await keeper.flush();
    expect(keeper.state).toBe('saved');
    expect(keeper.problem).toBeNull();
    expect(repo.unsaved()).toHaveLength(0);
    expect(await inputsOf(repo, id)).toBe(1);
  });

  it('another tab saved first: nothing is overwritten, and "keep mine" adds a workspace', async () => {
    const storage = new MemoryStorage();
    const hub = notifierHub();
    const a = tab(createMemoryRepo({ storage, notifier: hub.join() }));
    await a.keeper.openNew(fanOut, { name: 'shared', origin: 'blank' });
    const id = a.keeper.current!.id;
    const b = tab(createMemoryRepo({ storage, notifier: hub.join() }));
    expect(await b.keeper.open(id)).toBe(true);

    await a.sim.fire();
    await a.keeper.flush();
    await new Promise((r) => setTimeout(r, 5)); // the channel delivers in a macrotask
    expect(b.keeper.changedElsewhere).toBe(true);

    await b.sim.fire();
    await b.sim.fire();
    await b.keeper.flush();
    expect(b.keeper.state).toBe('conflict');
    expect(await inputsOf(a.keeper.repo, id)).toBe(1);

    expect(await b.keeper.keepMineAsNew()).toBe(true);
    expect(b.keeper.current!.id).not.toBe(id);
    expect(b.keeper.state).toBe('saved');
    expect(await inputsOf(b.keeper.repo, b.keeper.current!.id)).toBe(2);
    expect(await inputsOf(a.keeper.repo, id)).toBe(1);
  });

  it('"replace it with mine" after a conflict saves this tab\'s version over the other', async () => {
    const storage = new MemoryStorage();
    const a = tab(createMemoryRepo({ storage }));
    await a.keeper.openNew(fanOut, { name: 'shared', origin: 'blank' });
    const id = a.keeper.current!.id;
    const b = tab(createMemoryRepo({ storage }));
    await b.keeper.open(id);
    await a.sim.fire();
    await a.keeper.flush();
    for (let i = 0; i < 3; i++) await b.sim.fire();
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
