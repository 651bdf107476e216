import { describe, expect, it } from 'vitest';
import { sim } from './testing/harness.ts';
import { restoreScenario } from './scenario.ts';

const count = [{ on: '*', do: [{ do: 'append', table: 'got', key: 'all', value: { event: 'data.n' } }] }];

/** prices → ticks (pubsub or topic) → a, b. */
function ticks(channel: 'pubsub' | 'topic' = 'pubsub', opts: { a?: Record<string, unknown>; invariants?: unknown[]; schedule?: unknown[] } = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'prices', kind: 'producer', config: { templates: [{ type: 'Tick', key: null, data: { n: '{n}' } }] } },
      { id: 'ticks', kind: channel },
      { id: 'a', kind: 'consumer', config: { rules: count, ...opts.a } },
      { id: 'b', kind: 'consumer', config: { rules: count } },
    ],
    edges: [
      { source: 'prices', target: 'ticks' },
      { source: 'ticks', target: 'a' },
      { source: 'ticks', target: 'b' },
    ],
    invariants: opts.invariants ?? [],
    schedule: opts.schedule ?? [],
  };
}

describe('pub/sub channels', () => {
  it('[PS1] [PS2] a message is pushed at once to every subscriber; no groups, offsets or commits', () => {
    const s = sim(ticks());
    s.fire('prices').fire('prices').run();
    const pushes = s.stepsOf('push');
    expect(pushes.map((x) => x.text)).toEqual(['ticks pushed Tick evt-0 (no key) to a, b at once', 'ticks pushed Tick evt-1 (no key) to a, b at once']);
    expect(s.consumer('a').state.got).toEqual({ all: [1, 2] });
    expect(s.consumer('b').state.got).toEqual({ all: [1, 2] });
    expect(s.stepsOf('commit')).toHaveLength(0);
    expect(s.stepsOf('rebalance')).toHaveLength(0);
    expect(s.consumer('a')).toMatchObject({ assigned: [], subscribed: ['ticks'], pushed: [] });
    expect(s.stepsOf('deliver', 'a')[0].text).toBe("a takes Tick evt-0 (no key) from its connection's buffer: ticks pushed it there, and keeps no copy");
  });

  it('[PS2] a busy subscriber keeps pushed messages in its buffer and handles them in order', () => {
    const s = sim(ticks('pubsub', { a: { processingMs: 50 } }));
    s.fire('prices').fire('prices').fire('prices');
    s.runUntilStep((x) => x.kind === 'push' && x.eventId === 'evt-2');
    expect(s.consumer('a').pushed!.length).toBeGreaterThan(0);
    s.run();
    expect(s.consumer('a').state.got).toEqual({ all: [1, 2, 3] });
  });

  it('[PS3] a subscriber that is down misses what is published, and a restart does not catch up; a topic keeps it', () => {
    const run = (channel: 'pubsub' | 'topic') => {
      const s = sim(ticks(channel, { invariants: [{ kind: 'no-loss', node: 'a' }] }));
      s.fire('prices').run().crash('a').fire('prices').fire('prices').run().restart('a').fire('prices').run();
      return s;
    };
    const ps = run('pubsub');
    expect(ps.consumer('a').state.got).toEqual({ all: [1, 4] });
    expect(ps.consumer('b').state.got).toEqual({ all: [1, 2, 3, 4] });
    expect(ps.stepsOf('push')[1].text).toBe('ticks pushed Tick evt-1 (no key) to b at once; a (down) missed it, and will never get it: pub/sub keeps no copy and no offset to resume from');
    expect(ps.engine.invariantStatus()[0]).toMatchObject({ status: 'broken', message: expect.stringMatching(/evt-1 \(Tick\) was lost: it was published on ticks while a was down/) });
    expect(ps.engine.view().nodes.ticks).toMatchObject({ kind: 'pubsub', published: 4, subscribers: [{ id: 'a', up: true }, { id: 'b', up: true }] });
    const log = run('topic');
    expect(log.consumer('a').state.got).toEqual({ all: [1, 2, 3, 4] });
    expect(log.engine.invariantStatus()[0].status).toBe('holding');
  });

  it('[PS3] a crash loses the buffer and the message in hand; a message pushed to no one is gone', () => {
    const s = sim(ticks('pubsub', { a: { processingMs: 50 }, invariants: [{ kind: 'no-loss', node: 'a' }] }));
    s.fire('prices').fire('prices');
    s.runUntilStep((x) => x.kind === 'push' && x.eventId === 'evt-1');
    s.crash('a').crash('b').fire('prices').run();
    expect(s.consumer('a').state).toEqual({});
    expect(s.engine.invariantStatus()[0].status).toBe('broken');
    expect(s.stepsOf('push').at(-1)!.text).toMatch(/pushed Tick evt-2 \(no key\) to nobody at once; a \(down\), b \(down\) missed it/);
    expect(s.engine.view().nodes.ticks).toMatchObject({ lost: 1 });
  });

  it('[PS3] a subscriber cut off from the channel misses what is pushed while the cut lasts', () => {
    const s = sim(ticks());
    s.act({ kind: 'partition', node: 'ticks', from: 'a' }).fire('prices').run().act({ kind: 'heal', node: 'ticks', from: 'a' }).fire('prices').run();
    expect(s.consumer('a').state.got).toEqual({ all: [2] });
    expect(s.stepsOf('push')[0].text).toMatch(/a \(the network between a and ticks is cut\) missed it/);
  });

  it('[PS4] a handler error on a pushed message is not retried: it is gone', () => {
    const s = sim(ticks('pubsub', { a: { failWhen: { op: 'eq', left: { event: 'data.n' }, right: 1 }, retry: { maxAttempts: 3 } }, invariants: [{ kind: 'no-loss', node: 'a' }] }));
    s.fire('prices').fire('prices').run();
    expect(s.stepsOf('retry')).toHaveLength(0);
    expect(s.stepsOf('error', 'a')[0].text).toMatch(/nothing to retry or dead-letter, and it is gone/);
    expect(s.consumer('a').state.got).toEqual({ all: [2] });
    expect(s.engine.invariantStatus()[0].status).toBe('broken');
  });

  it('[PS1] a pub/sub channel takes producers and consumers and feeds consumers only', () => {
    const r = restoreScenario({ ...ticks(), nodes: [...ticks().nodes, { id: 'q', kind: 'queue' }], edges: [...ticks().edges, { source: 'ticks', target: 'q' }] });
    expect(r.ok ? [] : r.errors).toEqual([{ path: 'edges[3]', message: 'a pub/sub channel connects to a consumer, not to a queue' }]);
    const cfg = restoreScenario({ ...ticks(), nodes: [ticks().nodes[0], { id: 'ticks', kind: 'pubsub', config: { partitions: 2 } }, ...ticks().nodes.slice(2)] });
    expect(cfg.ok ? [] : cfg.errors[0].path).toBe('nodes[1].config.partitions');
  });
});
