// Broker restarts and durability ([DU1], [DU2]): a restart loses what was not durable — a
// queue that is not durable loses everything, a durable one its transient messages — and
// unacked survivors are delivered again; a topic loses nothing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sim } from './testing/harness.ts';

const handle = [{ on: '*', do: [{ do: 'append', table: 'got', key: 'all', value: { event: 'data.n' } }] }];

function jobs(o: { durable?: boolean; persistent?: boolean; processingMs?: number; channel?: 'queue' | 'topic' } = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'web', kind: 'producer', config: { templates: [{ type: 'Job', key: null, data: { n: '{n}' }, ...(o.persistent !== undefined ? { persistent: o.persistent } : {}) }] } },
      { id: 'jobs', kind: o.channel ?? 'queue', config: o.channel === 'topic' ? {} : { ...(o.durable !== undefined ? { durable: o.durable } : {}) } },
      { id: 'worker', kind: 'consumer', config: { rules: handle, processingMs: o.processingMs ?? 100 } },
    ],
    edges: [
      { source: 'web', target: 'jobs' },
      { source: 'jobs', target: 'worker' },
    ],
    invariants: [{ kind: 'no-loss', node: 'worker' }],
  };
}

/** Fires 4 jobs, lets the worker take the first, restarts the broker for 50 ms, runs to the end. */
function restartStory(o: Parameters<typeof jobs>[0]) {
  const s = sim(jobs(o));
  for (let i = 0; i < 4; i++) s.fire('web');
  s.runUntilStep((x) => (x.kind === 'receive' || x.kind === 'deliver') && x.node === 'worker');
  s.act({ kind: 'outage', node: 'jobs', durationMs: 50, mode: 'restart' }).run();
  return s;
}
const got = (s: ReturnType<typeof sim>) => (s.consumer('worker').state.got?.all ?? []) as number[];

describe('[DU1] [DU2] a broker restart', () => {
  it('a durable queue loses its transient messages (RabbitMQ\'s default delivery mode): no-loss breaks', () => {
    const s = restartStory({});
    const outage = s.stepsOf('outage', 'jobs')[0];
    expect(outage.text).toContain('its broker restarts: 4 transient messages lost (a durable queue keeps only persistent messages through a restart)');
    // The one being handled is finished; the three waiting are gone.
    expect(got(s)).toEqual([1]);
    expect(s.engine.view().nodes.jobs).toMatchObject({ kind: 'queue', lostInRestart: 4 });
    expect(s.engine.view().invariants[0].status).toBe('broken');
  });

  it('persistent messages in a durable queue survive; the unacked one is delivered again (its ack no longer counts)', () => {
    const s = restartStory({ persistent: true });
    expect(s.stepsOf('outage', 'jobs')[0].text).toContain('no message lost; 1 unacked message ready again');
    expect([...got(s)].sort()).toEqual([1, 1, 2, 3, 4]);
    expect(s.stepsOf('ack', 'worker')[0].text).toBe('worker tried to ack Job evt-0 (no key), but this receipt no longer holds it (a broker restart closed the channel it came on, or its visibility timeout ran out): it is back in the queue and will be handled again');
    expect(s.engine.view().invariants[0].status).toBe('holding');
  });

  it('a queue that is not durable loses even persistent messages', () => {
    const s = restartStory({ persistent: true, durable: false });
    expect(s.stepsOf('outage', 'jobs')[0].text).toContain('4 messages lost (jobs is not durable: the queue itself is gone and comes back empty)');
    expect(got(s)).toEqual([1]);
  });

  it('a topic loses nothing in a restart', () => {
    const s = restartStory({ channel: 'topic' });
    expect(s.stepsOf('outage', 'jobs')[0].text).toContain('its broker restarts: its log is on disk, so nothing is lost');
    expect(got(s)).toEqual([1, 2, 3, 4]);
  });

  it('property: whatever is fired and whenever the restart comes, persistent + durable loses nothing and transient loses only what was waiting', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 30 }), fc.boolean(), fc.integer({ min: 0, max: 60 }), (n, at, persistent, processingMs) => {
        const s = sim(jobs({ persistent, processingMs }));
        for (let i = 0; i < n; i++) s.fire('web');
        s.step(at);
        s.act({ kind: 'outage', node: 'jobs', durationMs: 20, mode: 'restart' }).run();
        const seen = new Set(got(s));
        const lost = (s.engine.view().nodes.jobs as { lostInRestart?: number }).lostInRestart ?? 0;
        if (persistent) {
          expect(seen.size).toBe(n);
          expect(lost).toBe(0);
        } else {
          // Each job was handled, or lost in the restart (one being handled may be both).
          expect(seen.size + lost).toBeGreaterThanOrEqual(n);
          expect(s.stepsOf('outage')[0].text).toContain(lost === 0 ? 'no message lost' : `${lost} transient message`);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('[K8] seeking across a restart equals running there', () => {
    const whole = sim(jobs({}), { checkpointEvery: 2 });
    for (let i = 0; i < 4; i++) whole.fire('web');
    whole.step(3).act({ kind: 'outage', node: 'jobs', durationMs: 50, mode: 'restart' }).run();
    const end = whole.engine.step;
    const fresh = sim(jobs({}));
    for (let i = 0; i < 4; i++) fresh.fire('web');
    fresh.step(3).act({ kind: 'outage', node: 'jobs', durationMs: 50, mode: 'restart' }).run();
    for (const at of [2, 5, end - 1]) {
      whole.seek(at);
      fresh.seek(at);
      expect(whole.engine.view().nodes).toEqual(fresh.engine.view().nodes);
    }
  });
});
