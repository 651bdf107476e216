// AsyncAPI 3.0 out of a scenario, and a scenario out of an AsyncAPI 3 document.
//
// Export: the scenario's topics and queues become channels (Kafka bindings with the
// partition count; AMQP queue bindings), every event type a message (payload schema from the
// templates and rules, CloudEvents attributes as headers as in the CloudEvents Kafka binding,
// the key in the Kafka message binding), and what each node does with a channel an
// operation (`send` or `receive`, named after the node in `x-eventfold-node`). What AsyncAPI
// cannot say (handler rules, faults, invariants, positions) travels in the root extension
// `x-eventfold`: the scenario itself, so a round trip loses nothing.
//
// Import: a document with `x-eventfold` opens as that scenario, with its channels checked
// against the document's (partitions from the Kafka bindings win; channels only in one of
// them are named). Any other AsyncAPI 3 document is read from its standard parts: channels
// become topics or queues, the application's `send` operations a producer with a template
// per message, its `receive` operations a consumer without rules. Every part that is not
// used is named in `notes`; nothing is dropped silently. Either way the result comes in
// through restoreScenario, the one door.
import type { FieldError, NodeSpec, Scenario } from '../engine/index.ts';
import { restoreScenario, SCENARIO_FORMAT, SCENARIO_VERSION } from '../engine/index.ts';
import { kafkaTopicConfig } from './kafka-config.ts';

export const ASYNCAPI_VERSION = '3.0.0';
/** Largest document read (text characters). */
export const MAX_ASYNCAPI_CHARS = 5 * 1024 * 1024;

type Obj = Record<string, unknown>;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);

/** The node kinds that carry messages between nodes: each becomes a channel. */
const CHANNEL_KINDS = new Set<string>(['topic', 'queue', 'exchange', 'sns', 'pubsub', 'event-bus']);
const isChannelKind = (kind: string) => CHANNEL_KINDS.has(kind);
/** What a channel of a kind without an AsyncAPI binding of its own is, for its description. */
const CHANNEL_TEXT: Record<string, string> = {
  sns: 'An SNS-style topic: fans each message out to its subscribed queues (subscriptions and filter policies are in x-eventfold).',
  pubsub: 'A Redis-style pub/sub channel: pushed to the subscribers that are up, kept nowhere.',
  'event-bus': 'An event bus: routes each event to topics and queues by rules on its fields (the rules are in x-eventfold).',
};

// ---------------------------------------------------------------------------- export

/** Component and channel keys must match ^[A-Za-z0-9.\-_]+$: node ids may also hold ':'. */
function keyMaker() {
  const used = new Map<string, string>();
  const taken = new Set<string>();
  return (raw: string): string => {
    const known = used.get(raw);
    if (known) return known;
    const base = raw.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80) || 'x';
    let k = base;
    for (let n = 2; taken.has(k); n++) k = `${base}_${n}`;
    used.set(raw, k);
    taken.add(k);
    return k;
  };
}

/** A JSON Schema describing a sample value (what the templates send). */
export function schemaOf(value: unknown): Obj {
  if (value === null) return { type: 'null' };
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'integer' : 'number' };
  if (typeof value === 'string') return { type: 'string' };
  if (Array.isArray(value)) return value.length > 0 ? { type: 'array', items: schemaOf(value[0]) } : { type: 'array' };
  if (isObj(value)) return { type: 'object', properties: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, schemaOf(v)])) };
  return {};
}

/** A rule's data fields: literals typed, `{event: …}` / `{state: …}` values left open. */
function schemaOfFields(data: Record<string, unknown> | undefined): Obj {
  const props = Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, isObj(v) ? { description: `from ${JSON.stringify(v)}` } : schemaOf(v)]));
  return { type: 'object', properties: props };
}

/** The CloudEvents attributes, as Kafka headers in binary mode (CloudEvents Kafka binding). */
const CLOUDEVENTS_HEADERS = {
  type: 'object',
  description: 'CloudEvents 1.0 attributes in binary content mode (ce_ headers); the message value is the event data.',
  properties: {
    ce_specversion: { type: 'string', const: '1.0' },
    ce_id: { type: 'string' },
    ce_source: { type: 'string', format: 'uri-reference' },
    ce_type: { type: 'string' },
    ce_time: { type: 'string', format: 'date-time' },
    ce_subject: { type: 'string' },
    ce_partitionkey: { type: 'string' },
    ce_correlationid: { type: 'string' },
    ce_causationid: { type: 'string' },
    ce_schemaversion: { type: 'string' },
    'content-type': { type: 'string', const: 'application/json' },
  },
  required: ['ce_specversion', 'ce_id', 'ce_source', 'ce_type'],
};

interface Flow {
  /** Event type → a sample payload schema and whether it is keyed. */
  messages: Map<string, { payload: Obj; keyed: boolean; example?: unknown }>;
  /** Channel id → event types that go into it. */
  into: Map<string, Set<string>>;
}

/** Which event types go into which channel, with what data. */
function flows(s: Scenario): Flow {
  const messages: Flow['messages'] = new Map();
  const into: Flow['into'] = new Map();
  const channels = new Set(s.nodes.filter((n) => isChannelKind(n.kind)).map((n) => n.id));
  const outOf = (id: string) => s.edges.filter((e) => e.source === id && channels.has(e.target)).map((e) => e.target);
  const note = (type: string, payload: Obj, keyed: boolean, example?: unknown) => {
    if (!messages.has(type)) messages.set(type, { payload, keyed, ...(example !== undefined ? { example } : {}) });
    else if (keyed) messages.get(type)!.keyed = true;
  };
  const put = (channel: string | undefined, type: string) => {
    if (!channel || !channels.has(channel)) return;
    if (!into.has(channel)) into.set(channel, new Set());
    into.get(channel)!.add(type);
  };
  for (const n of s.nodes) {
    if (n.kind === 'producer') {
      const wired = outOf(n.id);
      for (const t of n.config.templates) {
        note(t.type, schemaOf(t.data ?? {}), t.key !== undefined && t.key !== null, t.data);
        put(t.topic ?? (wired.length === 1 ? wired[0] : undefined), t.type);
      }
    } else if (n.kind === 'consumer' || n.kind === 'projection') {
      for (const r of n.config.rules) {
        for (const a of r.do) {
          if (a.do !== 'emit') continue;
          note(a.type, schemaOfFields(a.data), a.key !== undefined);
          put(a.topic, a.type);
        }
      }
    } else if (n.kind === 'saga') {
      const sends = [...n.config.steps.flatMap((st) => [st.command, ...(st.compensation ? [st.compensation] : [])]), n.config.onCompleted, n.config.onCompensated];
      for (const m of sends) {
        if (!m) continue;
        note(m.type, schemaOfFields(m.data), true);
        put(m.topic, m.type);
      }
    } else if (n.kind === 'aggregate') {
      const wired = outOf(n.id);
      for (const c of n.config.commands) {
        for (const ev of c.emit) {
          note(ev.type, schemaOfFields(ev.data), true);
          for (const w of wired) put(w, ev.type);
        }
      }
    }
  }
  return { messages, into };
}

/** A subject's latest version as the message's JSON Schema: its fields, required unless they have a default. */
function registrySchema(subject: { subject: string; compatibility: string; versions: { fields: { name: string; type: string; default?: Json }[] }[] }): Obj {
  const latest = subject.versions[subject.versions.length - 1];
  return {
    type: 'object',
    properties: Object.fromEntries(latest.fields.map((f) => [f.name, { ...(f.type === 'any' ? {} : { type: f.type }), ...(f.default !== undefined ? { default: f.default } : {}) }])),
    required: latest.fields.filter((f) => f.default === undefined).map((f) => f.name),
    additionalProperties: false,
    'x-eventfold-schema-version': subject.versions.length,
    'x-eventfold-compatibility': subject.compatibility.toUpperCase(),
  };
}

/** A topic's retention and compaction as the Kafka binding's topicConfiguration ([RT1], [RT5]). */
function topicConfiguration(c: { retentionMs?: number | null; compactEveryMs?: number | null }): Obj {
  const k = kafkaTopicConfig(c);
  return k ? { topicConfiguration: { 'cleanup.policy': k.cleanupPolicy, 'retention.ms': k.retentionMs } } : {};
}

/** The scenario as an AsyncAPI 3.0.0 document (a plain object: JSON or YAML it). */
export function toAsyncApi(s: Scenario): Obj {
  const key = keyMaker();
  const msgKey = keyMaker();
  const { messages, into } = flows(s);
  const hasQueue = s.nodes.some((n) => n.kind === 'queue' || n.kind === 'exchange');
  const hasTopic = s.nodes.some((n) => n.kind === 'topic');
  const servers: Obj = {};
  if (hasTopic || !hasQueue) servers.kafka = { host: 'localhost:9092', protocol: 'kafka', description: 'The broker of the generated project (docker compose up): Redpanda, Kafka API.' };
  if (hasQueue) servers.rabbitmq = { host: 'localhost:5672', protocol: 'amqp', protocolVersion: '0.9.1', description: 'A RabbitMQ for the queues and exchanges.' };

  // A type the schema registry holds is described by its latest version ([SR1]).
  const registry = s.nodes.find((n) => n.kind === 'registry');
  const subjects = new Map(registry?.kind === 'registry' ? registry.config.subjects.map((x) => [x.subject, x]) : []);
  const componentsMessages: Obj = {};
  for (const [type, m] of messages) {
    const subject = subjects.get(type);
    if (subject) m.payload = registrySchema(subject);
    const k = msgKey(type);
    componentsMessages[k] = {
      name: type,
      title: type,
      contentType: 'application/json',
      headers: CLOUDEVENTS_HEADERS,
      payload: m.payload,
      ...(m.example !== undefined ? { examples: [{ name: 'template', payload: m.example as Json }] } : {}),
      ...(m.keyed ? { bindings: { kafka: { key: { type: 'string', description: 'The partition key (CloudEvents partitionkey)' }, bindingVersion: '0.5.0' } } } : {}),
    };
  }

  const channels: Obj = {};
  for (const n of s.nodes) {
    if (!isChannelKind(n.kind)) continue;
    const k = key(n.id);
    const msgs = Object.fromEntries([...(into.get(n.id) ?? [])].map((type) => [msgKey(type), { $ref: `#/components/messages/${msgKey(type)}` }]));
    let binding: Obj;
    if (n.kind === 'topic') binding = { servers: [{ $ref: '#/servers/kafka' }], bindings: { kafka: { topic: n.id, partitions: n.config.partitions, ...((n.config.replicationFactor ?? 1) > 1 ? { replicas: n.config.replicationFactor } : {}), ...topicConfiguration(n.config), bindingVersion: '0.5.0' } } };
    else if (n.kind === 'queue') binding = { servers: [{ $ref: '#/servers/rabbitmq' }], bindings: { amqp: { is: 'queue', queue: { name: n.id, durable: true, exclusive: false, autoDelete: false, vhost: '/' }, bindingVersion: '0.3.0' } } };
    else if (n.kind === 'exchange') binding = { servers: [{ $ref: '#/servers/rabbitmq' }], bindings: { amqp: { is: 'routingKey', exchange: { name: n.id, type: n.config.type, durable: true, autoDelete: false, vhost: '/' }, bindingVersion: '0.3.0' } } };
    else binding = { description: CHANNEL_TEXT[n.kind] ?? `A ${n.kind}.` };
    channels[k] = { address: n.id, title: n.label, messages: msgs, ...binding };
  }

  const operations: Obj = {};
  const kindOf = new Map(s.nodes.map((n) => [n.id, n]));
  for (const e of s.edges) {
    const from = kindOf.get(e.source);
    const to = kindOf.get(e.target);
    if (!from || !to) continue;
    const fromChannel = isChannelKind(from.kind);
    const toChannel = isChannelKind(to.kind);
    if (fromChannel === toChannel) continue; // node → node (command), or a queue's dead letters
    const node = fromChannel ? to : from;
    const channel = fromChannel ? from : to;
    const action = fromChannel ? 'receive' : 'send';
    const types = [...(into.get(channel.id) ?? [])];
    operations[key(`${node.id}.${action}.${channel.id}`)] = {
      action,
      channel: { $ref: `#/channels/${key(channel.id)}` },
      title: `${node.label} ${action === 'send' ? 'sends to' : 'receives from'} ${channel.label}`,
      ...(node.kind === 'consumer' && action === 'receive' ? { summary: `consumer group ${node.config.group}` } : {}),
      messages: types.map((type) => ({ $ref: `#/channels/${key(channel.id)}/messages/${msgKey(type)}` })),
      'x-eventfold-node': node.id,
    };
  }

  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: s.name,
      version: '1.0.0',
      ...(s.description ? { description: s.description } : {}),
      'x-eventfold-generated': 'by Eventfold from a scenario; the whole scenario (rules, faults, invariants) is in x-eventfold',
    },
    defaultContentType: 'application/json',
    servers,
    channels,
    operations,
    components: { messages: componentsMessages },
    'x-eventfold': { scenario: s },
  };
}

// ---------------------------------------------------------------------------- import

export type AsyncApiImport = { ok: true; scenario: Scenario; notes: string[] } | { ok: false; errors: FieldError[]; notes: string[] };

/** Reads an AsyncAPI document (an object already parsed from JSON or YAML). */
export function fromAsyncApi(doc: unknown): AsyncApiImport {
  const notes: string[] = [];
  if (!isObj(doc)) return refuse('(top level)', 'must be an AsyncAPI document (an object with "asyncapi": "3.0.0")', notes);
  const version = doc.asyncapi;
  if (typeof version !== 'string') return refuse('asyncapi', 'is missing: this is not an AsyncAPI document', notes);
  if (!/^3\.\d+\.\d+$/.test(version)) {
    const hint = version.startsWith('2.') ? ' Convert it first: `npx @asyncapi/cli convert <file> --target-version=3.0.0`.' : '';
    return refuse('asyncapi', `is ${version}: Eventfold reads AsyncAPI 3.${hint}`, notes);
  }
  const resolver = refs(doc, notes);
  const x = doc['x-eventfold'];
  if (isObj(x) && x.scenario !== undefined) {
    const own = restoreScenario(x.scenario);
    if (own.ok) return reconcile(own.value, doc, resolver, notes);
    notes.push(`x-eventfold.scenario is not a valid scenario (${own.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}): read from the standard parts instead.`);
  }
  return fromStandardParts(doc, resolver, notes);
}

function refuse(path: string, message: string, notes: string[]): AsyncApiImport {
  return { ok: false, errors: [{ path, message }], notes };
}

/** Follows `$ref`s inside the document (JSON pointers); an external one is named and read as {}. */
function refs(doc: Obj, notes: string[]) {
  const seen = new Set<string>();
  const deref = (value: unknown, depth = 0): unknown => {
    if (!isObj(value) || typeof value.$ref !== 'string') return value;
    const ref = value.$ref;
    if (!ref.startsWith('#/')) {
      if (!seen.has(ref)) notes.push(`$ref ${ref} points outside the document: it cannot be followed here, so it was read as empty.`);
      seen.add(ref);
      return {};
    }
    let at: unknown = doc;
    for (const part of ref.slice(2).split('/')) {
      const p = part.replace(/~1/g, '/').replace(/~0/g, '~');
      at = isObj(at) ? at[p] : Array.isArray(at) ? at[Number(p)] : undefined;
    }
    if (at === undefined) {
      if (!seen.has(ref)) notes.push(`$ref ${ref} points at nothing in the document: read as empty.`);
      seen.add(ref);
      return {};
    }
    return depth > 20 ? {} : deref(at, depth + 1);
  };
  return deref;
}

function idMaker(taken: Set<string> = new Set()) {
  return (raw: string, fallback: string): string => {
    const base = (raw.replace(/[^A-Za-z0-9_.:-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 56) || fallback).slice(0, 56);
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    return id;
  };
}

const text = (x: unknown, max: number): string | null => (typeof x === 'string' && x.trim() ? x.trim().slice(0, max) : null);

interface ChannelRead {
  key: string;
  id: string;
  label: string;
  kind: 'topic' | 'queue';
  partitions: number;
  retentionMs: number | null;
  compactEveryMs: number | null;
  /** Kafka binding's replicas, when above 1 ([KR1]). */
  replicas: number | null;
  /** Message key in the channel → the message object. */
  messages: Map<string, Obj>;
}

/** The document's channels as topics and queues, with what is not used named in `notes`. */
function readChannels(doc: Obj, deref: (v: unknown) => unknown, notes: string[], newId: (raw: string, fallback: string) => string): ChannelRead[] {
  const channels = isObj(doc.channels) ? doc.channels : {};
  const out: ChannelRead[] = [];
  for (const [key, raw] of Object.entries(channels)) {
    const ch = deref(raw);
    if (!isObj(ch)) {
      notes.push(`channels.${key} is not an object: skipped.`);
      continue;
    }
    const address = typeof ch.address === 'string' ? ch.address : null;
    if (ch.address === null) notes.push(`channels.${key} has no address (dynamic): named "${key}" instead.`);
    if (address && /\{[^}]+\}/.test(address)) notes.push(`channels.${key}: the address ${address} has parameters, which the simulation does not model: one topic stands for all of them.`);
    if (isObj(ch.parameters)) notes.push(`channels.${key}.parameters (${Object.keys(ch.parameters).join(', ')}) are not modelled.`);
    const bindings = isObj(deref(ch.bindings)) ? (deref(ch.bindings) as Obj) : {};
    let kind: 'topic' | 'queue' = 'topic';
    let partitions = 1;
    let retentionMs: number | null = null;
    let compactEveryMs: number | null = null;
    let replicas: number | null = null;
    for (const [b, v] of Object.entries(bindings)) {
      const binding = deref(v);
      if (b === 'kafka' && isObj(binding)) {
        if (typeof binding.partitions === 'number' && Number.isInteger(binding.partitions)) {
          partitions = Math.min(64, Math.max(1, binding.partitions));
          if (binding.partitions > 64) notes.push(`channels.${key}: ${binding.partitions} partitions is more than the simulation's 64: it has 64.`);
        }
        const conf = isObj(binding.topicConfiguration) ? binding.topicConfiguration : {};
        const ms = conf['retention.ms'];
        if (typeof ms === 'number' && ms > 0) retentionMs = Math.min(1e9, Math.max(1, Math.round(ms)));
        const policy = Array.isArray(conf['cleanup.policy']) ? conf['cleanup.policy'] : [];
        if (policy.includes('compact')) {
          compactEveryMs = 1000;
          notes.push(`channels.${key}: compacted (cleanup.policy compact); how often the log cleaner runs is not in the document: every 1000 ms.`);
        }
        if (policy.length > 0 && !policy.includes('delete') && retentionMs !== null) retentionMs = null;
        const confRest = Object.keys(conf).filter((k) => !['retention.ms', 'cleanup.policy'].includes(k));
        if (confRest.length > 0) notes.push(`channels.${key}.bindings.kafka.topicConfiguration: ${confRest.join(', ')} not modelled.`);
        if (typeof binding.replicas === 'number' && Number.isInteger(binding.replicas) && binding.replicas > 1) {
          if (retentionMs !== null || compactEveryMs !== null) notes.push(`channels.${key}: ${binding.replicas} replicas together with retention or compaction are not modelled: the topic is kept once.`);
          else {
            replicas = Math.min(5, binding.replicas);
            if (binding.replicas > 5) notes.push(`channels.${key}: ${binding.replicas} replicas is more than the simulation's 5: it has 5.`);
          }
        }
        const rest = Object.keys(binding).filter((k) => !['topic', 'partitions', 'replicas', 'bindingVersion', 'topicConfiguration'].includes(k));
        if (rest.length > 0) notes.push(`channels.${key}.bindings.kafka: ${rest.join(', ')} not modelled.`);
      } else if (b === 'amqp' && isObj(binding)) {
        if (binding.is === 'queue') kind = 'queue';
        else notes.push(`channels.${key}: an AMQP exchange is read as a topic (every subscriber gets every message): its bindings are not in the document, so draw it as an exchange in the app to route by key.`);
      } else if (['sqs', 'ibmmq', 'jms', 'anypointmq'].includes(b)) {
        kind = 'queue';
        notes.push(`channels.${key}: read as a queue from its ${b} binding (the binding's settings are not modelled).`);
      } else {
        notes.push(`channels.${key}.bindings.${b}: the ${b} protocol is not modelled: the channel becomes a topic.`);
      }
    }
    const messages = new Map<string, Obj>();
    if (isObj(ch.messages)) {
      for (const [mk, mv] of Object.entries(ch.messages)) {
        const m = deref(mv);
        if (isObj(m)) messages.set(mk, m);
      }
    }
    const name = address ?? key;
    out.push({ key, id: newId(name, 'channel'), label: text(ch.title, 80) ?? name.slice(0, 80), kind, partitions, retentionMs, compactEveryMs, replicas, messages });
  }
  return out;
}

/** A message's event type: its `name`, else its key. */
const typeOf = (m: Obj, key: string): string => text(m.name, 100) ?? key.slice(0, 100);

/** A payload to send: the first example, else the schema's examples/default/const, else {}. */
function exampleOf(m: Obj, deref: (v: unknown) => unknown): Json {
  if (Array.isArray(m.examples)) {
    for (const e of m.examples) if (isObj(e) && e.payload !== undefined) return e.payload as Json;
  }
  const schema = deref(m.payload);
  if (isObj(schema)) {
    if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0] as Json;
    if (schema.default !== undefined) return schema.default as Json;
    if (schema.const !== undefined) return schema.const as Json;
    if (isObj(schema.properties)) {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(schema.properties)) {
        const p = deref(v);
        out[k] = isObj(p) ? sampleOfType(p) : null;
      }
      return out;
    }
  }
  return {};
}
function sampleOfType(p: Obj): Json {
  if (Array.isArray(p.examples) && p.examples.length > 0) return p.examples[0] as Json;
  if (p.default !== undefined) return p.default as Json;
  if (p.const !== undefined) return p.const as Json;
  if (Array.isArray(p.enum) && p.enum.length > 0) return p.enum[0] as Json;
  switch (p.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return null;
  }
}

/** Parts of the document the simulation does not use, named once each. */
function unusedParts(doc: Obj, notes: string[]): void {
  // References to other files, wherever they are (iterative: a deep document cannot overflow it).
  const external = new Set<string>();
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (isObj(v)) {
      if (typeof v.$ref === 'string' && !v.$ref.startsWith('#')) external.add(v.$ref);
      stack.push(...Object.values(v));
    }
  }
  if (external.size > 0) notes.push(`References to other files cannot be followed here, so what they describe was read as empty: ${[...external].join(', ')}.`);
  if (isObj(doc.servers) && Object.keys(doc.servers).length > 0) notes.push(`servers (${Object.keys(doc.servers).join(', ')}): the simulation has no network addresses; the generated project has its own.`);
  if (isObj(doc.components)) {
    const c = doc.components;
    for (const k of ['securitySchemes', 'operationTraits', 'messageTraits', 'serverBindings', 'correlationIds', 'replies', 'replyAddresses']) {
      if (isObj(c[k]) && Object.keys(c[k] as Obj).length > 0) notes.push(`components.${k} are not modelled.`);
    }
  }
}

function fromStandardParts(doc: Obj, deref: (v: unknown) => unknown, notes: string[]): AsyncApiImport {
  unusedParts(doc, notes);
  const info = isObj(doc.info) ? doc.info : {};
  const title = text(info.title, 120) ?? 'AsyncAPI document';
  const newId = idMaker();
  const channels = readChannels(doc, deref, notes, newId);
  const byKey = new Map(channels.map((c) => [c.key, c]));
  const nodes: Obj[] = [];
  const edges: Obj[] = [];
  channels.forEach((c, i) =>
    nodes.push({ id: c.id, kind: c.kind, label: c.label, position: { x: 320, y: i * 140 }, ...(c.kind === 'topic' ? { config: topicConfigOf(c) } : {}) }),
  );

  // Operations, grouped by the node that does them: `x-eventfold-node`, else the application.
  const app = text(info.title, 40) ?? 'app';
  type Group = { label: string; sends: { channel: ChannelRead; messages: [string, Obj][] }[]; receives: ChannelRead[] };
  const groups = new Map<string, Group>();
  const ops = isObj(doc.operations) ? doc.operations : {};
  const messagesOf = (op: Obj, channel: ChannelRead): [string, Obj][] => {
    if (!Array.isArray(op.messages)) return [...channel.messages];
    const out: [string, Obj][] = [];
    for (const r of op.messages) {
      const ref = isObj(r) && typeof r.$ref === 'string' ? r.$ref : '';
      const mk = ref.split('/').pop() ?? '';
      const m = deref(r);
      if (isObj(m)) out.push([mk, m]);
    }
    return out;
  };
  for (const [opKey, raw] of Object.entries(ops)) {
    const op = deref(raw);
    if (!isObj(op)) continue;
    const chRef = isObj(op.channel) && typeof op.channel.$ref === 'string' ? op.channel.$ref : '';
    const channel = byKey.get(chRef.replace(/^#\/channels\//, '').replace(/~1/g, '/').replace(/~0/g, '~'));
    if (!channel) {
      notes.push(`operations.${opKey}: its channel ${chRef || '(none)'} is not one of the document's channels: skipped.`);
      continue;
    }
    if (op.reply !== undefined) notes.push(`operations.${opKey}.reply: request/reply is not modelled (model the reply as an event on its own channel).`);
    if (Array.isArray(op.traits) && op.traits.length > 0) notes.push(`operations.${opKey}.traits are not modelled.`);
    if (op.security !== undefined) notes.push(`operations.${opKey}.security is not modelled.`);
    const who = typeof op['x-eventfold-node'] === 'string' ? op['x-eventfold-node'] : app;
    if (!groups.has(who)) groups.set(who, { label: who, sends: [], receives: [] });
    const g = groups.get(who)!;
    if (op.action === 'send') g.sends.push({ channel, messages: messagesOf(op, channel) });
    else if (op.action === 'receive') g.receives.push(channel);
    else notes.push(`operations.${opKey}: action ${JSON.stringify(op.action)} is neither send nor receive: skipped.`);
  }
  if (Object.keys(ops).length === 0 && channels.length > 0) notes.push('The document has no operations: its channels open as topics and queues with nothing connected.');

  const sent = new Set([...groups.values()].flatMap((g) => g.sends.flatMap((x) => x.messages.map(([, m]) => m))));
  for (const c of channels) {
    for (const [mk, m] of c.messages) {
      if (!sent.has(m) && ![...sent].some((o) => typeOf(o, '') === typeOf(m, mk))) notes.push(`message ${typeOf(m, mk)} on channel ${c.key} is sent by no operation of this document: no producer sends it (add a template to fire it).`);
    }
  }

  let row = 0;
  for (const [who, g] of groups) {
    if (g.sends.length > 0) {
      const id = newId(who, 'app');
      const templates: Obj[] = [];
      for (const s of g.sends) {
        for (const [mk, m] of s.messages) {
          if (templates.length >= 50) break;
          const key = isObj(m.bindings) && isObj((m.bindings as Obj).kafka) && (m.bindings as Obj).kafka && isObj(((m.bindings as Obj).kafka as Obj).key) ? 'key-1' : null;
          templates.push({ type: typeOf(m, mk), key, data: exampleOf(m, deref), topic: s.channel.id });
          const format = isObj(m.payload) && typeof m.payload.schemaFormat === 'string' ? m.payload.schemaFormat : null;
          if (format && !/json|asyncapi/i.test(format)) notes.push(`message ${typeOf(m, mk)}: its ${format} payload schema is not read: its template sends {}.`);
          if (Array.isArray(m.traits) && m.traits.length > 0) notes.push(`message ${typeOf(m, mk)}: traits are not modelled.`);
        }
        if (s.messages.length === 0) templates.push({ type: `${s.channel.label}Event`.slice(0, 100), topic: s.channel.id, data: {} });
      }
      nodes.push({ id, kind: 'producer', label: g.label.slice(0, 80), position: { x: 0, y: row * 160 }, config: { templates } });
      for (const c of new Set(g.sends.map((s) => s.channel.id))) edges.push({ source: id, target: c });
      row++;
    }
    if (g.receives.length > 0) {
      const id = newId(g.sends.length > 0 ? `${who}-in` : who, 'app-in');
      nodes.push({ id, kind: 'consumer', label: `${g.label} (receives)`.slice(0, 80), position: { x: 640, y: row * 160 }, config: { group: id, rules: [] } });
      for (const c of new Set(g.receives.map((r) => r.id))) edges.push({ source: c, target: id });
      notes.push(`${g.label}: what it does with what it receives is not part of AsyncAPI, so its consumer has no handler rules yet (add them in the inspector).`);
      row++;
    }
  }
  const scenario = restoreScenario({
    format: SCENARIO_FORMAT,
    version: SCENARIO_VERSION,
    name: title,
    description: (text(info.description, 4000) ?? `Opened from an AsyncAPI ${String(doc.asyncapi)} document.`).slice(0, 4000),
    nodes,
    edges,
  });
  return scenario.ok ? { ok: true, scenario: scenario.value, notes } : { ok: false, errors: scenario.errors, notes };
}

/** A topic's config from its channel: partitions, and retention and compaction when its binding has them. */
function topicConfigOf(c: { partitions: number; retentionMs: number | null; compactEveryMs: number | null; replicas: number | null }): Obj {
  return { partitions: c.partitions, ...(c.retentionMs !== null ? { retentionMs: c.retentionMs } : {}), ...(c.compactEveryMs !== null ? { compactEveryMs: c.compactEveryMs } : {}), ...(c.replicas !== null ? { replicationFactor: c.replicas } : {}) };
}

/** A document Eventfold wrote: its scenario, checked against (and corrected by) its channels. */
function reconcile(s: Scenario, doc: Obj, deref: (v: unknown) => unknown, notes: string[]): AsyncApiImport {
  const read = readChannels(doc, deref, [], idMaker());
  const byAddress = new Map(read.map((c) => [c.id, c]));
  const nodes: NodeSpec[] = JSON.parse(JSON.stringify(s.nodes));
  for (const n of nodes) {
    if (n.kind !== 'topic' && n.kind !== 'queue') continue;
    const c = byAddress.get(n.id);
    if (!c) {
      notes.push(`${n.id} is in x-eventfold but not among the channels: kept.`);
      continue;
    }
    if (c.kind !== n.kind) notes.push(`channel ${n.id}: its bindings make it a ${c.kind}, x-eventfold a ${n.kind}: kept as a ${n.kind}.`);
    if (n.kind === 'topic' && c.kind === 'topic' && c.partitions !== n.config.partitions) {
      notes.push(`channel ${n.id}: ${c.partitions} partitions in its Kafka binding, ${n.config.partitions} in x-eventfold: it has ${c.partitions}.`);
      n.config.partitions = c.partitions;
    }
  }
  const known = new Set(nodes.map((n) => n.id));
  let y = 0;
  for (const c of read) {
    if (known.has(c.id)) continue;
    notes.push(`channel ${c.id} is not in x-eventfold: added as a ${c.kind} with nothing connected.`);
    nodes.push({ id: c.id, kind: c.kind, label: c.label, position: { x: -300, y: (y += 140) }, config: c.kind === 'topic' ? topicConfigOf(c) : {} } as unknown as NodeSpec);
  }
  const expected = toAsyncApi(s).operations as Obj;
  const given = isObj(doc.operations) ? doc.operations : {};
  const differ = [...new Set([...Object.keys(expected), ...Object.keys(given)])].filter((k) => !(k in expected) || !(k in given));
  if (differ.length > 0) notes.push(`operations ${differ.join(', ')} differ from x-eventfold's connections: the connections of x-eventfold were used.`);
  const r = restoreScenario({ ...s, nodes });
  return r.ok ? { ok: true, scenario: r.value, notes } : { ok: false, errors: r.errors, notes };
}

// ---------------------------------------------------------------------------- text

/** The document as YAML text (AsyncAPI's usual form). The YAML library loads on first use. */
export async function asyncApiYaml(s: Scenario): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(toAsyncApi(s), { aliasDuplicateObjects: false, lineWidth: 0 });
}

/** Reads a document's text, YAML or JSON (JSON is YAML), then `fromAsyncApi`. */
export async function readAsyncApiText(source: string): Promise<AsyncApiImport> {
  if (typeof source !== 'string') return refuse('(file)', 'is not text', []);
  if (source.length > MAX_ASYNCAPI_CHARS) return refuse('(file)', `is larger than ${MAX_ASYNCAPI_CHARS / 1024 / 1024} MB: not an AsyncAPI document this app can read`, []);
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    // maxAliasCount stops a "billion laughs" document from expanding without end.
    doc = parse(source, { maxAliasCount: 1000, uniqueKeys: false });
  } catch (err) {
    return refuse('(file)', `is neither YAML nor JSON: ${(err as Error).message.split('\n')[0]}`, []);
  }
  try {
    return fromAsyncApi(doc);
  } catch (err) {
    // Nothing above should throw; an absurd document (nested thousands deep) still gets a message.
    return refuse('(file)', `cannot be read (${(err as Error).message})`, []);
  }
}
