// The headless runner behind `npm run sim`: parses the arguments, reads one scenario or
// session file through the one door (restoreSessionOrScenario), runs the engine and renders
// the trace and the final state as text or JSON. It touches no process state (no exit, no
// console, no fs): the caller injects `readFile` and writes out the result, so tests call
// it directly and src/cli/sim.ts stays a few lines.
import { createEngine, describeErrors, restoreSessionOrScenario, type ConsumerView, type Engine, type FieldError, type NodeView, type TraceStep } from '../engine/index.ts';
import type { Json } from '../engine/json.ts';
import '../engine/kinds/all.ts'; // every optional engine module (kinds/index.ts OPTIONAL)

export const USAGE = 'usage: npm run sim -- <scenario-or-session.json> [--seed N] [--steps N | --until T] [--max-steps N] [--json]';

/** Steps a run "until idle" or "until T" may take before it stops and says so. */
export const DEFAULT_MAX_STEPS = 100_000;

export interface SimResult {
  /** 0 ok, 1 bad input file, 2 bad command line. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface SimArgs {
  file: string;
  seed?: number;
  steps?: number;
  until?: number;
  maxSteps: number;
  json: boolean;
}

/** Reads a file as UTF-8 text; throws like fs.readFileSync (with `code`) when it cannot. */
export type ReadFile = (path: string) => string;

const HELP = `${USAGE}

Runs an Eventfold scenario or session headlessly and prints its trace (seq, time, kind,
what happened) and the final state of every node.

  --seed N       PRNG seed (0 to 4294967295); default: the session's or scenario's seed
  --steps N      apply exactly N steps (fewer if the world goes idle first)
  --until T      apply every step due at logical time <= T ms
  --max-steps N  stop a run until idle / until T after N steps (default ${DEFAULT_MAX_STEPS})
  --json         print one JSON object {trace, nodes, step, time} instead of text
`;

// ---------------------------------------------------------------------------- arguments

type Parsed = { ok: true; args: SimArgs } | { ok: false; help: true } | { ok: false; help?: false; problem: string };

export function parseArgs(argv: readonly string[]): Parsed {
  const files: string[] = [];
  const out: Partial<SimArgs> & { json: boolean } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { ok: false, help: true };
    if (arg === '--json') {
      out.json = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      files.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!['--seed', '--steps', '--until', '--max-steps'].includes(name)) return problem(`unknown option ${name}`);
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined || raw === '') return problem(`${name} needs a value`);
    const n = Number(raw);
    switch (name) {
      case '--seed':
        if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) return problem(`--seed must be a whole number from 0 to 4294967295, not "${raw}"`);
        out.seed = n;
        break;
      case '--steps':
        if (!Number.isInteger(n) || n < 0) return problem(`--steps must be a whole number of steps (0 or more), not "${raw}"`);
        out.steps = n;
        break;
      case '--until':
        if (!Number.isFinite(n) || n < 0) return problem(`--until must be a logical time in ms (0 or more), not "${raw}"`);
        out.until = n;
        break;
      case '--max-steps':
        if (!Number.isInteger(n) || n < 1) return problem(`--max-steps must be a whole number from 1 up, not "${raw}"`);
        out.maxSteps = n;
        break;
    }
  }
  if (files.length === 0) return problem('no scenario or session file given');
  if (files.length > 1) return problem(`one file at a time (got ${files.map((f) => `"${f}"`).join(', ')})`);
  if (out.steps !== undefined && out.until !== undefined) return problem('--steps and --until cannot be used together');
  return { ok: true, args: { file: files[0], seed: out.seed, steps: out.steps, until: out.until, maxSteps: out.maxSteps ?? DEFAULT_MAX_STEPS, json: out.json } };
}

function problem(text: string): Parsed {
  return { ok: false, problem: text };
}

// ---------------------------------------------------------------------------- the run

/** Runs `npm run sim -- …` with `argv` (the arguments after the script name). */
export function runSim(argv: readonly string[], readFile: ReadFile): SimResult {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) return { code: 0, stdout: HELP, stderr: '' };
    return { code: 2, stdout: '', stderr: `sim: ${parsed.problem}\n${USAGE}\n` };
  }
  const args = parsed.args;

  let text: string;
  try {
    text = readFile(args.file);
  } catch (e) {
    return fileError(`cannot read ${args.file}: ${readProblem(e)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return fileError(`${args.file} is not valid JSON:\n${indent(describeErrors([{ path: '(file)', message: (e as Error).message }]))}`);
  }
  const restored = restoreSessionOrScenario(data);
  if (!restored.ok) return fileError(`${args.file} is not a valid Eventfold scenario or session:\n${indent(describeErrors(restored.errors as FieldError[]))}`);
  const session = restored.value;

  const engine = createEngine(session.scenario, { seed: args.seed ?? session.seed, inputs: session.inputs, trace: true });
  const notes: string[] = [];
  let done: number;
  if (args.steps !== undefined) {
    done = engine.stepForward(args.steps);
    if (done < args.steps) notes.push(`asked for ${args.steps} steps; the world went idle after ${done}`);
  } else if (args.until !== undefined) {
    done = engine.runUntil(args.until, args.maxSteps);
    const next = engine.nextTime();
    if (done === args.maxSteps && next !== null && next <= args.until) {
      notes.push(`stopped after ${done} steps (the --max-steps cap) at ${ms(engine.time)}, before reaching ${ms(args.until)}; raise --max-steps to go further`);
    }
  } else {
    done = engine.runUntilIdle(args.maxSteps);
    if (!engine.idle) notes.push(`stopped after ${done} steps (the --max-steps cap) before the world went idle; raise --max-steps or use --steps / --until`);
  }
  const stderr = notes.map((n) => `sim: ${n}\n`).join('');
  const trace = engine.steps(0, engine.step);

  if (args.json) {
    const out = { trace, nodes: engine.view().nodes, step: engine.step, time: engine.time };
    return { code: 0, stdout: `${JSON.stringify(out)}\n`, stderr };
  }
  const lines = [...header(engine, session.inputs.length, args), ...traceLines(trace), '', ...stateLines(engine)];
  return { code: 0, stdout: `${lines.join('\n')}\n`, stderr };
}

function fileError(message: string): SimResult {
  return { code: 1, stdout: '', stderr: `sim: ${message}\n` };
}

function readProblem(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------- text output

function header(engine: Engine, inputs: number, args: SimArgs): string[] {
  const how = args.steps !== undefined ? `${args.steps} steps` : args.until !== undefined ? `until ${ms(args.until)}` : 'until idle';
  return [
    `# ${engine.scenario.name} — seed ${engine.seed}, ${inputs} recorded input${inputs === 1 ? '' : 's'}, run ${how}`,
    `# trace: ${engine.step} step${engine.step === 1 ? '' : 's'}`,
  ];
}

function traceLines(trace: readonly TraceStep[]): string[] {
  const seqW = Math.max(3, String(trace.length - 1).length);
  const timeW = Math.max(4, ...trace.map((s) => ms(s.time).length));
  const kindW = Math.max(...trace.map((s) => s.kind.length), 4);
  return trace.map((s) => `${String(s.seq).padStart(seqW)}  ${ms(s.time).padStart(timeW)}  ${s.kind.padEnd(kindW)}  ${s.text}`);
}

function stateLines(engine: Engine): string[] {
  const view = engine.view();
  const lines = [`# final state at step ${view.step}, time ${ms(view.time)}${view.idle ? ' (idle)' : `; next: ${view.next}`}`];
  const into = (id: string) => engine.scenario.edges.filter((e) => e.target === id).map((e) => e.source);
  // A group's store belongs to the group, not the member ([G6]): print it once per group.
  const storeShownUnder = new Map<string, string>();
  for (const node of engine.scenario.nodes) {
    const v: NodeView | undefined = view.nodes[node.id];
    if (!v) continue;
    switch (v.kind) {
      case 'topic':
        lines.push(`topic ${node.id} (${v.partitions.length} partition${v.partitions.length === 1 ? '' : 's'})`);
        v.partitions.forEach((p, i) => lines.push(`  p${i}  end offset ${p.end}`));
        break;
      case 'producer':
        lines.push(`producer ${node.id}: fired ${v.fired}${v.remaining > 0 ? `, ${v.remaining} more to produce at its rate` : ''}`);
        break;
      case 'consumer':
        lines.push(...consumerLines(node.id, v, into(node.id), view.nodes, storeShownUnder.get(v.group)));
        if (!storeShownUnder.has(v.group)) storeShownUnder.set(v.group, node.id);
        break;
      case 'queue':
        lines.push(`queue ${node.id}: ${v.ready} ready, ${v.inFlight} in flight, ${v.acked} acked, ${v.dead} dead-lettered${v.expired ? `, ${v.expired} expired` : ''}`);
        break;
      case 'exchange':
        lines.push(`exchange ${node.id} (${v.type}): ${v.arrived} arrived, ${v.routed} routed, ${v.dropped} dropped, ${v.returned} returned${v.toAlternate ? `, ${v.toAlternate} to ${v.alternate}` : ''}`);
        for (const b of v.bindings) lines.push(`  → ${b.to}  ${v.type === 'headers' ? `${json(b.headers as Json)} x-match ${b.xMatch}` : v.type === 'fanout' ? '(every message)' : `key ${b.key === '' ? '(empty)' : b.key}`}  matched ${b.matched}`);
        break;
      case 'projection':
        lines.push(`projection ${node.id} (${v.alive ? 'alive' : 'down'}, ${v.behind} event${v.behind === 1 ? '' : 's'} behind)`);
        lines.push(...tableLines(v.tables, 'tables: empty'));
        break;
      case 'aggregate':
        lines.push(`aggregate ${node.id}: ${v.streams.length} stream${v.streams.length === 1 ? '' : 's'}`);
        for (const st of v.streams) lines.push(`  ${st.id}  version ${st.version}  ${json(st.state)}`);
        break;
      case 'saga':
        lines.push(`saga ${node.id}: ${v.instances.length} instance${v.instances.length === 1 ? '' : 's'}`);
        for (const inst of v.instances) lines.push(`  ${inst.id}  ${inst.state}${inst.done.length ? `  done: ${inst.done.join(', ')}` : ''}`);
        break;
      default: {
        // A node kind newer than this printer: show its view as it is rather than nothing.
        const other = v as { kind: string };
        lines.push(`${other.kind} ${node.id}: ${json(other as unknown as Json)}`);
      }
    }
  }
  return lines;
}

function tableLines(tables: Record<string, Record<string, Json>>, empty: string): string[] {
  const entries = Object.entries(tables);
  if (entries.length === 0) return [`  ${empty}`];
  const lines: string[] = [];
  for (const [table, rows] of entries) {
    lines.push(`  table ${table}`);
    for (const [key, value] of Object.entries(rows)) lines.push(`    ${key} = ${json(value)}`);
  }
  return lines;
}

function consumerLines(id: string, v: ConsumerView, topics: string[], nodes: Record<string, NodeView>, sharedWith: string | undefined): string[] {
  const lines = [`consumer ${id} (group ${v.group}, ${v.alive ? 'alive' : 'down'}, commit ${v.commit}, handled ${v.handled}${v.inFlight ? `, working on ${v.inFlight}` : ''})`];
  for (const t of topics) {
    const tv = nodes[t];
    if (tv?.kind !== 'topic') continue;
    tv.partitions.forEach((p, i) => {
      const g = p.groups.find((x) => x.group === v.group);
      if (g) lines.push(`  ${t} p${i}  committed ${g.committed}  lag ${g.lag}  owner ${g.owner ?? '(none)'}`);
    });
  }
  for (const q of v.queues ?? []) lines.push(`  competes on queue ${q}${v.prefetched?.length ? ` (prefetched ${v.prefetched.join(', ')})` : ''}`);
  if (sharedWith !== undefined) {
    lines.push(`  store and side effects: group ${v.group}'s, shown under ${sharedWith}`);
    return lines;
  }
  lines.push(...tableLines(v.state, 'store: empty'));
  const effects = Object.entries(v.effects);
  if (effects.length === 0) lines.push('  side effects: none');
  for (const [name, counts] of effects) {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    lines.push(`  effect "${name}": ${total} in all`);
    for (const [key, n] of Object.entries(counts)) lines.push(`    ${key} × ${n}`);
  }
  return lines;
}

function json(x: Json): string {
  return JSON.stringify(x);
}

function ms(t: number): string {
  return `${Math.round(t * 1000) / 1000} ms`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
