// Optional modules (kinds/index.ts OPTIONAL): an engine includes one exactly when its scenario
// needs it, at a fixed place in the build order, so what else is loaded never changes a run.
import { describe, expect, it } from 'vitest';
import { MODULES, OPTIONAL, modulesFor } from './index.ts';
import { StreamKind } from './stream.ts';
import { ServiceKind } from './service.ts';
import { RegistryKind } from './registry.ts';
import { Replication } from './replication.ts';
import { restoreScenario, type Scenario } from '../scenario.ts';
import { createEngine } from '../engine.ts';

const scenario = (rf?: number, more: { id: string; kind: string; config?: object }[] = []): Scenario => {
  const r = restoreScenario({ format: 'eventfold/scenario', version: 1, nodes: [{ id: 'orders', kind: 'topic', config: rf ? { replicationFactor: rf } : {} }, ...more] });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
};
const everything = () => scenario(3, [{ id: 'billing', kind: 'service' }, { id: 'counts', kind: 'stream' }]);

describe('optional engine modules', () => {
  it('[K11] are in an engine only when its scenario needs them, right after their core module', () => {
    // The test setup loaded every optional module (kinds/all.ts): loaded is not the same as included.
    expect(modulesFor(scenario())).toEqual(MODULES);
    const mods = modulesFor(scenario(3));
    expect(mods).toHaveLength(MODULES.length + 1);
    expect(mods[mods.indexOf(RegistryKind) + 1]).toBe(Replication);
    // Several after one core module: in OPTIONAL's order, which is the build order they had as core modules.
    const all = modulesFor(everything());
    expect(all.slice(all.indexOf(RegistryKind), all.indexOf(RegistryKind) + 4)).toEqual([RegistryKind, ServiceKind, StreamKind, Replication]);
    expect(modulesFor(scenario(1, [{ id: 'counts', kind: 'stream' }]))).toEqual([...MODULES.slice(0, -1), StreamKind, MODULES.at(-1)]);
  });

  it('each names a marker every scenario that needs it contains, so the worker can spot it in any JSON', () => {
    for (const o of OPTIONAL) {
      expect(o.needs(everything())).toBe(true);
      expect(JSON.stringify(everything()).includes(o.marker)).toBe(true);
      expect(o.needs(scenario())).toBe(false);
    }
    expect(OPTIONAL.find((o) => o.name === 'replication')!.needs(scenario(1))).toBe(false);
  });

  it('are found by name, and absent ones are null to the modules that ask', () => {
    expect(createEngine(scenario()).view().nodes.orders).toMatchObject({ kind: 'topic', replication: null });
    expect(createEngine(scenario(3)).view().nodes.orders).toMatchObject({ kind: 'topic', replication: { factor: 3 } });
    const refused = createEngine(scenario()).act({ kind: 'broker-fail', node: 'orders' });
    expect(refused).toMatchObject({ ok: false });
  });
});
