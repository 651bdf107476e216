// The headless runner (`npm run sim`): runSim is called directly with an in-memory file
// system; one test goes end to end through the real script.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSim, USAGE, type ReadFile } from './run.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const example = (name: string) => readFileSync(`${root}src/examples/${name}`, 'utf8');

/** A file system holding exactly `files`; anything else is ENOENT, like fs.readFileSync. */
function files(map: Record<string, string>): ReadFile {
  return (path) => {
    if (path in map) return map[path];
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  };
}

// The fan-out scenario with one hand-fired OrderPlaced, after the three groups formed.
const fanOut = JSON.parse(example('fan-out.json'));
const fanOutSession = JSON.stringify({
  format: 'eventfold/session',
  version: 1,
  scenario: fanOut,
  inputs: [{ kind: 'fire', node: 'checkout', template: 0, atStep: 3, time: 0 }],
  step: 0,
});
const fs = files({ 'ledger.json': example('ledger.json'), 'fan-out.session.json': fanOutSession, 'fan-out.json': example('fan-out.json') });

describe('runSim', () => {
  it('ledger: folds the three events into balance 1300', () => {
    const r = runSim(['ledger.json'], fs);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ *12 +311 ms +commit +ledger committed offset 3 on accounts p1/m);
    expect(r.stdout).toMatch(/table balance\n +ACC-1 = 1300\n/);
    expect(r.stdout).toContain('producer bank: fired 3');
    expect(r.stdout).toMatch(/p1 +end offset 3/);
    expect(r.stdout).toMatch(/accounts p1 +committed 3 +lag 0/);
  });

  it('fan-out: one fired order gives the three side effects, one per group', () => {
    const r = runSim(['fan-out.session.json'], fs);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 recorded input');
    expect(r.stdout).toMatch(/ fire +You fired OrderPlaced evt-0 \(key ORD-1\) from checkout/);
    for (const effect of ['stock reserved', 'card charged', 'email sent']) {
      expect(r.stdout).toContain(`effect "${effect}": 1 in all\n    ORD-1 × 1`);
    }
    expect(r.stdout).toContain('producer checkout: fired 1');
  });

  it('keyed orders with a crash before the commit: the successor handles OrderPaid again', () => {
    const r = runSim(['keyed-crash.session.json'], files({ 'keyed-crash.session.json': example('keyed-crash.session.json') }));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ crash +You crashed fulfilment-1 while it was working on OrderPaid evt-2 \(key ORD-1\), before committing its offset/);
    expect(r.stdout).toMatch(/ handle +fulfilment-2 handled OrderPaid evt-2 \(key ORD-1\)/);
    expect(r.stdout).toContain('ORD-1 = ["OrderPlaced","OrderPaid","OrderPaid","OrderShipped"]');
    expect(r.stdout).toContain('ORD-1 × 4');
  });

  it('a bare scenario with no inputs runs to idle after the groups form', () => {
    const r = runSim(['fan-out.json'], fs);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/ rebalance /g)).toHaveLength(3);
    expect(r.stdout).not.toContain(' fire ');
  });

  it('prints queues, the consumers competing on them, and projections', () => {
    const scenario = {
      format: 'eventfold/scenario',
      version: 1,
      nodes: [
        {
          id: 'p',
          kind: 'producer',
          config: {
            templates: [
              { type: 'Job', key: 'j{n}', topic: 'q' },
              { type: 'Seen', key: 'j{n}', topic: 't' },
            ],
            rate: { perSecond: 10, limit: 4 },
          },
        },
        { id: 'q', kind: 'queue' },
        { id: 'w', kind: 'consumer', config: { rules: [{ on: 'Job', do: [{ do: 'effect', name: 'done', key: { event: 'key' } }] }] } },
        { id: 't', kind: 'topic' },
        { id: 'v', kind: 'projection', config: { rules: [{ on: 'Seen', do: [{ do: 'increment', table: 'seen', key: 'all', by: 1 }] }] } },
      ],
      edges: [
        { source: 'p', target: 'q' },
        { source: 'q', target: 'w' },
        { source: 'p', target: 't' },
        { source: 't', target: 'v' },
      ],
    };
    const r = runSim(['q.json'], files({ 'q.json': JSON.stringify(scenario) }));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('queue q: 0 ready, 0 in flight, 2 acked, 0 dead-lettered');
    expect(r.stdout).toContain('consumer w (group w, alive, commit after, handled 2)\n  competes on queue q');
    expect(r.stdout).toMatch(/projection v \(alive, 0 events behind\)\n {2}table seen\n {4}all = 2/);
  });

  it('--json prints one object {trace, nodes, step, time} that parses', () => {
    const r = runSim(['fan-out.session.json', '--json'], fs);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['nodes', 'step', 'time', 'trace']);
    expect(out.trace).toHaveLength(out.step);
    expect(out.trace[3]).toMatchObject({ seq: 3, kind: 'fire', node: 'checkout', eventId: 'evt-0' });
    expect(out.nodes.payment.effects).toEqual({ 'card charged': { 'ORD-1': 1 } });
    expect(out.nodes.orders.partitions.reduce((n: number, p: { end: number }) => n + p.end, 0)).toBe(1);
  });

  it('--steps N applies N steps, and says so when the world goes idle sooner', () => {
    const two = JSON.parse(runSim(['ledger.json', '--steps', '2', '--json'], fs).stdout);
    expect(two.step).toBe(2);
    expect(two.trace.map((s: { kind: string }) => s.kind)).toEqual(['rebalance', 'produce']);
    const many = runSim(['ledger.json', '--steps=50'], fs);
    expect(many.code).toBe(0);
    expect(many.stderr).toContain('went idle after 13');
  });

  it('--until T runs every step due at or before T ms', () => {
    const out = JSON.parse(runSim(['ledger.json', '--until', '211', '--json'], fs).stdout);
    expect(out.time).toBe(211);
    expect(out.step).toBe(9);
    expect(out.nodes.ledger.state.balance['ACC-1']).toBe(1500);
  });

  it('--seed N overrides the seed', () => {
    expect(runSim(['ledger.json', '--seed', '42'], fs).stdout).toContain('seed 42');
  });

  it('stops at --max-steps with a message when the run would go on', () => {
    const r = runSim(['ledger.json', '--max-steps', '5'], fs);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stopped after 5 steps \(the --max-steps cap\)/);
    expect(r.stdout).toContain('# trace: 5 steps');
  });

  it('a malformed scenario exits 1 naming the field path', () => {
    const bad = JSON.parse(example('fan-out.json'));
    bad.nodes[1].config.partitions = 0;
    const r = runSim(['bad.json'], files({ 'bad.json': JSON.stringify(bad) }));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('bad.json is not a valid Eventfold scenario or session');
    expect(r.stderr).toContain('nodes[1].config.partitions: must be at least 1');
  });

  it('an edge to a missing node exits 1 naming the edge', () => {
    const bad = JSON.parse(example('fan-out.json'));
    bad.edges.push({ source: 'orders', target: 'shipping' });
    const r = runSim(['bad.json'], files({ 'bad.json': JSON.stringify(bad) }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('edges[4].target: no node has the id "shipping"');
  });

  it('a malformed session names the path inside the session', () => {
    const bad = JSON.parse(fanOutSession);
    bad.scenario.nodes[0].config.templates[0].type = '';
    const r = runSim(['bad.json'], files({ 'bad.json': JSON.stringify(bad) }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('scenario.nodes[0].config.templates[0].type: must not be empty');
  });

  it('invalid JSON exits 1 with the parser message', () => {
    const r = runSim(['bad.json'], files({ 'bad.json': '{"format": "eventfold/scenario",' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.json is not valid JSON:\n {2}\(file\): /);
  });

  it('a missing file exits 1', () => {
    const r = runSim(['nope.json'], fs);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'sim: cannot read nope.json: no such file\n' });
  });

  it.each([
    [[], 'no scenario or session file given'],
    [['ledger.json', '--frobnicate'], 'unknown option --frobnicate'],
    [['ledger.json', '--steps'], '--steps needs a value'],
    [['ledger.json', '--steps', '-1'], '--steps must be a whole number'],
    [['ledger.json', '--steps', '1.5'], '--steps must be a whole number'],
    [['ledger.json', '--until', 'soon'], '--until must be a logical time'],
    [['ledger.json', '--seed', '4294967296'], '--seed must be a whole number from 0 to 4294967295'],
    [['ledger.json', '--steps', '3', '--until', '100'], '--steps and --until cannot be used together'],
    [['ledger.json', 'fan-out.json'], 'one file at a time'],
  ])('bad command line %j exits 2 with a usage line', (argv, message) => {
    const r = runSim(argv, fs);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(USAGE);
  });

  it('--help prints the usage and exits 0', () => {
    const r = runSim(['--help'], fs);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(USAGE);
  });
});

describe('the sim script', () => {
  it('runs end to end: npx tsx src/cli/sim.ts src/examples/ledger.json', async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve, reject) => {
      execFile('npx', ['tsx', 'src/cli/sim.ts', 'src/examples/ledger.json'], { cwd: root }, (err, stdout) => {
        if (err && typeof err.code !== 'number') reject(err);
        else resolve({ code: err ? (err.code as number) : 0, stdout });
      });
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/ACC-1 = 1300/);
  }, 30_000);
});
