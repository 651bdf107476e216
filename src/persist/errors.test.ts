import { describe, expect, it } from 'vitest';
import { describeErrors } from '../engine/scenario.ts';
import { describeFieldErrors, persistError, toPersistError } from './errors.ts';
import { broadcastNotifier, isChangeMessage } from './notify.ts';
import { requestPersistence, storageEstimate } from './persistence.ts';
import type { ChangeMessage } from './types.ts';

describe('storage errors for the learner', () => {
  it('classifies what browsers throw', () => {
    const kind = (e: unknown) => toPersistError(e).kind;
    expect(kind(new DOMException('The quota has been exceeded.', 'QuotaExceededError'))).toBe('quota');
    expect(kind({ name: 'NS_ERROR_DOM_QUOTA_REACHED', message: 'Persistent storage maximum size reached' })).toBe('quota');
    expect(kind(new DOMException('x', 'InvalidStateError'))).toBe('unavailable');
    expect(kind(new DOMException('x', 'SecurityError'))).toBe('unavailable');
    expect(kind(new DOMException('x', 'UnknownError'))).toBe('unavailable');
    expect(kind(new DOMException('x', 'VersionError'))).toBe('outdated');
    expect(kind(new DOMException('x', 'DataCloneError'))).toBe('invalid');
    expect(kind(new TypeError('boom'))).toBe('unknown');
    expect(kind('a string')).toBe('unknown');
  });

  it('says the work is kept and what to do', () => {
    expect(toPersistError(new DOMException('x', 'QuotaExceededError')).message).toMatch(/kept in this tab.*export it to a file/);
    expect(toPersistError(new DOMException('x', 'SecurityError')).message).toMatch(/private window/);
  });
});

describe('field errors in a storage message', () => {
  it('are written as the engine writes them, up to eight and a count of the rest', () => {
    const errors = Array.from({ length: 11 }, (_, i) => ({ path: `nodes[${i}].label`, message: 'must not be empty' }));
    for (const n of [0, 1, 8, 9, 11]) expect(describeFieldErrors(errors.slice(0, n))).toBe(describeErrors(errors.slice(0, n)));
    expect(describeFieldErrors(errors)).toContain('…and 3 more');
    expect(persistError('invalid', { errors: errors.slice(0, 1) }).message).toBe('The saved data could not be read.\nnodes[0].label: must not be empty');
  });
});

describe('requestPersistence', () => {
  it('asks once, reports the answer, and never throws', async () => {
    let asked = 0;
    expect(await requestPersistence({ persisted: async () => false, persist: async () => (asked++, true) })).toBe('granted');
    expect(asked).toBe(1);
    expect(await requestPersistence({ persisted: async () => true, persist: async () => (asked++, false) })).toBe('granted');
    expect(asked).toBe(1);
    expect(await requestPersistence({ persist: async () => false })).toBe('denied');
    expect(await requestPersistence({ persist: async () => Promise.reject(new Error('no')) })).toBe('unsupported');
    expect(await requestPersistence({})).toBe('unsupported');
    expect(await requestPersistence(undefined)).toBe('unsupported');
    expect(await storageEstimate({ estimate: async () => ({ usage: 10, quota: 100 }) })).toEqual({ usage: 10, quota: 100 });
    expect(await storageEstimate(undefined)).toBeNull();
  });
});

describe('the BroadcastChannel notifier', () => {
  it('reaches the other notifiers on the channel, not itself, and drops malformed messages', async () => {
    const a = broadcastNotifier('eventfold-test-channel');
    const b = broadcastNotifier('eventfold-test-channel');
    const heardA: ChangeMessage[] = [];
    const heardB: ChangeMessage[] = [];
    a.subscribe((m) => heardA.push(m));
    b.subscribe((m) => heardB.push(m));
    a.publish({ type: 'workspace', id: 'w-1', rev: 2 });
    const raw = new BroadcastChannel('eventfold-test-channel');
    raw.postMessage({ type: 'workspace', id: 42 });
    raw.postMessage({ type: 'settings', key: 'speed' });
    await expect.poll(() => heardB.length).toBe(2);
    expect(heardB).toEqual([{ type: 'workspace', id: 'w-1', rev: 2 }, { type: 'settings', key: 'speed' }]);
    expect(heardA).toEqual([{ type: 'settings', key: 'speed' }]);
    raw.close();
    a.close();
    b.close();
    expect(isChangeMessage({ type: 'workspace', id: 'x', removed: true })).toBe(true);
    expect(isChangeMessage(null)).toBe(false);
  });
});
