/**
 * bench/db: the database end to end, on 1M synthetic rows (128-d vector, Int64 key, Int32,
 * VarChar, Float), all systems in this one process run:
 *   - insert rows/s in batches of 1,000 and 10,000 (resolved = durable in the log), against
 *     LanceDB's table.add of the same rows, and against rocksmq's raw send of the same
 *     message bytes (what the log itself costs);
 *   - single-query search latency through the database against a bare FlatIndex holding the
 *     same vectors (the database's overhead);
 *   - time from an acknowledged insert to a Strong search that sees it (p50/p99);
 *   - reopen time with 1M rows flushed, and with 100k rows only in the log;
 *   - resident memory against the raw vector bytes.
 *
 *   npm run bench:db [-- --rows 1000000] [-- --small-rows 200000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { DataType, FlatIndex, QuiverDB, RocksMq } from '../src/index.js';
import { encodeDml } from '../src/msg/messages.js';
import { toColumns } from '../src/schema/rows.js';
import { makeSchema } from '../src/schema/schema.js';
import { fixed, machine, table } from './lib/measure.js';
import { writeSection } from './lib/results.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, 'small-rows': { type: 'string', default: '200000' } } });
const ROWS = Number(values.rows);
const SMALL_ROWS = Number(values['small-rows']);
const DIM = 128;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const scratch = mkdtempSync(join(tmpdir(), 'quiverdb-bench-db-'));
const requirePeer = createRequire(join(import.meta.dirname, 'package.json'));

/** Seeded uniform values in [-1, 1) (mulberry32), row by row: the same data for every system. */
function vectorsOf(first: number, count: number): Float32Array {
  const out = new Float32Array(count * DIM);
  for (let r = 0; r < count; r++) {
    let state = ((first + r) * 2654435761) >>> 0;
    for (let d = 0; d < DIM; d++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[r * DIM + d] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
    }
  }
  return out;
}

interface Row {
  id: number;
  vector: Float32Array;
  n: number;
  tag: string;
  price: number;
}

function rowsOf(first: number, count: number): Row[] {
  const vectors = vectorsOf(first, count);
  return Array.from({ length: count }, (_, i) => ({
    id: first + i,
    vector: vectors.subarray(i * DIM, (i + 1) * DIM),
    n: (first + i) % 1000,
    tag: `tag-${(first + i) % 1000}`,
    price: ((first + i) % 10007) / 7,
  }));
}

const fields = [
  { name: 'id', data_type: DataType.Int64, is_primary_key: true },
  { name: 'vector', data_type: DataType.FloatVector, dim: DIM },
  { name: 'n', data_type: DataType.Int32 },
  { name: 'tag', data_type: DataType.VarChar, max_length: 32 },
  { name: 'price', data_type: DataType.Float },
];
// FLAT: every segment is searched exactly, as the bare FlatIndex is (AUTOINDEX would index sealed segments).
const schema = { collection_name: 'bench', fields, index_params: [{ field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' }] };

/** Feeds `rows` rows in batches to `add`; returns rows per second of the time inside add. */
async function ingest(rows: number, batch: number, add: (rows: Row[], first: number) => Promise<unknown>): Promise<number> {
  let busy = 0;
  for (let first = 0; first < rows; first += batch) {
    const part = rowsOf(first, Math.min(batch, rows - first));
    const start = performance.now();
    await add(part, first);
    busy += performance.now() - start;
  }
  return rows / (busy / 1000);
}

const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const mib = (bytes: number) => `${fixed(bytes / 2 ** 20, 0)} MiB`;

async function quiver(name: string, config?: Record<string, unknown>): Promise<QuiverDB> {
  const db = await QuiverDB.open(join(scratch, name), config);
  await db.createCollection(schema);
  return db;
}

// --- 1. QuiverDB: 1M rows in batches of 10,000, memory, search, visibility, reopen ---------------
gc();
const baseline = process.memoryUsage().rss;
let db = await quiver('big');
const insert10k = await ingest(ROWS, 10_000, (rows) => db.insert({ collection_name: 'bench', data: rows }));
await db.flush({ collection_names: ['bench'] });
await new Promise((r) => setTimeout(r, 1000));
gc();
await new Promise((r) => setTimeout(r, 500)); // what the database does after a GC (it trims) has run
const resident = process.memoryUsage().rss - baseline;
const rawVectorBytes = ROWS * DIM * 4;
console.log(`insert 10k: ${fixed(insert10k)} rows/s; resident ${mib(resident)} for ${mib(rawVectorBytes)} of vectors`);

// The three paths take turns on each query, so background work (GC, flushes) falls on all alike.
const queries = vectorsOf(10_000_000, 200);
let bare: FlatIndex | undefined = new FlatIndex({ dim: DIM, metric: 'L2' });
for (let first = 0; first < ROWS; first += 100_000) {
  const count = Math.min(100_000, ROWS - first);
  await bare.add(
    vectorsOf(first, count),
    BigInt64Array.from({ length: count }, (_, i) => BigInt(first + i)),
  );
}
const paths: [string, (q: Float32Array) => Promise<unknown>][] = [
  ['strong', (q) => db.search({ collection_name: 'bench', data: q, limit: 10 })],
  ['eventually', (q) => db.search({ collection_name: 'bench', data: q, limit: 10, consistency_level: 'Eventually' })],
  ['bare', (q) => (bare as FlatIndex).search(q, 10)],
];
const timings = new Map<string, number[]>(paths.map(([name]) => [name, []]));
for (let i = -20; i < 200; i++) {
  const q = queries.subarray(Math.abs(i) * DIM, (Math.abs(i) + 1) * DIM);
  for (const [name, search] of paths) {
    const begin = performance.now();
    await search(q);
    if (i >= 0) timings.get(name)?.push(performance.now() - begin); // the first 20 warm up
  }
}
bare = undefined;
const [throughDb, eventually, bareLatency] = ['strong', 'eventually', 'bare'].map((name) => (timings.get(name) as number[]).sort((a, b) => a - b));
console.log(`search p50: db ${fixed(at(throughDb, 0.5), 2)} ms, bare ${fixed(at(bareLatency, 0.5), 2)} ms`);

const visible: number[] = [];
for (let i = 0; i < 300; i++) {
  const [row] = rowsOf(20_000_000 + i, 1);
  await db.insert({ collection_name: 'bench', data: [row] });
  const start = performance.now();
  const hits = (await db.search({ collection_name: 'bench', data: row.vector, limit: 1, consistency_level: 'Strong' })).results;
  visible.push(performance.now() - start);
  if (hits[0]?.id !== String(row.id)) throw new Error(`a Strong search did not see row ${row.id}`);
}
visible.sort((a, b) => a - b);
await db.flush({ collection_names: ['bench'] });
await db.close();
gc();
let start = performance.now();
db = await QuiverDB.open(join(scratch, 'big'));
const count = (await db.count({ collection_name: 'bench' })).data;
const reopenFlushed = (performance.now() - start) / 1000;
if (count !== ROWS + 300) throw new Error(`reopened with ${count} rows`);
await db.close();
rmSync(join(scratch, 'big'), { recursive: true, force: true });
console.log(`reopen (flushed): ${fixed(reopenFlushed, 2)} s`);

// --- 2. QuiverDB in batches of 1,000; the log alone; 100k rows only in the log -------------------
db = await quiver('small');
const insert1k = await ingest(SMALL_ROWS, 1000, (rows) => db.insert({ collection_name: 'bench', data: rows }));
await db.close();
rmSync(join(scratch, 'small'), { recursive: true, force: true });

const parsedSchema = makeSchema(fields, {});
async function rawLog(rows: number, batch: number): Promise<number> {
  const broker = await RocksMq.open({ path: join(scratch, `raw-${batch}`), retentionTimeInMinutes: -1, retentionSizeInMB: -1 });
  await broker.createTopic('t');
  const producer = broker.producer('t');
  let busy = 0;
  for (let first = 0; first < rows; first += batch) {
    const part = toColumns(parsedSchema, rowsOf(first, Math.min(batch, rows - first)), 'insert');
    const bytes = encodeDml({ kind: 'insert', collectionId: 1, partitionId: 1, ts: 1n, upsert: false, rows: part.rows, pk: 'id', columns: part.columns });
    const begin = performance.now();
    await producer.sendBatch([bytes]);
    busy += performance.now() - begin;
  }
  await broker.close();
  rmSync(join(scratch, `raw-${batch}`), { recursive: true, force: true });
  return rows / (busy / 1000);
}
const raw10k = await rawLog(ROWS, 10_000);
const raw1k = await rawLog(SMALL_ROWS, 1000);

const logOnly = await quiver('log-only', { 'dataCoord.segment.maxSize': 1 << 20, 'dataCoord.segment.sealProportion': 1 });
await ingest(100_000, 10_000, (rows) => logOnly.insert({ collection_name: 'bench', data: rows }));
await logOnly.close();
start = performance.now();
db = await QuiverDB.open(join(scratch, 'log-only'), { 'dataCoord.segment.maxSize': 1 << 20, 'dataCoord.segment.sealProportion': 1 });
if ((await db.count({ collection_name: 'bench' })).data !== 100_000) throw new Error('the log-only reopen lost rows');
const reopenLog = (performance.now() - start) / 1000;
await db.close();
console.log(`reopen (log only): ${fixed(reopenLog, 2)} s`);

// --- 3. LanceDB: table.add of the same rows ------------------------------------------------------
const lance = requirePeer('@lancedb/lancedb');
const arrow = requirePeer('apache-arrow');
const lanceSchema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), false),
  new arrow.Field('vector', new arrow.FixedSizeList(DIM, new arrow.Field('item', new arrow.Float32(), true)), false),
  new arrow.Field('n', new arrow.Int32(), false),
  new arrow.Field('tag', new arrow.Utf8(), false),
  new arrow.Field('price', new arrow.Float32(), false),
]);
async function lanceAdd(rows: number, batch: number): Promise<number> {
  const conn = await lance.connect(join(scratch, `lance-${batch}`));
  const t = await conn.createEmptyTable('bench', lanceSchema);
  const rate = await ingest(rows, batch, (part) => t.add(part.map((r) => ({ ...r, vector: Array.from(r.vector) }))));
  t.close?.();
  return rate;
}
const lance10k = await lanceAdd(ROWS, 10_000);
const lance1k = await lanceAdd(SMALL_ROWS, 1000);
rmSync(scratch, { recursive: true, force: true });

// --- Report ----------------------------------------------------------------------------------------
const insertRows = [
  ['10,000', ROWS, fixed(insert10k), fixed(lance10k), `${fixed(insert10k / lance10k, 2)}x`, fixed(raw10k), fixed(insert10k / raw10k, 2)],
  ['1,000', SMALL_ROWS, fixed(insert1k), fixed(lance1k), `${fixed(insert1k / lance1k, 2)}x`, fixed(raw1k), fixed(insert1k / raw1k, 2)],
];
const searchRows = [
  ['database, Strong (the default)', fixed(at(throughDb, 0.5), 3), fixed(at(throughDb, 0.99), 3), `${fixed(at(throughDb, 0.5) / at(bareLatency, 0.5), 2)}x`],
  ['database, Eventually', fixed(at(eventually, 0.5), 3), fixed(at(eventually, 0.99), 3), `${fixed(at(eventually, 0.5) / at(bareLatency, 0.5), 2)}x`],
  ['bare FlatIndex', fixed(at(bareLatency, 0.5), 3), fixed(at(bareLatency, 0.99), 3), '1.00x'],
];
const body = `## The database end to end (bench/db)

\`npm run bench:db\` on ${machine()}, ${new Date().toISOString().slice(0, 10)}. Synthetic rows: a 128-d
vector (seeded uniform), an Int64 key, an Int32, a VarChar and a Float; one shard, rocksmq,
the default seal policy. Every system runs in this one process; times count only the calls.

Insert (resolved = durable in the log; rocksmq raw = sendBatch of the same encoded messages):

${table(['batch', 'rows', 'QuiverDB rows/s', 'LanceDB add rows/s', 'QuiverDB / LanceDB', 'rocksmq raw rows/s', 'QuiverDB / raw log'], insertRows)}

Single-query top-10 search over ${ROWS.toLocaleString('en')} flushed rows (200 queries; the three paths take turns on each query):

${table(['path', 'median ms', 'p99 ms', 'median / bare'], searchRows)}

- From an acknowledged insert to a Strong search that sees it: p50 ${fixed(at(visible, 0.5), 3)} ms, p99 ${fixed(at(visible, 0.99), 3)} ms (300 single-row inserts).
- Reopen with ${ROWS.toLocaleString('en')} rows flushed: ${fixed(reopenFlushed, 2)} s to the first count; with 100,000 rows only in the log: ${fixed(reopenLog, 2)} s.
- Resident memory after inserting and flushing ${ROWS.toLocaleString('en')} rows, 1 s of rest, a full GC and 0.5 s: ${mib(resident)} (RSS growth) for ${mib(rawVectorBytes)} of raw vectors: ${fixed(resident / rawVectorBytes, 2)}x.`;
console.log(body);
writeSection('db', body);
