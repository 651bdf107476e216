// Storage failures as typed errors with a message for the learner. The messages say that
// the work is not lost (the repo keeps it in memory) and what to do: export it, free
// space, reload.
import type { FieldError } from '../engine/scenario.ts';
import type { PersistError, PersistErrorKind, Workspace } from './types.ts';

/**
 * Field errors as lines, the way the engine's describeErrors writes them (errors.test.ts
 * checks that they agree). A copy, not an import: the engine's sits beside the scenario
 * schemas, which the first screen does not load, and every save error would pull them in.
 */
export function describeFieldErrors(errors: readonly FieldError[], max = 8): string {
  const lines = errors.slice(0, max).map((e) => `${e.path}: ${e.message}`);
  if (errors.length > max) lines.push(`…and ${errors.length - max} more`);
  return lines.join('\n');
}

const MESSAGES: Record<PersistErrorKind, string> = {
  quota:
    'Your browser has no more room for Eventfold to save in. Your work is kept in this tab for now: export it to a file to keep it safe, then free some space (delete old workspaces, or site data in the browser settings).',
  unavailable:
    'This browser does not let Eventfold save (a private window, or storage turned off). Your work is kept in this tab until you close it: export it to a file to keep it.',
  conflict:
    'This workspace was changed in another tab since you opened it here. Nothing was overwritten: load the other version, keep yours as a new workspace, or replace the other one with yours.',
  outdated:
    'A newer Eventfold was opened in another tab and updated the saved data. Reload this page to keep saving; until then your work is kept in this tab (export it to be safe).',
  'not-found': 'That workspace is not saved here (it may have been deleted in another tab).',
  invalid: 'The saved data could not be read.',
  unknown: 'Saving failed for a reason the browser did not explain. Your work is kept in this tab: export it to a file to be safe.',
};

export function persistError(kind: PersistErrorKind, extra: { message?: string; errors?: FieldError[]; current?: Workspace } = {}): PersistError {
  const message = extra.message ?? (kind === 'invalid' && extra.errors ? `${MESSAGES.invalid}\n${describeFieldErrors(extra.errors)}` : MESSAGES[kind]);
  return { kind, message, ...(extra.errors ? { errors: extra.errors } : {}), ...(extra.current ? { current: extra.current } : {}) };
}

/** Classifies anything IndexedDB (or the code around it) threw. */
export function toPersistError(e: unknown): PersistError {
  if (isPersistError(e)) return e;
  const name = errorName(e);
  const message = e instanceof Error || (e && typeof e === 'object' && 'message' in e) ? String((e as { message: unknown }).message) : String(e);
  // Chromium and Firefox: QuotaExceededError; old Firefox: NS_ERROR_DOM_QUOTA_REACHED.
  if (name === 'QuotaExceededError' || /quota/i.test(name) || /quota/i.test(message)) return persistError('quota');
  // A newer build upgraded the database (VersionError on open), or our connection was
  // closed for its upgrade (InvalidStateError "connection is closing").
  if (name === 'VersionError') return persistError('outdated');
  if (name === 'InvalidStateError' || name === 'SecurityError' || name === 'UnknownError' || name === 'NotFoundError' || name === 'TimeoutError') {
    return persistError('unavailable');
  }
  if (name === 'DataCloneError') return persistError('invalid', { message: `${MESSAGES.invalid} (${message})` });
  return persistError('unknown');
}

export function isPersistError(e: unknown): e is PersistError {
  return !!e && typeof e === 'object' && typeof (e as PersistError).kind === 'string' && typeof (e as PersistError).message === 'string' && !(e instanceof Error);
}

function errorName(e: unknown): string {
  if (e && typeof e === 'object' && 'name' in e && typeof (e as { name: unknown }).name === 'string') return (e as { name: string }).name;
  return '';
}
