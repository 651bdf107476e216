// The sparkline scale the metric charts share: steps along, values up, gaps left out.
import { describe, expect, it } from 'vitest';
import { sparkPoints } from './follow.svelte.ts';

describe('sparkPoints', () => {
  it('puts step 0 at the left and the last step at the right; 0 on the baseline and the top value at the top', () => {
    expect(sparkPoints([0, 5, 10], [0, 5, 10], 10, 10, 100, 24)).toBe('0.0,22.0 50.0,12.0 100.0,2.0');
  });
  it('leaves out missing values (no handled event yet) rather than drawing them as 0', () => {
    expect(sparkPoints([null, 4, null, 8], [0, 1, 2, 3], 3, 8, 30, 24)).toBe('10.0,12.0 30.0,2.0');
  });
  it('a run of one step or values all 0 still draws inside the box', () => {
    expect(sparkPoints([0], [0], 0, 0, 160, 28)).toBe('0.0,26.0');
  });
});
