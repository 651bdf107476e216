// The "break it" actions as intents, shared by the break-it panel (Tools.svelte) and the
// canvas fault menus (Canvas/FaultMenu.svelte, Canvas/EdgeFaults.svelte), so each fault is
// written once. Pure functions of what the UI already holds: no worker calls here.
import type { EngineView, Intent, TraceStep } from '../../../engine/index.ts';

export type CrashPoint = 'now' | 'before-handle' | 'after-effects' | 'after-save' | 'after-publish';

/** Where a consumer can crash ([X1]), as the menus say it. */
export const CRASH_POINTS: { point: CrashPoint; text: string }[] = [
  { point: 'now', text: 'now' },
  { point: 'before-handle', text: 'on its next event, before handling it' },
  { point: 'after-effects', text: 'after the side effects, before saving state' },
  { point: 'after-save', text: 'after saving state, before the commit' },
  { point: 'after-publish', text: 'after sending what it emitted, before the commit' },
];

/** A crash now or armed at a point, with an optional restart after `restartAfter` ms (text from an input). */
export function crashIntent(node: string, point: CrashPoint = 'now', restartAfter = ''): Intent {
  const later = restartAfter.trim() === '' ? {} : { restartAfterMs: Math.max(0, Number(restartAfter)) };
  return { kind: 'crash', node, point, ...later };
}

export const restartIntent = (node: string): Intent => ({ kind: 'restart', node });
export const duplicateIntent = (node: string, event: string): Intent => ({ kind: 'duplicate', node, event });

/** Events recently appended to the topics a consumer reads, newest first (to pick one to deliver again). */
export function recentEvents(view: EngineView | null, consumer: string): string[] {
  const v = view?.nodes[consumer];
  if (!view || !v || v.kind !== 'consumer') return [];
  const out: string[] = [];
  for (const topic of new Set(v.assigned.map((a) => a.topic))) {
    const t = view.nodes[topic];
    if (t?.kind === 'topic') for (const p of t.partitions) for (const c of p.recent) out.push(c.id);
  }
  return [...new Set(out)].sort((a, b) => Number(b.slice(4)) - Number(a.slice(4)));
}

/**
 * Events the consumer has already read (an offset below its position on a partition it
 * owns), among the latest of each partition, newest first: what a duplicate can repeat.
 */
export function deliveredEvents(view: EngineView | null, consumer: string): string[] {
  const v = view?.nodes[consumer];
  if (!view || !v || v.kind !== 'consumer') return [];
  const out: string[] = [];
  for (const a of v.assigned) {
    const t = view.nodes[a.topic];
    if (t?.kind === 'topic') for (const c of t.partitions[a.partition]?.recent ?? []) if (c.offset < a.position) out.push(c.id);
  }
  return [...new Set(out)].sort((x, y) => Number(y.slice(4)) - Number(x.slice(4)));
}

/**
 * The newest event delivered to this consumer before the playhead, from the trace rows the
 * UI holds: the one a duplicate can repeat ([X2] only repeats what was delivered).
 */
export function lastDelivered(rows: readonly TraceStep[], consumer: string, step: number): string | null {
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i];
    if (r.seq < step && r.node === consumer && (r.kind === 'deliver' || r.kind === 'receive') && r.eventId) return r.eventId;
  }
  return null;
}

/** Network faults on a connection ([N1]–[N3], [N5]). */
export const linkIntent = (source: string, target: string, settings: { delayMs?: number; jitterMs?: number; duplicateChance?: number; ackLossChance?: number }): Intent => ({
  kind: 'link',
  node: source,
  to: target,
  ...settings,
});
export const cutIntent = (node: string, from: string, durationMs?: number): Intent => ({ kind: 'partition', node, from, ...(durationMs ? { durationMs } : {}) });
export const healIntent = (node: string, from: string): Intent => ({ kind: 'heal', node, from });

/** Whether the network between two nodes is cut now. */
export function isCut(view: EngineView | null, a: string, b: string): boolean {
  return (view?.network.cuts ?? []).some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}

/** The current settings of a connection (all zero when never changed). */
export function linkOf(view: EngineView | null, source: string, target: string) {
  const l = (view?.network.links ?? []).find((x) => x.source === source && x.target === target);
  return { delayMs: l?.delayMs ?? 0, jitterMs: l?.jitterMs ?? 0, duplicateChance: l?.duplicateChance ?? 0, ackLossChance: l?.ackLossChance ?? 0 };
}
