// The rule builder's one-line fields read back as rule expressions: an event field
// (`data.orderId`), a value of one of the group's own tables (`paid[data.orderId]`, the
// way a rule's sentence writes it), or a fixed value (a number, true/false/null, else text).
// Reading a table is what makes a state-conditional update — "only where the order is
// still unpaid", a compare-and-swap — possible from the form.
import type { Expr } from '../../engine/scenario.ts';

const EVENT_FIELD = /^(data|type|subject|id|source|partitionkey|correlationid|causationid|key)(\.[A-Za-z0-9_]+)*$/;
const TABLE_READ = /^([A-Za-z0-9_-]{1,64})\[(.+)\]$/;

/** Text from a builder field → an expression ([H2]). */
export function parseExpr(text: string): Expr {
  const t = text.trim();
  if (EVENT_FIELD.test(t)) return { event: t };
  const read = TABLE_READ.exec(t);
  if (read) return { state: read[1], key: parseExpr(read[2]) };
  if (t === 'true' || t === 'false') return t === 'true';
  if (t === 'null') return null;
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}
