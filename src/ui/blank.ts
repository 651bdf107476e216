// The empty canvas as a scenario for the worker's load (which validates it like any other).
import { SCENARIO_FORMAT, SCENARIO_VERSION } from '../engine/scenario.ts';

export const BLANK_NAME = 'Untitled scenario';

export function blankScenarioInput(): unknown {
  return { format: SCENARIO_FORMAT, version: SCENARIO_VERSION, name: BLANK_NAME, description: '', nodes: [] };
}
