/**
 * bench/db-filtered-search: top-10 search with a filter at selectivities from 0.1% to 90%,
 * through the database and through LanceDB (prefilter and postfilter), all in this one
 * process run on the same 1M synthetic vectors (128-d) and the same filter column. Each
 * system's hits are scored against the exact top 10 among the rows that pass (a bare
 * FlatIndex with the failing rows excluded): QPS, recall@10, and the share of queries that
 * got 10 hits.
 *
 *   npm run bench:filtered [-- --rows 1000000] [-- --queries 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { DataType, FlatIndex, QuiverDB } from '../src/index.js';
import { query, synthetic } from './lib/datasets.js';
import { fixed, machine, table } from './lib/measure.js';
import { writeSection } from './lib/results.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, queries: { type: 'string', default: '50' } }, strict: false });
const ROWS = Number(values.rows);
const QUERIES = Number(values.queries);
const DIM = 128;
const K = 10;
const scratch = mkdtempSync(join(tmpdir(), 'quiverdb-bench-filtered-'));
const requirePeer = createRequire(join(import.meta.dirname, 'package.json'));

const data = synthetic('synthetic', ROWS, DIM, QUERIES, 7);
/** The filter column: 1,000 values spread evenly, so `sel < t` passes t / 1000 of the rows. */
const selOf = (id: number) => (id * 7919) % 1000;
const selectivities = [1, 10, 100, 500, 900];

// --- QuiverDB --------------------------------------------------------------------------------
const db = await QuiverDB.open(join(scratch, 'quiverdb'));
await db.createCollection({
  collection_name: 'f',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vector', data_type: DataType.FloatVector, dim: DIM },
    { name: 'sel', data_type: DataType.Int32 },
  ],
  index_params: [{ field_name: 'vector', metric_type: 'L2' }],
});
const rowsOf = (first: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: first + i, vector: data.base.subarray((first + i) * DIM, (first + i + 1) * DIM), sel: selOf(first + i) }));
for (let first = 0; first < ROWS; first += 10_000) await db.insert({ collection_name: 'f', data: rowsOf(first, Math.min(10_000, ROWS - first)) });
await db.flush({ collection_names: ['f'] });

// --- LanceDB ---------------------------------------------------------------------------------
const lance = requirePeer('@lancedb/lancedb');
const arrow = requirePeer('apache-arrow');
const conn = await lance.connect(join(scratch, 'lance'));
const lanceTable = await conn.createEmptyTable(
  'f',
  new arrow.Schema([
    new arrow.Field('id', new arrow.Int64(), false),
    new arrow.Field('vector', new arrow.FixedSizeList(DIM, new arrow.Field('item', new arrow.Float32(), true)), false),
    new arrow.Field('sel', new arrow.Int32(), false),
  ]),
);
for (let first = 0; first < ROWS; first += 10_000) {
  await lanceTable.add(rowsOf(first, Math.min(10_000, ROWS - first)).map((r) => ({ ...r, vector: Array.from(r.vector) })));
}

// --- the exact answer: a bare FlatIndex, failing rows excluded -------------------------------
const bare = new FlatIndex({ dim: DIM, metric: 'L2' });
await bare.add(
  data.base,
  BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i)),
);

interface Measured {
  qps: number;
  recall: number;
  full: number;
}

async function measure(run: (q: Float32Array) => Promise<number[]>, truth: number[][]): Promise<Measured> {
  let hit = 0;
  let full = 0;
  const start = performance.now();
  const results: number[][] = [];
  for (let q = 0; q < QUERIES; q++) results.push(await run(query(data, q)));
  const seconds = (performance.now() - start) / 1000;
  results.forEach((ids, q) => {
    const wanted = new Set(truth[q]);
    hit += ids.filter((id) => wanted.has(id)).length;
    if (ids.length >= Math.min(K, truth[q].length)) full++;
  });
  const possible = truth.reduce((sum, t) => sum + t.length, 0);
  return { qps: QUERIES / seconds, recall: possible === 0 ? 1 : hit / possible, full: full / QUERIES };
}

const rows: (string | number)[][] = [];
for (const threshold of selectivities) {
  const filter = `sel < ${threshold}`;
  const exclude = new Uint8Array(Math.ceil(ROWS / 8));
  for (let id = 0; id < ROWS; id++) if (selOf(id) >= threshold) exclude[id >> 3] |= 1 << (id & 7);
  const truth: number[][] = [];
  for (let q = 0; q < QUERIES; q++) truth.push(Array.from((await bare.search(query(data, q), K, { exclude })).at(0).ids, Number));
  const ours = await measure(async (q) => (await db.search({ collection_name: 'f', data: q, limit: K, filter })).results.map((h) => Number(h.id)), truth);
  const pre = await measure(
    async (q) => (await lanceTable.search(Array.from(q)).where(filter).limit(K).toArray()).map((r: { id: bigint }) => Number(r.id)),
    truth,
  );
  const post = await measure(
    async (q) => (await lanceTable.search(Array.from(q)).where(filter).postfilter().limit(K).toArray()).map((r: { id: bigint }) => Number(r.id)),
    truth,
  );
  const share = `${fixed(threshold / 10, 1)}%`;
  console.log(`${share}: QuiverDB ${fixed(ours.qps, 1)} QPS, LanceDB prefilter ${fixed(pre.qps, 1)}, postfilter ${fixed(post.qps, 1)}`);
  rows.push([
    share,
    fixed(ours.qps, 1),
    fixed(ours.recall, 3),
    `${fixed(ours.full * 100)}%`,
    fixed(pre.qps, 1),
    fixed(pre.recall, 3),
    `${fixed(pre.full * 100)}%`,
    fixed(post.qps, 1),
    fixed(post.recall, 3),
    `${fixed(post.full * 100)}%`,
    `${fixed(ours.qps / pre.qps, 2)}x`,
  ]);
}
await db.close();
rmSync(scratch, { recursive: true, force: true });

const body = `## Filtered search (bench/db-filtered-search)

\`npm run bench:filtered\` on ${machine()}, ${new Date().toISOString().slice(0, 10)}. ${ROWS.toLocaleString('en')} synthetic
128-d vectors (seeded Gaussian clusters) with an Int32 \`sel\` of 1,000 values; top-10 L2 search
with \`sel < t\`, ${QUERIES} queries one after another, every segment searched exactly (no vector index
yet) in QuiverDB, and no index in LanceDB (its exact scan). Recall@10 against the exact top 10
among the rows that pass; "k" is the share of queries that got 10 hits.

${table(
  ['rows passing', 'QuiverDB QPS', 'recall', 'k', 'LanceDB prefilter QPS', 'recall', 'k', 'LanceDB postfilter QPS', 'recall', 'k', 'QuiverDB / prefilter'],
  rows,
)}`;
console.log(body);
writeSection('filtered-search', body);
