// `npm run bench:ab -- <git ref>`: is this checkout's engine faster than the engine at <ref>?
//
// For deciding about a change to the engine's speed, where `npm run bench` is too coarse: the
// machines are shared, and one run of the same code takes from 1.3 s to 1.8 s within minutes,
// so two runs (or two processes) one after the other cannot tell a 4% change from the drift.
// Here both engines are loaded into one process (the other from a git worktree of <ref>),
// warmed, then timed in alternating pairs (which goes first alternates too), each pair within
// a few seconds; the answer is the median of the pairs' ratios, with its quartiles. Both
// engines must take the same number of steps on the benchmark's scenario (bench/scenarios.ts):
// a change of speed is only comparable with the behaviour unchanged.
//
//   npm run bench:ab -- main~3                      # 30 pairs of 500,000 events, trace off
//   npm run bench:ab -- b0f6af5 --pairs 60 --events 300000 --trace on
//
// stdout: one JSON line (ratio = this checkout's time / <ref>'s); progress on stderr.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { throughputDocument } from './scenarios.ts';

interface EngineModule {
  restoreScenario(doc: unknown): { ok: true; value: unknown } | { ok: false; errors: unknown };
  createEngine(scenario: never, options: { trace: boolean }): { runUntilIdle(max: number): number; step: number };
}

const args = process.argv.slice(2);
const ref = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i < 0 ? fallback : Number(args[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} takes a whole number above 0 (got ${args[i + 1]})`);
  return v;
};
if (!ref) {
  process.stderr.write('usage: npm run bench:ab -- <git ref> [--pairs 30] [--events 500000] [--trace off|on]\n');
  process.exit(2);
}
const PAIRS = option('pairs', 30);
const EVENTS = option('events', 500_000);
const TRACE = args[args.indexOf('--trace') + 1] === 'on' && args.includes('--trace');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:ab does)');

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const progress = (line: string) => process.stderr.write(`[ab] ${line}\n`);

const dir = mkdtempSync(join(tmpdir(), 'eventfold-ab-'));
try {
  execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', '--quiet', dir, ref], { stdio: ['ignore', 'ignore', 'inherit'] });
  // The engine imports a few packages (valibot): the worktree borrows this checkout's.
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const load = async (at: string): Promise<EngineModule> => {
    const m = (await import(join(at, 'src/engine/index.ts'))) as EngineModule;
    await import(join(at, 'src/engine/kinds/all.ts'));
    return m;
  };
  const engines = { here: await load(root), there: await load(dir) };
  const scenario = (m: EngineModule, events: number) => {
    const r = m.restoreScenario(throughputDocument(events));
    if (!r.ok) throw new Error(`the benchmark's scenario was refused: ${JSON.stringify(r.errors)}`);
    return r.value as never;
  };
  const run = (m: EngineModule, s: never) => {
    const e = m.createEngine(s, { trace: TRACE });
    e.runUntilIdle(Infinity);
    return e.step;
  };
  const full = { here: scenario(engines.here, EVENTS), there: scenario(engines.there, EVENTS) };
  for (const side of ['here', 'there'] as const) run(engines[side], scenario(engines[side], Math.ceil(EVENTS / 10)));
  const steps = { here: run(engines.here, full.here), there: run(engines.there, full.there) };
  if (steps.here !== steps.there) throw new Error(`the two engines took ${steps.here} and ${steps.there} steps on the same scenario: their behaviour differs, so their speeds do not compare`);

  progress(`${PAIRS} pairs of ${EVENTS} events (${steps.here} steps), trace ${TRACE ? 'on' : 'off'}: this checkout against ${ref}`);
  const ratios: number[] = [];
  const ms = { here: [] as number[], there: [] as number[] };
  for (let i = 0; i < PAIRS; i++) {
    for (const side of i % 2 === 0 ? (['here', 'there'] as const) : (['there', 'here'] as const)) {
      gc();
      const t0 = performance.now();
      run(engines[side], full[side]);
      ms[side].push(performance.now() - t0);
    }
    ratios.push(ms.here[i] / ms.there[i]);
  }
  const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))];
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  const result = {
    ref,
    events: EVENTS,
    trace: TRACE,
    pairs: PAIRS,
    ratio: r4(q(ratios, 0.5)),
    quartiles: [r4(q(ratios, 0.25)), r4(q(ratios, 0.75))],
    fasterPairs: ratios.filter((x) => x < 1).length,
    medianMs: { here: Math.round(q(ms.here, 0.5)), there: Math.round(q(ms.there, 0.5)) },
  };
  progress(`this checkout takes ${result.ratio} of ${ref}'s time in the median pair (quartiles ${result.quartiles.join('–')}); faster in ${result.fasterPairs} of ${PAIRS} pairs`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
