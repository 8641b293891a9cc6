// Writes through the log: validation (all or nothing), unique keys, upsert, delete, auto
// ids, Int64 without loss, nullable and default values, JSON, arrays, dynamic fields,
// shards and message splitting.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DataType, DuplicateKeyError, FilterError, InvalidArgumentError, RowError } from '../../src/index.js';
import { DIM, docs, docsSchema, openDb, workFolder } from './db-helpers.js';

const folder = workFolder('writes');

test('a row that does not fit is a RowError naming row and field, and nothing of the batch is written', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection(docsSchema('c'));
  const good = docs(5);
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ ...good[3], n: 'seven' }, 'n', /integer/],
    [{ ...good[3], n: 2 ** 31 }, 'n', /integer from/],
    [{ ...good[3], vector: [1, 2] }, 'vector', /expected 8 numbers/],
    [{ ...good[3], vector: [...good[3].vector.slice(1), Number.NaN] }, 'vector', /finite/],
    [{ ...good[3], vector: Float32Array.from([...good[3].vector.slice(1), Number.POSITIVE_INFINITY]) }, 'vector', /finite/],
    [{ ...good[3], vector: new Float32Array(7) }, 'vector', /expected 8 numbers/],
    [{ ...good[3], tag: 'x'.repeat(33) }, 'tag', /max_length 32/],
    [{ ...good[3], price: undefined }, 'price', /no value/],
    [{ ...good[3], id: 2 ** 60 }, 'id', /bigint or a decimal string/],
    [{ ...good[3], id: 1.5 }, 'id', /not an integer/],
  ];
  for (const [row, field, message] of cases) {
    const batch = [...good.slice(0, 3), row, good[4]];
    await assert.rejects(db.insert({ collection_name: 'c', data: batch }), (e: unknown) => {
      assert.ok(e instanceof RowError, String(e));
      assert.equal(e.row, 3);
      assert.equal(e.field, field);
      assert.match(e.message, message);
      return true;
    });
  }
  await assert.rejects(db.insert({ collection_name: 'c', data: [] }), InvalidArgumentError);
  // A key twice in one batch: the later row is named.
  const repeated = [...good.slice(0, 4), { ...good[1], tag: 'again' }];
  await assert.rejects(db.insert({ collection_name: 'c', data: repeated }), (e: unknown) => e instanceof RowError && e.row === 4 && e.field === 'id');
  await db.createCollection({
    collection_name: 'v',
    fields: [
      { name: 'k', data_type: DataType.VarChar, is_primary_key: true, max_length: 8 },
      { name: 'vector', data_type: DataType.FloatVector, dim: DIM },
    ],
  });
  const vector = good[0].vector;
  const named = [
    { k: 'a', vector },
    { k: 'b', vector },
    { k: 'a', vector },
  ];
  await assert.rejects(db.insert({ collection_name: 'v', data: named }), (e: unknown) => e instanceof RowError && e.row === 2 && e.field === 'k');
  assert.equal((await db.count({ collection_name: 'c' })).data, 0);
  await db.insert({ collection_name: 'c', data: good });
  assert.equal((await db.count({ collection_name: 'c' })).data, 5);
});

test('insert of a key the collection holds is a DuplicateKeyError and writes nothing; upsert replaces', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection(docsSchema('c'));
  await db.insert({ collection_name: 'c', data: docs(10) });
  const again = [...docs(2, 100), { ...docs(1, 4)[0], tag: 'dup' }];
  await assert.rejects(db.insert({ collection_name: 'c', data: again }), (e: unknown) => e instanceof DuplicateKeyError && e.keys.map(String).join() === '4');
  assert.equal((await db.count({ collection_name: 'c' })).data, 10);
  const result = await db.upsert({ collection_name: 'c', data: [{ ...docs(1, 4)[0], tag: 'new' }, ...docs(1, 50)] });
  assert.equal(result.upsert_cnt, '2');
  assert.equal((await db.count({ collection_name: 'c' })).data, 11);
  const rows = (await db.get({ collection_name: 'c', ids: [4, 50], output_fields: ['tag'] })).data;
  assert.deepEqual(rows, [
    { id: '4', tag: 'new' },
    { id: '50', tag: 't2' },
  ]);
  // The replaced row is gone from search too: one hit for key 4, with the new value.
  const hits = (await db.search({ collection_name: 'c', data: docs(1, 4)[0].vector, limit: 20, output_fields: ['tag'] })).results;
  assert.deepEqual(
    hits.filter((h) => h.id === '4').map((h) => h.tag),
    ['new'],
  );
});

test('delete by ids, by a primary-key filter, and by any filter', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection(docsSchema('c'));
  await db.insert({ collection_name: 'c', data: docs(20) });
  assert.equal((await db.delete({ collection_name: 'c', ids: [1, 2, 999] })).delete_cnt, '2');
  assert.equal((await db.delete({ collection_name: 'c', filter: 'id in [3, 4]' })).delete_cnt, '2');
  assert.equal((await db.delete({ collection_name: 'c', filter: 'id == 5' })).delete_cnt, '1');
  assert.equal((await db.count({ collection_name: 'c' })).data, 15);
  assert.deepEqual((await db.get({ collection_name: 'c', ids: [1, 5, 6], output_fields: ['id'] })).data, [{ id: '6' }]);
  // n is id % 10: of the 15 rows left, 8, 9, 18 and 19 have n > 7.
  assert.equal((await db.delete({ collection_name: 'c', filter: 'n > 7' })).delete_cnt, '4');
  assert.equal((await db.count({ collection_name: 'c' })).data, 11);
  assert.equal((await db.count({ collection_name: 'c', filter: 'n > 7' })).data, 0);
  await assert.rejects(db.delete({ collection_name: 'c', filter: 'n >' }), FilterError);
  await assert.rejects(db.delete({ collection_name: 'c', filter: '' }), InvalidArgumentError);
  // A deleted key can be inserted again.
  await db.insert({ collection_name: 'c', data: docs(1, 1) });
  assert.equal((await db.count({ collection_name: 'c' })).data, 12);
});

test('autoID keys are made for inserts and returned; upsert of an autoID collection takes the key', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection({ collection_name: 'a', dimension: DIM, auto_id: true });
  const rows = docs(3).map(({ vector, tag }) => ({ vector, tag }));
  const result = await db.insert({ collection_name: 'a', data: rows });
  assert.ok('int_id' in result.IDs);
  const ids = result.IDs.int_id.data;
  assert.equal(ids.length, 3);
  assert.equal(new Set(ids).size, 3);
  await assert.rejects(db.insert({ collection_name: 'a', data: [{ id: 1, vector: rows[0].vector }] }), RowError);
  const fetched = (await db.get({ collection_name: 'a', ids, output_fields: ['tag'] })).data;
  assert.deepEqual(
    fetched.map((r) => r.tag),
    ['t0', 't1', 't2'],
  );
  await db.upsert({ collection_name: 'a', data: [{ id: ids[0], vector: rows[0].vector, tag: 'changed' }] });
  assert.equal((await db.get({ collection_name: 'a', ids: [ids[0]], output_fields: ['tag'] })).data[0].tag, 'changed');
});

test('Int64 keys and fields past 2^53 go in as bigint or decimal strings and come back exact', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection({
    collection_name: 'big',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
      { name: 'count', data_type: DataType.Int64 },
    ],
  });
  const max = 2n ** 63n - 1n;
  await db.insert({
    collection_name: 'big',
    data: [
      { id: max, v: [1, 0], count: '-9223372036854775808' },
      { id: '9007199254740993', v: [0, 1], count: 9007199254740993n },
    ],
  });
  const rows = (await db.get({ collection_name: 'big', ids: ['9223372036854775807', 9007199254740993n], output_fields: ['count'] })).data;
  assert.deepEqual(rows, [
    { id: '9007199254740993', count: '9007199254740993' },
    { id: '9223372036854775807', count: '-9223372036854775808' },
  ]);
  const hit = (await db.search({ collection_name: 'big', data: [1, 0], limit: 1 })).results[0];
  assert.equal(hit.id, '9223372036854775807');
  await assert.rejects(db.get({ collection_name: 'big', ids: [2 ** 60] }), InvalidArgumentError);
});

test('VarChar keys, nullable and default values, JSON, arrays and dynamic fields round-trip', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection({
    collection_name: 'rich',
    enable_dynamic_field: true,
    fields: [
      { name: 'key', data_type: DataType.VarChar, max_length: 16, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
      { name: 'note', data_type: DataType.VarChar, max_length: 64, nullable: true },
      { name: 'level', data_type: DataType.Int16, default_value: 7 },
      { name: 'ok', data_type: DataType.Bool },
      { name: 'meta', data_type: DataType.JSON },
      { name: 'tags', data_type: DataType.Array, element_type: DataType.VarChar, max_capacity: 4, max_length: 8 },
      { name: 'ids', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 4 },
    ],
  });
  await db.insert({
    collection_name: 'rich',
    data: [
      { key: 'é-ü', v: [1, 2], note: null, ok: true, meta: { a: { b: [1, 'x'] } }, tags: ['x', 'y'], ids: [1, 2n ** 62n], extra: 'dyn' },
      { key: 'b', v: [3, 4], note: 'hi', level: 2, ok: false, meta: [1, 2], tags: [], ids: [] },
    ],
  });
  const rows = (await db.query({ collection_name: 'rich', filter: 'key in ["é-ü", "b"]', output_fields: ['*'] })).data;
  // COSINE (the default metric) keeps vectors unit-length with their norm: back within float rounding.
  const vectors = rows.map((r) => r.v as number[]);
  for (const [got, want] of [
    [vectors[0], [3, 4]],
    [vectors[1], [1, 2]],
  ]) {
    for (const [d, x] of got.entries()) assert.ok(Math.abs(x - want[d]) < 1e-6, `${got} vs ${want}`);
  }
  for (const row of rows) delete row.v;
  assert.deepEqual(rows, [
    { key: 'b', note: 'hi', level: 2, ok: false, meta: [1, 2], tags: [], ids: [] },
    { key: 'é-ü', note: null, level: 7, ok: true, meta: { a: { b: [1, 'x'] } }, tags: ['x', 'y'], ids: ['1', '4611686018427387904'], extra: 'dyn' },
  ]);
  const bad = { key: 'c', v: [0, 0], ok: true, meta: {}, tags: ['a', 'b', 'c', 'd', 'e'], ids: [] };
  await assert.rejects(db.insert({ collection_name: 'rich', data: [bad] }), (e: unknown) => e instanceof RowError && e.field === 'tags');
  await assert.rejects(
    db.insert({ collection_name: 'rich', data: [{ ...bad, tags: [], meta: () => 1 }] }),
    (e: unknown) => e instanceof RowError && e.field === 'meta',
  );
});

test('rows spread over shards and split over messages all arrive, in one acknowledged insert', async () => {
  const db = await openDb(folder('db'), { rocksmq: { maxPayload: 64 << 10 } });
  await db.createCollection(docsSchema('s', 'L2', { shards_num: 3 }));
  const rows = docs(3000); // about 150 KiB in messages: several per shard
  const result = await db.insert({ collection_name: 's', data: rows });
  assert.equal(result.insert_cnt, '3000');
  assert.equal((await db.count({ collection_name: 's' })).data, 3000);
  const described = await db.describeCollection({ collection_name: 's' });
  assert.equal(described.virtual_channel_names.length, 3);
  const ids = (await db.query({ collection_name: 's', limit: 5, offset: 2000, output_fields: ['n'] })).data;
  assert.deepEqual(
    ids,
    [2000, 2001, 2002, 2003, 2004].map((id) => ({ id: String(id), n: id % 10 })),
  );
});

test('a key written a moment ago is checked against that write, even before the query node has it', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection(docsSchema('c'));
  for (let round = 0; round < 20; round++) {
    const base = round * 100;
    // Each write follows the last at once: the key checks cannot rely on the query node having applied it.
    await db.insert({ collection_name: 'c', data: docs(3, base) });
    await assert.rejects(db.insert({ collection_name: 'c', data: docs(1, base + 1) }), DuplicateKeyError);
    await db.upsert({ collection_name: 'c', data: docs(1, base + 50) });
    await assert.rejects(db.insert({ collection_name: 'c', data: docs(1, base + 50) }), DuplicateKeyError);
    await db.delete({ collection_name: 'c', ids: [base + 2] });
    await db.insert({ collection_name: 'c', data: docs(1, base + 2) });
  }
  assert.equal((await db.count({ collection_name: 'c' })).data, 80);
});
