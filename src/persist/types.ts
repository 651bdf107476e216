// What the workspace repository keeps and how it answers. Every call answers a Result:
// storage failures are values the UI shows (a quota message, an offer to export), never
// exceptions that lose the learner's work.
import type { Json } from '../engine/json.ts';
import type { FieldError } from '../engine/scenario.ts';
import type { Session } from '../engine/session.ts';

export type WorkspaceOrigin = 'blank' | 'lesson' | 'link' | 'file';
export const WORKSPACE_ORIGINS: readonly WorkspaceOrigin[] = ['blank', 'lesson', 'link', 'file'];

/** A named workspace (a draft). Its session is kept beside it, never its trace. */
export interface Workspace {
  id: string;
  name: string;
  /** Where it came from: a blank canvas, a lesson, a share link or an imported file. */
  origin: WorkspaceOrigin;
  /** The lesson it was started from (origin `lesson`). */
  lesson?: string;
  /** When it was created and last saved, in ms since the epoch, as the caller's clock said. */
  createdAt: number;
  updatedAt: number;
  /**
   * Update counter: 1 when created, one more on every save or rename. A save must name the
   * rev it started from; if another tab saved in between, the save is refused as a conflict.
   */
  rev: number;
  /** Size of the saved session's JSON text: set by the scenario and the inputs, not by the steps run. */
  bytes: number;
}

export interface NewWorkspace {
  name: string;
  origin: WorkspaceOrigin;
  lesson?: string;
  session: Session;
}

export interface OpenedWorkspace {
  workspace: Workspace;
  session: Session;
  /** True when this copy exists only in memory: saving it failed (see `error` of that save). */
  unsaved: boolean;
}

/** One entry of a workspace's history ring (about 30, at most one a minute). */
export interface HistoryEntry {
  workspaceId: string;
  /** Order of the snapshot within its workspace; names it for `historySession`. */
  seq: number;
  /** When it was taken (the caller's clock). */
  at: number;
  /** The workspace's rev that the snapshot is a copy of. */
  rev: number;
  /** For a list in the UI without opening each: the scenario name, inputs and step. */
  name: string;
  inputs: number;
  step: number;
}

/**
 * How far a learner got in one lesson: the shape src/lessons/progress.ts defines (keyed by
 * the lesson's id, remembering the lesson version it was made on). One type for the rule
 * and for storage; `restoreLessonProgress` (progress.ts) is the one door a stored or
 * imported record comes through.
 */
export type { LessonProgress } from '../lessons/progress.ts';

export type SettingValue = Json;

export type PersistErrorKind =
  /** The browser's storage quota is full. */
  | 'quota'
  /** IndexedDB cannot be used here (private mode, disabled, or it failed to open). */
  | 'unavailable'
  /** Another tab saved this workspace since this copy was loaded. */
  | 'conflict'
  /** A newer Eventfold in another tab upgraded the database: this tab must reload. */
  | 'outdated'
  | 'not-found'
  /** A stored record or an imported file does not pass validation; `errors` names the fields. */
  | 'invalid'
  | 'unknown';

export interface PersistError {
  kind: PersistErrorKind;
  /** For the learner: what happened, that nothing is lost, and what to do. */
  message: string;
  /** For `invalid`: which fields. */
  errors?: FieldError[];
  /** For `conflict`: the workspace as the other tab saved it. */
  current?: Workspace;
  /**
   * For a create or save that failed for lack of storage: the copy kept in memory (a
   * workspace whose creation failed has rev 0). Its session is in `unsaved()` and `open`.
   */
  workspace?: Workspace;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: PersistError };

/** A change made by another tab (or another repo on the same storage). */
export type ChangeMessage =
  | { type: 'workspace'; id: string; rev: number; removed?: false }
  | { type: 'workspace'; id: string; removed: true }
  | { type: 'lessons' }
  | { type: 'settings'; key: string };
