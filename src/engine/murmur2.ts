// Kafka's default partitioner, bit for bit: murmur2 over the key's UTF-8 bytes (seed
// 0x9747b28c), made positive with `& 0x7fffffff`, modulo the partition count. Ported from
// org.apache.kafka.common.utils.Utils#murmur2 so a key lands where real Kafka would put it.

const utf8 = new TextEncoder();

// The steps of murmur2, shared by the two readers below (V8 inlines them). The multiplier is
// written as a literal: a bundler turns a module's const into a var the JIT reloads and checks.

/** Mixes one 4-byte block `k` (little-endian) into `h`. */
function block(h: number, k: number): number {
  k = Math.imul(k, 0x5bd1e995);
  k ^= k >>> 24;
  k = Math.imul(k, 0x5bd1e995);
  return Math.imul(h, 0x5bd1e995) ^ k;
}

/** Mixes the last 0–3 bytes (`rest` of them: b0, b1, b2) into `h`, then the final avalanche. */
function end(h: number, rest: number, b0: number, b1: number, b2: number): number {
  // The Java switch falls through: 3 → 2 → 1.
  if (rest === 3) h ^= b2 << 16;
  if (rest >= 2) h ^= b1 << 8;
  if (rest >= 1) h = Math.imul(h ^ b0, 0x5bd1e995);
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's murmur2 (signed 32-bit result, as the Java client returns it). */
export function murmur2(bytes: Uint8Array, length = bytes.length): number {
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    h = block(h, bytes[i4] | (bytes[i4 + 1] << 8) | (bytes[i4 + 2] << 16) | (bytes[i4 + 3] << 24));
  }
  const tail = length4 * 4;
  const rest = length & 3;
  return end(h, rest, rest > 0 ? bytes[tail] : 0, rest > 1 ? bytes[tail + 1] : 0, rest > 2 ? bytes[tail + 2] : 0);
}

/**
 * Kafka's `Utils.toPositive(murmur2(keyBytes)) % numPartitions`. An ASCII key's UTF-8 bytes are
 * its char codes, so murmur2 reads them straight from the string (no bytes written, no buffer;
 * issue #11); a key with any other character is encoded first.
 */
export function partitionForKey(key: string, partitions: number): number {
  const length = key.length;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    const b0 = key.charCodeAt(i4);
    const b1 = key.charCodeAt(i4 + 1);
    const b2 = key.charCodeAt(i4 + 2);
    const b3 = key.charCodeAt(i4 + 3);
    if ((b0 | b1 | b2 | b3) >= 0x80) return encoded(key, partitions);
    h = block(h, b0 | (b1 << 8) | (b2 << 16) | (b3 << 24));
  }
  const tail = length4 * 4;
  const rest = length & 3;
  const b0 = rest > 0 ? key.charCodeAt(tail) : 0;
  const b1 = rest > 1 ? key.charCodeAt(tail + 1) : 0;
  const b2 = rest > 2 ? key.charCodeAt(tail + 2) : 0;
  if ((b0 | b1 | b2) >= 0x80) return encoded(key, partitions);
  return (end(h, rest, b0, b1, b2) & 0x7fffffff) % partitions;
}

function encoded(key: string, partitions: number): number {
  return (murmur2(utf8.encode(key)) & 0x7fffffff) % partitions;
}
