// [ED1] for pub/sub channels: a topic (or a queue) becomes a Redis-style pub/sub channel and
// back, through the host as the UI sends it; the recorded inputs replay on the new kind.
import { describe, expect, it } from 'vitest';
import { makeWorkerApi } from './api.ts';
import fanOut from '../examples/fan-out.json';

function must<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error((r as unknown as { reason: string }).reason);
  return r as Extract<T, { ok: true }>;
}

const handled = (api: ReturnType<typeof makeWorkerApi>) =>
  Object.fromEntries(Object.entries(api.refresh().view.nodes).flatMap(([id, v]) => (v.kind === 'consumer' ? [[id, v.handled]] : [])));

describe('[ED1] [PS1] retype: a topic becomes a pub/sub channel and back', () => {
  it('[ED1] [PS3] keeps id, label, place and connections; a crashed consumer then misses what a topic would have kept', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    api.act({ kind: 'fire', node: 'checkout' });
    api.step(10_000);
    api.act({ kind: 'crash', node: 'payment' });
    api.act({ kind: 'fire', node: 'checkout' });
    api.act({ kind: 'fire', node: 'checkout' });
    api.step(10_000);
    api.act({ kind: 'restart', node: 'payment' });
    api.step(10_000);
    // A topic: Payment catches up from its committed offset.
    expect(handled(api)).toEqual({ inventory: 3, payment: 3, notification: 3 });

    const r = must(api.edit({ op: 'retype', id: 'orders', kind: 'pubsub' }));
    expect(r.nodes.find((n) => n.id === 'orders')).toMatchObject({ kind: 'pubsub', label: 'orders', position: { x: 280, y: 160 } });
    expect(r.nodes.find((n) => n.id === 'orders')!.spec.config).toEqual({});
    expect(r.edges).toHaveLength(4);
    api.step(10_000);
    // Pub/sub: the two orders published while Payment was down are gone for it.
    expect(handled(api)).toEqual({ inventory: 3, payment: 1, notification: 3 });

    const back = must(api.edit({ op: 'retype', id: 'orders', kind: 'topic' }));
    expect(back.nodes.find((n) => n.id === 'orders')!.spec.config).toEqual({ partitions: 1 });
  });

  it('[ED1] a queue with a dead-letter queue cannot become a pub/sub channel while that connection stays', () => {
    const api = makeWorkerApi();
    api.load(fanOut);
    must(api.edit({ op: 'retype', id: 'orders', kind: 'queue' }));
    must(api.edit({ op: 'add', kind: 'queue' }));
    must(api.edit({ op: 'connect', source: 'orders', target: 'queue-1' }));
    const r = api.edit({ op: 'retype', id: 'orders', kind: 'pubsub' });
    expect(!r.ok && r.reason).toMatch(/orders cannot become a pubsub while this connection stays \(remove it first\): orders → Queue 1: a pub\/sub channel connects to a consumer, not to a queue/);
  });
});
