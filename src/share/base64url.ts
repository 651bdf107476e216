// base64url without padding (RFC 4648 §5): the alphabet that survives in a URL fragment
// untouched. Hand-written rather than btoa/atob so it runs the same in Node and browsers,
// works on bytes (not "binary strings"), and says "invalid" instead of throwing.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function toBase64url(bytes: Uint8Array): string {
  const out: string[] = [];
  let chunk = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    chunk += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
    // Flush now and then: long string concatenations build deep ropes.
    if (chunk.length >= 8192) {
      out.push(chunk);
      chunk = '';
    }
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    chunk += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    chunk += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63];
  }
  out.push(chunk);
  return out.join('');
}

export type Base64Problem = 'bad-character' | 'bad-length';

/**
 * Decodes unpadded base64url. A length of 4n+1 cannot come out of an encoder: the text was
 * cut mid-character (`bad-length`). Any character outside the alphabet, `=` included, is
 * `bad-character`.
 */
export function fromBase64url(text: string): { ok: true; bytes: Uint8Array } | { ok: false; problem: Base64Problem; at: number } {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || VALUE[c] < 0) return { ok: false, problem: 'bad-character', at: i };
  }
  if (text.length % 4 === 1) return { ok: false, problem: 'bad-length', at: text.length };
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 3 < text.length; i += 4) {
    const n = (VALUE[text.charCodeAt(i)] << 18) | (VALUE[text.charCodeAt(i + 1)] << 12) | (VALUE[text.charCodeAt(i + 2)] << 6) | VALUE[text.charCodeAt(i + 3)];
    bytes[o++] = n >> 16;
    bytes[o++] = (n >> 8) & 255;
    bytes[o++] = n & 255;
  }
  const rest = text.length - i;
  if (rest >= 2) {
    let n = (VALUE[text.charCodeAt(i)] << 18) | (VALUE[text.charCodeAt(i + 1)] << 12);
    if (rest === 3) n |= VALUE[text.charCodeAt(i + 2)] << 6;
    bytes[o++] = n >> 16;
    if (rest === 3) bytes[o++] = (n >> 8) & 255;
  }
  return { ok: true, bytes };
}
