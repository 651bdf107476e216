// What every generated handler uses: the event as a CloudEvent, the group's state, and the
// rules' semantics (first match, expressions, comparisons, keys, staged writes, errors that
// change nothing) as small readable functions. This file is copied verbatim into each
// project Eventfold generates; Eventfold's own tests check it against the simulation's rules
// (SPEC [H1]–[H7]).

/** A CloudEvents 1.0 event with Eventfold's extensions, as a handler sees it. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  data: unknown;
  partitionkey?: string;
  correlationid: string;
  causationid?: string;
  schemaversion: number;
  /** Where it was read from (not CloudEvents attributes: Kafka coordinates; unset for RabbitMQ). */
  partition?: number;
  offset?: number;
}

/** A handler that cannot handle an event: nothing it did is applied ([H6]). */
export class HandlerError extends Error {}

const own = (x: unknown, k: string): unknown => (x !== null && typeof x === 'object' && Object.prototype.hasOwnProperty.call(x, k) ? (x as Record<string, unknown>)[k] : undefined);

/** A field of the event by dotted path: `data.orderId`, `type`, `key` (the partition key), … ([H2]). */
export function field(event: CloudEvent, path: string): unknown {
  const [head, ...rest] = path.split('.');
  let x: unknown;
  switch (head) {
    case 'key':
    case 'partitionkey':
    case 'subject':
      x = event.partitionkey ?? event.subject;
      break;
    default:
      x = own(event, head);
  }
  for (const k of rest) x = x === undefined ? undefined : own(x, k);
  return x;
}

function stable(x: unknown): string {
  if (x === null || typeof x !== 'object') return JSON.stringify(x) ?? 'undefined';
  if (Array.isArray(x)) return `[${x.map(stable).join(',')}]`;
  return `{${Object.keys(x)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stable((x as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

/** `eq`: the same value, compared deeply ([H7]). */
export function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && stable(a) === stable(b));
}

/** `gt`, `gte`, `lt`, `lte`: numbers with numbers, text with text; anything else is false ([H7]). */
export function order(a: unknown, op: '>' | '>=' | '<' | '<=', b: unknown): boolean {
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return false;
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    default:
      return a <= b;
  }
}

/** A condition that may read a missing key: false rather than a failure (as a `failWhen` is read). */
export function holds(test: () => boolean): boolean {
  try {
    return test();
  } catch (e) {
    if (e instanceof HandlerError) return false;
    throw e;
  }
}

/** `exists`: present and not null. */
export const present = (x: unknown): boolean => x !== undefined && x !== null;

/** A table or effect key: text or a number, else the handler fails ([H4]). */
export function keyOf(x: unknown, what: string): string {
  if (typeof x === 'string' && x !== '') return x;
  if (typeof x === 'number') return String(x);
  throw new HandlerError(`the key for ${what} is ${x === undefined ? 'missing' : JSON.stringify(x)}: a key must be text or a number`);
}

/** JSON values only (undefined becomes null), copied. */
const json = (x: unknown): unknown => (x === undefined ? null : JSON.parse(JSON.stringify(x)));

/** A consumer group's state: tables of JSON values by key. In memory here: a real service keeps it in its database. */
export class Store {
  readonly tables = new Map<string, Map<string, unknown>>();
  read(table: string, key: string): unknown {
    return this.tables.get(table)?.get(key);
  }
  write(table: string, key: string, value: unknown): void {
    if (!this.tables.has(table)) this.tables.set(table, new Map());
    this.tables.get(table)!.set(key, value);
  }
  /** The tables as plain objects, for logs and tests. */
  snapshot(): Record<string, Record<string, unknown>> {
    return Object.fromEntries([...this.tables].map(([t, rows]) => [t, Object.fromEntries(rows)]));
  }
}

export interface Emit {
  topic: string;
  type: string;
  key: string | null;
  data: unknown;
}

/**
 * One handling of one event: reads see the writes made earlier in it; nothing reaches the
 * store, the broker or the outside world until `apply`, and a HandlerError drops it all.
 */
export class Handling {
  readonly writes: { table: string; key: string; value: unknown }[] = [];
  readonly emits: Emit[] = [];
  readonly effects: { name: string; key: string }[] = [];
  readonly commands: { aggregate: string; command: string; stream: string; data: unknown }[] = [];
  constructor(
    readonly event: CloudEvent,
    private readonly store: Store,
  ) {}

  read(table: string, key: string): unknown {
    for (const w of this.writes) if (w.table === table && w.key === key) return w.value;
    return this.store.read(table, key);
  }
  set(table: string, key: string, value: unknown): void {
    const w = this.writes.find((x) => x.table === table && x.key === key);
    if (w) w.value = json(value);
    else this.writes.push({ table, key, value: json(value) });
  }
  /** `increment` (or `decrement` with a negative sign): a missing value counts as 0 ([H3]). */
  add(table: string, key: string, amount: unknown, sign: 1 | -1 = 1): void {
    const current = this.read(table, key) ?? 0;
    const verb = sign === 1 ? 'incremented' : 'decremented';
    if (typeof current !== 'number') throw new HandlerError(`${table}[${key}] is ${JSON.stringify(current)}, not a number, so it cannot be ${verb}`);
    if (typeof amount !== 'number') throw new HandlerError(`cannot change ${table}[${key}] by ${amount === undefined ? 'a missing value' : JSON.stringify(amount)}: it must be a number`);
    this.set(table, key, current + sign * amount);
  }
  /** `append` to a list; a missing one is empty ([H3]). */
  append(table: string, key: string, value: unknown): void {
    const current = this.read(table, key) ?? [];
    if (!Array.isArray(current)) throw new HandlerError(`${table}[${key}] is ${JSON.stringify(current)}, not a list, so nothing can be appended to it`);
    this.set(table, key, [...current, json(value)]);
  }
  /** Publishes an event after the handling: the handled event's data unless `data` is given ([H5]). */
  emit(topic: string, type: string, key: unknown, data?: Record<string, unknown>): void {
    const k = key === undefined || key === null ? null : String(key);
    const body = data === undefined ? json(this.event.data) : Object.fromEntries(Object.entries(data).map(([f, v]) => [f, json(v)]));
    this.emits.push({ topic, type, key: k, data: body });
  }
  /** A side effect such as "charge card": counted per key (a real service calls the outside world here). */
  effect(name: string, key: string): void {
    this.effects.push({ name, key });
  }
  /** A command to an aggregate. Aggregates are not part of the generated project: it is logged. */
  command(aggregate: string, command: string, stream: string, data: Record<string, unknown> = {}): void {
    this.commands.push({ aggregate, command, stream, data: json(data) });
  }
  /** Writes the staged state. */
  apply(): void {
    for (const w of this.writes) this.store.write(w.table, w.key, w.value);
  }
}

const PLACEHOLDER = /\{(n|rand:(-?\d+)-(-?\d+))\}/g;

/**
 * A template value filled in ([P4]): `{n}` becomes the producer's event count (from 1),
 * `{rand:MIN-MAX}` a whole number between MIN and MAX; a string that is exactly one
 * placeholder becomes a number.
 */
export function fill(x: unknown, n: number, random: () => number = Math.random): unknown {
  const draw = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  if (typeof x === 'string') {
    const whole = /^\{(n|rand:(-?\d+)-(-?\d+))\}$/.exec(x);
    if (whole) return whole[1] === 'n' ? n : draw(Number(whole[2]), Number(whole[3]));
    return x.replace(PLACEHOLDER, (_, what: string, lo: string, hi: string) => String(what === 'n' ? n : draw(Number(lo), Number(hi))));
  }
  if (Array.isArray(x)) return x.map((v) => fill(v, n, random));
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, fill(v, n, random)]));
  return x;
}

/** What a generated handler is: the rules of one consumer as code. Returns the matching rule's number (1-based), or 0. */
export type Handler = (event: CloudEvent, h: Handling) => number;

// ---------------------------------------------------------------------------- events and handling, any broker

/** What a producer's template publishes; `amqp` set: to a RabbitMQ exchange (or a queue through the default exchange), else to the Kafka topic `topic`. */
export interface Template {
  type: string;
  key: string | null;
  data: unknown;
  /** The scenario node it goes to (a Kafka topic's name, or the exchange or queue). */
  topic: string;
  schemaVersion: number;
  amqp?: {
    /** The exchange ('' is RabbitMQ's default exchange, which delivers to the queue named by the routing key). */
    exchange: string;
    /** With `{n}` and `{rand:MIN-MAX}` fillers; null: the event type ([AM2]). */
    routingKey: string | null;
    headers?: Record<string, string | number | boolean>;
    /** Per-message TTL (the `expiration` property). */
    expirationMs?: number;
    /** Unroutable: returned to the producer (basic.return) instead of dropped. */
    mandatory?: boolean;
  };
}

/** A producer of the scenario: its templates, and whether the broker drops its retried duplicates. */
export interface ProducerSpec {
  id: string;
  idempotent: boolean;
  /** Kafka's acks when not all (-1, the default): 1 the leader only, 0 none. */
  acks?: 0 | 1;
  templates: readonly Template[];
}

let counter = 0;
/** A new event id: unique per process run (the simulation numbers them evt-0, evt-1, …). */
export const newId = (): string => `evt-${Date.now().toString(36)}-${(counter++).toString(36)}`;

const fired = new Map<string, number>();

/**
 * A new event from a producer's template (its own correlation id, [E3]), with `{n}` the
 * producer's count of events in this run (from 1) and `{rand:MIN-MAX}` drawn. `n` is
 * returned for the template's other fillers (a routing key, headers).
 */
export function newEvent(spec: ProducerSpec, template: number): { event: CloudEvent; template: Template; n: number } {
  const t = spec.templates[template];
  if (!t) throw new Error(`${spec.id} has no template ${template} (it has ${spec.templates.length})`);
  const n = (fired.get(spec.id) ?? 0) + 1;
  fired.set(spec.id, n);
  const key = t.key === null ? null : String(fill(t.key, n));
  const id = newId();
  const event: CloudEvent = {
    specversion: '1.0',
    id,
    source: `/eventfold/${spec.id}`,
    type: t.type,
    time: new Date().toISOString(),
    ...(key ? { subject: key } : {}),
    datacontenttype: 'application/json',
    data: fill(t.data, n),
    ...(key !== null ? { partitionkey: key } : {}),
    correlationid: id,
    schemaversion: t.schemaVersion,
  };
  return { event, template: t, n };
}

/** An event emitted while `source` handled `cause`: caused by it, in its conversation ([E3]). */
export function emitted(source: string, cause: CloudEvent, e: Emit): CloudEvent {
  const id = newId();
  return {
    specversion: '1.0',
    id,
    source: `/eventfold/${source}`,
    type: e.type,
    time: new Date().toISOString(),
    ...(e.key ? { subject: e.key } : {}),
    datacontenttype: 'application/json',
    data: e.data,
    ...(e.key !== null ? { partitionkey: e.key } : {}),
    correlationid: cause.correlationid,
    causationid: cause.id,
    schemaversion: 1,
  };
}

/** Publishes an event to a scenario node (a topic, an exchange, a queue), on whichever broker carries it. */
export type Send = (to: string, e: CloudEvent) => Promise<void>;

/** What a running consumer did, for logs and tests. */
export interface ConsumerStats {
  handled: number;
  ignored: number;
  duplicates: number;
  failed: number;
  deadLettered: number;
  effects: Map<string, number>;
  commands: { aggregate: string; command: string; stream: string }[];
}

export const newStats = (): ConsumerStats => ({ handled: 0, ignored: 0, duplicates: 0, failed: 0, deadLettered: 0, effects: new Map(), commands: [] });

/** Who handles: its id, and how it absorbs duplicates (`processed-ids`: skip an event id already handled, kept with the state). */
export interface HandlerSpec {
  id: string;
  idempotency: 'none' | 'processed-ids' | 'processed-ids-separate' | 'version' | 'natural';
}

/**
 * One attempt at one event, as the simulation does it: the handler's writes, emits and
 * effects apply together, or not at all when it fails (a HandlerError: the error is
 * returned, for the caller to retry, dead-letter or nack).
 */
export async function handleOnce(spec: HandlerSpec, handle: Handler, event: CloudEvent, store: Store, stats: ConsumerStats, send: Send, log: (line: string) => void = console.log): Promise<'handled' | 'ignored' | 'duplicate' | HandlerError> {
  const remembers = spec.idempotency !== 'none' && spec.idempotency !== 'natural';
  if (remembers && store.read('_processed', event.id) === true) {
    stats.duplicates++;
    log(`${spec.id}: ${event.type} ${event.id} already handled: skipped`);
    return 'duplicate';
  }
  const h = new Handling(event, store);
  try {
    if (handle(event, h) === 0) {
      stats.ignored++;
      return 'ignored';
    }
  } catch (err) {
    if (!(err instanceof HandlerError)) throw err;
    stats.failed++;
    return err;
  }
  for (const fx of h.effects) {
    const k = `${fx.name}:${fx.key}`;
    stats.effects.set(k, (stats.effects.get(k) ?? 0) + 1);
    log(`${spec.id}: effect ${fx.name} for ${fx.key}`);
  }
  h.apply();
  if (remembers) store.write('_processed', event.id, true);
  for (const c of h.commands) {
    stats.commands.push({ aggregate: c.aggregate, command: c.command, stream: c.stream });
    log(`${spec.id}: command ${c.command} to ${c.aggregate} for ${c.stream} (aggregates are not generated: see the README)`);
  }
  for (const e of h.emits) await send(e.topic, emitted(spec.id, event, e));
  stats.handled++;
  return 'handled';
}
