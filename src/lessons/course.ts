// Builds the course from the raw text of the files in lessons/: reads every lesson folder
// through the schemas, resolves inherited starts, and checks that lessons/index.json lists
// every folder exactly once. Pure: it takes a map of path → text, so Vite (import.meta.glob),
// vitest and Node scripts can all feed it.
import * as v from 'valibot';
import { restoreScenario, restoreSession, SESSION_FORMAT, SESSION_VERSION } from '../engine/index.ts';
import type { Scenario, Session } from '../engine/index.ts';
import { parseFrontMatter } from './frontmatter.ts';
import {
  FrontMatterSchema,
  GoalsFileSchema,
  HintsFileSchema,
  IndexSchema,
  InheritSchema,
  StepsFileSchema,
  fromFieldErrors,
  issuesOf,
  type Goal,
  type GuidedStep,
  type InheritRef,
  type LessonError,
  type LessonFrontMatter,
} from './schema.ts';

export interface Lesson extends LessonFrontMatter {
  /** `01-fan-out`: the folder under lessons/. Its name is the number and the id. */
  folder: string;
  chapter: { id: string; title: string };
  /** 1-based position in the course, for display only: progress is keyed by id. */
  number: number;
  /** The lesson text, Markdown (render it sanitized). */
  body: string;
  /** The scenario the learner starts from (inherited ones already resolved). */
  start: Scenario;
  /** Where the start came from: its own start.json or a previous lesson's solution. */
  inherits: string | null;
  goals: Goal[];
  hints: string[];
  steps: GuidedStep[];
  /** The reference solution: the learner's final scenario and the inputs they record. */
  solution: Session;
}

export interface Course {
  title: string;
  chapters: { id: string; title: string; lessons: Lesson[] }[];
  /** Every lesson, in course order. */
  lessons: Lesson[];
}

export type CourseResult = { ok: true; course: Course } | { ok: false; errors: LessonError[] };

const FILES = ['lesson.md', 'start.json', 'goals.json', 'hints.json', 'solution.json'] as const;
const OPTIONAL = ['steps.json'] as const;
const FOLDER = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;

/** `/lessons/01-fan-out/lesson.md` or `../../lessons/…` → `lessons/01-fan-out/lesson.md`. */
export function normalisePath(p: string): string {
  const i = p.lastIndexOf('lessons/');
  return i < 0 ? p : p.slice(i);
}

/** Builds the course from `lessons/**` file texts keyed by path. Never throws. */
export function buildCourse(rawFiles: Record<string, string>): CourseResult {
  const files = new Map(Object.entries(rawFiles).map(([p, t]) => [normalisePath(p), t]));
  const errors: LessonError[] = [];

  const indexText = files.get('lessons/index.json');
  if (indexText === undefined) return { ok: false, errors: [{ file: 'lessons/index.json', path: '', message: 'is missing' }] };
  const indexJson = parseJson('lessons/index.json', indexText, errors);
  const index = indexJson === undefined ? null : v.safeParse(IndexSchema, indexJson);
  if (index && !index.success) errors.push(...issuesOf('lessons/index.json', index.issues));

  // Folders, each read on its own.
  const folders = new Set<string>();
  for (const p of files.keys()) {
    const m = /^lessons\/([^/]+)\/[^/]+$/.exec(p);
    if (m) folders.add(m[1]);
  }
  const parsed = new Map<string, Parsed>();
  for (const folder of [...folders].sort()) {
    const lesson = readFolder(folder, files, errors);
    if (!lesson) continue;
    if (parsed.has(lesson.meta.id)) errors.push({ file: `lessons/${folder}/lesson.md`, path: 'id', message: `"${lesson.meta.id}" is already the id of lessons/${parsed.get(lesson.meta.id)!.folder}` });
    else parsed.set(lesson.meta.id, lesson);
  }
  if (!index || !index.success) return { ok: false, errors };

  // The index lists every folder exactly once.
  const listed = new Map<string, string>();
  index.output.chapters.forEach((ch, c) =>
    ch.lessons.forEach((id, l) => {
      const at = `chapters[${c}].lessons[${l}]`;
      if (listed.has(id)) errors.push({ file: 'lessons/index.json', path: at, message: `"${id}" is listed twice (also at ${listed.get(id)})` });
      else if (!parsed.has(id) && ![...folders].some((f) => FOLDER.exec(f)?.[2] === id)) errors.push({ file: 'lessons/index.json', path: at, message: `no lesson folder has the id "${id}"` });
      listed.set(id, at);
    }),
  );
  for (const [id, p] of parsed) if (!listed.has(id)) errors.push({ file: 'lessons/index.json', path: 'chapters', message: `lessons/${p.folder} ("${id}") is in no chapter` });

  // Course order; inherited starts resolve against lessons before them.
  const chapters: Course['chapters'] = [];
  const lessons: Lesson[] = [];
  const done = new Map<string, Lesson>();
  // Lessons that failed already have their errors; one inheriting from them says nothing more.
  const broken = new Set([...folders].map((f) => FOLDER.exec(f)?.[2]).filter((id): id is string => !!id && !parsed.has(id)));
  for (const ch of index.output.chapters) {
    const out = { id: ch.id, title: ch.title, lessons: [] as Lesson[] };
    chapters.push(out);
    for (const id of ch.lessons) {
      const p = parsed.get(id);
      if (!p) continue;
      const start = resolveStart(p, done, broken, errors);
      if (!start) {
        broken.add(id);
        continue;
      }
      const lesson: Lesson = { ...p.meta, folder: p.folder, chapter: { id: ch.id, title: ch.title }, number: lessons.length + 1, body: p.body, start, inherits: 'inherit' in p.start ? p.start.inherit : null, goals: p.goals, hints: p.hints, steps: p.steps, solution: p.solution };
      done.set(id, lesson);
      out.lessons.push(lesson);
      lessons.push(lesson);
    }
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, course: { title: index.output.title, chapters, lessons } };
}

interface Parsed {
  folder: string;
  meta: LessonFrontMatter;
  body: string;
  start: { scenario: Scenario } | InheritRef;
  goals: Goal[];
  hints: string[];
  steps: GuidedStep[];
  solution: Session;
}

function readFolder(folder: string, files: Map<string, string>, errors: LessonError[]): Parsed | null {
  const dir = `lessons/${folder}`;
  const before = errors.length;
  const m = FOLDER.exec(folder);
  if (!m) {
    errors.push({ file: dir, path: '', message: 'a lesson folder is named NN-id, such as 01-fan-out' });
    return null;
  }
  for (const f of FILES) if (!files.has(`${dir}/${f}`)) errors.push({ file: `${dir}/${f}`, path: '', message: 'is missing' });
  for (const p of files.keys()) {
    const name = p.startsWith(`${dir}/`) ? p.slice(dir.length + 1) : null;
    if (name && !(FILES as readonly string[]).includes(name) && !(OPTIONAL as readonly string[]).includes(name)) {
      errors.push({ file: p, path: '', message: `is not a lesson file (a lesson has ${[...FILES, ...OPTIONAL].join(', ')})` });
    }
  }
  if (errors.length > before) return null;

  // lesson.md
  const mdFile = `${dir}/lesson.md`;
  const fm = parseFrontMatter(files.get(mdFile)!);
  let meta: LessonFrontMatter | null = null;
  let body = '';
  if (!fm.ok) errors.push({ file: mdFile, path: `line ${fm.line}`, message: fm.message });
  else {
    const r = v.safeParse(FrontMatterSchema, fm.data);
    if (!r.success) errors.push(...issuesOf(mdFile, r.issues).map((e) => ({ ...e, path: `front matter ${e.path}` })));
    else {
      meta = r.output;
      body = fm.body;
      if (meta.id !== m[2]) errors.push({ file: mdFile, path: 'front matter id', message: `is "${meta.id}" but the folder says "${m[2]}": name the folder NN-<id>` });
    }
  }

  const read = <T>(name: string, schema: v.GenericSchema<unknown, T>): T | null => {
    const file = `${dir}/${name}`;
    const json = parseJson(file, files.get(file)!, errors);
    if (json === undefined) return null;
    const r = v.safeParse(schema, json);
    if (!r.success) {
      errors.push(...issuesOf(file, r.issues));
      return null;
    }
    return r.output;
  };
  const goals = read('goals.json', GoalsFileSchema);
  const hints = read('hints.json', HintsFileSchema);
  const steps = files.has(`${dir}/steps.json`) ? read('steps.json', StepsFileSchema) : [];

  // start.json: a scenario through the one door, or an inherit reference.
  let start: Parsed['start'] | null = null;
  const startFile = `${dir}/start.json`;
  const startJson = parseJson(startFile, files.get(startFile)!, errors);
  if (startJson !== undefined) {
    if (startJson && typeof startJson === 'object' && 'inherit' in startJson) {
      const r = v.safeParse(InheritSchema, startJson);
      if (!r.success) errors.push(...issuesOf(startFile, r.issues));
      else start = r.output;
    } else {
      const r = restoreScenario(startJson);
      if (!r.ok) errors.push(...fromFieldErrors(startFile, r.errors));
      else start = { scenario: r.value };
    }
  }

  // solution.json: a session (the learner's final scenario + recorded inputs).
  let solution: Session | null = null;
  const solFile = `${dir}/solution.json`;
  const solJson = parseJson(solFile, files.get(solFile)!, errors);
  if (solJson !== undefined) {
    const r = restoreSession(solJson);
    if (!r.ok) errors.push(...fromFieldErrors(solFile, r.errors));
    else solution = r.value;
  }

  // Goal ids are unique; guided steps wait for goals that exist.
  if (goals) {
    const ids = new Set<string>();
    const walk = (g: Goal, path: string) => {
      if (g.id) {
        if (ids.has(g.id)) errors.push({ file: `${dir}/goals.json`, path: `${path}.id`, message: `"${g.id}" is already the id of another goal` });
        ids.add(g.id);
      }
      if (g.kind === 'all' || g.kind === 'any') g.of.forEach((x, i) => walk(x, `${path}.of[${i}]`));
      if (g.kind === 'not') walk(g.goal, `${path}.goal`);
    };
    goals.forEach((g, i) => walk(g, `[${i}]`));
    steps?.forEach((s, i) => {
      if ('goal' in s.wait && !ids.has(s.wait.goal)) errors.push({ file: `${dir}/steps.json`, path: `[${i}].wait.goal`, message: `no goal has the id "${s.wait.goal}"` });
    });
    const stepIds = new Set<string>();
    steps?.forEach((s, i) => {
      if (stepIds.has(s.id)) errors.push({ file: `${dir}/steps.json`, path: `[${i}].id`, message: `"${s.id}" is already the id of another step` });
      stepIds.add(s.id);
    });
  }

  if (errors.length > before || !meta || !goals || !hints || !steps || !start || !solution) return null;
  return { folder, meta, body, start, goals, hints, steps, solution };
}

function resolveStart(p: Parsed, done: Map<string, Lesson>, broken: Set<string>, errors: LessonError[]): Scenario | null {
  if ('scenario' in p.start) return p.start.scenario;
  const file = `lessons/${p.folder}/start.json`;
  const prev = done.get(p.start.inherit);
  if (!prev) {
    if (broken.has(p.start.inherit)) return null;
    errors.push({ file, path: 'inherit', message: `"${p.start.inherit}" is not a lesson that comes before this one in lessons/index.json` });
    return null;
  }
  const { inherit: _i, ...over } = p.start;
  const r = restoreScenario({ ...unrestored(prev.solution.scenario), ...over });
  if (!r.ok) {
    errors.push(...fromFieldErrors(file, r.errors, `(inherited from ${p.start.inherit}) `));
    return null;
  }
  return r.value;
}

function parseJson(file: string, text: string, errors: LessonError[]): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    errors.push({ file, path: '', message: `is not valid JSON: ${(e as Error).message}` });
    return undefined;
  }
}

/**
 * A restored scenario as input for restoreScenario again. Restoring names every connection
 * `source->target`, an id the format itself refuses (`>` is not allowed in ids), so the
 * default ids are left out and restored afresh.
 */
export function unrestored(s: Scenario): Record<string, unknown> {
  return { ...s, edges: s.edges.map(({ id, ...e }) => (id === `${e.source}->${e.target}` ? e : { id, ...e })) };
}

/**
 * The lesson's start as plain JSON for the worker's `load` (which sends everything through
 * restoreScenario again): "reset lesson" loads this.
 */
export function lessonStartInput(lesson: Lesson): Record<string, unknown> {
  return unrestored(lesson.start);
}

/** The reference solution as a session for `load`: "show solution" opens it in a workspace of its own. */
export function lessonSolutionInput(lesson: Lesson): Record<string, unknown> {
  const { scenario, seed, inputs, step } = lesson.solution;
  return { format: SESSION_FORMAT, version: SESSION_VERSION, scenario: unrestored(scenario), seed, inputs, step };
}
