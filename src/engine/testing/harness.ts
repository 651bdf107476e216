// A chainable headless harness that reads like a learner's session (STYLE §4):
//   sim(scenario).fire('checkout').run().expectEffect('payment', 'card charged', 'ORD-1', 1)
// Test-only (no vitest import, so scripts can use it too): it throws on refused actions
// and failed expectations, so a test cannot silently do nothing.
import { stableStringify } from '../json.ts';
import { createEngine, type Engine, type EngineOptions, type TraceStep, type ConsumerView, type TopicView } from '../engine.ts';
import { restoreScenario, describeErrors, type Scenario } from '../scenario.ts';
import type { Intent } from '../inputs.ts';

export class Sim {
  readonly engine: Engine;

  constructor(scenario: Scenario | unknown, options?: EngineOptions) {
    const r = restoreScenario(scenario);
    if (!r.ok) throw new Error(`scenario refused:\n${describeErrors(r.errors)}`);
    this.engine = createEngine(r.value, options);
  }

  act(intent: Intent): this {
    const r = this.engine.act(intent);
    if (!r.ok) throw new Error(`refused: ${r.reason}`);
    return this;
  }
  fire(node: string, template = 0): this {
    return this.act({ kind: 'fire', node, template });
  }
  fireEvent(node: string, type: string, key: string | null, data: Record<string, unknown> = {}): this {
    return this.act({ kind: 'fire', node, event: { type, key, data: data as never } });
  }
  crash(node: string): this {
    return this.act({ kind: 'crash', node });
  }
  restart(node: string): this {
    return this.act({ kind: 'restart', node });
  }
  step(n = 1): this {
    this.engine.stepForward(n);
    return this;
  }
  run(maxSteps = 100_000): this {
    this.engine.runUntilIdle(maxSteps);
    return this;
  }
  /** Steps until the next step matching `pred` has been applied. */
  runUntilStep(pred: (s: TraceStep) => boolean, maxSteps = 10_000): TraceStep {
    for (let i = 0; i < maxSteps; i++) {
      if (this.engine.stepForward(1) === 0) break;
      const s = this.engine.describeStep(this.engine.step - 1);
      if (pred(s)) return s;
    }
    throw new Error('no matching step happened');
  }
  seek(step: number): this {
    this.engine.seek(step);
    return this;
  }

  get trace(): TraceStep[] {
    return this.engine.steps(0, this.engine.step);
  }
  consumer(id: string): ConsumerView {
    const v = this.engine.view().nodes[id];
    if (!v || v.kind !== 'consumer') throw new Error(`${id} is not a consumer`);
    return v;
  }
  topic(id: string): TopicView {
    const v = this.engine.view().nodes[id];
    if (!v || v.kind !== 'topic') throw new Error(`${id} is not a topic`);
    return v;
  }
  stepsOf(kind: TraceStep['kind'], node?: string): TraceStep[] {
    return this.trace.filter((s) => s.kind === kind && (node === undefined || s.node === node));
  }

  expectState(consumer: string, table: string, key: string, value: unknown): this {
    same(this.consumer(consumer).state[table]?.[key], value, `${consumer} ${table}[${key}]`);
    return this;
  }
  expectEffect(consumer: string, name: string, key: string, count: number): this {
    same(this.consumer(consumer).effects[name]?.[key] ?? 0, count, `${consumer} "${name}" count for ${key}`);
    return this;
  }
}

function same(actual: unknown, expected: unknown, what: string): void {
  const a = stableStringify(actual);
  const e = stableStringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

export const sim = (scenario: unknown, options?: EngineOptions) => new Sim(scenario, options);
