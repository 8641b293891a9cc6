/**
 * bench/db-scale: the cost of growth. One collection with the default configuration and
 * AUTOINDEX grows through 100k, 1M and 5M rows of seeded clustered 128-d vectors; at each
 * size, once compaction merges nothing more and every sealed segment is indexed: the
 * smallest nprobe with recall@10 >= 0.95 (against exact search over the same rows, in this
 * run), then single-query latency p50/p99 at that nprobe (default threads), and the
 * segments, resident memory and disk it takes.
 *
 *   npm run bench:db-scale [-- --sizes 100000,1000000,5000000] [-- --queries 200]
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { recallAtK } from '../src/datasets.js';
import { DataType, FlatIndex, QuiverDB } from '../src/index.js';
import { query, root, synthetic } from './lib/datasets.js';
import { fixed, machine, table } from './lib/measure.js';
import { writeSection } from './lib/results.js';
import { lineChart } from './lib/svg.js';

const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '100000,1000000,5000000' }, queries: { type: 'string', default: '200' } },
});
const sizes = args.sizes.split(',').map(Number);
const K = 10;
const DIM = 128;
// Steps of about 1.5x, so that each size takes close to the least work that reaches 0.95.
const NPROBES = [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256];
const scratch = mkdtempSync(join(tmpdir(), 'quiverdb-bench-db-scale-'));
const dir = join(scratch, 'db');

function bytesUnder(path: string): number {
  return readdirSync(path, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? bytesUnder(join(path, e.name)) : statSync(join(path, e.name)).size),
    0,
  );
}

async function indexed(db: QuiverDB): Promise<void> {
  for (;;) {
    const { index_descriptions } = (await db.describeIndex({ collection_name: 'bench', field_name: 'vector' })) as unknown as {
      index_descriptions: { state: string }[];
    };
    if (index_descriptions[0].state === 'Finished') return;
    await delay(200);
  }
}

/** The ids of the sealed segments the catalog holds, and of those the query node searches. */
async function segmentIds(db: QuiverDB): Promise<{ stored: string; searched: string }> {
  const ids = (infos: { segmentID: number }[]) =>
    infos
      .map((s) => String(s.segmentID))
      .sort()
      .join();
  const stored = (await db.getPersistentSegmentInfo({ collectionName: 'bench' })) as unknown as { infos: { segmentID: number }[] };
  const searched = (await db.getQuerySegmentInfo({ collectionName: 'bench' })) as unknown as { infos: { segmentID: number; state: string }[] };
  return { stored: ids(stored.infos), searched: ids(searched.infos.filter((s) => s.state === 'Sealed')) };
}

/**
 * The collection as it settles: compactions (automatic ones, and one asked for) until the
 * segments stop changing, every sealed segment indexed and searched (a merged segment is
 * swapped in once its index is built).
 */
async function settled(db: QuiverDB): Promise<void> {
  for (;;) {
    await indexed(db);
    let before = await segmentIds(db);
    while (before.stored !== before.searched) {
      await delay(200);
      before = await segmentIds(db);
    }
    const { compactionID } = (await db.compact({ collection_name: 'bench' })) as unknown as { compactionID: string };
    while (((await db.getCompactionState({ compactionID })) as unknown as { state: string }).state !== 'Completed') await delay(200);
    if ((await segmentIds(db)).stored === before.stored) return;
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const ds = synthetic('scale', Math.max(...sizes), DIM, Number(args.queries), 11);
const db = await QuiverDB.open(dir);
await db.createCollection({
  collection_name: 'bench',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vector', data_type: DataType.FloatVector, dim: DIM },
  ],
  index_params: [{ field_name: 'vector', index_type: 'AUTOINDEX', metric_type: 'L2' }],
});
const exact = new FlatIndex({ dim: DIM, metric: 'L2' });
const rows: (string | number)[][] = [];
const p50s: number[] = [];
const p99s: number[] = [];
let inserted = 0;
for (const size of sizes) {
  const started = performance.now();
  for (; inserted < size; inserted += 10_000) {
    const data = Array.from({ length: Math.min(10_000, size - inserted) }, (_, i) => ({
      id: inserted + i,
      vector: ds.base.subarray((inserted + i) * DIM, (inserted + i + 1) * DIM),
    }));
    await db.insert({ collection_name: 'bench', data });
  }
  inserted = size;
  await db.flush({ collection_names: ['bench'] });
  await settled(db);
  const readySeconds = (performance.now() - started) / 1000;
  const start = exact.size;
  await exact.add(
    ds.base.subarray(start * DIM, size * DIM),
    BigInt64Array.from({ length: size - start }, (_, i) => BigInt(start + i)),
  );
  const truth = await exact.search(ds.queries, K);

  const search = (i: number, nprobe: number) => db.search({ collection_name: 'bench', data: query(ds, i % ds.queryCount), limit: K, params: { nprobe } });
  let chosen = NPROBES[NPROBES.length - 1];
  let recall = 0;
  for (const nprobe of NPROBES) {
    recall = 0;
    for (let i = 0; i < ds.queryCount; i++) {
      const { results } = await search(i, nprobe);
      const found = (results as unknown as { id: string }[]).map((h) => Number(h.id));
      recall += recallAtK(found, found.length, { dim: K, data: Int32Array.from(truth.ids.subarray(i * K, (i + 1) * K), Number) }, K);
    }
    recall /= ds.queryCount;
    chosen = nprobe;
    if (recall >= 0.95) break;
  }
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) await search(i, chosen);
  for (let i = 0; i < 1000; i++) {
    const t = performance.now();
    await search(i, chosen);
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  p50s.push(percentile(latencies, 0.5));
  p99s.push(percentile(latencies, 0.99));
  const { infos } = (await db.getQuerySegmentInfo({ collectionName: 'bench' })) as unknown as { infos: { state: string; indexID: number }[] };
  const sealed = infos.filter((s) => s.state === 'Sealed');
  rows.push([
    size.toLocaleString('en'),
    `${sealed.length} sealed (${sealed.filter((s) => s.indexID > 0).length} IVF) + ${infos.length - sealed.length} growing`,
    fixed(readySeconds, 1),
    chosen,
    fixed(recall, 3),
    fixed(p50s[p50s.length - 1], 2),
    fixed(p99s[p99s.length - 1], 2),
    // What the process holds for the database: less the exact index and the generated vectors.
    fixed((process.memoryUsage().rss - exact.memoryUsage() - ds.base.byteLength - ds.queries.byteLength) / 2 ** 20),
    fixed(bytesUnder(dir) / 2 ** 20),
  ]);
  console.log(rows[rows.length - 1].join(' | '));
}
await db.close();
rmSync(scratch, { recursive: true, force: true });

const growth = (from: number, to: number) => {
  const a = sizes.indexOf(from);
  const b = sizes.indexOf(to);
  return a < 0 || b < 0
    ? ''
    : `From ${from.toLocaleString('en')} to ${to.toLocaleString('en')} rows: p50 ${fixed(p50s[b] / p50s[a], 2)}x, p99 ${fixed(p99s[b] / p99s[a], 2)}x.`;
};
const body = [
  '## Latency as the collection grows (bench/db-scale)',
  '',
  `\`npm run bench:db-scale\` on ${machine()}, ${new Date().toISOString().slice(0, 10)}. Seeded clustered 128-d vectors (256`,
  'centres), the default configuration (segments sealed at 0.12 x 1024 MiB, small ones merged up to 0.85 x 1024 MiB) and',
  'AUTOINDEX; at each size, once compaction merges nothing more and every sealed segment is indexed, the smallest nprobe',
  `with recall@10 >= 0.95 over ${ds.queryCount} queries (exact answers from a FlatIndex over the same rows, in this run), then`,
  '1,000 single queries at it (Strong, default threads). "ready" is from the first insert of the stage until then;',
  'disk includes the files of compacted-away segments until dataCoord.gc.dropTolerance (60 s) passes; memory is the',
  'process RSS less the exact FlatIndex and',
  `the generated vectors (${fixed((ds.base.byteLength + ds.queries.byteLength) / 2 ** 20)} MiB, all made before the first stage).`,
  '',
  table(['rows', 'segments', 'ready s', 'nprobe', 'recall@10', 'p50 ms', 'p99 ms', 'RSS MiB', 'disk MiB'], rows),
  '',
  [growth(100_000, 1_000_000), growth(1_000_000, 5_000_000)].filter(Boolean).join(' '),
  '',
  '![single-query latency against rows, log-log](db-scale.svg)',
].join('\n');
writeFileSync(
  join(root, 'bench', 'db-scale.svg'),
  lineChart('Single-query latency at recall@10 >= 0.95 as the collection grows', { x: { label: 'rows', log: true }, y: { label: 'milliseconds' } }, [
    { name: 'p50', points: sizes.map((size, i) => ({ x: size, y: p50s[i] })) },
    { name: 'p99', points: sizes.map((size, i) => ({ x: size, y: p99s[i] })) },
  ]),
);
console.log(body);
writeSection('db-scale', body);
