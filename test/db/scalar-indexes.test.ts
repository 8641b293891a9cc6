// Scalar indexes: createIndex on numbers and VarChar, the same answers as a scan for queries,
// counts and filtered searches (through deletes, a reopen and a drop), describe/list/drop,
// and the fields and types they refuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DataType, IndexNotFoundError, InvalidArgumentError, type QuiverDB } from '../../src/index.js';
import { docs, docsSchema, openDb, workFolder } from './db-helpers.js';

const folder = workFolder('scalar-indexes');
const config = { 'dataCoord.segment.maxRows': 2000 };

// Selective (one value of ten: the index answers) and broad (a scan answers) filters.
const filters = [
  'n == 3',
  'n in [1, 7]',
  '2 <= n < 4',
  'n > 8 or tag == "t1"',
  'tag == "t2" and n == 5',
  'tag in ["t0", "nope"]',
  'not (n == 4)',
  'price >= 100 and price < 104',
  'price < 3',
  'n != 2',
];

async function answers(db: QuiverDB): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const filter of filters) {
    const { data } = await db.query({ collection_name: 'c', filter, output_fields: ['id'], limit: 10_000 });
    out.push((data as { id: string }[]).map((r) => r.id).sort());
    out.push(await db.count({ collection_name: 'c', filter }));
    const { results } = await db.search({ collection_name: 'c', data: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], limit: 5, filter });
    out.push((results as unknown as { id: string }[]).map((h) => h.id));
  }
  return out;
}

async function memory(db: QuiverDB): Promise<number> {
  const { infos } = (await db.getQuerySegmentInfo({ collectionName: 'c' })) as unknown as { infos: { mem_size: number }[] };
  return infos.reduce((sum, s) => sum + s.mem_size, 0);
}

test('scalar indexes answer as a scan does, through deletes, a reopen and a drop', async () => {
  const dir = folder('same');
  let db = await openDb(dir, config);
  await db.createCollection(docsSchema('c'));
  const rows = docs(6000, 0, 4);
  for (let start = 0; start < rows.length; start += 1000) await db.insert({ collection_name: 'c', data: rows.slice(start, start + 1000) });
  await db.flush({ collection_names: ['c'] });
  const scanned = await answers(db);
  const before = await memory(db);

  await db.createIndex({ collection_name: 'c', field_name: 'n', index_type: 'STL_SORT' });
  await db.createIndex({ collection_name: 'c', field_name: 'tag', index_type: 'INVERTED' });
  await db.createIndex({ collection_name: 'c', field_name: 'price', index_name: 'by_price' }); // AUTOINDEX
  assert.ok((await memory(db)) > before); // built in memory before createIndex resolved
  assert.deepEqual(await answers(db), scanned);
  assert.deepEqual((await db.listIndexes({ collection_name: 'c' })).indexes, ['vector', 'n', 'tag', 'by_price']);
  const { index_descriptions } = (await db.describeIndex({ collection_name: 'c', index_name: 'by_price' })) as unknown as {
    index_descriptions: { field_name: string; state: string; params: { key: string; value: string }[]; total_rows: string }[];
  };
  assert.equal(index_descriptions.length, 1);
  assert.equal(index_descriptions[0].field_name, 'price');
  assert.equal(index_descriptions[0].state, 'Finished');
  assert.equal(index_descriptions[0].params[0].value, 'AUTOINDEX');
  assert.equal(index_descriptions[0].total_rows, '6000');

  // Deleted rows stay hidden; rows inserted since (a growing segment) are scanned.
  await db.delete({ collection_name: 'c', filter: 'id in [3, 13, 23, 1001]' });
  await db.insert({ collection_name: 'c', data: docs(50, 10_000, 5) });
  const { data } = await db.query({ collection_name: 'c', filter: 'n == 3', output_fields: ['id'], limit: 10_000 });
  const ids = (data as { id: string }[]).map((r) => Number(r.id));
  assert.equal(ids.length, 600 - 3 + 5);
  assert.ok(!ids.includes(3) && ids.includes(10_003));
  const changed = await answers(db);

  // Reopened, the indexes are built again as the segments load.
  await db.close();
  db = await openDb(dir, config);
  assert.deepEqual(await answers(db), changed);
  assert.deepEqual((await db.listIndexes({ collection_name: 'c' })).indexes, ['vector', 'n', 'tag', 'by_price']);
  const indexed = await memory(db);
  await db.dropIndex({ collection_name: 'c', field_name: 'n' });
  await db.dropIndex({ collection_name: 'c', index_name: 'by_price' });
  assert.ok((await memory(db)) < indexed);
  assert.deepEqual((await db.listIndexes({ collection_name: 'c' })).indexes, ['vector', 'tag']);
  assert.deepEqual(await answers(db), changed);
  await assert.rejects(db.dropIndex({ collection_name: 'c', field_name: 'n' }), IndexNotFoundError);
});

test('scalar indexes refuse fields and types they do not cover', async () => {
  const db = await openDb(folder('refuse'), config);
  await db.createCollection({
    ...docsSchema('c'),
    fields: [...docsSchema('c').fields, { name: 'flag', data_type: DataType.Bool }, { name: 'meta', data_type: DataType.JSON }],
  });
  for (const field of ['flag', 'meta']) {
    await assert.rejects(db.createIndex({ collection_name: 'c', field_name: field, index_type: 'INVERTED' }), InvalidArgumentError);
  }
  await assert.rejects(db.createIndex({ collection_name: 'c', field_name: 'tag', index_type: 'STL_SORT' }), InvalidArgumentError);
  await assert.rejects(db.createIndex({ collection_name: 'c', field_name: 'n', index_type: 'TRIE' }), InvalidArgumentError);
  await assert.rejects(db.createIndex({ collection_name: 'c', field_name: 'n', index_type: 'HASH' }), InvalidArgumentError);
  await db.createIndex({ collection_name: 'c', field_name: 'n', index_type: 'bitmap' });
  await db.createIndex({ collection_name: 'c', field_name: 'n', index_type: 'BITMAP' }); // the same again: a no-op
  assert.deepEqual((await db.listIndexes({ collection_name: 'c', field_name: 'n' })).indexes, ['n']);
});
