// Kafka's default partitioner, bit for bit: murmur2 over the key's UTF-8 bytes (seed
// 0x9747b28c), made positive with `& 0x7fffffff`, modulo the partition count. Ported from
// org.apache.kafka.common.utils.Utils#murmur2 so a key lands where real Kafka would put it.

const utf8 = new TextEncoder();

/** Kafka's murmur2 (signed 32-bit result, as the Java client returns it). */
export function murmur2(bytes: Uint8Array, length = bytes.length): number {
  const m = 0x5bd1e995;
  const r = 24;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = bytes[i4] | (bytes[i4 + 1] << 8) | (bytes[i4 + 2] << 16) | (bytes[i4 + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  // The Java switch falls through: 3 → 2 → 1.
  const tail = length4 * 4;
  const rest = length & 3;
  if (rest === 3) h ^= bytes[tail + 2] << 16;
  if (rest >= 2) h ^= bytes[tail + 1] << 8;
  if (rest >= 1) {
    h ^= bytes[tail];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive(murmur2(keyBytes)) % numPartitions`. */
let scratch = new Uint8Array(256);
export function partitionForKey(key: string, partitions: number): number {
  // ASCII fast path: the UTF-8 bytes of an ASCII key are its char codes, so no TextEncoder
  // call and no Uint8Array per event.
  const n = key.length;
  if (n > scratch.length) scratch = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return (murmur2(utf8.encode(key)) & 0x7fffffff) % partitions;
    scratch[i] = c;
  }
  return (murmur2(scratch, n) & 0x7fffffff) % partitions;
}
