// The challenge panel's state: the list, the open challenge, the learner's design of it (a
// workspace of its own, opened through the WorkspaceHost), grading in chunks in the worker
// ([Z6]–[Z8]), the breaking run (another workspace, so the design is never touched) and
// which challenges were passed (the settings store of IndexedDB, src/challenges/progress.ts).
import { CHALLENGE_PROGRESS_KEY, gradeSpec, loadChallenges, restoreChallengeProgress, type Challenge, type ChallengeProgress } from '../../challenges/index.ts';
import { unrestored } from '../../lessons/course.ts';
import type { GradeResult, WorkerApi } from '../../worker/api.ts';
import type { WorkspaceHost } from '../workspace-host.ts';
import type { Json } from '../../engine/json.ts';

export interface BoardDeps {
  host: WorkspaceHost;
  grade: WorkerApi['grade'];
}

export type ChallengeStatus = 'not-started' | 'started' | 'passed' | 'updated';

export class ChallengeBoard {
  readonly challenges: Challenge[];
  view = $state.raw<'list' | 'challenge'>('list');
  challenge = $state.raw<Challenge | null>(null);
  progress = $state.raw<ChallengeProgress>({ passed: {}, workspaces: {} });
  notice = $state.raw<string | null>(null);
  grading = $state.raw(false);
  result = $state.raw<GradeResult | null>(null);
  /** Of which challenge `result` is. */
  private resultOf: string | null = null;
  private deps: BoardDeps;
  private unlisten: () => void;

  constructor(deps: BoardDeps) {
    this.deps = deps;
    this.challenges = loadChallenges();
    void this.loadProgress();
    // Progress made in another tab shows here too.
    this.unlisten = deps.host.repo.onExternalChange((m) => {
      if (m.type === 'settings' && m.key === CHALLENGE_PROGRESS_KEY) void this.loadProgress();
    });
  }

  private async loadProgress(): Promise<ChallengeProgress> {
    const r = await this.deps.host.repo.getSetting(CHALLENGE_PROGRESS_KEY);
    if (!r.ok) {
      this.notice = r.error.message;
      return this.progress;
    }
    this.progress = restoreChallengeProgress(r.value);
    return this.progress;
  }

  /** Reads the stored progress again, changes it and writes it back (another tab may have written meanwhile). */
  private async saveProgress(change: (p: ChallengeProgress) => void): Promise<void> {
    const p = structuredClone(await this.loadProgress());
    change(p);
    this.progress = p;
    const r = await this.deps.host.repo.setSetting(CHALLENGE_PROGRESS_KEY, p as unknown as Json);
    if (!r.ok) this.notice = `Your progress could not be saved: ${r.error.message}`;
  }

  status(c: Challenge): ChallengeStatus {
    const p = this.progress.passed[c.id];
    if (p) return p.revision < c.revision ? 'updated' : 'passed';
    return this.progress.workspaces[c.id] ? 'started' : 'not-started';
  }

  showList(): void {
    this.view = 'list';
  }

  open(c: Challenge): void {
    this.challenge = c;
    this.view = 'challenge';
    if (this.resultOf !== c.id) this.result = null;
  }

  /** The learner's workspace for the open challenge, if they started it. */
  get own(): string | null {
    return this.challenge ? (this.progress.workspaces[this.challenge.id] ?? null) : null;
  }

  /** True while the learner's design of the open challenge is on screen. */
  get onOwnDesign(): boolean {
    const cur = this.deps.host.current;
    return !!cur && cur.id === this.own;
  }

  /** Starts the challenge: its broken design as a new workspace (a restart after "start over" too). */
  async start(): Promise<void> {
    const c = this.challenge;
    if (!c) return;
    if (!(await this.deps.host.openNew(unrestored(c.start), { name: `Challenge: ${c.title}`, origin: 'blank' }))) return;
    const id = this.deps.host.current?.id;
    if (id) await this.saveProgress((p) => (p.workspaces[c.id] = id));
    this.result = null;
  }

  /** Back to the learner's design (from the breaking run or any other workspace). */
  async openDesign(): Promise<void> {
    const own = this.own;
    if (!own) return;
    if (!(await this.deps.host.open(own))) {
      this.notice = 'Your design of this challenge could not be opened (it may have been deleted in Workspaces). Start the challenge again to get a fresh copy.';
    }
  }

  /** [Z6]–[Z8] Grades the design on screen, a chunk of schedules at a time. */
  async grade(): Promise<void> {
    const c = this.challenge;
    if (!c || this.grading || !this.onOwnDesign) return;
    this.grading = true;
    this.resultOf = c.id;
    this.notice = null;
    try {
      await this.deps.host.flush();
      let r = await this.deps.grade({ start: gradeSpec(c), count: 25 });
      this.result = r;
      while (this.grading && r.verdict === 'running') {
        r = await this.deps.grade({ count: 50 });
        this.result = r;
      }
      if (r.verdict === 'pass') await this.saveProgress((p) => (p.passed[c.id] = { revision: c.revision, schedules: r.tried, at: Date.now() }));
    } catch (e) {
      this.result = { verdict: 'cannot', tried: 0, total: c.budget.schedules, survived: null, finding: null, problem: `grading stopped: ${(e as Error).message}` };
    } finally {
      this.grading = false;
    }
  }

  stop(): void {
    this.grading = false;
  }

  /** Opens the breaking run as a workspace of its own, at the step after the break ([Z4]). */
  async openRun(): Promise<void> {
    const f = this.result?.finding;
    const c = this.challenge;
    if (!f || !c) return;
    const n = f.faults.length;
    await this.deps.host.openNew(f.session, { name: `${c.title}: broken ${n === 0 ? 'without a fault' : `by ${n} fault${n > 1 ? 's' : ''}`}`, origin: 'blank' });
  }

  destroy(): void {
    this.unlisten();
  }
}
