// The UI's handle on the simulation worker. Vite bundles the worker only when it sees
// exactly this `new Worker(new URL(...), { type: 'module' })` shape: keep it.
import { wrap, type Remote } from 'comlink';
import type { WorkerApi } from './api.ts';

export type EngineClient = Remote<WorkerApi>;

/** Starts a simulation worker and returns its typed remote API. */
export function createEngineClient(): EngineClient {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' });
  return wrap<WorkerApi>(worker);
}
