// Small pure helpers that turn view data into short text for the canvas and the trace.
// Everything here returns plain strings: labels and values are rendered as text, never HTML.
import type { Json } from '../engine/json.ts';
import type { NodeView } from '../engine/index.ts';

/** Logical time: "0 ms", "11 ms", "2.5 ms", "12.3 s". */
export function fmtTime(ms: number): string {
  if (ms >= 10_000) return `${(Math.round(ms / 100) / 10).toLocaleString('en')} s`;
  return `${Math.round(ms * 1000) / 1000} ms`;
}

/** A JSON value as one short line: `true`, `99.99`, `"ORD-1"`, `["ORD-1","ORD-2"]`, cut with "…". */
export function valueText(value: Json, max = 28): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The first `max` entries of a table, and how many more there are. */
export function firstRows(table: Record<string, Json>, max = 2): { rows: [string, string][]; more: number } {
  const keys = Object.keys(table);
  return { rows: keys.slice(0, max).map((k) => [k, valueText(table[k])]), more: Math.max(0, keys.length - max) };
}

/** A side effect's count: the total, and the entities it happened to more than once. */
export function effectSummary(counts: Record<string, number>): { total: number; repeated: [string, number][] } {
  let total = 0;
  const repeated: [string, number][] = [];
  for (const [key, n] of Object.entries(counts)) {
    total += n;
    if (n > 1) repeated.push([key, n]);
  }
  return { total, repeated };
}

/** Every row of every table, one per line: for a tooltip holding what the node cannot show. */
export function tablesText(tables: Record<string, Record<string, Json>>): string {
  return Object.entries(tables)
    .map(([name, rows]) => `${name}\n${Object.entries(rows).map(([k, v]) => `  ${k} → ${JSON.stringify(v)}`).join('\n')}`)
    .join('\n');
}

/** One line about a node this canvas draws without detail; null when there is no view. */
export function nodeSummary(view: NodeView | undefined): string | null {
  if (!view) return null;
  const v = view as NodeView & Record<string, unknown>;
  switch (v.kind) {
    case 'queue':
      if (v.fifo) return `FIFO · ${v.ready} ready · ${v.inFlight} in flight · ${v.acked} acked${v.deduplicated ? ` · ${v.deduplicated} duplicates dropped` : ''}${v.blockedGroups?.length ? ` · waiting: ${v.blockedGroups.join(', ')}` : ''}`;
      return `${v.ready} ready · ${v.inFlight} in flight · ${v.acked} acked · ${v.dead} dead-lettered`;
    case 'projection':
      return `${v.alive ? 'running' : 'down'} · ${v.behind} behind · ${Object.keys(v.tables).length} tables`;
    default: {
      const streams = v.streams;
      return Array.isArray(streams) ? `${streams.length} streams` : null;
    }
  }
}
