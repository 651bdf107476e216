// Read-only queries for event sourcing and conversations, answered from the engine at the
// playhead: a stream's fold event by event ([A1], [A5]) and one conversation as a
// sequence of messages ([E4]). Plain, structured-cloneable data; api.ts exposes them.
import type { Engine, Scenario, TraceStep } from '../engine/index.ts';
import { sequenceOf, toMermaid, type Sequence } from '../engine/sequence.ts';
import type { Json } from '../engine/json.ts';

/** One event of a stream and the state folded up to and including it. */
export interface FoldStep {
  /** The stream's version after this event (1 for the first). */
  version: number;
  eventId: string;
  type: string;
  data: Json;
  /** The stream's state after this event (tables of the aggregate, this stream's row). */
  state: Record<string, Json>;
  /** A snapshot of the stream was taken right after this event ([A5]). */
  snapshot: boolean;
  /** The trace step that appended it (null if not recorded). */
  appendedAt: number | null;
}

export interface StreamFold {
  aggregate: string;
  stream: string;
  /** The aggregate's snapshotEvery (null: no snapshots). */
  snapshotEvery: number | null;
  /** Every event of the stream at the playhead, oldest first. */
  events: FoldStep[];
}

const CHUNK = 4096;

/** Trace steps [0, to) in chunks, visited in order. */
function eachStep(e: Engine, to: number, visit: (st: TraceStep) => void): void {
  for (let at = 0; at < to; at += CHUNK) for (const st of e.steps(at, Math.min(to, at + CHUNK))) visit(st);
}

/**
 * A stream's fold at the playhead ([A1]): its events with the state after each, where a
 * snapshot was taken ([A5]: after an append whose events cross a multiple of
 * `snapshotEvery`) and the step that appended each. Null when `aggregate` is not one.
 */
export function streamFold(e: Engine, scenario: Scenario, aggregate: string, stream: string): StreamFold | null {
  const spec = scenario.nodes.find((n) => n.id === aggregate);
  if (!spec || spec.kind !== 'aggregate') return null;
  const history = e.streamHistory(aggregate, stream);
  // Each append step names the first event it wrote: the batches of the stream.
  const appendOf = new Map<string, number>();
  eachStep(e, e.step, (st) => {
    if (st.kind === 'append' && st.node === aggregate && st.key === stream && st.eventId) appendOf.set(st.eventId, st.seq);
  });
  const every = spec.config.snapshotEvery;
  const events: FoldStep[] = [];
  let batchStart = 0; // version before the batch the current event belongs to
  let appendedAt: number | null = null;
  history.forEach((h, i) => {
    if (appendOf.has(h.eventId) || i === 0) {
      batchStart = i;
      appendedAt = appendOf.get(h.eventId) ?? null;
    }
    const next = history[i + 1];
    const endsBatch = !next || appendOf.has(next.eventId);
    const snapshot = every !== null && endsBatch && Math.floor(batchStart / every) !== Math.floor(h.version / every);
    events.push({ version: h.version, eventId: h.eventId, type: h.type, data: h.data, state: h.state, snapshot, appendedAt });
  });
  return { aggregate, stream, snapshotEvery: every, events };
}

/** One conversation, as messages and as Mermaid text, with the step where it stopped. */
export interface Conversation {
  sequence: Sequence;
  mermaid: string;
  /** Where it stopped at the playhead: a failure nothing travelled on from, else the last message between two nodes (null: nothing yet). */
  stopped: { seq: number; label: string; failed: boolean } | null;
  /** Messages recorded after the playhead (the known future, after a step back). */
  later: number;
}

/** The conversation of one correlation id up to the playhead ([E4]). */
export function conversation(e: Engine, correlation: string): Conversation {
  const steps: TraceStep[] = [];
  const future: TraceStep[] = [];
  for (let at = 0; at < e.horizon; at += CHUNK) {
    for (const st of e.steps(at, Math.min(e.horizon, at + CHUNK))) {
      if (st.correlationId === correlation) (st.seq < e.step ? steps : future).push(st);
    }
  }
  const sequence = sequenceOf(steps, correlation);
  const later = sequenceOf(future, correlation).messages.length;
  // [E5] Where it stopped: at a failure nothing travelled on from (no message to another
  // node after it), else at the last message between two nodes (a commit after it is
  // bookkeeping), else at its last message.
  const ms = sequence.messages;
  let lastMove = -1;
  let lastFail = -1;
  ms.forEach((m, i) => {
    if (m.from !== m.to) lastMove = i;
    if (m.failed) lastFail = i;
  });
  const at = lastFail >= 0 && lastFail >= lastMove ? ms[lastFail] : lastMove >= 0 ? ms[lastMove] : ms.at(-1);
  return {
    sequence,
    mermaid: toMermaid(sequence),
    stopped: at ? { seq: at.seq, label: at.label, failed: at.failed } : null,
    later,
  };
}
