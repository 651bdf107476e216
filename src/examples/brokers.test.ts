// The SNS / SQS FIFO and Redis pub/sub examples tell the story their descriptions promise.
import { describe, expect, it } from 'vitest';
import { sim } from '../engine/testing/harness.ts';
import snsFifo from './sns-fifo.json';
import pubsub from './pubsub.json';

describe('broker examples', () => {
  it('[SN1] [SN3] [SN4] [FQ1] [FQ3] sns-fifo: fan-out by filter and envelope; billing in order per order, the re-sent payment dropped', () => {
    const s = sim(snsFifo).fire('checkout', 0).fire('checkout', 1).fire('checkout', 0).fire('checkout', 1).run();
    expect(s.engine.invariantStatus().map((x) => x.status)).toEqual(['holding', 'holding']);
    expect(s.consumer('biller-1').state.events).toEqual({ 'ORD-1': ['OrderPlaced', 'OrderPaid'], 'ORD-3': ['OrderPlaced'] });
    expect(s.stepsOf('dedup', 'billing')).toHaveLength(1);
    expect(s.consumer('shipper').state.shipments).toEqual({ 'ORD-1': 'booked' });
    // analytics gets the envelope: its copies of both OrderPaid sends (no dedup there), 4 in all.
    expect(s.consumer('reporter').state.seen).toEqual({ OrderPlaced: 2, OrderPaid: 2 });
    expect(s.engine.event(s.stepsOf('handle', 'reporter')[0].record!)!.data).toMatchObject({ Type: 'Notification' });
  });

  it('[PS3] pubsub: Alerts misses what is published while it is down; as a topic it catches up', () => {
    const s = sim(pubsub).run();
    expect(s.engine.invariantStatus()[0].status).toBe('broken');
    expect(s.consumer('dashboard').state.ticks).toEqual({ all: 10 });
    expect((s.consumer('alerts').state.ticks as { all: number }).all).toBeLessThan(10);
    const log = structuredClone(pubsub) as { nodes: Record<string, unknown>[] };
    log.nodes[1] = { ...log.nodes[1], kind: 'topic' };
    const t = sim(log).run();
    expect(t.engine.invariantStatus()[0].status).toBe('holding');
    expect(t.consumer('alerts').state.ticks).toEqual({ all: 10 });
  });
});
