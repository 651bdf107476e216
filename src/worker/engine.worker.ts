// The simulation worker: the host API from api.ts, exposed over comlink. Before each call, the
// optional engine modules (kinds/index.ts OPTIONAL) that its arguments mention are loaded, so
// the worker's first chunk carries only what every scenario needs. A scenario reaches the
// worker only through a call's arguments (a session loaded, an edit, a lesson's solution, a
// fork to compare), and what was loaded stays loaded, so any engine the API builds later
// (undo, redo, a rerun) finds its modules.
import { expose } from 'comlink';
import { makeWorkerApi } from './api.ts';
import { loadModules } from '../engine/kinds/index.ts';
import type { ModuleClass } from '../engine/kind.ts';

/** Each optional engine module's own chunk. */
const LOADERS: Record<string, () => Promise<ModuleClass>> = {
  service: async () => (await import('../engine/kinds/service.ts')).ServiceKind,
  stream: async () => (await import('../engine/kinds/stream.ts')).StreamKind,
  replication: async () => (await import('../engine/kinds/replication.ts')).Replication,
};
const load = (name: string) => {
  const f = LOADERS[name];
  if (!f) throw new Error(`no loader for the optional engine module "${name}": add it to LOADERS in engine.worker.ts`);
  return f();
};

const api = makeWorkerApi();

function mentioned(args: unknown[]): string {
  try {
    return JSON.stringify(args) ?? '';
  } catch {
    return '';
  }
}

expose(
  Object.fromEntries(
    Object.entries(api).map(([name, f]) => [
      name,
      async (...args: unknown[]) => {
        // Each argument is turned to JSON only while an optional module is still to be loaded.
        await loadModules(() => mentioned(args), load);
        return (f as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ),
);
