// Collections and partitions through the embedded client, in the SDK's shapes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

import {
  CollectionExistsError,
  CollectionNotFoundError,
  DataType,
  InvalidArgumentError,
  NotLoadedError,
  PartitionExistsError,
  PartitionNotFoundError,
  QuiverDB,
  SchemaError,
} from '../../src/index.js';
import { docs, docsSchema, openDb, workFolder } from './db-helpers.js';

const folder = workFolder('collections');

test('createCollection with fields, then describe, list, has, rename and drop', async () => {
  const db = await openDb(folder('db'));
  const created = await db.createCollection(docsSchema('books'));
  assert.equal(created.status.error_code, 'Success');
  const described = await db.describeCollection({ collection_name: 'books' });
  assert.equal(described.collection_name, 'books');
  assert.equal(described.consistency_level, 'Strong');
  assert.equal(described.schema.enable_dynamic_field, true);
  const byName = Object.fromEntries(described.schema.fields.map((f) => [f.name, f]));
  assert.equal(byName.id.data_type, 'Int64');
  assert.equal(byName.id.is_primary_key, true);
  assert.equal(byName.vector.data_type, 'FloatVector');
  assert.equal(byName.vector.dim, '8');
  assert.deepEqual(byName.tag.type_params, [{ key: 'max_length', value: '32' }]);
  assert.deepEqual((await db.listCollections()).collection_names, ['books']);
  assert.deepEqual(
    (await db.showCollections()).data.map((c) => c.name),
    ['books'],
  );
  assert.equal((await db.hasCollection({ collection_name: 'books' })).value, true);
  assert.equal((await db.hasCollection({ collection_name: 'nope' })).value, false);

  await db.insert({ collection_name: 'books', data: docs(10) });
  await db.renameCollection({ collection_name: 'books', new_collection_name: 'novels' });
  assert.equal((await db.count({ collection_name: 'novels' })).data, 10);
  await assert.rejects(db.describeCollection({ collection_name: 'books' }), CollectionNotFoundError);

  await db.dropCollection({ collection_name: 'novels' });
  assert.deepEqual((await db.listCollections()).collection_names, []);
  await assert.rejects(db.count({ collection_name: 'novels' }), CollectionNotFoundError);
  // The name can be used again, and the new collection starts empty.
  await db.createCollection(docsSchema('novels'));
  assert.equal((await db.count({ collection_name: 'novels' })).data, 0);
});

test('aliases survive a rename and a reopen; a renamed collection keeps them', async () => {
  const dir = folder('aliases');
  let db = await openDb(dir);
  await db.createCollection(docsSchema('v1'));
  await db.insert({ collection_name: 'v1', data: docs(4) });
  await db.createAlias({ collection_name: 'v1', alias: 'current' });
  await db.renameCollection({ collection_name: 'v1', new_collection_name: 'v1_old' });
  await assert.rejects(db.renameCollection({ collection_name: 'v1_old', new_collection_name: 'current' }), CollectionExistsError);
  await assert.rejects(db.createAlias({ collection_name: 'current', alias: 'other' }), InvalidArgumentError); // an alias of an alias
  await db.close();
  db = await QuiverDB.open(dir);
  assert.equal((await db.count({ collection_name: 'current' })).data, 4);
  assert.equal((await db.describeAlias({ alias: 'current' })).collection, 'v1_old');
  assert.deepEqual((await db.listAliases()).aliases, ['current']);
  await db.close();
});

test('the quick form: id, vector, COSINE, the dynamic field on', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection({ collection_name: 'quick', dimension: 4 });
  const described = await db.describeCollection({ collection_name: 'quick' });
  assert.deepEqual(
    described.schema.fields.map((f) => [f.name, f.data_type]),
    [
      ['id', 'Int64'],
      ['vector', 'FloatVector'],
    ],
  );
  assert.equal(described.schema.enable_dynamic_field, true);
  assert.equal(described.index_params[0].metric_type, 'COSINE');
  await db.insert({ collection_name: 'quick', data: [{ id: 1, vector: [1, 0, 0, 0], color: 'red' }] });
  const hit = (await db.search({ collection_name: 'quick', data: [2, 0, 0, 0], output_fields: ['color'] })).results;
  assert.equal(hit.length, 1);
  assert.equal(hit[0].color, 'red');
  assert.ok(Math.abs(hit[0].score - 1) < 1e-6); // cosine similarity
});

test('bad schemas are SchemaErrors that name the field; a taken name is CollectionExistsError', async () => {
  const db = await openDb(folder('db'));
  const vector = { name: 'v', data_type: DataType.FloatVector, dim: 4 };
  const cases: [unknown[], RegExp][] = [
    [[vector], /exactly one primary key/],
    [[{ name: 'id', data_type: 'Int64', is_primary_key: true }], /FloatVector/],
    [[{ name: 'id', data_type: 'Float', is_primary_key: true }, vector], /Int64 or VarChar/],
    [
      [
        { name: 'id', data_type: 'Int64', is_primary_key: true },
        { name: 'v', data_type: 'FloatVector' },
      ],
      /dim/,
    ],
    [[{ name: 'id', data_type: 'Int64', is_primary_key: true }, vector, { name: 's', data_type: 'VarChar' }], /max_length/],
    [[{ name: 'id', data_type: 'Int64', is_primary_key: true }, vector, { name: 'v', data_type: 'Int8' }], /two fields/],
    [[{ name: 'id', data_type: 'Int64', is_primary_key: true }, vector, { name: 'x', data_type: 'Nope' }], /data_type/],
    [[{ name: 'id', data_type: 'VarChar', max_length: 8, is_primary_key: true, autoID: true }, vector], /autoID/],
    [
      [{ name: 'id', data_type: 'Int64', is_primary_key: true }, vector, { name: 'a', data_type: 'Array', element_type: 'JSON', max_capacity: 4 }],
      /element_type/,
    ],
  ];
  for (const [fields, message] of cases) {
    await assert.rejects(db.createCollection({ collection_name: 'bad', fields }), (e: unknown) => e instanceof SchemaError && message.test(e.message));
  }
  await assert.rejects(db.createCollection({ collection_name: '1bad', dimension: 4 }), SchemaError);
  assert.deepEqual((await db.listCollections()).collection_names, []);
  await db.createCollection({ collection_name: 'taken', dimension: 4 });
  await assert.rejects(db.createCollection({ collection_name: 'taken', dimension: 4 }), CollectionExistsError);
  await assert.rejects(db.createCollection({ collection_name: 'x', dimension: 4, shards_num: 99 }), InvalidArgumentError);
});

test('partitions: create, list, has, insert into, search within, drop', async () => {
  const db = await openDb(folder('db'));
  await db.createCollection(docsSchema('p'));
  await db.createPartition({ collection_name: 'p', partition_name: 'recent' });
  await assert.rejects(db.createPartition({ collection_name: 'p', partition_name: 'recent' }), PartitionExistsError);
  assert.deepEqual((await db.listPartitions({ collection_name: 'p' })).partition_names, ['_default', 'recent']);
  assert.equal((await db.hasPartition({ collection_name: 'p', partition_name: 'recent' })).value, true);
  await db.insert({ collection_name: 'p', data: docs(20, 0) });
  await db.insert({ collection_name: 'p', data: docs(5, 100), partition_name: 'recent' });
  await assert.rejects(db.insert({ collection_name: 'p', data: docs(1, 200), partition_name: 'old' }), PartitionNotFoundError);
  assert.equal((await db.count({ collection_name: 'p' })).data, 25);
  assert.equal((await db.count({ collection_name: 'p', partition_names: ['recent'] })).data, 5);
  const hits = (await db.search({ collection_name: 'p', data: docs(1, 0)[0].vector, limit: 10, partition_names: ['recent'] })).results;
  assert.deepEqual(
    hits.map((h) => Number(h.id)).sort((a, b) => a - b),
    [100, 101, 102, 103, 104],
  );
  await db.dropPartition({ collection_name: 'p', partition_name: 'recent' });
  assert.equal((await db.count({ collection_name: 'p' })).data, 20);
  assert.deepEqual((await db.showPartitions({ collection_name: 'p' })).partition_names, ['_default']);
  await assert.rejects(db.dropPartition({ collection_name: 'p', partition_name: '_default' }), InvalidArgumentError);
});

test('a dropped partition lets go of its rows, keys and files, also across a reopen', async () => {
  const dir = folder('dropped');
  let db = await QuiverDB.open(dir);
  await db.createCollection(docsSchema('p'));
  const { collectionID } = await db.describeCollection({ collection_name: 'p' });
  const segmentFolders = () => (existsSync(join(dir, 'segments', String(collectionID))) ? readdirSync(join(dir, 'segments', String(collectionID))) : []);
  await db.insert({ collection_name: 'p', data: docs(10, 0) });
  await db.createPartition({ collection_name: 'p', partition_name: 'gone' });
  await db.insert({ collection_name: 'p', data: docs(30, 100), partition_name: 'gone' });
  await db.flush({ collection_names: ['p'] });
  const flushed = segmentFolders().length; // one segment per partition
  await db.insert({ collection_name: 'p', data: docs(20, 200), partition_name: 'gone' }); // only in the log
  await db.dropPartition({ collection_name: 'p', partition_name: 'gone' });
  assert.equal((await db.count({ collection_name: 'p' })).data, 10);
  // Its keys are free again, flushed or not.
  await db.insert({ collection_name: 'p', data: [...docs(1, 105), ...docs(1, 205)] });
  assert.equal((await db.count({ collection_name: 'p' })).data, 12);
  // The data node removes the flushed segment in the background.
  const deadline = Date.now() + 5000;
  while (segmentFolders().length !== flushed - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(segmentFolders().length, flushed - 1);
  // Replaying the log after a reopen does not bring the dropped rows back, nor flush them.
  await db.close();
  db = await QuiverDB.open(dir);
  after(() => db.close());
  assert.equal((await db.count({ collection_name: 'p' })).data, 12);
  await db.flush({ collection_names: ['p'] });
  const hits = (await db.search({ collection_name: 'p', data: docs(1, 210)[0].vector, limit: 20 })).results;
  assert.deepEqual(
    hits.map((h) => Number(h.id)).sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 105, 205],
  );
});

test('a partition key spreads rows over num_partitions partitions', async () => {
  const db = await openDb(folder('db'));
  const schema = docsSchema('keyed', 'L2', { num_partitions: 4 });
  (schema.fields[3] as Record<string, unknown>).is_partition_key = true;
  await db.createCollection(schema);
  assert.deepEqual((await db.listPartitions({ collection_name: 'keyed' })).partition_names, ['_default_0', '_default_1', '_default_2', '_default_3']);
  await db.insert({ collection_name: 'keyed', data: docs(60) });
  const counts = [];
  for (const name of ['_default_0', '_default_1', '_default_2', '_default_3'])
    counts.push((await db.count({ collection_name: 'keyed', partition_names: [name] })).data);
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    60,
  );
  assert.ok(counts.filter((c) => c > 0).length >= 2, `rows of three tags went to more than one partition: ${counts}`);
  await assert.rejects(db.insert({ collection_name: 'keyed', data: docs(1, 500), partition_name: '_default_0' }), InvalidArgumentError);
  await assert.rejects(db.createPartition({ collection_name: 'keyed', partition_name: 'mine' }), InvalidArgumentError);
});

test('release frees the collection for reads; load brings every row back', async () => {
  const dir = folder('db');
  const db = await openDb(dir);
  await db.createCollection(docsSchema('r'));
  assert.equal((await db.getLoadState({ collection_name: 'r' })).state, 'LoadStateLoaded');
  await db.insert({ collection_name: 'r', data: docs(30) });
  await db.releaseCollection({ collection_name: 'r' });
  assert.equal((await db.getLoadState({ collection_name: 'r' })).state, 'LoadStateNotLoad');
  await assert.rejects(db.search({ collection_name: 'r', data: docs(1)[0].vector }), NotLoadedError);
  // Writes go on while released; upserts and deletes need no key check.
  await db.upsert({ collection_name: 'r', data: docs(5, 30) });
  await db.delete({ collection_name: 'r', ids: [0, 1] });
  await db.loadCollectionSync({ collection_name: 'r' });
  assert.equal((await db.count({ collection_name: 'r' })).data, 33);
  const stats = await db.getCollectionStatistics({ collection_name: 'r' });
  assert.equal(stats.data.row_count, '33');
  assert.equal((await db.getLoadState({ collection_name: 'nope' })).state, 'LoadStateNotExist');
});

test('searches running across a release answer or find it released, never a closed segment; the memory comes back', async () => {
  const db = await openDb(folder('memory'));
  const dim = 256;
  const rows = 50_000; // 51 MB of vectors, searched exactly
  await db.createCollection({
    collection_name: 'big',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'n', data_type: DataType.Int64 },
      { name: 'v', data_type: DataType.FloatVector, dim },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  });
  const matrix = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 0.37) + (i % 7));
  for (let first = 0; first < rows; first += 5000) {
    const data = Array.from({ length: 5000 }, (_, i) => ({
      id: first + i,
      n: 2 * (first + i) + 1,
      v: matrix.subarray((first + i) * dim, (first + i + 1) * dim),
    }));
    await db.insert({ collection_name: 'big', data });
  }
  await db.flush({ collection_names: ['big'] });
  // Its output field is read from the segment after the search: later than the search's own native call.
  const nearest = async () => {
    const { results } = await db.search({ collection_name: 'big', data: matrix.subarray(0, dim), limit: 1, output_fields: ['n'] });
    const [hit] = results as unknown as { id: string; n: string }[];
    return `${hit?.id}:${hit?.n}`;
  };
  assert.equal(await nearest(), '0:1');
  const running = Array.from({ length: 8 }, nearest);
  const before = process.memoryUsage().rss;
  await db.releaseCollection({ collection_name: 'big' });
  // Each search began before the release: it answers (its segments are closed after it), or
  // finds the collection released; never a closed segment.
  for (const outcome of await Promise.allSettled(running)) {
    if (outcome.status === 'fulfilled') assert.equal(outcome.value, '0:1');
    else assert.ok(outcome.reason instanceof NotLoadedError, String(outcome.reason));
  }
  const freed = before - process.memoryUsage().rss;
  assert.ok(freed > (rows * dim * 4) / 2, `the release gave back ${freed} bytes, not the vectors' ${rows * dim * 4}`);
  await db.loadCollectionSync({ collection_name: 'big' });
  assert.equal(await nearest(), '0:1');
});
