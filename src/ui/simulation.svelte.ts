// The UI's one piece of simulation state: what the worker last said, held in `$state.raw`
// fields that are replaced, never mutated (STYLE §6). It never simulates: it sends intents
// and applies the update each call returns. While playing it calls `advance` at most once
// per animation frame, and not at all while a call is in flight or the world is idle.
import { getContext, setContext } from 'svelte';
import type { Node, Edge } from '@xyflow/svelte';
import type { DrawNode, LoadResult, Update, WorkerApi } from '../worker/api.ts';
import { applyTrace } from '../worker/trace-window.ts';
import { nodeType } from './nodes/types.ts';
import type { EngineView, Intent, TraceStep } from '../engine/index.ts';

/** The worker API as the UI sees it: every method async (comlink's `Remote<WorkerApi>` fits). */
export type AsyncApi = { [K in keyof WorkerApi]: (...args: Parameters<WorkerApi[K]>) => Promise<ReturnType<WorkerApi[K]>> };

export type FlowNode = Node<DrawNode>;

/** Play speeds: logical milliseconds per real millisecond. */
export const SPEEDS = [
  { label: '0.01×', factor: 0.01 },
  { label: '0.05×', factor: 0.05 },
  { label: '0.25×', factor: 0.25 },
  { label: '1×', factor: 1 },
  { label: '10×', factor: 10 },
] as const;
export const DEFAULT_SPEED = 1;

/** Longest real gap one frame accounts for: a hidden tab does not come back to a burst. */
const MAX_FRAME_MS = 100;

/** Where animation frames come from: the browser's, or a test's hand-driven clock. */
export interface Frames {
  request(callback: (now: number) => void): number;
  cancel(handle: number): void;
}
const browserFrames: Frames = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
};

export interface Notice {
  tone: 'info' | 'error';
  text: string;
}

export class Simulation {
  name = $state.raw('');
  description = $state.raw('');
  /** Canvas nodes: replaced by the canvas itself when the learner drags or selects. */
  nodes = $state.raw<FlowNode[]>([]);
  edges = $state.raw<Edge[]>([]);
  view = $state.raw<EngineView | null>(null);
  /** Trace rows around the playhead, in seq order (a window of the whole trace). */
  rows = $state.raw<TraceStep[]>([]);
  playing = $state.raw(false);
  speed = $state.raw<number>(DEFAULT_SPEED);
  notice = $state.raw<Notice | null>(null);

  /** The step just applied (the row highlighted in the trace), or null at step 0. */
  current = $derived.by(() => {
    const step = this.view?.step ?? 0;
    return step > 0 ? (this.rows.find((r) => r.seq === step - 1) ?? null) : null;
  });

  /** The producer the Fire button fires: the selected one, else the first. */
  firer = $derived.by(() => {
    const producers = this.nodes.filter((n) => n.data.kind === 'producer');
    return producers.find((n) => n.selected) ?? producers[0] ?? null;
  });

  private api: AsyncApi;
  private frames: Frames;
  private inFlight = 0;
  private frame = 0;
  private lastFrame: number | null = null;
  private owed = 0;

  constructor(api: AsyncApi, frames: Frames = browserFrames) {
    this.api = api;
    this.frames = frames;
  }

  /** Loads a scenario or session; on refusal the current one stays and the reason shows. */
  async load(input: unknown): Promise<boolean> {
    this.pause();
    const r: LoadResult = await this.api.load($state.snapshot(input));
    if (!r.ok) {
      this.notice = { tone: 'error', text: `That scenario could not be opened:\n${r.message}` };
      return false;
    }
    this.name = r.name;
    this.description = r.description;
    // Not deletable: the canvas only draws the scenario the worker runs (editing comes later).
    // (Not `deleteKey={null}` either: Svelte Flow 1.7 then warns on every key press.)
    this.nodes = r.nodes.map((n) => ({ id: n.id, type: nodeType(n.kind), position: n.position, data: n, deletable: false }));
    this.edges = r.edges.map((e) => ({ ...e, selectable: false, deletable: false }));
    this.rows = [];
    this.notice = null;
    this.apply(r);
    return true;
  }

  fire(producer = this.firer?.id): Promise<void> {
    if (!producer) return Promise.resolve();
    return this.act({ kind: 'fire', node: producer, template: 0 });
  }
  crash(consumer: string): Promise<void> {
    return this.act({ kind: 'crash', node: consumer });
  }
  restart(consumer: string): Promise<void> {
    return this.act({ kind: 'restart', node: consumer });
  }

  async act(intent: Intent): Promise<void> {
    const r = await this.call(() => this.api.act($state.snapshot(intent) as Intent));
    if (!r) return;
    this.notice = r.ok ? null : { tone: 'info', text: r.reason };
  }

  async step(): Promise<void> {
    this.pause();
    await this.call(() => this.api.step(1));
  }
  async back(): Promise<void> {
    this.pause();
    await this.call(() => this.api.back(1));
  }
  /** Moves the playhead to just after trace row `seq`. */
  async seekAfter(seq: number): Promise<void> {
    this.pause();
    await this.call(() => this.api.seek(seq + 1));
  }

  play(): void {
    if (this.playing) return;
    this.playing = true;
    this.lastFrame = null;
    this.owed = 0;
    this.frame = this.frames.request(this.tick);
  }
  pause(): void {
    this.playing = false;
    if (this.frame) this.frames.cancel(this.frame);
    this.frame = 0;
  }
  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  /** Stops the play loop for good (the app is going away). */
  destroy(): void {
    this.pause();
  }

  private tick = (now: number): void => {
    if (!this.playing) return;
    const dt = this.lastFrame === null ? 0 : Math.min(now - this.lastFrame, MAX_FRAME_MS);
    this.lastFrame = now;
    if (this.view?.idle) {
      this.owed = 0; // nothing is due: no call at all
    } else {
      this.owed += dt * SPEEDS[this.speed].factor;
      if (this.inFlight === 0 && this.owed > 0) {
        const ms = this.owed;
        this.owed = 0;
        void this.call(() => this.api.advance(ms));
      }
    }
    this.frame = this.frames.request(this.tick);
  };

  /** One worker call at a time; its update is applied in the order calls were made. */
  private async call<U extends Update>(fn: () => Promise<U>): Promise<U | null> {
    this.inFlight++;
    try {
      const u = await fn();
      this.apply(u);
      return u;
    } catch (err) {
      this.pause();
      this.notice = { tone: 'error', text: `The simulation stopped: ${(err as Error).message}` };
      return null;
    } finally {
      this.inFlight--;
    }
  }

  private apply(u: Update): void {
    this.rows = applyTrace(this.rows, u.trace, u.newSteps);
    this.view = u.view;
  }
}

const KEY = Symbol('simulation');

/** Makes the simulation available to the components below (node components read it). */
export function provideSimulation(sim: Simulation): Simulation {
  return setContext(KEY, sim);
}
export function useSimulation(): Simulation {
  return getContext<Simulation>(KEY);
}
