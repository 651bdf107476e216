// What the rest of the UI may ask of the workspace keeper (src/ui/workspaces.svelte.ts):
// open a session in a new workspace without touching any other, switch between saved
// workspaces, and reach the repository for lesson progress and settings. Components get it
// with useWorkspaces(); it is provided once, by App.svelte.
import { getContext, setContext } from 'svelte';
import type { Workspace, WorkspaceOrigin, WorkspaceRepo } from '../persist/index.ts';

export interface NewWorkspaceMeta {
  name: string;
  origin: WorkspaceOrigin;
  /** The lesson it belongs to (origin `lesson`). */
  lesson?: string;
}

export interface WorkspaceHost {
  /** The workspace on screen (null only before the first one is opened). */
  readonly current: Workspace | null;
  /** The repository: lesson progress, settings, the list of workspaces. */
  readonly repo: WorkspaceRepo;
  /**
   * Saves the workspace on screen now (if it changed), then opens `session` (a session or
   * a bare scenario, checked by the worker's load) as a new workspace and shows it. Never
   * touches another workspace. False, with a notice shown, when it could not be opened.
   */
  openNew(session: unknown, meta: NewWorkspaceMeta): Promise<boolean>;
  /** Saves the workspace on screen, then shows the saved workspace `id`. */
  open(id: string): Promise<boolean>;
  /** Saves the workspace on screen now if it changed (the autosave, without waiting). */
  flush(): Promise<void>;
}

const KEY = Symbol('workspaces');

export function provideWorkspaces<T extends WorkspaceHost>(host: T): T {
  return setContext(KEY, host);
}
export function useWorkspaces(): WorkspaceHost {
  return getContext<WorkspaceHost>(KEY);
}
