import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { murmur2, partitionForKey } from './murmur2.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('Kafka default partitioner', () => {
  // Golden vectors from Apache Kafka's UtilsTest.testMurmur2 (the Java client's own test).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    ['', 275646681],
  ])('[P2] murmur2(%j) is %i, as in the Java client', (input, expected) => {
    expect(murmur2(utf8(input))).toBe(expected);
  });

  it('[P2] partition = (murmur2 & 0x7fffffff) % N: "foobar" over 50 partitions is 16', () => {
    expect(partitionForKey('foobar', 50)).toBe(16);
    // -790332482 & 0x7fffffff = 1357151166; 1357151166 % 3 = 0
    expect(partitionForKey('foobar', 3)).toBe(1357151166 % 3);
  });

  it('[P2] hashes UTF-8 bytes, not UTF-16 code units', () => {
    expect(murmur2(utf8('é'))).not.toBe(murmur2(new Uint8Array(['é'.charCodeAt(0)])));
    expect(partitionForKey('é', 1000)).toBe((murmur2(new Uint8Array([0xc3, 0xa9])) & 0x7fffffff) % 1000);
  });
});

describe('the partitioner on text', () => {
  it('[P2] puts any key where murmur2 over its UTF-8 bytes does (ASCII read from the string, other text encoded)', () => {
    fc.assert(
      // Mostly ASCII, with now and then a character of two, three or four UTF-8 bytes anywhere.
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '~', '\u007f', 'é', 'ß', 'ж', '\u07ff', '日', '€', '😀'), maxLength: 24 }), fc.integer({ min: 1, max: 1000 }), (key, n) => {
        expect(partitionForKey(key, n)).toBe((murmur2(utf8(key)) & 0x7fffffff) % n);
      }),
      { numRuns: 2000 },
    );
  });
});
