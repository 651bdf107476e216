// The UI's one piece of simulation state: what the worker last said, held in `$state.raw`
// fields that are replaced, never mutated (STYLE §6). It never simulates: it sends intents
// and applies the update each call returns. While playing it calls `advance` at most once
// per animation frame, and not at all while a call is in flight or the world is idle.
import { getContext, setContext } from 'svelte';
import type { Node, Edge } from '@xyflow/svelte';
import type { DrawEdge, DrawNode, Drawing, Edit, EditError, EditUpdate, ExploreReport, LoadResult, Update, WorkerApi } from '../worker/api.ts';
import { applyTrace } from '../worker/trace-window.ts';
import { nodeType } from './nodes/types.ts';
import type { EngineView, Intent, TraceStep } from '../engine/index.ts';
import type { NodeViews } from '../engine/views.ts';

/** The worker API as the UI sees it: every method async (comlink's `Remote<WorkerApi>` fits). */
export type AsyncApi = { [K in keyof WorkerApi]: (...args: Parameters<WorkerApi[K]>) => Promise<Awaited<ReturnType<WorkerApi[K]>>> };

export type FlowNode = Node<DrawNode>;

/** Play speeds, on a logarithmic scale from 0.1× to 8×: logical milliseconds per real millisecond. */
export const SPEEDS = [0.1, 0.2, 0.5, 1, 2, 4, 8].map((factor) => ({ label: `${factor}×`, factor }));
export const DEFAULT_SPEED = 3;

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
  /** The view of node `id` at the playhead when it is a `kind` (a canvas node or a form reads its own). */
  viewOf<K extends keyof NodeViews>(id: string, kind: K): NodeViews[K] | null {
    const v = this.view?.nodes[id];
    return v?.kind === kind ? (v as NodeViews[K]) : null;
  }
  /** Trace rows around the playhead, in seq order (a window of the whole trace). */
  rows = $state.raw<TraceStep[]>([]);
  playing = $state.raw(false);
  speed = $state.raw<number>(DEFAULT_SPEED);
  notice = $state.raw<Notice | null>(null);
  /** Errors of the last refused edit, each at its node and field (the inspector shows them). */
  errors = $state.raw<EditError[]>([]);
  canUndo = $state.raw(false);
  canRedo = $state.raw(false);
  /** One sentence about the last step, for the polite live region. */
  get summary(): string {
    const c = this.current;
    return c ? `Step ${c.seq + 1}: ${c.text}` : '';
  }

  /**
   * Bumped whenever recorded rows may have changed meaning (a load, an edit, acting while
   * scrubbed back): anything that caches trace rows beyond `rows` drops them.
   */
  generation = $state.raw(0);

  /** Bumped when the whole drawing should come into view (a load, an add without a drop point). */
  fitTick = $state.raw(0);

  /** Bumped by every update from the worker and every redraw: what the autosave watches. */
  changes = $state.raw(0);
  /** Counts redraws of the scenario (an edit, undo, load): saved at once, not after play stops. */
  edits = $state.raw(0);
  /** Connections (edge ids) a panel asks the canvas to mark: a saga instance's path still ahead. */
  highlight = $state.raw<string[]>([]);

  /** Steps the last update applied (what travelled since the previous frame). */
  batch = $state.raw<TraceStep[]>([]);

  /** Nodes the learner selected (on the canvas or in the list view). */
  selected = $derived(this.nodes.filter((n) => n.selected));

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
  private inFlight = $state.raw(0);
  /** A call to the worker is under way: what is on screen may be about to change. */
  get busy(): boolean {
    return this.inFlight > 0;
  }
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
    this.draw({ ...r, canUndo: false, canRedo: false }, []);
    this.rows = [];
    this.notice = null;
    this.errors = [];
    this.generation++;
    this.apply(r);
    return true;
  }

  /** Draws what the worker says the scenario is; keeps the selection, or selects `select`. */
  private draw(d: Drawing, select: string[] | null): void {
    const was = new Set(this.nodes.filter((n) => n.selected).map((n) => n.id));
    const chosen = select && select.length > 0 ? new Set(select) : was;
    this.name = d.name;
    this.description = d.description;
    this.nodes = d.nodes.map((n) => ({ id: n.id, type: nodeType(n.kind), position: n.position, data: n, selected: chosen.has(n.id) }));
    const sel = new Set(this.edges.filter((e) => e.selected).map((e) => e.id));
    this.edges = d.edges.map((e: DrawEdge) => ({ ...e, selected: sel.has(e.id) }));
    this.canUndo = d.canUndo;
    this.canRedo = d.canRedo;
    this.edits++;
    this.changes++;
  }

  /** Sends an edit; a refusal keeps everything and shows why (and where). */
  async edit(change: Edit): Promise<boolean> {
    this.pause();
    const r = await this.call(() => this.api.edit($state.snapshot(change) as Edit));
    return this.edited(r, change);
  }
  async undo(): Promise<boolean> {
    this.pause();
    return this.edited(await this.call(() => this.api.undo()), { op: 'move', moves: [] });
  }
  async redo(): Promise<boolean> {
    this.pause();
    return this.edited(await this.call(() => this.api.redo()), { op: 'move', moves: [] });
  }
  /** Starts an empty canvas (undo brings the previous scenario back). */
  async blank(): Promise<boolean> {
    this.pause();
    this.rows = [];
    return this.edited(await this.call(() => this.api.blank()));
  }

  private edited(r: EditUpdate | null, change?: Edit): boolean {
    if (!r) return false;
    if (!r.ok) {
      this.errors = r.errors;
      this.notice = { tone: 'info', text: r.reason };
      return false;
    }
    this.errors = [];
    this.notice = null;
    this.generation++;
    this.draw(r, r.added);
    // A node added without a drop point lands at a free spot that may be off screen.
    if ((change?.op === 'add' && !change.position) || change?.op === 'duplicate' || change === undefined) this.fitTick++;
    return true;
  }

  /** Selects exactly these nodes (the list view and the inspector use it). */
  select(ids: string[]): void {
    const want = new Set(ids);
    this.nodes = this.nodes.map((n) => (!!n.selected === want.has(n.id) ? n : { ...n, selected: want.has(n.id) }));
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

  /** The chaos explorer, one chunk of schedules at a time ([Z1]–[Z5]); changes nothing on screen. */
  explore(request: Parameters<WorkerApi['explore']>[0]): Promise<ExploreReport> {
    return this.api.explore(request);
  }

  async act(intent: Intent): Promise<void> {
    if (this.view && this.view.step < this.view.horizon) this.generation++;
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

  /**
   * Scrubbing: seeks to step k, latest wins. While a seek is in flight only the newest
   * target waits, so dragging the scrubber never queues up stale seeks.
   */
  scrub(k: number): void {
    this.pause();
    this.scrubTarget = k;
    if (this.scrubbing) return;
    this.scrubbing = true;
    void (async () => {
      while (this.scrubTarget !== null) {
        const t = this.scrubTarget;
        this.scrubTarget = null;
        await this.call(() => this.api.seek(t));
      }
      this.scrubbing = false;
    })();
  }
  private scrubTarget: number | null = null;
  private scrubbing = false;

  /** Worker queries that change nothing (trace search, timeline markers, Mermaid, lag, a stream's fold, a conversation, events to export). */
  get query(): Pick<AsyncApi, 'find' | 'timeline' | 'mermaid' | 'rows' | 'lag' | 'health' | 'fold' | 'conversation' | 'events'> {
    return this.api;
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
    const was = this.view?.step ?? 0;
    this.rows = applyTrace(this.rows, u.trace, u.newSteps);
    this.batch = u.step > was ? u.newSteps.filter((r) => r.seq >= was && r.seq < u.step) : [];
    this.view = u.view;
    this.changes++;
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
