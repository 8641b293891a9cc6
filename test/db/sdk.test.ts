// Code written for @zilliz/milvus2-sdk-node runs against the embedded client with only the
// client's construction changed: the SDK README's quick start, and the method names.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

import { DataType, MetricType, MilvusClient } from '@zilliz/milvus2-sdk-node';

import { QuiverDB } from '../../src/index.js';
import { workFolder } from './db-helpers.js';

const folder = workFolder('sdk');

test("the SDK README's quick start, with QuiverDB.open in place of new MilvusClient", async () => {
  const client = await QuiverDB.open(folder('db')); // was: new MilvusClient({ address: 'localhost:19530' })

  // 1. Create collection with schema
  await client.createCollection({
    collection_name: 'my_collection',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: true },
      { name: 'text', data_type: DataType.VarChar, max_length: 512 },
      { name: 'vector', data_type: DataType.FloatVector, dim: 128 },
    ],
    index_params: [{ field_name: 'vector', index_type: 'HNSW', metric_type: MetricType.COSINE, params: { M: 16, efConstruction: 256 } }],
    enable_dynamic_field: true,
  });
  // 2. Load into memory (required before search/query)
  await client.loadCollectionSync({ collection_name: 'my_collection' });
  // 3. Insert data
  const inserted = await client.insert({
    collection_name: 'my_collection',
    data: [
      { vector: Array(128).fill(0.1), text: 'doc1' },
      { vector: Array(128).fill(0.2), text: 'doc2' },
    ],
  });
  // 4. Search
  const results = await client.search({
    collection_name: 'my_collection',
    data: [Array(128).fill(0.1)],
    limit: 10,
    consistency_level: 'Strong', // Include the rows just inserted
    output_fields: ['text'],
  });

  assert.equal(inserted.status.error_code, 'Success');
  const hits = results.results as unknown as { id: string; score: number; text: string }[];
  assert.equal(hits.length, 2);
  assert.deepEqual(hits.map((h) => h.text).sort(), ['doc1', 'doc2']);
  assert.ok(
    hits.every((h) => Math.abs(h.score - 1) < 1e-5),
    'both are at cosine similarity 1',
  );
  assert.ok('int_id' in inserted.IDs);
  assert.deepEqual(hits.map((h) => h.id).sort(), [...inserted.IDs.int_id.data].sort());
  await client.close();
});

test('every method of the embedded client is a MilvusClient method of the same name', () => {
  const ours = Object.getOwnPropertyNames(QuiverDB.prototype).filter((n) => n !== 'constructor' && n !== 'close' && n !== 'dir');
  const sdk = new Set<string>();
  for (let proto = MilvusClient.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) sdk.add(name);
  }
  // Aliases (listCollections, loadCollectionSync, ...) are instance properties, declared in the typings.
  const typings = join(dirname(createRequire(import.meta.url).resolve('@zilliz/milvus2-sdk-node')), 'grpc');
  for (const file of readdirSync(typings).filter((f) => f.endsWith('.d.ts'))) {
    // `name: (...) =>` or, generic, `name: <T ...>(...) =>` (hybridSearch).
    for (const [, name] of readFileSync(join(typings, file), 'utf8').matchAll(/^\s+(\w+): (?:<.*?>)?\(/gm)) sdk.add(name);
  }
  const missing = ours.filter((name) => !sdk.has(name));
  assert.deepEqual(missing, []);
  assert.ok(ours.length >= 27, `${ours.length} methods`);
});
