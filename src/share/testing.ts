// Sessions to test the codec with: every example in src/examples, each also played a
// little (its producers fired, some steps run) so the session carries recorded inputs.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../engine/engine.ts';
import { describeErrors } from '../engine/scenario.ts';
import { restoreSessionOrScenario, SESSION_FORMAT, SESSION_VERSION, type Session } from '../engine/session.ts';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));

export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function loadExample(file: string): Session {
  const r = restoreSessionOrScenario(JSON.parse(readFileSync(EXAMPLES + file, 'utf8')));
  if (!r.ok) throw new Error(`${file}: ${describeErrors(r.errors)}`);
  return r.value;
}

/**
 * The example as a session the learner played: fires each producer's templates and sends
 * each aggregate's first command, with steps between.
 */
export function playedExample(file: string): Session {
  const s = loadExample(file);
  const engine = createEngine(s.scenario, { seed: s.seed, inputs: s.inputs });
  engine.seek(s.step);
  for (const n of s.scenario.nodes) {
    if (n.kind === 'producer') {
      for (let t = 0; t < n.config.templates.length; t++) {
        engine.act({ kind: 'fire', node: n.id, template: t });
        engine.stepForward(3);
      }
    }
    if (n.kind === 'aggregate' && n.config.commands.length > 0) {
      engine.act({ kind: 'command', node: n.id, command: n.config.commands[0].name, stream: 'stream-1', data: {} });
      engine.stepForward(3);
    }
  }
  engine.stepForward(10);
  return { format: SESSION_FORMAT, version: SESSION_VERSION, scenario: s.scenario, ...engine.session() };
}

/** Replays a session the way the app opens one: scenario + seed + inputs, then seek to its step. */
export function replay(s: Session, extraSteps = 200) {
  const engine = createEngine(s.scenario, { seed: s.seed, inputs: s.inputs });
  engine.seek(s.step);
  const atStep = engine.steps(0, s.step);
  engine.stepForward(extraSteps);
  return { step: engine.step, atStep, further: engine.steps() };
}
