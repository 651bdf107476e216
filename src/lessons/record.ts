// Authoring tool: records a lesson's solution session and shows how its goals fare.
//
//   npx tsx src/lessons/record.ts lessons/05-idempotent-consumer
//
// Reads the folder's solution.json, whose `inputs` may leave out `atStep` and `time`:
// each such input is applied once the world is idle (after everything the previous one
// set off), as a learner who watches each action play out would, or right after the
// previous input with `"immediately": true`. Stamped inputs keep their step. Writes the session back
// with every input stamped, then prints the goals on the solution and on the bare start.
// Node only (fs); never imported by the app.
import { readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine, restoreScenario, describeErrors, SESSION_FORMAT, SESSION_VERSION } from '../engine/index.ts';
import type { Intent } from '../engine/index.ts';
import { buildCourse } from './course.ts';
import { evaluateGoals } from './goals.ts';
import { describeLessonErrors } from './schema.ts';

/** Every file under lessons/, as buildCourse wants them. */
export function readLessonFiles(root = 'lessons'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p)) if (/\.(md|json)$/.test(f)) out[`lessons/${name}/${f}`] = readFileSync(join(p, f), 'utf8');
    } else if (name === 'index.json') out['lessons/index.json'] = readFileSync(p, 'utf8');
  }
  return out;
}

function record(dir: string): void {
  const file = join(dir, 'solution.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { scenario: unknown; seed?: number; inputs?: Record<string, unknown>[] };
  const scenario = restoreScenario(raw.scenario);
  if (!scenario.ok) throw new Error(`${file}: scenario: ${describeErrors(scenario.errors)}`);
  const engine = createEngine(scenario.value, { seed: raw.seed });
  for (const [i, input] of (raw.inputs ?? []).entries()) {
    // An input already stamped keeps its step; `"immediately": true` applies it right after
    // the previous one; any other waits until the world is idle.
    const { atStep, time: _t, immediately, ...intent } = input;
    if (typeof atStep === 'number') while (engine.step < atStep && engine.stepForward(1) > 0);
    else if (immediately !== true) engine.runUntilIdle();
    const r = engine.act(intent as unknown as Intent);
    if (!r.ok) throw new Error(`${file}: inputs[${i}] (${String(intent.kind)} ${String(intent.node)}) refused: ${r.reason}`);
  }
  engine.runUntilIdle();
  const session = { format: SESSION_FORMAT, version: SESSION_VERSION, scenario: raw.scenario, seed: engine.session().seed, inputs: engine.session().inputs, step: engine.step };
  writeFileSync(file, `${JSON.stringify(session, null, 2)}\n`);
}

function report(id: string): void {
  const r = buildCourse(readLessonFiles());
  if (!r.ok) {
    console.log(describeLessonErrors(r.errors));
    return;
  }
  const lesson = r.course.lessons.find((l) => l.id === id)!;
  const sol = createEngine(lesson.solution.scenario, { seed: lesson.solution.seed, inputs: lesson.solution.inputs });
  sol.runUntilIdle();
  console.log(`solution of ${id} (${sol.step} steps):`);
  for (const g of evaluateGoals(lesson, sol)) console.log(`  ${g.ok ? '✓' : '✗'} ${g.label} — ${g.detail}${g.step !== undefined ? ` [step ${g.step}]` : ''}`);
  // A start may never go idle (a poison message handed out for ever): ten logical minutes.
  const start = createEngine(lesson.start);
  start.runUntil(10 * 60_000, 200_000);
  console.log(`start (no actions, ${start.step} steps${start.idle ? '' : ', still going'}):`);
  for (const g of evaluateGoals(lesson, start)) console.log(`  ${g.ok ? '✓' : '✗'} ${g.label} — ${g.detail}`);
  if (process.argv.includes('--trace')) for (const s of sol.steps()) console.log(`${s.seq} ${s.time} ${s.kind} ${s.node ?? ''} ${s.text}`);
}

const dir = process.argv[2];
// Only when run as a script, not when imported (readLessonFiles).
if (dir && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  record(dir);
  report(/^\d{2}-(.*)$/.exec(dir.replace(/\/$/, '').split('/').pop()!)![1]);
}
