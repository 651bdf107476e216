// Lesson goals, evaluated on one run of the engine. Each goal is data (goals.json); each
// result carries the author's label (shown verbatim), a generated sentence saying exactly
// what is checked, whether it holds, what was found, and the step to jump to when there
// is one. A lesson is complete only when every goal holds in the same run.
import { createEngine, restoreScenario, describeErrors } from '../engine/index.ts';
import type { Engine, NodeSpec, Scenario, TraceStep, Session, NodeView } from '../engine/index.ts';
import { unrestored } from './course.ts';
import type { Goal, InvariantSpec, JsonValue, Op, Outcome, Selector, StepFilter, StepWait } from './schema.ts';

export interface GoalResult {
  id: string | null;
  /** The author's line, shown verbatim. */
  label: string;
  /** Exactly what is checked, generated from the goal itself. */
  check: string;
  ok: boolean;
  /** What was found: "2 of at least 3 matching steps", "broke at step 14: …". */
  detail: string;
  /** A step to jump to ("jump there"): where an invariant broke, where a count was reached. */
  step?: number;
  children?: GoalResult[];
}

/** What evaluating needs from a lesson: its goals, and its reference solution for `equivalent`. */
export interface GoalContext {
  goals: readonly Goal[];
  solution: Session;
}

/**
 * Evaluates every goal on the engine's run up to its playhead. Invariant goals replay the
 * same scenario, seed and inputs with the goal's invariants added, so they work whether or
 * not the learner's scenario declares them.
 */
export function evaluateGoals(lesson: GoalContext, engine: Engine): GoalResult[] {
  const run = new Run(engine, lesson.solution, lesson.goals);
  return lesson.goals.map((g) => run.evaluate(g));
}

/**
 * Whether a guided step's wait is met: its goal holds (from results of evaluateGoals), a
 * step matching its filter happened, its `past` goal holds while the playhead is back
 * before the end of the recorded run (the learner is looking at the past), or — for
 * `continue` — never by itself (the learner presses Continue).
 */
export function waitMet(wait: StepWait, results: readonly GoalResult[], engine: Engine): boolean {
  if ('goal' in wait) {
    const find = (rs: readonly GoalResult[]): GoalResult | undefined => {
      for (const r of rs) {
        if (r.id === wait.goal) return r;
        const inner = r.children && find(r.children);
        if (inner) return inner;
      }
      return undefined;
    };
    return find(results)?.ok ?? false;
  }
  if ('trace' in wait) {
    const run = new Run(engine, null, []);
    return engine.steps(0, engine.step).some((s) => run.stepMatches(s, wait.trace));
  }
  if ('past' in wait) {
    // At the end of the run the learner is looking at the present, not asking about the past.
    if (engine.step >= engine.horizon) return false;
    return new Run(engine, null, [wait.past]).evaluate(wait.past).ok;
  }
  return false;
}

/** True when every goal holds: the lesson is complete in this run. */
export function allHold(results: readonly GoalResult[]): boolean {
  return results.length > 0 && results.every((r) => r.ok);
}

// ---------------------------------------------------------------------------- sentences

export function selectorText(s: Selector): string {
  const parts: string[] = [];
  const what = s.kind ?? 'node';
  if (s.id) parts.push(`${what} "${s.id}"`);
  else if (s.label) parts.push(`${what} labelled "${s.label}"`);
  else parts.push(`a ${what}`);
  if (s.config) parts.push(`with ${Object.entries(s.config).map(([k, x]) => `${k} = ${JSON.stringify(x)}`).join(' and ')}`);
  if (s.from) parts.push(`fed by ${selectorText(s.from)}`);
  if (s.to) parts.push(`connected to ${selectorText(s.to)}`);
  return parts.join(' ');
}

const OP_TEXT: Record<Op, string> = { eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤' };

function boundText(atLeast?: number, atMost?: number): string {
  if (atLeast !== undefined && atMost !== undefined) return atLeast === atMost ? `exactly ${atLeast}` : `between ${atLeast} and ${atMost}`;
  if (atMost !== undefined) return `at most ${atMost}`;
  return `at least ${atLeast ?? 1}`;
}

export function filterText(f: StepFilter): string {
  const parts = [f.kind ? `${f.kind.join(' or ')} steps` : 'steps'];
  if (f.node) parts.push(`of ${selectorText(f.node)}`);
  if (f.eventType) parts.push(`about ${f.eventType}`);
  if (f.key) parts.push(`with key ${f.key}`);
  if (f.topic) parts.push(`on ${f.topic}`);
  if (f.text) parts.push(`saying "${f.text}"`);
  if (f.timeAtMost !== undefined) parts.push(`by ${f.timeAtMost} ms`);
  return parts.join(' ');
}

function invariantText(inv: InvariantSpec): string {
  const who = selectorText(inv.node);
  switch (inv.kind) {
    case 'at-most-once':
      return `${who}: "${inv.effect}" happens at most once per key`;
    case 'no-loss':
      return `${who}: no event is lost`;
    case 'key-order':
      return `${who}: events of a key are handled in order`;
    case 'fold':
      return `${who}: its state equals folding each event once`;
    case 'published':
      return `${who}: every change it saves is published`;
    case 'saga-settled':
      return `${who}: every saga completes or is fully compensated`;
    case 'state':
      return `${who}: every ${inv.table} value is ${OP_TEXT[inv.op]} ${JSON.stringify(inv.value)}`;
  }
}

/** Exactly what a goal checks, as one sentence. */
export function goalText(g: Goal): string {
  switch (g.kind) {
    case 'graph':
      if (g.path) return `the graph has a path ${g.path.map(selectorText).join(' → ')}`;
      return `the graph has ${boundText(g.atLeast, g.atMost)} × ${selectorText(g.exists ?? {}).replace(/^a /, '')}${g.every ? `, each of them ${selectorText(g.every).replace(/^a node /, '')}` : ''}`;
    case 'trace':
      return `${g.perConversation ? 'in one conversation (one correlation id), ' : ''}${boundText(g.atLeast, g.atMost)} ${g.distinct ? `different ${g.distinct === 'eventId' ? 'event' : g.distinct === 'eventType' ? 'event type' : g.distinct}s in ` : ''}${filterText(g.match)}`;
    case 'invariant':
      return `${g.expect === 'broke' ? 'breaks' : 'holds for the whole run'}: ${invariantText(g.invariant)}`;
    case 'metric':
      return `${g.of === 'value' ? '' : `${g.of} of `}${g.path.join(' › ')} of ${selectorText(g.node)} ${OP_TEXT[g.op]} ${JSON.stringify(g.value)}`;
    case 'equivalent':
      return `the ${g.compare.join(', ')} match the reference solution run with the same seed`;
    case 'alert':
      return `a ${g.metric} alert on ${g.node}${g.thresholdAtMost !== undefined ? ` (threshold ≤ ${g.thresholdAtMost})` : ''}${g.forAtMost !== undefined ? ` (for ≤ ${g.forAtMost} ms)` : ''} exists${g.fired ? `, fired ${boundText(g.fired.atLeast, g.fired.atMost)} times` : ''}${g.state ? `, and is ${g.state} at the playhead` : ''}`;
    case 'all':
      return `all of: ${g.of.map((x) => x.label).join('; ')}`;
    case 'any':
      return `any of: ${g.of.map((x) => x.label).join('; ')}`;
    case 'not':
      return `not: ${g.goal.label}`;
  }
}

// ---------------------------------------------------------------------------- values

function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
function canonical(x: unknown): string {
  if (x === undefined) return 'null';
  if (x === null || typeof x !== 'object') return JSON.stringify(x);
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  return `{${Object.keys(x)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical((x as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

/** Compares as a rule condition does: eq/ne deeply, ordering number with number or text with text. */
export function compareValues(op: Op, a: unknown, b: unknown): boolean {
  if (op === 'eq') return same(a, b);
  if (op === 'ne') return !same(a, b);
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return false;
  return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
}

function readPath(root: unknown, path: readonly string[]): unknown {
  let x = root;
  for (const p of path) {
    if (x === null || typeof x !== 'object' || !Object.prototype.hasOwnProperty.call(x, p)) return undefined;
    x = (x as Record<string, unknown>)[p];
  }
  return x;
}

/**
 * A node's view as metric goals read it: lists of things with ids become records keyed by
 * id, and a few totals are added (a topic's lag per group, a saga's count per state).
 */
export function metricSource(view: NodeView): Record<string, unknown> {
  switch (view.kind) {
    case 'aggregate':
      return { ...view, streams: Object.fromEntries(view.streams.map((s) => [s.id, { version: s.version, state: s.state, snapshot: s.snapshot }])) };
    case 'saga': {
      const states: Record<string, number> = {};
      for (const i of view.instances) states[i.state] = (states[i.state] ?? 0) + 1;
      return { ...view, instances: Object.fromEntries(view.instances.map((i) => [i.id, i])), states, notUndone: notUndone(view) };
    }
    case 'topic': {
      const lag: Record<string, number> = {};
      let end = 0;
      // Records still in the log: not deleted by retention, not removed by compaction ([RT1]–[RT5]).
      let kept = 0;
      for (const p of view.partitions) {
        end += p.end;
        kept += p.end - p.start - p.compacted.length;
        for (const g of p.groups) lag[g.group] = (lag[g.group] ?? 0) + g.lag;
      }
      return { ...view, end, kept, lag };
    }
    case 'queue':
      return { ...view, messages: Object.fromEntries(view.messages.map((m) => [m.id, m])) };
    default:
      return { ...view };
  }
}

/**
 * Per compensated instance, the steps it did that were never undone: a step with no
 * compensation counts as undone for the engine ([W3]), but what it did is still there
 * (stock still reserved). Instances with nothing left out are not listed, so "fully
 * compensated" is `notUndone` equal to {}.
 */
function notUndone(view: Extract<NodeView, { kind: 'saga' }>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of view.instances) {
    if (i.state !== 'compensated') continue;
    const undone = i.history.filter((h) => h.endsWith(' undone')).map((h) => h.slice(0, -' undone'.length));
    const left = [...i.done];
    for (const u of undone) {
      const k = left.indexOf(u);
      if (k >= 0) left.splice(k, 1);
    }
    if (left.length) out[i.id] = left;
  }
  return out;
}

function reduce(of: 'value' | 'sum' | 'count' | 'max' | 'min', x: unknown): unknown {
  if (of === 'value') return x === undefined ? null : x;
  const items = x === null || x === undefined ? [] : Array.isArray(x) ? x : typeof x === 'object' ? Object.values(x) : [x];
  if (of === 'count') return items.length;
  const nums = items.filter((n): n is number => typeof n === 'number');
  if (of === 'sum') return nums.reduce((a, b) => a + b, 0);
  if (nums.length === 0) return 0;
  return of === 'max' ? Math.max(...nums) : Math.min(...nums);
}

// ---------------------------------------------------------------------------- one run

class Run {
  private readonly scenario: Scenario;
  private readonly byId: Map<string, NodeSpec>;
  private trace: TraceStep[] | null = null;
  private view: Record<string, NodeView> | null = null;
  private shadow: Map<string, ReturnType<Engine['invariantStatus']>[number]> | null = null;
  private reference: Engine | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly solution: Session | null,
    /** Every goal of the lesson, so that one shadow replay covers all invariant goals. */
    private readonly goalsForShadow: readonly Goal[],
  ) {
    this.scenario = engine.scenario;
    this.byId = new Map(this.scenario.nodes.map((n) => [n.id, n]));
  }

  evaluate(g: Goal): GoalResult {
    const base = { id: g.id ?? null, label: g.label, check: goalText(g) };
    try {
      return { ...base, ...this.judge(g) };
    } catch (e) {
      return { ...base, ok: false, detail: `could not be checked: ${(e as Error).message}` };
    }
  }

  private judge(g: Goal): Omit<GoalResult, 'id' | 'label' | 'check'> {
    switch (g.kind) {
      case 'graph':
        return g.path ? this.path(g.path) : this.exists(g.exists ?? {}, g.atLeast, g.atMost, g.every);
      case 'trace':
        if (g.perConversation) return this.perConversation(g.match, g.atLeast, g.atMost, g.distinct);
        {
          const { count: _count, ...r } = this.traceGoal(g.match, g.atLeast, g.atMost, g.distinct);
          return r;
        }
      case 'invariant':
        return this.invariant(g.invariant, g.expect);
      case 'metric':
        return this.metric(g.node, g.path, g.of, g.op, g.value);
      case 'equivalent':
        return this.equivalent(g.compare, g.nodes);
      case 'alert':
        return this.alert(g);
      case 'all':
      case 'any': {
        const children = g.of.map((x) => this.evaluate(x));
        const ok = g.kind === 'all' ? children.every((c) => c.ok) : children.some((c) => c.ok);
        const n = children.filter((c) => c.ok).length;
        return { ok, detail: `${n} of ${children.length} hold`, children, step: children.find((c) => c.step !== undefined)?.step };
      }
      case 'not': {
        const inner = this.evaluate(g.goal);
        return { ok: !inner.ok, detail: inner.ok ? `it holds: ${inner.detail}` : `it does not hold: ${inner.detail}`, children: [inner] };
      }
    }
  }

  // -- nodes

  matches(n: NodeSpec, s: Selector): boolean {
    if (s.id !== undefined && n.id !== s.id) return false;
    if (s.kind !== undefined && n.kind !== s.kind) return false;
    if (s.label !== undefined && n.label.toLowerCase() !== s.label.toLowerCase()) return false;
    if (s.config) for (const [path, want] of Object.entries(s.config)) if (!same(readPath(n.config, path.split('.')), want)) return false;
    const edges = this.scenario.edges;
    if (s.from && !edges.some((e) => e.target === n.id && this.byId.has(e.source) && this.matches(this.byId.get(e.source)!, s.from!))) return false;
    if (s.to && !edges.some((e) => e.source === n.id && this.byId.has(e.target) && this.matches(this.byId.get(e.target)!, s.to!))) return false;
    return true;
  }

  select(s: Selector): NodeSpec[] {
    return this.scenario.nodes.filter((n) => this.matches(n, s));
  }

  private exists(s: Selector, atLeast?: number, atMost?: number, every?: Selector) {
    const found = this.select(s);
    const lo = atLeast ?? (atMost === undefined ? 1 : 0);
    const odd = every ? found.filter((n) => !this.matches(n, every)) : [];
    const ok = found.length >= lo && (atMost === undefined || found.length <= atMost) && odd.length === 0;
    const list = found.length === 0 ? 'none found' : `found ${found.length}: ${found.map((n) => n.label).join(', ')}`;
    return { ok, detail: odd.length ? `${list}; not as required: ${odd.map((n) => n.label).join(', ')}` : list };
  }

  private path(sel: Selector[]) {
    // Walk the selectors, keeping every node reachable so far along a match.
    let frontier = this.select(sel[0]);
    let reached = 0;
    for (let i = 1; i < sel.length && frontier.length; i++) {
      const ids = new Set(frontier.map((n) => n.id));
      const next = this.scenario.edges.filter((e) => ids.has(e.source)).map((e) => this.byId.get(e.target)!).filter((n) => n && this.matches(n, sel[i]));
      frontier = [...new Map(next.map((n) => [n.id, n])).values()];
      if (frontier.length) reached = i;
    }
    const ok = frontier.length > 0 && reached === sel.length - 1;
    return { ok, detail: ok ? `found: ends at ${frontier.map((n) => n.label).join(', ')}` : `broken after ${selectorText(sel[reached])}` };
  }

  // -- trace

  private steps(): TraceStep[] {
    this.trace ??= this.engine.steps(0, this.engine.step);
    return this.trace;
  }

  stepMatches(s: TraceStep, f: StepFilter): boolean {
    if (f.kind && !f.kind.includes(s.kind)) return false;
    if (f.node) {
      const n = s.node === null ? undefined : this.byId.get(s.node);
      if (!n || !this.matches(n, f.node)) return false;
    }
    if (f.eventType !== undefined && s.eventType !== f.eventType) return false;
    if (f.key !== undefined && s.key !== f.key) return false;
    if (f.topic !== undefined && s.topic !== f.topic) return false;
    if (f.text !== undefined && !s.text.includes(f.text)) return false;
    if (f.timeAtMost !== undefined && s.time > f.timeAtMost) return false;
    return true;
  }

  private perConversation(f: StepFilter, atLeast: number | undefined, atMost: number | undefined, distinct?: 'node' | 'key' | 'eventId' | 'eventType') {
    const ids = [...new Set(this.steps().filter((s) => s.correlationId !== null && this.stepMatches(s, f)).map((s) => s.correlationId!))];
    let best: { id: string; r: ReturnType<Run['traceGoal']> } | null = null;
    for (const id of ids) {
      const r = this.traceGoal(f, atLeast, atMost, distinct, id);
      if (r.ok) return { ...r, detail: `conversation ${id}: ${r.detail}` };
      if (!best || r.count > best.r.count) best = { id, r };
    }
    return best ? { ok: false, detail: `conversation ${best.id} comes closest: ${best.r.detail}` } : { ok: false, detail: 'no conversation yet' };
  }

  private traceGoal(f: StepFilter, atLeast: number | undefined, atMost: number | undefined, distinct?: 'node' | 'key' | 'eventId' | 'eventType', conversation?: string) {
    const seen = new Set<string>();
    let count = 0;
    let reachedAt: number | undefined;
    let overAt: number | undefined;
    const lo = atLeast ?? 0;
    for (const s of this.steps()) {
      if (conversation !== undefined && s.correlationId !== conversation) continue;
      if (!this.stepMatches(s, f)) continue;
      if (distinct) {
        const k = String(s[distinct]);
        if (seen.has(k)) continue;
        seen.add(k);
      }
      count++;
      if (count === lo) reachedAt = s.seq;
      if (atMost !== undefined && count === atMost + 1) overAt = s.seq;
    }
    const ok = count >= lo && (atMost === undefined || count <= atMost);
    const unit = distinct ? `different ${distinct === 'eventId' ? 'event' : distinct === 'eventType' ? 'event type' : distinct}${count === 1 ? '' : 's'}` : `matching step${count === 1 ? '' : 's'}`;
    const detail = `${count} ${unit}${distinct ? ` (${[...seen].join(', ')})` : ''}`;
    return { ok, detail, count, step: overAt ?? (ok && lo > 0 ? reachedAt : undefined) };
  }

  // -- alerts ([AL6]): the scenario's own alerts, so deleting one never passes a goal

  private alert(g: Extract<Goal, { kind: 'alert' }>) {
    const { node, metric, fired, state } = g;
    const all = this.engine.view().alerts;
    const mine = all.filter((a) => a.node === node && a.metric === metric && (g.thresholdAtMost === undefined || a.threshold <= g.thresholdAtMost) && (g.forAtMost === undefined || a.forMs <= g.forAtMost));
    const strict = `${g.thresholdAtMost !== undefined ? ` with a threshold of at most ${g.thresholdAtMost}` : ''}${g.forAtMost !== undefined ? `${g.thresholdAtMost !== undefined ? ' and' : ' with'} a "for" of at most ${g.forAtMost} ms` : ''}`;
    if (mine.length === 0) return { ok: false, detail: `no ${metric} alert${strict} watches ${node}: the alert is how you know, so keep it (Invariants panel → Alerts)` };
    const labels = new Set(mine.map((a) => `Alert "${a.label}" fired`));
    let count = 0;
    let at: number | undefined;
    for (const s of this.steps()) {
      if (s.kind !== 'alert' || ![...labels].some((l) => s.text.startsWith(l))) continue;
      count++;
      if (fired?.atMost !== undefined && count === fired.atMost + 1) at = s.seq;
      else if (at === undefined && count === (fired?.atLeast ?? -1)) at = s.seq;
    }
    const lo = fired?.atLeast ?? 0;
    const firedOk = !fired || (count >= lo && (fired.atMost === undefined || count <= fired.atMost));
    const states = mine.map((a) => a.state);
    const stateOk = !state || states.includes(state as never);
    return { ok: firedOk && stateOk, detail: `it fired ${count} time${count === 1 ? '' : 's'}; ${states.join(', ')} at the playhead`, step: at };
  }

  // -- invariants: a shadow run of the same session with the goal's invariants added

  private invariant(inv: InvariantSpec, expect: 'held' | 'broke') {
    const nodes = this.select(inv.node).filter((n) => invariantFits(inv.kind, n.kind));
    if (nodes.length === 0) return { ok: false, detail: `no ${selectorText(inv.node)} to watch` };
    const statuses = nodes.map((n) => this.shadowStatus(inv, n.id));
    const broken = statuses.filter((s) => s.status === 'broken').sort((a, b) => (a.brokeAt ?? 0) - (b.brokeAt ?? 0));
    const pending = statuses.some((s) => s.status === 'pending');
    if (broken.length) {
      const b = broken[0];
      return { ok: expect === 'broke', detail: `broke at step ${b.brokeAt}: ${b.message}`, step: b.brokeAt ?? undefined };
    }
    if (pending) return { ok: false, detail: 'checked when nothing is left to do: run to the end' };
    return { ok: expect === 'held', detail: `held (${nodes.map((n) => n.label).join(', ')})` };
  }

  private shadowStatus(inv: InvariantSpec, node: string) {
    if (!this.shadow) this.shadow = this.runShadow();
    const s = this.shadow.get(invariantKey(inv, node));
    if (!s) throw new Error('the invariant could not be set up');
    return s;
  }

  private runShadow() {
    // Every invariant goal of this evaluation is added at once: one replay, not one per goal.
    const specs: { key: string; raw: Record<string, unknown> }[] = [];
    const collect = (g: Goal) => {
      if (g.kind === 'invariant') {
        for (const n of this.select(g.invariant.node).filter((x) => invariantFits(g.invariant.kind, x.kind))) {
          const { node: _n, ...rest } = g.invariant;
          specs.push({ key: invariantKey(g.invariant, n.id), raw: { ...rest, node: n.id } });
        }
      } else if (g.kind === 'all' || g.kind === 'any') g.of.forEach(collect);
      else if (g.kind === 'not') collect(g.goal);
    };
    this.goalsForShadow.forEach(collect);
    const scenario = restoreScenario({ ...unrestored(this.scenario), invariants: specs.map((s) => s.raw) });
    if (!scenario.ok) throw new Error(describeErrors(scenario.errors));
    const { seed, inputs } = this.engine.session();
    const shadow = createEngine(scenario.value, { seed, inputs, trace: false });
    shadow.stepForward(this.engine.step);
    // Pending actions that make no step (a timeout that finds its saga step done) keep a
    // world from being idle; the learner's run drained them, so the shadow must too.
    if (this.engine.idle) shadow.runUntilIdle();
    const status = shadow.invariantStatus();
    return new Map(specs.map((s, i) => [s.key, status[i]]));
  }

  // -- metrics

  private views(): Record<string, NodeView> {
    this.view ??= this.engine.view().nodes;
    return this.view;
  }

  private metric(sel: Selector, path: string[], of: 'value' | 'sum' | 'count' | 'max' | 'min', op: Op, want: JsonValue) {
    const nodes = this.select(sel);
    if (nodes.length === 0) return { ok: false, detail: `no ${selectorText(sel)}` };
    const found = nodes.map((n) => {
      const view = this.views()[n.id];
      const value = view ? reduce(of, readPath(metricSource(view), path)) : null;
      return { n, value, ok: compareValues(op, value, want) };
    });
    const ok = found.every((f) => f.ok);
    return { ok, detail: found.map((f) => `${nodes.length > 1 ? `${f.n.label}: ` : ''}${JSON.stringify(f.value)}`).join(', ') };
  }

  // -- equivalence with the reference solution

  private counterpart(ref: NodeSpec): NodeSpec | undefined {
    return counterpartOf(this.scenario.nodes, ref);
  }

  private equivalent(compare: Outcome[], only?: string[]) {
    if (!this.solution) return { ok: false, detail: 'no reference solution to compare with' };
    if (this.reference === null) {
      // The reference solution, replayed with the learner's seed, to the end.
      this.reference = createEngine(this.solution.scenario, { seed: this.engine.session().seed, inputs: this.solution.inputs });
      this.reference.runUntilIdle();
    }
    const theirs = outcomes(this.reference, compare);
    const ours = outcomes(this.engine, compare);
    for (const [id, want] of Object.entries(theirs)) {
      if (only && !only.includes(id)) continue;
      const mine = this.counterpart(this.reference.scenario.nodes.find((n) => n.id === id)!);
      const got = mine ? ours[mine.id] : undefined;
      if (got === undefined) return { ok: false, detail: `the reference has ${id}; your scenario has no such ${this.reference.scenario.nodes.find((n) => n.id === id)!.kind}` };
      for (const part of compare) {
        if (!(part in want)) continue;
        const diff = firstDifference(want[part], got[part]);
        if (diff) return { ok: false, detail: `${id} ${part} differ at ${diff}` };
      }
    }
    return { ok: true, detail: 'same outcomes as the reference solution' };
  }
}

/** Not ids: the learner's node with the reference node's id, else its label, else the only one of its kind. */
function counterpartOf(nodes: readonly NodeSpec[], ref: NodeSpec): NodeSpec | undefined {
  const sameKind = nodes.filter((n) => n.kind === ref.kind);
  return (
    sameKind.find((n) => n.id === ref.id) ??
    sameKind.find((n) => n.label.toLowerCase() === ref.label.toLowerCase()) ??
    (sameKind.length === 1 ? sameKind[0] : undefined)
  );
}

function invariantKey(inv: InvariantSpec, node: string): string {
  return canonical({ ...inv, node });
}

function invariantFits(kind: InvariantSpec['kind'], node: NodeSpec['kind']): boolean {
  if (kind === 'published') return node === 'producer';
  if (kind === 'saga-settled') return node === 'saga';
  return node === 'consumer' || node === 'projection';
}

/** Observable outcomes per node: what a service did and holds, never layout or event ids. */
export function outcomes(engine: Engine, compare: readonly Outcome[]): Record<string, Partial<Record<Outcome, unknown>>> {
  const out: Record<string, Partial<Record<Outcome, unknown>>> = {};
  for (const [id, v] of Object.entries(engine.view().nodes)) {
    const o: Partial<Record<Outcome, unknown>> = {};
    if (v.kind === 'consumer') {
      if (compare.includes('effects')) o.effects = v.effects;
      if (compare.includes('state')) {
        // Bookkeeping tables of the idempotency strategies are how, not what.
        const { ['processed-ids']: _p, versions: _v, ...rest } = v.state;
        o.state = rest;
      }
    } else if (v.kind === 'projection' && compare.includes('tables')) o.tables = v.tables;
    else if (v.kind === 'aggregate' && compare.includes('streams')) o.streams = Object.fromEntries(v.streams.map((s) => [s.id, { version: s.version, state: s.state }]));
    else if (v.kind === 'saga' && compare.includes('sagas')) o.sagas = v.instances.map((i) => i.state).sort();
    if (Object.keys(o).length) out[id] = o;
  }
  return out;
}

function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (same(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at} › ${k}` : k);
      if (d) return d;
    }
  }
  return `${at || '(all)'}: the reference has ${JSON.stringify(a ?? null)}, yours ${JSON.stringify(b ?? null)}`;
}
