import { describe, expect, it } from 'vitest';
import { MAX_SESSION_STEP, restoreSession, restoreSessionOrScenario } from './session.ts';
import keyedCrash from '../examples/keyed-crash.session.json';
import ledger from '../examples/ledger.json';

describe('restoreSession', () => {
  it('[T2] restores a recorded session with its seed, inputs and step', () => {
    const r = restoreSession(keyedCrash);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.value.inputs.map((i) => i.kind)).toEqual(['fire', 'fire', 'fire', 'fire', 'fire', 'fire', 'crash']);
    expect(r.value.seed).toBe(3);
  });

  it('[F1] names the field of a bad input, in words', () => {
    const bad = structuredClone(keyedCrash) as { inputs: Record<string, unknown>[] };
    delete bad.inputs[2].atStep;
    const r = restoreSession(bad);
    expect(r).toEqual({ ok: false, errors: [{ path: 'inputs[2].atStep', message: 'is required but missing' }] });
    const out = structuredClone(keyedCrash) as { inputs: Record<string, unknown>[] };
    [out.inputs[1].atStep, out.inputs[2].atStep] = [9, 2];
    expect(restoreSession(out)).toMatchObject({ ok: false, errors: [{ path: 'inputs[2].atStep', message: 'inputs must be in step order' }] });
  });

  it('[F1] errors inside the scenario carry the scenario. prefix', () => {
    const bad = structuredClone(keyedCrash) as { scenario: { nodes: { config?: { partitions?: number } }[] } };
    bad.scenario.nodes[1].config = { partitions: 0 };
    expect(restoreSession(bad)).toMatchObject({ ok: false, errors: [{ path: 'scenario.nodes[1].config.partitions' }] });
  });

  it('[T2] a session opening beyond the replay cap is refused at its step (a hostile link cannot busy the worker forever)', () => {
    const far = { ...structuredClone(keyedCrash), step: MAX_SESSION_STEP + 1 };
    expect(restoreSession(far)).toMatchObject({ ok: false, errors: [{ path: 'step', message: expect.stringContaining('at most 2,000,000') }] });
    expect(restoreSession({ ...structuredClone(keyedCrash), step: MAX_SESSION_STEP }).ok).toBe(true);
  });

  it('[T2] a bare scenario is a session with no inputs', () => {
    const r = restoreSessionOrScenario(ledger);
    expect(r).toMatchObject({ ok: true, value: { inputs: [], step: 0, seed: 1 } });
  });
});
