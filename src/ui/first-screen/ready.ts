// When the first screen is usable, and what waits for it.
//
// "Canvas interactive" (the moment `npm run bench:ui` and the first-load test measure to):
// the workspace's run has come back from the worker, Svelte Flow's viewport is set up (pan,
// zoom, drop and connect work) and every node on it has been measured, so the learner sees
// the drawing where it will stay. An empty canvas counts as soon as its viewport is ready.
// CanvasReady.svelte (inside <SvelteFlow>) calls `markCanvasInteractive` at that moment;
// it leaves the performance mark CANVAS_INTERACTIVE and lets the deferred parts of the app
// start loading (later.svelte.ts).

/** The name of the performance mark left when the canvas first becomes interactive. */
export const CANVAS_INTERACTIVE = 'eventfold:canvas-interactive';

let done = false;
let resolve!: () => void;
/** Settles once, the first time a canvas becomes interactive in this page. */
export const canvasInteractive: Promise<void> = new Promise((r) => (resolve = r));

export function markCanvasInteractive(): void {
  if (done) return;
  done = true;
  performance.mark(CANVAS_INTERACTIVE);
  resolve();
}
