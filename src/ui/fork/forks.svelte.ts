// Fork and diff, the app's side ([FD1]): "Fork here" saves the workspace on screen (the
// original, kept as it is) and opens its session at the playhead as a new workspace named
// "… (fork at step N)", which becomes the run on screen. The pair is remembered in settings,
// so it survives a reload and each side can find the other:
//   `fork:<fork id>`        → { original: <original id>, step: N }
//   `forks-of:<orig id>`    → [<fork id>, …] (every fork of that original, oldest first)
//   `fork-latest:<orig id>` → <fork id> (the newest; the only list before forks-of was kept)
// An original with several forks shows one at a time, the newest unless the learner chose
// another in the bar. A fork's own link is the truth: a list entry whose fork does not name
// this original (or is gone) is ignored. Comparing reads the other side's saved session and
// asks the worker (api.compare) for the diff; nothing here simulates. The bar and the
// Compare dialog load on use (index.ts).
import { getContext, setContext } from 'svelte';
import type { AsyncApi, Simulation } from '../simulation.svelte.ts';
import type { Workspaces } from '../workspaces.svelte.ts';
import type { Workspace } from '../../persist/types.ts';
import type { CompareResult } from '../../worker/api.ts';

export interface ForkLink {
  fork: string;
  original: string;
  /** The step the fork was made at. */
  step: number;
}

/** The workspace on screen and the other run of its pair. */
export interface Pair {
  link: ForkLink;
  /** Which run is on screen: 'a' the original, 'b' the fork. */
  side: 'a' | 'b';
  original: Workspace;
  fork: Workspace;
  /** Every fork of the original (newest first), `fork` among them. */
  forks: Workspace[];
}

export const forkKey = (fork: string) => `fork:${fork}`;
export const latestKey = (original: string) => `fork-latest:${original}`;
export const forksOfKey = (original: string) => `forks-of:${original}`;
const SUFFIX = / \(fork at step \d+\)$/;

/** A stored link, if the setting holds one (settings are JSON anyone could have written). */
export function readLink(fork: string, value: unknown): ForkLink | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const { original, step } = value as { original?: unknown; step?: unknown };
  if (typeof original !== 'string' || original === fork || typeof step !== 'number' || !Number.isInteger(step) || step < 0) return null;
  return { fork, original, step };
}

export class Forks {
  /** The pair the workspace on screen belongs to, or null. */
  pair = $state.raw<Pair | null>(null);
  private keeper: Workspaces;
  private sim: Simulation;
  private api: AsyncApi;
  /** Counts refreshes, so a slow one never overwrites a newer answer. */
  private asked = 0;
  /** Per original, the fork the learner chose to see in the bar (this tab only). */
  private chosen = new Map<string, string>();

  constructor(keeper: Workspaces, sim: Simulation, api: AsyncApi) {
    this.keeper = keeper;
    this.sim = sim;
    this.api = api;
  }

  private get repo() {
    return this.keeper.repo;
  }

  /** Finds the pair of the workspace on screen (after every switch of workspace). */
  async refresh(): Promise<void> {
    const ask = ++this.asked;
    const pair = await this.find(this.keeper.current);
    if (ask === this.asked) this.pair = pair;
  }

  private async find(current: Workspace | null): Promise<Pair | null> {
    if (!current) return null;
    const list = await this.repo.list();
    if (!list.ok) return null;
    const byId = (id: string) => list.value.find((w) => w.id === id) ?? null;
    const linkOf = async (id: string) => {
      const r = await this.repo.getSetting(forkKey(id));
      return r.ok ? readLink(id, r.value) : null;
    };
    const asFork = await linkOf(current.id);
    if (asFork) {
      const original = byId(asFork.original);
      if (!original) return null;
      const forks = (await this.forksOf(original.id, byId, linkOf)).map((f) => f.workspace);
      // A fork made before the list was kept is known by its own link only.
      if (!forks.some((f) => f.id === current.id)) forks.unshift(current);
      return { link: asFork, side: 'b', original, fork: current, forks };
    }
    const forks = await this.forksOf(current.id, byId, linkOf);
    if (forks.length === 0) return null;
    const fork = forks.find((f) => f.workspace.id === this.chosen.get(current.id)) ?? forks[0];
    return { link: fork.link, side: 'a', original: current, fork: fork.workspace, forks: forks.map((f) => f.workspace) };
  }

  /** The forks of `original` that still exist and still name it, newest first. */
  private async forksOf(original: string, byId: (id: string) => Workspace | null, linkOf: (id: string) => Promise<ForkLink | null>): Promise<{ workspace: Workspace; link: ForkLink }[]> {
    const ids = await this.forkIds(original);
    const out: { workspace: Workspace; link: ForkLink }[] = [];
    for (const id of ids) {
      const workspace = byId(id);
      const link = workspace ? await linkOf(id) : null;
      if (workspace && link && link.original === original) out.push({ workspace, link });
    }
    return out.sort((x, y) => y.workspace.createdAt - x.workspace.createdAt || ids.indexOf(y.workspace.id) - ids.indexOf(x.workspace.id));
  }

  /** The ids the settings list as forks of `original` (unchecked), oldest first. */
  private async forkIds(original: string): Promise<string[]> {
    const of = await this.repo.getSetting(forksOfKey(original));
    const ids = of.ok && Array.isArray(of.value) ? [...new Set(of.value.filter((x): x is string => typeof x === 'string'))] : [];
    const latest = await this.repo.getSetting(latestKey(original));
    if (latest.ok && typeof latest.value === 'string' && !ids.includes(latest.value)) ids.push(latest.value);
    return ids;
  }

  /** Shows `fork` (one of the original's forks) in the bar of the original. */
  async choose(fork: string): Promise<void> {
    const p = this.pair;
    if (!p || !p.forks.some((f) => f.id === fork)) return;
    this.chosen.set(p.original.id, fork);
    await this.refresh();
  }

  /**
   * Fork here: the workspace on screen is saved and kept as the original; its session at
   * the playhead opens as a new workspace, the fork, which is then on screen ([FD1]).
   */
  async fork(): Promise<boolean> {
    const original = this.keeper.current;
    this.sim.pause();
    const session = await this.api.session();
    if (!original || !session) return false;
    const step = session.step;
    const name = `${original.name.replace(SUFFIX, '')} (fork at step ${step})`;
    if (!(await this.keeper.openNew(session, { name, origin: original.origin === 'lesson' ? 'blank' : original.origin }))) return false;
    const fork = this.keeper.current;
    if (!fork || fork.id === original.id) return false;
    const saved = await this.repo.setSetting(forkKey(fork.id), { original: original.id, step });
    if (saved.ok) {
      const ids = await this.forkIds(original.id);
      await this.repo.setSetting(forksOfKey(original.id), [...ids.filter((id) => id !== fork.id), fork.id]);
      await this.repo.setSetting(latestKey(original.id), fork.id);
      this.chosen.delete(original.id);
    }
    await this.refresh();
    this.sim.notice = saved.ok
      ? { tone: 'info', text: `This is a fork of '${original.name}' at step ${step}: change it, inject a fault, play it. The original is kept as it was; Compare shows the two side by side.` }
      : { tone: 'error', text: `The fork was opened as a new workspace, '${name}', but Eventfold could not remember which run it is a fork of (${saved.error.message}). The original is kept as it was, in Workspaces.` };
    return true;
  }

  /** Shows the other run of the pair (saving the one on screen first). */
  async showOther(): Promise<boolean> {
    const p = this.pair;
    if (!p) return false;
    const ok = await this.keeper.open(p.side === 'a' ? p.fork.id : p.original.id);
    await this.refresh();
    return ok;
  }

  /** Shows one run of the pair: 'a' the original, 'b' the fork. */
  async show(side: 'a' | 'b'): Promise<boolean> {
    const p = this.pair;
    if (!p) return false;
    return p.side === side ? true : this.showOther();
  }

  /** Keeps the fork as a workspace of its own: the pair is forgotten, both workspaces stay. */
  async keep(): Promise<void> {
    const p = this.pair;
    if (!p) return;
    await this.unlink(p);
    this.sim.notice = { tone: 'info', text: `'${p.fork.name}' is now a workspace of its own, and '${p.original.name}' is kept too (see Workspaces).` };
  }

  /** Deletes the fork and shows the original. */
  async discard(): Promise<boolean> {
    const p = this.pair;
    if (!p) return false;
    if (p.side === 'b' && !(await this.keeper.open(p.original.id))) return false;
    if (!(await this.keeper.remove(p.fork.id))) return false;
    await this.unlink(p);
    this.sim.notice = { tone: 'info', text: `The fork '${p.fork.name}' was deleted; this is the original, as it was.` };
    return true;
  }

  private async unlink(p: Pair): Promise<void> {
    await this.repo.setSetting(forkKey(p.fork.id), null);
    const ids = (await this.forkIds(p.original.id)).filter((id) => id !== p.fork.id);
    await this.repo.setSetting(forksOfKey(p.original.id), ids);
    await this.repo.setSetting(latestKey(p.original.id), ids.at(-1) ?? null);
    await this.refresh();
  }

  /**
   * The diff of the pair ([FD2]–[FD6]): the run on screen (saved first) against the other
   * side's saved session, compared at each run's end or after `at` steps.
   */
  async compare(at: number | 'end'): Promise<CompareResult> {
    const p = this.pair;
    if (!p) return { ok: false, message: 'This workspace is not a fork, and has none: use Fork here first.' };
    await this.keeper.flush();
    const other = await this.repo.open(p.side === 'a' ? p.fork.id : p.original.id);
    if (!other.ok) return { ok: false, message: `The ${p.side === 'a' ? 'fork' : 'original'} could not be read: ${other.error.message}` };
    return this.api.compare(other.value.session, { screen: p.side, at });
  }
}

const KEY = Symbol('forks');
export function provideForks(forks: Forks): Forks {
  return setContext(KEY, forks);
}
/** The forks of the app (undefined where no App provides them, as in a component test). */
export function useForks(): Forks | undefined {
  return getContext<Forks | undefined>(KEY);
}
