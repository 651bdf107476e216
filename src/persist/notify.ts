// Telling other tabs that something changed, so a tab showing a workspace another tab just
// saved can say so (and its next save will be refused as a conflict rather than overwrite:
// see repo.ts). A BroadcastChannel in the app; linked in-memory notifiers in Node tests.
import type { ChangeMessage } from './types.ts';

export interface ChangeNotifier {
  /** Tells every other notifier on the channel (not this one). */
  publish(message: ChangeMessage): void;
  /** Calls `listener` for messages from the others; returns the unsubscribe. */
  subscribe(listener: (message: ChangeMessage) => void): () => void;
  close(): void;
}

export const CHANNEL_NAME = 'eventfold-storage';

/** The browser's cross-tab channel; a notifier that does nothing where there is none. */
export function broadcastNotifier(name = CHANNEL_NAME): ChangeNotifier {
  if (typeof BroadcastChannel === 'undefined') return silentNotifier();
  const channel = new BroadcastChannel(name);
  const listeners = new Set<(m: ChangeMessage) => void>();
  channel.onmessage = (e: MessageEvent) => {
    const m = e.data as unknown;
    if (isChangeMessage(m)) for (const l of listeners) l(m);
  };
  return {
    publish: (m) => channel.postMessage(m),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      channel.close();
    },
  };
}

export function silentNotifier(): ChangeNotifier {
  return { publish() {}, subscribe: () => () => {}, close() {} };
}

/**
 * Notifiers linked to each other like tabs on one BroadcastChannel: a message reaches every
 * other member, later (in a macrotask), never the sender.
 */
export function notifierHub(): { join(): ChangeNotifier } {
  const members = new Set<Set<(m: ChangeMessage) => void>>();
  return {
    join() {
      const mine = new Set<(m: ChangeMessage) => void>();
      members.add(mine);
      return {
        publish(m) {
          const copy = structuredClone(m);
          for (const other of members) if (other !== mine) setTimeout(() => other.forEach((l) => l(copy)), 0);
        },
        subscribe(listener) {
          mine.add(listener);
          return () => mine.delete(listener);
        },
        close() {
          members.delete(mine);
        },
      };
    },
  };
}

/** Messages come from other tabs: check their shape before trusting them. */
export function isChangeMessage(m: unknown): m is ChangeMessage {
  if (!m || typeof m !== 'object') return false;
  const x = m as Record<string, unknown>;
  if (x.type === 'workspace') return typeof x.id === 'string' && (x.removed === true || typeof x.rev === 'number');
  if (x.type === 'lessons') return true;
  if (x.type === 'settings') return typeof x.key === 'string';
  return false;
}
