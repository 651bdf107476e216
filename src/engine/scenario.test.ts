import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { restoreScenario, parseScenarioText, describeErrors, SCENARIO_VERSION } from './scenario.ts';
import { createEngine } from './engine.ts';

const base = () => ({
  format: 'eventfold/scenario',
  version: 1,
  nodes: [
    { id: 'p', kind: 'producer', config: { templates: [{ type: 'A', key: 'k' }] } },
    { id: 't', kind: 'topic', config: { partitions: 3 } },
    { id: 'c', kind: 'consumer' },
  ],
  edges: [
    { source: 'p', target: 't' },
    { source: 't', target: 'c' },
  ],
});

function errorsOf(input: unknown) {
  const r = restoreScenario(input);
  if (r.ok) throw new Error('expected the scenario to be refused');
  return r.errors;
}

describe('restoreScenario', () => {
  it('[F3] applies defaults', () => {
    const r = restoreScenario(base());
    if (!r.ok) throw new Error(describeErrors(r.errors));
    const s = r.value;
    expect(s.seed).toBe(1);
    expect(s.name).toBe('Untitled scenario');
    const c = s.nodes.find((n) => n.id === 'c')!;
    expect(c.label).toBe('c');
    expect(c.position).toEqual({ x: 0, y: 0 });
    expect(c.kind === 'consumer' && c.config).toEqual({
      group: 'c',
      commit: 'after',
      rules: [],
      processingMs: 10,
      sessionTimeoutMs: 100,
      idempotency: 'none',
      retry: { maxAttempts: 1, backoff: 'exponential', initialMs: 100, maxMs: 10_000, jitter: true },
      ordering: 'block-key',
      deadLetter: null,
      failWhen: null,
      prefetch: 1,
      joinAt: null,
      upcasters: [],
      schema: null,
    });
    expect(s.invariants).toEqual([]);
    const p = s.nodes.find((n) => n.id === 'p')!;
    expect(p.kind === 'producer' && p.config.templates[0].schemaVersion).toBe(1);
    expect(s.edges[0]).toEqual({ id: 'p->t', source: 'p', target: 't' });
  });

  it('[F1] names the field path of a bad value', () => {
    const s = base();
    (s.nodes[1].config as { partitions: number }).partitions = 0;
    expect(errorsOf(s)).toEqual([{ path: 'nodes[1].config.partitions', message: 'must be at least 1' }]);
  });

  it('[F1] names the path deep inside a rule', () => {
    const s = base();
    (s.nodes[2] as Record<string, unknown>).config = { rules: [{ on: 'A', do: [{ do: 'increment', table: 'x', key: { event: 'data..bad' } }] }] };
    const errs = errorsOf(s);
    expect(errs[0].path).toMatch(/^nodes\[2\]\.config\.rules\[0\]\.do\[0\]/);
  });

  it('[F1] refuses what is not an object, and never throws', () => {
    for (const bad of [null, 42, 'x', [], undefined, { format: 'other' }]) {
      expect(restoreScenario(bad).ok).toBe(false);
    }
    expect(errorsOf({ format: 'eventfold/scenario', version: 1 })[0].path).toBe('nodes');
  });

  it('[F1] reports invalid JSON text as an error, not an exception', () => {
    const r = parseScenarioText('{"format": ');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].message).toMatch(/not valid JSON/);
  });

  it('[F2] refuses a newer version with a message that says so', () => {
    const errs = errorsOf({ ...base(), version: SCENARIO_VERSION + 1 });
    expect(errs[0].path).toBe('version');
    expect(errs[0].message).toMatch(/newer Eventfold/);
  });

  it('[F2] refuses a missing or wrong format', () => {
    expect(errorsOf({ ...base(), format: undefined })[0].path).toBe('format');
    expect(errorsOf({ ...base(), version: '1' })[0].path).toBe('version');
  });

  it('[F5] ids are unique', () => {
    const s = base();
    s.nodes[2].id = 't';
    expect(errorsOf(s)[0]).toMatchObject({ path: 'nodes[2].id' });
  });

  it('[F5] refuses connections that make no sense, with the reason', () => {
    const s = base();
    s.edges.push({ source: 'p', target: 'c' });
    expect(errorsOf(s)[0]).toEqual({ path: 'edges[2]', message: expect.stringMatching(/put a topic between them/) });
    const s2 = base();
    s2.edges.push({ source: 't', target: 'missing' });
    expect(errorsOf(s2)[0]).toEqual({ path: 'edges[2].target', message: 'no node has the id "missing"' });
    const s3 = base();
    s3.edges.push({ source: 'p', target: 't' });
    expect(errorsOf(s3)[0].message).toMatch(/connected twice/);
  });

  it('[F5] an emit must go to a connected topic', () => {
    const s = base();
    (s.nodes[2] as Record<string, unknown>).config = { rules: [{ on: 'A', do: [{ do: 'emit', topic: 't', type: 'B' }] }] };
    expect(errorsOf(s)[0]).toEqual({ path: 'nodes[2].config.rules[0].do[0].topic', message: expect.stringMatching(/not a topic that c is connected to/) });
  });

  it('[F5] a dead-letter topic must be connected; invariants must watch a consumer', () => {
    const s = base();
    (s.nodes[2] as Record<string, unknown>).config = { deadLetter: 't' };
    expect(errorsOf(s)[0]).toEqual({ path: 'nodes[2].config.deadLetter', message: expect.stringMatching(/connect c → t first/) });
    const s2 = { ...base(), invariants: [{ kind: 'no-loss', node: 't' }] };
    expect(errorsOf(s2)[0]).toEqual({ path: 'invariants[0].node', message: '"t" is a topic: a no-loss invariant watches a consumer or a projection' });
  });

  it('[F5] a rate needs a template that exists', () => {
    const s = base();
    (s.nodes[0].config as Record<string, unknown>).rate = { perSecond: 1, template: 3 };
    expect(errorsOf(s)[0].path).toBe('nodes[0].config.rate.template');
  });

  it('[F1] a missing required field is named as missing', () => {
    const s = base();
    delete (s.nodes[0] as Partial<(typeof s.nodes)[0]>).id;
    expect(errorsOf(s)[0]).toEqual({ path: 'nodes[0].id', message: 'is required but missing' });
  });

  it('[F6] an unknown field is named', () => {
    const s = base();
    (s.nodes[1].config as Record<string, unknown>) = { partitons: 3 };
    expect(errorsOf(s)[0].path).toBe('nodes[1].config.partitons');
  });

  it('[F7] data that is not plain JSON is refused', () => {
    const s = base();
    (s.nodes[0].config as { templates: unknown[] }).templates = [{ type: 'A', data: { when: new Date(0) } }];
    expect(errorsOf(s)[0].path).toBe('nodes[0].config.templates[0].data');
  });

  it('[F4] every version fixture still restores and runs', () => {
    const dir = new URL('../../tests/fixtures/scenarios/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const r = restoreScenario(JSON.parse(readFileSync(new URL(f, dir), 'utf8')));
      if (!r.ok) throw new Error(`${f}: ${describeErrors(r.errors)}`);
      const e = createEngine(r.value);
      e.runUntilIdle(10_000);
      expect(e.idle).toBe(true);
      expect(e.step).toBeGreaterThan(0);
    }
  });
});

describe('round trip', () => {
  it('[F1] restoreScenario accepts its own output, unchanged', () => {
    const dir = new URL('../examples/', import.meta.url);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json') && !x.includes('session'))) {
      const once = restoreScenario(JSON.parse(readFileSync(new URL(f, dir), 'utf8')));
      if (!once.ok) throw new Error(`${f}: ${describeErrors(once.errors)}`);
      const twice = restoreScenario(JSON.parse(JSON.stringify(once.value)));
      if (!twice.ok) throw new Error(`${f} again: ${describeErrors(twice.errors)}`);
      expect(twice.value).toEqual(once.value);
    }
  });
});
