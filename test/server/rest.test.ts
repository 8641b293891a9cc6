// The RESTful API v2, driven by the official SDK's HttpClient (its own methods, unchanged):
// collections, partitions, indexes and entities in Milvus's shapes; errors as Milvus's
// envelopes and codes; int64 ids as strings, or numbers with Accept-Type-Allow-Int64;
// malformed, oversized and foreign requests answered, never a crash.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { HttpClient } from '@zilliz/milvus2-sdk-node';

import { QuiverServer } from '../../src/server/server.js';
import { workFolder } from '../db/db-helpers.js';

const folder = workFolder('rest');
let server: QuiverServer;
let client: HttpClient;

before(async () => {
  server = await QuiverServer.start({ config: { 'localStorage.path': folder('db'), 'proxy.port': 0, 'metrics.port': 0 }, log: () => {} });
  client = new HttpClient({ endpoint: server.url });
});

after(() => server.close());

const vector = (i: number) => [i, 0, 0, 1];

/** A raw POST, for what the HttpClient would never send. */
async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.url}/v2/vectordb/${path}`, { method: 'POST', body, headers });
  return { status: response.status, text: await response.text() };
}

test('collections: quick and full create, describe, list, has, stats, load state, rename, drop', async () => {
  assert.equal((await client.createCollection({ collectionName: 'quick', dimension: 4, metricType: 'L2' })).code, 0);
  const full = await client.createCollection({
    collectionName: 'full',
    schema: {
      autoId: false,
      enableDynamicField: false,
      fields: [
        { fieldName: 'pk', dataType: 'VarChar', isPrimary: true, elementTypeParams: { max_length: 16 } },
        { fieldName: 'v', dataType: 'FloatVector', elementTypeParams: { dim: 4 } },
        { fieldName: 'n', dataType: 'Int64', nullable: true },
      ],
    },
    indexParams: [{ fieldName: 'v', metricType: 'IP', indexType: 'FLAT', params: {} }],
  } as never);
  assert.equal(full.code, 0, JSON.stringify(full));
  const described = await client.describeCollection({ collectionName: 'full' });
  assert.equal(described.code, 0);
  assert.deepEqual(
    (described.data.fields as unknown as { name: string; type: string; primaryKey: boolean }[]).map((f) => [f.name, f.type, f.primaryKey]),
    [
      ['pk', 'VarChar', true],
      ['v', 'FloatVector', false],
      ['n', 'Int64', false],
    ],
  );
  assert.equal(described.data.indexes[0].metricType, 'IP');
  assert.deepEqual((await client.listCollections()).data, ['quick', 'full']);
  assert.equal((await client.hasCollection({ collectionName: 'quick', dbName: 'default' })).data.has, true);
  assert.equal((await client.hasCollection({ collectionName: 'none', dbName: 'default' })).data.has, false);
  assert.equal((await client.getCollectionLoadState({ collectionName: 'quick', dbName: 'default' })).data.loadState, 'LoadStateLoaded');
  assert.equal((await client.renameCollection({ collectionName: 'full', newCollectionName: 'renamed' })).code, 0);
  assert.equal((await client.getCollectionStatistics({ collectionName: 'renamed' })).data.rowCount, 0);
  assert.equal((await client.releaseCollection({ collectionName: 'renamed' })).code, 0);
  assert.equal((await client.getCollectionLoadState({ collectionName: 'renamed', dbName: 'default' })).data.loadState, 'LoadStateNotLoad');
  assert.equal((await client.dropCollection({ collectionName: 'renamed' })).code, 0);
  const missing = await client.describeCollection({ collectionName: 'renamed' });
  assert.equal(missing.code, 100);
  assert.match(String((missing as unknown as { message: string }).message), /renamed/);
});

test('entities: insert, upsert, get, query, search with filter and params, hybrid search, delete', async () => {
  // Strong: a read sees the writes before it (REST-created collections default to Bounded, as in Milvus).
  await client.createCollection({ collectionName: 'docs', dimension: 4, metricType: 'L2', params: { consistencyLevel: 'Strong' } } as never);
  const data = Array.from({ length: 50 }, (_, i) => ({ id: i, vector: vector(i), tag: i % 2 === 0 ? 'even' : 'odd' }));
  const inserted = await client.insert({ collectionName: 'docs', data });
  assert.deepEqual(inserted.data, { insertCount: 50, insertIds: data.map((d) => String(d.id)) });
  const upserted = await client.upsert({ collectionName: 'docs', data: [{ id: 3, vector: vector(3), tag: 'three' }] });
  assert.deepEqual(upserted.data, { upsertCount: 1, upsertIds: ['3'] });

  const got = await client.get({ collectionName: 'docs', id: [3, 4], outputFields: ['tag'] } as never);
  assert.deepEqual(
    got.data.map((r) => [r.id, r.tag]),
    [
      ['3', 'three'],
      ['4', 'even'],
    ],
  );
  const queried = await client.query({ collectionName: 'docs', filter: 'id < 6 and tag == "odd"', outputFields: ['id', 'tag'] });
  assert.deepEqual(
    queried.data.map((r) => r.id),
    ['1', '5'],
  );

  const found = await client.search({
    collectionName: 'docs',
    data: [vector(10), vector(20)],
    limit: 3,
    filter: 'tag == "even"',
    outputFields: ['tag'],
    searchParams: { params: { nprobe: 8 } },
  } as never);
  assert.equal(found.code, 0);
  // Flattened over the two queries, nearest first in each, with the distance.
  assert.deepEqual(
    found.data.map((h) => (h as { id: string }).id),
    ['10', '8', '12', '20', '18', '22'],
  );
  assert.equal(found.data[0].distance, 0);
  assert.equal((found.data[0] as { tag: string }).tag, 'even');

  const fused = await client.hybridSearch({
    collectionName: 'docs',
    search: [
      { data: [vector(7)], annsField: 'vector', limit: 5 },
      { data: [vector(9)], annsField: 'vector', limit: 5 },
    ],
    rerank: { strategy: 'rrf', params: { k: 60 } },
    limit: 2,
  } as never);
  assert.equal(fused.code, 0, JSON.stringify(fused));
  assert.equal(fused.data.length, 2);

  assert.equal((await client.delete({ collectionName: 'docs', filter: 'id >= 10' })).code, 0);
  const left = await client.query({ collectionName: 'docs', filter: 'id >= 0', outputFields: ['count(*)'] });
  assert.deepEqual(left.data, [{ 'count(*)': 10 }]);
});

test('partitions and indexes', async () => {
  await client.createCollection({ collectionName: 'parts', dimension: 4 });
  assert.equal((await client.createPartition({ collectionName: 'parts', partitionName: 'p1' })).code, 0);
  assert.deepEqual((await client.listPartitions({ collectionName: 'parts' })).data, ['_default', 'p1']);
  assert.equal((await client.hasPartition({ collectionName: 'parts', partitionName: 'p1' })).data.has, true);
  await client.insert({ collectionName: 'parts', partitionName: 'p1', data: [{ id: 1, vector: vector(1) }] } as never);
  assert.equal((await client.getPartitionStatistics({ collectionName: 'parts', partitionName: 'p1' })).data.rowCount, 1);
  assert.equal((await client.dropPartition({ collectionName: 'parts', partitionName: 'p1' })).code, 0);
  assert.equal((await client.createPartition({ collectionName: 'parts', partitionName: 'p1' })).code, 0);

  const [index] = (await client.describeIndex({ collectionName: 'parts', indexName: 'vector' })).data;
  assert.equal(index.indexType, 'AUTOINDEX');
  assert.deepEqual((await client.listIndexes({ collectionName: 'parts' })).data, ['vector']);
  assert.equal((await client.dropIndex({ collectionName: 'parts', indexName: 'vector' })).code, 0);
  const created = await client.createIndex({
    collectionName: 'parts',
    indexParams: [{ fieldName: 'vector', indexName: 'ivf', metricType: 'COSINE', params: { index_type: 'IVF_FLAT', nlist: 8 } }],
  } as never);
  assert.equal(created.code, 0, JSON.stringify(created));
  assert.equal((await client.describeIndex({ collectionName: 'parts', indexName: 'ivf' })).data[0].indexType, 'IVF_FLAT');
  assert.equal((await client.describeIndex({ collectionName: 'parts', indexName: 'none' })).code, 700);
  const perIndex = (await client.alterIndexProperties({
    collectionName: 'parts',
    indexName: 'ivf',
    properties: { 'mmap.enabled': true },
  } as never)) as unknown as {
    code: number;
    message: string;
    quiverCode: string;
  };
  assert.equal(perIndex.quiverCode, 'QV_UNSUPPORTED');
  assert.match(perIndex.message, /mmap.enabled on the collection/);
});

test('aliases: create, describe, list, alter, drop; a missing alias is code 1600', async () => {
  await client.createCollection({ collectionName: 'a1', dimension: 4 });
  await client.createCollection({ collectionName: 'a2', dimension: 4 });
  assert.equal((await client.createAlias({ collectionName: 'a1', aliasName: 'current' })).code, 0);
  assert.deepEqual((await client.describeAlias({ aliasName: 'current' })).data, { aliasName: 'current', collectionName: 'a1', dbName: 'default' });
  assert.deepEqual(((await client.describeCollection({ collectionName: 'a1' })).data as unknown as { aliases: string[] }).aliases, ['current']);
  assert.equal((await client.createAlias({ collectionName: 'a2', aliasName: 'current' })).code, 1602);
  assert.equal((await client.alterAlias({ collectionName: 'a2', aliasName: 'current' })).code, 0);
  assert.deepEqual((await client.listAliases({ collectionName: 'a2' } as never)).data, ['current']);
  assert.deepEqual((await client.listAliases({})).data, ['current']);
  assert.equal((await client.describeCollection({ collectionName: 'current' })).data.collectionName, 'a2');
  assert.equal((await client.dropAlias({ aliasName: 'current' })).code, 0);
  assert.equal((await client.describeAlias({ aliasName: 'current' })).code, 1600);
});

test('Accept-Type-Allow-Int64: ids and Int64 fields as JSON numbers with every digit; strings without it', async () => {
  await client.createCollection({ collectionName: 'big', dimension: 4, params: { consistencyLevel: 'Strong' } } as never);
  const id = '9007199254740993'; // 2^53 + 1: a double would round it
  const inserted = await post('entities/insert', JSON.stringify({ collectionName: 'big', data: [{ id, vector: vector(1) }] }), {
    'Accept-Type-Allow-Int64': 'true',
  });
  assert.equal(inserted.text, `{"code":0,"data":{"insertCount":1,"insertIds":[${id}]}}`);
  const query = JSON.stringify({ collectionName: 'big', filter: 'id > 0', outputFields: ['id'] });
  assert.equal((await post('entities/query', query, { 'Accept-Type-Allow-Int64': 'true' })).text, `{"code":0,"data":[{"id":${id}}]}`);
  assert.equal((await post('entities/query', query)).text, `{"code":0,"data":[{"id":"${id}"}]}`);
});

test('bad requests get envelopes: malformed JSON, not an object, oversized, unknown endpoint, another database, bad values', async () => {
  const envelope = (text: string) => JSON.parse(text) as { code: number; message: string };
  assert.equal(envelope((await post('collections/describe', '{"collectionName":')).text).code, 1801);
  assert.equal(envelope((await post('collections/describe', '[1, 2]')).text).code, 1802);
  assert.equal(envelope((await post('collections/describe', '')).text).code, 1801);
  const huge = await post('entities/insert', JSON.stringify({ collectionName: 'docs', data: 'x'.repeat(65 << 20) }));
  assert.equal(huge.status, 413);
  assert.equal(envelope(huge.text).code, 1801);
  const unknown = await post('collections/explode', '{}');
  assert.equal(unknown.status, 404);
  assert.equal(envelope((await post('collections/list', '{"dbName":"other"}')).text).code, 800);
  const badRow = envelope((await post('entities/insert', JSON.stringify({ collectionName: 'docs', data: [{ id: 'x', vector: [1] }] }))).text);
  assert.equal(badRow.code, 1804);
  assert.equal(envelope((await post('entities/search', JSON.stringify({ collectionName: 'docs', data: [[1, 2]] }))).text).code, 1100);
  // QuiverDB's own endpoint takes only the client's tasks.
  const rpc = async (task: string, body: string) => JSON.parse(await (await fetch(`${server.url}/quiverdb/v1/${task}`, { method: 'POST', body })).text());
  assert.equal((await rpc('explode', '{}')).quiverCode, 'QV_INVALID_ARGUMENT');
  assert.equal((await rpc('listCollections', '{"x":')).code, 1801);
  // Still serving.
  assert.equal((await client.hasCollection({ collectionName: 'docs', dbName: 'default' })).data.has, true);
});
