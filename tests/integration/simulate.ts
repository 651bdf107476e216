// What the simulation says a scenario ends with after some fires: each consumer's state
// tables and side-effect counts, to compare a generated project's run with.
import { createEngine, type Engine, type Scenario } from '../../src/engine/index.ts';
import '../../src/engine/kinds/all.ts'; // every optional engine module (kinds/index.ts OPTIONAL)

export interface Outcome {
  state: Record<string, Record<string, unknown>>;
  effects: Record<string, number>;
}

/** The scenario after these fires (each at time 0, in order), run until nothing is pending. */
export function runFires(s: Scenario, fires: { producer: string; template: number }[]): Engine {
  const e = createEngine(s, { seed: s.seed });
  e.runUntil(0);
  for (const f of fires) {
    const r = e.act({ kind: 'fire', node: f.producer, template: f.template });
    if (!r.ok) throw new Error(r.reason);
  }
  e.runUntil(1e9, 1_000_000);
  return e;
}

export function simulate(s: Scenario, fires: { producer: string; template: number }[]): Record<string, Outcome> {
  const e = runFires(s, fires);
  const out: Record<string, Outcome> = {};
  for (const [id, v] of Object.entries(e.view().nodes)) {
    if (v.kind !== 'consumer') continue;
    const effects: Record<string, number> = {};
    for (const [name, keys] of Object.entries(v.effects)) for (const [k, n] of Object.entries(keys)) effects[`${name}:${k}`] = n;
    out[id] = { state: v.state as Outcome['state'], effects };
  }
  return out;
}
