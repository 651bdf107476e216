import { describe, expect, it } from 'vitest';
import { sim } from './testing/harness.ts';
import { restoreScenario } from './scenario.ts';
import { matches } from './kinds/sns.ts';

const record = (table: string) => [{ on: '*', do: [{ do: 'set', table, key: { event: 'id' }, value: { event: 'data.orderId' } }] }];

/** api → orders (sns) → billing, shipping (queues) → a worker each. */
function fanOut(subscriptions: unknown[] = [{ queue: 'billing', raw: true }, { queue: 'shipping', raw: true }], extra: { edges?: Record<string, unknown>; schedule?: unknown[] } = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      {
        id: 'api',
        kind: 'producer',
        config: {
          templates: [
            { type: 'OrderPlaced', key: 'ORD-{n}', data: { orderId: 'ORD-{n}', total: 120, region: 'eu-west' } },
            { type: 'OrderPlaced', key: 'ORD-{n}', data: { orderId: 'ORD-{n}', total: 20, region: 'us-east' } },
          ],
        },
      },
      { id: 'orders', kind: 'sns', config: { subscriptions } },
      { id: 'billing', kind: 'queue' },
      { id: 'shipping', kind: 'queue' },
      { id: 'bill', kind: 'consumer', config: { rules: record('seen') } },
      { id: 'ship', kind: 'consumer', config: { rules: record('seen') } },
    ],
    edges: [
      { source: 'api', target: 'orders' },
      { source: 'orders', target: 'billing', ...extra.edges },
      { source: 'orders', target: 'shipping' },
      { source: 'billing', target: 'bill' },
      { source: 'shipping', target: 'ship' },
    ],
    schedule: extra.schedule ?? [],
  };
}

describe('SNS topics', () => {
  it('[SN1] one publish is fanned out to every subscribed queue as copies with the same event id', () => {
    const s = sim(fanOut());
    s.fire('api').run();
    const f = s.stepsOf('fan-out');
    expect(f).toHaveLength(1);
    expect(f[0].text).toMatch(/^orders fanned OrderPlaced evt-0 \(key ORD-1\) out: to billing @0 \(raw\); to shipping @0 \(raw\)\. Every copy keeps the event's id$/);
    expect(s.consumer('bill').state.seen).toEqual({ 'evt-0': 'ORD-1' });
    expect(s.consumer('ship').state.seen).toEqual({ 'evt-0': 'ORD-1' });
    expect(s.engine.view().nodes.orders).toMatchObject({ kind: 'sns', published: 1, subscriptions: [{ queue: 'billing', delivered: 1 }, { queue: 'shipping', delivered: 1 }] });
    // Competing consumers still apply per queue: each copy is handled once.
    expect(s.stepsOf('handle')).toHaveLength(2);
  });

  it('[SN1] only producers and consumers connect to an SNS topic, and it connects only to queues; a subscription names a connected queue', () => {
    const errs = (patch: (s: ReturnType<typeof fanOut>) => void) => {
      const x = fanOut();
      patch(x);
      const r = restoreScenario(x);
      return r.ok ? [] : r.errors;
    };
    expect(errs((x) => x.edges.push({ source: 'orders', target: 'bill' }))).toEqual([{ path: 'edges[5]', message: 'an SNS topic connects to a queue, not to a consumer' }]);
    expect(errs((x) => x.edges.push({ source: 'billing', target: 'orders' }))).toEqual([{ path: 'edges[5]', message: 'an SNS topic takes connections from a producer or a consumer, not from a queue' }]);
    expect(errs((x) => ((x.nodes[1].config as { subscriptions: unknown[] }).subscriptions = [{ queue: 'nowhere' }]))).toEqual([{ path: 'nodes[1].config.subscriptions[0].queue', message: '"nowhere" is not a queue' }]);
    expect(
      errs((x) => {
        x.nodes.push({ id: 'other', kind: 'queue' } as never);
        (x.nodes[1].config as { subscriptions: unknown[] }).subscriptions = [{ queue: 'other' }];
      }),
    ).toEqual([{ path: 'nodes[1].config.subscriptions[0].queue', message: 'orders is not connected to other: connect orders → other first' }]);
    expect(errs((x) => ((x.nodes[1].config as { subscriptions: unknown[] }).subscriptions = [{ queue: 'billing' }, { queue: 'billing' }]))[0]).toMatchObject({ path: 'nodes[1].config.subscriptions[1].queue' });
    expect(errs((x) => ((x.nodes[1].config as { subscriptions: unknown[] }).subscriptions = [{ queue: 'billing', filterPolicy: { total: [1] } }]))[0]).toMatchObject({
      path: 'nodes[1].config.subscriptions[0].filterPolicy.total',
      message: 'must be type, key or a data field such as data.region',
    });
    expect(errs((x) => ((x.nodes[1].config as { subscriptions: unknown[] }).subscriptions = [{ queue: 'billing', filterPolicy: { 'data.total': [{ numeric: ['>', 'x'] }] } }]))[0]).toMatchObject({
      path: expect.stringMatching(/^nodes\[1\]\.config\.subscriptions\[0\]\.filterPolicy\.data\.total/),
    });
  });

  it('[SN2] a subscribed queue that is down gets its copy when it is back; the other is not held up', () => {
    const s = sim(fanOut(undefined, { schedule: [{ kind: 'outage', node: 'billing', durationMs: 250, at: 0 }] }));
    s.engine.stepForward(1); // the outage
    s.fire('api').run();
    const f = s.stepsOf('fan-out');
    expect(f[0].text).toMatch(/not yet to billing: billing is unavailable; it tries again in 100 ms; to shipping @0/);
    expect(f.at(-1)!.text).toMatch(/^orders delivered OrderPlaced evt-0 .* to billing @0 \(raw\)$/);
    expect(f.at(-1)!.time).toBe(300);
    expect(s.stepsOf('handle').map((x) => x.node)).toEqual(['ship', 'bill']);
  });

  it('[SN3] a filter policy delivers only the messages it matches, and says why not', () => {
    const s = sim(fanOut([{ queue: 'billing', raw: true, filterPolicy: { 'data.total': [{ numeric: ['>=', 100] }] } }, { queue: 'shipping', raw: true, filterPolicy: { 'data.region': [{ prefix: 'eu-' }], type: ['OrderPlaced'] } }]));
    s.fire('api', 0).fire('api', 1).run();
    expect(s.consumer('bill').state.seen).toEqual({ 'evt-0': 'ORD-1' });
    expect(s.consumer('ship').state.seen).toEqual({ 'evt-0': 'ORD-1' });
    const second = s.stepsOf('fan-out')[1].text;
    expect(second).toMatch(/not to billing \(its filter policy wants data\.total >= 100, and it is 20\)/);
    expect(second).toMatch(/not to shipping \(its filter policy wants data\.region starting with "eu-", and it is "us-east"\)/);
    expect(s.engine.view().nodes.orders).toMatchObject({ subscriptions: [{ delivered: 1, filtered: 1 }, { delivered: 1, filtered: 1 }] });
  });

  it('[SN3] filter values: exact, prefix, anything-but, exists, numeric ranges, lists', () => {
    expect(matches('a', 'a')).toBe(true);
    expect(matches(3, '3')).toBe(false);
    expect(matches({ prefix: 'eu' }, 'eu-west')).toBe(true);
    expect(matches({ prefix: 'eu' }, 5)).toBe(false);
    expect(matches({ 'anything-but': ['x', 1] }, 'y')).toBe(true);
    expect(matches({ 'anything-but': ['x', 1] }, 1)).toBe(false);
    expect(matches({ 'anything-but': ['x'] }, undefined)).toBe(false);
    expect(matches({ exists: true }, 0)).toBe(true);
    expect(matches({ exists: false }, undefined)).toBe(true);
    expect(matches({ exists: false }, null)).toBe(false);
    expect(matches({ numeric: ['>', 0, '<=', 10] }, 10)).toBe(true);
    expect(matches({ numeric: ['>', 0, '<=', 10] }, 11)).toBe(false);
    expect(matches({ numeric: ['=', 5] }, '5')).toBe(false);
    expect(matches('b', ['a', 'b'])).toBe(true);
  });

  it('[SN4] without raw delivery a queue gets the SNS envelope, and rules reading data.orderId find nothing there', () => {
    const s = sim(fanOut([{ queue: 'shipping', raw: true }]));
    s.fire('api').run();
    const billing = s.engine.event(s.stepsOf('handle', 'bill')[0].record!)!;
    expect(billing.id).toBe('evt-0');
    expect(billing.data).toMatchObject({ Type: 'Notification', MessageId: 'evt-0', TopicArn: 'arn:aws:sns:eventfold:orders' });
    expect(JSON.parse((billing.data as { Message: string }).Message)).toEqual({ orderId: 'ORD-1', total: 120, region: 'eu-west' });
    expect(s.stepsOf('fan-out')[0].text).toMatch(/to billing @0 \(in an SNS envelope: the data is in its Message field, as JSON text\)/);
    // The rule reads data.orderId, which the envelope does not have at its top.
    expect(s.consumer('bill').state.seen).toEqual({ 'evt-0': null });
    expect(s.consumer('ship').state.seen).toEqual({ 'evt-0': 'ORD-1' });
  });

  it('[SN1] [FQ2] an SNS topic in front of a FIFO queue keeps the group id of the template', () => {
    const x = fanOut([{ queue: 'billing', raw: true }]);
    (x.nodes[0].config as { templates: Record<string, unknown>[] }).templates[0].messageGroupId = 'g-1';
    (x.nodes[2] as Record<string, unknown>).config = { fifo: true };
    const s = sim(x);
    s.fire('api').run();
    expect((s.engine.view().nodes.billing as { messages: { group: string }[] }).messages[0].group).toBe('g-1');
  });
});
