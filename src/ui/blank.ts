// The empty canvas as a scenario for the worker's load (which validates it like any other).
// Written as a version-1 scenario, which restoreScenario reads forever (tests/fixtures keeps
// one per version), rather than with the engine's SCENARIO_FORMAT / SCENARIO_VERSION: those
// live beside the scenario schemas, which the first screen does not load (blank.test.ts
// checks that this restores).

export const BLANK_NAME = 'Untitled scenario';

export function blankScenarioInput(): unknown {
  return { format: 'eventfold/scenario', version: 1, name: BLANK_NAME, description: '', nodes: [] };
}
