// Editing through the host: every edit is a new scenario through restoreScenario, refused
// edits change nothing and say where, undo and redo walk the history of scenarios, and the
// learner's recorded inputs are replayed on the edited scenario where they still apply.
import { describe, expect, it } from 'vitest';
import { makeWorkerApi } from './api.ts';
import fanOut from '../examples/fan-out.json';

function blank() {
  const api = makeWorkerApi();
  api.load(fanOut);
  const r = api.blank();
  if (!r.ok) throw new Error(r.reason);
  return api;
}

function must<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error((r as unknown as { reason: string }).reason);
  return r as Extract<T, { ok: true }>;
}

describe('editing', () => {
  it('builds producer → topic → consumer from a blank canvas and runs it', () => {
    const api = blank();
    expect(api.scenario()!.nodes).toEqual([]);
    must(api.edit({ op: 'add', kind: 'producer' }));
    must(api.edit({ op: 'add', kind: 'topic', position: { x: 300, y: 0 } }));
    const c = must(api.edit({ op: 'add', kind: 'consumer' }));
    expect(c.added).toEqual(['consumer-1']);
    must(api.edit({ op: 'connect', source: 'producer-1', target: 'topic-1' }));
    const wired = must(api.edit({ op: 'connect', source: 'topic-1', target: 'consumer-1' }));
    expect(wired.edges.map((e) => e.id)).toEqual(['producer-1->topic-1', 'topic-1->consumer-1']);
    const fired = api.act({ kind: 'fire', node: 'producer-1' });
    expect(fired.ok).toBe(true);
    api.step(10);
    const v = api.refresh().view.nodes['consumer-1'];
    expect(v.kind === 'consumer' && v.handled).toBe(1);
  });

  it('refuses a connection that makes no sense, with the reason, and changes nothing', () => {
    const api = blank();
    api.edit({ op: 'add', kind: 'producer' });
    api.edit({ op: 'add', kind: 'consumer' });
    const r = api.edit({ op: 'connect', source: 'producer-1', target: 'consumer-1' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain('put a topic between them');
    expect(api.scenario()!.edges).toEqual([]);
  });

  it('places a refused config at its node and field', () => {
    const api = blank();
    api.edit({ op: 'add', kind: 'topic' });
    const r = api.edit({ op: 'config', id: 'topic-1', config: { partitions: 100 } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual([{ node: 'topic-1', field: 'config.partitions', message: 'must be at most 64' }]);
  });

  it('undoes and redoes edits, moves included', () => {
    const api = blank();
    api.edit({ op: 'add', kind: 'topic' });
    api.edit({ op: 'move', moves: [{ id: 'topic-1', x: 50, y: 60 }] });
    api.edit({ op: 'rename', id: 'topic-1', label: 'orders' });
    expect(must(api.undo()).nodes[0]).toMatchObject({ label: 'Topic 1', position: { x: 50, y: 60 } });
    expect(must(api.undo()).nodes[0].position).toEqual({ x: 0, y: 0 });
    expect(must(api.redo()).nodes[0].position).toEqual({ x: 50, y: 60 });
    expect(must(api.redo()).nodes[0].label).toBe('orders');
    expect(api.redo().ok).toBe(false);
  });

  it('replays the learner inputs on the edited scenario: more partitions, same fired events', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    for (let i = 0; i < 3; i++) api.act({ kind: 'fire', node: 'checkout' });
    api.step(100);
    const before = api.refresh().view.nodes.orders;
    expect(before.kind === 'topic' && before.partitions.reduce((n, p) => n + p.end, 0)).toBe(3);
    const orders = api.scenario()!.nodes.find((n) => n.id === 'orders')!;
    must(api.edit({ op: 'config', id: 'orders', config: { ...orders.config, partitions: 5 } }));
    const after = api.refresh().view.nodes.orders;
    expect(after.kind === 'topic' && after.partitions.length).toBe(5);
    expect(after.kind === 'topic' && after.partitions.reduce((n, p) => n + p.end, 0)).toBe(3);
  });

  it('removes a node with its connections and drops the inputs that named it', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    api.act({ kind: 'fire', node: 'checkout' });
    const r = must(api.edit({ op: 'remove', nodes: ['checkout'], edges: [] }));
    expect(r.nodes.map((n) => n.id)).not.toContain('checkout');
    expect(r.edges.some((e) => e.source === 'checkout')).toBe(false);
    expect(api.refresh().view.step).toBe(3);
  });

  it('duplicates a consumer into the same group', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    const r = must(api.edit({ op: 'duplicate', nodes: ['payment'] }));
    expect(r.added).toEqual(['consumer-1']);
    const copy = r.nodes.find((n) => n.id === 'consumer-1');
    expect(copy).toMatchObject({ kind: 'consumer', group: 'payment', label: 'Payment copy' });
    expect(r.edges.some((e) => e.source === 'orders' && e.target === 'consumer-1')).toBe(true);
  });
});

describe('timeline, search and Mermaid', () => {
  function fired() {
    const api = makeWorkerApi();
    api.load(fanOut);
    api.act({ kind: 'fire', node: 'checkout' });
    api.act({ kind: 'fire', node: 'checkout' });
    api.step(100);
    return api;
  }

  it('marks publish, deliver, commit and rebalance steps in buckets of the horizon', () => {
    const api = fired();
    const t = api.timeline(10);
    expect(t.buckets).toHaveLength(10);
    const all = t.buckets.reduce((a, b) => a | b, 0);
    expect(all & 1).toBe(1); // publish
    expect(all & 2).toBe(2); // deliver
    expect(all & 4).toBe(4); // commit
    expect(t.buckets[0] & 8).toBe(8); // the groups formed at the start
  });

  it('finds steps by event key and by correlation id, and draws the conversation as Mermaid', () => {
    const api = fired();
    const byKey = api.find({ key: 'ord-2' });
    expect(byKey.rows.length).toBeGreaterThan(3);
    expect(byKey.rows.every((r) => r.key === 'ORD-2')).toBe(true);
    const corr = byKey.rows[0].correlationId!;
    const chain = api.find({ correlation: corr });
    expect(chain.rows.map((r) => r.seq)).toEqual(byKey.rows.map((r) => r.seq));
    const m = api.mermaid({ correlation: corr });
    expect(m.split('\n')[0]).toBe('sequenceDiagram');
    expect(m).toContain('participant');
    const range = api.mermaid({ from: 0, to: 10 });
    expect(range).toContain('steps 0–9');
  });
});

describe('layout', () => {
  it('puts producers, topics and consumers in columns down the flow, and undo puts them back', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    const before = api.scenario()!.nodes.map((n) => n.position);
    const r = must(api.edit({ op: 'layout' }));
    const x = (id: string) => r.nodes.find((n) => n.id === id)!.position.x;
    expect(x('checkout')).toBeLessThan(x('orders'));
    expect(x('orders')).toBeLessThan(x('payment'));
    expect(x('payment')).toBe(x('inventory'));
    const ys = ['inventory', 'payment', 'notification'].map((id) => r.nodes.find((n) => n.id === id)!.position.y);
    expect(new Set(ys).size).toBe(3);
    expect(must(api.undo()).nodes.map((n) => n.position)).toEqual(before);
  });
});

describe('session', () => {
  it('an edited run, saved as a session and loaded again, shows exactly the same view', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    api.act({ kind: 'fire', node: 'checkout' });
    api.step(4);
    const orders = api.scenario()!.nodes.find((n) => n.id === 'orders')!;
    must(api.edit({ op: 'config', id: 'orders', config: { ...orders.config, partitions: 4 } }));
    api.act({ kind: 'fire', node: 'checkout' });
    api.act({ kind: 'crash', node: 'payment' });
    api.step(7);
    const seen = api.refresh().view;
    const saved = JSON.parse(JSON.stringify(api.session()));
    const other = makeWorkerApi();
    const r = other.load(saved);
    expect(r.ok).toBe(true);
    expect(other.refresh().view).toEqual(seen);
  });
});
