import { describe, expect, it } from 'vitest';
import { restoreScenario, SCENARIO_FORMAT, SCENARIO_VERSION } from '../engine/scenario.ts';
import { BLANK_NAME, blankScenarioInput } from './blank.ts';

// blank.ts writes its scenario without the engine's constants (the first screen does not
// load the scenario schemas): this is what keeps it in step with them.
describe('the blank canvas', () => {
  it('is a scenario of the engine format that restores as an empty canvas', () => {
    const input = blankScenarioInput() as { format: string; version: number };
    expect(input.format).toBe(SCENARIO_FORMAT);
    expect(input.version).toBeLessThanOrEqual(SCENARIO_VERSION);
    const r = restoreScenario(input);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.name).toBe(BLANK_NAME);
      expect(r.value.nodes).toEqual([]);
    }
  });
});
