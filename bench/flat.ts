/**
 * bench/flat: exact top-10 search. On siftsmall, Fashion-MNIST and a seeded synthetic
 * 200k x 128 set, with 1 and 2 threads, it measures in one run:
 *  - QuiverDB's FlatIndex, one query at a time and in batches of 100;
 *  - the peers on the same data: usearch's exactSearch and hnswlib-node's BruteforceSearch;
 *  - this machine's memory bandwidth and peak float32 FMA rate,
 * and prints QPS, our ratio to each peer, the fraction of the bandwidth bound reached by
 * single queries and the fraction of peak FMA reached by batches. Results go to
 * bench/RESULTS.md.
 *
 *   npm run bench:flat [-- --data DIR] [-- --only siftsmall,fashion-mnist,synthetic-200k]
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

import { recallAtK } from '../src/datasets.js';
import { FlatIndex, setThreads, simd } from '../src/index.js';
import { loadNative } from '../src/native/load.js';
import { type Dataset, query, synthetic, texmex } from './lib/datasets.js';
import { fixed, machine, rate, table } from './lib/measure.js';
import { writeSection } from './lib/results.js';

const requirePeer = createRequire(new URL('./package.json', import.meta.url));
// The parts of the peers' APIs used here (their packages live in bench/node_modules).
interface BruteforceSearch {
  initIndex(maxElements: number): void;
  addPoint(point: number[], label: number): void;
  searchKnn(query: number[], k: number): { neighbors: number[]; distances: number[] };
}
const hnswlib = requirePeer('hnswlib-node') as { BruteforceSearch: new (space: string, dim: number) => BruteforceSearch };
const usearch = requirePeer('usearch') as {
  exactSearch(base: Float32Array, queries: Float32Array, dim: number, k: number, metric: string, threads: number): { keys: BigUint64Array };
};

const { values: args } = parseArgs({
  options: { data: { type: 'string' }, only: { type: 'string' } },
});

const K = 10;
const BATCH = 100;
const SINGLE_QUERIES = 200;
const THREADS = [1, 2];

interface Row {
  dataset: string;
  threads: number;
  ours1: number;
  usearch1: number;
  hnsw1: number;
  oursB: number;
  usearchB: number;
  bandwidth: number;
  fma: number;
  boundQps: number;
  fmaShare: number;
  recall: { ours: number; usearch: number; hnsw: number };
}

function batchOf(ds: Dataset, b: number): Float32Array {
  const first = (b * BATCH) % ds.queryCount;
  const n = Math.min(BATCH, ds.queryCount - first);
  return ds.queries.subarray(first * ds.dim, (first + n) * ds.dim);
}

async function bench(ds: Dataset): Promise<Row[]> {
  const native = loadNative();
  const ids = BigInt64Array.from({ length: ds.count }, (_, i) => BigInt(i));
  const index = new FlatIndex({ dim: ds.dim, metric: 'L2' });
  await index.add(ds.base, ids);

  const brute = new hnswlib.BruteforceSearch('l2', ds.dim);
  brute.initIndex(ds.count);
  for (let i = 0; i < ds.count; i++) brute.addPoint(Array.from(ds.base.subarray(i * ds.dim, (i + 1) * ds.dim)), i);

  // Recall of every system on the first 100 queries, against the dataset's ground truth
  // (or against exact QuiverDB results when it has none): the comparison is like for like.
  const checkQueries = Math.min(100, ds.queryCount);
  const ours = await index.search(ds.queries.subarray(0, checkQueries * ds.dim), K);
  const truth = ds.truth ?? { k: K, ids: Int32Array.from(ours.ids, Number) };
  const truthFile = { dim: truth.k, data: truth.ids };
  const theirs = (search: (i: number) => ArrayLike<bigint | number>) => {
    const found = new BigInt64Array(checkQueries * K);
    for (let q = 0; q < checkQueries; q++) found.set(Array.from(search(q), BigInt), q * K);
    return recallAtK(found, K, truthFile, K);
  };
  // usearch 2.25 reads a typed array from the start of its buffer, ignoring a view's
  // offset, so it gets standalone copies of each query and batch (made before timing).
  const queryCopies = Array.from({ length: ds.queryCount }, (_, q) => query(ds, q).slice());
  const batchCopies = Array.from({ length: Math.ceil(ds.queryCount / BATCH) }, (_, b) => batchOf(ds, b).slice());
  const recall = {
    ours: recallAtK(ours.ids, K, truthFile, K),
    usearch: theirs((q) => usearch.exactSearch(ds.base, queryCopies[q], ds.dim, K, 'l2sq', 1).keys),
    hnsw: theirs((q) => brute.searchKnn(Array.from(query(ds, q)), K).neighbors),
  };

  const singles = Math.min(SINGLE_QUERIES, ds.queryCount);
  const batches = Math.ceil(ds.queryCount / BATCH);
  const hnsw1 = await rate((q) => brute.searchKnn(Array.from(query(ds, q)), K), singles);
  const rows: Row[] = [];
  for (const threads of THREADS) {
    setThreads(threads);
    // This VM's bandwidth drifts between runs (other tenants), so each bound is measured
    // right before the figure it bounds.
    const bandwidth = await native.measureBandwidth(1 << 30, threads, 5);
    const ours1 = await rate((q) => index.search(query(ds, q), K), singles);
    const usearch1 = await rate((q) => usearch.exactSearch(ds.base, queryCopies[q], ds.dim, K, 'l2sq', threads), singles);
    const fma = await native.measureFmaRate(threads, 1);
    const oursB = BATCH * (await rate((b) => index.search(batchOf(ds, b), K), batches));
    const usearchB = BATCH * (await rate((b) => usearch.exactSearch(ds.base, batchCopies[b], ds.dim, K, 'l2sq', threads), batches));
    rows.push({
      dataset: `${ds.name} (${ds.count} x ${ds.dim})`,
      threads,
      ours1,
      usearch1,
      hnsw1,
      oursB,
      usearchB,
      bandwidth,
      fma,
      boundQps: bandwidth / (ds.count * ds.dim * 4),
      fmaShare: (oursB * ds.count * ds.dim) / fma,
      recall,
    });
    const r = rows.at(-1)!;
    console.log(
      `${r.dataset} threads=${threads}: read ${fixed(bandwidth / 1e9, 1)} GB/s, peak ${fixed(fma / 1e9, 1)} G FMA/s; one query ${fixed(ours1)} QPS (usearch ${fixed(usearch1)}, hnswlib ${fixed(hnsw1)}), ` +
        `${fixed((100 * ours1) / r.boundQps)}% of the bandwidth bound; batch ${fixed(oursB)} QPS (usearch ${fixed(usearchB)}), ` +
        `${fixed(100 * r.fmaShare)}% of peak FMA`,
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const only = args.only?.split(',');
  const wanted = (name: string) => !only || only.includes(name);

  console.log(`machine: ${machine()}; kernels: ${simd().active}`);
  const rows: Row[] = [];
  if (wanted('siftsmall')) rows.push(...(await bench(await texmex('siftsmall', 'siftsmall', args.data))));
  if (wanted('fashion-mnist')) rows.push(...(await bench(await texmex('fashion-mnist', 'fashion-mnist-784-euclidean', args.data))));
  if (wanted('synthetic-200k')) rows.push(...(await bench(synthetic('synthetic', 200_000, 128, 1000))));

  const single = table(
    ['dataset', 'threads', 'QuiverDB QPS', 'usearch QPS', 'hnswlib QPS', 'vs usearch', 'vs hnswlib', 'read GB/s', 'bound QPS', 'share of bound'],
    rows.map((r) => [
      r.dataset,
      r.threads,
      fixed(r.ours1),
      fixed(r.usearch1),
      fixed(r.hnsw1),
      `${fixed(r.ours1 / r.usearch1, 2)}x`,
      `${fixed(r.ours1 / r.hnsw1, 2)}x`,
      fixed(r.bandwidth / 1e9, 1),
      fixed(r.boundQps),
      `${fixed((100 * r.ours1) / r.boundQps)}%`,
    ]),
  );
  const batch = table(
    ['dataset', 'threads', 'QuiverDB QPS', 'usearch QPS', 'vs usearch', 'peak G FMA/s', 'share of peak FMA'],
    rows.map((r) => [
      r.dataset,
      r.threads,
      fixed(r.oursB),
      fixed(r.usearchB),
      `${fixed(r.oursB / r.usearchB, 2)}x`,
      fixed(r.fma / 1e9, 1),
      `${fixed(100 * r.fmaShare)}%`,
    ]),
  );
  const recall = table(
    ['dataset', 'QuiverDB', 'usearch exactSearch', 'hnswlib BruteforceSearch'],
    rows.filter((r) => r.threads === 1).map((r) => [r.dataset, fixed(r.recall.ours, 4), fixed(r.recall.usearch, 4), fixed(r.recall.hnsw, 4)]),
  );
  console.log(`\n${single}\n\n${batch}\n\n${recall}`);
  writeSection(
    'flat',
    `## bench/flat: exact top-${K} search\n\n` +
      `Command: \`npm run bench:flat\`  \nMachine: ${machine()}  \nKernels: ${simd().active}  \nDate: ${new Date().toISOString().slice(0, 10)}\n\n` +
      `One query at a time (awaited one after another). The bound is the machine's read bandwidth, measured by the benchmark ` +
      `right before each row (a streaming read of 1 GiB with that many threads), divided by the bytes of the vectors: the most ` +
      `queries per second an exact scan can reach. hnswlib-node's brute force is single-threaded.\n\n${single}\n\n` +
      `Batches of ${BATCH} queries. Peak FMA is measured right before each row (independent float32 FMAs with the kernels in ` +
      `use, on that many threads); the share counts one multiply-add per query, vector and dimension.\n\n${batch}\n\n` +
      `recall@${K} of the first 100 queries (against the dataset's exact ground truth; for the synthetic set, against QuiverDB's exact results):\n\n${recall}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
