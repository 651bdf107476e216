// Edits for breaking things on purpose: switching a topic to a queue and back ([ED1]) and
// invariants the learner adds and removes ([ED2]). Through the host, as the UI sends them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeWorkerApi } from './api.ts';
import { applyEdit } from './editing.ts';
import { connectionProblem, restoreScenario, type NodeKind, type Scenario } from '../engine/index.ts';
import fanOut from '../examples/fan-out.json';
import payments from '../examples/payments.json';
import account from '../examples/account.json';

function must<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error((r as unknown as { reason: string }).reason);
  return r as Extract<T, { ok: true }>;
}

/** How many times each consumer handled an event, after firing `n` orders and running to the end. */
function handledAfter(api: ReturnType<typeof makeWorkerApi>, n: number): Record<string, number> {
  for (let i = 0; i < n; i++) api.act({ kind: 'fire', node: 'checkout' });
  api.step(10_000);
  const out: Record<string, number> = {};
  for (const [id, v] of Object.entries(api.refresh().view.nodes)) if (v.kind === 'consumer') out[id] = v.handled;
  return out;
}

describe('[ED1] retype: a topic becomes a queue and back', () => {
  it('[ED1] [Q2] keeps id, label, position and connections; fan-out becomes competing consumers', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    const asTopic = handledAfter(api, 6);
    // Fan-out: every consumer (its own group) handles every order.
    expect(asTopic).toEqual({ inventory: 6, payment: 6, notification: 6 });

    const before = api.scenario()!;
    const r = must(api.edit({ op: 'retype', id: 'orders', kind: 'queue' }));
    const orders = r.nodes.find((n) => n.id === 'orders')!;
    expect(orders).toMatchObject({ kind: 'queue', label: 'orders', position: { x: 280, y: 160 } });
    expect(orders.spec.config).toEqual({ visibilityTimeoutMs: 300, maxReceiveCount: null, deadLetter: null });
    expect(r.edges.map((e) => `${e.source}>${e.target}`)).toEqual(before.edges.map((e) => `${e.source}>${e.target}`));
    // The recorded fires replay on the queue: each order goes to exactly one consumer.
    api.step(10_000);
    const asQueue = api.refresh().view.nodes;
    const handled = ['inventory', 'payment', 'notification'].map((id) => {
      const v = asQueue[id];
      return v.kind === 'consumer' ? v.handled : -1;
    });
    expect(handled.reduce((a, b) => a + b, 0)).toBe(6);
    expect(handled.filter((h) => h > 0).length).toBeGreaterThan(1);

    // And back: a topic again, fan-out again; undo also brings the 3 partitions back.
    const back = must(api.edit({ op: 'retype', id: 'orders', kind: 'topic' }));
    expect(back.nodes.find((n) => n.id === 'orders')!.spec.config).toEqual({ partitions: 1 });
    api.step(10_000);
    const again = api.refresh().view.nodes;
    expect(['inventory', 'payment', 'notification'].map((id) => (again[id].kind === 'consumer' ? again[id].handled : -1))).toEqual([6, 6, 6]);
    must(api.undo());
    must(api.undo());
    expect(api.scenario()!.nodes.find((n) => n.id === 'orders')!.config).toEqual({ partitions: 3 });
  });

  it('[ED1] a queue read by a group of three becomes a topic with three partitions', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    must(api.edit({ op: 'retype', id: 'orders', kind: 'queue' }));
    for (const id of ['inventory', 'notification']) {
      const spec = api.scenario()!.nodes.find((n) => n.id === id)!;
      must(api.edit({ op: 'config', id, config: { ...spec.config, group: 'payment' } }));
    }
    const r = must(api.edit({ op: 'retype', id: 'orders', kind: 'topic' }));
    expect(r.nodes.find((n) => n.id === 'orders')!.spec.config).toEqual({ partitions: 3 });
  });

  it('[ED1] refuses when a connection cannot survive, names it, and changes nothing', () => {
    const api = makeWorkerApi();
    api.load(account);
    const before = JSON.stringify(api.scenario());
    const r = api.edit({ op: 'retype', id: 'accounts', kind: 'queue' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(/cannot become a queue/);
    // The aggregate → topic and topic → projection connections both break.
    expect(r.reason).toContain('a projection reads a topic');
    expect(r.reason).toContain('an aggregate publishes its events to a topic');
    expect(r.errors[0]).toMatchObject({ node: 'accounts', field: '' });
    expect(JSON.stringify(api.scenario())).toBe(before);
  });

  it('[ED1] refuses what is not a topic or a queue, and a switch to the same kind', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    const a = api.edit({ op: 'retype', id: 'payment', kind: 'queue' });
    expect(!a.ok && a.reason).toContain('only a topic, a queue or a pub/sub channel can switch');
    const b = api.edit({ op: 'retype', id: 'orders', kind: 'topic' });
    expect(!b.ok && b.reason).toContain('already a topic');
    const c = api.edit({ op: 'retype', id: 'nope', kind: 'topic' });
    expect(!c.ok && c.reason).toContain('no node "nope"');
  });

  it('[ED1] property: a retype either keeps every node and connection (and restores), or is refused naming a connection that cannot stay', () => {
    const kinds: NodeKind[] = ['producer', 'topic', 'queue', 'consumer', 'projection'];
    const arb = fc.record({
      kinds: fc.array(fc.constantFrom(...kinds), { minLength: 2, maxLength: 7 }),
      wires: fc.array(fc.tuple(fc.nat(6), fc.nat(6)), { maxLength: 14 }),
      pick: fc.nat(6),
    });
    fc.assert(
      fc.property(arb, ({ kinds: ks, wires, pick }) => {
        const nodes = ks.map((kind, i) => ({ id: `n${i}`, kind }));
        const seen = new Set<string>();
        const edges = wires
          .map(([a, b]) => [a % ks.length, b % ks.length])
          .filter(([a, b]) => a !== b && !connectionProblem(ks[a], ks[b]) && !seen.has(`${a}>${b}`) && seen.add(`${a}>${b}`))
          .map(([a, b]) => ({ source: `n${a}`, target: `n${b}` }));
        const r0 = restoreScenario({ format: 'eventfold/scenario', version: 1, nodes, edges });
        if (!r0.ok) return; // e.g. a queue's dead-letter rules; not what this property is about
        const s: Scenario = r0.value;
        const target = s.nodes[pick % s.nodes.length];
        const to = target.kind === 'topic' ? 'queue' : 'topic';
        const r = applyEdit(s, { op: 'retype', id: target.id, kind: to });
        const channel = target.kind === 'topic' || target.kind === 'queue';
        const survives = s.edges
          .filter((e) => e.source === target.id || e.target === target.id)
          .every((e) => !connectionProblem(e.source === target.id ? to : s.nodes.find((n) => n.id === e.source)!.kind, e.target === target.id ? to : s.nodes.find((n) => n.id === e.target)!.kind));
        if (!channel || !survives) {
          expect(r.ok).toBe(false);
          if (!r.ok && channel) expect(r.reason).toMatch(/→/);
          return;
        }
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.scenario.nodes.map((n) => [n.id, n.id === target.id ? to : n.kind, n.label, n.position])).toEqual(
          s.nodes.map((n) => [n.id, n.id === target.id ? to : n.kind, n.label, n.position]),
        );
        expect(r.scenario.edges.map((e) => e.id)).toEqual(s.edges.map((e) => e.id));
        expect(restoreScenario(JSON.parse(JSON.stringify(r.scenario))).ok).toBe(true);
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});

describe('[ED2] invariants the learner adds', () => {
  it('[ED2] [V2] an added at-most-once invariant is checked live, breaks at the duplicate, and can be removed', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    expect(api.refresh().view.invariants).toEqual([]);
    must(api.edit({ op: 'add-invariant', invariant: { kind: 'at-most-once', node: 'payment', effect: 'card charged' } }));
    api.act({ kind: 'fire', node: 'checkout' });
    api.step(100);
    expect(api.refresh().view.invariants).toMatchObject([{ kind: 'at-most-once', node: 'payment', status: 'holding' }]);
    expect(api.act({ kind: 'duplicate', node: 'payment', event: 'evt-0' }).ok).toBe(true);
    api.step(100);
    const [inv] = api.refresh().view.invariants;
    expect(inv.status).toBe('broken');
    expect(inv.message).toContain('card charged');
    // It broke at a handle step of Payment.
    const at = api.rows(inv.brokeAt!, inv.brokeAt! + 1)[0];
    expect(at).toMatchObject({ kind: 'handle', node: 'payment' });
    // Seeking back before the break shows it holding again ([V1]).
    expect(api.seek(inv.brokeAt!).view.invariants[0].status).toBe('holding');

    must(api.edit({ op: 'remove-invariant', index: 0 }));
    expect(api.scenario()!.invariants).toEqual([]);
    expect(api.refresh().view.invariants).toEqual([]);
  });

  it('[ED2] [F1] a malformed invariant is refused with a message naming the field, and nothing changes', () => {
    const api = makeWorkerApi();
    api.load(payments);
    const before = JSON.stringify(api.scenario());
    const empty = api.edit({ op: 'add-invariant', invariant: { kind: 'at-most-once', node: 'payment', effect: '' } });
    expect(empty.ok).toBe(false);
    expect(!empty.ok && empty.reason).toBe('the new invariant · effect: must not be empty');
    expect(!empty.ok && empty.errors).toEqual([{ node: null, field: 'invariants[1].effect', message: 'must not be empty' }]);

    const wrongNode = api.edit({ op: 'add-invariant', invariant: { kind: 'no-loss', node: 'payments' } });
    expect(!wrongNode.ok && wrongNode.reason).toContain('the new invariant · node: "payments" is a topic');

    const unknown = api.edit({ op: 'add-invariant', invariant: { kind: 'no-loss', node: 'payment', nodes: 'x' } });
    expect(!unknown.ok && unknown.reason).toContain('the new invariant · nodes: unknown field');

    const noIndex = api.edit({ op: 'remove-invariant', index: 3 });
    expect(!noIndex.ok && noIndex.reason).toBe('there is no invariant number 4');
    expect(JSON.stringify(api.scenario())).toBe(before);
  });
});
