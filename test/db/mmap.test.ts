// mmap: sealed segments' vectors (and built indexes) stay in their files, mapped, instead of
// being read into memory; searches, output vectors and deletes are the same; the collection
// property turns it on or off while loaded; getQuerySegmentInfo shows what is held where.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import { DataType, InvalidArgumentError, type QuiverDB } from '../../src/index.js';
import { DIM, type Doc, docs, docsSchema, expectedIds, openDb, workFolder } from './db-helpers.js';

const folder = workFolder('mmap');

interface SegmentRow {
  segmentID: number;
  state: string;
  num_rows: number;
  mem_size: number;
  mapped_size: number;
  indexID: number;
}

async function loadedSegments(db: QuiverDB): Promise<SegmentRow[]> {
  return ((await db.getQuerySegmentInfo({ collectionName: 'c' })) as unknown as { infos: SegmentRow[] }).infos;
}

/** Polls until all 6,000 rows are in sealed segments, each as wanted (the query node maps each one once it is flushed). */
async function sealedUntil(db: QuiverDB, wanted: (s: SegmentRow) => boolean): Promise<SegmentRow[]> {
  for (let i = 0; i < 400; i++) {
    const sealed = (await loadedSegments(db)).filter((s) => s.state === 'Sealed');
    if (sealed.reduce((sum, s) => sum + s.num_rows, 0) === 6000 && sealed.every(wanted)) return sealed;
    await delay(25);
  }
  throw new Error(`segments never became as wanted: ${JSON.stringify(await loadedSegments(db))}`);
}

const queries = docs(10, 50_000, 9).map((d) => d.vector);

async function ids(db: QuiverDB, params: Record<string, unknown> = {}): Promise<string[][]> {
  const { results } = await db.search({ collection_name: 'c', data: queries, limit: 10, params });
  return (results as unknown as { id: string }[][]).map((hits) => hits.map((h) => h.id));
}

async function sixThousandRows(db: QuiverDB, extra: Record<string, unknown> = {}): Promise<Doc[]> {
  await db.createCollection(docsSchema('c', 'L2', extra));
  const rows = docs(6000, 0, 3);
  for (let start = 0; start < rows.length; start += 1000) await db.insert({ collection_name: 'c', data: rows.slice(start, start + 1000) });
  await db.flush({ collection_names: ['c'] });
  return rows;
}

test('with mmap, sealed vectors stay in their files; searches, vectors and deletes are the same', async () => {
  const config = { 'dataCoord.segment.maxRows': 2000, 'queryNode.mmap.mmapEnabled': true };
  const dir = folder('on');
  let db = await openDb(dir, config);
  const rows = await sixThousandRows(db);
  const mapped = await sealedUntil(db, (s) => s.mapped_size === s.num_rows * DIM * 4);
  assert.deepEqual(
    await ids(db),
    queries.map((q) => expectedIds(rows, q, 10, 'L2')),
  );
  const { results } = await db.search({ collection_name: 'c', data: queries[0], limit: 3, output_fields: ['vector'] });
  for (const hit of results as unknown as { id: string; vector: number[] }[]) {
    assert.deepEqual(
      hit.vector,
      rows[Number(hit.id)].vector.map((x) => Math.fround(x)),
    );
  }
  const gone = (await ids(db))[0].slice(0, 2);
  await db.delete({ collection_name: 'c', ids: gone.map(Number) });
  assert.ok((await ids(db))[0].every((id) => !gone.includes(id)));

  // The same rows without mmap hold their vectors in memory.
  const plain = await openDb(folder('off'), { 'dataCoord.segment.maxRows': 2000 });
  await sixThousandRows(plain);
  const held = await sealedUntil(plain, (s) => s.mapped_size === 0);
  const memory = (list: SegmentRow[]) => list.reduce((sum, s) => sum + s.mem_size, 0);
  assert.ok(memory(held) - memory(mapped) >= 6000 * DIM * 4 * 0.9, `${memory(held)} held, ${memory(mapped)} mapped`);

  // Reopened, the segments are mapped as they load.
  await db.close();
  db = await openDb(dir, config);
  const left = rows.filter((r) => !gone.includes(String(r.id)));
  assert.deepEqual(
    await ids(db),
    queries.map((q) => expectedIds(left, q, 10, 'L2')),
  );
  assert.ok((await loadedSegments(db)).every((s) => s.mapped_size === s.num_rows * DIM * 4));
});

test('built indexes are mapped too; the mmap.enabled property turns it on and off while loaded', async () => {
  const db = await openDb(folder('index'), { 'dataCoord.segment.maxRows': 2000 });
  const rows = await sixThousandRows(db, { properties: { 'mmap.enabled': true } });
  await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 16 } });
  await sealedUntil(db, (s) => s.indexID > 0 && s.mapped_size > 0);
  const exact = queries.map((q) => expectedIds(rows, q, 10, 'L2'));
  assert.deepEqual(await ids(db, { nprobe: 16 }), exact);
  const oneList = await ids(db, { nprobe: 1 });

  await db.alterCollectionProperties({ collection_name: 'c', properties: { 'mmap.enabled': false } });
  assert.ok((await loadedSegments(db)).every((s) => s.mapped_size === 0));
  assert.deepEqual(await ids(db, { nprobe: 1 }), oneList); // the same index, read into memory
  await db.alterCollectionProperties({ collection_name: 'c', delete_keys: ['mmap.enabled'] }); // the configuration's default: off
  assert.ok((await loadedSegments(db)).every((s) => s.mapped_size === 0));
  await db.alterCollectionProperties({ collection_name: 'c', properties: { 'mmap.enabled': 'true' } });
  assert.ok((await loadedSegments(db)).filter((s) => s.state === 'Sealed').every((s) => s.mapped_size > 0));
  assert.deepEqual(await ids(db, { nprobe: 1 }), oneList);

  await assert.rejects(db.alterCollectionProperties({ collection_name: 'c', properties: { 'mmap.enabled': 'yes' } }), InvalidArgumentError);
  await db.releaseCollection({ collection_name: 'c' });
  await assert.rejects(db.getQuerySegmentInfo({ collectionName: 'c' }), (e: Error & { code?: string }) => e.code === 'QV_NOT_LOADED');
});

test('vector files padded past their rows (an odd dimension) are mapped and indexed', async () => {
  // 1,025 rows of 3 floats are 12,300 bytes: the column file pads them to 12,304.
  const db = await openDb(folder('odd'), { 'queryNode.mmap.mmapEnabled': true });
  await db.createCollection({
    collection_name: 'odd',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 3 },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  });
  const rows = Array.from({ length: 1025 }, (_, i) => ({ id: i, v: [i, i % 7, -i] }));
  await db.insert({ collection_name: 'odd', data: rows });
  await db.flush({ collection_names: ['odd'] });
  const nearest = async (params: Record<string, unknown> = {}) => {
    const { results } = await db.search({ collection_name: 'odd', data: [500, 3, -500], limit: 3, params });
    return (results as unknown as { id: string }[]).map((h) => h.id);
  };
  const infos = async () =>
    ((await db.getQuerySegmentInfo({ collectionName: 'odd' })) as unknown as { infos: { state: string; mapped_size: number; indexID: number }[] }).infos;
  for (let i = 0; i < 400 && !(await infos()).some((s) => s.state === 'Sealed' && s.mapped_size === 1025 * 12); i++) await delay(25);
  assert.ok((await infos()).some((s) => s.state === 'Sealed' && s.mapped_size === 1025 * 12));
  assert.deepEqual(await nearest(), ['500', '499', '501']);
  await db.createIndex({ collection_name: 'odd', field_name: 'v', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 4 } });
  for (let i = 0; i < 400 && !(await infos()).some((s) => s.indexID > 0); i++) await delay(25);
  assert.ok((await infos()).some((s) => s.indexID > 0)); // built from the padded file
  assert.deepEqual(await nearest({ nprobe: 4 }), ['500', '499', '501']);
});
