/**
 * Int64 without loss. JavaScript numbers hold integers exactly only up to 2^53, so Int64
 * values are accepted as safe-integer numbers, bigints or decimal strings, kept as bigint,
 * and returned as decimal strings (as the Milvus SDK returns them).
 */
const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

/** The value as a bigint, or a reason why it is not an Int64. */
export function toInt64(value: unknown): bigint | string {
  if (typeof value === 'bigint') return value >= MIN && value <= MAX ? value : 'outside the Int64 range';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return `${value} is not an integer`;
    if (!Number.isSafeInteger(value)) return `${value} is past 2^53 and may have lost digits: pass a bigint or a decimal string`;
    return BigInt(value);
  }
  if (typeof value === 'string' && /^-?\d{1,19}$/.test(value)) {
    const n = BigInt(value);
    return n >= MIN && n <= MAX ? n : 'outside the Int64 range';
  }
  return `expected an integer (number, bigint or decimal string), got ${describe(value)}`;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
