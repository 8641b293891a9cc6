// Exact search on real data must reproduce the ground truth exactly.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { dataDir, readFvecs, readIvecs, recallAtK } from '../src/datasets.js';
import { FlatIndex } from '../src/index.js';
import { root, sequentialIds } from './helpers.js';

test('FLAT search on siftsmall returns the exact ground truth (recall@10 and @100 = 1)', async () => {
  const dir = join(dataDir(root), 'siftsmall');
  const base = readFvecs(join(dir, 'base.fvecs'));
  const queries = readFvecs(join(dir, 'query.fvecs'));
  const truth = readIvecs(join(dir, 'groundtruth.ivecs'));
  assert.equal(base.count, 10000);
  assert.equal(queries.count, 100);

  const index = new FlatIndex({ dim: base.dim, metric: 'L2' });
  await index.add(base.data, sequentialIds(base.count));
  const batch = await index.search(queries.data, 100);
  assert.equal(recallAtK(batch.ids, 100, truth, 10), 1);
  assert.equal(recallAtK(batch.ids, 100, truth, 100), 1);

  // One query at a time gives the same answer as the batch.
  for (let q = 0; q < queries.count; q += 9) {
    const single = await index.search(queries.data.subarray(q * base.dim, (q + 1) * base.dim), 100);
    assert.deepEqual([...single.ids], [...batch.at(q).ids]);
  }
});
