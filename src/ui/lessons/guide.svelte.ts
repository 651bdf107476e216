// The lesson panel's state: which lesson is open, the guided step, the live checklist (the
// worker evaluates it after updates, at most every CHECK_MS), hints, the solution and the
// learner's progress (saved through the workspace repository, keyed by lesson id and
// version). A lesson runs in a workspace of its own, opened through the WorkspaceHost; the
// solution opens in another one, so the learner's work is never touched.
import {
  completed,
  getLesson,
  lessonHash,
  lessonSolutionInput,
  lessonStartInput,
  lessonStatus,
  loadCourse,
  nextLesson,
  type Course,
  type Lesson,
  type LessonProgress,
  type LessonStatus,
} from '../../lessons/index.ts';
import type { LessonCheck, LessonReport } from '../../worker/api.ts';
import type { Simulation } from '../simulation.svelte.ts';
import type { WorkspaceHost } from '../workspace-host.ts';

/** The longest the checklist lags behind the world while it changes (ms). */
export const CHECK_MS = 200;

/** What the guide needs from the app. */
export interface GuideDeps {
  sim: Simulation;
  host: WorkspaceHost;
  /** The worker's checkLesson. */
  check: (c: LessonCheck) => Promise<LessonReport>;
  /** Where the deep link is written as the learner moves (default: location via replaceState). */
  setHash?: (hash: string) => void;
}

/** The name of the workspace "show solution" opens: also how it is told apart from the learner's own. */
export const solutionName = (l: Lesson): string => `${l.title} — solution`;

export class LessonGuide {
  readonly course: Course;
  /** The course map, or one lesson. */
  view = $state.raw<'map' | 'lesson'>('map');
  lesson = $state.raw<Lesson | null>(null);
  /** The guided step on screen (index into lesson.steps). */
  stepIndex = $state.raw(0);
  /** The latest checklist from the worker (null until the first one for this lesson arrives). */
  report = $state.raw<LessonReport | null>(null);
  /** Saved progress by lesson id. */
  progress = $state.raw<Record<string, LessonProgress>>({});
  /** A message for the learner (an unknown lesson in a link, a failed save). */
  notice = $state.raw<string | null>(null);
  /** The learner's own workspace for the open lesson. */
  own = $state.raw<string | null>(null);
  /** Set for a moment after the lesson was completed in this run: the panel announces it. */
  justCompleted = $state.raw(false);

  private deps: GuideDeps;
  /** The playhead when each guided step was entered: "replay this step" seeks back there. */
  private stepStarts: number[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight = false;
  private dirty = false;
  private loaded: Promise<void>;
  private unlisten: () => void;

  constructor(deps: GuideDeps) {
    this.deps = deps;
    this.course = loadCourse();
    this.loaded = this.loadProgress();
    // Progress made in another tab shows here too.
    this.unlisten = deps.host.repo.onExternalChange((m) => {
      if (m.type === 'lessons') void this.loadProgress();
    });
  }

  private async loadProgress(): Promise<void> {
    const r = await this.deps.host.repo.lessonProgress();
    if (!r.ok) {
      this.notice = r.error.message;
      return;
    }
    this.progress = Object.fromEntries(r.value.map((p) => [p.id, p]));
  }

  status(l: Lesson): LessonStatus {
    return lessonStatus(l, this.progress[l.id]);
  }

  /** Hints revealed so far for the open lesson. */
  get hintsShown(): number {
    return this.lesson ? Math.min(this.progress[this.lesson.id]?.hintsShown ?? 0, this.lesson.hints.length) : 0;
  }

  /** True while the learner's own workspace for this lesson is on screen (not the solution, not another). */
  get onOwnWork(): boolean {
    const cur = this.deps.host.current;
    return !!cur && cur.id === this.own;
  }

  /** True while the solution of the open lesson is on screen. */
  get onSolution(): boolean {
    const cur = this.deps.host.current;
    return !!cur && !!this.lesson && cur.origin === 'lesson' && cur.lesson === this.lesson.id && cur.name === solutionName(this.lesson);
  }

  get next(): Lesson | null {
    return this.lesson ? nextLesson(this.lesson.id) : null;
  }

  /** The current report, when it is a good one. */
  get results() {
    return this.report?.ok ? this.report.results : [];
  }
  get complete(): boolean {
    return !!this.report?.ok && this.report.complete;
  }

  /** Whether Next may be pressed: the step's wait is met (a `continue` wait always is). */
  get canNext(): boolean {
    const l = this.lesson;
    if (!l || this.stepIndex >= l.steps.length - 1) return false;
    const wait = l.steps[this.stepIndex].wait;
    if ('continue' in wait) return true;
    return !!this.report?.ok && this.report.waits[this.stepIndex] === true;
  }

  showMap(): void {
    this.view = 'map';
    this.writeHash(null);
  }

  /**
   * Opens a lesson: the learner's own workspace for it if there is one, else a new one from
   * the lesson's start. An unknown id (an old link) names it and shows the course map.
   */
  open(id: string, step: string | null = null): Promise<boolean> {
    // One at a time: a double click must not start the lesson in two workspaces.
    const run = (this.opening ?? Promise.resolve()).catch(() => undefined).then(() => this.openNow(id, step));
    this.opening = run;
    const clear = () => {
      if (this.opening === run) this.opening = null;
    };
    run.then(clear, clear);
    return run;
  }
  private opening: Promise<unknown> | null = null;

  private async openNow(id: string, step: string | null): Promise<boolean> {
    await this.loaded;
    const l = getLesson(id);
    if (!l) {
      this.notice = `There is no lesson called "${id}" (the link may be older than the course). Here is the course map.`;
      this.showMap();
      return false;
    }
    const { host } = this.deps;
    const own = await this.findOwn(l);
    let ok = true;
    if (!own) ok = await host.openNew(lessonStartInput(l), { name: l.title, origin: 'lesson', lesson: l.id });
    else if (host.current?.id !== own) ok = await host.open(own);
    if (!ok) return false; // the host has said why
    this.notice = null;
    this.own = host.current?.id ?? null;
    this.lesson = l;
    this.view = 'lesson';
    this.report = null;
    this.justCompleted = false;

    const saved = this.progress[l.id];
    let index = 0;
    if (step !== null) {
      index = l.steps.findIndex((s) => s.id === step);
      if (index < 0) {
        this.notice = `"${l.title}" has no step called "${step}": showing its first step.`;
        index = 0;
      }
    } else if (saved?.step) {
      index = Math.max(0, l.steps.findIndex((s) => s.id === saved.step));
    }
    this.enterStep(index);
    if (!saved) await this.save({ id: l.id, version: l.version, state: 'in-progress', withHelp: false, hintsShown: 0, step: l.steps[index]?.id ?? null });
    else await this.saveStep();
    this.changed();
    return true;
  }

  /** The most recently saved workspace the learner started for this lesson (not a solution). */
  private async findOwn(l: Lesson): Promise<string | null> {
    const r = await this.deps.host.repo.list();
    if (!r.ok) return null;
    const mine = r.value.filter((w) => w.origin === 'lesson' && w.lesson === l.id && w.name !== solutionName(l)).sort((a, b) => b.updatedAt - a.updatedAt);
    return mine[0]?.id ?? null;
  }

  private enterStep(index: number): void {
    this.stepIndex = index;
    this.stepStarts[index] = this.deps.sim.view?.step ?? 0;
    this.writeHash(this.lesson?.steps[index]?.id ?? null);
  }

  async nextStep(): Promise<void> {
    if (!this.canNext) return;
    this.enterStep(this.stepIndex + 1);
    await this.saveStep();
  }

  async backStep(): Promise<void> {
    if (this.stepIndex === 0) return;
    this.enterStep(this.stepIndex - 1);
    await this.saveStep();
  }

  /** Rewinds the run to where it was when this step was entered. */
  async replayStep(): Promise<void> {
    const at = this.stepStarts[this.stepIndex] ?? 0;
    await this.deps.sim.seekAfter(at - 1);
  }

  async showHint(): Promise<void> {
    const l = this.lesson;
    if (!l || this.hintsShown >= l.hints.length) return;
    const before = this.progress[l.id];
    await this.save({ ...(before ?? { id: l.id, version: l.version, state: 'in-progress', withHelp: false, step: null }), hintsShown: this.hintsShown + 1 });
  }

  /**
   * Opens the reference solution in a workspace of its own and plays it. The learner's
   * workspace is saved first and left as it is; the lesson counts as completed with help.
   */
  async showSolution(): Promise<boolean> {
    const l = this.lesson;
    if (!l) return false;
    const { host, sim } = this.deps;
    await host.flush();
    const ok = await host.openNew(lessonSolutionInput(l), { name: solutionName(l), origin: 'lesson', lesson: l.id });
    if (!ok) return false;
    await this.save(completed(l, this.progress[l.id], true));
    sim.play();
    return true;
  }

  /** Back from the solution (or another workspace) to the learner's own work on this lesson. */
  async backToOwn(): Promise<boolean> {
    if (!this.own) return false;
    return this.deps.host.open(this.own);
  }

  /**
   * Starts the lesson over in the learner's workspace: the lesson's start scenario, the
   * first step. (The workspace's history keeps what was there.)
   */
  async reset(): Promise<boolean> {
    const l = this.lesson;
    if (!l) return false;
    if (!this.onOwnWork && !(await this.backToOwn())) return false;
    await this.deps.host.flush();
    const ok = await this.deps.sim.load(lessonStartInput(l));
    if (!ok) return false;
    this.report = null;
    this.justCompleted = false;
    this.stepStarts = [];
    this.enterStep(0);
    await this.saveStep();
    this.changed();
    return true;
  }

  /** Called on every update from the worker: re-checks the goals, at most every CHECK_MS. */
  changed(): void {
    if (!this.lesson) return;
    if (this.timer || this.inFlight) {
      this.dirty = true;
      return;
    }
    this.timer = setTimeout(() => void this.runCheck(), CHECK_MS);
  }

  private async runCheck(): Promise<void> {
    this.timer = null;
    const l = this.lesson;
    if (!l) return;
    this.inFlight = true;
    this.dirty = false;
    const { sim, host } = this.deps;
    // What the report is about: the world as loaded now, in the workspace named now.
    const generation = sim.generation;
    const workspace = host.current?.id ?? null;
    try {
      const report = await this.deps.check({ goals: l.goals, solution: l.solution, waits: l.steps.map((s) => s.wait) });
      if (this.lesson !== l) return;
      if (sim.generation !== generation) {
        this.dirty = true; // another world was loaded meanwhile: check that one
        return;
      }
      this.report = report;
      if (report.ok && report.complete && workspace === this.own) {
        // The host shows a workspace's session before it names the workspace current: wait
        // until any switch has settled (flush runs after it) so that a solution being
        // opened never counts as the learner's own run.
        await host.flush();
        if (this.lesson === l && this.onOwnWork && sim.generation === generation) await this.markDone(l);
      }
    } catch (err) {
      this.report = { ok: false, message: (err as Error).message };
    } finally {
      this.inFlight = false;
      if (this.dirty) this.changed();
    }
  }

  /** Every goal held in one run of the learner's own work: done (without help, at this version). */
  private async markDone(l: Lesson): Promise<void> {
    const before = this.progress[l.id];
    if (before?.state === 'done' && before.version === l.version && !before.withHelp) return;
    this.justCompleted = true;
    await this.save(completed(l, before, false));
  }

  private async saveStep(): Promise<void> {
    const l = this.lesson;
    const before = l && this.progress[l.id];
    if (!l || !before) return;
    const step = l.steps[this.stepIndex]?.id ?? null;
    if (before.step !== step) await this.save({ ...before, step });
  }

  private async save(p: LessonProgress): Promise<void> {
    this.progress = { ...this.progress, [p.id]: p };
    const r = await this.deps.host.repo.saveLessonProgress(p);
    if (!r.ok) this.notice = `Your progress could not be saved: ${r.error.message}`;
  }

  private writeHash(step: string | null): void {
    const hash = this.view === 'lesson' && this.lesson ? lessonHash(this.lesson.id, step) : '';
    if (this.deps.setHash) return this.deps.setHash(hash);
    if (location.hash === hash) return;
    history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
  }

  /** Stops the pending check and listening to other tabs (the app is going away). */
  destroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unlisten();
  }
}
