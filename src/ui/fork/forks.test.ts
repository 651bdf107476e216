// The app's side of fork and diff ([FD1]) against the real host in-process and a memory
// repository: a fork is a new workspace and the original stays as it was; the pair is found
// again from either side (as after a reload, by a new keeper); a link someone else wrote
// wrongly, or to a deleted workspace, is ignored; keep and discard.
import { describe, expect, it } from 'vitest';
import { Simulation, type AsyncApi } from '../simulation.svelte.ts';
import { Workspaces } from '../workspaces.svelte.ts';
import { Forks, forkKey, forksOfKey, latestKey, readLink } from './forks.svelte.ts';
import { makeWorkerApi } from '../../worker/api.ts';
import { createMemoryRepo, MemoryStorage, type WorkspaceRepo } from '../../persist/index.ts';
import payments from '../../examples/payments.json';

function inProcess(): AsyncApi {
  const api = makeWorkerApi() as unknown as Record<string, (...a: unknown[]) => unknown>;
  return new Proxy({} as AsyncApi, {
    get: (_, name: string) => async (...a: unknown[]) => structuredClone(await api[name](...structuredClone(a))),
  });
}
const noFrames = { request: () => 0, cancel: () => {} };

function tab(repo: WorkspaceRepo) {
  const api = inProcess();
  const sim = new Simulation(api, noFrames);
  const keeper = new Workspaces(sim, api, repo, { now: () => 1_000, autosaveMs: 50 });
  return { api, sim, keeper, forks: new Forks(keeper, sim, api) };
}

/** The payments example with one order fired and handled (step 5), as a workspace. */
async function withOriginal(repo = createMemoryRepo()) {
  const t = tab(repo);
  await t.keeper.openNew(payments, { name: 'Payments', origin: 'link' });
  await t.sim.fire();
  await t.sim.step();
  await t.sim.step();
  await t.sim.step();
  await t.sim.step();
  expect(t.sim.view?.step).toBe(5);
  return { ...t, repo, original: t.keeper.current!.id };
}

describe('Forks', () => {
  it('[FD1] Fork here opens the session at the playhead as a new workspace, linked to the original, which is kept as it was', async () => {
    const t = await withOriginal();
    expect(await t.forks.fork()).toBe(true);
    const fork = t.keeper.current!;
    expect(fork.id).not.toBe(t.original);
    expect(fork.name).toBe('Payments (fork at step 5)');
    expect(t.forks.pair).toMatchObject({ side: 'b', link: { fork: fork.id, original: t.original, step: 5 } });
    // The fork acts; the original's saved session is untouched.
    await t.sim.act({ kind: 'duplicate', node: 'payment', event: 'evt-0' });
    await t.keeper.flush();
    const original = await t.repo.open(t.original);
    if (!original.ok) throw new Error(original.error.message);
    expect(original.value.session.inputs.map((i) => i.kind)).toEqual(['fire']);
    expect(original.value.session.step).toBe(5);
  });

  it('[FD1] the pair is found again from either side by a new tab (as after a reload), and Compare counts the charges', async () => {
    const storage = new MemoryStorage();
    const t = await withOriginal(createMemoryRepo({ storage }));
    await t.forks.fork();
    await t.sim.act({ kind: 'duplicate', node: 'payment', event: 'evt-0' });
    await t.keeper.flush();
    const fork = t.keeper.current!.id;

    const again = tab(createMemoryRepo({ storage }));
    expect(await again.keeper.open(fork)).toBe(true);
    await again.forks.refresh();
    expect(again.forks.pair).toMatchObject({ side: 'b', original: { id: t.original }, fork: { id: fork } });
    const r = await again.forks.compare('end');
    if (!r.ok) throw new Error(r.message);
    expect(r.diff.effects[0]).toMatchObject({ effect: 'card charged', a: 1, b: 2 });

    expect(await again.forks.showOther()).toBe(true);
    expect(again.keeper.current!.id).toBe(t.original);
    expect(again.forks.pair).toMatchObject({ side: 'a' });
    const back = await again.forks.compare('end');
    if (!back.ok) throw new Error(back.message);
    expect(back.diff.effects[0]).toMatchObject({ a: 1, b: 2 });
    expect(back.diff.first?.step).toBe(5);
  });

  it('ignores a link that is not one (bad settings) or leads to a deleted workspace', async () => {
    expect(readLink('f', { original: 'o', step: 3 })).toEqual({ fork: 'f', original: 'o', step: 3 });
    for (const bad of [null, 'o', [], { original: 'o' }, { original: 'o', step: -1 }, { original: 'o', step: 1.5 }, { original: 7, step: 1 }, { original: 'f', step: 1 }]) expect(readLink('f', bad)).toBeNull();

    const t = await withOriginal();
    await t.forks.fork();
    const fork = t.keeper.current!.id;
    await t.repo.setSetting(forkKey(fork), { original: t.original, step: 'five' });
    await t.forks.refresh();
    expect(t.forks.pair).toBeNull();
    // A link to a workspace that is gone.
    await t.repo.setSetting(forkKey(fork), { original: 'gone', step: 5 });
    await t.forks.refresh();
    expect(t.forks.pair).toBeNull();
    // The original's "latest fork" naming a fork that names another original.
    await t.keeper.open(t.original);
    await t.repo.setSetting(latestKey(t.original), fork);
    await t.forks.refresh();
    expect(t.forks.pair).toBeNull();
  });

  it('keep forgets the pair and keeps both; discard deletes the fork and shows the original', async () => {
    const t = await withOriginal();
    await t.forks.fork();
    const first = t.keeper.current!.id;
    await t.forks.keep();
    expect(t.forks.pair).toBeNull();
    const names = async () => {
      const l = await t.repo.list();
      return l.ok ? l.value.map((w) => w.name).sort() : [];
    };
    expect(await names()).toEqual(['Payments', 'Payments (fork at step 5)']);

    await t.keeper.open(t.original);
    await t.forks.refresh();
    expect(t.forks.pair).toBeNull();
    await t.forks.fork();
    await t.sim.fire();
    expect(await t.forks.discard()).toBe(true);
    expect(t.keeper.current!.id).toBe(t.original);
    expect(t.forks.pair).toBeNull();
    expect(await names()).toEqual(['Payments', 'Payments (fork at step 5)']);
    const l = await t.repo.list();
    expect(l.ok && l.value.some((w) => w.id === first)).toBe(true);
  });

  it('an original with several forks lists them all, newest first; the learner picks one, and discarding it shows the next', async () => {
    const storage = new MemoryStorage();
    const t = await withOriginal(createMemoryRepo({ storage }));
    await t.forks.fork();
    const first = t.keeper.current!.id;
    await t.keeper.open(t.original);
    await t.sim.fire();
    await t.forks.fork();
    const second = t.keeper.current!.id;
    expect(t.keeper.current!.name).toBe('Payments (fork at step 6)');
    // Junk in the list, a repeated id, and an id whose workspace names no original, are ignored.
    const ids = await t.repo.getSetting(forksOfKey(t.original));
    expect(ids.ok && ids.value).toEqual([first, second]);
    await t.repo.setSetting(forksOfKey(t.original), [7, first, 'nobody', t.original, second, first]);

    // A new tab (as after a reload) on the original.
    const again = tab(createMemoryRepo({ storage }));
    await again.keeper.open(t.original);
    await again.forks.refresh();
    expect(again.forks.pair).toMatchObject({ side: 'a', fork: { id: second }, link: { step: 6 } });
    expect(again.forks.pair!.forks.map((f) => f.id)).toEqual([second, first]);

    await again.forks.choose(first);
    expect(again.forks.pair).toMatchObject({ side: 'a', fork: { id: first }, link: { step: 5 } });
    expect(await again.forks.showOther()).toBe(true);
    expect(again.keeper.current!.id).toBe(first);
    expect(again.forks.pair).toMatchObject({ side: 'b', forks: [{ id: second }, { id: first }] });

    // Discard the shown fork (the first): the original shows the other one.
    expect(await again.forks.discard()).toBe(true);
    expect(again.keeper.current!.id).toBe(t.original);
    expect(again.forks.pair).toMatchObject({ side: 'a', fork: { id: second } });
    expect(again.forks.pair!.forks.map((f) => f.id)).toEqual([second]);
    // Keep the last: the original has no fork left.
    await again.forks.showOther();
    await again.forks.keep();
    await again.keeper.open(t.original);
    await again.forks.refresh();
    expect(again.forks.pair).toBeNull();
  });
});
