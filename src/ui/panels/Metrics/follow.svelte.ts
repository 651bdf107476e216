// What the metric charts share: a query to the worker that follows the run — asked again at
// each step and each change of the run (edits, forks), at most once per `throttleMs` while
// playing, never two at once — and the points of a sparkline. Create `follow` while a
// component initialises (it sets up an effect).
import type { Simulation } from '../../simulation.svelte.ts';

export class Follow<T> {
  /** The latest answer, or null (none yet, or nothing is loaded). */
  current = $state.raw<T | null>(null);
  private busy = false;
  private again = false;
  private last = 0;

  constructor(sim: Simulation, ask: () => Promise<T>, throttleMs: number, deps: () => unknown = () => undefined) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    $effect(() => {
      deps();
      void sim.view?.step;
      void sim.generation;
      clearTimeout(timer);
      const wait = sim.playing ? Math.max(0, throttleMs - (performance.now() - this.last)) : 0;
      timer = setTimeout(() => void this.fetch(ask), wait);
      return () => clearTimeout(timer);
    });
  }

  private async fetch(ask: () => Promise<T>): Promise<void> {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.again = false;
        this.last = performance.now();
        this.current = await ask();
      } while (this.again);
    } catch {
      this.current = null; // no scenario loaded yet
    } finally {
      this.busy = false;
    }
  }
}

/**
 * A sparkline's `points`: value i at step `steps[i]` of `span` steps, scaled to `top`, in a
 * `w`×`h` box with a 2-pixel margin at the bottom; null values are left out.
 */
export function sparkPoints(values: readonly (number | null)[], steps: readonly number[], span: number, top: number, w: number, h: number): string {
  const s = Math.max(1, span);
  const t = Math.max(1, top);
  const out: string[] = [];
  values.forEach((v, i) => {
    if (v === null) return;
    out.push(`${((steps[i] / s) * w).toFixed(1)},${(h - 2 - (v / t) * (h - 4)).toFixed(1)}`);
  });
  return out.join(' ');
}
