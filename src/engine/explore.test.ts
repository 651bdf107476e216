// The chaos explorer ([Z1]–[Z5]): finds the fault schedule that breaks a design, shrinks it,
// and says what a design that holds survived.
import { describe, expect, it } from 'vitest';
import { Explorer, FAULT_KINDS, faultText } from './explore.ts';
import { createEngine } from './engine.ts';
import { restoreScenario, type Scenario } from './scenario.ts';
import type { Input } from './inputs.ts';
import payments from '../examples/payments.json';
import outbox from '../examples/outbox.json';
import fanOut from '../examples/fan-out.json';
import acksStart from '../../lessons/39-replicas-and-acks/start.json';
import acksSolution from '../../lessons/39-replicas-and-acks/solution.json';
import restartStart from '../../lessons/38-broker-restart/start.json';
import restartSolution from '../../lessons/38-broker-restart/solution.json';

function scenario(json: unknown): Scenario {
  const r = restoreScenario(json);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
const fires = (node: string, n: number): Input[] => Array.from({ length: n }, (_, k) => ({ kind: 'fire', node, atStep: 0, time: k * 10 }) as Input);

describe('chaos explorer', () => {
  it('[Z3] [Z4] a consumer without idempotency: a schedule that charges twice, shrunk to one fault, opens at the break', () => {
    const s = scenario(payments);
    const x = new Explorer(s, s.seed, fires('checkout', 3), { seed: 3 });
    const p = x.explore(500);
    expect(p.problem).toBeNull();
    const f = p.finding!;
    expect(f.invariant).toBe("each order's card is charged at most once");
    expect(f.faults).toHaveLength(1);
    // No fault can be dropped: without it the design holds.
    expect(x.run([])).toBeNull();
    // The session replays to the break: the invariant is broken at the step after it, not before.
    const e = createEngine(f.session.scenario, { seed: f.session.seed, inputs: f.session.inputs });
    e.stepForward(f.session.step - 1);
    expect(e.invariantStatus()[0].status).not.toBe('broken');
    e.stepForward(1);
    expect(e.invariantStatus()[0]).toMatchObject({ status: 'broken', brokeAt: f.brokeAt });
    expect(e.steps().some((st) => st.text.startsWith('As scheduled, the scenario '))).toBe(true);
  });

  it('[Z1] a dual write: a producer crash between its save and its publish breaks "published"', () => {
    const s = scenario(outbox);
    const p = new Explorer(s, s.seed, fires('orders-service', 3), { seed: 1, kinds: ['crash'] }).explore(300);
    expect(p.finding?.invariant).toBe('every saved order is published');
    expect(p.finding!.faults.map((f) => [f.kind, f.node])).toEqual([['crash', 'orders-service']]);
    expect(faultText(p.finding!.faults[0])).toMatch(/^at \d+ ms: crash orders-service/);
  });

  it('[Z5] the same design with the outbox survives, and says how many schedules of each kind it survived', () => {
    const fixed = structuredClone(outbox) as { nodes: { config: Record<string, unknown> }[] };
    fixed.nodes[0].config.pattern = 'outbox';
    const s = scenario(fixed);
    const p = new Explorer(s, s.seed, fires('orders-service', 3), { seed: 1, kinds: ['crash', 'outage', 'lost-acks'] }).explore(200);
    expect(p.finding).toBeNull();
    expect(p.tried).toBe(200);
    expect(p.survived.crash + p.survived.outage + p.survived['lost-acks']).toBeGreaterThanOrEqual(200);
    expect(p.survived.duplicate).toBe(0);
  });

  it('[Z5] same scenario, inputs and explorer seed: the same finding; another seed draws other schedules', () => {
    const s = scenario(payments);
    const a = new Explorer(s, s.seed, fires('checkout', 3), { seed: 11 }).explore(500).finding;
    const b = new Explorer(s, s.seed, fires('checkout', 3), { seed: 11 }).explore(500).finding;
    expect(b).toEqual(a);
    const draws = (seed: number) => {
      const x = new Explorer(s, s.seed, fires('checkout', 3), { seed, kinds: ['reorder'] });
      return (x as unknown as { draw(): unknown }).draw();
    };
    expect(draws(1)).not.toEqual(draws(2));
  });

  it('[Z2] nothing to break, broken already, or nothing to strike: it says so and tries nothing', () => {
    const noInvariants = scenario(fanOut);
    expect(new Explorer(noInvariants, 1, fires('checkout', 1)).explore(10)).toMatchObject({ tried: 0, problem: expect.stringContaining('no invariants') });
    const s = scenario(payments);
    const twice: Input[] = [...fires('checkout', 1), { kind: 'duplicate', node: 'payment', event: 'evt-0', atStep: 8, time: 0 } as Input];
    expect(new Explorer(s, s.seed, twice).explore(10).problem).toMatch(/already breaks without any fault/);
    expect(new Explorer(s, s.seed, fires('checkout', 1), { kinds: [] }).explore(10).problem).toBe('choose at least one kind of fault');
    expect(FAULT_KINDS).toContain('partition');
  });
});

describe('[Z1] broker failures', () => {
  // The lessons' own scenarios without their scheduled fault: the explorer brings its own.
  const bare = (json: unknown) => {
    const x = scenario(json);
    return { ...x, schedule: [] };
  };

  it('acks=1 on a replicated topic: a broker failure loses an acknowledged order; acks=all survives every schedule of broker failures', () => {
    const start = bare(acksStart);
    const found = new Explorer(start, start.seed, [], { seed: 1, kinds: ['broker'] }).explore(200);
    expect(found.finding).not.toBeNull();
    expect(new Set(found.finding!.faults.map((f) => `${f.kind} ${f.node}`))).toEqual(new Set(['broker-fail orders']));
    expect(faultText(found.finding!.faults[0])).toMatch(/^at \d+ ms: broker b\d of orders fails for \d+ ms$/);
    expect(found.finding!.message).toContain('acks=1');
    const fixed = bare(acksSolution.scenario);
    const held = new Explorer(fixed, fixed.seed, [], { seed: 1, kinds: ['broker'] }).explore(200);
    expect(held.finding).toBeNull();
    expect(held.survived.broker).toBeGreaterThanOrEqual(200);
  });

  it("a queue's broker restarts: transient messages in a queue that is not durable are lost; durable and persistent survive", () => {
    const start = bare(restartStart);
    const found = new Explorer(start, start.seed, [], { seed: 1, kinds: ['broker'] }).explore(100);
    expect(found.finding?.faults.map((f) => [f.kind, f.node, f.kind === 'outage' && f.mode])).toEqual([['outage', 'emails', 'restart']]);
    expect(faultText(found.finding!.faults[0])).toContain('emails restarts its broker, down for');
    const fixed = bare(restartSolution.scenario);
    expect(new Explorer(fixed, fixed.seed, [], { seed: 1, kinds: ['broker'] }).explore(100).finding).toBeNull();
  });

  it('a scenario with no queue and no replicated topic has no broker to fail: the kind is never drawn', () => {
    const s = scenario(payments);
    expect(new Explorer(s, s.seed, fires('checkout', 3), { seed: 1, kinds: ['broker'] }).explore(10).problem).not.toBeNull();
  });
});
