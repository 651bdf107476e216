import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { restoreSession, type Session } from '../engine/session.ts';
import { decodeShareLink, encodeShareLink, isShareFragment, LINK_PREFIX, MAX_JSON_BYTES, MAX_PAYLOAD_CHARS, sharePayload, shareUrl } from './codec.ts';
import { compactSession, prepareForRestore } from './compact.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { LINK_FINE_MAX, LINK_WARN_MAX, linkSizeAdvice, linkSizeMessage } from './size.ts';
import { exampleFiles, loadExample, playedExample, replay } from './testing.ts';

/** An address of the length a deployed site might have. */
const SITE = 'https://eventfold.github.io/eventfold/';

async function open(link: string): Promise<Session> {
  const r = await decodeShareLink(link);
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.session;
}

async function zlib(text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate'));
  return toBase64url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

async function kindOf(link: string) {
  const r = await decodeShareLink(link);
  return r.ok ? 'ok' : r.error.kind;
}

describe('encode then decode', () => {
  for (const file of exampleFiles()) {
    it(`${file}: the opened link replays to the same trace, at the same step and beyond`, async () => {
      const sent = playedExample(file);
      expect(sent.inputs.length).toBeGreaterThan(0);
      const got = await open(await encodeShareLink(sent));
      // Exactly what the sender had, as restoreSession gives it (positions rounded).
      const want = restoreSession(prepareForRestore(sent));
      expect(want.ok && got).toEqual(want.ok && want.value);
      expect(got.step).toBe(sent.step);
      const a = replay(sent);
      const b = replay(got);
      expect(b.step).toBe(a.step);
      expect(b.atStep).toEqual(a.atStep);
      expect(b.further).toEqual(a.further);
      expect(b.atStep.length).toBe(sent.step);
    });
  }

  it('drops every default: the compact form restores to exactly the full session for every example', () => {
    for (const file of exampleFiles()) {
      const c = compactSession(playedExample(file));
      expect(c.compact, file).toBe(true);
      const text = JSON.stringify(c.json);
      expect(text, file).not.toContain('"description":""');
      expect(text, file).not.toContain('"schemaVersion":1,');
      expect(text, file).not.toContain('"idempotency":"none"');
      expect(text, file).not.toContain('"initialMs":100,');
      expect(text, file).not.toMatch(/"id":"[^"]*->/);
    }
  });

  it('rounds positions to whole numbers and keeps the scenario format and version inside', async () => {
    const s = loadExample('fan-out.json');
    s.scenario.nodes[0].position = { x: 10.4, y: -3.6 };
    const link = await encodeShareLink(s);
    const got = await open(link);
    expect(got.scenario.nodes[0].position).toEqual({ x: 10, y: -4 });
    expect(got.scenario.format).toBe('eventfold/scenario');
    expect(got.scenario.version).toBe(1);
  });

  it('keeps a seed that differs from the scenario seed, and a step', async () => {
    const s = { ...loadExample('ledger.json'), seed: 424242, step: 3 };
    const got = await open(await encodeShareLink(s));
    expect(got.seed).toBe(424242);
    expect(got.step).toBe(3);
  });

  it('refuses to encode an invalid session', async () => {
    const s = loadExample('fan-out.json');
    (s.scenario.nodes[1].config as { partitions: number }).partitions = 0;
    await expect(encodeShareLink(s)).rejects.toThrow(/nodes\[1\]\.config\.partitions/);
  });

  it('a typical example link is under 2,000 characters, address included', async () => {
    // The lesson-sized examples must fit; the sizes of all examples are reported.
    const typical = ['fan-out.json', 'ledger.json', 'keyed-crash.session.json', 'order-saga.json'];
    const sizes: Record<string, { scenario: number; played: number }> = {};
    for (const file of exampleFiles()) {
      const bare = shareUrl(SITE, await encodeShareLink(loadExample(file))).length;
      const played = shareUrl(SITE, await encodeShareLink(playedExample(file))).length;
      sizes[file] = { scenario: bare, played };
      if (!typical.includes(file)) continue;
      expect(bare, file).toBeLessThan(LINK_FINE_MAX);
      expect(played, file).toBeLessThan(LINK_FINE_MAX);
    }
    expect(Object.keys(sizes)).toEqual(expect.arrayContaining(typical));
    console.info(`share-link URL lengths (with ${SITE.length}-character address):`, JSON.stringify(sizes));
  });
});

describe('links that do not open', () => {
  it('a link cut short is "truncated", wherever it was cut', async () => {
    const link = await encodeShareLink(loadExample('fan-out.json'));
    for (const cut of [1, 2, 3, 4, 5, 10, 100, link.length - 10, link.length - 2, link.length - 1]) {
      expect(await kindOf(link.slice(0, cut)), `cut at ${cut}`).toBe('truncated');
    }
    const r = await decodeShareLink(link.slice(0, 300));
    expect(r).toMatchObject({ ok: false, error: { kind: 'truncated', message: expect.stringMatching(/cut off.*ask for the complete link/i) } });
  });

  it('a changed character is "corrupted": the zlib checksum catches what raw deflate would not', async () => {
    const link = await encodeShareLink(loadExample('ledger.json'));
    let corrupted = 0;
    for (let i = LINK_PREFIX.length + 6; i < link.length - 8; i += 7) {
      const c = link[i] === 'A' ? 'B' : 'A';
      const kind = await kindOf(link.slice(0, i) + c + link.slice(i + 1));
      expect(['corrupted', 'truncated'], `at ${i}`).toContain(kind);
      if (kind === 'corrupted') corrupted++;
    }
    expect(corrupted).toBeGreaterThan(0);
    expect(await kindOf(`${link.slice(0, 40)}!${link.slice(41)}`)).toBe('corrupted');
    const r = await decodeShareLink(`${link.slice(0, 40)}=${link.slice(41)}`);
    expect(r).toMatchObject({ ok: false, error: { kind: 'corrupted', message: expect.stringContaining('copy the link again') } });
  });

  it('a payload of valid zlib that is not JSON text is "corrupted"', async () => {
    expect(await kindOf(LINK_PREFIX + (await zlib('{"format": "eventfold/sess')))).toBe('corrupted');
    expect(await kindOf(LINK_PREFIX + (await zlib(new Uint8Array([0xff, 0xfe, 0x00]))))).toBe('corrupted');
  });

  it('an oversized link is "too-large", before any work', async () => {
    const r = await decodeShareLink(LINK_PREFIX + 'A'.repeat(MAX_PAYLOAD_CHARS + 1));
    expect(r).toMatchObject({ ok: false, error: { kind: 'too-large', message: expect.stringContaining('as a file') } });
  });

  it('a zip bomb is "too-large": reading stops at the decompressed cap', async () => {
    const bomb = await zlib(new Uint8Array(MAX_JSON_BYTES * 4));
    expect(bomb.length).toBeLessThan(MAX_PAYLOAD_CHARS);
    expect(await kindOf(LINK_PREFIX + bomb)).toBe('too-large');
  });

  it('a newer envelope, session or scenario version is "newer-version" and says to reload', async () => {
    const r = await decodeShareLink('s2z.eJyrVkpLzs9N');
    expect(r).toMatchObject({ ok: false, error: { kind: 'newer-version', message: expect.stringMatching(/newer version of Eventfold \(link format 2\).*Reload/) } });
    const s = JSON.parse(JSON.stringify(prepareForRestore(loadExample('fan-out.json'))));
    s.scenario.version = 2;
    expect(await decodeShareLink(LINK_PREFIX + (await zlib(JSON.stringify(s))))).toMatchObject({ ok: false, error: { kind: 'newer-version', message: expect.stringContaining('scenario format 2') } });
    s.scenario.version = 1;
    s.version = 7;
    expect(await kindOf(LINK_PREFIX + (await zlib(JSON.stringify(s))))).toBe('newer-version');
  });

  it('anything else is "unknown-prefix"', async () => {
    for (const text of ['', '#', 'lesson/3', '#lesson/3/2', 'eJyrVkpLzs9N', 's1x.eJyr', 's0z.eJyr', 'S1Z.eJyr', 'https://example.org/page']) {
      expect(await kindOf(text), JSON.stringify(text)).toBe('unknown-prefix');
    }
    const r = await decodeShareLink('hello');
    expect(r).toMatchObject({ ok: false, error: { kind: 'unknown-prefix', message: expect.stringContaining('#s1z.') } });
  });

  it('a valid envelope around an invalid session is "invalid" and names the field', async () => {
    const s = JSON.parse(JSON.stringify(prepareForRestore(loadExample('fan-out.json'))));
    s.scenario.nodes[1].config.partitions = 65;
    const r = await decodeShareLink(LINK_PREFIX + (await zlib(JSON.stringify(s))));
    expect(r).toMatchObject({
      ok: false,
      error: { kind: 'invalid', message: expect.stringContaining('scenario.nodes[1].config.partitions: must be at most 64'), errors: [{ path: 'scenario.nodes[1].config.partitions' }] },
    });
    expect(await kindOf(LINK_PREFIX + (await zlib('[1,2,3]')))).toBe('invalid');
    expect(await kindOf(LINK_PREFIX + (await zlib('['.repeat(10_000) + ']'.repeat(10_000))))).toBe('invalid');
  });
});

describe('where the payload sits', () => {
  it('opens a fragment with or without "#", a whole URL, and a link wrapped over lines', async () => {
    const link = await encodeShareLink(loadExample('ledger.json'));
    const url = shareUrl('https://example.org/app/?x=1#lesson/2', link);
    expect(url).toBe(`https://example.org/app/?x=1#${link}`);
    const wrapped = link.replace(/(.{60})/g, '$1\n  ');
    for (const form of [link, `#${link}`, url, wrapped]) expect(await kindOf(form)).toBe('ok');
    expect(sharePayload(url)).toBe(link);
    expect(isShareFragment(`#${link}`)).toBe(true);
    expect(isShareFragment('#lesson/3/2')).toBe(false);
    expect(isShareFragment('')).toBe(false);
  });

  it('decodes a bare scenario in an envelope as a session with no inputs', async () => {
    const s = loadExample('fan-out.json');
    const got = await open(LINK_PREFIX + (await zlib(JSON.stringify(prepareForRestore(s).scenario))));
    expect(got).toMatchObject({ format: 'eventfold/session', inputs: [], step: 0, seed: 7 });
  });
});

describe('size advice', () => {
  it('fine up to 2,000, a warning up to 8,000, a file beyond', () => {
    expect([1, LINK_FINE_MAX, LINK_FINE_MAX + 1, LINK_WARN_MAX, LINK_WARN_MAX + 1].map(linkSizeAdvice)).toEqual(['fine', 'fine', 'warn', 'warn', 'file']);
    expect(linkSizeMessage(1234)).toBe('The link is 1,234 characters long.');
    expect(linkSizeMessage(5000)).toMatch(/chat apps.*cut/);
    expect(linkSizeMessage(9000)).toMatch(/Download the scenario as a file/);
  });
});

describe('base64url', () => {
  it('agrees with Node for any bytes, without padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toBase64url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        const back = fromBase64url(text);
        expect(back.ok && Array.from(back.bytes)).toEqual(Array.from(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses characters outside the alphabet and lengths no encoder makes', () => {
    expect(fromBase64url('ab+c')).toMatchObject({ ok: false, problem: 'bad-character', at: 2 });
    expect(fromBase64url('abc=')).toMatchObject({ ok: false, problem: 'bad-character' });
    expect(fromBase64url('abcde')).toMatchObject({ ok: false, problem: 'bad-length' });
  });
});
