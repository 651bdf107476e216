// The storage under the repository: a few stores of records and atomic transactions over
// them, as IndexedDB has. The repository's rules (revs, conflicts, history, what survives a
// failure) are written once in repo.ts over this interface; there are two backends, an
// in-memory one here and IndexedDB in idb-backend.ts, and one contract suite for both.
import type { StoreName } from './schema.ts';

export type Key = string | [string, number];

export interface Tx {
  get<T>(store: StoreName, key: Key): Promise<T | undefined>;
  /** Every record of a store; for `history`, only those of one workspace (in seq order). */
  getAll<T>(store: StoreName, workspaceId?: string): Promise<T[]>;
  put(store: StoreName, value: object): Promise<void>;
  delete(store: StoreName, key: Key): Promise<void>;
}

export interface Backend {
  readonly kind: 'indexeddb' | 'memory';
  /**
   * Runs `fn` in one transaction over `stores`: all of its writes land, or none (when `fn`
   * throws, or the commit fails). `fn` must await nothing but `tx` calls.
   */
  run<T>(stores: StoreName[], mode: 'readonly' | 'readwrite', fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): void;
}

const KEY_PATHS: Record<StoreName, (v: Record<string, unknown>) => Key> = {
  workspaces: (v) => v.id as string,
  settings: (v) => v.key as string,
  sessions: (v) => v.workspaceId as string,
  history: (v) => [v.workspaceId as string, v.seq as number],
  lessons: (v) => v.lesson as string,
};

const keyText = (k: Key) => (typeof k === 'string' ? k : `${k[0]}\u0000${String(k[1]).padStart(16, '0')}`);

/**
 * Storage shared by the memory backends made from it: two backends on one MemoryStorage
 * behave like two tabs on one IndexedDB database.
 */
export class MemoryStorage {
  readonly stores = new Map<StoreName, Map<string, unknown>>();
  /** Transactions run one at a time, as IndexedDB runs overlapping readwrite ones. */
  queue: Promise<unknown> = Promise.resolve();
  store(name: StoreName): Map<string, unknown> {
    let s = this.stores.get(name);
    if (!s) this.stores.set(name, (s = new Map()));
    return s;
  }
}

/** A backend in memory: records are structured-cloned in and out, as IndexedDB does. */
export function memoryBackend(storage = new MemoryStorage()): Backend {
  let closed = false;
  return {
    kind: 'memory',
    run<T>(stores: StoreName[], mode: 'readonly' | 'readwrite', fn: (tx: Tx) => Promise<T>): Promise<T> {
      const go = async (): Promise<T> => {
        if (closed) throw new DOMException('The database connection is closed.', 'InvalidStateError');
        // Writes are staged and applied at the end: a transaction that throws leaves nothing.
        const staged = new Map<StoreName, Map<string, unknown | typeof DELETED>>();
        const allowed = (store: StoreName, write: boolean) => {
          if (!stores.includes(store)) throw new DOMException(`${store} is not in this transaction`, 'NotFoundError');
          if (write && mode === 'readonly') throw new DOMException('readonly transaction', 'ReadOnlyError');
        };
        const read = (store: StoreName, k: string) => {
          const s = staged.get(store);
          if (s?.has(k)) {
            const v = s.get(k);
            return v === DELETED ? undefined : v;
          }
          return storage.store(store).get(k);
        };
        const tx: Tx = {
          async get<V>(store: StoreName, key: Key) {
            allowed(store, false);
            const v = read(store, keyText(key));
            return v === undefined ? undefined : (structuredClone(v) as V);
          },
          async getAll<V>(store: StoreName, workspaceId?: string) {
            allowed(store, false);
            const keys = new Set([...storage.store(store).keys(), ...(staged.get(store)?.keys() ?? [])]);
            const out: V[] = [];
            for (const k of [...keys].sort()) {
              const v = read(store, k) as Record<string, unknown> | undefined;
              if (v === undefined) continue;
              if (workspaceId !== undefined && v.workspaceId !== workspaceId) continue;
              out.push(structuredClone(v) as V);
            }
            return out;
          },
          async put(store: StoreName, value: object) {
            allowed(store, true);
            const k = keyText(KEY_PATHS[store](value as Record<string, unknown>));
            let s = staged.get(store);
            if (!s) staged.set(store, (s = new Map()));
            s.set(k, structuredClone(value));
          },
          async delete(store: StoreName, key: Key) {
            allowed(store, true);
            let s = staged.get(store);
            if (!s) staged.set(store, (s = new Map()));
            s.set(keyText(key), DELETED);
          },
        };
        const result = await fn(tx);
        for (const [store, writes] of staged) {
          const target = storage.store(store);
          for (const [k, v] of writes) {
            if (v === DELETED) target.delete(k);
            else target.set(k, v);
          }
        }
        return result;
      };
      const next = storage.queue.then(go, go);
      storage.queue = next.catch(() => {});
      return next;
    },
    close() {
      closed = true;
    },
  };
}

const DELETED = Symbol('deleted');

/**
 * Wraps a backend so that writes fail with `error` while `failing()` says so: how the
 * contract suite makes a quota error or a lost database happen on every backend.
 */
export function faultyBackend(inner: Backend, failing: () => unknown | null): Backend {
  return {
    kind: inner.kind,
    close: () => inner.close(),
    run(stores, mode, fn) {
      return inner.run(stores, mode, (tx) =>
        fn({
          get: (s, k) => tx.get(s, k),
          getAll: (s, w) => tx.getAll(s, w),
          put: async (s, v) => {
            const e = failing();
            if (e) throw e;
            return tx.put(s, v);
          },
          delete: (s, k) => tx.delete(s, k),
        }),
      );
    },
  };
}
