// The event bus ([B1]–[B4]): EventBridge-style rules routing events to topics and queues.
import { describe, expect, it } from 'vitest';
import { sim } from './testing/harness.ts';
import { matches, mismatch } from './kinds/eventbus.ts';
import { restoreScenario } from './scenario.ts';
import type { Json } from './json.ts';

function world(rules: unknown[], extra: Record<string, unknown> = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      {
        id: 'shop',
        kind: 'producer',
        config: {
          templates: [
            { type: 'OrderPlaced', key: 'ORD-{n}', data: { total: 250, region: 'eu-west', tags: ['gift', 'express'] } },
            { type: 'OrderPlaced', key: 'ORD-{n}', data: { total: 40, region: 'us-east' } },
            { type: 'CartViewed', key: 'c' },
          ],
        },
      },
      { id: 'bus', kind: 'event-bus', config: { rules, ...extra } },
      { id: 'fraud', kind: 'queue' },
      { id: 'eu-orders', kind: 'topic' },
    ],
    edges: [
      { source: 'shop', target: 'bus' },
      { source: 'bus', target: 'fraud' },
      { source: 'bus', target: 'eu-orders' },
    ],
  };
}
const big = { name: 'big-orders', pattern: { type: ['OrderPlaced'], data: { total: [{ numeric: ['>', 100] }] } }, targets: ['fraud'] };
const eu = { name: 'eu', pattern: { data: { region: [{ prefix: 'eu-' }] } }, targets: ['eu-orders'] };

describe('event bus', () => {
  it('[B1] [B3] a matching event is routed one step later and delivered to each target of each matching rule, same id', () => {
    const s = sim(world([big, eu])).fire('shop', 0).run();
    const route = s.stepsOf('route');
    expect(route).toHaveLength(1);
    expect(route[0].time).toBe(1);
    expect(route[0].text).toBe('bus routed OrderPlaced evt-0 (key ORD-1): rule "big-orders" matched → fraud; rule "eu" matched → eu-orders');
    const delivered = s.stepsOf('publish').map((x) => [x.topic, x.eventId]);
    expect(delivered).toEqual([
      ['fraud', 'evt-0'],
      ['eu-orders', 'evt-0'],
    ]);
    const v = s.engine.view().nodes.bus;
    expect(v).toMatchObject({ kind: 'event-bus', received: 1, rules: [{ name: 'big-orders', matched: 1 }, { name: 'eu', matched: 1 }], unmatched: { count: 0 } });
  });

  it('[B3] two rules with one target deliver the event there twice', () => {
    const s = sim(world([big, { ...eu, targets: ['fraud'] }])).fire('shop', 0).run();
    expect(s.stepsOf('publish').map((x) => x.topic)).toEqual(['fraud', 'fraud']);
    expect((s.engine.view().nodes.fraud as { ready: number }).ready).toBe(2);
  });

  it('[B4] an event no rule matches is dropped, and the step says which field of each rule failed', () => {
    const s = sim(world([big, eu])).fire('shop', 1).fire('shop', 2).run();
    expect(s.stepsOf('publish')).toHaveLength(0);
    const [small, cart] = s.stepsOf('route').map((x) => x.text);
    expect(small).toContain('matched no rule for OrderPlaced evt-0 (key ORD-1), so the event is dropped');
    expect(small).toContain('data.total must be > 100, and it is 40');
    expect(small).toContain('data.region must be text starting "eu-", and it is "us-east"');
    expect(cart).toContain('type must be "OrderPlaced", and it is "CartViewed"');
    expect(s.engine.view().nodes.bus).toMatchObject({ received: 2, unmatched: { count: 2, recent: ['evt-0', 'evt-1'] } });
  });

  it('[B2] matchers: values, prefix, anything-but, numeric ranges, exists, lists in the event', () => {
    const cases: [Json, Json | undefined, boolean][] = [
      ['a', 'a', true],
      ['a', 'b', false],
      [5, 5, true],
      [null, null, true],
      [{ prefix: 'ORD-' }, 'ORD-7', true],
      [{ prefix: 'ORD-' }, 'INV-7', false],
      [{ prefix: 'ORD-' }, 7, false],
      [{ 'anything-but': 'cancelled' }, 'paid', true],
      [{ 'anything-but': ['cancelled', 'refunded'] }, 'refunded', false],
      [{ 'anything-but': 'x' }, undefined, false],
      [{ numeric: ['>=', 0, '<', 100] }, 99.5, true],
      [{ numeric: ['>=', 0, '<', 100] }, 100, false],
      [{ numeric: ['=', 3] }, '3', false],
      [{ exists: true }, 0, true],
      [{ exists: true }, undefined, false],
      [{ exists: false }, undefined, true],
      ['gift', ['gift', 'express'], true],
      [{ prefix: 'exp' }, ['gift', 'express'], true],
      ['x', ['gift'], false],
    ];
    for (const [m, value, want] of cases) expect(matches(m, value), `${JSON.stringify(m)} vs ${JSON.stringify(value)}`).toBe(want);
    expect(mismatch({ data: { customer: { tier: ['gold'] } } }, { data: { customer: { tier: 'gold' } } })).toBeNull();
    expect(mismatch({ data: { customer: { tier: ['gold'] } } }, { data: { customer: 'x' } })).toBe('data.customer is "x", not an object');
  });

  it('[B2] malformed patterns and unconnected targets are refused at their field', () => {
    const cases: [unknown, string, string][] = [
      [{ name: 'r', pattern: {}, targets: ['fraud'] }, 'nodes[1].config.rules[0].pattern', 'needs at least one field'],
      [{ name: 'r', pattern: { total: [1] }, targets: ['fraud'] }, 'nodes[1].config.rules[0].pattern.total', 'fields of the data go under "data"'],
      [{ name: 'r', pattern: { type: 'OrderPlaced' }, targets: ['fraud'] }, 'nodes[1].config.rules[0].pattern.type', 'must be a list of matchers'],
      [{ name: 'r', pattern: { data: { total: [{ numeric: ['>'] }] } }, targets: ['fraud'] }, 'nodes[1].config.rules[0].pattern.data.total[0].numeric', 'must be [op, number]'],
      [{ name: 'r', pattern: { data: { total: [{ between: [1, 2] }] } }, targets: ['fraud'] }, 'nodes[1].config.rules[0].pattern.data.total[0]', '"between" is not a matcher'],
      [{ name: 'r', pattern: { type: ['A'] }, targets: ['shop'] }, 'nodes[1].config.rules[0].targets[0]', 'is not a topic or queue the bus is connected to'],
      [{ name: 'r', pattern: { type: ['A'] }, targets: [] }, 'nodes[1].config.rules[0].targets', 'needs at least one target'],
    ];
    for (const [rule, path, message] of cases) {
      const r = restoreScenario(world([rule]));
      expect(r.ok, JSON.stringify(rule)).toBe(false);
      if (r.ok) continue;
      expect(r.errors.find((e) => e.path === path)?.message, `${JSON.stringify(rule)} at ${path}: ${JSON.stringify(r.errors)}`).toContain(message);
    }
    const wrongWire = restoreScenario({ ...world([]), edges: [{ source: 'bus', target: 'shop' }] });
    expect(wrongWire.ok).toBe(false);
    if (!wrongWire.ok) expect(wrongWire.errors[0].message).toBe('an event bus connects to a topic or a queue, not to a producer');
  });

  it('[B3] [N4] a target that is down gets its copy once it is back; the bus keeps no other copy', () => {
    const s = sim(world([big])).act({ kind: 'outage', node: 'fraud', durationMs: 300, mode: 'down' }).fire('shop', 0).run();
    const pubs = s.engine.steps().filter((x) => x.node === 'bus' && (x.kind === 'publish' || x.kind === 'send-failed'));
    expect(pubs[0].kind).toBe('send-failed');
    expect(pubs.at(-1)!.kind).toBe('publish');
    expect(pubs.at(-1)!.time).toBeGreaterThanOrEqual(300);
  });
});
