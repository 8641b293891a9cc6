// Compaction: small segments merged, segments with many deleted rows rewritten, deletes that
// are only in the log carried over, reads during a swap, the new segment indexed before it
// is swapped in, old files deleted after dataCoord.gc.dropTolerance, and delta files removed
// once no segment needs their deletes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import { DataType, type QuiverDB } from '../../src/index.js';
import { checkAfterCrashes, createCrashCollection, killWriterAtRandom } from './crash-helpers.js';
import { type Doc, docs, docsSchema, expectedIds, openDb, workFolder } from './db-helpers.js';

const folder = workFolder('compaction');
/** No automatic rounds: each test asks for its compactions; deleted rows go at the first (no retention). */
const manual = { 'dataCoord.compaction.enableAutoCompaction': false, 'common.retentionDuration': 0 };

async function segments(db: QuiverDB): Promise<{ segmentID: number; num_rows: number }[]> {
  const { infos } = (await db.getPersistentSegmentInfo({ collectionName: 'c' })) as unknown as { infos: { segmentID: number; num_rows: number }[] };
  return infos;
}

/** compact(), then waits for it to complete; returns the segments after. */
async function compactNow(db: QuiverDB): Promise<{ segmentID: number; num_rows: number }[]> {
  const { compactionID } = (await db.compact({ collection_name: 'c' })) as unknown as { compactionID: string };
  for (let i = 0; i < 600; i++) {
    const { state } = (await db.getCompactionState({ compactionID })) as unknown as { state: string };
    if (state === 'Completed') return segments(db);
    await delay(20);
  }
  throw new Error('the compaction did not complete');
}

async function allRows(db: QuiverDB): Promise<Map<string, Doc>> {
  const { data } = await db.query({ collection_name: 'c', filter: 'id >= 0', output_fields: ['id', 'n', 'tag', 'vector'], limit: 16384 });
  return new Map((data as unknown as (Doc & { id: string })[]).map((row) => [row.id, row]));
}

/** `count` batches of `size` rows (consecutive ids), each inserted and flushed into a segment of its own; all the rows. */
async function flushedBatches(db: QuiverDB, count: number, size: number, seed: number): Promise<Doc[]> {
  const rows: Doc[] = [];
  for (let i = 0; i < count; i++) {
    const batch = docs(size, i * size, seed);
    rows.push(...batch);
    await db.insert({ collection_name: 'c', data: batch });
    await db.flush({ collection_names: ['c'] });
  }
  return rows;
}

const queries = docs(10, 50_000, 9).map((d) => d.vector);

async function assertRows(db: QuiverDB, live: Doc[]): Promise<void> {
  const rows = await allRows(db);
  assert.equal(rows.size, live.length);
  for (const doc of live) {
    const row = rows.get(String(doc.id));
    assert.ok(row, `row ${doc.id} is missing`);
    assert.equal(row.tag, doc.tag);
    assert.deepEqual(
      row.vector,
      doc.vector.map((x) => Math.fround(x)),
    );
  }
  const { results } = await db.search({ collection_name: 'c', data: queries, limit: 10 });
  assert.deepEqual(
    (results as { id: string }[][]).map((hits) => hits.map((h) => h.id)),
    queries.map((q) => expectedIds(live, q, 10, 'L2')),
  );
}

for (const [proportion, expected] of [
  [0.85, [5000]],
  [0.2, [3000, 2000]],
] as const) {
  test(`sealed segments merge past the seal size, up to compactableProportion (${proportion}) of maxSize`, async () => {
    // Segments seal at 0.12 MiB; five flushes of 1,000 rows make five of about 70 KiB, each
    // under half of maxSize (1 MiB), so all are small.
    const options = { ...manual, 'dataCoord.segment.maxSize': 1, 'dataCoord.segment.compactableProportion': proportion };
    const db = await openDb(folder(`merge-size-${proportion}`), options);
    await db.createCollection(docsSchema('c'));
    const live = await flushedBatches(db, 5, 1000, 3);
    assert.equal((await segments(db)).length, 5);
    const after = await compactNow(db);
    assert.deepEqual(
      after.map((s) => s.num_rows).sort((a, b) => b - a),
      expected,
    );
    await assertRows(db, live);
  });
}

test('small segments are merged into one; rows, values and searches are unchanged; old files go after the tolerance', async () => {
  const dir = folder('merge');
  const db = await openDb(dir, { ...manual, 'dataCoord.segment.maxRows': 1000, 'dataCoord.gc.dropTolerance': 0.2, 'dataCoord.compaction.interval': 0.1 });
  await db.createCollection(docsSchema('c'));
  const rows = await flushedBatches(db, 6, 100, 4);
  const before = await segments(db);
  assert.equal(before.length, 6);
  await db.delete({ collection_name: 'c', ids: [3, 250] }); // in the log only: carried over by the query node
  const live = rows.filter((r) => r.id !== 3 && r.id !== 250);
  const after = await compactNow(db);
  assert.equal(after.length, 1);
  assert.equal(after[0].num_rows, 600);
  await assertRows(db, live);
  // The old folders are deleted by a later round, once the tolerance has passed.
  const { collectionID } = await db.describeCollection({ collection_name: 'c' });
  const olds = before.map((s) => join(dir, 'segments', String(collectionID), String(s.segmentID)));
  for (let i = 0; i < 200 && olds.some((path) => existsSync(path)); i++) await delay(20);
  for (const path of olds) assert.ok(!existsSync(path), `${path} is still there`);
});

test('a segment with many deleted rows is rewritten without them, and reopened the same', async () => {
  const dir = folder('deletes');
  let db = await openDb(dir, { ...manual, 'dataCoord.segment.maxRows': 2000 });
  await db.createCollection(docsSchema('c'));
  const rows = docs(2000, 0, 6);
  await db.insert({ collection_name: 'c', data: rows });
  await db.delete({ collection_name: 'c', filter: 'id < 700' });
  await db.flush({ collection_names: ['c'] }); // the deletes go to a delta file
  const live = rows.filter((r) => r.id >= 700);
  const after = await compactNow(db);
  assert.deepEqual(
    after.map((s) => s.num_rows),
    [1300],
  );
  await assertRows(db, live);
  // A key deleted before the rewrite can be inserted again, and is found once.
  await db.insert({ collection_name: 'c', data: [rows[5]] });
  await assertRows(db, [...live, rows[5]]);
  await db.close();
  db = await openDb(dir, manual);
  await assertRows(db, [...live, rows[5]]);
});

test('a delta file goes once no segment holds a row it deletes; one that still deletes a kept row stays', async () => {
  const dir = folder('spent-deltas');
  const options = { ...manual, 'dataCoord.segment.maxRows': 2000, 'dataCoord.gc.dropTolerance': 0.2, 'dataCoord.compaction.interval': 0.1 };
  let db = await openDb(dir, options);
  await db.createCollection(docsSchema('c'));
  const rows = docs(4000, 0, 6);
  await db.insert({ collection_name: 'c', data: rows.slice(0, 2000) });
  await db.delete({ collection_name: 'c', filter: 'id < 700' }); // a third of the segment: rewritten
  await db.flush({ collection_names: ['c'] });
  await db.insert({ collection_name: 'c', data: rows.slice(2000) });
  await db.delete({ collection_name: 'c', filter: 'id >= 2000 and id < 2010' }); // too few to rewrite that segment
  await db.flush({ collection_names: ['c'] });
  const { collectionID } = await db.describeCollection({ collection_name: 'c' });
  const deltas = () => readdirSync(join(dir, 'deltas', String(collectionID)));
  const before = deltas();
  assert.equal(before.length, 2);
  assert.deepEqual((await compactNow(db)).map((s) => s.num_rows).sort(), [1300, 2000]);
  // The first file's deletes removed rows that are gone now: it goes after the tolerance.
  for (let i = 0; i < 200 && deltas().length > 1; i++) await delay(20);
  assert.deepEqual(deltas(), [before.sort((a, b) => Number(a) - Number(b))[1]]);
  const live = rows.filter((r) => r.id >= 700 && (r.id < 2000 || r.id >= 2010));
  await assertRows(db, live);
  await db.close();
  db = await openDb(dir, options);
  await assertRows(db, live); // the kept file still deletes its rows of the untouched segment
  assert.equal((await db.count({ collection_name: 'c' })).data, live.length);
});

test('rows deleted within common.retentionDuration survive a compaction: an iteration begun before still finds them', async () => {
  /** Deletes half the rows after an iteration's first page, compacts, then reads the other pages. */
  const iterateAcrossCompaction = async (retention: number) => {
    const db = await openDb(folder(`retention-${retention}`), { ...manual, 'dataCoord.segment.maxRows': 2000, 'common.retentionDuration': retention });
    await db.createCollection(docsSchema('c'));
    await db.insert({ collection_name: 'c', data: docs(2000, 0, 6) });
    await db.flush({ collection_names: ['c'] });
    const pages = (await db.queryIterator({ collection_name: 'c', batchSize: 500, output_fields: ['id'] }))[Symbol.asyncIterator]();
    const seen = new Set<string>();
    const take = (page: IteratorResult<Record<string, unknown>[]>) => {
      for (const row of page.value ?? []) seen.add(String(row.id));
    };
    take(await pages.next());
    await db.delete({ collection_name: 'c', filter: 'id >= 1000' });
    await db.flush({ collection_names: ['c'] });
    const sizes = (await compactNow(db)).map((s) => s.num_rows);
    for (let page = await pages.next(); !page.done; page = await pages.next()) take(page);
    return { db, sizes, seen: seen.size, count: (await db.count({ collection_name: 'c' })).data };
  };
  const kept = await iterateAcrossCompaction(3);
  assert.deepEqual(kept.sizes, [2000]); // the deleted rows are too recent to drop
  assert.equal(kept.seen, 2000); // every row as it was when the iteration began
  assert.equal(kept.count, 1000); // and reads now do not see them
  await delay(3100);
  assert.deepEqual(
    (await compactNow(kept.db)).map((s) => s.num_rows),
    [1000],
  ); // once the retention has passed, they go
  assert.equal((await kept.db.count({ collection_name: 'c' })).data, 1000);
  // Without retention the same iteration loses the rows deleted after it began.
  const dropped = await iterateAcrossCompaction(0);
  assert.deepEqual(dropped.sizes, [1000]);
  assert.equal(dropped.seen, 1000);
});

test('an upserted key stays found when its kept old row is merged in after the new one', async () => {
  const db = await openDb(folder('kept-order'), { ...manual, 'dataCoord.segment.maxRows': 1000, 'common.retentionDuration': 3 });
  await db.createCollection(docsSchema('c'));
  const rows = docs(10, 0, 6);
  await db.insert({ collection_name: 'c', data: rows });
  await db.flush({ collection_names: ['c'] });
  await db.delete({ collection_name: 'c', filter: 'id >= 5' });
  await db.flush({ collection_names: ['c'] });
  await delay(3100); // those deletes may go now
  const upserted = { ...rows[0], tag: 'new' };
  await db.upsert({ collection_name: 'c', data: [upserted] });
  await db.flush({ collection_names: ['c'] });
  // The first segment is rewritten without rows 5-9 but with key 0's old row (its delete is
  // too recent to drop), into a segment numbered after the one holding key 0's new row; the
  // second round merges the two, the new row first.
  assert.deepEqual(
    (await compactNow(db)).map((s) => s.num_rows),
    [1, 5],
  );
  assert.deepEqual(
    (await compactNow(db)).map((s) => s.num_rows),
    [6],
  );
  await assertRows(db, [upserted, ...rows.slice(1, 5)]);
  const { data } = await db.get({ collection_name: 'c', ids: [rows[0].id], output_fields: ['tag'] });
  assert.deepEqual(
    data.map((row) => row.tag),
    ['new'],
  );
});

test('a rewrite keeps nulls, Int64 values, text and JSON of the rows it keeps', async () => {
  const db = await openDb(folder('nulls'), { ...manual, 'dataCoord.segment.maxRows': 1000 });
  await db.createCollection({
    collection_name: 'c',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'vector', data_type: DataType.FloatVector, dim: 2 },
      { name: 'big', data_type: DataType.Int64, nullable: true },
      { name: 'label', data_type: DataType.VarChar, max_length: 16, nullable: true },
      { name: 'meta', data_type: DataType.JSON },
    ],
    index_params: [{ field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' }],
  });
  const row = (i: number) => ({
    id: i,
    vector: [i, -i],
    big: i % 3 === 0 ? null : `${9_007_199_254_740_993n + BigInt(i)}`,
    label: i % 5 === 0 ? null : `row ${i}`,
    meta: { i, even: i % 2 === 0 },
  });
  await db.insert({ collection_name: 'c', data: Array.from({ length: 1000 }, (_, i) => row(i)) });
  await db.delete({ collection_name: 'c', filter: 'id % 2 == 1' });
  await db.flush({ collection_names: ['c'] });
  assert.deepEqual(
    (await compactNow(db)).map((s) => s.num_rows),
    [500],
  );
  const { data } = await db.query({ collection_name: 'c', filter: 'id >= 0', output_fields: ['id', 'big', 'label', 'meta'], limit: 2000 });
  assert.equal(data.length, 500);
  for (const got of data) {
    const want = row(Number(got.id));
    assert.deepEqual({ big: got.big, label: got.label, meta: got.meta }, { big: want.big, label: want.label, meta: want.meta });
  }
});

test('reads during compactions see every row once; an indexed collection swaps in the new segment once it is indexed', async () => {
  const db = await openDb(folder('reads'), { ...manual, 'dataCoord.segment.maxRows': 3000 });
  await db.createCollection(docsSchema('c'));
  await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'IVF_FLAT', params: { nlist: 8 } });
  const rows = await flushedBatches(db, 4, 1100, 8);
  let reading = true;
  let reads = 0;
  const reader = (async () => {
    while (reading) {
      const { data } = await db.count({ collection_name: 'c' });
      assert.equal(data, rows.length);
      const { results } = await db.search({ collection_name: 'c', data: queries[reads % queries.length], limit: 10, params: { nprobe: 8 } });
      assert.deepEqual(
        (results as { id: string }[]).map((h) => h.id),
        expectedIds(rows, queries[reads % queries.length], 10, 'L2'),
      );
      reads++;
    }
  })();
  const after = await compactNow(db);
  assert.deepEqual(
    after.map((s) => s.num_rows),
    [2200, 2200],
  ); // merged two by two: a third would pass the seal size
  for (let i = 0; i < 600; i++) {
    const { index_descriptions } = (await db.describeIndex({ collection_name: 'c', field_name: 'vector' })) as unknown as {
      index_descriptions: { state: string }[];
    };
    if (index_descriptions[0].state === 'Finished') break;
    await delay(20);
  }
  await delay(200); // the swap follows the index event
  reading = false;
  await reader;
  assert.ok(reads > 0);
  await assertRows(db, rows);
});

test('SIGKILL at 12 random moments while compactions and index builds run: every acknowledged row once, no deleted row', { timeout: 600_000 }, async () => {
  const dir = folder('crash');
  await createCrashCollection(dir, undefined, async (db) => {
    await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'IVF_FLAT', params: { nlist: 4 } });
  });
  const state = await killWriterAtRandom(dir, 12, 'compacting');
  assert.ok(state.acknowledged > 20, `only ${state.acknowledged} writes were acknowledged`);
  await checkAfterCrashes(dir, state);
});
