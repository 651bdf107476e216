// The engine benchmark behind `npm run bench` (node --expose-gc --import tsx …).
// stdout carries ONE JSON line per metric and nothing else, so CI or a script can read it;
// progress goes to stderr. Every line carries its baselines, measured in this same process
// on this same machine, the ratio to them and the target, so a number is never read alone.
//
//   (a) throughput.traceOff / throughput.traceOn — publish → deliver → handle of EVENTS
//       events through 1 topic × 3 partitions × 3 consumer groups, against a hand-written
//       "limit loop" (the same bookkeeping with nothing else) and eventemitter3 dispatch.
//       Each line also gives the machine's cost of a page fault and the faults per run: the
//       engine records its log (and trace) in fresh memory, so that cost moves its ratio.
//   (b) seek.middle / seek.end — seek(middle) from the end of a SEEK_STEPS-step run, and
//       back to the end, against the time of the full run.
//   (c) memory.perStep — heap + ArrayBuffer bytes per trace step after a MEM_STEPS run.
//   (e) explore.schedules — the chaos explorer: 1,000 fault schedules on a 10-node design, each a
//       full run, against a 30 s budget.
//   (d) throughput.faults — FAULT_EVENTS events through the same topology with faults on
//       every side (poison with retries and a dead-letter topic, idempotency, duplicate and
//       jittered deliveries, lost acks, scheduled crashes, outages and partitions), against
//       the clean scenario of (a) at the same size, measured in the same process.
//
// Each section runs in its own child process (same node flags), so one section's heap and
// JIT state do not colour the next, and an engine that runs out of memory or time in one
// section still leaves a line (with "error") for each of its metrics instead of no output.
//
// `npm run bench -- --scale 0.01` runs everything at 1% size (a smoke run; numbers from it
// are not comparable). Speed is never asserted in tests: targets are reported, here only.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import EventEmitter from 'eventemitter3';
import { createEngine, partitionForKey, restoreScenario, type Engine, type Scenario, type ConsumerView } from '../src/engine/index.ts';
import { Prng } from '../src/engine/prng.ts';
import { Explorer } from '../src/engine/explore.ts';
import type { Input } from '../src/engine/inputs.ts';
import { GROUPS, KEYS, PARTITIONS, SEED, faultDocument, throughputDocument } from './scenarios.ts';
import '../src/engine/kinds/all.ts'; // every optional engine module (kinds/index.ts OPTIONAL)

// ---------------------------------------------------------------------------- settings

const SECTIONS = {
  throughput: { metrics: ['throughput.traceOff', 'throughput.traceOn'], targets: ['>= 0.10', '>= 0.05'], limitSec: 160 },
  seek: { metrics: ['seek.middle', 'seek.end'], targets: ['<= 0.02', '<= 0.02'], limitSec: 50 },
  memory: { metrics: ['memory.perStep'], targets: ['<= 200'], limitSec: 50 },
  faults: { metrics: ['throughput.faults'], targets: ['>= 0.35'], limitSec: 120 },
  explore: { metrics: ['explore.schedules'], targets: ['<= 1.0'], limitSec: 120 },
} as const;
type Section = keyof typeof SECTIONS;

const scale = readScale(process.argv.slice(2));
const section = readSection(process.argv.slice(2));
const EVENTS = Math.round(1_000_000 * scale);
const SEEK_STEPS = Math.round(1_000_000 * scale);
const MEM_STEPS = Math.round(1_000_000 * scale);
const FAULT_EVENTS = Math.round(100_000 * scale);
const REPEATS = 3;
/**
 * Rounds of the throughput section: each times the baselines and the engine in turn. On a
 * shared machine one round's ratio moved by ±15% (0.088–0.125 in one run); nine rounds keep
 * the median's wobble to a few percent.
 */
const ROUNDS = 9;
/** Runs of each baseline in a block: enough that a block takes about as long as an engine run. */
const BASELINE_RUNS = 3;
/**
 * Rounds of the faults section: each times the clean run CLEAN_RUNS times (their mean: one
 * clean run is a third of a fault run, and the noisier for it), then the fault run.
 */
const FAULT_ROUNDS = 9;
const CLEAN_RUNS = 3;

const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    throw new Error('global.gc is missing: run the benchmark with `npm run bench` (node --expose-gc)');
  });

function usage(): never {
  process.stderr.write('usage: npm run bench [-- --scale S]   (0 < S <= 1)\n');
  process.exit(2);
}

function readScale(argv: string[]): number {
  const i = argv.indexOf('--scale');
  if (i < 0) return 1;
  const s = Number(argv[i + 1]);
  if (!(s > 0 && s <= 1)) usage();
  return s;
}

/** `--section NAME` (internal): run one section in this process. */
function readSection(argv: string[]): Section | null {
  const i = argv.indexOf('--section');
  if (i < 0) return null;
  const name = argv[i + 1];
  if (!(name in SECTIONS)) usage();
  return name as Section;
}

// ---------------------------------------------------------------------------- helpers

function progress(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Minor page faults of this process so far: first touches of fresh memory. */
const pageFaults = () => process.resourceUsage().minorPageFault;

/** Runs `fn` (after a gc, so one run's garbage is not billed to the next): its ms and the page faults it took. */
function measured(fn: () => void): { ms: number; faults: number } {
  gc();
  const f0 = pageFaults();
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  return { ms, faults: pageFaults() - f0 };
}

/** Runs `fn` as `measured` does and returns ms. */
function timed(fn: () => void): number {
  return measured(fn).ms;
}

/**
 * What this machine charges for a page fault, in microseconds: the time to write one int per
 * 4 kB page of fresh typed arrays (64 MB, kept alive so none is reused), over the faults that
 * took (0 where the platform counts no faults). 12-15 µs on the shared VMs of issue #11,
 * where it explained much of the spread of the engine's ratios between runs and machines (a
 * trace-off run took 7k to 24k faults, the limit loop about 6.5k).
 */
function pageFaultMicros(): number {
  const keep: Int32Array[] = [];
  const { ms, faults } = measured(() => {
    for (let i = 0; i < 64; i++) {
      const a = new Int32Array(1 << 18);
      for (let j = 0; j < a.length; j += 1024) a[j] = 1;
      keep.push(a);
    }
  });
  return faults > 0 ? (ms * 1000) / faults : 0;
}

/** Median ms of `repeats` timed runs of `fn`, after `warmups` untimed ones. */
function medianMs(label: string, fn: () => void, repeats = REPEATS, warmups = 1): number {
  for (let i = 0; i < warmups; i++) fn();
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) runs.push(timed(fn));
  progress(`${label}: ${runs.map((r) => r.toFixed(1)).join(', ')} ms → median ${median(runs).toFixed(1)} ms`);
  return median(runs);
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
const heapBytes = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

// ---------------------------------------------------------------------------- the scenario

function throughputScenario(events: number): Scenario {
  const r = restoreScenario(throughputDocument(events));
  if (!r.ok) throw new Error(`bench scenario refused: ${JSON.stringify(r.errors)}`);
  return r.value;
}

/** Fails loudly unless every group counted every event once: a fast wrong run proves nothing. */
function checkCounts(label: string, countsPerGroup: Iterable<number>[], events: number): void {
  for (const counts of countsPerGroup) {
    let total = 0;
    for (const n of counts) total += n;
    if (total !== events) throw new Error(`${label}: a group counted ${total} events, expected ${events}`);
  }
}

function engineCounts(engine: Engine): number[][] {
  return Array.from({ length: GROUPS }, (_, g) => Object.values((engine.view().nodes[`g${g}`] as ConsumerView).state.count ?? {}) as number[]);
}

// ---------------------------------------------------------------------------- baselines

// Both baselines draw the same key sequence as the engine (same PRNG, same seed, one draw
// per event) and look keys and partitions up in precomputed tables: they are upper limits,
// so they skip the string building and hashing the engine must do per event.
const keyTable = Array.from({ length: KEYS }, (_, k) => `k${k}`);
const partitionTable = keyTable.map((k) => partitionForKey(k, PARTITIONS));

interface Bookkeeping {
  logs: number[][];
  counts: Map<string, number>[];
  committed: Int32Array[];
}
const freshBooks = (): Bookkeeping => ({
  logs: Array.from({ length: PARTITIONS }, () => []),
  counts: Array.from({ length: GROUPS }, () => new Map()),
  committed: Array.from({ length: GROUPS }, () => new Int32Array(PARTITIONS)),
});

/** The limit loop: append to the partition log; per group, count the key and commit. */
function limitLoop(events: number): Bookkeeping {
  const books = freshBooks();
  const { logs, counts, committed } = books;
  const prng = new Prng(SEED);
  for (let i = 0; i < events; i++) {
    const k = prng.int(0, KEYS - 1);
    const key = keyTable[k];
    const p = partitionTable[k];
    const log = logs[p];
    const offset = log.length;
    log.push(i);
    for (let g = 0; g < GROUPS; g++) {
      const c = counts[g];
      c.set(key, (c.get(key) ?? 0) + 1);
      committed[g][p] = offset + 1;
    }
  }
  return books;
}

/** The same events dispatched through eventemitter3 to one listener per group. */
function eventemitter3Loop(events: number): Bookkeeping {
  const books = freshBooks();
  const { logs, counts, committed } = books;
  const bus = new EventEmitter();
  for (let g = 0; g < GROUPS; g++) {
    const c = counts[g];
    const com = committed[g];
    bus.on('Tick', (key: string, p: number, offset: number) => {
      c.set(key, (c.get(key) ?? 0) + 1);
      com[p] = offset + 1;
    });
  }
  const prng = new Prng(SEED);
  for (let i = 0; i < events; i++) {
    const k = prng.int(0, KEYS - 1);
    const p = partitionTable[k];
    const log = logs[p];
    const offset = log.length;
    log.push(i);
    bus.emit('Tick', keyTable[k], p, offset);
  }
  return books;
}

// ---------------------------------------------------------------------------- (a) throughput

function benchThroughput(): void {
  progress(`(a) throughput: ${EVENTS} events, ${PARTITIONS} partitions, ${GROUPS} groups, ${KEYS} keys`);
  checkCounts('limit loop', limitLoop(EVENTS).counts.map((m) => m.values()), EVENTS);
  checkCounts('eventemitter3', eventemitter3Loop(EVENTS).counts.map((m) => m.values()), EVENTS);

  const scenario = throughputScenario(EVENTS);
  const warm = throughputScenario(Math.max(1, Math.round(EVENTS / 10)));
  const steps: Record<string, number> = {};
  for (const trace of [false, true]) {
    // Warm the JIT on a tenth of the run, then check a full run counted everything.
    createEngine(warm, { trace }).runUntilIdle(Infinity);
    const check = createEngine(scenario, { trace });
    check.runUntilIdle(Infinity);
    checkCounts(`engine trace ${trace ? 'on' : 'off'}`, engineCounts(check), EVENTS);
    steps[String(trace)] = check.step;
  }
  limitLoop(EVENTS);
  eventemitter3Loop(EVENTS);

  // The machines are shared: their speed drifts by tens of percent within a minute. So the
  // baselines and the engine run in turn, round after round, and each ratio is taken within
  // its round (the same minute, the same neighbours); the reported ratio is the median of the
  // rounds' ratios. Timing all of one, then all of the other, let the ratio swing with the drift.
  // Within a round a baseline runs in blocks of BASELINE_RUNS around each engine run (before the
  // trace-off run, between, after the trace-on run), and an engine run is compared with the mean
  // of the blocks on either side of it: so the baseline is timed over about as long as the engine
  // (seconds, not the tenth of a second of one run) and at the same moments. One run of the
  // limit loop caught a quiet or a busy tenth of a second and moved the round's ratio by ±25%.
  const rows: { limit: number; ee3: number; off: number; on: number; offFaults: number; onFaults: number; limitOff: number; limitOn: number; ee3Off: number; ee3On: number }[] = [];
  const faultMicros = [pageFaultMicros(), pageFaultMicros(), pageFaultMicros()];
  const limitFaults: number[] = [];
  const block = () => {
    let limit = 0;
    let ee3 = 0;
    for (let i = 0; i < BASELINE_RUNS; i++) {
      const run = measured(() => limitLoop(EVENTS));
      limit += run.ms;
      limitFaults.push(run.faults);
      ee3 += timed(() => eventemitter3Loop(EVENTS));
    }
    return { limit: limit / BASELINE_RUNS, ee3: ee3 / BASELINE_RUNS };
  };
  for (let r = 0; r < ROUNDS; r++) {
    const before = block();
    const { ms: off, faults: offFaults } = measured(() => void createEngine(scenario, { trace: false }).runUntilIdle(Infinity));
    const between = block();
    const { ms: on, faults: onFaults } = measured(() => void createEngine(scenario, { trace: true }).runUntilIdle(Infinity));
    const after = block();
    const row = {
      limit: (before.limit + between.limit + after.limit) / 3,
      ee3: (before.ee3 + between.ee3 + after.ee3) / 3,
      off,
      on,
      offFaults,
      onFaults,
      limitOff: (before.limit + between.limit) / 2,
      limitOn: (between.limit + after.limit) / 2,
      ee3Off: (before.ee3 + between.ee3) / 2,
      ee3On: (between.ee3 + after.ee3) / 2,
    };
    rows.push(row);
    progress(
      `round ${r + 1}: limit loop ${before.limit.toFixed(1)} / ${between.limit.toFixed(1)} / ${after.limit.toFixed(1)} ms (means of ${BASELINE_RUNS} runs), eventemitter3 ${row.ee3.toFixed(1)} ms, engine trace off ${off.toFixed(1)} ms (${offFaults} page faults), on ${on.toFixed(1)} ms (${onFaults})`,
    );
  }
  faultMicros.push(pageFaultMicros(), pageFaultMicros(), pageFaultMicros());
  const faultUs = median(faultMicros);
  progress(`a page fault costs ${faultUs.toFixed(1)} µs here (${faultMicros.map((x) => x.toFixed(1)).join(', ')})`);
  const limitMs = median(rows.map((x) => x.limit));
  const ee3Ms = median(rows.map((x) => x.ee3));
  for (const trace of [false, true]) {
    const label = trace ? 'traceOn' : 'traceOff';
    const engineMs = (x: (typeof rows)[number]) => (trace ? x.on : x.off);
    const engineFaults = (x: (typeof rows)[number]) => (trace ? x.onFaults : x.offFaults);
    const ms = median(rows.map(engineMs));
    const ratio = median(rows.map((x) => (trace ? x.limitOn : x.limitOff) / engineMs(x)));
    const rate = (EVENTS / ms) * 1000;
    const target = trace ? 0.05 : 0.1;
    emit({
      metric: `throughput.${label}`,
      unit: 'events/s',
      eventsPerSec: round(rate),
      stepsPerSec: round((steps[String(trace)] / ms) * 1000),
      limitLoopEventsPerSec: round((EVENTS / limitMs) * 1000),
      eventemitter3EventsPerSec: round((EVENTS / ee3Ms) * 1000),
      ratioToLimit: round(ratio, 4),
      ratioToLimitPerRound: rows.map((x) => round((trace ? x.limitOn : x.limitOff) / engineMs(x), 4)),
      ratioToEventemitter3: round(median(rows.map((x) => (trace ? x.ee3On : x.ee3Off) / engineMs(x))), 4),
      // The machine's part: first touches of fresh memory (see pageFaultMicros).
      pageFaultsPerRun: median(rows.map(engineFaults)),
      limitLoopPageFaultsPerRun: median(limitFaults),
      pageFaultMicros: round(faultUs, 1),
      pageFaultShare: round(median(rows.map((x) => (engineFaults(x) * faultUs) / 1000 / engineMs(x))), 3),
      target: `>= ${target.toFixed(2)}`,
      met: ratio >= target,
      events: EVENTS,
      steps: steps[String(trace)],
      medianMs: round(ms, 1),
    });
  }
}

// ---------------------------------------------------------------------------- (b) seek

function benchSeek(): void {
  progress(`(b) seek: a ${SEEK_STEPS}-step run with the trace on`);
  // Enough events that the run is still busy at SEEK_STEPS (about 10 steps per event).
  const scenario = throughputScenario(Math.ceil(SEEK_STEPS / 5));
  const run = (): Engine => {
    const e = createEngine(scenario, { trace: true });
    if (e.stepForward(SEEK_STEPS) !== SEEK_STEPS) throw new Error('the seek run went idle early');
    return e;
  };
  run();
  const fullMs = medianMs('full run', () => void run(), REPEATS, 0);

  const engine = run();
  const end = engine.step;
  const middle = end >> 1;
  const toMiddle: number[] = [];
  const toEnd: number[] = [];
  // Alternate: each seek to the middle starts from the end and each seek to the end from
  // the middle. The first pair warms up.
  for (let i = 0; i < 1 + 2 * REPEATS + 1; i++) {
    const a = timed(() => engine.seek(middle));
    if (engine.step !== middle) throw new Error(`seek(${middle}) landed on ${engine.step}`);
    const b = timed(() => engine.seek(end));
    if (engine.step !== end) throw new Error(`seek(${end}) landed on ${engine.step}`);
    if (i > 0) {
      toMiddle.push(a);
      toEnd.push(b);
    }
  }
  // Seek cost depends on the distance to the checkpoint before the target: sample targets
  // spread over the run and report the worst as well.
  const spread: number[] = [];
  for (let k = 1; k <= 16; k++) {
    const target = Math.round((end * k) / 17) + 97 * k;
    spread.push(timed(() => engine.seek(target)));
    engine.seek(end);
  }
  const mid = median(toMiddle);
  const back = median(toEnd);
  progress(`seek(middle): ${toMiddle.map((x) => x.toFixed(2)).join(', ')} ms; seek(end): ${toEnd.map((x) => x.toFixed(2)).join(', ')} ms; 16 targets: max ${Math.max(...spread).toFixed(2)} ms`);
  emit({
    metric: 'seek.middle',
    unit: 'ms',
    seekMs: round(mid, 3),
    fullRunMs: round(fullMs, 1),
    ratioToFullRun: round(mid / fullMs, 5),
    worstOf16TargetsMs: round(Math.max(...spread), 3),
    worstRatioToFullRun: round(Math.max(...spread) / fullMs, 5),
    target: '<= 0.02',
    met: mid / fullMs <= 0.02,
    steps: end,
  });
  emit({
    metric: 'seek.end',
    unit: 'ms',
    seekMs: round(back, 3),
    fullRunMs: round(fullMs, 1),
    ratioToFullRun: round(back / fullMs, 5),
    target: '<= 0.02',
    met: back / fullMs <= 0.02,
    steps: end,
  });
}

// ---------------------------------------------------------------------------- (c) memory

function benchMemory(): void {
  progress(`(c) memory: heap + ArrayBuffers before and after a ${MEM_STEPS}-step run`);
  const scenario = throughputScenario(Math.ceil(MEM_STEPS / 5));
  const measure = (trace: boolean) => {
    gc();
    gc();
    const before = heapBytes();
    const engine = createEngine(scenario, { trace });
    const steps = engine.stepForward(MEM_STEPS);
    gc();
    gc();
    const after = heapBytes();
    const recording = engine.recordingBytes();
    if (engine.step !== steps) throw new Error('unreachable');
    return { perStep: (after - before) / steps, recordingPerStep: recording / steps, steps };
  };
  measure(true); // warm-up: compiled code and lazily created runtime state are not the run's
  const on = median([measure(true), measure(true), measure(true)].map((m) => m.perStep));
  const { recordingPerStep, steps } = measure(true);
  const off = median([measure(false), measure(false), measure(false)].map((m) => m.perStep));
  progress(`trace on ${on.toFixed(1)} B/step (recordings ${recordingPerStep.toFixed(1)}), trace off ${off.toFixed(1)} B/step`);
  emit({
    metric: 'memory.perStep',
    unit: 'bytes/step',
    bytesPerStep: round(on, 1),
    recordingBytesPerStep: round(recordingPerStep, 1),
    traceOffBytesPerStep: round(off, 1),
    target: '<= 200',
    met: on <= 200,
    steps,
  });
}

// ---------------------------------------------------------------------------- (d) faults

function faultScenario(events: number): Scenario {
  const r = restoreScenario(faultDocument(events));
  if (!r.ok) throw new Error(`fault bench scenario refused: ${JSON.stringify(r.errors)}`);
  return r.value;
}

function benchFaults(): void {
  progress(`(d) faults: ${FAULT_EVENTS} events with poison, retries, DLQ, idempotency, nemeses, crashes, outages and partitions`);
  const clean = throughputScenario(FAULT_EVENTS);
  const faulty = faultScenario(FAULT_EVENTS);
  // A fast wrong run proves nothing: the faults must really have happened and been absorbed.
  const check = createEngine(faulty, { trace: false });
  check.runUntilIdle(Infinity);
  if (!check.idle) throw new Error('the fault run did not go idle');
  const g0 = check.view().nodes.g0 as ConsumerView;
  const g1 = check.view().nodes.g1 as ConsumerView;
  if (g0.metrics.deadLettered === 0 || g0.metrics.retried === 0) throw new Error('no poison reached the dead-letter topic');
  if (g0.metrics.duplicatesSkipped + g1.metrics.duplicatesSkipped === 0) throw new Error('no duplicate was absorbed');
  if (g0.metrics.processed + g0.metrics.deadLettered < FAULT_EVENTS) throw new Error(`g0 accounted for ${g0.metrics.processed + g0.metrics.deadLettered} of ${FAULT_EVENTS} events`);
  const faultSteps = check.step;
  const probe = createEngine(clean, { trace: false });
  probe.runUntilIdle(Infinity);
  const cleanSteps = probe.step;

  const run = (s: Scenario) => () => void createEngine(s, { trace: false }).runUntilIdle(Infinity);
  // As in (a): the clean and the fault run take turns, and the ratio is the median of the
  // rounds' ratios, each taken within its round, so the machine's drift is not in it.
  run(clean)();
  run(faulty)();
  const rounds: { clean: number; faults: number }[] = [];
  for (let r = 0; r < FAULT_ROUNDS; r++) {
    let cleanSum = 0;
    for (let i = 0; i < CLEAN_RUNS; i++) cleanSum += timed(run(clean));
    const row = { clean: cleanSum / CLEAN_RUNS, faults: timed(run(faulty)) };
    rounds.push(row);
    progress(`round ${r + 1}: clean ${row.clean.toFixed(1)} ms (mean of ${CLEAN_RUNS} runs), faults ${row.faults.toFixed(1)} ms`);
  }
  const cleanMs = median(rounds.map((x) => x.clean));
  const faultMs = median(rounds.map((x) => x.faults));
  const ratio = median(rounds.map((x) => x.clean / x.faults));
  const rate = (FAULT_EVENTS / faultMs) * 1000;
  const cleanRate = (FAULT_EVENTS / cleanMs) * 1000;
  emit({
    metric: 'throughput.faults',
    unit: 'events/s',
    eventsPerSec: round(rate),
    stepsPerSec: round((faultSteps / faultMs) * 1000),
    cleanEventsPerSec: round(cleanRate),
    cleanStepsPerSec: round((cleanSteps / cleanMs) * 1000),
    ratioToClean: round(ratio, 4),
    ratioToCleanPerRound: rounds.map((x) => round(x.clean / x.faults, 4)),
    stepsPerEvent: round(faultSteps / FAULT_EVENTS, 2),
    cleanStepsPerEvent: round(cleanSteps / FAULT_EVENTS, 2),
    deadLettered: g0.metrics.deadLettered,
    duplicatesSkipped: g0.metrics.duplicatesSkipped + g1.metrics.duplicatesSkipped,
    target: '>= 0.35',
    met: ratio >= 0.35,
    events: FAULT_EVENTS,
    medianMs: round(faultMs, 1),
  });
}

// ---------------------------------------------------------------------------- main

// ---------------------------------------------------------------------------- (e) explore

/**
 * (e) explore.schedules — the chaos explorer ([Z1]–[Z5]) on a 10-node design that holds:
 * EXPLORE_SCHEDULES schedules of every kind of fault, each a full headless run, against the
 * issue's budget of 1,000 schedules in 30 s on these machines. The design survives (it has
 * idempotent consumers), so every schedule is run; the line fails loudly if one breaks it.
 */
function benchExplore(): void {
  const schedules = Math.max(10, Math.round(1000 * scale));
  const rule = (effect: string) => [{ on: 'OrderPlaced', do: [{ do: 'set', table: 'seen', key: { event: 'data.orderId' }, value: true }, { do: 'effect', name: effect, key: { event: 'data.orderId' } }] }];
  const r = restoreScenario({
    format: 'eventfold/scenario',
    version: 1,
    name: 'bench: 10 nodes, idempotent consumers',
    seed: SEED,
    nodes: [
      { id: 'checkout', kind: 'producer', config: { templates: [{ type: 'OrderPlaced', key: 'ORD-{n}', data: { orderId: 'ORD-{n}', total: 10 } }] } },
      { id: 'orders', kind: 'topic', config: { partitions: 3 } },
      ...['payment', 'inventory', 'email'].map((id) => ({ id, kind: 'consumer', config: { idempotency: 'processed-ids', rules: rule(`${id} done`) } })),
      { id: 'fulfil-1', kind: 'consumer', config: { group: 'fulfilment', idempotency: 'processed-ids', rules: rule('shipped') } },
      { id: 'fulfil-2', kind: 'consumer', config: { group: 'fulfilment', idempotency: 'processed-ids', rules: rule('shipped') } },
      { id: 'orders-view', kind: 'projection', config: { rules: [{ on: 'OrderPlaced', do: [{ do: 'set', table: 'orders', key: { event: 'data.orderId' }, value: { event: 'data.total' } }] }] } },
      { id: 'audit', kind: 'topic' },
      { id: 'audit-log', kind: 'consumer', config: { idempotency: 'processed-ids', rules: [{ on: '*', do: [{ do: 'effect', name: 'audited', key: { event: 'id' } }] }] } },
    ],
    edges: [
      { source: 'checkout', target: 'orders' },
      ...['payment', 'inventory', 'email', 'fulfil-1', 'fulfil-2', 'orders-view'].map((t) => ({ source: 'orders', target: t })),
      { source: 'payment', target: 'audit' },
      { source: 'audit', target: 'audit-log' },
    ],
    // No loss anywhere and payment's state equal to folding each event once. (Not "at most
    // once" for the effects: a crash after the effects and before the save repeats them even
    // with a processed-id table, and the explorer finds that at once.)
    invariants: [...['payment', 'inventory', 'email', 'fulfil-1', 'audit-log'].map((node) => ({ kind: 'no-loss', node })), { kind: 'fold', node: 'payment' }],
  });
  if (!r.ok) throw new Error(`explore scenario refused: ${JSON.stringify(r.errors)}`);
  const inputs = Array.from({ length: 5 }, (_, k) => ({ kind: 'fire', node: 'checkout', atStep: 0, time: k * 20 }) as Input);
  progress(`(e) explore: ${schedules} schedules on ${r.value.nodes.length} nodes`);
  let tried = 0;
  const ms = medianMs(
    'explorer',
    () => {
      const p = new Explorer(r.value, SEED, inputs, { seed: 1 }).explore(schedules);
      if (p.problem || p.finding) throw new Error(`explore: the design should survive: ${p.problem ?? p.finding!.invariant}`);
      tried = p.tried;
    },
    1,
    0,
  );
  const budgetMs = (30_000 * schedules) / 1000;
  emit({ metric: 'explore.schedules', unit: 'ms', schedules: tried, nodes: r.value.nodes.length, ms: round(ms, 1), schedulesPerSec: round((tried / ms) * 1000), budgetMs, ratioToBudget: round(ms / budgetMs, 3), target: '<= 1.0', met: ms <= budgetMs });
}

/** Runs one section in a child process; passes its metric lines through, or reports why not. */
function runSection(name: Section): Promise<void> {
  const { metrics, targets, limitSec } = SECTIONS[name];
  const limit = Math.round(limitSec * Math.max(scale, 0.2));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--section', name, '--scale', String(scale)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const seen = new Set<string>();
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.trim()) continue;
        try {
          seen.add((JSON.parse(line) as { metric: string }).metric);
        } catch {
          progress(`(${name} printed a non-JSON line: ${line})`);
          continue;
        }
        process.stdout.write(`${line}\n`);
      }
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limit * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const why = timedOut
        ? `did not finish within ${limit} s`
        : signal === 'SIGABRT'
          ? 'the benchmark process aborted (SIGABRT), most likely out of memory: see stderr'
          : `the benchmark process ${signal ? `was killed (${signal})` : `exited with code ${code}`}: see stderr`;
      metrics.forEach((metric, i) => {
        if (!seen.has(metric)) emit({ metric, error: why, target: targets[i], met: false });
      });
      resolve();
    });
  });
}

if (section) {
  if (section === 'throughput') benchThroughput();
  else if (section === 'seek') benchSeek();
  else if (section === 'faults') benchFaults();
  else if (section === 'explore') benchExplore();
  else benchMemory();
} else {
  const started = performance.now();
  progress(`node ${process.version}, scale ${scale}; each section in its own process`);
  void (async () => {
    for (const name of Object.keys(SECTIONS) as Section[]) await runSection(name);
    progress(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  })();
}
