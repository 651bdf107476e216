import { describe, expect, it } from 'vitest';
import { sim } from './testing/harness.ts';

const count = [{ on: '*', do: [{ do: 'increment', table: 'handled', key: { event: 'id' } }, { do: 'append', table: 'order', key: { event: 'key' }, value: { event: 'data.step' } }] }];

function jobs(opts: { consumers?: Record<string, Record<string, unknown>>; queue?: Record<string, unknown>; dlq?: boolean; channel?: 'queue' | 'topic'; invariants?: unknown[] } = {}) {
  const consumers = opts.consumers ?? { a: {}, b: {} };
  const channel = opts.channel ?? 'queue';
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      {
        id: 'api',
        kind: 'producer',
        config: {
          templates: [
            { type: 'Job', key: 'job-{n}', data: { step: '{n}' } },
            { type: 'Step', key: 'ORD-1', data: { step: '{n}' } },
          ],
        },
      },
      { id: 'work', kind: channel, ...(channel === 'queue' ? { config: opts.queue ?? {} } : { config: { partitions: 2 } }) },
      ...(opts.dlq ? [{ id: 'work-dlq', kind: 'queue' }] : []),
      ...Object.entries(consumers).map(([id, config]) => ({ id, kind: 'consumer', config: { group: 'workers', rules: count, ...config } })),
    ],
    edges: [
      { source: 'api', target: 'work' },
      ...Object.keys(consumers).map((id) => ({ source: 'work', target: id })),
      ...(opts.dlq ? [{ source: 'work', target: 'work-dlq' }] : []),
    ],
    invariants: opts.invariants ?? [],
  };
}

describe('queues', () => {
  it('[Q1] [Q2] competing consumers share the messages; each is handled once and acked', () => {
    const s = sim(jobs());
    for (let i = 0; i < 4; i++) s.fire('api');
    s.run();
    const handlers = s.stepsOf('handle').map((x) => x.node);
    expect(handlers.filter((n) => n === 'a').length).toBeGreaterThan(0);
    expect(handlers.filter((n) => n === 'b').length).toBeGreaterThan(0);
    expect(Object.values(s.consumer('a').state.handled)).toEqual([1, 1, 1, 1]);
    expect(s.stepsOf('ack').every((x) => /deleted from the queue/.test(x.text))).toBe(true);
    expect(s.engine.view().nodes.work).toMatchObject({ kind: 'queue', ready: 0, inFlight: 0, acked: 4 });
    expect(s.stepsOf('rebalance')).toHaveLength(0);
  });

  it('[Q3] a handler slower than the visibility timeout: the message reappears, is handled twice, and the late ack fails', () => {
    const s = sim(jobs({ consumers: { a: { processingMs: 500 }, b: { processingMs: 10 } }, queue: { visibilityTimeoutMs: 100 } }));
    s.fire('api').run();
    expect(s.stepsOf('reappear')[0].text).toMatch(/ran out before a acked it/);
    expect(s.stepsOf('handle').map((x) => x.node)).toEqual(['b', 'a']);
    const acks = s.stepsOf('ack');
    expect(acks.find((x) => x.node === 'a')!.text).toMatch(/visibility timeout had run out/);
    expect(s.consumer('a').state.handled).toEqual({ 'evt-0': 2 });
  });

  it('[Q3] prefetch: a consumer takes several messages at once; if it crashes they come back after the timeout', () => {
    const s = sim(jobs({ consumers: { a: { prefetch: 3 }, b: {} }, queue: { visibilityTimeoutMs: 200 } }));
    s.fire('api').fire('api').fire('api');
    const r = s.runUntilStep((x) => x.kind === 'receive');
    expect(r.node).toBe('a');
    expect(r.text).toMatch(/received 3 messages \(prefetch 3\)/);
    expect(s.consumer('a').prefetched).toEqual(['evt-1', 'evt-2']);
    s.crash('a').run();
    expect(s.stepsOf('reappear')).toHaveLength(3);
    expect(s.stepsOf('handle').every((x) => x.node === 'b')).toBe(true);
    expect(Object.keys(s.consumer('b').state.handled).sort()).toEqual(['evt-0', 'evt-1', 'evt-2']);
  });

  it('[Q4] [Q5] a failing message is nacked back; after maxReceiveCount it goes to the dead-letter queue; redrive returns it', () => {
    const s = sim(jobs({ consumers: { a: { failWhen: { op: 'eq', left: { event: 'type' }, right: 'Job' } } }, queue: { maxReceiveCount: 3, deadLetter: 'work-dlq' }, dlq: true }));
    s.fire('api').run();
    expect(s.stepsOf('error').map((x) => x.text.match(/received (\d) time/)![1])).toEqual(['1', '2', '3']);
    expect(s.stepsOf('receive').at(-1)!.text).toMatch(/evt-0 went to work-dlq/);
    expect(s.engine.view().nodes.work).toMatchObject({ dead: 1, ready: 0 });
    expect(s.engine.deadLetters('work-dlq')).toEqual([expect.objectContaining({ eventId: 'evt-0', attempts: 3, error: expect.stringMatching(/received 3 times without an ack/) })]);
    s.act({ kind: 'deploy', node: 'a', config: { failWhen: null } }).act({ kind: 'redrive', node: 'work-dlq' }).run();
    expect(s.consumer('a').state.handled).toEqual({ 'evt-0': 1 });
  });

  it('[Q6] auto-ack (commit before) and a crash lose the message', () => {
    const s = sim(jobs({ consumers: { a: { commit: 'before' } }, invariants: [{ kind: 'no-loss', node: 'a' }] }));
    s.fire('api');
    s.runUntilStep((x) => x.kind === 'receive');
    expect(s.trace.at(-1)!.text).toMatch(/acked at once \(auto-ack, at-most-once\)/);
    s.crash('a').restart('a').run();
    expect(s.consumer('a').state).toEqual({});
    expect(s.engine.invariantStatus()[0].status).toBe('broken');
  });

  it('[Q1] [V4] queues vs logs: competing consumers break per-key order, a keyed topic keeps it', () => {
    const slowFast = { a: { processingMs: 30 }, b: { processingMs: 1 } };
    const q = sim(jobs({ consumers: slowFast, invariants: [{ kind: 'key-order', node: 'a' }] }));
    for (let i = 0; i < 4; i++) q.fire('api', 1);
    q.run();
    expect(q.engine.invariantStatus()[0].status).toBe('broken');
    const t = sim(jobs({ channel: 'topic', consumers: slowFast, invariants: [{ kind: 'key-order', node: 'a' }] }));
    for (let i = 0; i < 4; i++) t.fire('api', 1);
    t.run();
    expect(t.engine.invariantStatus()[0].status).toBe('holding');
    expect(t.consumer('a').state.order).toEqual({ 'ORD-1': [1, 2, 3, 4] });
  });
});
