// The saga form's small pure parts: a message's data shown as the fields it copies from the
// triggering event ("orderId, amount") when it is that simple, else as JSON; and the parse
// back, with a message that says what to write when it cannot be read.
import type { Expr, SagaStepSpec } from '../../engine/scenario.ts';

export type SagaMsg = { topic: string; type: string; data?: Record<string, Expr> };
export type SagaStepDraft = SagaStepSpec;

const NAME = /^[A-Za-z_$][\w$-]*$/;

/** `{orderId: {event: 'data.orderId'}}` → "orderId"; anything else → its JSON. */
export function dataText(data: Record<string, Expr> | undefined): string {
  if (!data) return '';
  const entries = Object.entries(data);
  const copies = entries.every(([k, v]) => NAME.test(k) && v !== null && typeof v === 'object' && !Array.isArray(v) && 'event' in v && Object.keys(v).length === 1 && v.event === `data.${k}`);
  return copies ? entries.map(([k]) => k).join(', ') : JSON.stringify(data);
}

export type Parsed = { ok: true; data: Record<string, Expr> | undefined } | { ok: false; message: string };

/** The reverse of `dataText`: field names to copy, or a JSON object; empty: no data. */
export function parseData(text: string): Parsed {
  const t = text.trim();
  if (t === '') return { ok: true, data: undefined };
  if (t.startsWith('{')) {
    try {
      const v: unknown = JSON.parse(t);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, message: 'must be a JSON object, such as {"orderId": {"event": "data.orderId"}}' };
      return { ok: true, data: v as Record<string, Expr> };
    } catch (e) {
      return { ok: false, message: `must be JSON: ${(e as Error).message}` };
    }
  }
  const names = t.split(',').map((x) => x.trim());
  const bad = names.find((n) => !NAME.test(n));
  if (bad !== undefined) return { ok: false, message: `"${bad}" is not a field name: list the fields to copy from the triggering event (orderId, amount), or write a JSON object` };
  return { ok: true, data: Object.fromEntries(names.map((n) => [n, { event: `data.${n}` }])) };
}
