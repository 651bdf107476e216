// A smoke test of the bench helpers (the measurement itself runs in npm run bench).
import { describe, expect, it } from 'vitest';
import { createEngine } from '../engine/engine.ts';
import { restoreSession } from '../engine/session.ts';
import { withoutGeneratedEdgeIds } from './repo.ts';
import { compareSaveCost, savedBytes, sessionWithSteps } from './bench-support.ts';

describe('bench support', () => {
  it('builds real sessions: valid, and their run reaches the step they are at', () => {
    const s = sessionWithSteps(1_000);
    expect(restoreSession(withoutGeneratedEdgeIds(s)).ok).toBe(true);
    const engine = createEngine(s.scenario, { seed: s.seed, inputs: s.inputs, trace: false });
    engine.seek(s.step);
    expect(engine.step).toBe(1_000);
    expect(engine.idle).toBe(false);
    expect(savedBytes(sessionWithSteps(1_000_000)) - savedBytes(s)).toBeLessThan(16);
  });

  it('compares saving a 1,000,000-step session with a 1,000-step one', async () => {
    const r = await compareSaveCost({ repeats: 5, rounds: 1 });
    expect(r.small.steps).toBe(1_000);
    expect(r.large.steps).toBe(1_000_000);
    expect(r.bytesRatio).toBeLessThan(1.01);
    expect(Number.isFinite(r.ratio)).toBe(true);
  });
});
