// The IndexedDB backend, with idb. Opens (and upgrades) the database, runs transactions,
// and closes its connection when a newer Eventfold in another tab needs to upgrade it
// (after which every call fails with InvalidStateError, which the repo reports as
// `outdated`: reload the page).
import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { Backend, Key, Tx } from './backend.ts';
import { DB_NAME, DB_VERSION, STORES, upgrade, type StoreName } from './schema.ts';

export interface IdbBackendOptions {
  /** Database name; tests use one per test. */
  name?: string;
  /** Give up opening after this long when other tabs block the upgrade. */
  blockedTimeoutMs?: number;
  /** Called when the connection is gone for good (another tab upgraded, or the browser closed it). */
  onLost?: (why: 'versionchange' | 'terminated') => void;
}

export async function openIdbBackend(options: IdbBackendOptions = {}): Promise<Backend> {
  if (typeof indexedDB === 'undefined' || indexedDB === null) throw new DOMException('IndexedDB is not available here', 'InvalidStateError');
  let lost: 'versionchange' | 'terminated' | null = null;
  let db: IDBPDatabase<unknown> | undefined;
  // Opening waits while an older tab holds the database and will not close it; give up
  // after a while rather than hang (the app then runs from memory and says why).
  let blockedTimer: ReturnType<typeof setTimeout> | undefined;
  let armBlocked: () => void = () => {};
  const blockedTooLong = new Promise<never>((_, reject) => {
    armBlocked = () => {
      blockedTimer ??= setTimeout(() => reject(new DOMException('other Eventfold tabs keep the database open', 'TimeoutError')), options.blockedTimeoutMs ?? 10_000);
    };
  });
  blockedTooLong.catch(() => {});
  const opening = openDB(options.name ?? DB_NAME, DB_VERSION, {
    upgrade(database, oldVersion, newVersion, tx) {
      // A failed step aborts the upgrade transaction: openDB then rejects, nothing changed.
      void upgrade(database, oldVersion, newVersion, tx as never).catch(() => {});
    },
    blocked() {
      armBlocked();
    },
    blocking() {
      // A newer Eventfold wants to upgrade the database: let it, and stop using it here.
      lost = 'versionchange';
      db?.close();
      options.onLost?.('versionchange');
    },
    terminated() {
      lost = 'terminated';
      options.onLost?.('terminated');
    },
  });
  try {
    db = await Promise.race([opening, blockedTooLong]);
  } catch (e) {
    // Gave up waiting: the open may still succeed once the other tab closes. Close it then,
    // or it would block the next upgrade in its turn.
    opening.then((late) => late.close()).catch(() => {});
    throw e;
  } finally {
    clearTimeout(blockedTimer);
  }
  const conn = db;

  return {
    kind: 'indexeddb',
    async run<T>(stores: StoreName[], mode: 'readonly' | 'readwrite', fn: (tx: Tx) => Promise<T>): Promise<T> {
      if (lost) throw new DOMException(`the database connection is closed (${lost})`, lost === 'versionchange' ? 'VersionError' : 'InvalidStateError');
      // Typed as readwrite so put/delete type-check; a readonly one refuses them at run time.
      const t = conn.transaction(stores, mode, { durability: 'default' }) as unknown as IDBPTransaction<unknown, StoreName[], 'readwrite'>;
      const tx: Tx = {
        get: async <V,>(store: StoreName, key: Key) => (await t.objectStore(store).get(key as IDBValidKey)) as V | undefined,
        getAll: async <V,>(store: StoreName, workspaceId?: string) => {
          const s = t.objectStore(store);
          if (store === STORES.history && workspaceId !== undefined) return (await s.getAll(IDBKeyRange.bound([workspaceId, -Infinity], [workspaceId, Infinity]))) as V[];
          const all = (await s.getAll()) as V[];
          return workspaceId === undefined ? all : all.filter((v) => (v as { workspaceId?: string }).workspaceId === workspaceId);
        },
        put: async (store: StoreName, value: object) => {
          await t.objectStore(store).put(value);
        },
        delete: async (store: StoreName, key: Key) => {
          await t.objectStore(store).delete(key as IDBValidKey);
        },
      };
      let result: T;
      try {
        result = await fn(tx);
      } catch (e) {
        try {
          t.abort();
        } catch {
          // already finished or aborted
        }
        // The abort error of `done` is not the reason; `e` is.
        await t.done.catch(() => {});
        throw e;
      }
      await t.done;
      return result;
    },
    close() {
      conn.close();
    },
  };
}
