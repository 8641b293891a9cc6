/**
 * The Quick-start demo: the database on siftsmall (10,000 SIFT descriptors, 100 queries).
 * It creates a collection with a key, the vector and two scalar fields, inserts every row,
 * searches each query (exactly: recall@10 against the ground truth must be 1.0), reads rows
 * back by key, deletes and upserts, then closes and reopens the database and counts again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { QuiverDB } from './client/embedded.js';
import { dataDir, readFvecs, readIvecs, recallAtK } from './datasets.js';
import { packageRoot } from './native/load.js';
import { getThreads, simd } from './native/runtime.js';
import { DataType } from './schema/data-type.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const source = join(dataDir(packageRoot()), 'siftsmall');
  const base = readFvecs(join(source, 'base.fvecs'));
  const queries = readFvecs(join(source, 'query.fvecs'));
  const truth = readIvecs(join(source, 'groundtruth.ivecs'));
  console.log(`siftsmall: ${base.count} vectors, ${queries.count} queries, dim ${base.dim} (${source})`);
  console.log(`native: ${simd().active} kernels, ${getThreads()} threads`);

  const dir = mkdtempSync(join(tmpdir(), 'quiverdb-demo-'));
  try {
    let db = await QuiverDB.open(dir, {}, { log: (line) => console.log(line) });
    await db.createCollection({
      collection_name: 'sift',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vector', data_type: DataType.FloatVector, dim: base.dim },
        { name: 'bucket', data_type: DataType.VarChar, max_length: 16 },
        { name: 'norm', data_type: DataType.Float },
      ],
      index_params: [{ field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' }],
    });
    const vector = (i: number) => base.data.subarray(i * base.dim, (i + 1) * base.dim);
    const row = (i: number) => ({ id: i, vector: vector(i), bucket: `b${i % 7}`, norm: Math.hypot(...vector(i)) });
    let start = performance.now();
    for (let first = 0; first < base.count; first += 1000) {
      await db.insert({ collection_name: 'sift', data: Array.from({ length: Math.min(1000, base.count - first) }, (_, i) => row(first + i)) });
    }
    const insertMs = performance.now() - start;
    console.log(
      `inserted ${base.count} rows in ${insertMs.toFixed(0)} ms (${((base.count / insertMs) * 1000).toFixed(0)} rows/s, each batch durable in the log)`,
    );

    const k = 10;
    const latencies: number[] = [];
    const found = new BigInt64Array(queries.count * k);
    let first: Record<string, unknown> | undefined;
    for (let q = 0; q < queries.count; q++) {
      start = performance.now();
      const { results } = await db.search({
        collection_name: 'sift',
        data: queries.data.subarray(q * queries.dim, (q + 1) * queries.dim),
        limit: k,
        output_fields: ['bucket'],
      });
      latencies.push(performance.now() - start);
      for (const [i, hit] of results.entries()) found[q * k + i] = BigInt(hit.id);
      first ??= results[0];
    }
    latencies.sort((a, b) => a - b);
    const recall = recallAtK(found, k, truth, k);
    console.log(
      `search: recall@10 ${recall.toFixed(4)}; latency p50 ${percentile(latencies, 50).toFixed(3)} ms, p99 ${percentile(latencies, 99).toFixed(3)} ms`,
    );
    console.log(`the best hit of query 0: ${JSON.stringify(first)}`);

    const rows = await db.get({ collection_name: 'sift', ids: [0, 1, 2], output_fields: ['bucket', 'norm'] });
    console.log(`get ids 0, 1, 2: ${JSON.stringify(rows.data)}`);
    await db.delete({ collection_name: 'sift', ids: [0, 1] });
    await db.upsert({ collection_name: 'sift', data: [{ ...row(2), bucket: 'replaced' }] });
    console.log(`after deleting 2 rows and upserting 1: ${(await db.count({ collection_name: 'sift' })).data} rows`);
    await db.flush({ collection_names: ['sift'] });
    await db.close();

    start = performance.now();
    db = await QuiverDB.open(dir);
    const reopened = (await db.count({ collection_name: 'sift' })).data;
    const again = await db.get({ collection_name: 'sift', ids: [2], output_fields: ['bucket'] });
    console.log(`reopened in ${(performance.now() - start).toFixed(0)} ms: ${reopened} rows; id 2 is ${JSON.stringify(again.data[0])}`);
    await db.close();
    if (recall !== 1 || reopened !== base.count - 2) {
      console.error('exact search should find every true neighbour, and the reopened database every row');
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
