// The `producer` node kind ([P4], [P5], [O1]–[O3]): a service that emits events by hand, from
// templates or at a rate, publishing directly, by a naive dual write (save, then publish in
// a second step a crash can split) or through a transactional outbox and its relay.
import type { Kernel } from '../kernel.ts';
import type { IntentHandlers, Module, StepInfo } from '../kind.ts';
import type { ProducerView } from '../views.ts';
import type { Invariant, ProducerSpec, Template } from '../scenario.ts';
import type { CrashPoint } from '../inputs.ts';
import type { Json } from '../json.ts';
import { compileFiller, type Filler } from '../templates.ts';
import { RegistryKind } from './registry.ts';
import { Network } from '../network.ts';
import { ACKS_ALL } from '../log.ts';
import { Invariants } from '../invariants.ts';
import { FETCH_DELAY_MS } from './consumer.ts';
import { Fifo } from './fifo.ts';
import { ExchangeKind, type Stamper } from './exchange.ts';
import { S_CRASH, S_DEDUP, S_FIRE, S_IGNORED, S_INJECT, S_PRODUCE, S_PUBLISH, S_RELAY, S_RESTART, S_SENDFAIL, S_SENT, fmtMs } from '../steps.ts';

/** The data of an event whose template has none: shared, as stored values are never mutated. */
const NO_DATA: Json = Object.freeze({}) as Json;

const PRODUCER_CRASH_WORDS: Partial<Record<CrashPoint, string>> = {
  'after-save': 'right after its next save, before the event is published',
  'after-publish': 'right after its relay publishes an outbox row, before marking it sent',
};

/** A row the service saved in its own table: its event, and how far publishing got ([O1]–[O3]). */
interface SavedRow {
  rec: number;
  /** Outbox: 0 waiting, 1 published but not yet marked sent, 2 sent. */
  state: number;
  /** The event reached its topic at least once. */
  published: boolean;
}

interface ProducerRt {
  node: number;
  spec: ProducerSpec;
  targets: number[];
  templates: { t: Template; topic: number; key: Filler | null; data: Filler | null; group: Filler | null; dedup: Filler | null; amqp: Stamper | null }[];
  sender: number;
  fired: number;
  remaining: number;
  cycle: number;
  alive: boolean;
  lifeEpoch: number;
  rows: SavedRow[];
  relayScheduled: boolean;
  armed: { point: CrashPoint; restartAfterMs: number | null } | null;
}
type ProducerState = Pick<ProducerRt, 'fired' | 'remaining' | 'cycle' | 'alive' | 'lifeEpoch' | 'rows' | 'relayScheduled' | 'armed'>;
const copyProducerState = (p: ProducerState): ProducerState => ({
  fired: p.fired,
  remaining: p.remaining,
  cycle: p.cycle,
  alive: p.alive,
  lifeEpoch: p.lifeEpoch,
  rows: p.rows.map((r) => ({ ...r })),
  relayScheduled: p.relayScheduled,
  armed: p.armed ? { ...p.armed } : null,
});

export class ProducerKind implements Module {
  readonly kinds = ['producer'] as const;
  readonly idleChecks = ['published'] as const;
  private readonly producers: ProducerRt[] = [];
  private readonly producerOfNode = new Map<number, number>();
  private net!: Network;
  private registry!: RegistryKind;
  private readonly A_TICK: number;
  private readonly A_RELAY: number;
  private readonly A_SENT: number;
  private readonly A_PCRASH: number;
  private readonly A_PRESTART: number;

  constructor(private readonly k: Kernel) {
    const id = (p: number) => k.nodes[this.producers[p].node].id;
    const life = (a: number, b: number) => this.producers[a].lifeEpoch !== b;
    // a = producer
    this.A_TICK = k.action({ run: (a) => this.tick(a), describe: (a, _b, _c, at) => `${id(a)} produces its next event ${at}` });
    // a = producer, b = its life epoch (c = outbox row for A_SENT)
    this.A_RELAY = k.action({ run: (a) => this.relay(a), stale: life, describe: (a, _b, _c, at) => `${id(a)}'s outbox relay looks for rows to publish ${at}` });
    this.A_SENT = k.action({ run: (a, _b, c) => (this.sent(a, c), true), stale: life, describe: (a, _b, _c, at) => `${id(a)}'s relay marks a row sent ${at}` });
    this.A_PCRASH = k.action({ run: (a) => (this.crash(a, true, null), true), stale: life, describe: (a, _b, _c, at) => `${id(a)} crashes as armed ${at}` });
    this.A_PRESTART = k.action({
      run: (a) => (this.restart(a, true), true),
      stale: (a, b) => this.producers[a].lifeEpoch !== b || this.producers[a].alive,
      describe: (a, _b, _c, at) => `${id(a)} restarts ${at}`,
    });
  }

  /** In link, not build: its targets may be channels of any kind, built by any module. */
  link(): void {
    const k = this.k;
    this.net = k.get(Network);
    this.registry = k.get(RegistryKind);
    const amqp = k.get(ExchangeKind);
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'producer') return;
      const targets = k.targetsOf(n.id).map((t) => k.records.channelOfNode.get(t)!);
      const templates = n.config.templates.map((t) => ({
        t,
        topic: t.topic !== undefined ? k.channelIndex(t.topic) : targets.length === 1 ? targets[0] : -1,
        key: t.key === undefined || t.key === null ? null : compileFiller(t.key),
        data: compileFiller((t.data ?? {}) as Json),
        group: t.messageGroupId === undefined ? null : compileFiller(t.messageGroupId),
        dedup: t.deduplicationId === undefined ? null : compileFiller(t.deduplicationId),
        amqp: amqp.stamper(t),
      }));
      const p = this.producers.length;
      this.producerOfNode.set(i, p);
      const prod: ProducerRt = { node: i, spec: n, targets, templates, sender: -1, fired: 0, remaining: n.config.rate?.limit ?? 0, cycle: 0, alive: true, lifeEpoch: 0, rows: [], relayScheduled: false, armed: null };
      prod.sender = this.net.addSender(
        prod,
        n.config.retryBackoffMs,
        n.config.idempotent,
        (rec) => {
          const row = rowOf(prod, rec);
          if (row) row.published = true;
        },
        // [KR4] Kafka's acks; left out, all (the default since Kafka 3.0).
        n.config.acks === 0 ? 0 : n.config.acks === 1 ? 1 : ACKS_ALL,
      );
      this.producers.push(prod);
    });
  }

  start(): void {
    this.producers.forEach((p, pi) => {
      const rate = p.spec.config.rate;
      if (rate && p.remaining > 0) this.k.schedule(1000 / rate.perSecond, this.A_TICK, pi, 0, 0);
    });
  }

  // -------------------------------------------------------------------------- producing

  private tick(p: number): boolean {
    const k = this.k;
    const prod = this.producers[p];
    const rate = prod.spec.config.rate!;
    const ti = rate.template >= 0 ? rate.template : prod.cycle++ % prod.templates.length;
    const tpl = prod.templates[ti];
    prod.remaining--;
    if (prod.remaining > 0) k.schedule(k.now + 1000 / rate.perSecond, this.A_TICK, p, 0, 0);
    if (tpl.topic < 0) {
      k.record(S_IGNORED, prod.node, -1, 0, `${prod.spec.id} has no topic to publish to: connect it to a topic, or name the topic in its template`);
      return true;
    }
    if (!prod.alive) {
      k.record(S_IGNORED, prod.node, -1, 0, `${prod.spec.id} is down, so its next event at its set rate was never produced`);
      return true;
    }
    const rec = this.fromTemplate(prod, tpl);
    if (rec >= 0) this.emit(p, rec, S_PRODUCE, ti);
    return true;
  }

  /** A producer's new event, published as its pattern says ([P5], [O1]–[O3]). */
  private emit(p: number, rec: number, kind: number, aux: number): void {
    const k = this.k;
    const L = k.records;
    const prod = this.producers[p];
    const cfg = prod.spec.config;
    if (cfg.pattern === 'direct') {
      const latency = this.net.latency(prod.node, L.channels[L.evTopic(rec)].node);
      if (latency > 0) {
        this.net.send(rec, prod.sender, latency);
        k.record(kind, prod.node, rec, aux, `sent; the network takes ${fmtMs(latency)} to deliver it to ${L.channels[L.evTopic(rec)].id}`);
        return;
      }
      const note = this.net.attempt(rec, prod.sender);
      // The note's first character says failed (!) or dropped (=) to the publish step; here the words are enough.
      k.record(kind, prod.node, rec, aux, note === null ? undefined : note.replace(/^[!=]/, ''));
      return;
    }
    prod.rows.push({ rec, state: 0, published: false });
    k.record(kind, prod.node, rec, aux);
    if (cfg.pattern === 'dual-write') {
      this.net.send(rec, prod.sender, cfg.publishDelayMs + this.net.latency(prod.node, L.channels[L.evTopic(rec)].node));
    } else if (!prod.relayScheduled) {
      prod.relayScheduled = true;
      k.schedule(k.now + cfg.relayEveryMs, this.A_RELAY, p, prod.lifeEpoch, 0);
    }
    if (prod.armed?.point === 'after-save') k.schedule(k.now, this.A_PCRASH, p, prod.lifeEpoch, 0);
  }

  /** A new record from a template, or -1 when the schema registry refused its data (a step says why). */
  private fromTemplate(prod: ProducerRt, tpl: ProducerRt['templates'][number]): number {
    prod.fired++;
    const t = tpl.t;
    let key: Json = t.key ?? null;
    let data = (t.data ?? NO_DATA) as Json;
    // Key first, then data, fields in order: the PRNG draws in a fixed order ([P4]).
    if (tpl.key) key = tpl.key(prod.fired, this.k.prng);
    if (tpl.data) data = tpl.data(prod.fired, this.k.prng);
    // [SR2] With a schema for its type, the serializer checks (and completes) the data first.
    if (this.registry.governs(t.type)) {
      const encoded = this.registry.serialized(t.type, t.schemaVersion, data, prod.node);
      if (encoded === null) return -1;
      data = encoded;
    }
    const rec = this.k.records.createEvent(t.type, key === null || typeof key === 'string' ? key : String(key), data, prod.node, tpl.topic, -1, t.schemaVersion, -1);
    // [FQ2] [FQ3] A FIFO queue's group and deduplication ids, drawn after the key and the data.
    if (t.messageGroupId !== undefined || t.deduplicationId !== undefined) {
      const group = tpl.group ? String(tpl.group(prod.fired, this.k.prng)) : t.messageGroupId;
      const dedup = tpl.dedup ? String(tpl.dedup(prod.fired, this.k.prng)) : t.deduplicationId;
      this.k.get(Fifo).setIds(rec, group, dedup);
    }
    // AMQP properties (routing key, headers, TTL, mandatory) after key and data ([AM2]).
    tpl.amqp?.(rec, prod.fired, this.k.prng);
    return rec;
  }

  /** [O3] The outbox relay publishes the oldest row not yet sent. */
  private relay(p: number): boolean {
    const k = this.k;
    const L = k.records;
    const prod = this.producers[p];
    prod.relayScheduled = false;
    const idx = prod.rows.findIndex((r) => r.state === 0);
    if (idx < 0) return false;
    const row = prod.rows[idx];
    const cfg = prod.spec.config;
    const c = L.evTopic(row.rec);
    const why = this.net.unreachable(prod.node, c);
    if (why) {
      // [N4] The relay retries later; the row waits in the outbox, nothing is lost.
      prod.relayScheduled = true;
      k.schedule(k.now + cfg.retryBackoffMs, this.A_RELAY, p, prod.lifeEpoch, 0);
      k.record(S_SENDFAIL, prod.node, row.rec, 0, `${prod.spec.id}'s outbox relay could not publish ${L.idOf(row.rec)}: ${why}. The row stays in the outbox; the relay tries again in ${fmtMs(cfg.retryBackoffMs)}`);
      return true;
    }
    if (row.published && cfg.idempotent) {
      row.state = 1;
      k.record(S_DEDUP, prod.node, row.rec, 0, `${prod.spec.id}'s relay sent ${L.idOf(row.rec)} again, but the broker already had it: the idempotent producer's copy is dropped`);
      k.schedule(k.now, this.A_SENT, p, prod.lifeEpoch, idx);
      return true;
    }
    // A row published before a crash is published again: a copy with the same id.
    const out = row.published ? L.copyOf(row.rec, prod.node, c) : row.rec;
    L.append(out);
    row.state = 1;
    if (this.net.ackLostOn(prod.node, c)) {
      // The ack is lost: the relay does not mark the row sent and will publish it again.
      row.state = 0;
      row.published = true;
      prod.relayScheduled = true;
      k.schedule(k.now + cfg.retryBackoffMs, this.A_RELAY, p, prod.lifeEpoch, 0);
      k.record(S_RELAY, prod.node, out, 2, `its acknowledgement was lost, so the row is not marked sent and the relay will publish it again in ${fmtMs(cfg.retryBackoffMs)}`);
      return true;
    }
    k.record(S_RELAY, prod.node, out, row.published ? 1 : 0);
    row.published = true;
    if (prod.armed?.point === 'after-publish') k.schedule(k.now, this.A_PCRASH, p, prod.lifeEpoch, 0);
    k.schedule(k.now, this.A_SENT, p, prod.lifeEpoch, idx);
    return true;
  }

  private sent(p: number, idx: number): void {
    const k = this.k;
    const prod = this.producers[p];
    prod.rows[idx].state = 2;
    k.record(S_SENT, prod.node, prod.rows[idx].rec, 0);
    if (prod.rows.some((r) => r.state === 0)) {
      prod.relayScheduled = true;
      k.schedule(k.now + FETCH_DELAY_MS, this.A_RELAY, p, prod.lifeEpoch, 0);
    }
  }

  private crash(p: number, armed: boolean, restartAfterMs: number | null): void {
    const k = this.k;
    const prod = this.producers[p];
    restartAfterMs = armed ? (prod.armed?.restartAfterMs ?? null) : restartAfterMs;
    prod.alive = false;
    prod.lifeEpoch++;
    prod.armed = null;
    prod.relayScheduled = false;
    let unsent = 0;
    let lost = 0;
    for (const r of prod.rows) {
      if (r.state === 1) r.state = 0; // published, never marked sent: the relay will send it again
      if (!r.published && prod.spec.config.pattern === 'dual-write') lost++;
      if (r.state === 0 && prod.spec.config.pattern === 'outbox') unsent++;
    }
    if (lost > 0) {
      // [V7] A dual write that saved but never published: the published invariant breaks.
      k.get(Invariants).violate(k.get(Invariants).on(prod.spec.id), 'published', () => true, `${prod.spec.id} crashed between saving and publishing: ${lost} saved change${lost > 1 ? 's were' : ' was'} never published`);
    }
    k.record(S_CRASH, prod.node, -1, (armed ? 1 : 0) | (lost << 1), `${unsent}`);
    if (restartAfterMs !== null) k.schedule(k.now + restartAfterMs, this.A_PRESTART, p, prod.lifeEpoch, 0);
  }

  private restart(p: number, scheduled: boolean): void {
    const k = this.k;
    const prod = this.producers[p];
    prod.alive = true;
    k.record(S_RESTART, prod.node, -1, scheduled ? 1 : 0);
    if (prod.spec.config.pattern === 'outbox' && prod.rows.some((r) => r.state === 0)) {
      prod.relayScheduled = true;
      k.schedule(k.now + FETCH_DELAY_MS, this.A_RELAY, p, prod.lifeEpoch, 0);
    }
  }

  // -------------------------------------------------------------------------- intents

  private at(node: number): ProducerRt {
    return this.producers[this.producerOfNode.get(node)!];
  }

  private fireTopic(prod: ProducerRt, topic?: string): number {
    if (topic !== undefined) {
      const n = this.k.nodeIndex.get(topic);
      const t = n === undefined ? undefined : this.k.records.channelOfNode.get(n);
      return t !== undefined && prod.targets.includes(t) ? t : -1;
    }
    return prod.targets.length === 1 ? prod.targets[0] : -1;
  }

  private noTopicReason(prod: ProducerRt): string {
    return prod.targets.length === 0 ? `${prod.spec.id} is not connected to a topic: connect it to one first` : `${prod.spec.id} is connected to ${prod.targets.length} topics: say which topic the event goes to`;
  }

  readonly intents: IntentHandlers = {
    fire: {
      refuse: (i, intent) => {
        const prod = this.at(i);
        const id = prod.spec.id;
        if (!prod.alive) return `${id} is down: restart it first`;
        if (intent.event) {
          if (!intent.event.type) return 'the event needs a type';
          if (this.fireTopic(prod, intent.event.topic) < 0) return this.noTopicReason(prod);
          return null;
        }
        const ti = intent.template ?? 0;
        const tpl = prod.templates[ti];
        if (!tpl) return prod.templates.length === 0 ? `${id} has no event templates yet: add one in its inspector` : `${id} has no template number ${ti}`;
        if (tpl.topic < 0) return this.noTopicReason(prod);
        return null;
      },
      apply: (i, input) => {
        const prod = this.at(i);
        let ev: number;
        if (input.event) {
          prod.fired++;
          const e = input.event;
          let data = (e.data ?? {}) as Json;
          if (this.registry.governs(e.type)) {
            const encoded = this.registry.serialized(e.type, e.schemaVersion ?? 1, data, prod.node);
            if (encoded === null) return;
            data = encoded;
          }
          ev = this.k.records.createEvent(e.type, e.key ?? null, data, prod.node, this.fireTopic(prod, e.topic), -1, e.schemaVersion ?? 1, -1);
        } else {
          ev = this.fromTemplate(prod, prod.templates[input.template ?? 0]);
          if (ev < 0) return;
        }
        this.emit(this.producerOfNode.get(i)!, ev, S_FIRE, input.template ?? -1);
      },
    },
    crash: {
      refuse: (i, intent) => {
        const prod = this.at(i);
        const id = prod.spec.id;
        if (!prod.alive) return `${id} is already down`;
        const point = intent.point ?? 'now';
        if (point === 'now') return null;
        if (prod.armed) return `${id} already has a crash armed`;
        const pattern = prod.spec.config.pattern;
        if (point === 'after-save' && pattern !== 'direct') return null;
        if (point === 'after-publish' && pattern === 'outbox') return null;
        return `a ${pattern} producer cannot crash ${point}: after-save needs a dual write or an outbox, after-publish an outbox`;
      },
      apply: (i, input) => {
        const p = this.producerOfNode.get(i)!;
        const point = input.point ?? 'now';
        if (point === 'now') {
          this.crash(p, false, input.restartAfterMs ?? null);
          return;
        }
        this.producers[p].armed = { point, restartAfterMs: input.restartAfterMs ?? null };
        this.k.record(S_INJECT, i, -1, 0, `You armed a crash: ${input.node} will crash ${PRODUCER_CRASH_WORDS[point]}${input.restartAfterMs !== undefined ? `, and restart ${fmtMs(input.restartAfterMs)} later` : ''}`);
      },
    },
    restart: {
      refuse: (i) => (this.at(i).alive ? `${this.k.nodes[i].id} is already running` : null),
      apply: (i) => this.restart(this.producerOfNode.get(i)!, false),
    },
  };

  // -------------------------------------------------------------------------- reading

  /** [V7] Saved changes whose event never reached a topic. */
  idleCheck(_inv: Invariant, node: number): string | null {
    const L = this.k.records;
    const prod = this.at(node);
    const missing = prod.rows.filter((r) => !r.published).map((r) => `${L.idOf(r.rec)} (${L.evKey(r.rec) ?? L.evType(r.rec)})`);
    return missing.length ? `saved but never published: ${missing.join(', ')}` : null;
  }

  view(node: number): ProducerView {
    const L = this.k.records;
    const p = this.at(node);
    const table: Record<string, Json> = {};
    for (const r of p.rows) table[L.evKey(r.rec) ?? L.idOf(r.rec)] = L.evData(r.rec);
    return {
      kind: 'producer',
      fired: p.fired,
      remaining: p.remaining,
      targets: p.targets.map((t) => L.channels[t].id),
      alive: p.alive,
      pattern: p.spec.config.pattern,
      armed: p.armed ? p.armed.point : null,
      table: p.spec.config.pattern === 'direct' ? null : { name: p.spec.config.table, rows: table },
      outbox: p.spec.config.pattern === 'outbox' ? p.rows.map((r) => ({ event: L.idOf(r.rec), state: (['waiting', 'published, not marked sent', 'sent'] as const)[r.state] })) : null,
    };
  }

  explain(s: StepInfo): string | undefined {
    const pi = s.node >= 0 ? this.producerOfNode.get(s.node) : undefined;
    if (pi === undefined) return undefined;
    const L = this.k.records;
    const prod = this.producers[pi];
    const { kind, ev, aux, note } = s;
    const who = prod.spec.id;
    const evText = L.evText(ev);
    const where = L.where(ev);
    const why = L.partitionWhy(ev);
    switch (kind) {
      case S_FIRE:
      case S_PRODUCE: {
        const lead = kind === S_FIRE ? `You fired ${evText} from ${who}` : `${who} produced ${evText} at its set rate`;
        const cfg = prod.spec.config;
        if (note && cfg.pattern === 'direct') return `${lead}: ${note}`;
        if (cfg.pattern === 'dual-write') return `${lead}: it saved the change in its ${cfg.table} table and will publish the event ${fmtMs(cfg.publishDelayMs)} later, in a second step (a dual write: a crash in between loses the event)`;
        if (cfg.pattern === 'outbox') return `${lead}: it saved the change in its ${cfg.table} table and an outbox row in the same transaction; its relay will publish the event`;
        const to = ev >= 0 ? L.channels[L.evTopic(ev)] : null;
        if (to && this.k.nodes[to.node].kind === 'service') return `${lead}: sent to service ${to.id} as a request`;
        if (to && this.k.nodes[to.node].kind === 'exchange') return `${lead}: published to exchange ${to.id} with routing key ${this.k.get(ExchangeKind).routingKey(ev)}`;
        return `${lead}: appended to ${where} (${why})`;
      }
      case S_PUBLISH:
        if (note) return note;
        if (prod.spec.config.pattern === 'direct') return `${who}'s ${evText} arrived at ${where} after the network delay (${why})`;
        return `${who} published ${evText}, the second step of its dual write: appended to ${where} (${why})`;
      case S_RELAY:
        if (aux === 2) return `${who}'s outbox relay published ${evText} to ${where}, but ${note}`;
        return `${who}'s outbox relay published ${evText}${aux ? ' again, because the row was never marked sent: a duplicate with the same id' : ''}: appended to ${where}`;
      case S_SENT:
        return `${who}'s outbox relay marked the row of ${L.idOf(ev)} as sent`;
      case S_CRASH: {
        const lead = aux & 1 ? `${who} crashed as you armed it` : `You crashed ${who}`;
        const lost = aux >> 1;
        const unsent = Number(note ?? 0);
        if (lost > 0) return `${lead}: ${lost} change${lost > 1 ? 's it saved were' : ' it saved was'} never published, and nothing will publish ${lost > 1 ? 'them' : 'it'}: the dual write lost ${lost > 1 ? 'those events' : 'the event'}`;
        if (unsent > 0) return `${lead}: ${unsent} outbox row${unsent > 1 ? 's are' : ' is'} not marked sent yet; the relay sends ${unsent > 1 ? 'them' : 'it'} when ${who} restarts`;
        return `${lead}: it stops producing until it restarts`;
      }
      case S_RESTART:
        return aux ? `${who} restarted by itself` : `You restarted ${who}`;
    }
    return undefined;
  }

  stateSize(): number {
    let n = 0;
    for (const p of this.producers) n += p.rows.length;
    return n;
  }

  capture(): ProducerState[] {
    return this.producers.map(copyProducerState);
  }

  restore(state: unknown): void {
    (state as ProducerState[]).forEach((s, i) => Object.assign(this.producers[i], copyProducerState(s)));
  }
}

function rowOf(prod: ProducerRt, rec: number): SavedRow | undefined {
  for (let i = prod.rows.length - 1; i >= 0; i--) if (prod.rows[i].rec === rec) return prod.rows[i];
  return undefined;
}
