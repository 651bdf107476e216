// The workspace keeper: which saved workspace is on screen, and keeping it saved.
//
// - Autosave: every update from the worker marks the workspace changed; half a second after
//   the last change (and at once when the page is hidden) the session is asked of the worker
//   and saved if it differs from what was last saved. A session is scenario + seed + inputs
//   + step, so a save costs in proportion to the inputs, never to the trace.
// - One thing at a time: saves and switches between workspaces run in one queue, so a save
//   never writes one workspace's session into another.
// - Failures are states the header shows, never lost work: no room (`quota`), no storage
//   (`unavailable`: the repo is in memory), another tab saved first (`conflict`).
// - Opening anything (a link, an example, a lesson, a file) makes a new workspace; nothing
//   here ever overwrites another workspace.
import type { AsyncApi, Simulation } from './simulation.svelte.ts';
import type { NewWorkspaceMeta, WorkspaceHost } from './workspace-host.ts';
import type { HistoryEntry, PersistError, Workspace, WorkspaceRepo } from '../persist/index.ts';
import type { Session } from '../engine/session.ts';

/** What the header says about saving. */
export type SaveState = 'idle' | 'saving' | 'saved' | 'failed' | 'conflict';

/** The setting that remembers the workspace to reopen. */
export const LAST_WORKSPACE = 'lastWorkspace';
export const AUTOSAVE_MS = 500;
/** While changes keep coming (playing), a save still happens at least this often. */
export const AUTOSAVE_MAX_WAIT_MS = 5_000;

/** The workspace this tab shows, kept across its reloads (sessionStorage is per tab). */
const tabWorkspace = {
  key: 'eventfold.workspace',
  get(): string | null {
    try {
      return typeof sessionStorage === 'undefined' ? null : sessionStorage.getItem(this.key);
    } catch {
      return null; // storage blocked: fall back to the shared setting
    }
  },
  set(id: string): void {
    try {
      if (typeof sessionStorage !== 'undefined') sessionStorage.setItem(this.key, id);
    } catch {
      // storage blocked: the shared setting still remembers it
    }
  },
};

/** The name of this tab's version of a workspace another tab saved first. */
const keptName = (name: string) => `${name} (this tab's version)`;

export interface WorkspacesOptions {
  now?: () => number;
  autosaveMs?: number;
  /** Why the repo is in memory (IndexedDB could not be opened), if it is. */
  storageProblem?: PersistError | null;
}

export class Workspaces implements WorkspaceHost {
  current = $state.raw<Workspace | null>(null);
  state = $state.raw<SaveState>('idle');
  /** The last storage failure still in force (cleared by the next good save). */
  problem = $state.raw<PersistError | null>(null);
  /** Another tab saved the workspace on screen since it was opened here. */
  changedElsewhere = $state.raw(false);
  /** Every workspace, the most recently saved first (refreshed after each change). */
  all = $state.raw<Workspace[]>([]);

  readonly repo: WorkspaceRepo;
  /** True when saves last only as long as the tab. */
  readonly inMemory: boolean;
  private sim: Simulation;
  private api: AsyncApi;
  private now: () => number;
  private delay: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private firstChange: number | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** JSON of the session last saved (or opened) for `current`: unchanged sessions are not written. */
  private lastJson: string | null = null;
  private stopListening: () => void;

  constructor(sim: Simulation, api: AsyncApi, repo: WorkspaceRepo, options: WorkspacesOptions = {}) {
    this.sim = sim;
    this.api = api;
    this.repo = repo;
    this.now = options.now ?? Date.now;
    this.delay = options.autosaveMs ?? AUTOSAVE_MS;
    // The app gets a memory repo only when IndexedDB failed (and says why); tests use one freely.
    this.inMemory = repo.storage === 'memory' && !!options.storageProblem;
    if (options.storageProblem) {
      this.problem = options.storageProblem;
      this.state = 'failed';
    }
    this.stopListening = repo.onExternalChange((m) => {
      if (m.type !== 'workspace') return;
      void this.refreshList();
      const c = this.current;
      if (c && m.id === c.id && (m.removed || m.rev !== c.rev)) this.changedElsewhere = true;
    });
  }

  /** The simulation changed: save half a second after the last change (or within 5 s of the first). */
  changed(): void {
    if (this.state === 'saved' || this.state === 'idle') this.state = 'saving';
    const t = this.now();
    this.firstChange ??= t;
    if (this.timer !== null) {
      if (t - this.firstChange >= AUTOSAVE_MAX_WAIT_MS) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => void this.flush(), this.delay);
  }

  flush(): Promise<void> {
    this.firstChange = null;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    return this.serial(() => this.saveNow());
  }

  openNew(input: unknown, meta: NewWorkspaceMeta): Promise<boolean> {
    return this.serial(async () => {
      await this.leave();
      if (!(await this.sim.load(input))) return false;
      const ok = await this.adopt(meta);
      this.tellKept();
      return ok;
    });
  }

  /** Stores what the worker holds as a new workspace and makes it the one on screen. */
  private async adopt(meta: NewWorkspaceMeta): Promise<boolean> {
    const session = await this.api.session();
    if (!session) return false;
    const r = await this.repo.create({ name: meta.name || session.scenario.name, origin: meta.origin, ...(meta.lesson ? { lesson: meta.lesson } : {}), session }, this.now());
    this.lastJson = JSON.stringify(session);
    this.changedElsewhere = false;
    if (r.ok) {
      this.show(r.value);
      this.saved();
    } else {
      // Not stored (no room, no storage): kept in memory as rev 0; the next save retries.
      if (r.error.workspace) this.show(r.error.workspace);
      this.failed(r.error);
    }
    await this.refreshList();
    return true;
  }

  open(id: string): Promise<boolean> {
    return this.serial(async () => {
      await this.leave();
      const ok = await this.openStored(id);
      this.tellKept();
      return ok;
    });
  }

  /**
   * Opens the workspace saved last time (or the newest one); `fallback` opens a first
   * workspace when there is none. Used once, when the app starts.
   */
  resume(fallback: () => Promise<boolean>): Promise<boolean> {
    return (async () => {
      // This tab's own workspace first (a reload keeps it), then the last one any tab opened.
      const last = await this.repo.getSetting(LAST_WORKSPACE);
      const id = tabWorkspace.get() ?? (last.ok && typeof last.value === 'string' ? last.value : null);
      if (id && (await this.serial(() => this.openStored(id, true)))) return true;
      const list = await this.repo.list();
      const newest = list.ok ? list.value[0] : undefined;
      if (newest && newest.id !== id && (await this.serial(() => this.openStored(newest.id, true)))) return true;
      return fallback();
    })();
  }

  /** Renames a workspace (the one on screen or another). */
  rename(id: string, name: string): Promise<boolean> {
    return this.serial(async () => {
      // The one on screen knows its latest rev (its own saves do not come back on the channel).
      const w = this.current?.id === id ? this.current : (this.all.find((x) => x.id === id) ?? null);
      if (!w) return false;
      const r = await this.repo.rename(id, name, { rev: w.rev, now: this.now() });
      if (!r.ok) {
        this.sim.notice = { tone: 'error', text: r.error.message };
        return false;
      }
      if (this.current?.id === id) this.current = r.value;
      await this.refreshList();
      return true;
    });
  }

  /** Deletes a workspace that is not on screen. */
  remove(id: string): Promise<boolean> {
    return this.serial(async () => {
      if (this.current?.id === id) return false;
      const r = await this.repo.remove(id);
      if (!r.ok) this.sim.notice = { tone: 'error', text: r.error.message };
      await this.refreshList();
      return r.ok;
    });
  }

  history(): Promise<HistoryEntry[]> {
    const c = this.current;
    if (!c) return Promise.resolve([]);
    return this.repo.history(c.id).then((r) => (r.ok ? r.value : []));
  }

  /** Opens an earlier version of the workspace on screen as a new workspace (nothing is replaced). */
  async restore(entry: HistoryEntry): Promise<boolean> {
    const r = await this.repo.historySession(entry.workspaceId, entry.seq);
    if (!r.ok) {
      this.sim.notice = { tone: 'error', text: r.error.message };
      return false;
    }
    const when = new Date(entry.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const origin = this.current?.origin ?? 'blank';
    return this.openNew(r.value, { name: `${entry.name} (as of ${when})`, origin: origin === 'lesson' ? 'blank' : origin });
  }

  // ---------------------------------------------------------------------- conflicts

  /** Another tab's version wins: load it (this tab's changes since are dropped, as asked). */
  loadTheirs(): Promise<boolean> {
    const c = this.current;
    if (!c) return Promise.resolve(false);
    return this.serial(() => this.openStored(c.id));
  }

  /** This tab's version is kept as a new workspace (and stays on screen); the other tab's stays as it is. */
  keepMineAsNew(): Promise<boolean> {
    return this.serial(async () => {
      const c = this.current;
      if (!c) return false;
      return this.adopt({ name: keptName(c.name), origin: c.origin, ...(c.lesson ? { lesson: c.lesson } : {}) });
    });
  }

  /** This tab's version replaces the other tab's (which stays in the history ring). */
  overwriteTheirs(): Promise<void> {
    return this.serial(async () => {
      const theirs = this.problem?.current ?? (await this.storedRev());
      if (this.current && theirs) this.current = { ...this.current, rev: theirs.rev };
      this.lastJson = null;
      this.changedElsewhere = false;
      await this.saveNow();
    });
  }

  // ---------------------------------------------------------------------- files

  /**
   * Export and import (the file format and its checks) load on first use, not with the
   * first screen; null, with a notice that says what to do, when they cannot be loaded.
   */
  private async files(): Promise<typeof import('../persist/files.ts') | null> {
    try {
      return await import('../persist/files.ts');
    } catch {
      this.sim.notice = { tone: 'error', text: 'Eventfold could not load what it needs to export or import files (offline, or the site was updated since this page opened). Reload the page and try again; your work is untouched.' };
      return null;
    }
  }

  /**
   * The workspace on screen as a file, from the worker's session: what the learner sees,
   * even when saving it failed or another tab saved a different version.
   */
  async exportCurrent(): Promise<{ name: string; text: string } | null> {
    await this.flush();
    const c = this.current;
    const session = await this.api.session();
    const f = await this.files();
    if (!c || !session || !f) return null;
    const { exportFileName, exportText, workspaceFile } = f;
    const file = workspaceFile({ ...c, updatedAt: this.now() }, session, this.now());
    return { name: exportFileName(file), text: exportText(file) };
  }

  async exportAll(): Promise<{ name: string; text: string } | null> {
    await this.flush();
    const f = await this.files();
    if (!f) return null;
    const { exportEverything, exportFileName, exportText } = f;
    const r = await exportEverything(this.repo, this.now());
    if (!r.ok) {
      this.sim.notice = { tone: 'error', text: r.error.message };
      return null;
    }
    return { name: exportFileName(r.value.file), text: exportText(r.value.file) };
  }

  /** Adds the workspaces of an exported file (never replaces any); opens the first added. */
  async importText(text: string): Promise<boolean> {
    const f = await this.files();
    if (!f) return false;
    const { importErrorMessage, importInto, parseImport } = f;
    const plan = parseImport(text);
    if (!plan.ok) {
      this.sim.notice = { tone: 'error', text: importErrorMessage(plan.errors) };
      return false;
    }
    await this.flush();
    const r = await importInto(this.repo, plan.value, this.now());
    await this.refreshList();
    const skipped = plan.value.skipped.length;
    const skippedText = skipped > 0 ? ` ${skipped} could not be read and ${skipped === 1 ? 'was' : 'were'} left out.` : '';
    if (!r.ok) {
      this.sim.notice = { tone: 'error', text: `${r.error.message}${r.added.length > 0 ? ` (${r.added.length} workspace(s) were added before it failed.)` : ''}` };
      return false;
    }
    const first = r.added[0];
    if (first) await this.open(first.id);
    const progress = [r.lessonsAdded > 0 ? `progress of ${r.lessonsAdded} lesson(s)` : '', r.challengesAdded > 0 ? `${r.challengesAdded} challenge pass(es)` : ''].filter(Boolean).join(' and ');
    this.sim.notice = { tone: 'info', text: `Imported ${r.added.length} workspace${r.added.length === 1 ? '' : 's'}${progress ? ` and ${progress}` : ''}; nothing was replaced.${skippedText}` };
    return true;
  }

  /**
   * The scenario on screen as an AsyncAPI 3 document (YAML), for real tools. The bridge
   * (with its YAML library) loads on first use.
   */
  async exportAsyncApi(): Promise<{ name: string; text: string } | null> {
    const session = await this.api.session();
    if (!session) return null;
    const [{ asyncApiYaml }, { fileName }] = await Promise.all([import('../bridge/asyncapi.ts'), import('../bridge/names.ts')]);
    return { name: fileName(session.scenario.name, '', 'asyncapi.yaml'), text: await asyncApiYaml(session.scenario) };
  }

  /**
   * The scenario on screen as a runnable Node project (KafkaJS, docker compose, handlers as
   * TypeScript), zipped. The generator and fflate load on first use.
   */
  async exportProject(): Promise<{ name: string; bytes: Uint8Array; notGenerated: string[] } | null> {
    const session = await this.api.session();
    if (!session) return null;
    const [{ generateProject }, { projectZip }] = await Promise.all([import('../bridge/project/generate.ts'), import('../bridge/project/zip.ts')]);
    const project = generateProject(session.scenario);
    return { name: `${project.name}.zip`, bytes: projectZip(project), notGenerated: project.notGenerated };
  }

  /**
   * Opens an AsyncAPI 3 document (YAML or JSON) as a new workspace; the parts the
   * simulation does not model are named in the notice. A document that cannot be read
   * changes nothing and says why.
   */
  async importAsyncApi(text: string): Promise<boolean> {
    const { readAsyncApiText } = await import('../bridge/asyncapi.ts');
    const r = await readAsyncApiText(text);
    const notes = r.notes.length > 0 ? `\nNot carried over or changed:\n${r.notes.map((n) => `• ${n}`).join('\n')}` : '';
    if (!r.ok) {
      this.sim.notice = { tone: 'error', text: `The AsyncAPI document cannot be opened, and nothing was changed:\n${r.errors.map((e) => `${e.path}: ${e.message}`).join('\n')}${notes}` };
      return false;
    }
    if (!(await this.openNew(r.scenario, { name: r.scenario.name, origin: 'file' }))) return false;
    this.sim.notice = { tone: 'info', text: `Opened the AsyncAPI document '${r.scenario.name}' as a new workspace; nothing was replaced.${notes}` };
    return true;
  }

  /** The session on screen (for a share link or a file). */
  session(): Promise<Session | null> {
    return this.api.session();
  }

  destroy(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.stopListening();
  }

  // ---------------------------------------------------------------------- inside the queue

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Before another workspace replaces the one on screen: save it; if that is refused
   * because another tab saved it first (or deleted it), keep this tab's version as a new
   * workspace rather than drop it.
   */
  private async leave(): Promise<void> {
    await this.saveNow();
    const c = this.current;
    if (!c || !(this.state === 'conflict' || this.problem?.kind === 'not-found')) return;
    const session = await this.api.session();
    if (!session) return;
    const r = await this.repo.create({ name: keptName(c.name), origin: c.origin, ...(c.lesson ? { lesson: c.lesson } : {}), session }, this.now());
    const kept = r.ok ? r.value : r.error.workspace;
    if (kept) this.kept = kept.name;
  }
  /** The name a left-behind version was kept under, told with the next notice. */
  private kept: string | null = null;
  private tellKept(): void {
    if (this.kept === null) return;
    this.sim.notice = { tone: 'info', text: `Another tab had saved that workspace, so your version was kept as a new workspace, '${this.kept}' (see Workspaces).` };
    this.kept = null;
    void this.refreshList();
  }

  private async saveNow(): Promise<void> {
    const c = this.current;
    if (!c) return;
    const session = await this.api.session();
    if (!session) return;
    const json = JSON.stringify(session);
    if (json === this.lastJson && c.rev > 0) {
      if (this.state === 'saving') this.saved();
      return;
    }
    this.state = 'saving';
    const r = await this.repo.save(c.id, session, { rev: c.rev, now: this.now() });
    if (r.ok) {
      const first = c.rev === 0;
      this.lastJson = json;
      this.show(r.value);
      this.saved();
      // The list shows revs and save times; refresh it after the first save and now and then.
      if (first || this.all.find((w) => w.id === c.id)?.rev !== r.value.rev) await this.refreshList();
      return;
    }
    if (r.error.workspace) this.show(r.error.workspace);
    this.failed(r.error);
  }

  private async openStored(id: string, quiet = false): Promise<boolean> {
    const r = await this.repo.open(id);
    if (!r.ok) {
      if (!quiet) this.sim.notice = { tone: 'error', text: r.error.message };
      return false;
    }
    if (!(await this.sim.load(r.value.session))) return false;
    const session = await this.api.session();
    this.lastJson = r.value.unsaved ? null : session ? JSON.stringify(session) : null;
    this.changedElsewhere = false;
    this.show(r.value.workspace);
    if (r.value.unsaved) this.state = 'failed';
    else this.saved();
    await this.refreshList();
    return true;
  }

  private show(w: Workspace): void {
    const switched = this.current?.id !== w.id;
    this.current = w;
    if (switched) {
      tabWorkspace.set(w.id);
      void this.repo.setSetting(LAST_WORKSPACE, w.id);
    }
  }

  private saved(): void {
    this.changedElsewhere = false;
    if (this.inMemory) {
      this.state = 'failed'; // still only in this tab: the problem (unavailable) stays shown
      return;
    }
    this.state = 'saved';
    // Another workspace's failed save still lives only in memory: keep saying so.
    if (this.repo.unsaved().length === 0) this.problem = null;
  }

  private failed(error: PersistError): void {
    this.problem = error;
    this.state = error.kind === 'conflict' ? 'conflict' : 'failed';
  }

  private async storedRev(): Promise<Workspace | null> {
    const c = this.current;
    if (!c) return null;
    const list = await this.repo.list();
    return list.ok ? (list.value.find((w) => w.id === c.id) ?? null) : null;
  }

  private async refreshList(): Promise<void> {
    const r = await this.repo.list();
    if (r.ok) this.all = r.value;
  }
}
