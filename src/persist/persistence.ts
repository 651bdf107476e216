// Asking the browser to keep Eventfold's storage: without it, a browser may evict the data
// of a site under storage pressure. Chromium grants it quietly to sites the learner uses
// (bookmarked, installed, often visited); Firefox may ask the learner.

export type PersistenceAnswer = 'granted' | 'denied' | 'unsupported';

/** Minimal part of StorageManager this needs (injectable for tests). */
export interface StorageLike {
  persist?: () => Promise<boolean>;
  persisted?: () => Promise<boolean>;
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
}

const defaultStorage = (): StorageLike | undefined => (typeof navigator !== 'undefined' ? (navigator.storage as StorageLike | undefined) : undefined);

/** Asks for persistent storage once; says whether it was granted. Never throws. */
export async function requestPersistence(storage: StorageLike | undefined = defaultStorage()): Promise<PersistenceAnswer> {
  if (!storage?.persist) return 'unsupported';
  try {
    if (storage.persisted && (await storage.persisted())) return 'granted';
    return (await storage.persist()) ? 'granted' : 'denied';
  } catch {
    return 'unsupported';
  }
}

/** How much this site stores and may store, in bytes, when the browser says. */
export async function storageEstimate(storage: StorageLike | undefined = defaultStorage()): Promise<{ usage: number; quota: number } | null> {
  if (!storage?.estimate) return null;
  try {
    const e = await storage.estimate();
    return typeof e.usage === 'number' && typeof e.quota === 'number' ? { usage: e.usage, quota: e.quota } : null;
  } catch {
    return null;
  }
}
