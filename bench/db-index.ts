/**
 * bench/db-index: searching a collection whose sealed segment has a built IVF_FLAT index,
 * through the database, against a bare IvfIndex built with the same parameters over the same
 * vectors (same seed: the same index), so the ratio is what the database adds: the proxy,
 * the consistency wait, the MVCC bitset, the merge and the results. One thread, one query
 * per call and every query in one call, at a sweep of nprobe; recall@10 against the
 * dataset's exact ground truth.
 *
 * Then the cost of background work to searches: single-query latency on one collection at
 * rest, while another collection's segments are indexed, and while it is compacted; and the
 * disk its segment files take once deleted rows are compacted away.
 *
 *   npm run bench:db-index [-- --data ../shared/data] [-- --busy-rows 400000] [-- --only interference]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { recallAtK } from '../src/datasets.js';
import { DataType, IvfIndex, QuiverDB, setThreads } from '../src/index.js';
import { type Dataset, query, synthetic, texmex } from './lib/datasets.js';
import { fixed, machine, table, throughput, turns } from './lib/measure.js';
import { writeSection } from './lib/results.js';

const { values: args } = parseArgs({ options: { data: { type: 'string' }, 'busy-rows': { type: 'string', default: '400000' }, only: { type: 'string' } } });
/** --only siftsmall | fashion-mnist | interference: one section (the results file is left alone). */
const wanted = (section: string) => args.only === undefined || args.only === section;
const K = 10;
const scratch = mkdtempSync(join(tmpdir(), 'quiverdb-bench-db-index-'));

/** Single queries per second: each query in turn, for at least 0.7 s. */
async function singleQps(ds: Dataset, search: (q: Float32Array) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await search(query(ds, i));
  let calls = 0;
  const start = performance.now();
  do await search(query(ds, calls++ % ds.queryCount));
  while (performance.now() - start < 700);
  return calls / ((performance.now() - start) / 1000);
}

async function indexState(db: QuiverDB, collection: string): Promise<string> {
  const { index_descriptions } = (await db.describeIndex({ collection_name: collection, field_name: 'vector' })) as unknown as {
    index_descriptions: { state: string }[];
  };
  return index_descriptions[0].state;
}

async function waitForIndex(db: QuiverDB, collection = 'bench'): Promise<number> {
  const start = performance.now();
  while ((await indexState(db, collection)) !== 'Finished') await delay(20);
  return (performance.now() - start) / 1000;
}

async function benchDataset(ds: Dataset): Promise<string> {
  const truth = ds.truth as { k: number; ids: Int32Array };
  const nlist = 2 ** Math.round(Math.log2(4 * Math.sqrt(ds.count)));
  setThreads(2);
  // One segment whatever its bytes: the seal size is raised past the dataset.
  const db = await QuiverDB.open(join(scratch, ds.name), {
    'dataCoord.segment.maxRows': ds.count,
    'dataCoord.segment.maxSize': 1 << 16,
    'dataCoord.segment.sealProportion': 1,
  });
  await db.createCollection({
    collection_name: 'bench',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vector', data_type: DataType.FloatVector, dim: ds.dim },
    ],
    index_params: [{ field_name: 'vector', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist } }],
  });
  for (let first = 0; first < ds.count; first += 5000) {
    const rows = Array.from({ length: Math.min(5000, ds.count - first) }, (_, i) => ({
      id: first + i,
      vector: ds.base.subarray((first + i) * ds.dim, (first + i + 1) * ds.dim),
    }));
    await db.insert({ collection_name: 'bench', data: rows });
  }
  await db.flush({ collection_names: ['bench'] });
  const buildSeconds = await waitForIndex(db);

  const bare = new IvfIndex({ dim: ds.dim, metric: 'L2', type: 'IVF_FLAT', nlist });
  await bare.train(ds.base);
  await bare.add(
    ds.base,
    BigInt64Array.from({ length: ds.count }, (_, i) => BigInt(i)),
  );

  setThreads(1);
  const rows: (string | number)[][] = [];
  for (const nprobe of [1, 2, 4, 8, 16, 32, 64].filter((p) => p <= nlist)) {
    const throughDb = (q: Float32Array) => db.search({ collection_name: 'bench', data: q, limit: K, params: { nprobe } });
    const throughBare = (q: Float32Array) => bare.search(q, K, { nprobe });
    let dbRecall = 0;
    let bareRecall = 0;
    for (let i = 0; i < ds.queryCount; i++) {
      const { results } = await throughDb(query(ds, i));
      const found = (results as { id: string }[]).map((h) => Number(h.id));
      const one = { dim: truth.k, data: truth.ids.subarray(i * truth.k, (i + 1) * truth.k) };
      dbRecall += recallAtK(found, found.length, one, K);
      const bareHits = await throughBare(query(ds, i));
      bareRecall += recallAtK(bareHits.ids, K, one, K);
    }
    const single = await turns(
      3,
      () => singleQps(ds, throughDb),
      () => singleQps(ds, throughBare),
    );
    const allQueries = Array.from({ length: ds.queryCount }, (_, i) => query(ds, i));
    const batch = await turns(
      3,
      () => throughput(ds.queryCount, () => db.search({ collection_name: 'bench', data: allQueries, limit: K, params: { nprobe } })),
      () => throughput(ds.queryCount, () => bare.search(ds.queries, K, { nprobe })),
    );
    rows.push([
      nprobe,
      fixed(dbRecall / ds.queryCount, 3),
      fixed(bareRecall / ds.queryCount, 3),
      fixed(single.a),
      fixed(single.b),
      `${fixed(single.ratio, 2)}x`,
      fixed(batch.a),
      fixed(batch.b),
      `${fixed(batch.ratio, 2)}x`,
    ]);
  }
  setThreads(2);
  await db.close();
  rmSync(join(scratch, ds.name), { recursive: true, force: true });
  console.log(`${ds.name}: index built ${fixed(buildSeconds, 2)} s after the flush`);
  return [
    `### ${ds.name} (${ds.count} x ${ds.dim}, ${ds.queryCount} queries; IVF_FLAT, nlist ${nlist}, one sealed segment)`,
    '',
    `Index built in the background ${fixed(buildSeconds, 2)} s after the flush resolved.`,
    '',
    "Single: one query per call. Batch: every query in one call (as bench:ann runs every system). Each pair took three rounds of turns (database, bare, bare, database); the ratio is the median of the rounds' ratios.",
    '',
    table(['nprobe', 'recall@10 db', 'recall@10 bare', 'single: db QPS', 'bare QPS', 'db / bare', 'batch: db QPS', 'bare QPS', 'db / bare'], rows),
  ].join('\n');
}

const mib = (bytes: number) => `${fixed(bytes / 2 ** 20, 1)} MiB`;

/** Every file under a folder, with its size. */
function filesUnder(dir: string): { name: string; bytes: number }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [{ name: entry.name, bytes: statSync(join(dir, entry.name)).size }],
  );
}

const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Latencies (ms, sorted) of single searches on `quiet` while `busy()` is true (at least 50 of them). */
async function latencies(db: QuiverDB, ds: Dataset, busy: () => boolean): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; busy() || out.length < 50; i++) {
    const start = performance.now();
    await db.search({ collection_name: 'quiet', data: query(ds, i % ds.queryCount), limit: K, params: { nprobe: 16 } });
    out.push(performance.now() - start);
    if (out.length >= 200_000) break;
  }
  return out.sort((a, b) => a - b);
}

/** Search latency on a quiet collection at rest, during another's index build, and during its compaction. */
async function interference(): Promise<string> {
  const busyRows = Number(args['busy-rows']);
  const quiet = synthetic('quiet', 200_000, 128, 1000, 7);
  const busy = synthetic('busy', busyRows, 128, 10, 8);
  // No automatic compaction (the bench asks for it), compacted files collected a second after,
  // and deleted rows dropped at once (not kept common.retentionDuration for older reads).
  const db = await QuiverDB.open(join(scratch, 'interference'), {
    'dataCoord.compaction.enableAutoCompaction': false,
    'common.retentionDuration': 0,
    'dataCoord.segment.maxRows': 1_000_000,
    'dataCoord.compaction.interval': 1,
    'dataCoord.gc.dropTolerance': 0,
  });
  const fields = [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vector', data_type: DataType.FloatVector, dim: 128 },
  ];
  const index_params = [{ field_name: 'vector', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 1024 } }];
  const fill = async (collection: string, ds: Dataset) => {
    for (let first = 0; first < ds.count; first += 10_000) {
      const rows = Array.from({ length: Math.min(10_000, ds.count - first) }, (_, i) => ({
        id: first + i,
        vector: ds.base.subarray((first + i) * 128, (first + i + 1) * 128),
      }));
      await db.insert({ collection_name: collection, data: rows });
    }
    await db.flush({ collection_names: [collection] });
  };
  await db.createCollection({ collection_name: 'quiet', fields, index_params });
  await fill('quiet', quiet);
  await waitForIndex(db, 'quiet');
  await delay(2000); // the flush's own after-work (freeing its messages) is not "at rest"
  const rest = await latencies(
    db,
    quiet,
    (() => {
      const until = performance.now() + 3000;
      return () => performance.now() < until;
    })(),
  );

  // The busy collection's rows arrive in segments of a tenth each (flushed one by one), then are indexed.
  await db.createCollection({ collection_name: 'busy', fields, index_params });
  const tenth = Math.ceil(busy.count / 10);
  for (let part = 0; part < 10; part++) {
    const rows = Array.from({ length: Math.min(tenth, busy.count - part * tenth) }, (_, i) => ({
      id: part * tenth + i,
      vector: busy.base.subarray((part * tenth + i) * 128, (part * tenth + i + 1) * 128),
    }));
    for (let first = 0; first < rows.length; first += 10_000) await db.insert({ collection_name: 'busy', data: rows.slice(first, first + 10_000) });
    await db.flush({ collection_names: ['busy'] });
  }
  let building = true;
  const built = waitForIndex(db, 'busy').then((seconds) => {
    building = false;
    return seconds;
  });
  const duringBuild = await latencies(db, quiet, () => building);
  const buildSeconds = await built;

  // Compaction: the ten segments are small next to the seal size, so they are merged (up to the seal size).
  const { compactionID } = (await db.compact({ collection_name: 'busy' })) as unknown as { compactionID: string };
  let compacting = true;
  const compactStart = performance.now();
  const compacted = (async () => {
    while (((await db.getCompactionState({ compactionID })) as unknown as { state: string }).state !== 'Completed') await delay(20);
    compacting = false;
  })();
  const duringCompaction = await latencies(db, quiet, () => compacting);
  await compacted;
  const compactSeconds = (performance.now() - compactStart) / 1000;

  // Disk after compaction: 30% of the rows deleted and flushed, then one compaction rewrites the
  // segments without them and a second merges the now smaller ones; old files are collected.
  await db.delete({ collection_name: 'busy', filter: 'id % 10 < 3' });
  await db.flush({ collection_names: ['busy'] });
  for (let round = 0; round < 2; round++) {
    const { compactionID: id } = (await db.compact({ collection_name: 'busy' })) as unknown as { compactionID: string };
    while (((await db.getCompactionState({ compactionID: id })) as unknown as { state: string }).state !== 'Completed') await delay(20);
  }
  await waitForIndex(db, 'busy');
  await delay(2500); // two collection rounds
  const { collectionID } = await db.describeCollection({ collection_name: 'busy' });
  const files = filesUnder(join(scratch, 'interference', 'segments', String(collectionID)));
  const columnBytes = files.filter((f) => f.name.endsWith('.col')).reduce((sum, f) => sum + f.bytes, 0);
  const indexBytes = files.filter((f) => f.name.endsWith('.ivf')).reduce((sum, f) => sum + f.bytes, 0);
  const liveRows = (await db.count({ collection_name: 'busy' })).data as number;
  const liveBytes = liveRows * (128 * 4 + 8 + 8); // vector, key, insert timestamp
  await db.close();
  rmSync(join(scratch, 'interference'), { recursive: true, force: true });
  const row = (name: string, sorted: number[]) => [
    name,
    sorted.length,
    fixed(at(sorted, 0.5), 2),
    fixed(at(sorted, 0.99), 2),
    `${fixed(at(sorted, 0.99) / at(rest, 0.99), 2)}x`,
  ];
  return [
    `### Search latency while other work runs (quiet: 200,000 x 128, IVF_FLAT nlist 1024, nprobe 16; busy: ${busyRows} x 128 in ten segments)`,
    '',
    `Indexing the busy collection's ten segments took ${fixed(buildSeconds, 1)} s (on the low-priority background pool); merging them took ${fixed(compactSeconds, 1)} s (both while the quiet collection was searched back to back: they yield to searches).`,
    '',
    table(
      ['while', 'searches', 'p50 ms', 'p99 ms', 'p99 / at rest'],
      [row('at rest', rest), row('the busy collection is indexed', duringBuild), row('the busy collection is compacted', duringCompaction)],
    ),
    '',
    `Disk after 30% of the busy rows were deleted and two compactions ran: segment column files ${mib(columnBytes)} for ${mib(liveBytes)} of live rows (${liveRows} rows of a vector, a key and a timestamp): ${fixed(columnBytes / liveBytes, 2)}x; index files ${mib(indexBytes)} more.`,
  ].join('\n');
}

const sections: string[] = [];
for (const [name, folder] of [
  ['siftsmall', 'siftsmall'],
  ['fashion-mnist', 'fashion-mnist-784-euclidean'],
]) {
  if (!wanted(name)) continue;
  const section = await benchDataset(await texmex(name, folder, args.data));
  console.log(section);
  sections.push(section);
}
setThreads(2);
if (wanted('interference')) {
  const contention = await interference();
  console.log(contention);
  sections.push(contention);
}
rmSync(scratch, { recursive: true, force: true });
if (args.only === undefined)
  writeSection(
    'db-index',
    [
      '## Search through built segment indexes (bench/db-index)',
      '',
      `\`npm run bench:db-index\` on ${machine()}, ${new Date().toISOString().slice(0, 10)}. One thread (setThreads(1)), one`,
      'query per call and every query in one call, Strong consistency (the default); the database and a bare IvfIndex built',
      'with the same parameters and seed over the same vectors take turns.',
      '',
      ...sections.flatMap((s) => [s, '']),
    ].join('\n'),
  );
