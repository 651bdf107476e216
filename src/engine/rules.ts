// Declarative handler rules, compiled once into plain closures over data (never eval or
// new Function: a rule is a tree of objects from the scenario). See SPEC [H1]–[H7].
import { copyJson, own, stableStringify, type Json } from './json.ts';
import type { Action, Condition, Expr, Rule } from './scenario.ts';

/** What a rule can read: the event being handled and the group's store. */
export interface RuleInput {
  /** Reads a field of the event by dotted path (`data.orderId`, `type`, `partitionkey`). */
  field(path: readonly string[]): unknown;
  /** The event's data, for emits that forward it unchanged. */
  data(): Json;
  read(table: string, key: string): Json | undefined;
}

export interface Write {
  table: string;
  key: string;
  value: Json;
}
export interface Emit {
  topic: string;
  type: string;
  key: string | null;
  data: Json;
}
export interface Outcome {
  /** Index of the rule that matched, or -1 when none did (the event is ignored). */
  rule: number;
  writes: Write[];
  emits: Emit[];
  effects: { name: string; key: string }[];
  /** Commands sent to aggregates ([A3]). */
  commands: { aggregate: string; command: string; stream: string; data: Json }[];
  /** Set when the handler failed; nothing else in the outcome is applied. */
  error?: string;
}

class HandlerError extends Error {}

type Eval = (ctx: Ctx) => unknown;
interface Ctx {
  input: RuleInput;
  /** Writes staged by this handling, in order; a handling stages only a few. */
  staged: Write[];
}

function compileExpr(e: Expr): Eval {
  if (e === null || typeof e !== 'object') return () => e;
  if ('event' in e) {
    const path = e.event.split('.');
    return (ctx) => ctx.input.field(path);
  }
  const table = e.state;
  const key = compileKey(e.key, table);
  return (ctx) => readStaged(ctx, table, key(ctx));
}

function readStaged(ctx: Ctx, table: string, key: string): Json | undefined {
  // A scan over a few staged writes beats building a `table\0key` string per lookup.
  const staged = ctx.staged;
  for (let i = 0; i < staged.length; i++) if (staged[i].key === key && staged[i].table === table) return staged[i].value;
  return ctx.input.read(table, key);
}

/** A row key from a value: text that is not empty, or a number as text; null for anything else. */
export function keyText(k: unknown): string | null {
  return typeof k === 'string' && k !== '' ? k : typeof k === 'number' ? String(k) : null;
}

function compileKey(e: Expr, table: string): (ctx: Ctx) => string {
  const value = compileExpr(e);
  return (ctx) => {
    const k = value(ctx);
    const key = keyText(k);
    if (key !== null) return key;
    throw new HandlerError(`the key for ${table} is ${k === undefined ? 'missing' : JSON.stringify(k)} (${exprText(e)}): a key must be text or a number`);
  };
}

function compileCond(c: Condition): (ctx: Ctx) => boolean {
  switch (c.op) {
    case 'all': {
      const parts = c.of.map(compileCond);
      return (ctx) => parts.every((p) => p(ctx));
    }
    case 'any': {
      const parts = c.of.map(compileCond);
      return (ctx) => parts.some((p) => p(ctx));
    }
    case 'not': {
      const inner = compileCond(c.cond);
      return (ctx) => !inner(ctx);
    }
    case 'exists':
    case 'missing': {
      const value = compileExpr(c.value);
      const want = c.op === 'exists';
      return (ctx) => {
        const x = value(ctx);
        return (x !== undefined && x !== null) === want;
      };
    }
    default: {
      const left = compileExpr(c.left);
      const right = compileExpr(c.right);
      const op = c.op;
      return (ctx) => compare(op, left(ctx), right(ctx));
    }
  }
}

/** Compares two values as a condition does ([H7]). */
export function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === 'eq' || op === 'ne') {
    const same = a === b || (typeof a === 'object' && typeof b === 'object' && stableStringify(a) === stableStringify(b));
    return op === 'eq' ? same : !same;
  }
  // Ordering compares numbers with numbers and text with text; anything else is false.
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return false;
  switch (op) {
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'lt':
      return a < b;
    default:
      return a <= b;
  }
}

type Step = (ctx: Ctx, out: Outcome) => void;

function compileAction(a: Action): Step {
  switch (a.do) {
    case 'set': {
      const key = compileKey(a.key, a.table);
      const value = compileExpr(a.value);
      return (ctx) => stage(ctx, a.table, key(ctx), toJson(value(ctx)));
    }
    case 'increment':
    case 'decrement': {
      const key = compileKey(a.key, a.table);
      const by = compileExpr(a.by);
      const sign = a.do === 'increment' ? 1 : -1;
      return (ctx) => {
        const k = key(ctx);
        const current = readStaged(ctx, a.table, k) ?? 0;
        const amount = by(ctx);
        if (typeof current !== 'number') throw new HandlerError(`${a.table}[${k}] is ${JSON.stringify(current)}, not a number, so it cannot be ${a.do}ed`);
        if (typeof amount !== 'number') throw new HandlerError(`cannot ${a.do} ${a.table}[${k}] by ${amount === undefined ? 'a missing value' : JSON.stringify(amount)} (${exprText(a.by)}): it must be a number`);
        stage(ctx, a.table, k, current + sign * amount);
      };
    }
    case 'append': {
      const key = compileKey(a.key, a.table);
      const value = compileExpr(a.value);
      return (ctx) => {
        const k = key(ctx);
        const current = readStaged(ctx, a.table, k) ?? [];
        if (!Array.isArray(current)) throw new HandlerError(`${a.table}[${k}] is ${JSON.stringify(current)}, not a list, so nothing can be appended to it`);
        stage(ctx, a.table, k, [...current, toJson(value(ctx))]);
      };
    }
    case 'emit': {
      const key = a.key === undefined ? null : compileExpr(a.key);
      const fields = a.data === undefined ? null : Object.entries(a.data).map(([name, e]) => [name, compileExpr(e)] as const);
      return (ctx, out) => {
        let k: string | null = null;
        if (key) {
          const raw = key(ctx);
          if (raw !== null && raw !== undefined) k = String(raw);
        }
        let data: Json;
        if (fields) {
          const obj: Record<string, Json> = {};
          for (const [name, f] of fields) obj[name] = toJson(f(ctx));
          data = obj;
        } else data = ctx.input.data();
        out.emits.push({ topic: a.topic, type: a.type, key: k, data });
      };
    }
    case 'effect': {
      const key = compileKey(a.key, a.name);
      return (ctx, out) => {
        out.effects.push({ name: a.name, key: key(ctx) });
      };
    }
    case 'command': {
      const stream = compileKey(a.stream, `${a.aggregate} stream`);
      const fields = Object.entries(a.data ?? {}).map(([name, e]) => [name, compileExpr(e)] as const);
      return (ctx, out) => {
        const data: Record<string, Json> = {};
        for (const [name, f] of fields) data[name] = toJson(f(ctx));
        out.commands.push({ aggregate: a.aggregate, command: a.command, stream: stream(ctx), data });
      };
    }
  }
}

function toJson(x: unknown): Json {
  return x === undefined ? null : copyJson(x as Json);
}

function stage(ctx: Ctx, table: string, key: string, value: Json): void {
  const staged = ctx.staged;
  for (let i = 0; i < staged.length; i++) {
    if (staged[i].key === key && staged[i].table === table) {
      staged[i].value = value;
      return;
    }
  }
  staged.push({ table, key, value });
}

/** A condition on its own (a consumer's `failWhen`), evaluated against an event and a store. */
export function compileCondition(c: Condition): (input: RuleInput) => boolean {
  const cond = compileCond(c);
  return (input) => {
    try {
      return cond({ input, staged: [] });
    } catch (e) {
      if (e instanceof HandlerError) return false;
      throw e;
    }
  };
}

export interface CompiledRules {
  /**
   * Runs the rules for one event. Pass `out` to have it filled instead of allocating one:
   * the caller owns it, and it stays valid until the caller passes it again.
   */
  run(type: string, input: RuleInput, out?: Outcome): Outcome;
  /**
   * The rule `run` would apply to events of `type` when it is a counter with no condition
   * (see Count), with its index; else null. A caller may then add to its store itself and
   * skip `run`, as long as it falls back to `run` for a key or row the counter cannot take.
   */
  counterFor(type: string): Count | null;
}

export function newOutcome(): Outcome {
  return { rule: -1, writes: [], emits: [], effects: [], commands: [] };
}

/**
 * A rule that only adds a number written in it to one row keyed by an event field: a
 * counter, the commonest handler. `run` applies it without the general interpreter when the
 * key is text (or a number) and the row holds a number or nothing; anything else goes the
 * general way, which says what is wrong.
 */
export interface Count {
  /** The rule's index, for Outcome.rule. */
  rule: number;
  table: string;
  path: readonly string[];
  /** The path is the event's key (`key`, `partitionkey` or `subject`): a caller may read it straight. */
  byKey: boolean;
  delta: number;
}

function countOf(r: Rule, rule: number): Count | null {
  const a = r.do[0];
  if (r.when || r.do.length !== 1 || (a.do !== 'increment' && a.do !== 'decrement') || typeof a.by !== 'number') return null;
  const key = a.key;
  if (key === null || typeof key !== 'object' || !('event' in key)) return null;
  const path = key.event.split('.');
  const byKey = path.length === 1 && (path[0] === 'key' || path[0] === 'partitionkey' || path[0] === 'subject');
  return { rule, table: a.table, path, byKey, delta: a.do === 'increment' ? a.by : -1 * a.by };
}

/** Compiles a consumer's rules. The first rule whose type and condition match applies ([H1]). */
export function compileRules(rules: readonly Rule[]): CompiledRules {
  const compiled = rules.map((r, i) => ({ on: r.on, when: r.when ? compileCond(r.when) : null, steps: r.do.map(compileAction), count: countOf(r, i) }));
  // One context per compiled rule set, reused: a run never re-enters its own rules.
  const ctx: Ctx = { input: null as unknown as RuleInput, staged: [] };
  let lastType: string | null = null;
  let lastCount: Count | null = null;
  return {
    run(type, input, out = newOutcome()) {
      out.rule = -1;
      // Emptied by pop, not `length = 0`, which frees the backing store.
      while (out.writes.length) out.writes.pop();
      while (out.emits.length) out.emits.pop();
      while (out.effects.length) out.effects.pop();
      while (out.commands.length) out.commands.pop();
      ctx.input = input;
      ctx.staged = out.writes;
      try {
        for (let i = 0; i < compiled.length; i++) {
          const r = compiled[i];
          if (r.on !== '*' && r.on !== type) continue;
          if (r.when && !r.when(ctx)) continue;
          out.rule = i;
          const count = r.count;
          if (count !== null) {
            const key = keyText(input.field(count.path));
            const current = key === null ? null : (input.read(count.table, key) ?? 0);
            if (typeof current === 'number') {
              out.writes.push({ table: count.table, key: key!, value: current + count.delta });
              break;
            }
          }
          const steps = r.steps;
          for (let j = 0; j < steps.length; j++) steps[j](ctx, out);
          break;
        }
      } catch (e) {
        if (!(e instanceof HandlerError)) throw e;
        return { rule: out.rule, writes: [], emits: [], effects: [], commands: [], error: e.message };
      }
      return out;
    },
    counterFor(type) {
      // The answer for the last type asked, kept: a run asks for the same few types over and
      // over, mostly as the very same string object, which compares at once.
      if (type === lastType) return lastCount;
      lastType = type;
      lastCount = null;
      for (let i = 0; i < compiled.length; i++) {
        const r = compiled[i];
        if (r.on !== '*' && r.on !== type) continue;
        lastCount = r.when === null ? r.count : null;
        break;
      }
      return lastCount;
    },
  };
}

/** Reads a dotted path into an object, own properties only. */
export function readPath(root: unknown, path: readonly string[], from = 0): unknown {
  let x = root;
  for (let i = from; i < path.length && x !== undefined; i++) x = own(x, path[i]);
  return x;
}

// ---------------------------------------------------------------------------- sentences

export function exprText(e: Expr): string {
  if (e === null || typeof e !== 'object') return JSON.stringify(e);
  if ('event' in e) return e.event;
  return `${e.state}[${exprText(e.key)}]`;
}

const OPS: Record<string, string> = { eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤' };

export function conditionText(c: Condition): string {
  switch (c.op) {
    case 'all':
      return c.of.map(conditionText).join(' and ');
    case 'any':
      return c.of.map(conditionText).join(' or ');
    case 'not':
      return `not (${conditionText(c.cond)})`;
    case 'exists':
      return `${exprText(c.value)} is present`;
    case 'missing':
      return `${exprText(c.value)} is missing`;
    default:
      return `${exprText(c.left)} ${OPS[c.op]} ${exprText(c.right)}`;
  }
}

export function actionText(a: Action): string {
  switch (a.do) {
    case 'set':
      return `set ${a.table}[${exprText(a.key)}] to ${exprText(a.value)}`;
    case 'increment':
    case 'decrement':
      return `${a.do} ${a.table}[${exprText(a.key)}] by ${exprText(a.by)}`;
    case 'append':
      return `append ${exprText(a.value)} to ${a.table}[${exprText(a.key)}]`;
    case 'emit':
      return `emit ${a.type}${a.key !== undefined ? ` (key ${exprText(a.key)})` : ''} to ${a.topic}`;
    case 'effect':
      return `count "${a.name}" for ${exprText(a.key)}`;
    case 'command':
      return `send ${a.command} to ${a.aggregate} for ${exprText(a.stream)}`;
  }
}

/** A rule as one readable sentence: `On OrderPlaced when data.total > 100: set …; emit …`. */
export function ruleText(r: Rule): string {
  const head = `On ${r.on === '*' ? 'any event' : r.on}${r.when ? ` when ${conditionText(r.when)}` : ''}`;
  return `${head}: ${r.do.length ? r.do.map(actionText).join('; ') : 'do nothing'}`;
}
