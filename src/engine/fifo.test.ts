import { describe, expect, it } from 'vitest';
import { sim } from './testing/harness.ts';
import { restoreScenario } from './scenario.ts';

const log = [{ on: '*', do: [{ do: 'append', table: 'order', key: { event: 'key' }, value: { event: 'data.step' } }, { do: 'effect', name: 'charged', key: { event: 'data.ref' } }] }];

/** Two workers (one slow, one fast) in one group on a queue; the api sends steps of orders. */
function orders(opts: { queue?: Record<string, unknown>; templates?: Record<string, unknown>[]; consumers?: Record<string, Record<string, unknown>>; invariants?: unknown[]; edge?: Record<string, unknown> } = {}) {
  const consumers = opts.consumers ?? { a: { processingMs: 40 }, b: { processingMs: 2 } };
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      {
        id: 'api',
        kind: 'producer',
        config: {
          templates: opts.templates ?? [
            { type: 'Step', key: 'ORD-1', data: { step: '{n}', ref: 'r{n}' } },
            { type: 'Step', key: 'ORD-2', data: { step: '{n}', ref: 'r{n}' } },
          ],
        },
      },
      { id: 'work', kind: 'queue', config: { fifo: true, ...opts.queue } },
      ...Object.entries(consumers).map(([id, config]) => ({ id, kind: 'consumer', config: { group: 'workers', rules: log, ...config } })),
    ],
    edges: [{ source: 'api', target: 'work', ...opts.edge }, ...Object.keys(consumers).map((id) => ({ source: 'work', target: id }))],
    invariants: opts.invariants ?? [],
  };
}

describe('FIFO queues', () => {
  it('[FQ1] [FQ2] one group is handled in order even with a slow and a fast consumer; a standard queue breaks that order', () => {
    const fifo = sim(orders({ invariants: [{ kind: 'key-order', node: 'a' }] }));
    for (let i = 0; i < 4; i++) fifo.fire('api', 0);
    fifo.run();
    expect(fifo.engine.invariantStatus()[0].status).toBe('holding');
    expect(fifo.consumer('a').state.order).toEqual({ 'ORD-1': [1, 2, 3, 4] });
    // Both consumers took part, but never two of the group at once.
    expect(new Set(fifo.stepsOf('receive').map((x) => x.node))).toEqual(new Set(['a', 'b']));

    const standard = sim(orders({ queue: { fifo: false }, invariants: [{ kind: 'key-order', node: 'a' }] }));
    for (let i = 0; i < 4; i++) standard.fire('api', 0);
    standard.run();
    expect(standard.engine.invariantStatus()[0].status).toBe('broken');
  });

  it('[FQ1] different groups go to different consumers in parallel', () => {
    const s = sim(orders({ consumers: { a: { processingMs: 40 }, b: { processingMs: 40 } } }));
    s.fire('api', 0).fire('api', 0).fire('api', 1).fire('api', 1);
    // Both consumers are busy at once, each with a different group.
    s.runUntilStep((x) => x.kind === 'receive');
    s.runUntilStep((x) => x.kind === 'receive');
    const v = s.engine.view().nodes.work as { blockedGroups: string[]; messages: { state: string; group: string; holder: string | null }[] };
    expect(v.blockedGroups).toEqual(['ORD-1', 'ORD-2']);
    expect(v.messages.filter((m) => m.state === 'in flight').map((m) => m.group).sort()).toEqual(['ORD-1', 'ORD-2']);
    s.run();
    expect(s.consumer('a').state.order).toEqual({ 'ORD-1': [1, 2], 'ORD-2': [3, 4] });
    // Whole run: 4 messages in 2 groups, each 40 ms, by 2 consumers: about 80 ms, not 160.
    expect(s.engine.time).toBeLessThan(120);
  });

  it('[FQ1] with prefetch a consumer takes at most one message of a group per receive', () => {
    const s = sim(orders({ consumers: { a: { prefetch: 5 } } }));
    s.fire('api', 0).fire('api', 0).fire('api', 1);
    const r = s.runUntilStep((x) => x.kind === 'receive');
    expect(r.text).toMatch(/received 2 messages/);
    expect(s.consumer('a').prefetched).toEqual(['evt-2']);
    s.run();
    expect(s.consumer('a').state.order).toEqual({ 'ORD-1': [1, 2], 'ORD-2': [3] });
  });

  it('[FQ1] a visibility timeout frees the group: the message is offered again before the next of its group', () => {
    const s = sim(orders({ queue: { visibilityTimeoutMs: 20 }, consumers: { a: { processingMs: 50 }, b: { processingMs: 5 } } }));
    s.fire('api', 0).fire('api', 0).run();
    const handled = s.stepsOf('handle').map((x) => `${x.node}:${x.eventId}`);
    // evt-0 reappears while a still works on it and b takes it again, before evt-1.
    expect(s.stepsOf('reappear')[0].eventId).toBe('evt-0');
    expect(handled.indexOf('b:evt-0')).toBeLessThan(handled.indexOf('b:evt-1'));
  });

  it('[FQ2] a template messageGroupId groups messages of different keys; fillers are allowed', () => {
    const s = sim(
      orders({
        templates: [{ type: 'Step', key: 'K-{n}', messageGroupId: 'customer-{rand:1-1}', data: { step: '{n}', ref: 'r{n}' } }],
        consumers: { a: { processingMs: 40 }, b: { processingMs: 2 } },
      }),
    );
    s.fire('api').fire('api').fire('api').run();
    const v = s.engine.view().nodes.work as { messages: { group: string }[] };
    expect(v.messages.map((m) => m.group)).toEqual(['customer-1', 'customer-1', 'customer-1']);
    // One group: handled strictly one after another, in order.
    expect(s.stepsOf('handle').map((x) => x.eventId)).toEqual(['evt-0', 'evt-1', 'evt-2']);
  });

  it('[FQ3] a send with a deduplication id seen within the window is accepted but dropped, with a dedup step; after the window it is taken', () => {
    const s = sim(
      orders({
        templates: [{ type: 'Pay', key: 'ORD-7', deduplicationId: 'pay-ORD-7', data: { step: 1, ref: 'ORD-7' } }],
        queue: { deduplicationWindowMs: 1000 },
        consumers: { a: {} },
      }),
    );
    s.fire('api').run().fire('api').run();
    const d = s.stepsOf('dedup');
    expect(d).toHaveLength(1);
    expect(d[0].node).toBe('work');
    expect(d[0].eventId).toBe('evt-1');
    expect(d[0].text).toMatch(/accepted the send of Pay evt-1 .* but dropped it: its deduplication id "pay-ORD-7" is the same as that of evt-0, accepted at 0 ms, within the 1000 ms deduplication window/);
    expect(s.engine.view().nodes.work).toMatchObject({ deduplicated: 1, acked: 1 });
    expect(s.consumer('a').effects.charged).toEqual({ 'ORD-7': 1 });
    // After the window the same id is a new message.
    s.act({ kind: 'link', node: 'api', to: 'work', delayMs: 2000 }).fire('api').run();
    expect(s.stepsOf('dedup')).toHaveLength(1);
    expect(s.consumer('a').effects.charged).toEqual({ 'ORD-7': 2 });
  });

  it('[FQ3] without an id, a retry after a lost ack keeps the event id and is dropped; a standard queue delivers it twice', () => {
    const scenario = (fifo: boolean) => ({
      ...orders({ queue: { fifo }, consumers: { a: {} }, invariants: [{ kind: 'at-most-once', node: 'a', effect: 'charged' }] }),
      schedule: [
        { kind: 'outage', node: 'work', durationMs: 150, mode: 'acks-lost', at: 0 },
        { kind: 'fire', node: 'api', at: 10 },
      ],
    });
    const fifo = sim(scenario(true));
    fifo.run();
    // Sent at 10 and retried at 110 (both acks lost) and 210: the two retries are dropped.
    expect(fifo.stepsOf('dedup').filter((x) => x.node === 'work').map((x) => x.time)).toEqual([110, 210]);
    expect(fifo.consumer('a').effects.charged).toEqual({ r1: 1 });
    expect(fifo.engine.invariantStatus()[0].status).toBe('holding');
    const standard = sim(scenario(false));
    standard.run();
    expect(standard.engine.invariantStatus()[0].status).toBe('broken');
  });

  it('[FQ3] content-based deduplication drops a second send of the same body, even with another event id', () => {
    const s = sim(orders({ templates: [{ type: 'Pay', key: 'ORD-7', data: { ref: 'ORD-7', amount: 30 } }], queue: { contentBasedDeduplication: true }, consumers: { a: {} } }));
    s.fire('api').fire('api').run();
    expect(s.stepsOf('dedup')[0].text).toMatch(/its body \{"amount":30,"ref":"ORD-7"\} \(content-based deduplication\) is the same as that of evt-0/);
    expect(s.consumer('a').effects.charged).toEqual({ 'ORD-7': 1 });
    // Without it, the two sends have different event ids: both are handled.
    const plain = sim(orders({ templates: [{ type: 'Pay', key: 'ORD-7', data: { ref: 'ORD-7', amount: 30 } }], consumers: { a: {} } }));
    plain.fire('api').fire('api').run();
    expect(plain.consumer('a').effects.charged).toEqual({ 'ORD-7': 2 });
  });

  it('[FQ3] a duplicate does not extend the window', () => {
    const s = sim({
      ...orders({ templates: [{ type: 'Pay', key: 'K', deduplicationId: 'same', data: { ref: 'x' } }], queue: { deduplicationWindowMs: 100 }, consumers: { a: {} } }),
      schedule: [0, 60, 120, 180].map((at) => ({ kind: 'fire', node: 'api', at })),
    });
    s.run();
    // 0 accepted; 60 dropped; 120 accepted (had the drop at 60 extended the window, it would be dropped); 180 dropped.
    expect(s.stepsOf('dedup').map((x) => x.eventId)).toEqual(['evt-1', 'evt-3']);
    expect(s.engine.view().nodes.work).toMatchObject({ acked: 2, deduplicated: 2 });
  });

  it('[FQ1] [FQ4] wrong FIFO settings are refused at their field', () => {
    const bad = (nodes: unknown[], edges: unknown[] = []) => {
      const r = restoreScenario({ format: 'eventfold/scenario', version: 1, nodes, edges });
      return r.ok ? [] : r.errors;
    };
    expect(bad([{ id: 'q', kind: 'queue', config: { contentBasedDeduplication: true } }])).toEqual([{ path: 'nodes[0].config.contentBasedDeduplication', message: expect.stringMatching(/for FIFO queues: set fifo to true/) }]);
    expect(bad([{ id: 'q', kind: 'queue', config: { fifo: 'yes' } }])[0]).toMatchObject({ path: 'nodes[0].config.fifo', message: 'must be true or false' });
    expect(bad([{ id: 'q', kind: 'queue', config: { fifo: true, deduplicationWindowMs: 0 } }])[0]).toMatchObject({ path: 'nodes[0].config.deduplicationWindowMs' });
    expect(
      bad(
        [
          { id: 'q', kind: 'queue', config: { fifo: true, deadLetter: 'dlq', maxReceiveCount: 2 } },
          { id: 'dlq', kind: 'queue' },
        ],
        [{ source: 'q', target: 'dlq' }],
      ),
    ).toEqual([{ path: 'nodes[0].config.deadLetter', message: expect.stringMatching(/dead-letter queue of a FIFO queue must be FIFO too/) }]);
    expect(bad([{ id: 'p', kind: 'producer', config: { templates: [{ type: 'X', messageGroupId: '' }] } }])[0]).toMatchObject({ path: 'nodes[0].config.templates[0].messageGroupId', message: expect.stringMatching(/must not be empty/) });
  });
});
