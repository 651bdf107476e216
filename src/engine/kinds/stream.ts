// The `stream` node kind ([WN1]–[WN6]): a stream processor like a Kafka Streams application.
// It reads one topic (its input) in offset order and, per event:
// - optionally joins it with a table: the latest data per key of another topic (a KTable),
//   built as that topic's events are processed; an inner join drops an event whose key has
//   no row yet (a miss), a left join lets it go on without one;
// - with a window, adds it to every window of event time that contains it, per key: tumbling
//   (size) or hopping (size, advance) windows, counting or summing/min/max of a data field.
//   Event time is when the event was produced (or a data field), not when it arrives.
// A window closes when the clock reaches its end plus the grace period; an event for a closed
// window is dropped as late, with a step that says so. A window's result is emitted ONCE, when
// it closes (Kafka Streams' suppress(untilWindowCloses)), to the output topics, optionally
// only when it is above a threshold. Without a window, each joined event is emitted.
import type { Kernel } from '../kernel.ts';
import type { Module, StepInfo } from '../kind.ts';
import type { Json } from '../json.ts';
import type { StreamSpec } from '../scenario.ts';
import { Network } from '../network.ts';
import { readPath } from '../rules.ts';
import { S_JOIN, S_LATE, S_PUBLISH, S_WINDOW, S_WINDOW_CLOSE } from '../steps.ts';
import { fmtTime, fold, windowStarts } from './stream-windows.ts';

export interface StreamWindowView {
  key: string;
  start: number;
  end: number;
  value: number;
  events: number;
}

/** What a stream processor shows: its open windows, the results of closed ones, late events and its table. */
export interface StreamView {
  kind: 'stream';
  input: string | null;
  windowing: { type: 'tumbling' | 'hopping'; sizeMs: number; advanceMs: number; graceMs: number; aggregate: string } | null;
  processed: number;
  late: { count: number; recent: string[] };
  misses: number;
  emitted: number;
  open: StreamWindowView[];
  /** The latest closed windows, newest last; `emitted` false when filtered out by the threshold. */
  results: (StreamWindowView & { emitted: boolean })[];
  /** The join's table (latest data per key), or null without a join. */
  table: Record<string, Json> | null;
}
declare module '../views.ts' {
  interface NodeViews {
    stream: StreamView;
  }
}

interface Win {
  key: string;
  start: number;
  end: number;
  value: number;
  events: number;
  /** The last record added (the cause of the result). */
  last: number;
  /** null while open; then whether its result was emitted. */
  emitted: boolean | null;
}

interface StreamState {
  windows: Win[];
  open: Map<string, number>;
  rows: Map<string, Json>;
  processed: number;
  late: number[];
  misses: number;
  emitted: number;
}

interface StreamRt extends StreamState {
  node: number;
  spec: StreamSpec;
  /** Channel of the input topic, or -1. */
  input: number;
  /** Channel of the join's table topic, or -1. */
  table: number;
  outputs: number[];
  sender: number;
  lifeEpoch: number;
}

const RESULTS_SHOWN = 20;

export class StreamKind implements Module {
  readonly kinds = ['stream'] as const;
  readonly optionalName = 'stream';
  private readonly rts: StreamRt[] = [];
  private readonly rtOfNode = new Map<number, number>();
  private net!: Network;
  private readonly A_EVENT: number;
  private readonly A_TABLE: number;
  private readonly A_CLOSE: number;

  constructor(private readonly k: Kernel) {
    const L = k.records;
    // a = processor, b = record
    this.A_EVENT = k.action({
      run: (a, b) => this.process(a, b),
      describe: (a, b, _c, at) => `${this.who(a)} processes ${L.evText(b)} ${at}`,
    });
    this.A_TABLE = k.action({
      run: (a, b) => this.tableUpdate(a, b),
      describe: (a, b, _c, at) => `${this.who(a)} updates its table with ${L.evText(b)} ${at}`,
    });
    // a = processor, b = window slot
    this.A_CLOSE = k.action({
      run: (a, b) => (this.close(a, b), true),
      describe: (a, b, _c, at) => {
        const w = this.rts[a].windows[b];
        return `${this.who(a)} closes the window [${fmtTime(w.start)}, ${fmtTime(w.end)}) of ${w.key} ${at}`;
      },
    });
  }

  private who(a: number): string {
    return this.k.nodes[this.rts[a].node].id;
  }

  build(): void {
    this.k.nodes.forEach((n, i) => {
      if (n.kind !== 'stream') return;
      this.rtOfNode.set(i, this.rts.length);
      this.rts.push({ node: i, spec: n, input: -1, table: -1, outputs: [], sender: -1, lifeEpoch: 0, ...fresh() });
    });
  }

  link(): void {
    const k = this.k;
    this.net = k.get(Network);
    this.rts.forEach((rt, r) => {
      const c = rt.spec.config;
      const topicChannel = (id: string) => (k.nodes[k.nodeIndex.get(id)!]?.kind === 'topic' ? k.channelIndex(id) : -1);
      const from = k.sourcesOf(rt.spec.id).map((n) => k.nodes[n].id);
      const tableId = c.join?.table ?? null;
      // [WN1] The input is the topic named, or else the first connected topic that is not the table.
      const inputId = c.input ?? from.find((id) => id !== tableId && topicChannel(id) >= 0) ?? null;
      rt.input = inputId !== null && from.includes(inputId) ? topicChannel(inputId) : -1;
      rt.table = tableId !== null && from.includes(tableId) ? topicChannel(tableId) : -1;
      const to = k.targetsOf(rt.spec.id).map((n) => k.nodes[n].id);
      rt.outputs = (c.output !== null ? [c.output].filter((id) => to.includes(id)) : to).map(topicChannel).filter((ch) => ch >= 0);
      rt.sender = this.net.addSender(rt, 100, false, null);
      const L = k.records;
      const listen = (ch: number, code: number) => {
        const chan = L.channels[ch];
        chan.listeners.push((offset, p) => k.schedule(k.now + c.processingMs, code, r, chan.logs[p].get(offset), 0));
      };
      if (rt.input >= 0) listen(rt.input, this.A_EVENT);
      if (rt.table >= 0) listen(rt.table, this.A_TABLE);
    });
  }

  /** [WN5] The table side of the join: the latest data per key. */
  private tableUpdate(r: number, rec: number): boolean {
    const rt = this.rts[r];
    const L = this.k.records;
    const key = L.evKey(rec);
    const table = this.k.records.channels[rt.table].id;
    if (key === null) {
      this.k.record(S_JOIN, rt.node, rec, 2, `${this.who(r)} skipped ${L.evText(rec)} from ${table}: a table row needs a key`);
      return true;
    }
    const had = rt.rows.has(key);
    rt.rows.set(key, L.evData(rec));
    this.k.record(S_JOIN, rt.node, rec, 2, `${this.who(r)} ${had ? 'updated' : 'added'} the row for ${key} in its table from ${table}: events with key ${key} now join with ${JSON.stringify(L.evData(rec))}`);
    return true;
  }

  private process(r: number, rec: number): boolean {
    const k = this.k;
    const L = k.records;
    const rt = this.rts[r];
    const c = rt.spec.config;
    const who = this.who(r);
    if (c.types.length > 0 && !c.types.includes(L.evType(rec))) return false;
    rt.processed++;
    const key = L.evKey(rec);
    let data = L.evData(rec);
    let joined = '';
    if (c.join) {
      const table = rt.table >= 0 ? L.channels[rt.table].id : c.join.table;
      const row = key === null ? undefined : rt.rows.get(key);
      if (row === undefined) {
        rt.misses++;
        if (c.join.mode === 'inner') {
          k.record(S_JOIN, rt.node, rec, 0, `${who} found no row for ${key === null ? 'an event without a key' : `key ${key}`} in its table from ${table}, so the inner join drops ${L.evText(rec)}: a stream-table join only sees rows the table already has when the event is processed (a miss)`);
          return true;
        }
        joined = `no row for ${key} in ${table} yet, so the left join goes on with ${c.join.as}: null`;
      } else joined = `joined with the row for ${key} from ${table}`;
      data = { ...(data !== null && typeof data === 'object' && !Array.isArray(data) ? data : { value: data }), [c.join.as]: row ?? null };
      if (!c.window) {
        const sent = this.emit(rt, c.emitType ?? L.evType(rec), key, data, rec);
        k.record(S_JOIN, rt.node, rec, row === undefined ? 0 : 1, `${who} ${joined}${sent ? ' and sends the joined event on' : ''}`);
        return true;
      }
    }
    if (!c.window) {
      // Neither a window nor a join: the events of its types pass through (a filter).
      const sent = this.emit(rt, c.emitType ?? L.evType(rec), key, data, rec);
      k.record(S_WINDOW, rt.node, rec, 0, `${who} has no window and no join, so it passes ${L.evText(rec)} on${sent ? '' : ' (no output topic: nowhere)'}`);
      return true;
    }
    const w = c.window;
    if (key === null) {
      k.record(S_WINDOW, rt.node, rec, -1, `${who} skipped ${L.evText(rec)}: windows are counted per key, and it has none (Kafka Streams drops records with a null key)`);
      return true;
    }
    // [WN2] Event time: when the event was produced, or a data field.
    let t = L.evTime(rec);
    if (w.timeField !== undefined) {
      const x = readPath(data, w.timeField.split('.'), 1);
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        k.record(S_WINDOW, rt.node, rec, -1, `${who} skipped ${L.evText(rec)}: its event time ${w.timeField} is ${x === undefined ? 'missing' : JSON.stringify(x)}, not a number`);
        return true;
      }
      t = x;
    }
    let x = 0;
    if (w.aggregate !== 'count') {
      const v = readPath(data, w.field!.split('.'), 1);
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        k.record(S_WINDOW, rt.node, rec, -1, `${who} skipped ${L.evText(rec)}: ${w.field} is ${v === undefined ? 'missing' : JSON.stringify(v)}, not a number to ${w.aggregate === 'sum' ? 'add up' : 'compare'}`);
        return true;
      }
      x = v;
    }
    const advance = w.advanceMs ?? w.sizeMs;
    const added: string[] = [];
    const late: string[] = [];
    for (const start of windowStarts(t, w.sizeMs, advance)) {
      const end = start + w.sizeMs;
      const span = `[${fmtTime(start)}, ${fmtTime(end)})`;
      // [WN3] A window takes events until its end plus the grace period.
      if (k.now >= end + w.graceMs) {
        late.push(`${span} closed at ${fmtTime(end + w.graceMs)}`);
        continue;
      }
      const id = `${key}|${start}`;
      let slot = rt.open.get(id);
      if (slot === undefined) {
        slot = rt.windows.length;
        rt.windows.push({ key, start, end, value: 0, events: 0, last: rec, emitted: null });
        rt.open.set(id, slot);
        k.schedule(end + w.graceMs, this.A_CLOSE, r, slot, 0);
      }
      const win = rt.windows[slot];
      win.value = fold(w.aggregate, win.events === 0 ? null : win.value, x);
      win.events++;
      win.last = rec;
      added.push(`${span}: ${w.aggregate} ${win.value}`);
    }
    const at = `event time ${fmtTime(t)}${t < k.now - c.processingMs ? `, processed at ${fmtTime(k.now)}` : ''}`;
    const pre = joined ? `${joined}; ` : '';
    if (added.length === 0) {
      rt.late.push(rec);
      k.record(S_LATE, rt.node, rec, late.length, `${who} dropped ${L.evText(rec)} as late (${at}): ${late.length === 1 ? 'its window' : 'every window it belongs to'} had closed — ${late.join('; ')}. ${w.graceMs === 0 ? 'With a grace period of 0, an event that arrives after its window ends is lost; a grace period keeps windows open for stragglers' : `The grace period of ${fmtTime(w.graceMs)} was not enough for this one`}`);
      return true;
    }
    k.record(S_WINDOW, rt.node, rec, added.length, `${who} ${pre}added ${L.evText(rec)} (${at}) to ${added.length === 1 ? 'the window' : `${added.length} overlapping windows`} of ${key}: ${added.join('; ')}${late.length ? `; too late for ${late.join('; ')}` : ''}`);
    return true;
  }

  /** [WN4] A window closes: its final result is emitted once (or filtered out by the threshold). */
  private close(r: number, slot: number): void {
    const rt = this.rts[r];
    const w = rt.spec.config.window!;
    const win = rt.windows[slot];
    rt.open.delete(`${win.key}|${win.start}`);
    const span = `[${fmtTime(win.start)}, ${fmtTime(win.end)})`;
    const pass = w.above === undefined || win.value > w.above;
    const result = `${w.aggregate} ${win.value} for ${win.key} in ${span} (${win.events} event${win.events === 1 ? '' : 's'})`;
    if (!pass) {
      win.emitted = false;
      this.k.record(S_WINDOW_CLOSE, rt.node, win.last, 0, `${this.who(r)} closed the window ${span} of ${win.key}: ${result} is not above ${w.above}, so nothing is emitted`);
      return;
    }
    const data = { key: win.key, windowStart: win.start, windowEnd: win.end, [w.aggregate]: win.value, events: win.events };
    const sent = this.emit(rt, rt.spec.config.emitType ?? 'WindowResult', win.key, data, win.last);
    win.emitted = true;
    const to = rt.outputs.map((ch) => this.k.records.channels[ch].id).join(', ');
    this.k.record(S_WINDOW_CLOSE, rt.node, win.last, 1, `${this.who(r)} closed the window ${span} of ${win.key} (its end${w.graceMs ? ` plus ${fmtTime(w.graceMs)} of grace` : ''} has passed) and emits its final result: ${result}${sent ? ` → ${to}` : ' (no output topic: shown here only)'}`);
  }

  /** Sends one result to every output topic; false when there is none. */
  private emit(rt: StreamRt, type: string, key: string | null, data: Json, cause: number): boolean {
    const L = this.k.records;
    let first = -1;
    for (const ch of rt.outputs) {
      const rec = first < 0 ? L.createEvent(type, key, data, rt.node, ch, cause, 1, -1) : L.copyOf(first, rt.node, ch);
      if (first < 0) first = rec;
      rt.emitted++;
      this.net.send(rec, rt.sender, this.net.latency(rt.node, L.channels[ch].node));
    }
    return first >= 0;
  }

  explain(s: StepInfo): string | undefined {
    if (!this.rtOfNode.has(s.node)) return undefined;
    if (s.kind === S_PUBLISH) {
      const L = this.k.records;
      return s.note ?? `${this.k.nodes[s.node].id} published ${L.evText(s.ev)} to ${L.where(s.ev)} (${L.partitionWhy(s.ev)})`;
    }
    return s.note;
  }

  view(node: number): StreamView {
    const rt = this.rts[this.rtOfNode.get(node)!];
    const c = rt.spec.config;
    const L = this.k.records;
    const w = c.window;
    const shown = (x: Win): StreamWindowView => ({ key: x.key, start: x.start, end: x.end, value: x.value, events: x.events });
    return {
      kind: 'stream',
      input: rt.input >= 0 ? L.channels[rt.input].id : null,
      windowing: w ? { type: (w.advanceMs ?? w.sizeMs) < w.sizeMs ? 'hopping' : 'tumbling', sizeMs: w.sizeMs, advanceMs: w.advanceMs ?? w.sizeMs, graceMs: w.graceMs, aggregate: w.aggregate } : null,
      processed: rt.processed,
      late: { count: rt.late.length, recent: rt.late.slice(-10).map((r) => L.idOf(r)) },
      misses: rt.misses,
      emitted: rt.emitted,
      open: [...rt.open.values()].map((i) => shown(rt.windows[i])),
      results: rt.windows
        .filter((x) => x.emitted !== null)
        .slice(-RESULTS_SHOWN)
        .map((x) => ({ ...shown(x), emitted: x.emitted === true })),
      table: c.join ? Object.fromEntries(rt.rows) : null,
    };
  }

  stateSize(): number {
    let n = 0;
    for (const rt of this.rts) n += rt.windows.length + rt.rows.size + rt.late.length;
    return n;
  }

  capture(): StreamState[] {
    return this.rts.map((rt) => copyState(rt));
  }

  restore(state: unknown): void {
    (state as StreamState[]).forEach((s, i) => Object.assign(this.rts[i], copyState(s)));
  }
}

function fresh(): StreamState {
  return { windows: [], open: new Map(), rows: new Map(), processed: 0, late: [], misses: 0, emitted: 0 };
}

function copyState(s: StreamState): StreamState {
  // Window results are closed in order and never change after; open ones are copied. Table
  // rows are event data, which nothing mutates.
  return {
    windows: s.windows.map((w) => ({ ...w })),
    open: new Map(s.open),
    rows: new Map(s.rows),
    processed: s.processed,
    late: [...s.late],
    misses: s.misses,
    emitted: s.emitted,
  };
}
