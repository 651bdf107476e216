// The catalogue of node kinds: what the app says of each (palette label and hint), what a
// new one starts with, which connections a newer kind takes, and checks its schema alone
// cannot make. Plain data and small functions, no schema library: the first screen reads it
// (the palette) without loading the scenario schemas. Each kind's schema is in scenario.ts.
import type { Json } from './json.ts';
import { subjectProblems, type Subject } from './kinds/registry-rules.ts';

/** `a, b or c`. */
export const kindList = (kinds: readonly string[]) => (kinds.length < 2 ? kinds.join('') : `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`);

/** What the app says of a node kind, and which connections a newer kind takes. */
export interface KindInfo {
  /** Its name in the palette and in a new node's label. */
  label: string;
  /** One line under the name: what it is for. */
  hint: string;
  /** Kinds it may connect to ([F5]); the first kinds' connections are written out in `connectionProblem`. */
  feeds?: readonly string[];
  /** Kinds that may connect to it. */
  accepts?: readonly string[];
  /** Its config when added from the palette (restoreScenario's defaults fill the rest). */
  starter?: (id: string) => Record<string, unknown>;
  /** What is wrong with a node's config beyond its schema, given the nodes it is connected to; paths are relative to `config`. */
  check?: (config: never, wiredTo: readonly string[]) => { path: string; message: string }[];
}

/** Every node kind, in palette order. The engine runs each through its module in kinds/. */
export const KIND_INFO = {
  producer: {
    label: 'Producer',
    hint: 'a service that publishes events',
    starter: () => ({ templates: [{ type: 'OrderPlaced', key: 'ORD-{n}', data: { orderId: 'ORD-{n}', total: 10 } }] }),
    // [KR4] Kafka refuses an idempotent producer that does not wait for every in-sync replica.
    check: (config: { idempotent: boolean; acks?: 0 | 1 | 'all' }) =>
      config.idempotent && config.acks !== undefined && config.acks !== 'all' ? [{ path: 'acks', message: `an idempotent producer needs acks=all (Kafka refuses enable.idempotence with acks=${config.acks}): set acks to all, or turn idempotence off` }] : [],
  },
  topic: {
    label: 'Topic',
    hint: 'a partitioned log, read by consumer groups',
    starter: () => ({ partitions: 1 }),
    check: (config: { replicationFactor?: number; minInsyncReplicas?: number; retentionMs?: number | null; retentionRecords?: number | null; compactEveryMs?: number | null }) => {
      const rf = config.replicationFactor ?? 1;
      const out: { path: string; message: string }[] = [];
      if ((config.minInsyncReplicas ?? 1) > rf) out.push({ path: 'minInsyncReplicas', message: `must be at most the replication factor (${rf}): with fewer copies than that, every acks=all write would be refused` });
      // [KR1] A failover cuts the log back and appends anew at the same offsets; retention and compaction keep per-offset schedules that this would confuse.
      if (rf > 1 && (config.retentionMs != null || config.retentionRecords != null || config.compactEveryMs != null)) {
        out.push({ path: 'replicationFactor', message: 'a replicated topic cannot also have retention or compaction here: remove one of them (Eventfold models them apart)' });
      }
      return out;
    },
  },
  consumer: { label: 'Consumer', hint: 'a group member that handles events by rules', starter: (id: string) => ({ group: id, commit: 'after', rules: [] }) },
  queue: { label: 'Queue', hint: 'competing consumers, acks, dead letters' },
  projection: { label: 'Projection', hint: 'a read model built from topics' },
  aggregate: { label: 'Aggregate', hint: 'an event-sourced entity taking commands' },
  saga: { label: 'Saga', hint: 'a process manager with compensations' },
  'event-bus': {
    label: 'Event bus',
    hint: 'routes events to targets by rules on their fields',
    accepts: ['producer', 'consumer'],
    feeds: ['topic', 'queue'],
    check: (config: { rules: { pattern: Json; targets: string[] }[] }, wiredTo: readonly string[]) =>
      config.rules.flatMap((r, i) => [
        ...patternProblems(r.pattern, `rules[${i}].pattern`),
        ...r.targets.flatMap((t, j) => (wiredTo.includes(t) ? [] : [{ path: `rules[${i}].targets[${j}]`, message: `"${t}" is not a topic or queue the bus is connected to` }])),
      ]),
  },
  sns: { label: 'SNS topic', hint: 'fans each message out to its subscribed queues', feeds: ['queue'], accepts: ['producer', 'consumer'], starter: () => ({ subscriptions: [] }) },
  exchange: {
    label: 'Exchange',
    hint: 'AMQP routing: direct, fanout, topic, headers',
    feeds: ['queue', 'exchange'],
    accepts: ['producer', 'consumer', 'queue', 'exchange'],
    starter: () => ({ type: 'topic' }),
  },
  pubsub: { label: 'Pub/sub channel', hint: 'Redis-style: pushed to subscribers that are up, kept nowhere', feeds: ['consumer'], accepts: ['producer', 'consumer'] },
  registry: {
    label: 'Schema registry',
    hint: 'versions of each event type, kept compatible',
    feeds: [],
    accepts: [],
    starter: () => ({ subjects: [{ subject: 'OrderPlaced', compatibility: 'backward', versions: [{ fields: [{ name: 'orderId', type: 'string' }, { name: 'total', type: 'number' }] }] }] }),
    check: (config: { subjects: Subject[] }) =>
      config.subjects.flatMap((s, i) => [
        ...(config.subjects.findIndex((x) => x.subject === s.subject) < i ? [{ path: `subjects[${i}].subject`, message: `"${s.subject}" is already a subject of this registry` }] : []),
        ...subjectProblems(s).map((e) => ({ path: `subjects[${i}].${e.path}`, message: e.message })),
      ]),
  },
  service: {
    label: 'Service',
    hint: 'answers requests, calling other services and waiting for each reply',
    accepts: ['producer', 'service'],
    feeds: ['service', 'topic', 'queue'],
    starter: () => ({ processingMs: 10, concurrency: 2, timeoutMs: 100 }),
  },
  stream: {
    label: 'Stream processor',
    hint: 'windowed counts and stream-table joins (Kafka Streams)',
    accepts: ['topic'],
    feeds: ['topic'],
    starter: () => ({ emitType: 'WindowResult', window: { sizeMs: 60_000, aggregate: 'count' } }),
    check: (config: { window: { sizeMs: number; advanceMs?: number; aggregate: string; field?: string } | null; join: unknown }) => windowProblems(config),
  },
} satisfies Record<string, KindInfo>;


/** Why an event pattern is malformed, as field errors relative to `path` ([B1]). */
export function patternProblems(pattern: Json, path: string): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const TOP = ['type', 'source', 'subject', 'data'];
  const scalar = (x: unknown) => x === null || ['string', 'number', 'boolean'].includes(typeof x);
  const walk = (p: Json, at: string, top: boolean) => {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) return out.push({ path: at, message: 'must be an object of fields' });
    const keys = Object.keys(p);
    if (keys.length === 0) return out.push({ path: at, message: top ? 'needs at least one field to match, such as {"type": ["OrderPlaced"]}' : 'needs at least one field' });
    for (const k of keys) {
      const x = (p as Record<string, Json>)[k];
      const here = `${at}.${k}`;
      if (top && !TOP.includes(k)) {
        out.push({ path: here, message: `events have ${TOP.join(', ')} (fields of the data go under "data")` });
        continue;
      }
      if (!Array.isArray(x)) {
        if (top && k !== 'data') out.push({ path: here, message: 'must be a list of matchers, such as ["OrderPlaced"]' });
        else walk(x, here, false);
        continue;
      }
      if (x.length === 0) out.push({ path: here, message: 'needs at least one matcher' });
      x.forEach((m, i) => {
        const mp = `${here}[${i}]`;
        if (scalar(m)) return;
        if (Array.isArray(m) || m === null || typeof m !== 'object' || Object.keys(m).length !== 1) return out.push({ path: mp, message: 'must be a value or one of {"prefix"}, {"anything-but"}, {"numeric"}, {"exists"}' });
        const [op, arg] = Object.entries(m)[0];
        if (op === 'prefix') {
          if (typeof arg !== 'string') out.push({ path: `${mp}.prefix`, message: 'must be text' });
        } else if (op === 'anything-but') {
          if (!scalar(arg) && !(Array.isArray(arg) && arg.length > 0 && arg.every(scalar))) out.push({ path: `${mp}.anything-but`, message: 'must be a value or a list of values' });
        } else if (op === 'exists') {
          if (typeof arg !== 'boolean') out.push({ path: `${mp}.exists`, message: 'must be true or false' });
        } else if (op === 'numeric') {
          const ok = Array.isArray(arg) && (arg.length === 2 || arg.length === 4) && arg.every((a, j) => (j % 2 === 0 ? ['=', '<', '<=', '>', '>='].includes(a as string) : typeof a === 'number'));
          if (!ok) out.push({ path: `${mp}.numeric`, message: 'must be [op, number] or [op, number, op, number] with op one of = < <= > >=' });
        } else out.push({ path: mp, message: `"${op}" is not a matcher: use prefix, anything-but, numeric or exists` });
      });
    }
  };
  walk(pattern, path, true);
  return out;
}


/** What is wrong with a stream processor's window beyond its schema ([WN1]), at its field. */
export function windowProblems(config: { window: { sizeMs: number; advanceMs?: number; aggregate: string; field?: string } | null; join: unknown }): { path: string; message: string }[] {
  const w = config.window;
  if (!w) return [];
  const out: { path: string; message: string }[] = [];
  if (w.advanceMs !== undefined && w.advanceMs > w.sizeMs) out.push({ path: 'window.advanceMs', message: `must be at most the window size (${w.sizeMs} ms): windows that advance by more than their size leave gaps where events count in no window` });
  if (w.advanceMs !== undefined && w.sizeMs % w.advanceMs !== 0) out.push({ path: 'window.advanceMs', message: `must divide the window size (${w.sizeMs} ms) so each event falls in the same number of windows, such as ${w.sizeMs / 2} or ${w.sizeMs / 4}` });
  if (w.aggregate !== 'count' && w.field === undefined) out.push({ path: 'window.field', message: `${w.aggregate} needs the number to ${w.aggregate === 'sum' ? 'add up' : 'compare'}: a data field such as data.amount` });
  return out;
}
