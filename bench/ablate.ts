// `npm run bench:ablate -- <ablation>...`: where does the fault run's time go?
//
// Each ablation is the faults section's scenario (bench/scenarios.ts, faultDocument) with one
// feature taken out. Each runs in a process of its own with the full scenario, the two timed
// in turn, round after round (the machine's drift moves both alike); the answer is its median
// time as a ratio to the full run's, with its step count. One process per ablation: every
// scenario a process runs makes the engine's compiled code more general, so one ablation must
// not change what another is compared with. The ratios move by several percent with the
// build and the machine's minute (the schedule's read 0.86 here and 0.95-0.97 from an
// esbuild bundle of the same engine): trust what is large and repeats, then measure the
// change that follows with `npm run bench:ab`. A ratio well below 1
// with the same steps says that feature's work is worth making cheaper; with fewer steps, part
// of the difference is work the scenario no longer asks for. This is how issue #11 found the
// processed-ids table (0.766 without it) and the per-event data objects.
//
//   npm run bench:ablate -- idempotency schedule        # two ablations against the full run
//   npm run bench:ablate -- --list                      # what each one takes out
//   npm run bench:ablate -- failWhen --events 50000 --rounds 15
//
// stdout: one JSON line per ablation; progress on stderr.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEngine, restoreScenario } from '../src/engine/index.ts';
import { faultDocument } from './scenarios.ts';

type Doc = ReturnType<typeof faultDocument>;
type Node = { id: string; config: Record<string, unknown> };
const node = (d: Doc, id: string) => d.nodes.find((n) => n.id === id) as Node;

const ABLATIONS: Record<string, { takesOut: string; apply: (d: Doc) => void }> = {
  idempotency: { takesOut: "g0's processed ids and g1's versions (idempotency none)", apply: (d) => ['g0', 'g1'].forEach((g) => (node(d, g).config.idempotency = 'none')) },
  schedule: { takesOut: 'the scheduled crashes, outages and partitions', apply: (d) => (d.schedule = []) },
  failWhen: { takesOut: "g0's poison condition (no retries, no dead letters: fewer steps)", apply: (d) => delete node(d, 'g0').config.failWhen },
  data: { takesOut: "the events' data (each event carries none; g0's poison condition never holds: fewer steps)", apply: (d) => ((node(d, 'producer').config.templates as { data?: unknown }[])[0].data = undefined) },
  duplicates: { takesOut: 'the duplicated deliveries', apply: (d) => d.edges.forEach((e) => delete (e as { duplicateChance?: number }).duplicateChance) },
  ackLoss: { takesOut: "the producer's lost acks", apply: (d) => d.edges.forEach((e) => delete (e as { ackLossChance?: number }).ackLossChance) },
  jitter: { takesOut: "g1's jittered connection", apply: (d) => d.edges.forEach((e) => delete (e as { jitterMs?: number }).jitterMs) },
  commitBefore: { takesOut: "g2's commit before handling", apply: (d) => delete node(d, 'g2').config.commit },
};

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i < 0 ? fallback : Number(args[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} takes a whole number above 0 (got ${args[i + 1]})`);
  return v;
};
const fail = (why: string): never => {
  process.stderr.write(`bench:ablate: ${why}\n`);
  process.exit(2);
};
const names = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.match(/^--(events|rounds)$/));
if (args.includes('--list') || names.length === 0) {
  process.stderr.write('usage: npm run bench:ablate -- <ablation>... [--events 100000] [--rounds 9]\n');
  for (const [name, a] of Object.entries(ABLATIONS)) process.stderr.write(`  ${name.padEnd(13)} takes out ${a.takesOut}\n`);
  process.exit(args.includes('--list') ? 0 : 2);
}
const unknown = names.filter((n) => !(n in ABLATIONS));
if (unknown.length) fail(`no ablation named ${unknown.join(', ')} (--list names them)`);
const EVENTS = option('events', 100_000);
const ROUNDS = option('rounds', 9);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) fail('run with node --expose-gc (npm run bench:ablate does)');

if (!args.includes('--child')) {
  // The parent: one child process per ablation, each printing its one line.
  for (const name of names) {
    const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name, '--events', String(EVENTS), '--rounds', String(ROUNDS), '--child'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    process.stdout.write(out);
  }
  process.exit(0);
}

const variants = ['full', names[0]].map((name) => {
  const doc = faultDocument(EVENTS);
  if (name !== 'full') {
    ABLATIONS[name].apply(doc);
    if (JSON.stringify(doc) === JSON.stringify(faultDocument(EVENTS))) fail(`the ${name} ablation took nothing out of faultDocument: has the scenario changed?`);
  }
  const r = restoreScenario(doc);
  if (!r.ok) throw new Error(`the ${name} ablation made a scenario the engine refuses: ${JSON.stringify(r.errors)}`);
  const run = () => createEngine(r.value, { trace: false }).runUntilIdle(Infinity);
  const probe = createEngine(r.value, { trace: false });
  probe.runUntilIdle(Infinity);
  run(); // warm
  return { name, run, steps: probe.step, ms: [] as number[] };
});
for (let round = 0; round < ROUNDS; round++) {
  for (const v of variants) {
    gc!();
    const t = performance.now();
    v.run();
    v.ms.push(performance.now() - t);
  }
  process.stderr.write(`[ablate ${names[0]}] round ${round + 1}: ${variants.map((v) => `${v.name} ${v.ms[round].toFixed(0)} ms`).join(', ')}\n`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const full = median(variants[0].ms);
for (const v of variants.slice(1)) {
  const ms = median(v.ms);
  console.log(JSON.stringify({ ablation: v.name, takesOut: ABLATIONS[v.name].takesOut, ratioToFull: Math.round((ms / full) * 1000) / 1000, medianMs: Math.round(ms), fullMs: Math.round(full), steps: v.steps, fullSteps: variants[0].steps, events: EVENTS, rounds: ROUNDS }));
}
