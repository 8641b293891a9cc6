// Indexes per sealed segment: createIndex builds them in the background, the query node
// swaps them in, searches never wait and never miss rows; describe, list, drop, replace,
// a new metric, reopen, and bad input.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import { IndexNotFoundError, InvalidArgumentError, type QuiverDB } from '../../src/index.js';
import { type Doc, docs, docsSchema, expectedIds, openDb, workFolder } from './db-helpers.js';

const folder = workFolder('indexes');

interface IndexDescription {
  index_name: string;
  state: string;
  indexed_rows: string;
  total_rows: string;
  pending_index_rows: string;
  params: { key: string; value: string }[];
}

async function describe(db: QuiverDB): Promise<IndexDescription> {
  const { index_descriptions } = (await db.describeIndex({ collection_name: 'c', field_name: 'vector' })) as unknown as {
    index_descriptions: IndexDescription[];
  };
  return index_descriptions[0];
}

/** Polls describeIndex until every sealed row is indexed. */
async function finished(db: QuiverDB): Promise<IndexDescription> {
  for (let i = 0; i < 600; i++) {
    const description = await describe(db);
    if (description.state === 'Finished') return description;
    await delay(50);
  }
  throw new Error(`the index was not built: ${JSON.stringify(await describe(db))}`);
}

async function ids(db: QuiverDB, queries: number[][], params: Record<string, unknown> = {}): Promise<string[][]> {
  const { results } = await db.search({ collection_name: 'c', data: queries, limit: 10, params });
  const perQuery = (queries.length === 1 ? [results] : results) as { id: string }[][];
  return perQuery.map((hits) => hits.map((h) => h.id));
}

/** 6,000 rows in three sealed segments of 2,000 (each large enough to index). */
async function sealedRows(db: QuiverDB, metric = 'L2'): Promise<Doc[]> {
  await db.createCollection(docsSchema('c', metric));
  const rows = docs(6000, 0, 3);
  for (let start = 0; start < rows.length; start += 1000) await db.insert({ collection_name: 'c', data: rows.slice(start, start + 1000) });
  await db.flush({ collection_names: ['c'] });
  return rows;
}

const queries = docs(20, 90_000, 5).map((d) => d.vector);
const exact = (rows: Doc[], metric: 'L2' | 'IP' | 'COSINE' = 'L2') => queries.map((q) => expectedIds(rows, q, 10, metric));

test('createIndex builds each sealed segment in the background; searches before, during and after are right', async () => {
  const dir = folder('build');
  let db = await openDb(dir, { 'dataCoord.segment.maxRows': 2000 });
  const rows = await sealedRows(db);
  await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 16 } });
  // Whatever is built by now, probing every list is exact.
  assert.deepEqual(await ids(db, queries, { nprobe: 16 }), exact(rows));
  const done = await finished(db);
  assert.deepEqual([done.indexed_rows, done.total_rows, done.pending_index_rows], ['6000', '6000', '0']);
  assert.deepEqual(done.params.find((p) => p.key === 'index_type')?.value, 'IVF_FLAT');
  assert.deepEqual((await db.listIndexes({ collection_name: 'c' })).indexes, ['vector']);
  assert.deepEqual(await ids(db, queries, { nprobe: 16 }), exact(rows));
  // One list of sixteen misses true neighbours: the index is what is searched.
  const oneList = await ids(db, queries, { nprobe: 1 });
  assert.notDeepEqual(oneList, exact(rows));
  assert.ok(oneList.every((hits) => hits.length === 10));
  // Vectors as output come from the segment files now.
  const { results } = await db.search({ collection_name: 'c', data: queries[0], limit: 3, output_fields: ['vector'], params: { nprobe: 16 } });
  for (const hit of results as unknown as { id: string; vector: number[] }[]) {
    assert.deepEqual(
      hit.vector,
      rows[Number(hit.id)].vector.map((x) => Math.fround(x)),
    );
  }
  // Deleted rows stay hidden in indexed segments.
  const gone = exact(rows)[0].slice(0, 3);
  await db.delete({ collection_name: 'c', ids: gone.map(Number) });
  assert.ok((await ids(db, [queries[0]], { nprobe: 16 }))[0].every((id) => !gone.includes(id)));

  // Reopened, the built indexes are loaded from their files: the same answers at once.
  await db.close();
  db = await openDb(dir, { 'dataCoord.segment.maxRows': 2000 });
  assert.equal((await describe(db)).state, 'Finished');
  const left = rows.filter((r) => !gone.includes(String(r.id)));
  assert.deepEqual(await ids(db, queries, { nprobe: 16 }), exact(left));
  assert.deepEqual((await ids(db, queries, { nprobe: 1 })).slice(1), oneList.slice(1));
});

/** Every index file under a database folder. */
function indexFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? indexFiles(join(dir, e.name)) : e.name.endsWith('.ivf') ? [join(dir, e.name)] : [],
  );
}

test('an index file lost or cut short is built again; searches stay right meanwhile', async () => {
  const dir = folder('lost');
  let db = await openDb(dir, { 'dataCoord.segment.maxRows': 2000 });
  const rows = await sealedRows(db);
  await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'IVF_FLAT', params: { nlist: 16 } });
  await finished(db);
  const before = await ids(db, queries, { nprobe: 1 });
  await db.close();
  // What a disk that lost unsynced writes could leave: one file cut short, one gone.
  const [cut, gone] = indexFiles(dir);
  const size = statSync(cut).size;
  truncateSync(cut, 100);
  rmSync(gone);
  db = await openDb(dir, { 'dataCoord.segment.maxRows': 2000 });
  assert.deepEqual(await ids(db, queries, { nprobe: 16 }), exact(rows)); // those segments are searched exactly meanwhile
  let again: string[][] = [];
  for (let i = 0; i < 600 && JSON.stringify(again) !== JSON.stringify(before); i++) {
    await delay(50);
    again = await ids(db, queries, { nprobe: 1 });
  }
  assert.deepEqual(again, before); // rebuilt (same seed: the same index) and swapped in
  assert.equal(statSync(cut).size, size);
  assert.ok(existsSync(gone));
});

test('dropIndex searches exactly again; createIndex replaces an index; a new metric applies to every segment', async () => {
  const db = await openDb(folder('replace'), { 'dataCoord.segment.maxRows': 2000 });
  const rows = await sealedRows(db);
  await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'IVF_FLAT', params: { nlist: 16 } });
  await finished(db);
  assert.notDeepEqual(await ids(db, queries, { nprobe: 1 }), exact(rows));
  // Replaced, the old index serves until the new one is swapped in: an index is searched all along.
  await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'IVF_FLAT', params: { nlist: 8 } });
  assert.notDeepEqual(await ids(db, queries, { nprobe: 1 }), exact(rows));
  await finished(db);

  await db.dropIndex({ collection_name: 'c', field_name: 'vector' });
  assert.deepEqual((await db.listIndexes({ collection_name: 'c' })).indexes, []);
  await assert.rejects(db.describeIndex({ collection_name: 'c', field_name: 'vector' }), IndexNotFoundError);
  assert.deepEqual(await ids(db, queries, { nprobe: 1 }), exact(rows)); // exact whatever nprobe says

  await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'IVF_SQ8', params: { nlist: 8 } });
  await finished(db);
  const sq8 = await ids(db, queries, { nprobe: 8 });
  const truth = exact(rows);
  const found = sq8.reduce((sum, hits, q) => sum + hits.filter((id) => truth[q].includes(id)).length, 0);
  assert.ok(found / (10 * queries.length) >= 0.9, `IVF_SQ8 recall ${found / (10 * queries.length)}`);

  // The same index again is a no-op; another metric is taken by every segment, built or not.
  await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'IVF_SQ8', params: { nlist: 8 } });
  await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'IVF_FLAT', metric_type: 'IP', params: { nlist: 16 } });
  assert.deepEqual(await ids(db, queries, { nprobe: 16 }), exact(rows, 'IP'));
  await finished(db);
  assert.deepEqual(await ids(db, queries, { nprobe: 16 }), exact(rows, 'IP'));
});

test('index requests are checked: typed errors, nothing changed', async () => {
  const db = await openDb(folder('bad'));
  await db.createCollection(docsSchema('c'));
  const create = (request: Record<string, unknown>) => db.createIndex({ collection_name: 'c', field_name: 'vector', ...request });
  await assert.rejects(create({ index_type: 'NOT_AN_INDEX' }), InvalidArgumentError);
  await assert.rejects(create({ index_type: 'IVF_FLAT', params: { nlist: 0 } }), InvalidArgumentError);
  await assert.rejects(create({ index_type: 'IVF_PQ', params: { m: 3 } }), /must divide/);
  await assert.rejects(create({ field_name: 'tag', index_type: 'STL_SORT' }), /must be one of INVERTED, TRIE, BITMAP, AUTOINDEX/);
  await assert.rejects(create({ field_name: 'nope', index_type: 'IVF_FLAT' }), InvalidArgumentError);
  await assert.rejects(db.search({ collection_name: 'c', data: queries[0], params: { nprobe: 0 } }), InvalidArgumentError);
  await assert.rejects(db.describeIndex({ collection_name: 'c', index_name: 'nope' }), IndexNotFoundError);
  assert.equal((await describe(db)).params.find((p) => p.key === 'index_type')?.value, 'FLAT');
  // The SDK's other form: extra_params with params as JSON text.
  await db.createIndex({ collection_name: 'c', field_name: 'vector', extra_params: { index_type: 'IVF_PQ', metric_type: 'L2', params: '{"nlist":4,"m":4}' } });
  const pq = await describe(db);
  assert.equal(pq.params.find((p) => p.key === 'index_type')?.value, 'IVF_PQ');
  assert.deepEqual(JSON.parse(pq.params.find((p) => p.key === 'params')?.value as string), { nlist: 4, m: 4, nbits: 8 });
});
