import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  ClosedError,
  DimensionMismatchError,
  DuplicateIdError,
  FlatIndex,
  InvalidArgumentError,
  InvalidKError,
  MAX_K,
  NonFiniteValueError,
  QuiverError,
  SearchResults,
} from '../src/index.js';
import { bitset, bruteForce, randomVectors, sequentialIds } from './helpers.js';

async function filledIndex(metric: 'L2' | 'IP' | 'COSINE', count: number, dim: number, seed: number) {
  const index = new FlatIndex({ dim, metric });
  const base = randomVectors(count, dim, seed);
  const ids = sequentialIds(count, 100);
  await index.add(base, ids);
  return { index, base, ids };
}

describe('FlatIndex search', () => {
  for (const metric of ['L2', 'IP', 'COSINE'] as const) {
    test(`${metric}: exact top-k of a batch, sorted best first`, async () => {
      const dim = 24;
      const { index, base, ids } = await filledIndex(metric, 3000, dim, 1);
      const queries = randomVectors(9, dim, 2);
      const results = await index.search(queries, 15);
      assert.equal(results.nq, 9);
      assert.equal(results.metric, metric);
      let q = 0;
      for (const hits of results) {
        const query = queries.subarray(q * dim, (q + 1) * dim);
        assert.deepEqual([...hits.ids], bruteForce(base, ids, query, 15, metric));
        const d = [...hits.distances];
        const sorted = [...d].sort((a, b) => (metric === 'L2' ? a - b : b - a));
        assert.deepEqual(d, sorted);
        q++;
      }
    });
  }

  test('distances are squared L2, inner product and cosine similarity', async () => {
    const a = [1, 2, 2];
    for (const [metric, expected] of [
      ['L2', 9 + 0 + 1],
      ['IP', 4 + 4 + 6],
      ['COSINE', (4 + 4 + 6) / (3 * Math.sqrt(16 + 4 + 9))],
    ] as const) {
      const index = new FlatIndex({ dim: 3, metric });
      await index.add([[4, 2, 3]], [7]);
      const hits = (await index.search(a, 1)).at(0);
      assert.equal(hits.ids[0], 7n);
      assert.ok(Math.abs(hits.distances[0] - expected) < 1e-5, `${metric}: ${hits.distances[0]} vs ${expected}`);
    }
  });

  test('accepts rows, packed arrays, number ids and lower-case metrics', async () => {
    const index = new FlatIndex({ dim: 2, metric: 'cosine' });
    assert.equal(index.metric, 'COSINE');
    await index.add(
      [
        [1, 0],
        [0, 1],
      ],
      [1, 2],
    );
    await index.add(new Float32Array([1, 1]), [3n]);
    assert.equal(index.size, 3);
    const hits = (await index.search([[1, 0.1]], 3)).at(0);
    assert.deepEqual([...hits.ids], [1n, 3n, 2n]);
  });

  test('the filter bitset excludes rows and k results still come back', async () => {
    const dim = 16;
    const { index, base, ids } = await filledIndex('L2', 5000, dim, 3);
    const keep = (row: number) => row % 50 === 0; // 100 rows pass
    const exclude = bitset(5000, (row) => !keep(row));
    const query = randomVectors(1, dim, 4);
    const hits = (await index.search(query, 40, { exclude })).at(0);
    assert.equal(hits.ids.length, 40);
    assert.deepEqual(
      [...hits.ids],
      bruteForce(base, ids, query, 40, 'L2', (row) => !keep(row)),
    );
  });

  test('k larger than the rows returns every row in rows of that many slots; MAX_K is accepted', async () => {
    const { index } = await filledIndex('L2', 10, 4, 5);
    const results = await index.search(randomVectors(2, 4, 6), MAX_K);
    assert.equal(results.k, 10);
    assert.deepEqual([...results.counts], [10, 10]);
    assert.equal(results.at(1).ids.length, 10);
    const filtered = await index.search(randomVectors(1, 4, 6), MAX_K, { exclude: bitset(10, (r) => r < 3) });
    assert.equal(filtered.counts[0], 7);
    assert.equal(filtered.ids[9], -1n); // padding
    assert.ok(Number.isNaN(filtered.distances[9]));
  });

  test('remove hides ids, counts them, and ignores unknown ones', async () => {
    const { index, base } = await filledIndex('L2', 200, 8, 7);
    assert.equal(await index.remove([100, 101, 5000]), 2);
    assert.equal(index.size, 198);
    assert.equal(index.rows, 200);
    const hits = (await index.search(base.subarray(0, 8), 200)).at(0);
    assert.equal(hits.ids.length, 198);
    assert.ok(!hits.ids.includes(100n) && !hits.ids.includes(101n));
  });

  test('memoryUsage covers the vectors', async () => {
    const { index } = await filledIndex('L2', 1000, 64, 8);
    assert.ok(index.memoryUsage() >= 1000 * 64 * 4);
  });
});

test('close frees the index: work already queued finishes, every later call is a ClosedError', async () => {
  const { index, base } = await filledIndex('L2', 500, 8, 4);
  const queries = base.subarray(0, 8 * 3);
  const expected = await index.search(queries, 4);
  const running = index.search(queries, 4);
  index.close();
  assert.deepEqual((await running).ids, expected.ids);
  assert.throws(() => index.size, ClosedError);
  assert.throws(() => index.memoryUsage(), ClosedError);
  await assert.rejects(index.search(queries, 1), ClosedError);
  await assert.rejects(index.add(base.subarray(0, 8), [1]), ClosedError);
  await assert.rejects(index.remove([100]), ClosedError);
  await assert.rejects(index.vectors([0]), ClosedError);
  assert.deepEqual([index.dim, index.metric], [8, 'L2']);
  index.close(); // a second time: nothing
});

describe('FlatIndex bad input', () => {
  async function assertRejects(promise: Promise<unknown>, type: new (...a: never[]) => QuiverError, code: string) {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
      assert.ok(error instanceof QuiverError);
      assert.equal((error as QuiverError).code, code);
      return true;
    });
  }

  test('typed errors with stable codes, and nothing is added', async () => {
    const { index } = await filledIndex('L2', 10, 4, 9);
    const fresh = sequentialIds(2, 1000);
    await assertRejects(index.add(new Float32Array(8 + 1), fresh), DimensionMismatchError, 'QV_DIMENSION_MISMATCH');
    await assertRejects(index.add([[1, 2, 3]], [1000]), DimensionMismatchError, 'QV_DIMENSION_MISMATCH');
    await assertRejects(index.add(new Float32Array([1, 2, 3, NaN, 1, 2, 3, 4]), fresh), NonFiniteValueError, 'QV_NON_FINITE');
    await assertRejects(index.add(new Float32Array([1, 2, 3, 4, 1, Infinity, 3, 4]), fresh), NonFiniteValueError, 'QV_NON_FINITE');
    await assertRejects(index.add(new Float32Array(8), [1000, 100]), DuplicateIdError, 'QV_DUPLICATE_ID');
    await assertRejects(index.add(new Float32Array(8), [1000, 1000]), DuplicateIdError, 'QV_DUPLICATE_ID');
    await assertRejects(index.add(new Float32Array(8), [1000]), InvalidArgumentError, 'QV_INVALID_ARGUMENT');
    await assertRejects(index.add(new Float32Array(4), [0.5]), InvalidArgumentError, 'QV_INVALID_ARGUMENT');
    await assertRejects(index.add(new Float32Array(4), [2n ** 63n]), InvalidArgumentError, 'QV_INVALID_ARGUMENT');
    assert.equal(index.size, 10);
    assert.equal(index.rows, 10);

    const query = new Float32Array(4);
    for (const k of [0, -1, 1.5, MAX_K + 1, Number.NaN]) {
      await assertRejects(index.search(query, k), InvalidKError, 'QV_INVALID_K');
    }
    await assertRejects(index.search(new Float32Array(5), 1), DimensionMismatchError, 'QV_DIMENSION_MISMATCH');
    await assertRejects(index.search(new Float32Array([0, NaN, 0, 0]), 1), NonFiniteValueError, 'QV_NON_FINITE');
    await assertRejects(index.search(new Float32Array(0), 1), InvalidArgumentError, 'QV_INVALID_ARGUMENT');
    await assertRejects(index.search(query, 1, { exclude: [1, 2] as unknown as Uint8Array }), InvalidArgumentError, 'QV_INVALID_ARGUMENT');
    // The index still works after all of that.
    assert.equal((await index.search(query, 3)).counts[0], 3);
  });

  test('constructor arguments are checked', () => {
    assert.throws(() => new FlatIndex({ dim: 0 }), InvalidArgumentError);
    assert.throws(() => new FlatIndex({ dim: 1.5 }), InvalidArgumentError);
    assert.throws(() => new FlatIndex({ dim: 4, metric: 'HAMMING' as 'L2' }), InvalidArgumentError);
    assert.throws(() => new FlatIndex(undefined as unknown as { dim: number }), InvalidArgumentError);
  });

  test('at() checks its argument', async () => {
    const { index } = await filledIndex('L2', 3, 2, 10);
    const results = await index.search([0, 0], 1);
    assert.ok(results instanceof SearchResults);
    assert.throws(() => results.at(1), InvalidArgumentError);
  });
});
