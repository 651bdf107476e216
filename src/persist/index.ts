// Persistence: workspaces, sessions, history, lesson progress and settings in IndexedDB,
// and export/import as files. See repo.ts for the rules (revs and conflicts, failures that
// keep the work in memory) and schema.ts for the database.
export { openWorkspaceRepo, createMemoryRepo, createRepo, type WorkspaceRepo, type RepoOptions } from './repo.ts';
export { broadcastNotifier, notifierHub, silentNotifier, CHANNEL_NAME, type ChangeNotifier } from './notify.ts';
export { requestPersistence, storageEstimate, type PersistenceAnswer } from './persistence.ts';
export {
  exportWorkspace,
  workspaceFile,
  exportEverything,
  exportText,
  exportFileName,
  parseImport,
  importInto,
  importErrorMessage,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type WorkspaceExport,
  type ImportPlan,
  type ImportResult,
} from './files.ts';
export { HISTORY_LIMIT, HISTORY_INTERVAL_MS } from './history.ts';
export { DB_NAME, DB_VERSION, STORES } from './schema.ts';
export { restoreLessonProgress } from './progress.ts';
export { MemoryStorage } from './backend.ts';
export type {
  Workspace,
  WorkspaceOrigin,
  NewWorkspace,
  OpenedWorkspace,
  HistoryEntry,
  LessonProgress,
  SettingValue,
  PersistError,
  PersistErrorKind,
  Result,
  ChangeMessage,
} from './types.ts';
