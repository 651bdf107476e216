// The codec in real Chromium: its CompressionStream, and its own wording of zlib errors,
// which must still tell a cut link from a changed one.
import { describe, expect, it } from 'vitest';
import { decodeShareLink, encodeShareLink, LINK_PREFIX } from './codec.ts';
import { restoreSessionOrScenario } from '../engine/session.ts';
import fanOut from '../examples/fan-out.json';
import keyedCrash from '../examples/keyed-crash.session.json';
import goldenFanOut from '../../tests/fixtures/links/v1-fan-out.txt?raw';
import goldenKeyedCrash from '../../tests/fixtures/links/v1-keyed-crash-session.txt?raw';
import goldenLedger from '../../tests/fixtures/links/v1-ledger.txt?raw';
import goldenSaga from '../../tests/fixtures/links/v1-order-saga.txt?raw';

async function kindOf(link: string) {
  const r = await decodeShareLink(link);
  return r.ok ? 'ok' : r.error.kind;
}

describe('share links in Chromium', () => {
  it('opens every golden link', async () => {
    for (const link of [goldenFanOut, goldenKeyedCrash, goldenLedger, goldenSaga]) expect(await kindOf(link)).toBe('ok');
    const r = await decodeShareLink(goldenKeyedCrash);
    expect(r.ok && { name: r.session.scenario.name, step: r.session.step, inputs: r.session.inputs.length }).toEqual({
      name: 'Keys, partitions and a crash before the commit',
      step: 29,
      inputs: 7,
    });
  });

  it('round-trips the examples, and the link opens in Node the same (see codec.test.ts)', async () => {
    for (const data of [fanOut, keyedCrash]) {
      const s = restoreSessionOrScenario(data);
      if (!s.ok) throw new Error('example refused');
      const link = await encodeShareLink(s.value);
      expect(link.startsWith(LINK_PREFIX)).toBe(true);
      const back = await decodeShareLink(`https://example.org/#${link}`);
      expect(back.ok && back.session.scenario.name).toBe(s.value.scenario.name);
    }
  });

  it('tells a cut link, a changed link and junk at the end apart', async () => {
    const link = goldenFanOut.trim();
    for (const cut of [5, 50, 400, link.length - 1]) expect(await kindOf(link.slice(0, cut))).toBe('truncated');
    const i = 300;
    expect(await kindOf(link.slice(0, i) + (link[i] === 'A' ? 'B' : 'A') + link.slice(i + 1))).toBe('corrupted');
    expect(['ok', 'corrupted']).toContain(await kindOf(`${link}AAAA`));
  });
});
