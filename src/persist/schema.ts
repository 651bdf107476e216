// The IndexedDB database: its name, version, stores, and the upgrades between versions.
//
// Upgrades are keyed off the version the database had (`oldVersion`), one step per
// version, so a database written by any earlier Eventfold walks up to the current one and
// keeps its data. A database newer than this build (a newer Eventfold opened it in another
// tab) is not opened at all: the browser refuses with VersionError, the repo says "reload".
// src/persist/schema.test.ts writes a version-1 database and opens it with this build.
import type { IDBPDatabase, IDBPTransaction } from 'idb';
import type { HistoryEntry, LessonProgress } from './types.ts';

// DO NOT CHANGE THESE WITHOUT ADDING MIGRATION LOGIC. DOING SO WOULD WIPE ALL EXISTING DATA.
// (A new name is a new, empty database; renaming a store loses what the old one held.)
export const DB_NAME = 'eventfold';
export const DB_VERSION = 2;
export const STORES = {
  /** v1+: one record per workspace, keyPath `id`. */
  workspaces: 'workspaces',
  /** v1+: one record per setting, keyPath `key`. */
  settings: 'settings',
  /** v2+: the session of each workspace as JSON text, keyPath `workspaceId`. */
  sessions: 'sessions',
  /** v2+: snapshots of sessions, keyPath [`workspaceId`, `seq`]. */
  history: 'history',
  /** v2+: lesson progress, keyPath `lesson`. */
  lessons: 'lessons',
} as const;
// END OF DO NOT CHANGE.

export type StoreName = (typeof STORES)[keyof typeof STORES];

// ---------------------------------------------------------------------------- records

/** Version 1 kept the session inside the workspace record, as an object. */
export interface WorkspaceRecordV1 {
  id: string;
  name: string;
  origin: string;
  createdAt: number;
  updatedAt: number;
  session: unknown;
}

/** Version 2: the workspace record is small (listing is cheap); the session is apart. */
export interface WorkspaceRecord {
  id: string;
  name: string;
  origin: string;
  lesson?: string;
  createdAt: number;
  updatedAt: number;
  rev: number;
  /** Hash of the session's JSON: a save of an unchanged session writes nothing. */
  sessionHash: string | null;
  /** The history ring holds seqs historyFrom..historySeq (none when historySeq < historyFrom). */
  historyFrom: number;
  historySeq: number;
  /** The last snapshot: when, and the hash of its JSON (an unchanged session is not snapshotted again). */
  lastSnapshotAt: number | null;
  lastSnapshotHash: string | null;
  /** Length of the session's JSON text, for the storage view. */
  bytes: number;
}

export interface SessionRecord {
  workspaceId: string;
  /** The session as JSON text: one string per workspace, so a save costs one write of a size set by the inputs. */
  json: string;
}

/** A history entry as stored: the entry and the session as JSON text. */
export interface HistoryRecord extends HistoryEntry {
  json: string;
}

/**
 * Lesson progress as stored: the LessonProgress (src/lessons/progress.ts) with its id
 * repeated as `lesson`, the store's key. Records written before the lesson panel have the
 * first shape `{lesson, step: number, completed, goalsMet, updatedAt}`: the key is the
 * same, and restoreLessonProgress (progress.ts) reads both, so no upgrade step is needed.
 */
export interface LessonRecord extends LessonProgress {
  lesson: string;
}

export interface SettingRecord {
  key: string;
  value: unknown;
}

// ---------------------------------------------------------------------------- upgrades

type UpgradeTx = IDBPTransaction<unknown, StoreName[], 'versionchange'>;

/**
 * Brings a database from `oldVersion` up to `newVersion`, one version at a time. Pass it
 * as idb's `upgrade` callback. Every step's store changes run at once, before anything is
 * awaited (a versionchange transaction only takes them while it is active); then each
 * step's data migration runs in order, awaiting only requests of the upgrade transaction.
 * If one fails, the transaction aborts and the database stays as it was.
 * DO NOT edit a released step: add the next one.
 */
export function upgrade(db: IDBPDatabase<unknown>, oldVersion: number, newVersion: number | null, tx: UpgradeTx): Promise<void> {
  const target = newVersion ?? DB_VERSION;
  const steps: Step[] = [];
  for (let v = oldVersion + 1; v <= target; v++) {
    const step = STEPS[v];
    if (!step) throw new Error(`no upgrade to database version ${v}`);
    steps.push(step);
  }
  for (const step of steps) step.stores(db);
  return (async () => {
    for (const step of steps) await step.data?.(tx);
  })().catch((e) => {
    tx.abort();
    throw e;
  });
}

interface Step {
  /** Creates stores and indexes. Never deletes a store an earlier step's `data` reads. */
  stores(db: IDBPDatabase<unknown>): void;
  /** Moves data into the new shape. */
  data?(tx: UpgradeTx): Promise<void>;
}

const STEPS: Record<number, Step> = {
  // Version 1: workspaces with their session inside, and settings.
  1: {
    stores(db) {
      db.createObjectStore(STORES.workspaces, { keyPath: 'id' });
      db.createObjectStore(STORES.settings, { keyPath: 'key' });
    },
  },
  // Version 2: sessions move out of workspace records (as JSON text) and workspaces gain a
  // rev; history and lesson progress get stores.
  2: {
    stores(db) {
      db.createObjectStore(STORES.sessions, { keyPath: 'workspaceId' });
      db.createObjectStore(STORES.history, { keyPath: ['workspaceId', 'seq'] });
      db.createObjectStore(STORES.lessons, { keyPath: 'lesson' });
    },
    async data(tx) {
      const workspaces = tx.objectStore(STORES.workspaces);
      const sessions = tx.objectStore(STORES.sessions);
      let cursor = await workspaces.openCursor();
      while (cursor) {
        const old = cursor.value as WorkspaceRecordV1;
        const json = JSON.stringify(old.session ?? null) ?? 'null';
        await sessions.put({ workspaceId: old.id, json } satisfies SessionRecord);
        const next: WorkspaceRecord = {
          id: old.id,
          name: old.name,
          origin: old.origin,
          createdAt: old.createdAt,
          updatedAt: old.updatedAt,
          rev: 1,
          sessionHash: null,
          historyFrom: 1,
          historySeq: 0,
          lastSnapshotAt: null,
          lastSnapshotHash: null,
          bytes: json.length,
        };
        await cursor.update(next);
        cursor = await cursor.continue();
      }
    },
  },
};
