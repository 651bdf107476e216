// For `npm run bench` (bench/ is wired elsewhere): "saving a 1,000,000-step session costs
// no more than twice saving a 1,000-step one". A session is scenario + seed + inputs + the
// step the learner is at, so its size, and the cost of saving it, does not grow with the
// steps; these helpers measure that on a real repository.
//
// Use from a bench script (Node, with fake-indexeddb for IndexedDB, or the memory repo):
//
//   import 'fake-indexeddb/auto';
//   import { compareSaveCost } from '../src/persist/bench-support.ts';
//   import { openWorkspaceRepo } from '../src/persist/repo.ts';
//   const r = await compareSaveCost({ open: async () => (await openWorkspaceRepo({ name: `bench-${Date.now()}` })).repo });
//   console.log(JSON.stringify({ metric: 'persist.save-1M-vs-1k', value: r.ratio, limit: 2, ...r }));
import { SESSION_FORMAT, SESSION_VERSION, restoreSessionOrScenario, type Session } from '../engine/session.ts';
import type { Input } from '../engine/inputs.ts';
import { createMemoryRepo, type WorkspaceRepo } from './repo.ts';
import fanOut from '../examples/fan-out.json';

/** Producer events per second in the bench scenario; each event is about 10 trace steps. */
const RATE = 1000;
const STEPS_PER_EVENT = 10;

/**
 * A session whose run is `steps` long: the fan-out example with Checkout firing at a rate
 * (enough events to run that far), `inputs` recorded actions, and the playhead at `steps`.
 * Replaying it takes the engine that many steps; saving it does not.
 */
export function sessionWithSteps(steps: number, inputs = 10): Session {
  const raw = structuredClone(fanOut) as { nodes: { id: string; config?: Record<string, unknown> }[] };
  const checkout = raw.nodes.find((n) => n.id === 'checkout')!;
  checkout.config = { ...checkout.config, rate: { perSecond: RATE, limit: Math.max(1, Math.ceil(steps / STEPS_PER_EVENT) + 10), template: 0 } };
  const r = restoreSessionOrScenario(raw);
  if (!r.ok) throw new Error('the bench scenario is refused by restoreScenario');
  const recorded: Input[] = Array.from({ length: inputs }, (_, i) => ({ kind: 'fire', node: 'checkout', template: 0, atStep: i * 7, time: i }));
  return { format: SESSION_FORMAT, version: SESSION_VERSION, scenario: r.value.scenario, seed: 1, inputs: recorded, step: steps };
}

/** Bytes a save of `session` writes: its JSON text (what the sessions store holds). */
export function savedBytes(session: Session): number {
  return JSON.stringify(session).length;
}

export interface SaveCost {
  steps: number;
  inputs: number;
  bytes: number;
  /** Median milliseconds per save, over `repeats` saves that each change the session. */
  medianMs: number;
}

/**
 * Times `repeats` saves of `session` into a new workspace of `repo`. Each save moves the
 * playhead by one step so that it writes (an unchanged session writes nothing).
 */
export async function measureSave(repo: WorkspaceRepo, session: Session, repeats = 50, now = () => performance.now()): Promise<SaveCost> {
  const created = await repo.create({ name: `bench ${session.step}`, origin: 'blank', session }, 0);
  if (!created.ok) throw new Error(created.error.message);
  let rev = created.value.rev;
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const next = { ...session, step: session.step - (i % 2) };
    const t = now();
    const r = await repo.save(created.value.id, next, { rev, now: 1 + i });
    times.push(now() - t);
    if (!r.ok) throw new Error(r.error.message);
    rev = r.value.rev;
  }
  times.sort((a, b) => a - b);
  return { steps: session.step, inputs: session.inputs.length, bytes: savedBytes(session), medianMs: times[Math.floor(times.length / 2)] };
}

/**
 * The bench line: saving a 1,000,000-step session against a 1,000-step one, with the same
 * scenario and inputs, alternating so that neither gets a warmer repository. `ratio` is
 * large / small median time and must stay ≤ 2; `bytesRatio` shows why.
 */
export async function compareSaveCost(options: { open?: () => Promise<WorkspaceRepo>; repeats?: number; inputs?: number; rounds?: number } = {}) {
  const open = options.open ?? (async () => createMemoryRepo());
  const repo = await open();
  const small: SaveCost[] = [];
  const large: SaveCost[] = [];
  for (let round = 0; round < (options.rounds ?? 3); round++) {
    small.push(await measureSave(repo, sessionWithSteps(1_000, options.inputs), options.repeats));
    large.push(await measureSave(repo, sessionWithSteps(1_000_000, options.inputs), options.repeats));
  }
  repo.close();
  const best = (xs: SaveCost[]) => xs.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  const s = best(small);
  const l = best(large);
  return { small: s, large: l, ratio: l.medianMs / Math.max(s.medianMs, 1e-6), bytesRatio: l.bytes / s.bytes, storage: repo.storage };
}
