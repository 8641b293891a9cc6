import assert from 'node:assert/strict';
import { test } from 'node:test';

import { int64String, int64Words, intString, keyString } from '../src/roles/proxy/id-strings.js';

test('intString writes every integer as String does, across each piece boundary', () => {
  const edges = [0, 1, 9, 10, 99, 100, 101, 999, 1000, 9999, 10_000, 10_001, 99_999, 100_000, 999_999, 1_000_000, 1_000_001];
  const more = [9_999_999, 10_000_000, 99_999_999, 100_000_000, 2 ** 31 - 1, -1, -10, -99_999, -(2 ** 31)];
  for (const n of [...edges, ...more]) assert.equal(intString(n), String(n));
  let seed = 7;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const n = seed % 10 ** (1 + (i % 9));
    assert.equal(intString(n), String(n));
  }
});

test('int64String gives Int64 keys as decimal strings, past 32 and 53 bits too', () => {
  const keyStrings = (keys: BigInt64Array) => {
    const words = int64Words(keys);
    return Array.from(keys, (_, i) => int64String(keys, words, i));
  };
  const keys = BigInt64Array.from([
    0n,
    7n,
    123_456n,
    2n ** 31n - 1n,
    2n ** 31n,
    -1n,
    -(2n ** 31n),
    -(2n ** 31n) - 1n,
    2n ** 53n + 1n,
    2n ** 63n - 1n,
    -(2n ** 63n),
  ]);
  assert.deepEqual(keyStrings(keys), [...keys].map(String));
  // A view into a larger buffer, at an offset: the words are read from the view's own place.
  const view = new BigInt64Array(keys.buffer, 16, 4);
  assert.deepEqual(keyStrings(view), [...view].map(String));
  assert.deepEqual(['a', 'b'].map(keyString), ['a', 'b']);
});
