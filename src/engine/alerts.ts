// Alerts ([AL1]–[AL6]): a scenario's monitoring rules, like Prometheus alerting rules. Each
// compares one metric of one node (its consumer group's lag, the latency of the events it
// handles, its handler error rate over a sliding window) with a threshold; when the
// condition has held for `forMs` the alert fires, and when it stops holding the alert
// clears. Both are trace steps of their own (`alert`). The module watches the steps only when
// the scenario has alerts (kernel.watcher), so a run without alerts pays nothing.
import type { Kernel, StepWatcher } from './kernel.ts';
import type { Module, StepInfo } from './kind.ts';
import type { Alert } from './scenario.ts';
import { S_ALERT, S_ERROR, S_HANDLE, fmtMs } from './steps.ts';
import { ConsumerGroups } from './kinds/consumer.ts';
import { QueueKind } from './kinds/queue.ts';
import type { Replication } from './kinds/replication.ts';

export type AlertState = 'ok' | 'pending' | 'firing';

export interface AlertStatus {
  label: string;
  node: string;
  metric: Alert['metric'];
  op: Alert['op'];
  threshold: number;
  forMs: number;
  /** An error rate's window (ms); null for other metrics. */
  windowMs: number | null;
  /** The label the scenario gives it, or null (then `label` is a generated sentence). */
  ownLabel: string | null;
  state: AlertState;
  /** Steps applied when it entered this state (seek there to see the moment), null for ok since the start. */
  since: number | null;
  /** Logical time it entered this state. */
  sinceTime: number | null;
  /** The metric's value after the step at the playhead. */
  value: number;
}

const OPS = { gt: '>', gte: '≥', lt: '<', lte: '≤' } as const;
const UNIT = { lag: '', latency: ' ms', 'error-rate': ' %', 'under-replicated': '' } as const;
const WHAT = { lag: 'lag', latency: 'latency', 'error-rate': 'error rate', 'under-replicated': 'under-replicated partitions' } as const;
/** The sliding window of an error-rate alert when it names none ([AL4]). */
export const DEFAULT_WINDOW_MS = 1000;

const OK = 0;
const PENDING = 1;
const FIRING = 2;

interface State {
  st: number[];
  since: number[];
  sinceTime: number[];
  epoch: number[];
  /** Firing, but the condition stopped holding: a clear is scheduled. */
  clearing: boolean[];
  value: number[];
  /** Per alert: the latest handled event's latency (latency alerts). */
  latency: number[];
  /** Per alert: handle attempts in its window, as times and whether each was an error. */
  winT: number[][];
  winE: boolean[][];
}

/** A default sentence for an alert the scenario did not label. */
export function alertLabel(a: Alert): string {
  const what = WHAT[a.metric];
  return `${a.node}: ${what} ${OPS[a.op]} ${a.threshold}${UNIT[a.metric]}${a.forMs ? ` for ${fmtMs(a.forMs)}` : ''}`;
}

export function holds(op: Alert['op'], value: number, threshold: number): boolean {
  return op === 'gt' ? value > threshold : op === 'gte' ? value >= threshold : op === 'lt' ? value < threshold : value <= threshold;
}

export class Alerts implements Module, StepWatcher {
  readonly kinds = [] as const;
  private readonly alerts: readonly Alert[];
  private readonly nodeOf: number[];
  private s: State;
  private groups!: ConsumerGroups;
  private queues!: QueueKind;
  private replicas!: Replication | null;
  private readonly A_FIRE: number;
  private readonly A_CLEAR: number;

  constructor(private readonly k: Kernel) {
    this.alerts = k.scenario.alerts ?? [];
    this.nodeOf = this.alerts.map((a) => k.nodeIndex.get(a.node)!);
    const n = this.alerts.length;
    this.s = {
      st: new Array(n).fill(OK),
      since: new Array(n).fill(-1),
      sinceTime: new Array(n).fill(-1),
      epoch: new Array(n).fill(0),
      clearing: new Array(n).fill(false),
      value: new Array(n).fill(0),
      latency: new Array(n).fill(0),
      winT: this.alerts.map(() => []),
      winE: this.alerts.map(() => []),
    };
    this.A_FIRE = k.action({
      stale: (i, epoch) => this.s.epoch[i] !== epoch || this.s.st[i] !== PENDING,
      run: (i) => this.transition(i, FIRING),
      describe: (i, _b, _c, at) => `alert "${this.label(i)}" fires ${at} if its condition still holds`,
    });
    this.A_CLEAR = k.action({
      stale: (i, epoch) => this.s.epoch[i] !== epoch || !this.s.clearing[i],
      run: (i) => this.transition(i, OK),
      describe: (i, _b, _c, at) => `alert "${this.label(i)}" clears ${at}`,
    });
    if (n > 0) k.watcher = this;
  }

  link(): void {
    this.groups = this.k.get(ConsumerGroups);
    this.queues = this.k.get(QueueKind);
    this.replicas = this.k.optional<Replication>('replication');
  }

  start(): void {
    // [AL2] A condition that holds before any step (lag < 5 at the start) is pending from step 0.
    for (let i = 0; i < this.alerts.length; i++) this.evaluate(i, 0);
  }

  private label(i: number): string {
    return this.alerts[i].label ?? alertLabel(this.alerts[i]);
  }

  // -------------------------------------------------------------------------- watching steps

  /** [AL4] A handled event's latency and a handle attempt (handled or failed) of a watched node. */
  recorded(kind: number, node: number, event: number): void {
    if (kind !== S_HANDLE && kind !== S_ERROR) return;
    const now = this.k.now;
    for (let i = 0; i < this.alerts.length; i++) {
      if (this.nodeOf[i] !== node) continue;
      const m = this.alerts[i].metric;
      if (m === 'latency' && kind === S_HANDLE && event >= 0) this.s.latency[i] = now - this.k.records.evTime(event);
      else if (m === 'error-rate') {
        this.s.winT[i].push(now);
        this.s.winE[i].push(kind === S_ERROR);
      }
    }
  }

  /** [AL2] After every step: each alert's condition, and the transitions it starts. */
  stepped(): void {
    const after = this.k.stepCount + 1;
    for (let i = 0; i < this.alerts.length; i++) this.evaluate(i, after);
  }

  /** The metric of alert `i` now ([AL4]). */
  metric(i: number): number {
    const a = this.alerts[i];
    const node = this.nodeOf[i];
    if (a.metric === 'latency') return this.s.latency[i];
    if (a.metric === 'error-rate') {
      const from = this.k.now - (a.windowMs ?? DEFAULT_WINDOW_MS);
      const t = this.s.winT[i];
      const e = this.s.winE[i];
      let drop = 0;
      while (drop < t.length && t[drop] <= from) drop++;
      if (drop > 0) {
        t.splice(0, drop);
        e.splice(0, drop);
      }
      if (t.length === 0) return 0;
      let errors = 0;
      for (const x of e) if (x) errors++;
      return Math.round((errors / t.length) * 1000) / 10;
    }
    // Kafka's UnderReplicatedPartitions: partitions whose ISR is smaller than the replication factor.
    if (a.metric === 'under-replicated') return this.replicas?.underReplicated(this.k.records.channelOfNode.get(node)!) ?? 0;
    const g = this.groups;
    const m = g.members[g.memberOfNode.get(node)!];
    let lag = g.groupLag(g.groups[m.group]);
    for (const q of m.queues) {
      const qv = this.queues.view(this.k.nodeIndex.get(this.k.records.channels[q].id)!);
      lag += qv.ready;
    }
    return lag;
  }

  private evaluate(i: number, after: number): void {
    const a = this.alerts[i];
    const s = this.s;
    const value = this.metric(i);
    s.value[i] = value;
    const cond = holds(a.op, value, a.threshold);
    const k = this.k;
    if (s.st[i] === OK) {
      if (!cond) return;
      s.st[i] = PENDING;
      s.since[i] = after;
      s.sinceTime[i] = k.now;
      s.epoch[i]++;
      k.schedule(k.now + (a.forMs ?? 0), this.A_FIRE, i, s.epoch[i], 0);
    } else if (s.st[i] === PENDING) {
      // [AL2] It must hold at every step for forMs: one step without it and it is ok again.
      if (cond) return;
      s.st[i] = OK;
      s.since[i] = after;
      s.sinceTime[i] = k.now;
      s.epoch[i]++;
    } else if (!cond && !s.clearing[i]) {
      s.clearing[i] = true;
      s.epoch[i]++;
      k.schedule(k.now, this.A_CLEAR, i, s.epoch[i], 0);
    } else if (cond && s.clearing[i]) {
      s.clearing[i] = false;
      s.epoch[i]++;
    }
  }

  /** [AL3] The alert step: fired (pending long enough) or cleared. */
  private transition(i: number, to: number): boolean {
    const s = this.s;
    const k = this.k;
    const a = this.alerts[i];
    const heldFor = k.now - s.sinceTime[i];
    const value = `${s.value[i]}${UNIT[a.metric]}`;
    s.st[i] = to;
    s.clearing[i] = false;
    s.epoch[i]++;
    s.since[i] = k.stepCount + 1;
    s.sinceTime[i] = k.now;
    const what = WHAT[a.metric];
    const note =
      to === FIRING
        ? `${what} of ${a.node} is ${value} and has been ${OPS[a.op]} ${a.threshold}${UNIT[a.metric]} for ${fmtMs(heldFor)}${a.forMs ? ` (it must hold ${fmtMs(a.forMs)})` : ''}`
        : `${what} of ${a.node} is back to ${value}: no longer ${OPS[a.op]} ${a.threshold}${UNIT[a.metric]}`;
    k.record(S_ALERT, this.nodeOf[i], -1, i * 2 + (to === FIRING ? 1 : 0), note);
    return true;
  }

  explain(s: StepInfo): string | undefined {
    if (s.kind !== S_ALERT) return undefined;
    const i = s.aux >> 1;
    return `Alert "${this.label(i)}" ${s.aux & 1 ? 'fired' : 'cleared'}: ${s.note ?? ''}`;
  }

  /** Each alert at the playhead ([AL5]). */
  status(): AlertStatus[] {
    const s = this.s;
    return this.alerts.map((a, i) => {
      const st = s.st[i] === FIRING ? 'firing' : s.st[i] === PENDING ? 'pending' : 'ok';
      const known = s.since[i] >= 0;
      return { label: this.label(i), node: a.node, metric: a.metric, op: a.op, threshold: a.threshold, forMs: a.forMs ?? 0, windowMs: a.metric === 'error-rate' ? (a.windowMs ?? DEFAULT_WINDOW_MS) : null, ownLabel: a.label ?? null, state: st, since: known ? s.since[i] : null, sinceTime: known ? s.sinceTime[i] : null, value: s.value[i] };
    });
  }

  capture(): State {
    const s = this.s;
    return {
      st: [...s.st],
      since: [...s.since],
      sinceTime: [...s.sinceTime],
      epoch: [...s.epoch],
      clearing: [...s.clearing],
      value: [...s.value],
      latency: [...s.latency],
      winT: s.winT.map((x) => [...x]),
      winE: s.winE.map((x) => [...x]),
    };
  }

  restore(state: unknown): void {
    const c = state as State;
    this.s = {
      st: [...c.st],
      since: [...c.since],
      sinceTime: [...c.sinceTime],
      epoch: [...c.epoch],
      clearing: [...c.clearing],
      value: [...c.value],
      latency: [...c.latency],
      winT: c.winT.map((x) => [...x]),
      winE: c.winE.map((x) => [...x]),
    };
  }
}
