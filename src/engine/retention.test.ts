// Retention and auto.offset.reset ([RT1]–[RT4]): a topic deletes its oldest records by age
// or by count; a group with no committed offset starts where its offsetReset says; a member
// whose records were deleted before it read them resets and says what it will never read.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sim } from './testing/harness.ts';

const count = [{ on: '*', do: [{ do: 'append', table: 'got', key: 'all', value: { event: 'data.n' } }] }];

interface Opts {
  topic?: Record<string, unknown>;
  reader?: Record<string, unknown>;
  rate?: { perSecond: number; limit: number };
  partitions?: number;
}

/** orders (a topic) → reader; checkout fires (or produces at a rate) numbered orders. */
function orders(o: Opts = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'checkout', kind: 'producer', config: { templates: [{ type: 'OrderPlaced', key: null, data: { n: '{n}' } }], ...(o.rate ? { rate: o.rate } : {}) } },
      { id: 'orders', kind: 'topic', config: { partitions: o.partitions ?? 1, ...o.topic } },
      { id: 'reader', kind: 'consumer', config: { rules: count, processingMs: 1, ...o.reader } },
    ],
    edges: [
      { source: 'checkout', target: 'orders' },
      { source: 'orders', target: 'reader' },
    ],
    invariants: [{ kind: 'no-loss', node: 'reader' }],
  };
}

const got = (s: ReturnType<typeof sim>) => (s.consumer('reader').state.got?.all ?? []) as number[];

describe('retention', () => {
  it('[RT1] a record is deleted retentionMs after it was appended; offsets do not move', () => {
    // 10 orders, one every 100 ms; kept 250 ms. The reader keeps up, so nothing is lost.
    const s = sim(orders({ topic: { retentionMs: 250 }, rate: { perSecond: 10, limit: 10 } }));
    s.run();
    const expired = s.stepsOf('expire', 'orders');
    expect(expired).toHaveLength(10);
    expect(expired[0].text).toBe("orders deleted OrderPlaced evt-0 (no key) at orders p0 @0: it was appended 250 ms ago, the topic's retention (retention.ms). Offsets do not move; a group that had not read it yet never will");
    expect(expired[0].time).toBe(100 + 250);
    const p0 = s.topic('orders').partitions[0];
    expect(p0).toMatchObject({ start: 10, end: 10, recent: [] });
    expect(got(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.engine.view().invariants[0].status).toBe('holding');
  });

  it('[RT1] at the playhead, only records younger than the retention are kept, at their old offsets', () => {
    const s = sim(orders({ topic: { retentionMs: 250 }, rate: { perSecond: 10, limit: 10 } }));
    s.runUntilStep((x) => x.kind === 'produce' && x.time === 700);
    const p0 = s.topic('orders').partitions[0];
    // Appended at 500, 600, 700 are younger than 250 ms at 700; 400 was deleted at 650.
    expect(p0.start).toBe(4);
    expect(p0.recent.map((c) => c.offset)).toEqual([4, 5, 6]);
    expect(p0.recent[0].id).toBe('evt-4');
  });

  it('[RT2] a partition keeps at most retentionRecords records: the oldest goes in the next step', () => {
    const s = sim(orders({ topic: { retentionRecords: 3 }, reader: { processingMs: 1 } }));
    for (let i = 0; i < 5; i++) s.fire('checkout');
    s.run();
    const expired = s.stepsOf('expire', 'orders');
    expect(expired.map((x) => x.eventId)).toEqual(['evt-0', 'evt-1']);
    expect(expired[0].text).toContain('the partition keeps only its last 3 records (retention by size)');
    expect(s.topic('orders').partitions[0]).toMatchObject({ start: 2, end: 5 });
  });
});

describe('auto.offset.reset', () => {
  // Orders at 100…1000 ms; the reader is a new service that joins at 550 ms.
  const late = (offsetReset?: 'earliest' | 'latest', topic: Record<string, unknown> = {}) =>
    sim(orders({ rate: { perSecond: 10, limit: 10 }, reader: { joinAt: 550, ...(offsetReset ? { offsetReset } : {}) }, topic }));

  it('[RT3] earliest (the default): a group with no committed offset reads the whole log', () => {
    const s = late().run();
    expect(got(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(late('earliest').run().stepsOf('rebalance').map((x) => x.text)).toEqual(s.stepsOf('rebalance').map((x) => x.text));
  });

  it('[RT3] latest: a new group starts at the end and never sees what came before it joined', () => {
    const s = late('latest').run();
    expect(got(s)).toEqual([6, 7, 8, 9, 10]);
    const join = s.stepsOf('rebalance').find((x) => x.text.includes('auto.offset.reset'))!;
    expect(join.text).toContain('reader starts orders p0 at @5 (no committed offset; auto.offset.reset=latest: only what is appended from now on)');
    // The group's committed offset shows where it started: lag counts from there.
    expect(s.topic('orders').partitions[0].groups[0]).toMatchObject({ committed: 10, lag: 0 });
    // Not a loss by the group's own rules (it asked for latest), so no-loss holds.
    expect(s.engine.view().invariants[0].status).toBe('holding');
  });

  it('[RT3] latest resets again on every assignment until the group commits: a crash before the first commit skips more', () => {
    // The reader joins, crashes at once (nothing committed yet), and is back 300 ms later.
    const s = sim(orders({ rate: { perSecond: 10, limit: 10 }, reader: { joinAt: 550, offsetReset: 'latest', processingMs: 1000 } }));
    s.runUntilStep((x) => x.kind === 'deliver' && x.node === 'reader');
    s.crash('reader');
    s.engine.runUntil(850);
    s.restart('reader').run();
    const resets = s.stepsOf('rebalance').filter((x) => x.text.includes('auto.offset.reset=latest'));
    expect(resets.map((x) => x.text.match(/at @(\d+)/)![1])).toEqual(['5', '8']);
  });

  it('[RT4] a slow consumer whose next records were deleted resets, says what it skipped, and no-loss breaks', () => {
    // Orders every 10 ms, kept 100 ms, and the reader takes 60 ms each: it falls behind.
    const s = sim(orders({ rate: { perSecond: 100, limit: 20 }, topic: { retentionMs: 100 }, reader: { processingMs: 60 } }));
    s.run();
    const resets = s.stepsOf('offset-reset', 'reader');
    expect(resets.length).toBeGreaterThan(0);
    expect(resets[0].text).toMatch(/^reader wanted orders p0 @\d+, but the log now starts at @\d+: retention deleted it first\. auto\.offset\.reset=earliest moves it to @\d+; offsets \d+–\d+ \(\d+ records?\) will never be handled by group reader$/);
    const inv = s.engine.view().invariants[0];
    expect(inv.status).toBe('broken');
    expect(inv.message).toContain("deleted by orders's retention before group reader read it");
    // Every order was either handled once or skipped by a reset, never both.
    const skipped = resets.reduce((n, x) => n + Number(x.text.match(/\((\d+) records?\)/)![1]), 0);
    expect(got(s).length + skipped).toBe(20);
    expect(new Set(got(s)).size).toBe(got(s).length);
  });

  it('[RT4] a rewind stops at the log start; a duplicate of a deleted record is refused', () => {
    const s = sim(orders({ topic: { retentionRecords: 2 } }));
    for (let i = 0; i < 4; i++) s.fire('checkout').run();
    s.act({ kind: 'redeliver', node: 'reader', count: 10 }).run();
    // Only the two records still kept are read again.
    expect(got(s)).toEqual([1, 2, 3, 4, 3, 4]);
    expect(s.engine.act({ kind: 'duplicate', node: 'reader', event: 'evt-0' })).toEqual({ ok: false, reason: 'evt-0 was deleted from orders by its retention: the broker has nothing to deliver again' });
  });

  it('[RT1]–[RT4] property: every offset is handled once or skipped by a reset, and a partition never holds more than its limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 40 }),
        fc.option(fc.integer({ min: 5, max: 200 }), { nil: undefined }),
        fc.constantFrom<'earliest' | 'latest' | undefined>('earliest', 'latest', undefined),
        (keep, events, processingMs, retentionMs, offsetReset) => {
          const s = sim(orders({ rate: { perSecond: 200, limit: events }, topic: { retentionRecords: keep, ...(retentionMs ? { retentionMs } : {}) }, reader: { processingMs, ...(offsetReset ? { offsetReset } : {}) } }));
          let most = 0;
          while (s.engine.stepForward(1) === 1) {
            const p0 = s.topic('orders').partitions[0];
            most = Math.max(most, p0.end - p0.start);
          }
          expect(most).toBeLessThanOrEqual(keep + 1); // one over for the step between the append and its deletion
          const skipped = s.stepsOf('offset-reset').reduce((n, x) => n + Number(x.text.match(/\((\d+) records?\)/)![1]), 0);
          expect(got(s).length + skipped).toBe(events);
          expect(new Set(got(s)).size).toBe(got(s).length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('[RT1] [K8] seeking into a run with deletions and resets equals running there', () => {
    const scenario = orders({ rate: { perSecond: 100, limit: 20 }, topic: { retentionMs: 100 }, reader: { processingMs: 60 } });
    const whole = sim(scenario, { checkpointEvery: 3 }).run();
    const steps = whole.engine.step;
    for (const at of [7, Math.floor(steps / 2), steps - 5]) {
      const fresh = sim(scenario).step(at);
      whole.seek(at);
      // The horizon (how far the run has been) is the only thing a seek keeps from the future.
      const { horizon: _h, ...seeked } = whole.engine.view();
      const { horizon: _f, ...ran } = fresh.engine.view();
      expect(seeked).toEqual(ran);
      expect(whole.engine.steps(0, at)).toEqual(fresh.engine.steps(0, at));
    }
  });
});

/** customers (a changelog: the latest address per customer) → a directory that keeps the latest. */
function changelog(topic: Record<string, unknown>, reader: Record<string, unknown> = {}) {
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'crm', kind: 'producer', config: { templates: [{ type: 'AddressChanged', key: 'C-{rand:1-3}', data: { n: '{n}' } }] } },
      { id: 'customers', kind: 'topic', config: { partitions: 1, ...topic } },
      {
        id: 'directory',
        kind: 'consumer',
        config: {
          processingMs: 1,
          rules: [{ on: 'AddressChanged', do: [{ do: 'set', table: 'address', key: { event: 'key' }, value: { event: 'data.n' } }, { do: 'increment', table: 'seen', key: 'all', by: 1 }] }],
          ...reader,
        },
      },
    ],
    edges: [
      { source: 'crm', target: 'customers' },
      { source: 'customers', target: 'directory' },
    ],
  };
}

describe('compaction', () => {
  it('[RT5] the cleaner keeps only the latest record of each key, at the next multiple of its period; offsets do not move', () => {
    const s = sim(changelog({ compactEveryMs: 100 }, { joinAt: 1000 }));
    for (let i = 0; i < 8; i++) s.fire('crm');
    s.run();
    const passes = s.stepsOf('compact', 'customers');
    expect(passes).toHaveLength(1);
    expect(passes[0].time).toBe(100);
    const keys = s.engine.log('customers', 0).map((id) => s.engine.event(id)!.partitionkey);
    const latest = new Map(keys.map((k, o) => [k, o]));
    const removed = keys.flatMap((k, o) => (latest.get(k) !== o ? [o] : []));
    expect(passes[0].text).toBe(`customers's log cleaner compacted it: removed ${removed.length} older records whose key has a newer one (p0: ${removed.map((o) => `@${o}`).join(', ')}). Offsets do not move; readers skip what was removed, and the latest record of every key is kept for good`);
    expect(s.topic('customers').partitions[0]).toMatchObject({ start: 0, end: 8, compacted: removed });
    expect(s.topic('customers').partitions[0].recent.map((c) => c.offset)).toEqual([...latest.values()].sort((a, b) => a - b));
    // The directory joins late and reads only what was kept: the same table, fewer records.
    const dir = s.consumer('directory').state;
    expect(dir.seen).toEqual({ all: latest.size });
    expect(dir.address).toEqual(Object.fromEntries([...latest].map(([k, o]) => [k, o + 1])));
  });

  it('[RT5] compaction keeps every key for good where retention forgets the quiet ones', () => {
    // C-1..C-3 change once each at 0; C-1 changes again at 400. A new directory joins at 600.
    const story = (topic: Record<string, unknown>) => {
      const base = changelog(topic, { joinAt: 600 });
      const s = sim({ ...base, nodes: base.nodes.map((n) => (n.id === 'crm' ? { ...n, config: { templates: [1, 2, 3].map((c) => ({ type: 'AddressChanged', key: `C-${c}`, data: { n: '{n}' } })) } } : n)) });
      s.act({ kind: 'fire', node: 'crm', template: 0 }).act({ kind: 'fire', node: 'crm', template: 1 }).act({ kind: 'fire', node: 'crm', template: 2 });
      s.engine.runUntil(450);
      s.act({ kind: 'fire', node: 'crm', template: 0 }).run();
      return Object.keys(s.consumer('directory').state.address ?? {}).sort();
    };
    expect(story({ retentionMs: 400 })).toEqual(['C-1']);
    expect(story({ compactEveryMs: 100 })).toEqual(['C-1', 'C-2', 'C-3']);
  });

  it('[RT5] a reader behind the cleaner skips removed offsets; a duplicate of a removed record is refused; no pass, no step', () => {
    const s = sim(changelog({ compactEveryMs: 50 }, { processingMs: 40 }));
    for (let i = 0; i < 6; i++) s.fire('crm');
    s.run();
    const handled = s.stepsOf('handle', 'directory').map((x) => Number(x.eventId!.slice(4)));
    const removed = s.topic('customers').partitions[0].compacted;
    // Each record was handled (in log order), or removed before the reader got to it.
    const skipped = removed.filter((o) => !handled.includes(o));
    expect(skipped.length).toBeGreaterThan(0);
    expect(handled.length + skipped.length).toBe(6);
    expect(handled).toEqual([...handled].sort((a, b) => a - b));
    expect(s.engine.act({ kind: 'duplicate', node: 'directory', event: `evt-${removed.find((o) => handled.includes(o))}` })).toMatchObject({ ok: false, reason: expect.stringContaining('removed from customers by compaction') });
    // A topic without compaction never compacts.
    expect(sim(changelog({})).fire('crm').fire('crm').run().stepsOf('compact')).toHaveLength(0);
  });

  it('[RT5] [K8] seeking into a compacted run equals running there', () => {
    const scenario = changelog({ compactEveryMs: 30, retentionRecords: 4 }, { processingMs: 25 });
    const inputs = Array.from({ length: 10 }, () => ({ kind: 'fire', node: 'crm', template: 0 }) as const);
    const whole = sim(scenario, { checkpointEvery: 3 });
    for (const x of inputs) whole.act(x).step(3);
    whole.run();
    const steps = whole.engine.step;
    const replay = sim(scenario);
    for (const x of inputs) replay.act(x).step(3);
    replay.run();
    expect(whole.trace).toEqual(replay.trace);
    for (const at of [5, Math.floor(steps / 2), steps - 3]) {
      whole.seek(at);
      replay.seek(at);
      const { horizon: _a, ...x } = whole.engine.view();
      const { horizon: _b, ...y } = replay.engine.view();
      expect(x).toEqual(y);
    }
  });
});
