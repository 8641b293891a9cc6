/**
 * The Quick-start demo: loads siftsmall (10,000 SIFT descriptors, 100 queries), searches
 * it exactly with FlatIndex and prints recall@10 against the ground truth and the latency
 * of single queries and of the whole batch.
 */
import { join } from 'node:path';

import { dataDir, readFvecs, readIvecs, recallAtK } from './datasets.js';
import { FlatIndex } from './indexes/flat-index.js';
import { packageRoot } from './native/load.js';
import { getThreads, simd, versions } from './native/runtime.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const dir = join(dataDir(packageRoot()), 'siftsmall');
  const base = readFvecs(join(dir, 'base.fvecs'));
  const queries = readFvecs(join(dir, 'query.fvecs'));
  const truth = readIvecs(join(dir, 'groundtruth.ivecs'));
  console.log(`siftsmall: ${base.count} vectors, ${queries.count} queries, dim ${base.dim} (${dir})`);
  console.log(`native: ${simd().active} kernels, ${getThreads()} threads, RocksDB ${versions().rocksdb}`);

  const index = new FlatIndex({ dim: base.dim, metric: 'L2' });
  const ids = BigInt64Array.from({ length: base.count }, (_, i) => BigInt(i));
  let start = performance.now();
  await index.add(base.data, ids);
  console.log(`added ${index.size} vectors in ${(performance.now() - start).toFixed(1)} ms`);

  const k = 10;
  const latencies: number[] = [];
  const found = new BigInt64Array(queries.count * k);
  for (let q = 0; q < queries.count; q++) {
    const query = queries.data.subarray(q * queries.dim, (q + 1) * queries.dim);
    start = performance.now();
    const result = await index.search(query, k);
    latencies.push(performance.now() - start);
    found.set(result.ids, q * k);
  }
  latencies.sort((a, b) => a - b);
  start = performance.now();
  const batch = await index.search(queries.data, k);
  const batchMs = performance.now() - start;

  const recall = recallAtK(found, k, truth, k);
  const batchRecall = recallAtK(batch.ids, k, truth, k);
  console.log(`recall@10: ${recall.toFixed(4)} (one query at a time), ${batchRecall.toFixed(4)} (batch)`);
  console.log(
    `latency per query: p50 ${percentile(latencies, 50).toFixed(3)} ms, p99 ${percentile(latencies, 99).toFixed(3)} ms; ` +
      `batch of ${queries.count}: ${batchMs.toFixed(2)} ms (${((queries.count / batchMs) * 1000).toFixed(0)} QPS)`,
  );
  if (recall !== 1 || batchRecall !== 1) {
    console.error('exact search should find every true neighbour');
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
