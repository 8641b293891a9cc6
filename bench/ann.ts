/**
 * bench/ann: approximate search. On siftsmall, Fashion-MNIST and seeded synthetic sets of
 * 1M and 5M x 128 (5M only when named in --only: it takes over an hour), in one run:
 * QuiverDB's IVF_FLAT, IVF_SQ8 and IVF_PQ (sweeping nprobe), the same IVF_FLAT and IVF_SQ8
 * through the database (a collection searched with db.search), hnswlib-node (sweeping ef),
 * usearch (sweeping expansion_search) and LanceDB (IVF_PQ sweeping nprobes, HNSW-SQ
 * sweeping ef); faiss-node when it can be installed. For each:
 * build time, memory, recall@10 and queries per second on one and two threads; then QPS
 * at recall 0.90 / 0.95 / 0.99 per system and our ratio to the best peer. Writes
 * bench/RESULTS.md (section "ann") and bench/ann-<dataset>.svg.
 *
 *   npm run bench:ann [-- --only siftsmall,fashion-mnist,synthetic-1m,synthetic-5m]
 *                     [-- --skip "usearch,LanceDB HNSW"] [-- --data DIR]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
// QuiverDB as npm installs it: the built package (npm run bench:ann builds it first). From
// src/ through tsx, every closure created pays esbuild's keepNames wrapper (a defineProperty
// call) on every search, which the package does not have.
import { DataType, FlatIndex, IvfIndex, type IvfType, QuiverDB, setThreads, simd } from '../dist/index.js';
import { recallAtK } from '../src/datasets.js';
import { type Dataset, root, synthetic, texmex } from './lib/datasets.js';
import { alternating, fixed, machine, table, throughput } from './lib/measure.js';
import { writeSection } from './lib/results.js';
import { recallQpsChart } from './lib/svg.js';
import { qpsAtRecall, type SweepPoint } from './lib/sweep.js';

const K = 10;
const DATABASE = 'QuiverDB database';
const TARGETS = [0.9, 0.95, 0.99];
const NPROBES = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];
const LANCE_BATCH_ROWS = 500_000;
const packageJson = new URL('./package.json', import.meta.url);
const requirePeer = createRequire(packageJson);
const { values: args } = parseArgs({ options: { data: { type: 'string' }, only: { type: 'string' }, skip: { type: 'string' } } });
/** Runs left out, by system (usearch) or by run (LanceDB HNSW): at 5M rows some builds take most of an hour. */
const skipped = new Set(args.skip?.split(',') ?? []);
const scratch = mkdtempSync(join(tmpdir(), 'quiverdb-ann-'));

interface Run {
  system: string; // QuiverDB, hnswlib-node, usearch, LanceDB
  variant: string;
  build: string; // "12.3 s (2 threads)"
  buildSeconds: number;
  memory: string;
  points: SweepPoint[];
  /** The database's runs: the same index bare, measured in turns with the database at each setting. */
  paired?: PairedPoint[];
  note?: string;
}

/** One setting of the database and the same index bare, taking turns (one thread). */
interface PairedPoint {
  setting: string;
  recall: number;
  database: number;
  bare: number;
  /** database / bare, each over all of its turns. */
  ratio: number;
}

/** Seconds of turns between the database and the bare index at each setting (half each). */
const PAIRED_SECONDS = 20;
/** Each turn's length: far shorter than the half-second this VM's speed holds for (see alternating()). */
const TURN_MS = 50;

/** The exact top ids of every query: `dim` per query, best first. */
interface Truth {
  data: Int32Array;
  dim: number;
}

const recall = (found: ArrayLike<bigint | number>, foundK: number, truth: Truth) => recallAtK(found, foundK, truth, K);

async function timed<T>(work: () => Promise<T> | T): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, (performance.now() - start) / 1000];
}

/** Row i's id is i, in every index built here (recall reads ids as row numbers). */
const rowIds = (count: number) => BigInt64Array.from({ length: count }, (_, i) => BigInt(i));

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Recall and QPS (one thread, then two) at each nprobe, until recall passes 0.999. */
async function nprobeSweep<T>(
  nlist: number,
  nq: number,
  searchAt: (nprobe: number) => () => Promise<T>,
  recallOf: (search: () => Promise<T>) => Promise<number>,
): Promise<SweepPoint[]> {
  const points: SweepPoint[] = [];
  for (const nprobe of NPROBES.filter((p) => p <= nlist)) {
    const search = searchAt(nprobe);
    const r = await recallOf(search);
    setThreads(1);
    const qps1 = await throughput(nq, search);
    setThreads(2);
    const qps2 = await throughput(nq, search);
    points.push({ setting: `nprobe=${nprobe}`, recall: r, qps1, qps2 });
    if (r > 0.999) break;
  }
  return points;
}

// --- QuiverDB ------------------------------------------------------------------------------

async function quiver(ds: Dataset, truth: Truth, type: IvfType): Promise<Run> {
  const nlist = 2 ** Math.round(Math.log2(2 * Math.sqrt(ds.count)));
  const m = type === 'IVF_PQ' ? ds.dim / (ds.dim % 8 === 0 ? 8 : 4) : undefined;
  const index = new IvfIndex({ dim: ds.dim, type, nlist, m, keepVectors: type === 'IVF_PQ' });
  setThreads(2);
  const ids = rowIds(ds.count);
  const [, seconds] = await timed(async () => {
    await index.train(ds.base);
    await index.add(ds.base, ids);
  });
  const refine = type === 'IVF_PQ' ? 4 : 1;
  const points = await nprobeSweep(
    nlist,
    ds.queryCount,
    (nprobe) => () => index.search(ds.queries, K, { nprobe, refine }),
    async (answer) => recall((await answer()).ids, K, truth),
  );
  const params = type === 'IVF_PQ' ? `nlist=${nlist}, m=${m}, refine=${refine}` : `nlist=${nlist}`;
  const memory = mib(index.memoryUsage());
  index.close();
  return {
    system: 'QuiverDB',
    variant: `${type} (${params})`,
    build: `${fixed(seconds, 1)} s (2 threads)`,
    buildSeconds: seconds,
    memory,
    points,
  };
}

// --- QuiverDB, through the database ----------------------------------------------------------

/**
 * The same index as a bare run above (type, nlist, seed), but as a collection: one sealed
 * segment indexed by the index node, searched through db.search (proxy, consistency, MVCC
 * bitset, merge, results as the SDK gives them), every query in one call like the others.
 * The cost of the database is measured against that index bare, built again here and saved
 * and loaded as the query node loads the database's, the two taking turns of 50 ms at each
 * nprobe: on a shared machine, runs minutes apart differ by more than the cost measured, and
 * on this VM so do seconds apart.
 */
async function database(ds: Dataset, truth: Truth, type: 'IVF_FLAT' | 'IVF_SQ8'): Promise<Run> {
  const nlist = 2 ** Math.round(Math.log2(2 * Math.sqrt(ds.count)));
  setThreads(2);
  const db = await QuiverDB.open(join(scratch, `db-${ds.name}-${type}`), {
    'dataCoord.segment.maxRows': ds.count,
    'dataCoord.segment.maxSize': 1 << 16,
    'dataCoord.segment.sealProportion': 1,
  });
  try {
    await db.createCollection({
      collection_name: 'ann',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vector', data_type: DataType.FloatVector, dim: ds.dim },
      ],
      index_params: [{ field_name: 'vector', index_type: type, metric_type: 'L2', params: { nlist } }],
    });
    for (let first = 0; first < ds.count; first += 10_000) {
      const data = Array.from({ length: Math.min(10_000, ds.count - first) }, (_, i) => ({
        id: first + i,
        vector: ds.base.subarray((first + i) * ds.dim, (first + i + 1) * ds.dim),
      }));
      await db.insert({ collection_name: 'ann', data });
    }
    const [, seconds] = await timed(async () => {
      await db.flush({ collection_names: ['ann'] });
      for (;;) {
        const { index_descriptions } = (await db.describeIndex({ collection_name: 'ann', field_name: 'vector' })) as unknown as {
          index_descriptions: { state: string }[];
        };
        if (index_descriptions[0].state === 'Finished') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    // Saved and loaded, as the query node loads the database's index: the two then hold their
    // lists in memory alike (one buffer, on huge pages where the kernel has them).
    const built = new IvfIndex({ dim: ds.dim, type, nlist });
    await built.train(ds.base);
    await built.add(ds.base, rowIds(ds.count));
    const barePath = join(scratch, `bare-${ds.name}-${type}.qvivf`);
    await built.save(barePath);
    built.close();
    const bare = await IvfIndex.load(barePath);
    const queries = Array.from({ length: ds.queryCount }, (_, q) => ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim));
    const search = (nprobe: number) => db.search({ collection_name: 'ann', data: queries, limit: K, params: { nprobe } });
    const dbRecall = async (nprobe: number) => {
      const { results } = await search(nprobe);
      const hits = results as unknown as { id: string }[][];
      return recall(
        hits.flatMap((list) => Array.from({ length: K }, (_, i) => Number(list[i]?.id ?? -1))),
        K,
        truth,
      );
    };
    const points: SweepPoint[] = [];
    const paired: PairedPoint[] = [];
    for (const nprobe of NPROBES.filter((p) => p <= nlist)) {
      const r = await dbRecall(nprobe);
      const bareRecall = recall((await bare.search(ds.queries, K, { nprobe })).ids, K, truth);
      setThreads(1);
      const oneThread = await alternating(
        ds.queryCount,
        PAIRED_SECONDS,
        () => search(nprobe),
        () => bare.search(ds.queries, K, { nprobe }),
        TURN_MS,
      );
      // Against the peers, measured as each of them is.
      const qps1 = await throughput(ds.queryCount, () => search(nprobe));
      setThreads(2);
      const qps2 = await throughput(ds.queryCount, () => search(nprobe));
      points.push({ setting: `nprobe=${nprobe}`, recall: r, qps1, qps2 });
      paired.push({ setting: `nprobe=${nprobe}`, recall: bareRecall, database: oneThread.a, bare: oneThread.b, ratio: oneThread.ratio });
      if (r > 0.999) break;
    }
    bare.close();
    const { infos } = (await db.getQuerySegmentInfo({ collectionName: 'ann' })) as unknown as { infos: { mem_size: number }[] };
    return {
      system: DATABASE,
      variant: `${type} (nlist=${nlist}, one sealed segment)`,
      build: `${fixed(seconds, 1)} s (flush to indexed, 1 background thread)`,
      buildSeconds: seconds,
      memory: mib(infos.reduce((sum, i) => sum + i.mem_size, 0)),
      points,
      paired,
    };
  } finally {
    await db.close();
  }
}

// --- hnswlib-node ----------------------------------------------------------------------------

async function hnswlib(ds: Dataset, truth: Truth): Promise<Run> {
  const { HierarchicalNSW } = requirePeer('hnswlib-node');
  const index = new HierarchicalNSW('l2', ds.dim);
  const rss = process.memoryUsage().rss;
  const [, seconds] = await timed(() => {
    index.initIndex(ds.count, 16, 200, 100);
    for (let i = 0; i < ds.count; i++) index.addPoint(Array.from(ds.base.subarray(i * ds.dim, (i + 1) * ds.dim)), i);
  });
  const memory = process.memoryUsage().rss - rss;
  const path = join(scratch, 'hnswlib.bin');
  index.writeIndexSync(path);
  const workers = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<Worker>((resolve) => {
          const w = new Worker(new URL('./lib/hnswlib-worker.mjs', import.meta.url), { workerData: { packageJson: packageJson.href, dim: ds.dim, path } });
          w.once('message', () => resolve(w));
        }),
    ),
  );
  const half = Math.ceil(ds.queryCount / 2) * ds.dim;
  const parts = [ds.queries.slice(0, half), ds.queries.slice(half)];
  const points: SweepPoint[] = [];
  for (const ef of [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]) {
    index.setEf(ef);
    const found = new Int32Array(ds.queryCount * K);
    const searchAll = () => {
      for (let q = 0; q < ds.queryCount; q++) found.set(index.searchKnn(Array.from(ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim)), K).neighbors, q * K);
    };
    searchAll();
    const r = recall(found, K, truth);
    const qps1 = await throughput(ds.queryCount, searchAll);
    const qps2 = await throughput(ds.queryCount, () =>
      Promise.all(
        workers.map(
          (w, i) =>
            new Promise((done) => {
              w.once('message', done);
              w.postMessage({ ef, queries: parts[i], k: K });
            }),
        ),
      ),
    );
    points.push({ setting: `ef=${ef}`, recall: r, qps1, qps2 });
    if (r > 0.999) break;
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return {
    system: 'hnswlib-node',
    variant: 'HNSW (M=16, efConstruction=200)',
    build: `${fixed(seconds, 1)} s (1 thread: addPoint is synchronous)`,
    buildSeconds: seconds,
    memory: `${mib(memory)} (RSS growth)`,
    points,
  };
}

// --- usearch -----------------------------------------------------------------------------------

async function usearchRun(ds: Dataset, truth: Truth): Promise<Run> {
  const usearch = requirePeer('usearch');
  const make = (expansion: number) =>
    new usearch.Index({ dimensions: ds.dim, metric: 'l2sq', connectivity: 16, expansion_add: 128, expansion_search: expansion });
  const index = make(64);
  const keys = BigUint64Array.from({ length: ds.count }, (_, i) => BigInt(i));
  const rss = process.memoryUsage().rss;
  const [, seconds] = await timed(() => index.add(keys, ds.base, 2));
  const memory = process.memoryUsage().rss - rss;
  const path = join(scratch, 'usearch.bin');
  index.save(path);
  const queries = ds.queries.slice(); // usearch 2.25 ignores a typed array's byteOffset
  const points: SweepPoint[] = [];
  for (const expansion of [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]) {
    // expansion_search is fixed when an index is made: reopen the saved graph with each value.
    const view = make(expansion);
    view.load(path);
    const r = recall(view.search(queries, K, 1).keys, K, truth);
    const qps1 = await throughput(ds.queryCount, () => view.search(queries, K, 1));
    const qps2 = await throughput(ds.queryCount, () => view.search(queries, K, 2));
    points.push({ setting: `expansion_search=${expansion}`, recall: r, qps1, qps2 });
    if (r > 0.999) break;
  }
  return {
    system: 'usearch',
    variant: 'HNSW (connectivity=16, expansion_add=128)',
    build: `${fixed(seconds, 1)} s (2 threads)`,
    buildSeconds: seconds,
    memory: `${mib(memory)} (RSS growth)`,
    points,
  };
}

// --- LanceDB -----------------------------------------------------------------------------------

async function lancedb(ds: Dataset, truth: Truth, kind: 'IVF_PQ' | 'HNSW_SQ'): Promise<Run> {
  const lance = requirePeer('@lancedb/lancedb');
  const arrow = requirePeer('apache-arrow');
  const dir = join(scratch, `lance-${ds.name}-${kind}`);
  const db = await lance.connect(dir);
  const vectorType = new arrow.FixedSizeList(ds.dim, new arrow.Field('item', new arrow.Float32(), true));
  const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int32(), false), new arrow.Field('vector', vectorType, false)]);
  // Batches of at most LANCE_BATCH_ROWS: one 2.4 GiB batch (5M x 128) comes out of Arrow's IPC reader empty.
  const batches: unknown[] = [];
  for (let first = 0; first < ds.count; first += LANCE_BATCH_ROWS) {
    const rows = Math.min(LANCE_BATCH_ROWS, ds.count - first);
    const vectors = arrow.makeData({
      type: vectorType,
      length: rows,
      nullCount: 0,
      child: arrow.makeData({ type: new arrow.Float32(), length: rows * ds.dim, data: ds.base.subarray(first * ds.dim, (first + rows) * ds.dim) }),
    });
    const idData = arrow.makeData({ type: new arrow.Int32(), length: rows, data: Int32Array.from({ length: rows }, (_, i) => first + i) });
    batches.push(new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, children: [idData, vectors] })));
  }
  const partitions = 2 ** Math.round(Math.log2(2 * Math.sqrt(ds.count)));
  const [table, seconds] = await timed(async () => {
    const t = await db.createTable('vectors', new arrow.Table(batches));
    const config =
      kind === 'IVF_PQ'
        ? lance.Index.ivfPq({ numPartitions: partitions, numSubVectors: ds.dim / (ds.dim % 8 === 0 ? 8 : 4), distanceType: 'l2' })
        : lance.Index.hnswSq({ numPartitions: 1, m: 16, efConstruction: 200, distanceType: 'l2' });
    await t.createIndex('vector', { config });
    return t;
  });
  const settings =
    kind === 'IVF_PQ' ? [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64].filter((p) => p <= partitions) : [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];
  const points: SweepPoint[] = [];
  for (const s of settings) {
    const query = () => {
      let q = table.query().nearestTo(ds.queries.subarray(0, ds.dim));
      for (let i = 1; i < ds.queryCount; i++) q = q.addQueryVector(ds.queries.subarray(i * ds.dim, (i + 1) * ds.dim));
      q = kind === 'IVF_PQ' ? q.nprobes(s).refineFactor(4) : q.ef(s);
      return q.limit(K).select(['id', '_distance']).toArray();
    };
    const rows = (await query()) as { id: number; query_index: number }[];
    const found = new Int32Array(ds.queryCount * K).fill(-1);
    const filled = new Int32Array(ds.queryCount);
    for (const row of rows) found[row.query_index * K + filled[row.query_index]++] = row.id;
    const r = recall(found, K, truth);
    const qps = await throughput(ds.queryCount, query);
    points.push({ setting: kind === 'IVF_PQ' ? `nprobes=${s}` : `ef=${s}`, recall: r, qps1: qps, qps2: NaN });
    if (r > 0.999) break;
  }
  const variant = kind === 'IVF_PQ' ? `IVF_PQ (partitions=${partitions}, refine=4)` : 'HNSW_SQ (m=16, efConstruction=200)';
  return {
    system: 'LanceDB',
    variant,
    build: `${fixed(seconds, 1)} s (its own threads)`,
    buildSeconds: seconds,
    memory: 'on disk',
    points,
    note: 'LanceDB runs queries on its own thread pool, so its one figure is listed as single-thread.',
  };
}

async function faissNode(): Promise<string> {
  try {
    requirePeer('faiss-node');
    return 'faiss-node loaded, but is not benchmarked yet.';
  } catch (error) {
    return `faiss-node is not part of this run: it cannot be installed on this machine (its install downloads binaries from GitHub, which is unreachable): ${(error as Error).message.split('\n')[0]}`;
  }
}

// --- the run -------------------------------------------------------------------------------------

async function exactTruth(ds: Dataset): Promise<Truth> {
  if (ds.truth) return { data: ds.truth.ids, dim: ds.truth.k };
  const flat = new FlatIndex({ dim: ds.dim });
  await flat.add(ds.base, rowIds(ds.count));
  const exact = await flat.search(ds.queries, K);
  return { data: Int32Array.from(exact.ids, Number), dim: K };
}

/** What the synthetic sets are (bench/lib/datasets.ts synthetic()). */
const SYNTHETIC =
  "The synthetic rows are a seeded mixture of 256 Gaussian clusters (centres drawn from N(0, 4²) per dimension, rows from N(centre, 1)); the queries are drawn the same way. Clustered data suits IVF_FLAT; quantized codes (IVF_SQ8 and IVF_PQ here, LanceDB's PQ) lose recall on it, as the spread within a cluster is small against the spread of the centres.";

/**
 * The database's cost at a recall: its turns' ratio to the bare index at the two settings
 * around that recall, interpolated. Both search one index with one setting, so a setting's
 * ratio is the cost at its recall; each side's own sweep, cut to its Pareto front, would let
 * one noisy window (a higher nprobe measured faster) move the other side's figure.
 */
function pairedRatioAtRecall(paired: PairedPoint[], target: number): number {
  const points = [...paired].sort((a, b) => a.recall - b.recall);
  const above = points.findIndex((p) => p.recall >= target);
  if (above < 0) return Number.NaN;
  if (above === 0) return points[0].ratio;
  const [a, b] = [points[above - 1], points[above]];
  return a.ratio + ((target - a.recall) / (b.recall - a.recall)) * (b.ratio - a.ratio);
}

const times = (x: number) => (Number.isFinite(x) ? `${fixed(x, 2)}x` : '–');
const ratio = (ours: number, other: number) => times(ours / other);

async function benchDataset(ds: Dataset): Promise<string> {
  console.log(`\n${ds.name}: ${ds.count} x ${ds.dim}, ${ds.queryCount} queries`);
  const truth = await exactTruth(ds);
  const runs: Run[] = [];
  const attempt = async (name: string, work: () => Promise<Run>) => {
    if (skipped.has(name) || skipped.has(name.split(' ')[0])) return;
    try {
      const run = await work();
      runs.push(run);
      const best = run.points.reduce((a, b) => (b.recall > a.recall ? b : a));
      console.log(`  ${run.system} ${run.variant}: build ${run.build}, best recall ${fixed(best.recall, 3)}`);
    } catch (error) {
      console.log(`  ${name} failed: ${(error as Error).message}`);
    }
    // Native indexes are invisible to V8's heap accounting: free this run's before the next.
    globalThis.gc?.();
  };
  for (const type of ['IVF_FLAT', 'IVF_SQ8', 'IVF_PQ'] as const) await attempt(type, () => quiver(ds, truth, type));
  for (const type of ['IVF_FLAT', 'IVF_SQ8'] as const) await attempt(`${DATABASE} ${type}`, () => database(ds, truth, type));
  await attempt('hnswlib-node', () => hnswlib(ds, truth));
  await attempt('usearch', () => usearchRun(ds, truth));
  await attempt('LanceDB IVF_PQ', () => lancedb(ds, truth, 'IVF_PQ'));
  await attempt('LanceDB HNSW', () => lancedb(ds, truth, 'HNSW_SQ'));

  const sweep = table(
    ['system', 'index', 'build', 'memory', 'setting', 'recall@10', 'QPS 1 thread', 'QPS 2 threads'],
    runs.flatMap((run) => run.points.map((p) => [run.system, run.variant, run.build, run.memory, p.setting, fixed(p.recall, 3), fixed(p.qps1), fixed(p.qps2)])),
  );
  const systems = [...new Set(runs.map((r) => r.system))];
  const best = (system: string, target: number) =>
    Math.max(
      ...runs
        .filter((r) => r.system === system)
        .map((r) => qpsAtRecall(r.points, target))
        .map((q) => (Number.isNaN(q) ? -Infinity : q)),
    );
  const summary = table(
    ['system', ...TARGETS.map((t) => `QPS at recall ${t}`)],
    [
      ...systems.map((s) => [s, ...TARGETS.map((t) => fixed(best(s, t)))]),
      ...['QuiverDB', DATABASE].map((ours) => [
        `${ours} / best peer`,
        ...TARGETS.map((t) => ratio(best(ours, t), Math.max(...systems.filter((s) => !s.startsWith('QuiverDB')).map((s) => best(s, t))))),
      ]),
      // The cost of the database: each index type through it against the same index bare, in turns.
      ...runs
        .filter((r) => r.paired)
        .map((r) => [
          `${DATABASE} ${r.variant.split(' ')[0]} / bare, in turns`,
          ...TARGETS.map((t) => times(pairedRatioAtRecall(r.paired as PairedPoint[], t))),
        ]),
    ],
  );
  const pairs = runs
    .filter((r) => r.paired)
    .map(
      (r) =>
        `${r.variant.split(' ')[0]}:\n\n${table(
          ['setting', 'recall@10', 'database QPS', 'bare QPS', 'database / bare'],
          (r.paired as PairedPoint[]).map((p) => [p.setting, fixed(p.recall, 3), fixed(p.database), fixed(p.bare), `${fixed(p.ratio, 2)}x`]),
        )}`,
    )
    .join('\n\n');
  const hnswBuild = runs.find((r) => r.system === 'hnswlib-node')?.buildSeconds;
  const builds = runs
    .filter((r) => r.system === 'QuiverDB' && hnswBuild)
    .map((r) => `${r.variant}: ${fixed(hnswBuild! / r.buildSeconds, 1)}x faster to build than hnswlib-node`)
    .join('; ');
  const svg = `ann-${ds.name}.svg`;
  writeFileSync(
    join(root, 'bench', svg),
    recallQpsChart(
      `${ds.name} (${ds.count} x ${ds.dim}): recall@10 against QPS, one thread`,
      runs.map((r) => ({ name: `${r.system} ${r.variant.split(' (')[0]}`, points: r.points.map((p) => ({ recall: p.recall, qps: p.qps1 })) })),
    ),
  );
  const notes = [...new Set(runs.map((r) => r.note).filter(Boolean))].join(' ');
  console.log(`\n${summary}\n${builds}`);
  return `### ${ds.name} (${ds.count} x ${ds.dim}, ${ds.queryCount} queries)\n\nQPS at each recall@10, one thread, interpolated on each system's sweep (its best index type):\n\n${summary}\n\n${builds}.\n\n![recall against QPS](${svg})\n\n<details><summary>The database against the same index bare (saved and loaded, as the query node loads the database's), taking turns of ${TURN_MS} ms (database, bare, bare, database, ...) for ${PAIRED_SECONDS} s at each setting; one thread; QPS over all of each one's turns; the summary's rows "/ bare, in turns" interpolate these ratios at each recall)</summary>\n\n${pairs}\n\n</details>\n\n<details><summary>Every point of every sweep</summary>\n\n${sweep}\n\n</details>\n\n${notes}\n`;
}

async function main(): Promise<void> {
  const only = args.only?.split(',');
  console.log(`machine: ${machine()}; kernels: ${simd().active}`);
  const faiss = await faissNode();
  console.log(faiss);
  const header = (name: string) =>
    `## bench/ann: approximate top-${K} search, ${name}\n\nCommand: \`npm run bench:ann -- --only ${name}${args.skip ? ` --skip "${args.skip}"` : ''}\` (or without --only, every dataset but synthetic-5m)  \nMachine: ${machine()}  \nKernels: ${simd().active}  \nDate: ${new Date().toISOString().slice(0, 10)}\n\n` +
    `QuiverDB is measured as npm installs it (the built package, dist/). Every system answers the same queries as one batch per call; QPS is queries answered per second, the best of three windows of at least 0.3 s (as ann-benchmarks takes the best of its runs). "1 thread" pins QuiverDB's pool and usearch's search to one thread; hnswlib-node searches on the calling thread (two threads: two worker threads, each with its own copy of the index). ` +
    `Recall is against the dataset's exact ground truth (for the synthetic set, exact FLAT search computed in the same run). ${faiss}\n\n` +
    (name.startsWith('synthetic') ? `${SYNTHETIC}\n\n` : '') +
    (args.skip ? `Left out of this run: ${args.skip}.\n\n` : '');
  const datasets: [string, () => Promise<Dataset>][] = [
    ['siftsmall', () => texmex('siftsmall', 'siftsmall', args.data)],
    ['fashion-mnist', () => texmex('fashion-mnist', 'fashion-mnist-784-euclidean', args.data)],
    ['synthetic-1m', async () => synthetic('synthetic-1m', 1_000_000, 128, 1000)],
    ['synthetic-5m', async () => synthetic('synthetic-5m', 5_000_000, 128, 1000)],
  ];
  for (const [name, load] of datasets) {
    if (only ? !only.includes(name) : name === 'synthetic-5m') continue;
    writeSection(`ann-${name}`, header(name) + (await benchDataset(await load())));
  }
  rmSync(scratch, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
