// Export and import as JSON files: one workspace, or every workspace with the lesson and
// challenge progress. A file describes itself ({"format": "eventfold/workspace-export", "version": 1,
// …}); a bare session or scenario file imports too. Every session comes in through
// restoreSessionOrScenario, so an error names its field
// (`workspaces[1].session.scenario.nodes[0].kind: …`). An import only ever adds: new
// workspaces with new ids (names made unique), and progress for lessons and challenges that
// have none.
import { restoreSessionOrScenario, type Session } from '../engine/session.ts';
import { describeErrors, type FieldError, type Restored } from '../engine/scenario.ts';
import type { Json } from '../engine/json.ts';
import { withoutGeneratedEdgeIds, type WorkspaceRepo } from './repo.ts';
import { restoreLessonProgress } from './progress.ts';
import { CHALLENGE_PROGRESS_KEY, restoreChallengeProgress, type ChallengeProgress } from '../challenges/progress.ts';
import { WORKSPACE_ORIGINS, type LessonProgress, type PersistError, type Result, type Workspace, type WorkspaceOrigin } from './types.ts';

export const EXPORT_FORMAT = 'eventfold/workspace-export';
export const EXPORT_VERSION = 1;
/** Files larger than this are refused before parsing. */
export const MAX_IMPORT_CHARS = 64 * 1024 * 1024;
const MAX_WORKSPACES = 2_000;
/**
 * Deepest nesting of JSON a file may have: a link's cap (64, src/share/codec.ts) plus the
 * three levels an export wraps a session in, so every session that can be shared imports.
 * Deeper input is refused before restoring: validating a rule condition nested a few
 * thousand levels deep overflows the stack.
 */
export const MAX_FILE_DEPTH = 67;

export interface ExportedWorkspace {
  name: string;
  origin: WorkspaceOrigin;
  lesson?: string;
  createdAt: number;
  updatedAt: number;
  session: Session;
}

export interface WorkspaceExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  /** One workspace, or everything (then with lesson progress). */
  scope: 'workspace' | 'all';
  /** When, as an ISO date. */
  exportedAt: string;
  workspaces: ExportedWorkspace[];
  lessons: LessonProgress[];
  /**
   * The challenges passed, and the learner's design of each (scope `all` only): as in the
   * settings store (src/challenges/progress.ts), except that a design is named by its index
   * in `workspaces`, since an import gives every workspace a new id.
   */
  challenges?: ExportedChallenges;
}

export interface ExportedChallenges {
  passed: ChallengeProgress['passed'];
  workspaces: Record<string, number>;
}

/** One workspace as an export file (its in-memory copy, if its last save failed). */
export async function exportWorkspace(repo: WorkspaceRepo, id: string, now: number): Promise<Result<WorkspaceExport>> {
  const r = await repo.open(id);
  if (!r.ok) return r;
  return { ok: true, value: workspaceFile(r.value.workspace, r.value.session, now) };
}

/** The export file of one workspace with this session (what the repo holds, or what is on screen). */
export function workspaceFile(workspace: Workspace, session: Session, now: number): WorkspaceExport {
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, scope: 'workspace', exportedAt: new Date(now).toISOString(), workspaces: [exported(workspace, session)], lessons: [] };
}

/**
 * Every workspace (unsaved in-memory copies included) and the lesson progress. A workspace
 * that cannot be read is left out and named in `skipped`.
 */
export async function exportEverything(repo: WorkspaceRepo, now: number): Promise<Result<{ file: WorkspaceExport; skipped: { name: string; message: string }[] }>> {
  const list = await repo.list();
  if (!list.ok) return list;
  const workspaces: ExportedWorkspace[] = [];
  const indexOf = new Map<string, number>();
  const skipped: { name: string; message: string }[] = [];
  for (const w of list.value) {
    const r = await repo.open(w.id);
    if (r.ok) {
      indexOf.set(w.id, workspaces.length);
      workspaces.push(exported(r.value.workspace, r.value.session));
    } else skipped.push({ name: w.name, message: r.error.message });
  }
  const lessons = await repo.lessonProgress();
  const setting = await repo.getSetting(CHALLENGE_PROGRESS_KEY);
  const progress = restoreChallengeProgress(setting.ok ? setting.value : undefined);
  const challenges: ExportedChallenges = { passed: progress.passed, workspaces: {} };
  for (const [id, w] of Object.entries(progress.workspaces)) {
    const i = indexOf.get(w);
    if (i !== undefined) challenges.workspaces[id] = i;
  }
  return {
    ok: true,
    value: {
      file: { format: EXPORT_FORMAT, version: EXPORT_VERSION, scope: 'all', exportedAt: new Date(now).toISOString(), workspaces, lessons: lessons.ok ? lessons.value : [], challenges },
      skipped,
    },
  };
}

function exported(w: Workspace, session: Session): ExportedWorkspace {
  return {
    name: w.name,
    origin: w.origin,
    ...(w.lesson !== undefined ? { lesson: w.lesson } : {}),
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    session: withoutGeneratedEdgeIds(session) as Session,
  };
}

/** The file's text: indented, so a learner or a reviewer can read and diff it. */
export function exportText(file: WorkspaceExport): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** `eventfold-ledger-2026-11-22.json`, `eventfold-all-2026-11-22.json`. */
export function exportFileName(file: WorkspaceExport): string {
  const day = file.exportedAt.slice(0, 10);
  const what = file.scope === 'all' ? 'all' : slug(file.workspaces[0]?.name ?? 'workspace');
  return `eventfold-${what}-${day}.json`;
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'workspace'
  );
}

// ---------------------------------------------------------------------------- import

export interface ImportPlan {
  workspaces: { name: string; origin: WorkspaceOrigin; lesson?: string; session: Session }[];
  lessons: LessonProgress[];
  /** Challenges passed, and designs named by their index in `workspaces` (of this plan, not the file). */
  challenges: ExportedChallenges;
  /** Workspaces of the file that were refused, with the fields at fault. */
  skipped: { index: number; name: string; errors: FieldError[] }[];
}

/**
 * Reads an import file: an export (one workspace or all), a session or a scenario. Refuses
 * the file, naming the field, when nothing in it can be imported; otherwise lists what
 * will be added and what was skipped.
 */
export function parseImport(text: string): Restored<ImportPlan> {
  if (typeof text !== 'string') return refuse('(file)', 'is not text');
  if (text.length > MAX_IMPORT_CHARS) return refuse('(file)', `is larger than ${MAX_IMPORT_CHARS / 1024 / 1024} MB: not an Eventfold file`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return refuse('(file)', `is not valid JSON: ${(e as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return refuse('(top level)', 'must be an Eventfold export, session or scenario (a JSON object)');
  if (tooDeep(data, MAX_FILE_DEPTH)) return refuse('(file)', `is nested more than ${MAX_FILE_DEPTH} levels deep: not an Eventfold file (no scenario is nested that deep)`);
  const d = data as Record<string, unknown>;

  if (d.format !== EXPORT_FORMAT) {
    // A session or a scenario file: one workspace.
    const r = restoreSessionOrScenario(withoutGeneratedEdgeIds(d));
    if (!r.ok) return r;
    return { ok: true, value: { workspaces: [{ name: r.value.scenario.name, origin: 'file', session: r.value }], lessons: [], challenges: noChallenges(), skipped: [] } };
  }
  if (typeof d.version !== 'number' || !Number.isInteger(d.version) || d.version < 1) return refuse('version', 'must be a whole number from 1 up');
  if (d.version > EXPORT_VERSION) {
    return refuse('version', `this file was exported by a newer Eventfold (export format ${d.version}); this one reads versions up to ${EXPORT_VERSION}. Reload the page to get the newest Eventfold.`);
  }
  if (!Array.isArray(d.workspaces)) return refuse('workspaces', 'must be a list');
  if (d.workspaces.length > MAX_WORKSPACES) return refuse('workspaces', `must have at most ${MAX_WORKSPACES} workspaces`);

  const plan: ImportPlan = { workspaces: [], lessons: [], challenges: noChallenges(), skipped: [] };
  /** File index → plan index, for the workspaces that were taken. */
  const taken = new Map<number, number>();
  d.workspaces.forEach((w, i) => {
    const at = `workspaces[${i}]`;
    if (!w || typeof w !== 'object' || Array.isArray(w)) return plan.skipped.push({ index: i, name: `#${i + 1}`, errors: [{ path: at, message: 'must be an object' }] });
    const x = w as Record<string, unknown>;
    const r = restoreSessionOrScenario(withoutGeneratedEdgeIds(x.session));
    const name = typeof x.name === 'string' && x.name.trim() ? x.name.trim().slice(0, 120) : r.ok ? r.value.scenario.name : `#${i + 1}`;
    if (!r.ok) return plan.skipped.push({ index: i, name, errors: r.errors.map((e) => ({ path: `${at}.session.${e.path}`, message: e.message })) });
    const origin = WORKSPACE_ORIGINS.includes(x.origin as WorkspaceOrigin) ? (x.origin as WorkspaceOrigin) : 'file';
    taken.set(i, plan.workspaces.length);
    plan.workspaces.push({ name, origin, ...(typeof x.lesson === 'string' ? { lesson: x.lesson } : {}), session: r.value });
  });
  if (d.lessons !== undefined) {
    if (!Array.isArray(d.lessons)) return refuse('lessons', 'must be a list');
    d.lessons.forEach((l, i) => {
      const p = restoreLessonProgress(l);
      if (p) {
        plan.lessons.push(p);
      } else {
        plan.skipped.push({ index: i, name: `lesson #${i + 1}`, errors: [{ path: `lessons[${i}].id`, message: 'must be a lesson id, such as fan-out' }] });
      }
    });
  }
  if (d.challenges !== undefined) {
    if (!d.challenges || typeof d.challenges !== 'object' || Array.isArray(d.challenges)) return refuse('challenges', 'must be an object with "passed" and "workspaces"');
    const c = d.challenges as Record<string, unknown>;
    // Through the same door as the settings store: a malformed entry is dropped. A design
    // is kept when its index names a workspace of this file that was taken.
    const indexes: Record<string, string> = {};
    if (c.workspaces && typeof c.workspaces === 'object' && !Array.isArray(c.workspaces)) {
      for (const [id, i] of Object.entries(c.workspaces as Record<string, unknown>)) if (typeof i === 'number' && taken.has(i)) indexes[id] = String(taken.get(i));
    }
    const restored = restoreChallengeProgress({ passed: c.passed, workspaces: indexes });
    plan.challenges = { passed: restored.passed, workspaces: Object.fromEntries(Object.entries(restored.workspaces).map(([id, i]) => [id, Number(i)])) };
  }
  const challengeCount = Object.keys(plan.challenges.passed).length;
  if (plan.workspaces.length === 0 && plan.lessons.length === 0 && challengeCount === 0 && plan.skipped.length > 0) return { ok: false, errors: plan.skipped.flatMap((s) => s.errors) };
  return { ok: true, value: plan };
}

/** Whether `value` nests objects and lists deeper than `max` (iterative: deep input cannot overflow it). */
function tooDeep(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

function noChallenges(): ExportedChallenges {
  return { passed: {}, workspaces: {} };
}

function refuse(path: string, message: string): Restored<ImportPlan> {
  return { ok: false, errors: [{ path, message }] };
}

/**
 * Adds what `plan` holds: each workspace as a new one (origin `file`, its name made unique
 * among the existing ones), progress only for lessons that have none yet, and a challenge's
 * pass or design only where this browser has none. Stops at the first storage failure,
 * answering it with what was added so far.
 */
export type ImportResult = { ok: true; added: Workspace[]; lessonsAdded: number; challengesAdded: number } | { ok: false; error: PersistError; added: Workspace[] };

export async function importInto(repo: WorkspaceRepo, plan: ImportPlan, now: number): Promise<ImportResult> {
  const list = await repo.list();
  if (!list.ok) return { ok: false, error: list.error, added: [] };
  const names = new Set(list.value.map((w) => w.name));
  const added: Workspace[] = [];
  for (const w of plan.workspaces) {
    const name = uniqueName(w.name, names);
    names.add(name);
    const r = await repo.create({ name, origin: 'file', ...(w.lesson !== undefined ? { lesson: w.lesson } : {}), session: w.session }, now);
    if (!r.ok) return { ok: false, error: r.error, added };
    added.push(r.value);
  }
  let lessonsAdded = 0;
  if (plan.lessons.length > 0) {
    const existing = await repo.lessonProgress();
    if (!existing.ok) return { ok: false, error: existing.error, added };
    const have = new Set(existing.value.map((p) => p.id));
    for (const p of plan.lessons) {
      if (have.has(p.id)) continue;
      const r = await repo.saveLessonProgress(p);
      if (!r.ok) return { ok: false, error: r.error, added };
      have.add(p.id);
      lessonsAdded++;
    }
  }
  const c = plan.challenges;
  let challengesAdded = 0;
  if (Object.keys(c.passed).length > 0 || Object.keys(c.workspaces).length > 0) {
    const setting = await repo.getSetting(CHALLENGE_PROGRESS_KEY);
    if (!setting.ok) return { ok: false, error: setting.error, added };
    const mine = restoreChallengeProgress(setting.value);
    let changed = false;
    for (const [id, pass] of Object.entries(c.passed)) {
      if (mine.passed[id]) continue;
      mine.passed[id] = pass;
      challengesAdded++;
      changed = true;
    }
    for (const [id, i] of Object.entries(c.workspaces)) {
      if (mine.workspaces[id] || !added[i]) continue;
      mine.workspaces[id] = added[i].id;
      changed = true;
    }
    if (changed) {
      const r = await repo.setSetting(CHALLENGE_PROGRESS_KEY, mine as unknown as Json);
      if (!r.ok) return { ok: false, error: r.error, added };
    }
  }
  return { ok: true, added, lessonsAdded, challengesAdded };
}

function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) {
    const candidate = `${name} (${n})`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** One line per refused field, for the import dialog. */
export function importErrorMessage(errors: readonly FieldError[]): string {
  return `The file cannot be imported, and nothing was changed:\n${describeErrors(errors)}`;
}
