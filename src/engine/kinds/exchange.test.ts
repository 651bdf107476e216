// Exchanges (AMQP 0-9-1), rules [AM1]–[AM8] of SPEC.md.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { headersMatch, topicMatches } from './exchange-match.ts';
import { sim } from '../testing/harness.ts';
import { createEngine } from '../engine.ts';
import { restoreScenario, type Scenario } from '../scenario.ts';
import type { QueueView } from '../views.ts';
import type { ExchangeView } from './exchange.ts';

// RabbitMQ's own topic matching test (rabbit_tests.erl, test_topic_matching): 26 bindings and
// the queues each routing key must reach.
const RABBIT_BINDINGS: Record<string, string> = {
  t1: 'a.b.c', t2: 'a.*.c', t3: 'a.#.b', t4: 'a.b.b.c', t5: '#', t6: '#.#', t7: '#.b', t8: '*.*', t9: 'a.*', t10: '*.b.c',
  t11: 'a.#', t12: 'a.#.#', t13: 'b.b.c', t14: 'a.b.b', t15: 'a.b', t16: 'b.c', t17: '', t18: '*.*.*', t19: 'vodka.martini',
  t20: 'a.b.c', t21: '*.#', t22: '#.*.#', t23: '*.#.#', t24: '#.#.#', t25: '*', t26: '#.b.#',
};
const RABBIT_EXPECTED: [string, string[]][] = [
  ['a.b.c', ['t1', 't2', 't5', 't6', 't10', 't11', 't12', 't18', 't20', 't21', 't22', 't23', 't24', 't26']],
  ['a.b', ['t3', 't5', 't6', 't7', 't8', 't9', 't11', 't12', 't15', 't21', 't22', 't23', 't24', 't26']],
  ['a.b.b', ['t3', 't5', 't6', 't7', 't11', 't12', 't14', 't18', 't21', 't22', 't23', 't24', 't26']],
  ['', ['t5', 't6', 't17', 't24']],
  ['b.c.c', ['t5', 't6', 't18', 't21', 't22', 't23', 't24', 't26']],
  ['a.a.a.a.a', ['t5', 't6', 't11', 't12', 't21', 't22', 't23', 't24']],
  ['vodka.gin', ['t5', 't6', 't8', 't21', 't22', 't23', 't24']],
  ['vodka.martini', ['t5', 't6', 't8', 't19', 't21', 't22', 't23', 't24']],
  ['b.b.c', ['t5', 't6', 't10', 't13', 't18', 't21', 't22', 't23', 't24', 't26']],
  ['nothing.here.at.all', ['t5', 't6', 't21', 't22', 't23', 't24']],
  ['oneword', ['t5', 't6', 't21', 't22', 't23', 't24', 't25']],
];

describe('[AM3] topic matching', () => {
  it.each(RABBIT_EXPECTED)('[AM3] RabbitMQ test_topic_matching: routing key "%s"', (key, expected) => {
    const got = Object.entries(RABBIT_BINDINGS)
      .filter(([, b]) => topicMatches(b, key))
      .map(([q]) => q);
    expect(got).toEqual(expected);
  });

  it('[AM3] the tutorial and the documented cases: * is exactly one word, # zero or more', () => {
    // RabbitMQ tutorial 5 (Topics): Q1 *.orange.*, Q2 *.*.rabbit and lazy.#
    const q1 = (k: string) => topicMatches('*.orange.*', k);
    const q2 = (k: string) => topicMatches('*.*.rabbit', k) || topicMatches('lazy.#', k);
    expect([q1('quick.orange.rabbit'), q2('quick.orange.rabbit')]).toEqual([true, true]);
    expect([q1('lazy.orange.elephant'), q2('lazy.orange.elephant')]).toEqual([true, true]);
    expect([q1('quick.orange.fox'), q2('quick.orange.fox')]).toEqual([true, false]);
    expect([q1('lazy.brown.fox'), q2('lazy.brown.fox')]).toEqual([false, true]);
    expect([q1('quick.brown.fox'), q2('quick.brown.fox')]).toEqual([false, false]);
    expect([q1('orange'), q2('orange')]).toEqual([false, false]);
    expect([q1('quick.orange.new.rabbit'), q2('quick.orange.new.rabbit')]).toEqual([false, false]);
    expect([q1('lazy.orange.new.rabbit'), q2('lazy.orange.new.rabbit')]).toEqual([false, true]);
    // a.*.c: exactly one word in the middle.
    expect(['a.b.c', 'a.c', 'a.b.b.c', 'a..c'].map((k) => topicMatches('a.*.c', k))).toEqual([true, false, false, true]);
    // a.#.c: zero or more words in the middle.
    expect(['a.c', 'a.b.c', 'a.b.b.c', 'a.b.d', 'b.a.c'].map((k) => topicMatches('a.#.c', k))).toEqual([true, true, true, false, false]);
    // # matches the empty word list; * does not.
    expect([topicMatches('#', ''), topicMatches('*', ''), topicMatches('', '')]).toEqual([true, false, true]);
    // No wildcard: the same words.
    expect([topicMatches('order.eu', 'order.eu'), topicMatches('order.eu', 'order.eu.created')]).toEqual([true, false]);
  });

  it('[AM3] a key with no wildcards matches only itself; # matches everything (property)', () => {
    const word = fc.stringMatching(/^[a-z]{0,3}$/);
    const key = fc.array(word, { maxLength: 5 }).map((ws) => ws.join('.'));
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(topicMatches(a, b)).toBe(a === b);
        expect(topicMatches('#', b)).toBe(true);
      }),
    );
  });
});

describe('[AM4] headers matching', () => {
  it('[AM4] x-match all needs every header equal, any needs one; x- headers are not compared', () => {
    const msg = { format: 'pdf', type: 'report' };
    expect(headersMatch({ format: 'pdf', type: 'report' }, 'all', msg)).toBe(true);
    expect(headersMatch({ format: 'pdf', type: 'log' }, 'all', msg)).toBe(false);
    expect(headersMatch({ format: 'pdf', type: 'log' }, 'any', msg)).toBe(true);
    expect(headersMatch({ format: 'zip', type: 'log' }, 'any', msg)).toBe(false);
    expect(headersMatch({ format: 'pdf', 'x-note': 'ignored' }, 'all', msg)).toBe(true);
    expect(headersMatch({}, 'all', msg)).toBe(true);
    expect(headersMatch({}, 'any', msg)).toBe(false);
    // Values compare as they are: the number 1 is not the text "1".
    expect(headersMatch({ v: 1 }, 'all', { v: '1' })).toBe(false);
  });
});

// ------------------------------------------------------------------------------ engine

type Edge = { source: string; target: string; bindingKey?: string; headers?: Record<string, string | number | boolean>; xMatch?: 'all' | 'any' };

/** A producer → exchange → queues → consumers scenario. */
function amqp(opts: {
  type?: string;
  templates?: Record<string, unknown>[];
  bindings?: Record<string, Partial<Edge>>;
  queues?: Record<string, Record<string, unknown>>;
  extra?: { nodes?: unknown[]; edges?: Edge[] };
  exchange?: Record<string, unknown>;
  consumers?: Record<string, Record<string, unknown>>;
}) {
  const queues = opts.queues ?? Object.fromEntries(Object.keys(opts.bindings ?? {}).map((q) => [q, {}]));
  const consumers = opts.consumers ?? Object.fromEntries(Object.keys(queues).map((q) => [q, {}]));
  return {
    format: 'eventfold/scenario',
    version: 1,
    nodes: [
      { id: 'p', kind: 'producer', config: { templates: opts.templates ?? [{ type: 'OrderPlaced', key: 'K{n}' }] } },
      { id: 'x', kind: 'exchange', config: { type: opts.type ?? 'topic', ...opts.exchange } },
      ...Object.entries(queues).map(([id, config]) => ({ id, kind: 'queue', config })),
      ...Object.entries(consumers).map(([q, config]) => ({
        id: `c-${q}`,
        kind: 'consumer',
        config: { rules: [{ on: '*', do: [{ do: 'effect', name: 'got', key: { event: 'id' } }] }], ...config },
      })),
      ...(opts.extra?.nodes ?? []),
    ],
    edges: [
      { source: 'p', target: 'x' },
      ...Object.entries(opts.bindings ?? {}).map(([q, b]) => ({ source: 'x', target: q, ...b })),
      ...Object.keys(consumers).map((q) => ({ source: q, target: `c-${q}` })),
      ...(opts.extra?.edges ?? []),
    ],
  };
}

const xview = (s: ReturnType<typeof sim>, id = 'x') => s.engine.view().nodes[id] as ExchangeView;
const qview = (s: ReturnType<typeof sim>, id: string) => s.engine.view().nodes[id] as QueueView;
const gotCount = (s: ReturnType<typeof sim>, q: string) => Object.values(s.consumer(`c-${q}`).effects.got ?? {}).reduce((a, b) => a + b, 0);

function refused(input: unknown): { path: string; message: string }[] {
  const r = restoreScenario(input);
  if (r.ok) throw new Error('expected the scenario to be refused');
  return r.errors;
}

describe('[AM1] [AM2] routing', () => {
  it('[AM1] [AM2] a topic exchange copies a message, same id, to each queue whose binding matches, in one route step that says why', () => {
    const s = sim(amqp({ templates: [{ type: 'OrderPlaced', routingKey: 'order.eu.created' }], bindings: { eu: { bindingKey: 'order.eu.*' }, us: { bindingKey: 'order.us.*' }, all: { bindingKey: 'order.#' } } }));
    s.fire('p').run();
    const routes = s.stepsOf('route');
    expect(routes).toHaveLength(1);
    expect(routes[0].text).toContain('routing key order.eu.created');
    expect(routes[0].text).toContain('order.eu.* → eu matched');
    expect(routes[0].text).toContain('order.us.* → us did not match');
    expect(routes[0].text).toContain('Copies (same id) went to eu @0, all @0');
    expect([gotCount(s, 'eu'), gotCount(s, 'us'), gotCount(s, 'all')]).toEqual([1, 0, 1]);
    // The copies keep the CloudEvents id of the published event.
    expect(s.consumer('c-eu').effects.got).toEqual({ 'evt-0': 1 });
    expect(s.consumer('c-all').effects.got).toEqual({ 'evt-0': 1 });
    expect(xview(s).bindings.map((b) => b.matched)).toEqual([1, 0, 1]);
    expect(s.stepsOf('fire')[0].text).toContain('published to exchange x with routing key order.eu.created');
  });

  it('[AM2] without a routing key the event type routes; {n} fills a routing key', () => {
    const s = sim(amqp({ type: 'direct', templates: [{ type: 'OrderPlaced' }, { type: 'Other', routingKey: 'shard-{n}' }], bindings: { a: { bindingKey: 'OrderPlaced' }, b: { bindingKey: 'shard-2' } } }));
    s.fire('p', 0).fire('p', 1).run();
    expect([gotCount(s, 'a'), gotCount(s, 'b')]).toEqual([1, 1]);
    expect(xview(s).recent.map((r) => r.routingKey)).toEqual(['OrderPlaced', 'shard-2']);
  });

  it('[AM1] direct matches the whole key only; fanout copies to every queue', () => {
    const d = sim(amqp({ type: 'direct', templates: [{ type: 'T', routingKey: 'pdf' }], bindings: { a: { bindingKey: 'pdf' }, b: { bindingKey: 'pdf.large' }, c: { bindingKey: '#' } } }));
    d.fire('p').run();
    expect([gotCount(d, 'a'), gotCount(d, 'b'), gotCount(d, 'c')]).toEqual([1, 0, 0]);
    const f = sim(amqp({ type: 'fanout', templates: [{ type: 'T', routingKey: 'anything' }], bindings: { a: {}, b: {}, c: {} } }));
    f.fire('p').run();
    expect([gotCount(f, 'a'), gotCount(f, 'b'), gotCount(f, 'c')]).toEqual([1, 1, 1]);
    expect(f.stepsOf('route')[0].text).toContain('a fanout exchange copies every message to every binding (a, b, c)');
  });

  it('[AM4] a headers exchange routes by the template headers, all or any', () => {
    const s = sim(
      amqp({
        type: 'headers',
        templates: [{ type: 'Report', headers: { format: 'pdf', size: 'large' } }],
        bindings: { both: { headers: { format: 'pdf', size: 'small' }, xMatch: 'all' }, either: { headers: { format: 'pdf', size: 'small' }, xMatch: 'any' }, exact: { headers: { format: 'pdf', size: 'large' } } },
      }),
    );
    s.fire('p').run();
    expect([gotCount(s, 'both'), gotCount(s, 'either'), gotCount(s, 'exact')]).toEqual([0, 1, 1]);
    expect(s.stepsOf('route')[0].text).toContain('{format: pdf, size: small} (x-match any) → either matched');
  });

  it('[AM1] a queue reached by two bindings (through an exchange binding) gets one copy', () => {
    const s = sim(
      amqp({
        templates: [{ type: 'T', routingKey: 'a.b' }],
        bindings: { q: { bindingKey: 'a.*' }, x2: { bindingKey: '#' } },
        queues: { q: {} },
        extra: { nodes: [{ id: 'x2', kind: 'exchange', config: { type: 'fanout' } }], edges: [{ source: 'x2', target: 'q' }] },
      }),
    );
    s.fire('p').run();
    expect(gotCount(s, 'q')).toBe(1);
    expect(s.stepsOf('route')[0].text).toContain('x2 (fanout, bound to x)');
    expect(xview(s, 'x2').arrived).toBe(1);
  });
});

describe('[AM5] [AM6] unroutable messages', () => {
  it('[AM5] a message no binding matches is dropped, visibly and counted', () => {
    const s = sim(amqp({ templates: [{ type: 'T', routingKey: 'order.eu.created' }], bindings: { eu: { bindingKey: 'order.eu' } } }));
    s.fire('p').run();
    const r = s.stepsOf('route')[0];
    expect(r.text).toContain('order.eu → eu did not match');
    expect(r.text).toContain('dropped (unroutable)');
    expect(xview(s).dropped).toBe(1);
    expect(gotCount(s, 'eu')).toBe(0);
    expect(s.stepsOf('return')).toHaveLength(0);
  });

  it('[AM5] published mandatory, it is returned to its producer in a return step instead', () => {
    const s = sim(amqp({ templates: [{ type: 'T', routingKey: 'nowhere', mandatory: true }], bindings: { eu: { bindingKey: 'order.#' } } }));
    s.fire('p').run();
    const ret = s.stepsOf('return');
    expect(ret).toHaveLength(1);
    expect(ret[0].node).toBe('p');
    expect(ret[0].eventId).toBe('evt-0');
    expect(ret[0].text).toContain('basic.return');
    expect(xview(s)).toMatchObject({ dropped: 0, returned: 1 });
    // The return comes right after the route step.
    expect(s.engine.steps().map((x) => x.kind)).toEqual(['fire', 'route', 'return']);
  });

  it('[AM6] an alternate exchange takes what no binding matched, in the same step; a mandatory message it routes is not returned', () => {
    const s = sim(
      amqp({
        templates: [{ type: 'T', routingKey: 'odd.key', mandatory: true }],
        exchange: { alternateExchange: 'ae' },
        bindings: { eu: { bindingKey: 'order.#' } },
        queues: { eu: {}, lost: {} },
        extra: { nodes: [{ id: 'ae', kind: 'exchange', config: { type: 'fanout' } }], edges: [{ source: 'x', target: 'ae' }, { source: 'ae', target: 'lost' }] },
      }),
    );
    s.fire('p').run();
    expect(s.stepsOf('route')).toHaveLength(1);
    expect(s.stepsOf('route')[0].text).toContain("goes on to x's alternate exchange");
    expect([gotCount(s, 'eu'), gotCount(s, 'lost')]).toEqual([0, 1]);
    expect(s.stepsOf('return')).toHaveLength(0);
    expect(xview(s)).toMatchObject({ toAlternate: 1, dropped: 0, returned: 0 });
  });

  it('[AM6] [F5] alternate exchanges and bindings are refused at their field when wrong', () => {
    const base = amqp({ bindings: { q: { bindingKey: 'a' } } });
    const withAe = (ae: unknown, edges: Edge[] = []) => ({
      ...base,
      nodes: (base.nodes as { id: string }[]).map((n) => (n.id === 'x' ? { ...n, config: { type: 'topic', alternateExchange: ae } } : n)).concat([{ id: 'ae', kind: 'exchange', config: { type: 'fanout' } } as never]),
      edges: [...base.edges, ...edges],
    });
    expect(refused(withAe('ae'))).toEqual([{ path: 'nodes[1].config.alternateExchange', message: 'connect x → ae first' }]);
    expect(refused(withAe('q'))).toEqual([{ path: 'nodes[1].config.alternateExchange', message: '"q" is not an exchange' }]);
    expect(refused(withAe('ae', [{ source: 'x', target: 'ae', bindingKey: '#' }]))[0]).toEqual({ path: 'edges[3].bindingKey', message: "ae is x's alternate exchange: it takes what no binding matched, so this connection has no binding of its own" });
    const loop = refused(withAe(null, [{ source: 'x', target: 'ae' }, { source: 'ae', target: 'x' }]));
    expect(loop[0].path).toBe('edges[4]');
    expect(loop[0].message).toContain('exchanges connected in a circle (x → ae → x)');
    // A binding on a connection that does not start at an exchange.
    expect(refused({ ...base, edges: base.edges.map((e) => (e.source === 'p' ? { ...e, bindingKey: 'a' } : e)) })[0]).toEqual({ path: 'edges[0].bindingKey', message: 'only a connection from an exchange carries a binding: p is a producer' });
    // Wildcards inside a word; a routing key with wildcards; headers on a topic exchange; a key on fanout.
    expect(refused(amqp({ bindings: { q: { bindingKey: 'order*' } } }))[0]).toMatchObject({ path: 'edges[1].bindingKey', message: expect.stringContaining('write order.* or order.#') });
    expect(refused(amqp({ templates: [{ type: 'T', routingKey: 'order.*' }], bindings: { q: {} } }))[0]).toMatchObject({ path: 'nodes[0].config.templates[0].routingKey', message: expect.stringContaining('wildcards * and # belong in binding keys') });
    expect(refused(amqp({ bindings: { q: { headers: { a: 1 } } } }))[0]).toMatchObject({ path: 'edges[1].headers', message: expect.stringContaining('belong to a headers exchange') });
    expect(refused(amqp({ type: 'headers', bindings: { q: { bindingKey: 'a' } } }))[0]).toMatchObject({ path: 'edges[1].bindingKey', message: expect.stringContaining('a headers exchange matches headers') });
    expect(refused(amqp({ type: 'fanout', bindings: { q: { bindingKey: 'a' } } }))[0]).toMatchObject({ path: 'edges[1].bindingKey', message: expect.stringContaining('a fanout exchange copies every message') });
    expect(refused(amqp({ type: 'round-robin', bindings: { q: {} } }))[0]).toEqual({ path: 'nodes[1].config.type', message: 'must be direct, fanout, topic or headers' });
    // An exchange feeds queues and exchanges only.
    expect(refused({ ...base, edges: [...base.edges, { source: 'x', target: 'c-q' }] })[0].message).toBe('an exchange connects to a queue or an exchange, not to a consumer');
  });
});

describe('[AM7] [AM8] TTL and dead-lettering through an exchange', () => {
  /** p → x → work (consumer w) ; work dead-letters through dlx → parked. */
  function dlx(work: Record<string, unknown>, templates: Record<string, unknown>[] = [{ type: 'Pay', routingKey: 'pay' }], consumer: Record<string, unknown> = {}, parkedKey = 'parked') {
    return amqp({
      type: 'direct',
      templates,
      bindings: { work: { bindingKey: 'pay' } },
      queues: { work: { deadLetterExchange: 'dlx', ...work }, parked: {} },
      consumers: { work: consumer },
      extra: {
        nodes: [{ id: 'dlx', kind: 'exchange', config: { type: 'direct' } }],
        edges: [
          { source: 'work', target: 'dlx' },
          { source: 'dlx', target: 'parked', bindingKey: parkedKey },
        ],
      },
    });
  }

  it('[AM7] [AM8] a message nobody takes within the queue TTL expires and is dead-lettered with the dead-letter routing key', () => {
    const s = sim(dlx({ messageTtlMs: 50, deadLetterRoutingKey: 'parked' }, undefined, { joinAt: 1000 }));
    s.fire('p').run();
    const exp = s.stepsOf('expire');
    expect(exp).toHaveLength(1);
    expect(exp[0].time).toBe(50);
    expect(exp[0].text).toContain("the queue's message TTL of 50 ms");
    expect(exp[0].text).toContain('dead-lettered through exchange dlx with routing key parked');
    expect(qview(s, 'work').messages[0].state).toBe('expired');
    expect(qview(s, 'parked').ready).toBe(1);
    // It is a dead letter where it lands, from the queue it expired in; redrive sends it back.
    const dead = qview(s, 'parked').deadLetters;
    expect(dead).toMatchObject([{ eventId: 'evt-0', from: { topic: 'work', offset: 0 }, error: expect.stringContaining('expired') }]);
    // The expired message was never delivered to the late consumer.
    expect(gotCount(s, 'work')).toBe(0);
  });

  it('[AM7] the lower of queue TTL and message expiration applies; a dead-lettered copy does not expire again', () => {
    const s = sim(dlx({ messageTtlMs: 500, deadLetterRoutingKey: 'parked' }, [{ type: 'Pay', routingKey: 'pay', expirationMs: 20 }], { joinAt: 1000 }));
    // parked has a TTL too: the copy lost its expiration, so only the queue's 30 ms could apply, and the copy would expire; without a TTL of its own it stays.
    s.fire('p').run();
    expect(s.stepsOf('expire').map((x) => [x.node, x.time])).toEqual([['work', 20]]);
    expect(s.stepsOf('expire')[0].text).toContain('its own expiration of 20 ms');
    expect(qview(s, 'parked').ready).toBe(1);
  });

  it('[AM7] a message in a consumer’s hands does not expire; back after its TTL, it expires at once', () => {
    const s = sim(dlx({ messageTtlMs: 30, deadLetterRoutingKey: 'parked', visibilityTimeoutMs: 40 }, undefined, { processingMs: 100 }));
    s.fire('p').run();
    // Received at 1 ms, still being handled at 30 ms; it reappears at 41 ms and expires then.
    const exp = s.stepsOf('expire');
    expect(exp).toHaveLength(1);
    expect(exp[0].time).toBe(41);
    expect(s.stepsOf('reappear')[0].time).toBe(41);
  });

  it('[AM8] with onReject dead-letter a nack dead-letters through the exchange with the message’s own routing key; requeue (default) puts it back', () => {
    const failing = { failWhen: { op: 'eq', left: { event: 'type' }, right: 'Pay' } };
    const s = sim(dlx({ onReject: 'dead-letter' }, undefined, failing, 'pay'));
    s.fire('p').run();
    const err = s.stepsOf('error');
    expect(err).toHaveLength(1);
    expect(err[0].text).toContain('rejected the message without requeue');
    expect(err[0].text).toContain('dead-lettered through exchange dlx with its own routing key');
    expect(qview(s, 'parked').ready).toBe(1);
    expect(qview(s, 'work').messages[0].state).toBe('dead-lettered');
    const r = sim(dlx({ maxReceiveCount: 3 }, undefined, failing, 'pay'));
    r.fire('p').run();
    // [Q4] requeued twice, then the delivery limit dead-letters it through the exchange.
    expect(r.stepsOf('error')).toHaveLength(3);
    expect(r.stepsOf('route').map((x) => x.node)).toEqual(['x', 'dlx']);
    expect(qview(r, 'parked').deadLetters[0]).toMatchObject({ eventId: 'evt-0', attempts: 3, error: expect.stringContaining('maxReceiveCount 3') });
  });

  it('[AM8] a dead-lettering no binding matches is dropped at the dead-letter exchange; redrive brings a parked one back', () => {
    const failing = { failWhen: { op: 'eq', left: { event: 'data.bad' }, right: true } };
    const s = sim(dlx({ onReject: 'dead-letter' }, [{ type: 'Pay', routingKey: 'pay', data: { bad: true } }], failing));
    s.fire('p').run();
    expect(s.stepsOf('route')[1].text).toContain('dropped (unroutable)');
    expect(qview(s, 'parked').ready).toBe(0);
    const t = sim(dlx({ onReject: 'dead-letter', deadLetterRoutingKey: 'parked' }, [{ type: 'Pay', routingKey: 'pay', data: { bad: true } }], failing));
    t.fire('p').run();
    expect(qview(t, 'parked').ready).toBe(1);
    t.act({ kind: 'deploy', node: 'c-work', config: { failWhen: null } }).act({ kind: 'redrive', node: 'parked' }).run();
    expect(gotCount(t, 'work')).toBe(1);
  });

  it('[AM8] dead-letter settings are refused at their field when wrong', () => {
    const ok = dlx({});
    expect(restoreScenario(ok).ok).toBe(true);
    expect(refused(dlx({ deadLetterExchange: 'parked' }))[0]).toEqual({ path: 'nodes[2].config.deadLetterExchange', message: '"parked" is not an exchange' });
    const unwired = { ...ok, edges: ok.edges.filter((e) => !(e.source === 'work' && e.target === 'dlx')) };
    expect(refused(unwired)[0]).toEqual({ path: 'nodes[2].config.deadLetterExchange', message: 'connect work → dlx first' });
    expect(refused(dlx({ deadLetterExchange: null, deadLetterRoutingKey: 'x' }))[0]).toEqual({ path: 'nodes[2].config.deadLetterRoutingKey', message: 'a dead-letter routing key needs a dead-letter exchange to route by it' });
    expect(refused(dlx({ onReject: 'drop' }))[0]).toEqual({ path: 'nodes[2].config.onReject', message: 'must be requeue or dead-letter' });
    expect(refused(dlx({ messageTtlMs: -1 }))[0]).toEqual({ path: 'nodes[2].config.messageTtlMs', message: 'must be at least 0' });
    // A delivery limit with a dead-letter exchange is enough; with neither, refused as before.
    expect(restoreScenario(dlx({ maxReceiveCount: 2 })).ok).toBe(true);
    expect(refused(dlx({ maxReceiveCount: 2, deadLetterExchange: null }))[0].path).toBe('nodes[2].config.deadLetter');
  });
});

describe('[K8] [T6] exchanges under seek', () => {
  it('[K8] seeking to any step of a run with routing, returns, TTL and dead-lettering equals a fresh run', () => {
    const r = restoreScenario(
      amqp({
        templates: [
          { type: 'T', routingKey: 'a.{rand:1-3}', mandatory: true, expirationMs: 15 },
          { type: 'U', routingKey: 'b.x' },
        ],
        bindings: { q1: { bindingKey: 'a.1' }, q2: { bindingKey: 'a.2' } },
        queues: { q1: { deadLetterExchange: 'dlx', onReject: 'dead-letter' }, q2: { messageTtlMs: 5, deadLetterExchange: 'dlx' }, parked: {} },
        consumers: { q1: { failWhen: { op: 'eq', left: { event: 'type' }, right: 'T' } }, q2: { processingMs: 20, joinAt: 30 } },
        extra: { nodes: [{ id: 'dlx', kind: 'exchange', config: { type: 'fanout' } }], edges: [{ source: 'q1', target: 'dlx' }, { source: 'q2', target: 'dlx' }, { source: 'dlx', target: 'parked' }] },
      }),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const sc: Scenario = r.value;
    const inputs = [0, 1, 0, 0, 1, 0].map((template, i) => ({ kind: 'fire' as const, node: 'p', template, atStep: i * 3, time: i * 4 }));
    const e = createEngine(sc, { seed: 7, inputs, checkpointEvery: 2 });
    e.runUntilIdle(2000);
    const end = e.step;
    expect(e.steps().some((x) => x.kind === 'return')).toBe(true);
    expect(e.steps().some((x) => x.kind === 'expire')).toBe(true);
    for (const k of [Math.floor(end / 2), 3, end, 1, Math.floor(end / 3), 0]) {
      e.seek(k);
      const fresh = createEngine(sc, { seed: 7, inputs });
      fresh.stepForward(k);
      expect(e.view(), `at step ${k}`).toEqual({ ...fresh.view(), horizon: e.horizon });
      expect(e.steps(0, k).map((x) => x.text)).toEqual(fresh.steps().map((x) => x.text));
    }
  });
});
