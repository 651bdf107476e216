// The session schemas load with the first open (not with the first screen): when they
// cannot be loaded (offline, or the site was updated since the page opened), opening a
// saved workspace answers an error that says what to do, throws nothing and loses nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import fanOut from '../examples/fan-out.json';

afterEach(() => {
  vi.doUnmock('../engine/session.ts');
  vi.resetModules();
});

describe('opening a saved workspace whose schemas cannot be loaded', () => {
  it('answers a reload message, and opens it once they load again', async () => {
    const { restoreSessionOrScenario } = await import('../engine/session.ts');
    const restored = restoreSessionOrScenario(fanOut);
    if (!restored.ok) throw new Error('fan-out does not restore');
    vi.resetModules();
    vi.doMock('../engine/session.ts', () => {
      throw new Error('Failed to fetch dynamically imported module');
    });
    const { createMemoryRepo, MemoryStorage } = { ...(await import('./repo.ts')), ...(await import('./backend.ts')) };
    const storage = new MemoryStorage();
    const repo = createMemoryRepo({ storage });
    const made = await repo.create({ name: 'Mine', origin: 'blank', session: restored.value }, 1);
    if (!made.ok) throw new Error(made.error.message);

    const r = await repo.open(made.value.id);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/could not load what it needs to read your saved work.*Reload the page/s);

    // Nothing was lost: the same storage opens it once the schemas load.
    vi.doUnmock('../engine/session.ts');
    vi.resetModules();
    const again = (await import('./repo.ts')).createMemoryRepo({ storage });
    const ok = await again.open(made.value.id);
    expect(ok.ok && ok.value.session.scenario.name).toBe(restored.value.scenario.name);
  });
});
