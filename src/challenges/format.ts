// Graded challenges as data (challenges/<id>/): reads every folder through valibot schemas
// and restoreScenario, and checks that challenges/index.json lists every folder exactly
// once. Pure: it takes a map of path → text, so Vite (import.meta.glob), vitest and Node
// scripts can all feed it. Nothing in a challenge is ever run as code; its README is
// Markdown, rendered sanitized (src/ui/lessons/markdown.ts), and may hold no raw HTML.
import * as v from 'valibot';
import { FAULT_KINDS } from '../engine/explore-kinds.ts';
import { restoreScenario, type Scenario } from '../engine/scenario.ts';
import { describeLessonErrors, fromFieldErrors, issuesOf, type LessonError } from '../lessons/schema.ts';
import type { Budget, GradeSpec } from './grade.ts';

export type ChallengeError = LessonError;
export const describeChallengeErrors = describeLessonErrors;

const ID = v.pipe(v.string(), v.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens, such as one-email-per-order'), v.maxLength(64));
const Text = (max: number) => v.pipe(v.string('must be text'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(max, `must be at most ${max} characters`));
const Whole = (min: number, max: number) => v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));

export const IndexSchema = v.strictObject({
  format: v.literal('eventfold/challenges', 'must be "eventfold/challenges"'),
  version: v.literal(1, 'must be 1'),
  challenges: v.pipe(v.array(ID, 'must be a list of challenge ids'), v.minLength(1, 'list at least one challenge')),
});

const FaultKind = v.picklist(FAULT_KINDS, `must be one of ${FAULT_KINDS.join(', ')}`);

export const ChallengeSchema = v.strictObject({
  format: v.literal('eventfold/challenge', 'must be "eventfold/challenge"'),
  version: v.literal(1, 'must be 1'),
  id: ID,
  title: Text(80),
  /** The pattern it practises, such as "Idempotent consumer". */
  pattern: Text(60),
  /** The goal in one sentence: what must hold, under which faults. */
  goal: Text(200),
  /** Bumped when the goal, the start or the faults change: a pass on an older one says so. */
  revision: v.optional(Whole(1, 1000), 1),
  faults: v.strictObject({
    kinds: v.pipe(
      v.array(FaultKind, 'must be a list of fault kinds'),
      v.minLength(1, 'name at least one kind of fault'),
      v.check((ks) => new Set(ks).size === ks.length, 'names a kind of fault twice'),
    ),
    /** How many schedules a design must survive (each run in the learner's browser). */
    schedules: Whole(1, 2000),
    /** The explorer's seed, and the seed of every run: the same design always grades the same. */
    seed: Whole(0, 2 ** 31 - 1),
    maxFaults: v.optional(Whole(1, 10), 3),
  }),
});

export interface Challenge {
  id: string;
  title: string;
  pattern: string;
  goal: string;
  revision: number;
  /** 1-based position in challenges/index.json, for display only: progress is keyed by id. */
  number: number;
  /** The text, Markdown (render it sanitized). */
  body: string;
  /** The broken starting design: its invariants are the goal, its schedule the workload. */
  start: Scenario;
  /** A known passing design, checked in CI. */
  solution: Scenario;
  budget: Budget;
}

export type ChallengesResult = { ok: true; challenges: Challenge[] } | { ok: false; errors: ChallengeError[] };

const FILES = ['challenge.json', 'README.md', 'start.json', 'solution.json'] as const;
/** Raw HTML in the text: refused (the renderer escapes it too). */
const RAW_HTML = /<\/?[a-zA-Z!][^>]*>/;

/** `/challenges/x/challenge.json` or `../../challenges/…` → `challenges/x/challenge.json`. */
function normalise(p: string): string {
  const i = p.lastIndexOf('challenges/');
  return i < 0 ? p : p.slice(i);
}

/** What grading a challenge needs: the goal and workload from its start, and its budget. */
export function gradeSpec(c: Pick<Challenge, 'start' | 'budget'>): GradeSpec {
  return { invariants: c.start.invariants ?? [], schedule: c.start.schedule ?? [], budget: c.budget };
}

/** Builds the challenge list from `challenges/**` file texts keyed by path. Never throws. */
export function buildChallenges(rawFiles: Record<string, string>): ChallengesResult {
  const files = new Map(Object.entries(rawFiles).map(([p, t]) => [normalise(p), t]));
  const errors: ChallengeError[] = [];
  const indexFile = 'challenges/index.json';
  const indexText = files.get(indexFile);
  if (indexText === undefined) return { ok: false, errors: [{ file: indexFile, path: '', message: 'is missing' }] };
  const indexJson = parseJson(indexFile, indexText, errors);
  const index = indexJson === undefined ? null : v.safeParse(IndexSchema, indexJson);
  if (index && !index.success) errors.push(...issuesOf(indexFile, index.issues));

  const folders = new Set<string>();
  for (const p of files.keys()) {
    const m = /^challenges\/([^/]+)\/[^/]+$/.exec(p);
    if (m) folders.add(m[1]);
  }
  const read = new Map<string, Omit<Challenge, 'number'>>();
  for (const folder of [...folders].sort()) {
    const c = readFolder(folder, files, errors);
    if (c) read.set(c.id, c);
  }
  if (!index?.success) return { ok: false, errors };

  const challenges: Challenge[] = [];
  const listed = new Set<string>();
  index.output.challenges.forEach((id, i) => {
    if (listed.has(id)) errors.push({ file: indexFile, path: `challenges[${i}]`, message: `"${id}" is listed twice` });
    else if (!folders.has(id)) errors.push({ file: indexFile, path: `challenges[${i}]`, message: `no folder challenges/${id} exists` });
    listed.add(id);
    const c = read.get(id);
    if (c && !challenges.some((x) => x.id === id)) challenges.push({ ...c, number: challenges.length + 1 });
  });
  for (const f of folders) if (!listed.has(f)) errors.push({ file: indexFile, path: 'challenges', message: `challenges/${f} is not listed: add "${f}" where it belongs in the list` });
  return errors.length ? { ok: false, errors } : { ok: true, challenges };
}

function readFolder(folder: string, files: Map<string, string>, errors: ChallengeError[]): Omit<Challenge, 'number'> | null {
  const dir = `challenges/${folder}`;
  const before = errors.length;
  for (const f of FILES) if (!files.has(`${dir}/${f}`)) errors.push({ file: `${dir}/${f}`, path: '', message: 'is missing' });
  for (const p of files.keys()) {
    const name = p.startsWith(`${dir}/`) ? p.slice(dir.length + 1) : null;
    if (name && !(FILES as readonly string[]).includes(name)) errors.push({ file: p, path: '', message: `is not a challenge file (a challenge has ${FILES.join(', ')})` });
  }
  if (errors.length > before) return null;

  const metaFile = `${dir}/challenge.json`;
  const metaJson = parseJson(metaFile, files.get(metaFile)!, errors);
  const meta = metaJson === undefined ? null : v.safeParse(ChallengeSchema, metaJson);
  if (meta && !meta.success) errors.push(...issuesOf(metaFile, meta.issues));
  if (meta?.success && meta.output.id !== folder) errors.push({ file: metaFile, path: 'id', message: `is "${meta.output.id}" but the folder is challenges/${folder}: they must be the same` });

  const body = files.get(`${dir}/README.md`)!;
  if (!body.trim()) errors.push({ file: `${dir}/README.md`, path: '', message: 'is empty: say what the design does and what goes wrong' });
  const html = RAW_HTML.exec(body);
  if (html) errors.push({ file: `${dir}/README.md`, path: `line ${body.slice(0, html.index).split('\n').length}`, message: `holds raw HTML (${html[0].slice(0, 40)}): write Markdown instead` });

  const scenario = (name: string): Scenario | null => {
    const file = `${dir}/${name}`;
    const json = parseJson(file, files.get(file)!, errors);
    if (json === undefined) return null;
    const r = restoreScenario(json);
    if (!r.ok) {
      errors.push(...fromFieldErrors(file, r.errors));
      return null;
    }
    return r.value;
  };
  const start = scenario('start.json');
  const solution = scenario('solution.json');
  if (start && (start.invariants ?? []).length === 0) errors.push({ file: `${dir}/start.json`, path: 'invariants', message: 'is empty: the goal is the start\'s invariants, so give it at least one' });
  if (start && !(start.schedule ?? []).some((s) => s.kind === 'fire') && !start.nodes.some((n) => n.kind === 'producer' && n.config.rate)) {
    errors.push({ file: `${dir}/start.json`, path: 'schedule', message: 'fires nothing: the workload is the start\'s schedule, so schedule at least one "fire" (or give a producer a rate)' });
  }

  if (errors.length > before || !meta?.success || !start || !solution) return null;
  const m = meta.output;
  return {
    id: m.id,
    title: m.title,
    pattern: m.pattern,
    goal: m.goal,
    revision: m.revision,
    body,
    start,
    solution,
    budget: { kinds: [...m.faults.kinds], schedules: m.faults.schedules, seed: m.faults.seed, maxFaults: m.faults.maxFaults },
  };
}

function parseJson(file: string, text: string, errors: ChallengeError[]): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    errors.push({ file, path: '', message: `is not valid JSON: ${(e as Error).message}` });
    return undefined;
  }
}
