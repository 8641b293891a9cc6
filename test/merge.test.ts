import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FlatIndex, InvalidArgumentError, mergeResults } from '../src/index.js';
import { bruteForce, randomVectors, sequentialIds } from './helpers.js';

test('merging per-segment top-k equals searching everything at once', async () => {
  const dim = 20;
  const base = randomVectors(6000, dim, 21);
  const ids = sequentialIds(6000);
  const queries = randomVectors(5, dim, 22);
  for (const metric of ['L2', 'IP'] as const) {
    // Three "segments" of 2000 rows each.
    const segments = [0, 1, 2].map(() => new FlatIndex({ dim, metric }));
    await Promise.all(segments.map((s, i) => s.add(base.subarray(i * 2000 * dim, (i + 1) * 2000 * dim), ids.subarray(i * 2000, (i + 1) * 2000))));
    const parts = await Promise.all(segments.map((s) => s.search(queries, 12)));
    const merged = await mergeResults(parts, 12);
    for (let q = 0; q < 5; q++) {
      assert.deepEqual([...merged.at(q).ids], bruteForce(base, ids, queries.subarray(q * dim, (q + 1) * dim), 12, metric));
    }
  }
});

test('an id found in two segments is returned once, with its best score', async () => {
  const a = new FlatIndex({ dim: 2 });
  const b = new FlatIndex({ dim: 2 });
  await a.add(
    [
      [0, 1],
      [5, 5],
    ],
    [1, 2],
  );
  await b.add(
    [
      [0, 0.5],
      [9, 9],
    ],
    [1, 3],
  );
  const merged = await mergeResults([await a.search([0, 0], 2), await b.search([0, 0], 2)], 3);
  assert.deepEqual([...merged.at(0).ids], [1n, 2n, 3n]);
  assert.equal(merged.at(0).distances[0], 0.25);
});

test('merge rejects mixed metrics and empty input', async () => {
  const l2 = new FlatIndex({ dim: 2, metric: 'L2' });
  const ip = new FlatIndex({ dim: 2, metric: 'IP' });
  await l2.add([[1, 1]], [1]);
  await ip.add([[1, 1]], [1]);
  await assert.rejects(mergeResults([await l2.search([1, 1], 1), await ip.search([1, 1], 1)], 1), InvalidArgumentError);
  await assert.rejects(mergeResults([], 1), InvalidArgumentError);
});
