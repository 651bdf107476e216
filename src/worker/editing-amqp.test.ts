// Editing exchanges: a learner builds producer → exchange → queue → consumer, binds the queue
// with a key ([AM3]), and a wrong binding is refused at its field in the exchange's form.
import { describe, expect, it } from 'vitest';
import { makeWorkerApi } from './api.ts';
import exchangeRouting from '../examples/exchange-routing.json';

function must<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error((r as unknown as { reason: string }).reason);
  return r as Extract<T, { ok: true }>;
}

describe('[AM1] [AM3] editing exchanges and bindings', () => {
  it('builds an exchange route from a blank canvas; the binding key decides what the consumer gets', () => {
    const api = makeWorkerApi();
    api.load(exchangeRouting);
    must(api.blank());
    must(api.edit({ op: 'add', kind: 'producer' }));
    must(api.edit({ op: 'add', kind: 'exchange' }));
    must(api.edit({ op: 'add', kind: 'queue' }));
    must(api.edit({ op: 'add', kind: 'consumer' }));
    expect(api.scenario()!.nodes.find((n) => n.id === 'exchange-1')!.config).toEqual({ type: 'topic', alternateExchange: null });
    must(api.edit({ op: 'connect', source: 'producer-1', target: 'exchange-1' }));
    must(api.edit({ op: 'connect', source: 'exchange-1', target: 'queue-1' }));
    must(api.edit({ op: 'connect', source: 'queue-1', target: 'consumer-1' }));
    // The starter template's routing key is its type, OrderPlaced; an empty binding key matches nothing.
    api.act({ kind: 'fire', node: 'producer-1' });
    const dropped = api.advance(1000).view.nodes['exchange-1'];
    expect(dropped).toMatchObject({ kind: 'exchange', arrived: 1, dropped: 1 });
    const refusal = api.edit({ op: 'connect', source: 'exchange-1', target: 'consumer-1' });
    expect(refusal.ok).toBe(false);
    if (!refusal.ok) expect(refusal.reason).toContain('an exchange connects to a queue or an exchange, not to a consumer');
    must(api.edit({ op: 'bind', id: 'exchange-1->queue-1', bindingKey: 'OrderPlaced' }));
    expect(api.scenario()!.edges.find((e) => e.source === 'exchange-1' && e.target === 'queue-1')!.bindingKey).toBe('OrderPlaced');
    // The recorded fire replays on the edited scenario: now the consumer handles it.
    const routed = api.advance(1000).view.nodes;
    expect(routed['exchange-1']).toMatchObject({ arrived: 1, dropped: 0, routed: 1 });
    expect(routed['consumer-1']).toMatchObject({ handled: 1 });
    must(api.edit({ op: 'bind', id: 'exchange-1->queue-1', bindingKey: null }));
    expect(api.scenario()!.edges.find((e) => e.source === 'exchange-1' && e.target === 'queue-1')!.bindingKey).toBeUndefined();
  });

  it('refuses a wrong binding at its field in the exchange form, and changes nothing', () => {
    const api = makeWorkerApi();
    api.load(exchangeRouting);
    const before = JSON.stringify(api.scenario());
    const r = api.edit({ op: 'bind', id: 'orders->eu-orders', bindingKey: 'order.eu*' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toEqual({ node: 'orders', field: 'bindings[eu-orders].bindingKey', message: 'in a binding key * and # stand alone between dots: write order.* or order.#, not order* or order#' });
    expect(r.reason).toBe('orders (topic) · the binding to eu-orders · bindingKey: in a binding key * and # stand alone between dots: write order.* or order.#, not order* or order#');
    expect(JSON.stringify(api.scenario())).toBe(before);
    const h = api.edit({ op: 'bind', id: 'orders->eu-orders', headers: { region: 'eu' } });
    expect(h.ok).toBe(false);
    if (!h.ok) expect(h.errors[0]).toMatchObject({ node: 'orders', field: 'bindings[eu-orders].headers' });
    expect(api.edit({ op: 'bind', id: 'nope', bindingKey: 'a' })).toMatchObject({ ok: false, reason: 'there is no connection "nope"' });
  });

  it('a fixed binding key replays the learner’s fires: EU fulfilment now gets the EU orders', () => {
    const api = makeWorkerApi();
    api.load(exchangeRouting);
    api.act({ kind: 'fire', node: 'checkout', template: 0 });
    api.act({ kind: 'fire', node: 'checkout', template: 2 });
    expect(api.advance(1000).view.nodes['eu-fulfilment']).toMatchObject({ handled: 0 });
    must(api.edit({ op: 'bind', id: 'orders->eu-orders', bindingKey: 'order.eu.*' }));
    expect(api.advance(1000).view.nodes['eu-fulfilment']).toMatchObject({ handled: 2 });
  });
});
