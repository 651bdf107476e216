// `npm run bench:ab -- <git ref>`: is this checkout's engine faster than the engine at <ref>?
//
// For deciding about a change to the engine's speed, where `npm run bench` is too coarse: the
// machines are shared, and one run of the same code takes from 1.3 s to 1.8 s within minutes,
// so two runs (or two processes) one after the other cannot tell a 4% change from the drift.
// Here both engines (each from a git worktree: <ref>, and this checkout with its uncommitted
// changes) are loaded into one process, warmed, then timed in alternating pairs, each pair
// within a few seconds; the answer is the median of the pairs' ratios, with its quartiles,
// over four such processes (see BATCHES). Both engines must take the same number of steps
// on the benchmark's scenario (bench/scenarios.ts): speeds compare only with the behaviour
// unchanged.
//
//   npm run bench:ab -- main~3                      # 32 pairs of 500,000 events, trace off
//   npm run bench:ab -- b0f6af5 --pairs 64 --events 300000 --trace on
//   npm run bench:ab -- main~1 --scenario faults --events 100000   # the faults section's run
//
// stdout: one JSON line (ratio = this checkout's time / <ref>'s); progress on stderr.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faultDocument, throughputDocument } from './scenarios.ts';

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
  process.stderr.write('usage: npm run bench:ab -- <git ref> [--pairs 32] [--events 500000] [--trace off|on] [--scenario clean|faults]\n');
  process.exit(2);
}
const PAIRS = option('pairs', 32);
const EVENTS = option('events', 500_000);
const TRACE = args.includes('--trace') && args[args.indexOf('--trace') + 1] === 'on';
const SCENARIO = args.includes('--scenario') ? args[args.indexOf('--scenario') + 1] : 'clean';
if (SCENARIO !== 'clean' && SCENARIO !== 'faults') throw new Error(`--scenario takes clean (the throughput section's run) or faults (the faults section's), not ${SCENARIO}`);
const scenarioDocument = SCENARIO === 'faults' ? faultDocument : throughputDocument;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:ab does)');

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const progress = (line: string) => process.stderr.write(`[ab] ${line}\n`);

// One process per batch of pairs, the two engines loaded in turn first and second: an engine
// loaded first ran about 5–10% slower than the same engine loaded second (an A/A run of one
// commit against itself read 1.11 with a single load order), so each order takes half the pairs.
const BATCHES = 4;
const PER_BATCH = Math.max(1, Math.round(PAIRS / BATCHES));
const child = args.indexOf('--child');

if (child >= 0) {
  const [here, there, order] = args.slice(child + 1, child + 4);
  const ratios = await timePairs(here, there, order === 'there-first', PER_BATCH);
  process.stdout.write(`${JSON.stringify(ratios)}\n`);
} else {
  // Both engines are loaded from git worktrees, so they differ in nothing but their code: with
  // this checkout loaded from its own directory, an A/A run still read 1.04. This checkout is
  // taken as it is on disk, uncommitted changes and new files included (not ignored ones).
  const here = mkdtempSync(join(tmpdir(), 'eventfold-ab-here-'));
  const there = mkdtempSync(join(tmpdir(), 'eventfold-ab-there-'));
  const git = (...a: string[]) => execFileSync('git', ['-C', root, ...a], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim();
  try {
    try {
      git('rev-parse', '--quiet', '--verify', `${ref}^{commit}`);
    } catch {
      throw new Error(`${ref} names no commit in this repository: give a branch, a tag or a commit (for example main~1)`);
    }
    const current = snapshot(git);
    for (const [dir, rev] of [[here, current], [there, ref]]) {
      git('worktree', 'add', '--detach', '--quiet', dir, rev);
      // The engine imports a few packages (valibot): the worktree borrows this checkout's.
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    }
    progress(`${BATCHES} batches of ${PER_BATCH} pairs of ${EVENTS} events (${SCENARIO}), trace ${TRACE ? 'on' : 'off'}: this checkout against ${ref}`);
    const pairs: Pair[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args, '--child', here, there, b % 2 === 0 ? 'here-first' : 'there-first'], { stdio: ['ignore', 'pipe', 'inherit'] });
      pairs.push(...(JSON.parse(out.toString()) as Pair[]));
    }
    const ratios = pairs.map((x) => x.here / x.there);
    const result = {
      ref,
      scenario: SCENARIO,
      events: EVENTS,
      trace: TRACE,
      pairs: pairs.length,
      ratio: r4(quantile(ratios, 0.5)),
      quartiles: [r4(quantile(ratios, 0.25)), r4(quantile(ratios, 0.75))],
      fasterPairs: ratios.filter((x) => x < 1).length,
      medianMs: { here: Math.round(quantile(pairs.map((x) => x.here), 0.5)), there: Math.round(quantile(pairs.map((x) => x.there), 0.5)) },
    };
    progress(`this checkout takes ${result.ratio} of ${ref}'s time in the median pair (quartiles ${result.quartiles.join('–')}); faster in ${result.fasterPairs} of ${pairs.length} pairs`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const dir of [here, there]) {
      try {
        execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
      } catch {
        // Not a worktree yet (it failed before that): the directory goes all the same.
      }
      rmSync(dir, { recursive: true, force: true });
    }
    execFileSync('git', ['-C', root, 'worktree', 'prune'], { stdio: 'ignore' });
  }
}

/** A commit (on no branch) of this checkout's files as they are, made through a scratch index. */
function snapshot(git: (...a: string[]) => string): string {
  const index = join(mkdtempSync(join(tmpdir(), 'eventfold-ab-index-')), 'index');
  const prev = process.env.GIT_INDEX_FILE;
  process.env.GIT_INDEX_FILE = index;
  try {
    git('read-tree', 'HEAD');
    git('add', '--all');
    return git('commit-tree', git('write-tree'), '-p', 'HEAD', '-m', 'bench:ab snapshot');
  } finally {
    if (prev === undefined) delete process.env.GIT_INDEX_FILE;
    else process.env.GIT_INDEX_FILE = prev;
    rmSync(dirname(index), { recursive: true, force: true });
  }
}

interface Pair {
  here: number;
  there: number;
}

/** Loads both engines (in the order given), warms them, checks they take the same steps, and times `n` pairs. */
async function timePairs(here: string, there: string, thereFirst: boolean, n: number): Promise<Pair[]> {
  const load = async (at: string): Promise<EngineModule> => {
    const m = (await import(join(at, 'src/engine/index.ts'))) as EngineModule;
    await import(join(at, 'src/engine/kinds/all.ts'));
    return m;
  };
  // Everything is done to the engine loaded first before the other: loading, warming, timing
  // the first run of a pair (the next pair swaps); each order takes half the batches.
  const first = await load(thereFirst ? there : here);
  const second = await load(thereFirst ? here : there);
  const engines = thereFirst ? { here: second, there: first } : { here: first, there: second };
  const order = thereFirst ? (['there', 'here'] as const) : (['here', 'there'] as const);
  const reverse = thereFirst ? (['here', 'there'] as const) : (['there', 'here'] as const);
  const scenario = (m: EngineModule, events: number) => {
    const r = m.restoreScenario(scenarioDocument(events));
    if (!r.ok) throw new Error(`the benchmark's scenario was refused: ${JSON.stringify(r.errors)}`);
    return r.value as never;
  };
  const run = (m: EngineModule, s: never) => {
    const e = m.createEngine(s, { trace: TRACE });
    e.runUntilIdle(Infinity);
    return e.step;
  };
  const full = { here: null as never, there: null as never };
  for (const side of order) full[side] = scenario(engines[side], EVENTS);
  for (const side of order) run(engines[side], scenario(engines[side], Math.ceil(EVENTS / 10)));
  const steps = { here: 0, there: 0 };
  for (const side of order) steps[side] = run(engines[side], full[side]);
  if (steps.here !== steps.there) throw new Error(`the two engines took ${steps.here} and ${steps.there} steps on the same scenario: their behaviour differs, so their speeds do not compare`);
  const out: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const pair = { here: 0, there: 0 };
    for (const side of i % 2 === 0 ? order : reverse) {
      gc!();
      const t0 = performance.now();
      run(engines[side], full[side]);
      pair[side] = performance.now() - t0;
    }
    out.push(pair);
  }
  const m = quantile(out.map((x) => x.here / x.there), 0.5);
  process.stderr.write(`[ab] batch (${thereFirst ? '<ref>' : 'this checkout'} loaded first): median pair ratio ${m.toFixed(4)}\n`);
  return out;
}

function quantile(xs: number[], f: number): number {
  return [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))];
}

function r4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
