// The `event-bus` node kind ([B1]–[B4]): EventBridge-style routing by rules. Producers (and
// consumers) publish to the bus; each event is matched against every rule's pattern on its
// fields and delivered to the targets of each rule that matches (one copy per rule and
// target, same CloudEvents id). An event no rule matches is dropped, and the bus shows it.
//
// This file, the schema entry in scenario.ts (EventBusNode and KIND_INFO['event-bus']) and
// the canvas component in src/ui/nodes/EventBusNode/ are the whole kind: the way to add one.
import type { Kernel } from '../kernel.ts';
import type { Module, StepInfo } from '../kind.ts';
import type { Json } from '../json.ts';
import type { EventBusSpec } from '../scenario.ts';
import { Network } from '../network.ts';
import { DeadLetters } from '../deadletters.ts';
import { S_PUBLISH, S_ROUTE } from '../steps.ts';

/** What the bus shows: rules with their matches, and what no rule matched. */
export interface EventBusView {
  kind: 'event-bus';
  received: number;
  rules: { name: string; targets: string[]; matched: number }[];
  unmatched: { count: number; recent: string[] };
}
declare module '../views.ts' {
  interface NodeViews {
    'event-bus': EventBusView;
  }
}

interface BusRt {
  node: number;
  spec: EventBusSpec;
  /** Per rule, the channels of its targets. */
  targets: number[][];
  sender: number;
  lifeEpoch: number;
  // State (captured):
  received: number;
  matched: number[];
  unmatched: number[];
}
type BusState = Pick<BusRt, 'received' | 'matched' | 'unmatched'>;

export class EventBusKind implements Module {
  readonly kinds = ['event-bus'];
  private readonly buses: BusRt[] = [];
  private readonly busOfNode = new Map<number, number>();
  private net!: Network;
  private readonly A_ROUTE: number;

  constructor(private readonly k: Kernel) {
    // a = bus, b = record
    this.A_ROUTE = k.action({
      run: (a, b) => (this.route(a, b), true),
      describe: (a, b, _c, at) => `${k.nodes[this.buses[a].node].id} matches ${k.records.idOf(b)} against its rules ${at}`,
    });
  }

  get intents() {
    return { outage: this.k.get(Network).outageIntent, redrive: this.k.get(DeadLetters).redriveIntent };
  }

  build(): void {
    const k = this.k;
    k.nodes.forEach((n, i) => {
      if (n.kind !== 'event-bus') return;
      const b = this.buses.length;
      const c = k.records.addChannel(i, 1);
      this.busOfNode.set(i, b);
      this.buses.push({ node: i, spec: n, targets: [], sender: -1, lifeEpoch: 0, received: 0, matched: n.config.rules.map(() => 0), unmatched: [] });
      // [B1] Every event published to the bus is matched after its processing time.
      const log = k.records.channels[c].logs[0];
      k.records.channels[c].listeners.push((offset) => k.schedule(k.now + n.config.processingMs, this.A_ROUTE, b, log.get(offset), 0));
    });
  }

  link(): void {
    this.net = this.k.get(Network);
    for (const bus of this.buses) {
      bus.targets = bus.spec.config.rules.map((r) => r.targets.map((t) => this.k.channelIndex(t)));
      bus.sender = this.net.addSender(bus, 100, false, null);
    }
  }

  /** [B2] [B3] Match an event against every rule; deliver a copy per matching rule and target. */
  private route(b: number, rec: number): void {
    const k = this.k;
    const L = k.records;
    const bus = this.buses[b];
    const rules = bus.spec.config.rules;
    const event = {
      type: L.evType(rec),
      source: `/eventfold/${k.nodes[L.evSource(rec)].id}`,
      subject: L.evKey(rec) ?? undefined,
      data: L.evData(rec),
    };
    bus.received++;
    const verdicts = rules.map((r) => mismatch(r.pattern, event));
    const hits: string[] = [];
    const misses: string[] = [];
    rules.forEach((r, i) => {
      if (verdicts[i] !== null) {
        misses.push(`rule "${r.name}" did not match: ${verdicts[i]}`);
        return;
      }
      bus.matched[i]++;
      hits.push(`rule "${r.name}" matched → ${r.targets.join(', ')}`);
      bus.targets[i].forEach((c) => {
        const copy = L.copyOf(rec, bus.node, c);
        this.net.send(copy, bus.sender, this.net.latency(bus.node, L.channels[c].node));
      });
    });
    const who = k.nodes[bus.node].id;
    if (hits.length === 0) {
      bus.unmatched.push(rec);
      // [B4] No rule matched: the event goes nowhere, and the bus says so.
      const why = rules.length === 0 ? 'the bus has no rules yet' : misses.join('; ');
      k.record(S_ROUTE, bus.node, rec, 0, `${who} matched no rule for ${L.evText(rec)}, so the event is dropped, as EventBridge drops an event that no rule matches. ${why[0].toUpperCase()}${why.slice(1)}`);
      return;
    }
    k.record(S_ROUTE, bus.node, rec, hits.length, `${who} routed ${L.evText(rec)}: ${[...hits, ...misses].join('; ')}`);
  }

  explain(s: StepInfo): string | undefined {
    if (!this.busOfNode.has(s.node)) return undefined;
    if (s.kind === S_PUBLISH) {
      const L = this.k.records;
      return s.note ?? `${this.k.nodes[s.node].id} delivered ${L.evText(s.ev)} to ${L.where(s.ev)}, a target of a rule it matched (${L.partitionWhy(s.ev)})`;
    }
    return undefined;
  }

  view(node: number): EventBusView {
    const L = this.k.records;
    const bus = this.buses[this.busOfNode.get(node)!];
    return {
      kind: 'event-bus',
      received: bus.received,
      rules: bus.spec.config.rules.map((r, i) => ({ name: r.name, targets: [...r.targets], matched: bus.matched[i] })),
      unmatched: { count: bus.unmatched.length, recent: bus.unmatched.slice(-10).map((r) => L.idOf(r)) },
    };
  }

  /** Entries a checkpoint copies: each bus's counters and the events no rule matched. */
  stateSize(): number {
    let n = 0;
    for (const b of this.buses) n += b.matched.length + b.unmatched.length;
    return n;
  }

  capture(): BusState[] {
    return this.buses.map((b) => ({ received: b.received, matched: [...b.matched], unmatched: [...b.unmatched] }));
  }

  restore(state: unknown): void {
    (state as BusState[]).forEach((s, i) => Object.assign(this.buses[i], { received: s.received, matched: [...s.matched], unmatched: [...s.unmatched] }));
  }
}

// ---------------------------------------------------------------------------- patterns

type Matcher = Json;

/** Why an event does not match a pattern, in a few words, or null when it matches ([B2]). */
export function mismatch(pattern: Json, event: Record<string, Json | undefined>, path = ''): string | null {
  for (const [field, want] of Object.entries(pattern as Record<string, Json>)) {
    const at = path ? `${path}.${field}` : field;
    const got = event !== null && typeof event === 'object' && !Array.isArray(event) && Object.prototype.hasOwnProperty.call(event, field) ? event[field] : undefined;
    if (!Array.isArray(want)) {
      // A nested pattern: the field must be an object matching it.
      const inner = got !== null && typeof got === 'object' && !Array.isArray(got) ? mismatch(want, got as Record<string, Json>, at) : `${at} is ${got === undefined ? 'missing' : JSON.stringify(got)}, not an object`;
      if (inner) return inner;
      continue;
    }
    if (!want.some((m) => matches(m, got))) return `${at} must be ${want.map(matcherText).join(' or ')}, and it is ${got === undefined ? 'missing' : JSON.stringify(got)}`;
  }
  return null;
}

/** Does one matcher accept a value? A list value matches when any of its items does ([B2]). */
export function matches(m: Matcher, value: Json | undefined): boolean {
  if (m !== null && typeof m === 'object' && !Array.isArray(m) && 'exists' in m) return (value !== undefined) === m.exists;
  if (Array.isArray(value)) return value.some((x) => matches(m, x));
  if (value === undefined) return false;
  if (m === null || typeof m !== 'object') return value === m;
  const [op, arg] = Object.entries(m as Record<string, Json>)[0];
  switch (op) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(arg as string);
    case 'anything-but':
      return !(Array.isArray(arg) ? arg : [arg]).some((x) => x === value);
    case 'numeric': {
      if (typeof value !== 'number') return false;
      const a = arg as (string | number)[];
      for (let i = 0; i < a.length; i += 2) if (!compareNum(a[i] as string, value, a[i + 1] as number)) return false;
      return true;
    }
  }
  return false;
}

function compareNum(op: string, x: number, y: number): boolean {
  switch (op) {
    case '=':
      return x === y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

function matcherText(m: Matcher): string {
  if (m === null || typeof m !== 'object') return JSON.stringify(m);
  const [op, arg] = Object.entries(m as Record<string, Json>)[0];
  switch (op) {
    case 'numeric':
      return (arg as (string | number)[]).join(' ');
    case 'prefix':
      return `text starting ${JSON.stringify(arg)}`;
    case 'anything-but':
      return `anything but ${Array.isArray(arg) ? arg.map((x) => JSON.stringify(x)).join(', ') : JSON.stringify(arg)}`;
    default:
      return arg ? 'present' : 'absent';
  }
}
