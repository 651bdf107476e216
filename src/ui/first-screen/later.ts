// What the first screen does not load: each part below is fetched when first used, or
// before that, one after another when the browser is idle once the canvas is interactive
// (prefetchWhenIdle), so that first use shows it without a wait. `npm run bench:ui` and
// tests/e2e/first-load.spec.ts check that none of it is fetched before the canvas is
// interactive, and the spec that all of it is there afterwards.
import { Deferred } from './deferred.svelte.ts';
import { canvasInteractive } from './ready.ts';

/** The performance mark left when every deferred part has been loaded (or tried). */
export const PREFETCHED = 'eventfold:deferred-loaded';

const selected = () => import('../selected.ts');
const dialogs = () => import('../dialogs.ts');

export const later = {
  /** The inspector's editing of the selected node(s), with the saga, aggregate and projection forms. */
  inspector: new Deferred('the inspector', () => selected().then((m) => m.NodeInspector)),
  /** The break-it panel of the selected node (with its lag chart, stream fold, saga machine). */
  tools: new Deferred('the break-it panel', () => selected().then((m) => m.Tools)),
  /** The menus of a node and of a connection on the canvas (right click, Shift+F10). */
  faultMenu: new Deferred('the fault menu', () => selected().then((m) => m.FaultMenu)),
  edgeFaults: new Deferred('the connection menu', () => selected().then((m) => m.EdgeFaults)),
  /** A conversation's sequence diagram (SVG) in the trace's Mermaid dialog. */
  sequence: new Deferred('the sequence diagram', () => dialogs().then((m) => m.SequenceDiagram)),
  /** The "Add invariant" dialog of the Invariants panel. */
  addInvariant: new Deferred('the invariant form', () => dialogs().then((m) => m.AddInvariant)),
  /** The chaos explorer's dialog of the Invariants panel ([Z1]–[Z5]). */
  chaos: new Deferred('the chaos explorer', () => dialogs().then((m) => m.ChaosExplorer)),
  shareDialog: new Deferred('the Share dialog', () => dialogs().then((m) => m.ShareDialog)),
  workspacesDialog: new Deferred('the Workspaces dialog', () => dialogs().then((m) => m.WorkspacesDialog)),
  /** The bar of a fork pair and its Compare dialog ([FD1]–[FD6]), shown once a run is forked. */
  forkBar: new Deferred('the fork bar and Compare', () => import('../fork/index.ts').then((m) => m.ForkBar)),
};

/**
 * Modules that load on use through their own import() elsewhere (share links, files,
 * export, the lesson and challenge panels): prefetching imports them once more, which fills the module
 * map, so their first use does not wait for the network.
 */
const modules: (() => Promise<unknown>)[] = [
  () => import('../../share/index.ts'),
  () => import('../../share/codec.ts'),
  () => import('../../persist/files.ts'),
  () => import('html-to-image'),
  () => import('../lessons/index.ts'),
  () => import('../challenges/index.ts'),
];

function idle(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout: 2000 });
    else setTimeout(resolve, 50);
  });
}

let started = false;
/**
 * Once the canvas is interactive, loads every deferred part, one per idle period, most
 * likely first. A part that fails is left to load on use (and say so then).
 */
export function prefetchWhenIdle(): void {
  if (started) return;
  started = true;
  void canvasInteractive.then(async () => {
    const parts: (() => Promise<unknown>)[] = [...Object.values(later).map((p) => () => p.load()), ...modules];
    for (const load of parts) {
      await idle();
      await load().catch(() => undefined);
    }
    performance.mark(PREFETCHED);
  });
}

