// Workspaces, their sessions, history, lesson progress and settings: the repository the UI
// saves to. One implementation of the rules over a storage backend (IndexedDB in the app,
// memory in tests and where IndexedDB is unavailable).
//
// What it saves: a session is what determines a run (scenario + seed + inputs + step), so
// a save writes one JSON string whose size is set by the scenario and the inputs, never by
// how many steps the run has; the trace is recomputed when the workspace is opened.
//
// Two tabs on one workspace: every workspace record carries `rev`, an update counter. A save
// names the rev it started from and runs in one IndexedDB transaction that reads the record
// first: if another tab saved in between, the revs differ and the save is refused as a
// `conflict` (with the other tab's workspace), never silently overwritten. After every
// write the repo tells other tabs on a BroadcastChannel (ChangeNotifier) which workspace
// changed, so a tab can offer to load the newer version before its own save is refused.
// The transaction is the guarantee; the channel is only the early warning (a tab that
// misses a message still gets the conflict).
//
// Failures: a save that fails for lack of room (`quota`) or of storage (`unavailable`,
// `outdated`) keeps the session in memory (`unsaved()`, and `open` returns it) so the UI
// can say so, offer an export, and save again later. Nothing here throws: every call
// answers a Result.
//
// Clocks: the caller passes `now` (ms since the epoch) to every write; nothing here reads
// the time, so history rules are testable.
import type { Session } from '../engine/session.ts';
import { isJson } from '../engine/json.ts';
import { memoryBackend, MemoryStorage, type Backend } from './backend.ts';
import { openIdbBackend, type IdbBackendOptions } from './idb-backend.ts';
import { persistError, toPersistError } from './errors.ts';
import { hashText, HISTORY_INTERVAL_MS, HISTORY_LIMIT, overflow, shouldSnapshot } from './history.ts';
import { silentNotifier, type ChangeNotifier } from './notify.ts';
import { restoreLessonProgress } from './progress.ts';
import { STORES, type HistoryRecord, type LessonRecord, type SessionRecord, type SettingRecord, type WorkspaceRecord } from './schema.ts';
import {
  WORKSPACE_ORIGINS,
  type ChangeMessage,
  type HistoryEntry,
  type LessonProgress,
  type NewWorkspace,
  type OpenedWorkspace,
  type PersistError,
  type Result,
  type SettingValue,
  type Workspace,
  type WorkspaceOrigin,
} from './types.ts';

export interface WorkspaceRepo {
  /** Where saves go: `memory` means they last only as long as this tab. */
  readonly storage: 'indexeddb' | 'memory';
  /** Every workspace, the most recently saved first (unsaved in-memory copies included). */
  list(): Promise<Result<Workspace[]>>;
  /** A new workspace with rev 1. Never replaces an existing one. */
  create(init: NewWorkspace, now: number): Promise<Result<Workspace>>;
  /** The workspace and its session, validated by restoreSessionOrScenario. */
  open(id: string): Promise<Result<OpenedWorkspace>>;
  /**
   * Saves the session if the stored rev is still `rev` (else `conflict`); answers the
   * workspace with its new rev. Saving an unchanged session writes nothing. A workspace
   * whose creation failed has rev 0: saving it with rev 0 creates it.
   */
  save(id: string, session: Session, at: { rev: number; now: number }): Promise<Result<Workspace>>;
  rename(id: string, name: string, at: { rev: number; now: number }): Promise<Result<Workspace>>;
  /** Deletes the workspace, its session and its history. */
  remove(id: string): Promise<Result<void>>;
  /** The history ring, the newest first. */
  history(id: string): Promise<Result<HistoryEntry[]>>;
  historySession(id: string, seq: number): Promise<Result<Session>>;
  lessonProgress(): Promise<Result<LessonProgress[]>>;
  saveLessonProgress(progress: LessonProgress): Promise<Result<void>>;
  getSetting(key: string): Promise<Result<SettingValue | undefined>>;
  setSetting(key: string, value: SettingValue): Promise<Result<void>>;
  /** Copies kept only in memory because saving them failed. */
  unsaved(): OpenedWorkspace[];
  /** Changes other tabs made. */
  onExternalChange(listener: (message: ChangeMessage) => void): () => void;
  close(): void;
}

export interface RepoOptions {
  /** Tells other tabs about changes and hears theirs; none by default. */
  notifier?: ChangeNotifier;
  /** Ids for new workspaces (default: crypto.randomUUID()). */
  newId?: () => string;
  historyLimit?: number;
  historyIntervalMs?: number;
  /** For tests: wraps the storage backend, e.g. with faultyBackend to make writes fail. */
  wrapBackend?: (backend: Backend) => Backend;
}

/** A repository that keeps everything in memory (on `storage`, shared like one database). */
export function createMemoryRepo(options: RepoOptions & { storage?: MemoryStorage } = {}): WorkspaceRepo {
  return createRepo(memoryBackend(options.storage ?? new MemoryStorage()), options);
}

/**
 * Opens the IndexedDB repository. Where IndexedDB cannot be used (private mode, disabled,
 * blocked by an older tab, upgraded by a newer one), answers a memory repository instead
 * together with the error that says why, so the app works and can tell the learner that
 * their work lasts only as long as the tab (and offer to export it).
 */
export async function openWorkspaceRepo(options: RepoOptions & IdbBackendOptions = {}): Promise<{ repo: WorkspaceRepo; error: PersistError | null }> {
  try {
    const backend = await openIdbBackend(options);
    return { repo: createRepo(backend, options), error: null };
  } catch (e) {
    const error = toPersistError(e);
    return { repo: createMemoryRepo(options), error: error.kind === 'outdated' ? error : persistError('unavailable') };
  }
}

// ---------------------------------------------------------------------------- the rules

const NAME_MAX = 120;
/**
 * The session schemas (valibot and the scenario format) that check a saved session as it is
 * opened: loaded with the first open, so a first visit, which opens nothing saved, does not
 * fetch them before the canvas is usable.
 */
const sessionSchemas = () => import('../engine/session.ts');
const SCHEMAS_UNAVAILABLE =
  'Eventfold could not load what it needs to read your saved work (offline, or the site was updated since this page opened). Reload the page: your saved work is untouched.';
const ATTEMPTS_FOR_A_NEW_ID = 5;

export function createRepo(base: Backend, options: RepoOptions = {}): WorkspaceRepo {
  const backend = options.wrapBackend ? options.wrapBackend(base) : base;
  const notifier = options.notifier ?? silentNotifier();
  const newId = options.newId ?? (() => crypto.randomUUID());
  const limit = options.historyLimit ?? HISTORY_LIMIT;
  const interval = options.historyIntervalMs ?? HISTORY_INTERVAL_MS;
  /** Latest copies whose save failed, by workspace id. */
  const pending = new Map<string, OpenedWorkspace>();

  const keep = (workspace: Workspace, session: Session) => pending.set(workspace.id, { workspace: { ...workspace }, session, unsaved: true });
  /** Storage failures keep the copy; other refusals leave it with the caller. */
  const keepsCopy = (e: PersistError) => e.kind === 'quota' || e.kind === 'unavailable' || e.kind === 'outdated' || e.kind === 'unknown';

  async function attempt<T>(work: () => Promise<T>): Promise<Result<T>> {
    try {
      return { ok: true, value: await work() };
    } catch (e) {
      return { ok: false, error: toPersistError(e) };
    }
  }

  function snapshot(rec: WorkspaceRecord, session: Session, json: string, hash: string, now: number): { rec: WorkspaceRecord; add: HistoryRecord | null; drop: number[] } {
    if (!shouldSnapshot({ at: rec.lastSnapshotAt, hash: rec.lastSnapshotHash }, now, hash, interval)) return { rec, add: null, drop: [] };
    const seq = rec.historySeq + 1;
    const from = Math.min(rec.historyFrom, seq);
    const alive: number[] = [];
    for (let s = from; s <= seq; s++) alive.push(s);
    const drop = overflow(alive, limit);
    const add: HistoryRecord = { workspaceId: rec.id, seq, at: now, rev: rec.rev, name: session.scenario.name, inputs: session.inputs.length, step: session.step, json };
    return { rec: { ...rec, historySeq: seq, historyFrom: drop.length > 0 ? drop[drop.length - 1] + 1 : from, lastSnapshotAt: now, lastSnapshotHash: hash }, add, drop };
  }

  async function parseSession(json: string): Promise<Result<Session>> {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      return { ok: false, error: persistError('invalid', { errors: [{ path: '(saved session)', message: 'is not JSON' }] }) };
    }
    let restore: typeof import('../engine/session.ts').restoreSessionOrScenario;
    try {
      ({ restoreSessionOrScenario: restore } = await sessionSchemas());
    } catch {
      return { ok: false, error: persistError('unknown', { message: SCHEMAS_UNAVAILABLE }) };
    }
    const r = restore(withoutGeneratedEdgeIds(raw));
    return r.ok ? { ok: true, value: r.value } : { ok: false, error: persistError('invalid', { errors: r.errors }) };
  }

  const repo: WorkspaceRepo = {
    storage: backend.kind,

    async list() {
      const r = await attempt(() => backend.run([STORES.workspaces], 'readonly', (tx) => tx.getAll<WorkspaceRecord>(STORES.workspaces)));
      const stored = r.ok ? r.value.map(toWorkspace) : [];
      if (!r.ok && pending.size === 0) return r;
      const byId = new Map(stored.map((w) => [w.id, w]));
      for (const p of pending.values()) byId.set(p.workspace.id, p.workspace);
      return { ok: true, value: [...byId.values()].sort((a, b) => b.updatedAt - a.updatedAt || a.name.localeCompare(b.name)) };
    },

    async create(init, now) {
      const name = cleanName(init.name);
      const origin: WorkspaceOrigin = WORKSPACE_ORIGINS.includes(init.origin) ? init.origin : 'blank';
      const json = JSON.stringify(init.session);
      const hash = hashText(json);
      let id = newId();
      const r = await attempt(() =>
        backend.run([STORES.workspaces, STORES.sessions, STORES.history], 'readwrite', async (tx) => {
          for (let i = 1; (await tx.get(STORES.workspaces, id)) !== undefined; i++) {
            if (i >= ATTEMPTS_FOR_A_NEW_ID) throw persistError('unknown', { message: 'Could not find a free id for the new workspace.' });
            id = newId();
          }
          const base: WorkspaceRecord = {
            id,
            name,
            origin,
            ...(init.lesson !== undefined ? { lesson: init.lesson } : {}),
            createdAt: now,
            updatedAt: now,
            rev: 1,
            sessionHash: hash,
            historyFrom: 1,
            historySeq: 0,
            lastSnapshotAt: null,
            lastSnapshotHash: null,
            bytes: json.length,
          };
          const s = snapshot(base, init.session, json, hash, now);
          await tx.put(STORES.sessions, { workspaceId: id, json } satisfies SessionRecord);
          if (s.add) await tx.put(STORES.history, s.add);
          await tx.put(STORES.workspaces, s.rec);
          return toWorkspace(s.rec);
        }),
      );
      if (r.ok) {
        notifier.publish({ type: 'workspace', id, rev: 1 });
        return r;
      }
      if (keepsCopy(r.error)) {
        const kept: Workspace = { id, name, origin, ...(init.lesson !== undefined ? { lesson: init.lesson } : {}), createdAt: now, updatedAt: now, rev: 0, bytes: json.length };
        keep(kept, init.session);
        return { ok: false, error: { ...r.error, workspace: kept } };
      }
      return r;
    },

    async open(id) {
      const p = pending.get(id);
      if (p) return { ok: true, value: { workspace: { ...p.workspace }, session: p.session, unsaved: true } };
      const r = await attempt(() =>
        backend.run([STORES.workspaces, STORES.sessions], 'readonly', async (tx) => ({
          rec: await tx.get<WorkspaceRecord>(STORES.workspaces, id),
          session: await tx.get<SessionRecord>(STORES.sessions, id),
        })),
      );
      if (!r.ok) return r;
      if (!r.value.rec || !r.value.session) return { ok: false, error: persistError('not-found') };
      const s = await parseSession(r.value.session.json);
      if (!s.ok) return s;
      return { ok: true, value: { workspace: toWorkspace(r.value.rec), session: s.value, unsaved: false } };
    },

    async save(id, session, at) {
      const json = JSON.stringify(session);
      const hash = hashText(json);
      const r = await attempt(() =>
        backend.run([STORES.workspaces, STORES.sessions, STORES.history], 'readwrite', async (tx) => {
          let rec = await tx.get<WorkspaceRecord>(STORES.workspaces, id);
          if (!rec) {
            // Rev 0: a workspace whose creation failed; this save creates it.
            const p = pending.get(id);
            if (at.rev !== 0 || !p) throw persistError('not-found');
            rec = { ...p.workspace, rev: 0, sessionHash: null, historyFrom: 1, historySeq: 0, lastSnapshotAt: null, lastSnapshotHash: null, bytes: 0 };
          }
          if (rec.rev !== at.rev) throw persistError('conflict', { current: toWorkspace(rec) });
          if (rec.sessionHash === hash) return { workspace: toWorkspace(rec), wrote: false };
          const next: WorkspaceRecord = { ...rec, updatedAt: at.now, rev: rec.rev + 1, sessionHash: hash, bytes: json.length };
          const s = snapshot(next, session, json, hash, at.now);
          await tx.put(STORES.sessions, { workspaceId: id, json } satisfies SessionRecord);
          if (s.add) await tx.put(STORES.history, s.add);
          for (const seq of s.drop) await tx.delete(STORES.history, [id, seq]);
          await tx.put(STORES.workspaces, s.rec);
          return { workspace: toWorkspace(s.rec), wrote: true };
        }),
      );
      if (r.ok) {
        pending.delete(id);
        if (r.value.wrote) notifier.publish({ type: 'workspace', id, rev: r.value.workspace.rev });
        return { ok: true, value: r.value.workspace };
      }
      if (keepsCopy(r.error)) {
        const known = pending.get(id)?.workspace ?? (await storedWorkspace(id));
        const kept: Workspace = known
          ? { ...known, updatedAt: at.now, rev: at.rev, bytes: json.length }
          : { id, name: session.scenario.name, origin: 'blank', createdAt: at.now, updatedAt: at.now, rev: at.rev, bytes: json.length };
        keep(kept, session);
        return { ok: false, error: { ...r.error, workspace: kept } };
      }
      return r;
    },

    async rename(id, name, at) {
      const clean = cleanName(name);
      const p = pending.get(id);
      if (p && p.workspace.rev === at.rev) {
        // Not stored yet (or its last save failed): rename the kept copy, then try to save it.
        p.workspace = { ...p.workspace, name: clean };
        const saved = await repo.save(id, p.session, at);
        return saved.ok ? renameStored(id, clean, { rev: saved.value.rev, now: at.now }) : saved;
      }
      return renameStored(id, clean, at);
    },

    async remove(id) {
      pending.delete(id);
      const r = await attempt(() =>
        backend.run([STORES.workspaces, STORES.sessions, STORES.history], 'readwrite', async (tx) => {
          const rec = await tx.get<WorkspaceRecord>(STORES.workspaces, id);
          if (rec) for (let seq = rec.historyFrom; seq <= rec.historySeq; seq++) await tx.delete(STORES.history, [id, seq]);
          await tx.delete(STORES.sessions, id);
          await tx.delete(STORES.workspaces, id);
        }),
      );
      if (r.ok) notifier.publish({ type: 'workspace', id, removed: true });
      return r;
    },

    async history(id) {
      const r = await attempt(() => backend.run([STORES.history], 'readonly', (tx) => tx.getAll<HistoryRecord>(STORES.history, id)));
      if (!r.ok) return r;
      const entries = r.value.map(({ workspaceId, seq, at, rev, name, inputs, step }) => ({ workspaceId, seq, at, rev, name, inputs, step }));
      return { ok: true, value: entries.sort((a, b) => b.seq - a.seq) };
    },

    async historySession(id, seq) {
      const r = await attempt(() => backend.run([STORES.history], 'readonly', (tx) => tx.get<HistoryRecord>(STORES.history, [id, seq])));
      if (!r.ok) return r;
      if (!r.value) return { ok: false, error: persistError('not-found', { message: 'That earlier version is no longer kept.' }) };
      return parseSession(r.value.json);
    },

    async lessonProgress() {
      const r = await attempt(() => backend.run([STORES.lessons], 'readonly', (tx) => tx.getAll<LessonRecord>(STORES.lessons)));
      if (!r.ok) return r;
      return { ok: true, value: r.value.map(restoreLessonProgress).filter((p): p is LessonProgress => p !== null) };
    },

    async saveLessonProgress(progress) {
      const clean = restoreLessonProgress(progress);
      if (!clean) return { ok: false, error: persistError('invalid', { errors: [{ path: 'id', message: 'must be a lesson id, such as fan-out' }] }) };
      const record: LessonRecord = { lesson: clean.id, ...clean };
      const r = await attempt(() => backend.run([STORES.lessons], 'readwrite', (tx) => tx.put(STORES.lessons, record)));
      if (r.ok) notifier.publish({ type: 'lessons' });
      return r;
    },

    async getSetting(key) {
      const r = await attempt(() => backend.run([STORES.settings], 'readonly', (tx) => tx.get<SettingRecord>(STORES.settings, key)));
      if (!r.ok) return r;
      const value = r.value?.value;
      return { ok: true, value: value !== undefined && isJson(value) ? value : undefined };
    },

    async setSetting(key, value) {
      if (!isJson(value)) return { ok: false, error: persistError('invalid', { errors: [{ path: key, message: 'must be plain JSON' }] }) };
      const r = await attempt(() => backend.run([STORES.settings], 'readwrite', (tx) => tx.put(STORES.settings, { key, value } satisfies SettingRecord)));
      if (r.ok) notifier.publish({ type: 'settings', key });
      return r;
    },

    unsaved() {
      return [...pending.values()].map((p) => ({ ...p, workspace: { ...p.workspace } }));
    },

    onExternalChange(listener) {
      return notifier.subscribe(listener);
    },

    close() {
      backend.close();
    },
  };

  async function storedWorkspace(id: string): Promise<Workspace | null> {
    const r = await attempt(() => backend.run([STORES.workspaces], 'readonly', (tx) => tx.get<WorkspaceRecord>(STORES.workspaces, id)));
    return r.ok && r.value ? toWorkspace(r.value) : null;
  }

  async function renameStored(id: string, name: string, at: { rev: number; now: number }): Promise<Result<Workspace>> {
    const r = await attempt(() =>
      backend.run([STORES.workspaces], 'readwrite', async (tx) => {
        const rec = await tx.get<WorkspaceRecord>(STORES.workspaces, id);
        if (!rec) throw persistError('not-found');
        if (rec.rev !== at.rev) throw persistError('conflict', { current: toWorkspace(rec) });
        const next: WorkspaceRecord = { ...rec, name, updatedAt: at.now, rev: rec.rev + 1 };
        await tx.put(STORES.workspaces, next);
        return toWorkspace(next);
      }),
    );
    if (r.ok) notifier.publish({ type: 'workspace', id, rev: r.value.rev });
    return r;
  }

  return repo;
}

// ---------------------------------------------------------------------------- records

function cleanName(name: unknown): string {
  const s = typeof name === 'string' ? name.trim().replace(/\s+/g, ' ') : '';
  return (s || 'Untitled workspace').slice(0, NAME_MAX);
}

/** A stored record as the UI sees it; a record from an older or damaged store is made sane. */
function toWorkspace(rec: WorkspaceRecord): Workspace {
  const origin = WORKSPACE_ORIGINS.includes(rec.origin as WorkspaceOrigin) ? (rec.origin as WorkspaceOrigin) : 'blank';
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
  return {
    id: String(rec.id),
    name: cleanName(rec.name),
    origin,
    ...(typeof rec.lesson === 'string' ? { lesson: rec.lesson } : {}),
    createdAt: num(rec.createdAt),
    updatedAt: num(rec.updatedAt),
    rev: num(rec.rev),
    bytes: num(rec.bytes),
  };
}

/**
 * restoreScenario names an edge without an id "source->target", which its own id pattern
 * refuses on the way back in (src/worker/editing.ts works around it too): leave such ids
 * out of a stored session before restoring it; they are given the same names again.
 */
export function withoutGeneratedEdgeIds(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const r = raw as Record<string, unknown>;
  const fix = (scenario: unknown): unknown => {
    if (!scenario || typeof scenario !== 'object' || !Array.isArray((scenario as { edges?: unknown }).edges)) return scenario;
    const s = scenario as { edges: unknown[] };
    return {
      ...s,
      edges: s.edges.map((e) => {
        if (!e || typeof e !== 'object') return e;
        const { id, ...rest } = e as Record<string, unknown>;
        return id === `${String(rest.source)}->${String(rest.target)}` ? rest : e;
      }),
    };
  };
  return r.format === 'eventfold/session' ? { ...r, scenario: fix(r.scenario) } : fix(r);
}
