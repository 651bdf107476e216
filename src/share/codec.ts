// The share-link codec: a session in a URL fragment, never sent to a server.
//
//   #s1z.eJyrVkpLzs9N…
//    │││ └ base64url, no padding, of zlib deflate (RFC 1950) of the session's JSON
//    ││└── codec: z = zlib via CompressionStream('deflate')
//    │└─── envelope version
//    └──── what the link holds: s = a session (a bare scenario is a session with no inputs)
//
// zlib rather than raw deflate: its Adler-32 checksum catches a changed character that raw
// deflate would decode into a different scenario. The scenario keeps its own `format` and
// `version` inside, so a scenario format change needs no new envelope; a new codec or a new
// envelope layout needs a new envelope version (never reuse `s1` for anything but `s1z`).
//
// Every link that was ever made must decode forever: tests/fixtures/links/ holds links
// encoded by each released version, and codec.golden.test.ts opens them all.
//
// Decoding never throws, caps the compressed and the decompressed size (no zip bombs), and
// lets a session in only through restoreSessionOrScenario, the one door.
import { describeErrors, SCENARIO_VERSION, type FieldError } from '../engine/scenario.ts';
import { restoreSessionOrScenario, SESSION_VERSION, type Session } from '../engine/session.ts';
import { fromBase64url, toBase64url } from './base64url.ts';
import { compactSession } from './compact.ts';

/** The envelope this build writes. */
export const LINK_PREFIX = 's1z.';
/** The newest envelope version this build reads. */
export const LINK_VERSION = 1;
/**
 * Most characters after the prefix a link may have. Far above what a link should carry (at
 * 8,000 the UI offers a file instead) and below what browsers keep in an address (Chromium:
 * 2 MB); the point is to refuse absurd input before any work.
 */
export const MAX_PAYLOAD_CHARS = 256 * 1024;
/**
 * Most bytes of JSON a link may inflate to. A session at the format's limits (200 nodes, 100,000
 * inputs) is a few MB; a link that big is not a link. Reading stops here: a zip bomb costs
 * at most this much memory.
 */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Deepest nesting of JSON accepted (the format's deepest structures are far shallower). */
const MAX_DEPTH = 64;

export type ShareErrorKind = 'truncated' | 'corrupted' | 'too-large' | 'newer-version' | 'unknown-prefix' | 'invalid';

export interface ShareError {
  kind: ShareErrorKind;
  /** For the learner: what is wrong and what to do about it. */
  message: string;
  /** For `invalid`: which fields of the scenario or session were refused. */
  errors?: FieldError[];
}

export type DecodedLink = { ok: true; session: Session } | { ok: false; error: ShareError };

/**
 * The fragment payload for `session` (without the `#`): `s1z.` + base64url(zlib(JSON)).
 * Only fields that differ from the format's defaults are written, and node positions are
 * rounded. Throws a TypeError for a session that does not pass restoreSession.
 */
export async function encodeShareLink(session: Session): Promise<string> {
  const { json } = compactSession(session);
  const bytes = await deflate(new TextEncoder().encode(JSON.stringify(json)));
  return LINK_PREFIX + toBase64url(bytes);
}

/**
 * Opens a link: the fragment (with or without `#`) or a whole URL. Resolves to a session
 * that passed restoreSessionOrScenario, or to a typed error with a message for the
 * learner. Never rejects.
 */
export async function decodeShareLink(fragment: string): Promise<DecodedLink> {
  try {
    return await decodeWithoutSafetyNet(fragment);
  } catch {
    // Nothing above should throw; if something does, it is still a bad link, not a crash.
    return fail('corrupted');
  }
}

/** The share payload in a URL, a `#fragment` or a bare payload; null when there is none. */
export function sharePayload(urlOrFragment: string): string | null {
  if (typeof urlOrFragment !== 'string') return null;
  const hash = urlOrFragment.indexOf('#');
  const text = (hash >= 0 ? urlOrFragment.slice(hash + 1) : urlOrFragment).replace(/\s+/g, '');
  return ENVELOPE.test(text) ? text : null;
}

/**
 * True when a fragment holds a share payload (as opposed to a deep link such as
 * `#lesson/3`, which the app handles elsewhere).
 */
export function isShareFragment(urlOrFragment: string): boolean {
  return sharePayload(urlOrFragment) !== null;
}

/** `pageUrl` with its fragment replaced by the share payload. */
export function shareUrl(pageUrl: string, payload: string): string {
  const hash = pageUrl.indexOf('#');
  return `${hash >= 0 ? pageUrl.slice(0, hash) : pageUrl}#${payload}`;
}

// ---------------------------------------------------------------------------- decoding

/** `s` + envelope version + codec letters + `.`: the grammar every envelope version keeps. */
const ENVELOPE = /^s(\d{1,6})([a-z]{1,8})\./;

/** decodeShareLink without its last-resort catch: the fuzz test checks nothing reaches it. */
export async function decodeWithoutSafetyNet(input: string): Promise<DecodedLink> {
  if (typeof input !== 'string') return fail('unknown-prefix');
  const hash = input.indexOf('#');
  // Chat apps and mail wrap long links: whitespace is never part of a payload.
  const text = (hash >= 0 ? input.slice(hash + 1) : input).replace(/\s+/g, '');
  const m = ENVELOPE.exec(text);
  if (!m) {
    // A prefix cut short ("s1" or "s1z") is a link cut off, not a foreign one.
    if (text.length > 0 && LINK_PREFIX.startsWith(text)) return fail('truncated');
    return fail('unknown-prefix');
  }
  const version = Number(m[1]);
  if (version > LINK_VERSION) return fail('newer-version', `link format ${version}`);
  if (version !== LINK_VERSION || m[2] !== 'z') return fail('unknown-prefix');

  const payload = text.slice(m[0].length);
  if (payload.length === 0) return fail('truncated');
  if (payload.length > MAX_PAYLOAD_CHARS) return fail('too-large');
  const b64 = fromBase64url(payload);
  if (!b64.ok) return fail(b64.problem === 'bad-length' ? 'truncated' : 'corrupted');

  const inflated = await inflate(b64.bytes, MAX_JSON_BYTES);
  if (!inflated.ok) return fail(inflated.problem);

  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(inflated.bytes));
  } catch {
    // The checksum held, so these are the bytes that were encoded: not JSON means not ours.
    return fail('corrupted');
  }
  if (tooDeep(data, MAX_DEPTH)) return fail('invalid', undefined, [{ path: '(top level)', message: `is nested more than ${MAX_DEPTH} levels deep` }]);
  const newer = newerFormat(data);
  if (newer) return fail('newer-version', newer);
  const restored = restoreSessionOrScenario(data);
  if (!restored.ok) return fail('invalid', undefined, restored.errors);
  return { ok: true, session: restored.value };
}

/** Names a scenario or session format newer than this build reads, or null. */
function newerFormat(data: unknown): string | null {
  if (data === null || typeof data !== 'object') return null;
  const d = data as { format?: unknown; version?: unknown; scenario?: unknown };
  if (d.format === 'eventfold/session' && typeof d.version === 'number' && d.version > SESSION_VERSION) return `session format ${d.version}`;
  const s = (d.format === 'eventfold/session' ? d.scenario : d) as { format?: unknown; version?: unknown } | null;
  if (s && typeof s === 'object' && s.format === 'eventfold/scenario' && typeof s.version === 'number' && s.version > SCENARIO_VERSION) return `scenario format ${s.version}`;
  return null;
}

/** True when `value` nests deeper than `max` (checked without recursion). */
function tooDeep(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

// ---------------------------------------------------------------------------- zlib

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

type Inflated = { ok: true; bytes: Uint8Array } | { ok: false; problem: 'truncated' | 'corrupted' | 'too-large' };

/**
 * Inflates zlib data, reading at most `cap` bytes of output. How a stream ends tells a cut
 * link from a changed one: zlib reports a stream that stops before its end (Node:
 * Z_BUF_ERROR "unexpected end of file"; Chromium: "Compressed input was truncated", on
 * close) apart from bad data or a failed checksum (Node: Z_DATA_ERROR; Chromium: "not
 * valid", on write). Anything else unclear counts as corrupted.
 */
async function inflate(bytes: Uint8Array, cap: number): Promise<Inflated> {
  const ds = new DecompressionStream('deflate');
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  let phase: 'write' | 'close' = 'write';
  let writeError: unknown = null;
  const writing = (async () => {
    try {
      await writer.write(bytes as BufferSource);
      phase = 'close';
      await writer.close();
    } catch (e) {
      writeError = e;
    }
  })();

  const chunks: Uint8Array[] = [];
  let total = 0;
  let readError: unknown = null;
  let tooLarge = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) {
        tooLarge = true;
        break;
      }
      chunks.push(value);
    }
  } catch (e) {
    readError = e;
  }
  if (tooLarge) {
    // Stop the decompressor: nothing more is read, and both sides settle.
    await reader.cancel().catch(() => {});
    await writer.abort().catch(() => {});
    await writing;
    return { ok: false, problem: 'too-large' };
  }
  await writing;
  const error = readError ?? writeError;
  if (error) return { ok: false, problem: isTruncation(error, phase) ? 'truncated' : 'corrupted' };
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, bytes: out };
}

function isTruncation(error: unknown, phase: 'write' | 'close'): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (code === 'Z_DATA_ERROR' || /not valid|invalid|incorrect|junk/i.test(message)) return false;
  if (code === 'Z_BUF_ERROR' || /truncat|unexpected end/i.test(message)) return true;
  // A stream that failed only when told it had ended was missing its end.
  return phase === 'close';
}

// ---------------------------------------------------------------------------- messages

function fail(kind: ShareErrorKind, detail?: string, errors?: FieldError[]): DecodedLink {
  return { ok: false, error: { kind, message: messageFor(kind, detail, errors), ...(errors ? { errors } : {}) } };
}

function messageFor(kind: ShareErrorKind, detail?: string, errors?: FieldError[]): string {
  switch (kind) {
    case 'truncated':
      return 'The link looks cut off: its end is missing, which often happens when a chat app or an email shortens a long link. Ask for the complete link, or for the scenario as a file.';
    case 'corrupted':
      return 'The link is damaged: some of its characters were changed, so its check failed. Ask the sender to copy the link again, or to send the scenario as a file.';
    case 'too-large':
      return 'The link is too large to open safely. Ask the sender for the scenario as a file (Export) instead.';
    case 'newer-version':
      return `The link was made by a newer version of Eventfold${detail ? ` (${detail})` : ''}. Reload the page to get the newest Eventfold, then open the link again.`;
    case 'unknown-prefix':
      return `This is not an Eventfold share link: a share link's address ends in "#${LINK_PREFIX}…". Check that you copied the whole link.`;
    case 'invalid':
      return `The link opened, but the scenario in it is not valid, so it was not loaded:\n${describeErrors(errors ?? [])}\nAsk the sender to check the scenario and share it again.`;
  }
}
