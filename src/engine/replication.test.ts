// Replicated topics and producer acks ([KR1]–[KR6]): followers copy their leader, readers
// stop at the high watermark, and a leader that fails before its followers copied a write
// loses it for an acks=1 producer, while an acks=all producer hears nothing and sends again.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sim } from './testing/harness.ts';
import { restoreScenario } from './scenario.ts';
import type { ReplicationView } from './views.ts';

type Acks = 0 | 1 | 'all';
interface Opts {
  acks?: Acks;
  rf?: number;
  minIsr?: number;
  idempotent?: boolean;
  partitions?: number;
}

function shop(o: Opts = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'shop', kind: 'producer', config: { templates: [{ type: 'OrderPlaced', key: 'ORD-{n}', data: { n: '{n}' } }], ...(o.acks !== undefined ? { acks: o.acks } : {}), ...(o.idempotent ? { idempotent: true } : {}) } },
      { id: 'orders', kind: 'topic', config: { partitions: o.partitions ?? 1, replicationFactor: o.rf ?? 3, ...(o.minIsr !== undefined ? { minInsyncReplicas: o.minIsr } : {}) } },
      { id: 'billing', kind: 'consumer', config: { rules: [{ on: '*', do: [{ do: 'append', table: 'got', key: 'all', value: { event: 'data.n' } }] }] } },
    ],
    edges: [
      { source: 'shop', target: 'orders' },
      { source: 'orders', target: 'billing' },
    ],
    invariants: [{ kind: 'no-loss', node: 'billing' }],
  };
}
const got = (s: ReturnType<typeof sim>) => (s.consumer('billing').state.got?.all ?? []) as number[];
const rep = (s: ReturnType<typeof sim>) => s.topic('orders').replication as ReplicationView;

/** Fires three orders and fails the leader before any follower copied them. */
function failover(o: Opts) {
  const s = sim(shop(o));
  s.fire('shop').fire('shop').fire('shop');
  s.act({ kind: 'broker-fail', node: 'orders' });
  return s.run();
}

describe('[KR1]-[KR3] followers and the high watermark', () => {
  it('a write is readable only once every in-sync replica has it; the followers copy it in turn', () => {
    const s = sim(shop());
    s.fire('shop').fire('shop');
    expect(rep(s).partitions[0]).toMatchObject({ leader: 'b1', isr: ['b1', 'b2', 'b3'], highWatermark: 0, logEnds: [2, 0, 0] });
    expect(s.stepsOf('deliver', 'billing')).toHaveLength(0);
    s.runUntilStep((x) => x.kind === 'replicate');
    expect(rep(s).partitions[0]).toMatchObject({ highWatermark: 0, logEnds: [2, 2, 0] });
    const second = s.runUntilStep((x) => x.kind === 'replicate');
    expect(second.text).toContain('b3 copied @0–@1');
    expect(second.text).toContain('high watermark 0 → 2');
    expect(rep(s).partitions[0].highWatermark).toBe(2);
    s.run();
    expect(got(s)).toEqual([1, 2]);
    // The reads came after the high watermark moved, never before.
    const trace = s.trace;
    const firstDeliver = trace.findIndex((x) => x.kind === 'deliver');
    expect(firstDeliver).toBeGreaterThan(trace.findIndex((x) => x.kind === 'replicate' && x.text.includes('b3')));
  });

  it('[KR1] leaders spread over the brokers, one partition each in turn', () => {
    const s = sim(shop({ partitions: 4 }));
    expect(rep(s).partitions.map((p) => p.leader)).toEqual(['b1', 'b2', 'b3', 'b1']);
  });

  it('[KR1] the topic form\'s limits: min.insync.replicas above the factor, or replication with retention, are refused with why', () => {
    const bad = shop({ rf: 2, minIsr: 3 });
    const r = restoreScenario(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n')).toContain('nodes[1].config.minInsyncReplicas: must be at most the replication factor (2)');
    const withRetention = shop();
    (withRetention.nodes[1].config as Record<string, unknown>).retentionMs = 1000;
    const r2 = restoreScenario(withRetention);
    expect(r2.ok).toBe(false);
    // As Kafka: an idempotent producer must wait for every in-sync replica.
    const r3 = restoreScenario(shop({ acks: 1, idempotent: true }));
    expect(!r3.ok && r3.errors.map((e) => `${e.path}: ${e.message}`).join('\n')).toContain('nodes[0].config.acks: an idempotent producer needs acks=all');
    expect(restoreScenario(shop({ acks: 'all', idempotent: true })).ok).toBe(true);
  });
});

describe('[KR4] [KR5] a leader fails before its followers copied', () => {
  it('acks=1: the producer was told each order landed; the new leader never had them; lost for good', () => {
    const s = failover({ acks: 1 });
    const elect = s.stepsOf('elect', 'orders')[0];
    expect(elect.text).toContain('b2 leads p0');
    expect(elect.text).toContain('the log is cut back from 3 to 0');
    expect(elect.text).toContain('LOST: evt-0, evt-1, evt-2');
    expect(got(s)).toEqual([]);
    expect(s.engine.view().invariants[0]).toMatchObject({ status: 'broken' });
    expect(s.engine.view().invariants[0].message).toContain('acks=1');
  });

  it('acks=all: the producer never heard back, sends each again to the new leader, and nothing is lost', () => {
    const s = failover({ acks: 'all' });
    expect(s.stepsOf('elect', 'orders')[0].text).toContain('acks=all writes never acknowledged: evt-0 (not on the new leader)');
    expect([...got(s)].sort()).toEqual([1, 2, 3]);
    expect(s.engine.view().invariants[0].status).toBe('holding');
    expect(rep(s).partitions[0]).toMatchObject({ leader: 'b2', isr: ['b2', 'b3'], highWatermark: 3 });
  });

  it('acks left out is acks=all, Kafka\'s default since 3.0', () => {
    expect([...got(failover({}))].sort()).toEqual([1, 2, 3]);
  });

  it('acks=all, but the failed leader had been copied by one follower and not the other: the retry is a duplicate, unless the producer is idempotent', () => {
    const story = (idempotent: boolean) => {
      const s = sim(shop({ idempotent }));
      s.fire('shop');
      s.runUntilStep((x) => x.kind === 'replicate'); // b2 has it, b3 not yet: no ack
      s.act({ kind: 'broker-fail', node: 'orders' });
      return s.run();
    };
    expect(got(story(false))).toEqual([1, 1]);
    const idem = story(true);
    expect(got(idem)).toEqual([1]);
    expect(idem.stepsOf('dedup').length).toBe(1);
  });

  it('acks=0: a write sent while the partition has no leader is lost without a word to the producer', () => {
    const s = sim(shop({ acks: 0 }));
    s.act({ kind: 'broker-fail', node: 'orders' });
    s.fire('shop').run();
    expect(s.stepsOf('fire', 'shop')[0].text).toContain('With acks=0 it waits for no answer, so it never retries: the event is lost');
    expect(got(s)).toEqual([]);
    expect(s.engine.view().invariants[0].status).toBe('broken');
  });

  it('acks=all: a write while the partition has no leader is retried until the election', () => {
    const s = sim(shop());
    s.act({ kind: 'broker-fail', node: 'orders' });
    s.fire('shop').run();
    expect(s.stepsOf('fire', 'shop')[0].text).toContain('has no leader yet');
    expect(got(s)).toEqual([1]);
  });
});

describe('[KR4] min.insync.replicas and [KR6] brokers coming back', () => {
  it('acks=all with too few in-sync replicas is refused (NOT_ENOUGH_REPLICAS) and retried until a follower is back in sync', () => {
    const s = sim(shop({ minIsr: 2 }));
    s.act({ kind: 'broker-fail', node: 'orders', broker: 2 });
    s.act({ kind: 'broker-fail', node: 'orders', broker: 3, durationMs: 300 });
    s.fire('shop');
    expect(s.stepsOf('fire', 'shop')[0].text).toContain('NOT_ENOUGH_REPLICAS: orders p0 has 1 in-sync replica (b1) and min.insync.replicas is 2');
    s.run();
    expect(got(s)).toEqual([1]);
    expect(s.stepsOf('broker-recover', 'orders')[0].text).toContain('it follows p0 from @0');
    expect(rep(s).partitions[0].isr).toEqual(['b1', 'b3']);
  });

  it('min.insync.replicas=1: alone in the ISR, the leader acknowledges acks=all at once; when it fails too, the partition is offline until it is back (no out-of-sync replica may lead)', () => {
    const s = sim(shop({ minIsr: 1 }));
    s.act({ kind: 'broker-fail', node: 'orders', broker: 2, durationMs: 100 });
    s.act({ kind: 'broker-fail', node: 'orders', broker: 3, durationMs: 100 });
    s.fire('shop');
    expect(rep(s)).toMatchObject({ waitingForAcks: 0, partitions: [{ isr: ['b1'], highWatermark: 1 }] });
    s.act({ kind: 'broker-fail', node: 'orders', broker: 1, durationMs: 200 });
    s.run();
    expect(s.stepsOf('elect', 'orders')[0].text).toContain('p0 is offline');
    const back = s.stepsOf('broker-recover', 'orders').map((x) => x.text);
    expect(back.slice(0, 2).join('\n')).not.toContain('leads');
    expect(back[2]).toContain('it leads p0 again');
    expect(got(s)).toEqual([1]);
  });

  it('property: with acks=all and min.insync.replicas=2, no broker failures, one or two at any moments, lose or repeat an order for an idempotent producer; and seek = replay', () => {
    const second = fc.option(fc.record({ gap: fc.integer({ min: 0, max: 30 }), broker: fc.integer({ min: 1, max: 3 }), down: fc.integer({ min: 10, max: 400 }) }), { nil: null });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 10, max: 400 }), second, (n, at, broker, down, then) => {
        const story = () => {
          const s = sim(shop({ minIsr: 2, idempotent: true }));
          for (let i = 0; i < n; i++) s.fire('shop');
          s.step(at);
          s.act({ kind: 'broker-fail', node: 'orders', broker, durationMs: down });
          if (then) {
            s.step(then.gap);
            // A broker already down cannot fail again: that input is refused and changes nothing.
            if (rep(s).brokers[then.broker - 1].up) s.act({ kind: 'broker-fail', node: 'orders', broker: then.broker, durationMs: then.down });
          }
          return s;
        };
        const s = story().run();
        expect([...got(s)].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        expect(s.engine.view().invariants[0].status).toBe('holding');
        // [T5] Seeking back to any step shows what a fresh run stopped there shows.
        const fresh = story();
        const mid = fresh.engine.step + Math.floor((s.engine.step - fresh.engine.step) / 2);
        s.seek(mid);
        fresh.step(mid - fresh.engine.step);
        expect(JSON.stringify(s.engine.view().nodes)).toBe(JSON.stringify(fresh.engine.view().nodes));
      }),
      { numRuns: 150 },
    );
  });

  it('property: with acks=1 an order is lost only when its leader failed before a follower copied it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 1, max: 3 }), (n, at, more) => {
        // A checkpoint at every step, so seeking restores one taken between a write and the failover that cuts it.
        const story = () => {
          const s = sim(shop({ acks: 1 }), { checkpointEvery: 1 });
          for (let i = 0; i < n; i++) s.fire('shop');
          s.step(at);
          return s;
        };
        const s = story();
        const copied = rep(s).partitions[0].logEnds[1];
        // The orders view at every step, as the run passes it.
        const views: string[] = [];
        const view = (_after?: unknown) => (views[s.engine.step] = JSON.stringify(s.engine.view().nodes.orders));
        view();
        s.act({ kind: 'broker-fail', node: 'orders' });
        for (view(); s.engine.stepForward(1) > 0; ) view();
        for (let i = 0; i < more; i++) view(s.fire('shop'));
        while (s.engine.stepForward(1) > 0) view();
        expect(got(s).slice(0, copied)).toEqual(Array.from({ length: copied }, (_, i) => i + 1));
        expect(got(s)).toHaveLength(copied + more);
        expect(s.engine.view().invariants[0].status).toBe(copied < n ? 'broken' : 'holding');
        // [T5] Seeking back to a step shows what it showed when the run passed it.
        const first = views.findIndex((x) => x !== undefined);
        for (let i = s.engine.step; i >= first; i--) expect(JSON.stringify(s.seek(i).engine.view().nodes.orders)).toBe(views[i]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('[AL4] an alert on under-replicated partitions', () => {
  const withAlert = (o: Opts, alert: Record<string, unknown>) => ({ ...shop(o), alerts: [{ node: 'orders', metric: 'under-replicated', op: 'gt', threshold: 0, ...alert }] });

  it('fires when a follower has been out of the ISR for its "for", and clears once it is back in sync', () => {
    const s = sim(withAlert({ partitions: 2 }, { forMs: 50 }));
    s.fire('shop');
    s.act({ kind: 'broker-fail', node: 'orders', broker: 3, durationMs: 200 }).run();
    const steps = s.stepsOf('alert', 'orders').map((x) => [x.time, x.text]);
    expect(steps).toHaveLength(2);
    expect(steps[0][1]).toContain('fired: under-replicated partitions of orders is 2 and has been > 0 for 50 ms');
    // b3 is back at 200 ms and back in sync at its first fetch: the alert clears then.
    expect(steps[1][0]).toBeGreaterThanOrEqual(200);
    expect(steps[1][1]).toContain('cleared: under-replicated partitions of orders is back to 0');
    expect(s.engine.view().alerts[0]).toMatchObject({ state: 'ok', value: 0 });
  });

  it('is refused on a topic kept once, or on another kind of node, with why', () => {
    const once = restoreScenario(withAlert({ rf: 1 }, {}));
    expect(!once.ok && once.errors.map((e) => e.message).join('\n')).toContain('"orders" is a topic kept once: an under-replicated alert watches a topic with a replication factor of 2 or more');
    const onConsumer = restoreScenario({ ...shop({}), alerts: [{ node: 'billing', metric: 'under-replicated', op: 'gt', threshold: 0 }] });
    expect(!onConsumer.ok && onConsumer.errors[0].message).toContain('"billing" is a consumer');
  });
});


describe('[KR5] a producer that went down does not resend', () => {
  it('its unacknowledged acks=all write cut by a failover is lost, and no-loss says so', () => {
    const s = sim(shop({}));
    s.fire('shop');
    s.act({ kind: 'crash', node: 'shop' });
    s.act({ kind: 'broker-fail', node: 'orders' }).run();
    expect(s.stepsOf('elect', 'orders')[0].text).toContain('shop is no longer waiting for it (it went down): lost');
    expect(got(s)).toEqual([]);
    expect(s.engine.view().invariants[0]).toMatchObject({ status: 'broken' });
    expect(s.engine.view().invariants[0].message).toContain('went down before its acks=all write was acknowledged');
  });
});
