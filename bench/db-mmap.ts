/**
 * bench/db-mmap: what mmap saves and what it costs. The same collection (Fashion-MNIST,
 * 60,000 x 784) is loaded twice in one process, once with its sealed vectors and index in
 * memory and once mapped; for each: what the query node holds (getQuerySegmentInfo's
 * mem_size, and mapped_size), and single-query search QPS with the page cache warm, the two
 * taking turns. Once searched exactly (AUTOINDEX keeps segments under 100,000 rows exact),
 * once through an IVF_FLAT index (nlist 1024, nprobe 16).
 *
 *   npm run bench:db-mmap [-- --data ../shared/data]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { DataType, QuiverDB, setThreads } from '../src/index.js';
import { type Dataset, query, texmex } from './lib/datasets.js';
import { fixed, machine, table } from './lib/measure.js';
import { writeSection } from './lib/results.js';

const { values: args } = parseArgs({ options: { data: { type: 'string' } } });
const scratch = mkdtempSync(join(tmpdir(), 'quiverdb-bench-db-mmap-'));
const mib = (bytes: number) => `${fixed(bytes / 2 ** 20, 1)} MiB`;

interface Held {
  memory: number;
  mapped: number;
}

async function held(db: QuiverDB): Promise<Held> {
  const { infos } = (await db.getQuerySegmentInfo({ collectionName: 'bench' })) as unknown as {
    infos: { mem_size: number; mapped_size: number; state: string }[];
  };
  return { memory: infos.reduce((s, i) => s + i.mem_size, 0), mapped: infos.reduce((s, i) => s + i.mapped_size, 0) };
}

/** Polls until every row is in a sealed segment searched as wanted. */
async function settled(db: QuiverDB, rows: number, wanted: (info: { mapped_size: number; indexID: number }) => boolean): Promise<void> {
  for (;;) {
    const { infos } = (await db.getQuerySegmentInfo({ collectionName: 'bench' })) as unknown as {
      infos: { num_rows: number; mapped_size: number; indexID: number; state: string }[];
    };
    const sealed = infos.filter((i) => i.state === 'Sealed');
    if (sealed.reduce((s, i) => s + i.num_rows, 0) === rows && sealed.every(wanted)) return;
    await delay(50);
  }
}

async function collection(ds: Dataset, mmap: boolean): Promise<QuiverDB> {
  const db = await QuiverDB.open(join(scratch, mmap ? 'mapped' : 'held'), {
    'dataCoord.segment.maxRows': ds.count,
    'dataCoord.segment.maxSize': 1 << 16,
    'dataCoord.segment.sealProportion': 1,
    'queryNode.mmap.mmapEnabled': mmap,
  });
  await db.createCollection({
    collection_name: 'bench',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vector', data_type: DataType.FloatVector, dim: ds.dim },
    ],
    index_params: [{ field_name: 'vector', index_type: 'AUTOINDEX', metric_type: 'L2' }],
  });
  for (let first = 0; first < ds.count; first += 5000) {
    const data = Array.from({ length: Math.min(5000, ds.count - first) }, (_, i) => ({
      id: first + i,
      vector: ds.base.subarray((first + i) * ds.dim, (first + i + 1) * ds.dim),
    }));
    await db.insert({ collection_name: 'bench', data });
  }
  await db.flush({ collection_names: ['bench'] });
  await settled(db, ds.count, (i) => (mmap ? i.mapped_size > 0 : i.mapped_size === 0));
  return db;
}

/** Single queries per second, each query in turn, for at least 0.7 s. */
async function qps(ds: Dataset, db: QuiverDB, params: Record<string, unknown>): Promise<number> {
  const search = (i: number) => db.search({ collection_name: 'bench', data: query(ds, i % ds.queryCount), limit: 10, params });
  for (let i = 0; i < 20; i++) await search(i);
  let calls = 0;
  const start = performance.now();
  do await search(calls++);
  while (performance.now() - start < 700);
  return calls / ((performance.now() - start) / 1000);
}

/** Both collections searched in turns, twice: [in memory, mapped] QPS. */
async function turns(ds: Dataset, dbs: QuiverDB[], params: Record<string, unknown>): Promise<number[]> {
  const sums = [0, 0];
  for (let round = 0; round < 2; round++) for (const [i, db] of dbs.entries()) sums[i] += await qps(ds, db, params);
  return sums.map((s) => s / 2);
}

const ds = await texmex('fashion-mnist', 'fashion-mnist-784-euclidean', args.data);
const raw = ds.count * ds.dim * 4;
setThreads(2);
const dbs = [await collection(ds, false), await collection(ds, true)];
setThreads(1);
const rows: (string | number)[][] = [];
const measure = async (how: string, params: Record<string, unknown>) => {
  const [memoryQps, mappedQps] = await turns(ds, dbs, params);
  const [inMemory, mapped] = [await held(dbs[0]), await held(dbs[1])];
  rows.push([how, mib(inMemory.memory), mib(mapped.memory), mib(mapped.mapped), fixed(memoryQps), fixed(mappedQps), `${fixed(mappedQps / memoryQps, 2)}x`]);
};
await measure('exact (AUTOINDEX, 60,000 rows)', {});
setThreads(2);
for (const db of dbs) {
  await db.createIndex({ collection_name: 'bench', field_name: 'vector', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 1024 } });
}
await settled(dbs[0], ds.count, (i) => i.indexID > 0);
await settled(dbs[1], ds.count, (i) => i.indexID > 0 && i.mapped_size > 0);
setThreads(1);
await measure('IVF_FLAT nlist 1024, nprobe 16', { nprobe: 16 });
for (const db of dbs) await db.close();
rmSync(scratch, { recursive: true, force: true });

const body = [
  '## mmap: memory held against search speed (bench/db-mmap)',
  '',
  `\`npm run bench:db-mmap\` on ${machine()}, ${new Date().toISOString().slice(0, 10)}. Fashion-MNIST (${ds.count} x ${ds.dim}, raw vectors ${mib(raw)}),`,
  'one sealed segment, loaded twice in one process: vectors and index in memory, and mapped (`queryNode.mmap.mmapEnabled`).',
  'Memory is what the query node holds for the segment (getQuerySegmentInfo mem_size); mapped is what stays in the',
  "files' pages, which the kernel may drop. One thread, one query per call, page cache warm, the two taking turns.",
  '',
  table(['search', 'memory, in memory', 'memory, mapped', 'mapped', 'QPS in memory', 'QPS mapped', 'mapped / in memory'], rows),
].join('\n');
console.log(body);
writeSection('db-mmap', body);
