// The `aggregate` node kind ([A1]–[A6]): event-sourced entities. Its event store is a
// one-partition channel of its own; each stream is the list of its events' offsets there.
// A command loads its stream (folding from the latest snapshot), decides with the command's
// condition, and appends its events with the version it read as the expected version: a
// stream that moved on meanwhile is a concurrency conflict, retried a few times.
import type { Kernel } from '../kernel.ts';
import type { IntentHandlers, Module } from '../kind.ts';
import type { AggregateView } from '../views.ts';
import type { AggregateSpec, Rule } from '../scenario.ts';
import type { Json } from '../json.ts';
import { compileRules, readPath, type CompiledRules, type RuleInput } from '../rules.ts';
import { Network } from '../network.ts';
import { copyStore, type Store } from './consumer.ts';
import { S_APPEND, S_COMMAND, S_CONFLICT, S_LOAD } from '../steps.ts';

interface AggregateRt {
  node: number;
  id: string;
  spec: AggregateSpec;
  /** Its event store's channel. */
  store: number;
  /** Topics it publishes its events to. */
  targets: number[];
  apply: CompiledRules;
  decide: CompiledRules;
  /** Stream id → offsets of its events in the store, in order (state). */
  streams: Map<string, number[]>;
  /** Stream id → the latest snapshot: version and state (state). */
  snapshots: Map<string, { version: number; state: Store }>;
}

/** A command on its way through an aggregate ([A2], [A4]). */
interface CommandRt {
  agg: number;
  stream: string;
  command: string;
  data: Json;
  /** The record that caused it (a consumer's handled event), or -1 (the learner). */
  cause: number;
  origin: number;
  attempt: number;
  /** Decided at load: the events to append, or null when refused. */
  events: { type: string; data: Json }[] | null;
  status: 'loading' | 'appending' | 'appended' | 'rejected' | 'failed';
}

interface AggregateState {
  aggregates: { streams: Map<string, number[]>; snapshots: AggregateRt['snapshots'] }[];
  commands: CommandRt[];
}

export class AggregateKind implements Module {
  readonly kinds = ['aggregate'] as const;
  private readonly aggregates: AggregateRt[] = [];
  private readonly aggregateOfNode = new Map<number, number>();
  private commands: CommandRt[] = [];
  private readonly A_LOAD: number;
  private readonly A_APPEND: number;

  constructor(private readonly k: Kernel) {
    const about = (c: number) => this.commands[c];
    const aid = (c: number) => this.aggregates[this.commands[c].agg].id;
    // a = command (b = the version it expects, for A_APPEND)
    this.A_LOAD = k.action({ run: (a) => (this.load(a), true), describe: (a, _b, _c, at) => `${aid(a)} loads ${about(a).stream} for ${about(a).command} ${at}` });
    this.A_APPEND = k.action({ run: (a, b) => (this.append(a, b), true), describe: (a, _b, _c, at) => `${aid(a)} appends the events of ${about(a).command} to ${about(a).stream} ${at}` });
  }

  build(): void {
    const k = this.k;
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'aggregate') return;
      // Its event store is an internal channel with one log ([A1]).
      const store = k.records.addChannel(i, 1);
      this.aggregateOfNode.set(i, this.aggregates.length);
      const decide: Rule[] = n.config.commands.map((c) => ({
        on: c.name,
        ...(c.when ? { when: c.when } : {}),
        do: c.emit.map((e) => ({ do: 'emit' as const, topic: n.id, type: e.type, key: { event: 'key' }, ...(e.data ? { data: e.data } : {}) })),
      }));
      this.aggregates.push({ node: i, id: n.id, spec: n, store, targets: [], apply: compileRules(n.config.apply), decide: compileRules(decide), streams: new Map(), snapshots: new Map() });
    });
  }

  link(): void {
    const k = this.k;
    const L = k.records;
    for (const a of this.aggregates) a.targets = k.targetsOf(a.id).map((t) => L.channelOfNode.get(t)!).filter((t) => !this.aggregates.some((x) => x.store === t) && k.nodes[L.channels[t].node].kind === 'topic');
  }

  // -------------------------------------------------------------------------- streams

  /** Folds a stream from its latest snapshot ([A1], [A5]). */
  private fold(a: AggregateRt, stream: string, upTo = Infinity): { store: Store; version: number; snapshot: number | null; replayed: number } {
    const L = this.k.records;
    const offs = a.streams.get(stream) ?? [];
    const end = Math.min(upTo, offs.length);
    const snap = a.snapshots.get(stream);
    const useSnap = snap && snap.version <= end ? snap : undefined;
    const store: Store = useSnap ? copyStore(useSnap.state) : new Map();
    const log = L.channels[a.store].logs[0];
    const reader = this.k.reader;
    for (let i = useSnap ? useSnap.version : 0; i < end; i++) {
      const rec = log.get(offs[i]);
      reader.ev = rec;
      reader.store = store;
      const out = a.apply.run(L.evType(rec), reader);
      for (const w of out.writes) {
        let t = store.get(w.table);
        if (!t) store.set(w.table, (t = new Map()));
        t.set(w.key, w.value);
      }
    }
    return { store, version: end, snapshot: useSnap ? useSnap.version : null, replayed: end - (useSnap ? useSnap.version : 0) };
  }

  private streamState(a: AggregateRt, stream: string, upTo = Infinity): Record<string, Json> {
    const { store } = this.fold(a, stream, upTo);
    const out: Record<string, Json> = {};
    for (const [table, rows] of [...store].sort(([x], [y]) => (x < y ? -1 : 1))) {
      const v = rows.get(stream);
      if (v !== undefined) out[table] = v;
    }
    return out;
  }

  /** A stream's events with the state after each one: the fold, event by event ([A1]). */
  streamHistory(aggregateId: string, stream: string): { eventId: string; type: string; version: number; data: Json; state: Record<string, Json> }[] {
    const L = this.k.records;
    const ai = this.aggregateOfNode.get(this.k.nodeIndex.get(aggregateId) ?? -1);
    if (ai === undefined) return [];
    const a = this.aggregates[ai];
    const offs = a.streams.get(stream) ?? [];
    const log = L.channels[a.store].logs[0];
    return offs.map((off, i) => {
      const rec = log.get(off);
      return { eventId: L.idOf(rec), type: L.evType(rec), version: i + 1, data: L.evData(rec), state: this.streamState(a, stream, i + 1) };
    });
  }

  // -------------------------------------------------------------------------- commands

  /** A command from a consumer's rule to the aggregate `aggregateId`, after the connection's latency. */
  send(aggregateId: string, stream: string, command: string, data: Json, cause: number, origin: number): void {
    const agg = this.aggregateOfNode.get(this.k.nodeIndex.get(aggregateId)!)!;
    const latency = this.k.get(Network).latency(origin, this.aggregates[agg].node);
    this.sendCommand(agg, stream, command, data, cause, origin, latency);
  }

  private sendCommand(agg: number, stream: string, command: string, data: Json, cause: number, origin: number, delay: number): number {
    const c = this.commands.length;
    this.commands.push({ agg, stream, command, data, cause, origin, attempt: 0, events: null, status: 'loading' });
    this.k.schedule(this.k.now + delay, this.A_LOAD, c, 0, 0);
    return c;
  }

  /** [A2] Load the stream, fold it, decide: accept (events to append) or reject. */
  private load(c: number): void {
    const k = this.k;
    const cmd = this.commands[c];
    const a = this.aggregates[cmd.agg];
    const { store, version, snapshot, replayed } = this.fold(a, cmd.stream);
    const input: RuleInput = {
      field: (path) => {
        switch (path[0]) {
          case 'data':
            return readPath(cmd.data, path, 1);
          case 'type':
            return cmd.command;
          case 'key':
          case 'subject':
          case 'stream':
            return cmd.stream;
          default:
            return undefined;
        }
      },
      data: () => cmd.data,
      read: (table, key) => store.get(table)?.get(key),
    };
    const out = a.decide.run(cmd.command, input);
    const loaded = `loaded ${cmd.stream} at version ${version}${snapshot !== null ? ` (from the snapshot at v${snapshot} + ${replayed} event${replayed === 1 ? '' : 's'})` : ` (${replayed} event${replayed === 1 ? '' : 's'} folded)`}`;
    const spec = a.spec.config.commands.find((x) => x.name === cmd.command)!;
    if (out.error !== undefined || out.rule < 0) {
      cmd.status = 'rejected';
      k.record(S_LOAD, a.node, cmd.cause, c, `${cmd.command} on ${cmd.stream}: ${loaded}, state ${JSON.stringify(stateOf(store, cmd.stream))}. Rejected: ${out.error ?? spec.reject}`);
      return;
    }
    cmd.events = out.emits.map((e) => ({ type: e.type, data: e.data }));
    cmd.status = 'appending';
    k.schedule(k.now + a.spec.config.processingMs, this.A_APPEND, c, version, 0);
    k.record(S_LOAD, a.node, cmd.cause, c, `${cmd.command} on ${cmd.stream}: ${loaded}, state ${JSON.stringify(stateOf(store, cmd.stream))}. Accepted: it will append ${cmd.events.map((e) => e.type).join(', ')} expecting version ${version}`);
  }

  /** [A4] Append with the expected version; a stream that moved on is a conflict. */
  private append(c: number, expected: number): void {
    const k = this.k;
    const L = k.records;
    const cmd = this.commands[c];
    const a = this.aggregates[cmd.agg];
    let offs = a.streams.get(cmd.stream);
    const version = offs?.length ?? 0;
    if (version !== expected) {
      cmd.attempt++;
      if (cmd.attempt > a.spec.config.maxConflictRetries) {
        cmd.status = 'failed';
        k.record(S_CONFLICT, a.node, cmd.cause, c, `${cmd.command} on ${cmd.stream} expected version ${expected}, but the stream is at ${version}: a concurrency conflict, and it has been retried ${cmd.attempt - 1} times, so it gives up`);
        return;
      }
      cmd.status = 'loading';
      k.schedule(k.now + 1, this.A_LOAD, c, 0, 0);
      k.record(S_CONFLICT, a.node, cmd.cause, c, `${cmd.command} on ${cmd.stream} expected version ${expected}, but another command appended first (the stream is at ${version}): a concurrency conflict. Nothing was written; it reloads the stream and decides again`);
      return;
    }
    if (!offs) a.streams.set(cmd.stream, (offs = []));
    const recs: number[] = [];
    for (const e of cmd.events!) {
      const rec = L.createEvent(e.type, cmd.stream, e.data, a.node, a.store, cmd.cause, 1, -1);
      L.append(rec);
      offs.push(L.evOffset(rec));
      recs.push(rec);
      for (const t of a.targets) L.append(L.createEvent(e.type, cmd.stream, e.data, a.node, t, cmd.cause, 1, rec));
    }
    cmd.status = 'appended';
    let snap = '';
    const every = a.spec.config.snapshotEvery;
    if (every !== null && Math.floor(version / every) !== Math.floor(offs.length / every)) {
      const { store } = this.fold(a, cmd.stream);
      a.snapshots.set(cmd.stream, { version: offs.length, state: store });
      snap = `; snapshot of ${cmd.stream} taken at v${offs.length}`;
    }
    const published = a.targets.length ? `, published to ${a.targets.map((t) => L.channels[t].id).join(', ')}` : '';
    k.record(S_APPEND, a.node, recs[0], recs.length, `${a.id} appended ${recs.map((r) => `${L.evType(r)} ${L.idOf(r)}`).join(', ')} to ${cmd.stream}: version ${version} → ${offs.length} (expected ${expected})${published}${snap}`);
  }

  readonly intents: IntentHandlers = {
    command: {
      refuse: (i, intent) => {
        const node = this.aggregates[this.aggregateOfNode.get(i)!].spec;
        if (!node.config.commands.some((c) => c.name === intent.command)) return `${node.id} has no command "${intent.command}" (it has ${node.config.commands.map((c) => c.name).join(', ') || 'none yet'})`;
        return null;
      },
      apply: (i, input) => {
        const c = this.sendCommand(this.aggregateOfNode.get(i)!, input.stream, input.command, (input.data ?? {}) as Json, -1, -1, 0);
        this.k.record(S_COMMAND, i, -1, c, `You sent the command ${input.command} ${JSON.stringify(input.data ?? {})} to ${input.node} for the stream ${input.stream}`);
      },
    },
  };

  view(node: number): AggregateView {
    const agg = this.aggregateOfNode.get(node)!;
    const a = this.aggregates[agg];
    return {
      kind: 'aggregate',
      streams: [...a.streams].map(([id, offs]) => ({ id, version: offs.length, state: this.streamState(a, id), snapshot: a.snapshots.get(id)?.version ?? null })),
      commands: this.commands
        .filter((c) => c.agg === agg)
        .slice(-20)
        .map((c) => ({ command: c.command, stream: c.stream, status: c.status, attempt: c.attempt })),
    };
  }

  stateSize(): number {
    let n = this.commands.length;
    for (const a of this.aggregates) a.streams.forEach((offs) => (n += offs.length));
    return n;
  }

  capture(): AggregateState {
    return {
      aggregates: this.aggregates.map((a) => ({ streams: new Map([...a.streams].map(([key, x]) => [key, [...x]])), snapshots: new Map(a.snapshots) })),
      commands: this.commands.map((c) => ({ ...c })),
    };
  }

  restore(state: unknown): void {
    const s = state as AggregateState;
    s.aggregates.forEach((x, i) => {
      this.aggregates[i].streams = new Map([...x.streams].map(([key, offs]) => [key, [...offs]]));
      this.aggregates[i].snapshots = new Map(x.snapshots);
    });
    this.commands = s.commands.map((c) => ({ ...c }));
  }
}

function stateOf(store: Store, stream: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [table, rows] of store) if (rows.has(stream)) out[table] = rows.get(stream)!;
  return out;
}
