/**
 * Keys as the SDK gives hits' ids: decimal strings for Int64 keys. A search of 100 queries
 * makes 1000 of them, so how they are made shows in its cost.
 */
import type { Key } from '../query-service.js';

export function keyString(key: Key): string {
  return typeof key === 'bigint' ? key.toString() : key;
}

/** Where an int64's high 32-bit word is in memory: second on little-endian machines. */
const HIGH_WORD = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0;

/** Int64 keys as 32-bit words, for int64String. */
export function int64Words(keys: BigInt64Array): Int32Array {
  return new Int32Array(keys.buffer, keys.byteOffset, keys.length * 2);
}

/**
 * Key i of `keys` (whose words are `words`) in decimal. Int64 keys that fit in 32 bits, the
 * usual case short of auto_id, are read as two 32-bit words and written by intString: that
 * makes no BigInt per key, which was half the cost of a batch's results.
 */
export function int64String(keys: BigInt64Array, words: Int32Array, i: number): string {
  const low = words[2 * i + 1 - HIGH_WORD];
  return words[2 * i + HIGH_WORD] === low >> 31 ? intString(low) : keys[i].toString();
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i));
const PADDED = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * A non-negative integer below 10^8 in decimal, joined from two-digit pieces. String(n) reads
 * V8's number-to-string cache, a table of 16384 entries read at a random place per number:
 * after a search's scan it is out of the CPU's caches, and each id cost a memory miss (about
 * 50 ns, half the cost of a batch's results on a small collection). The 100 pieces stay cached.
 */
export function intString(n: number): string {
  if (n < 0 || n >= 100_000_000) return `${n}`;
  if (n < 100) return TWO_DIGITS[n];
  if (n < 10_000) return TWO_DIGITS[(n / 100) | 0] + PADDED[n % 100];
  if (n < 1_000_000) return TWO_DIGITS[(n / 10_000) | 0] + PADDED[((n / 100) | 0) % 100] + PADDED[n % 100];
  return TWO_DIGITS[(n / 1_000_000) | 0] + PADDED[((n / 10_000) | 0) % 100] + PADDED[((n / 100) | 0) % 100] + PADDED[n % 100];
}
