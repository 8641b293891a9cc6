// The query node cuts its growing segments where the log's seal messages are, and learns
// each one's catalog id from the data node's flush events, which travel on another topic:
// an event may come before or after the seal message is applied, and each segment must get
// the id of the segment the data node cut at the same seal. And a read keeps the segments it
// began with when a compaction swaps some of them out, and a read by key finds the row its
// timestamp sees when an upsert newer than the read was applied before it ran.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { CollectionInfo, SegmentInfo } from '../src/meta/catalog.js';
import type { InsertMessage } from '../src/msg/messages.js';
import { LoadedCollection } from '../src/roles/querynode/collection.js';
import { query } from '../src/roles/querynode/read.js';
import { Reclaimer } from '../src/roles/querynode/reclaimer.js';
import { DataType } from '../src/schema/data-type.js';
import { toColumns } from '../src/schema/rows.js';
import { makeSchema } from '../src/schema/schema.js';

const schema = makeSchema(
  [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vector', data_type: DataType.FloatVector, dim: 2 },
  ],
  {},
);
const info: CollectionInfo = {
  id: 1,
  name: 'c',
  schema,
  shardsNum: 1,
  channels: ['ch'],
  partitions: [{ id: 2, name: '_default', createdMs: 0 }],
  numPartitions: 0,
  consistencyLevel: 'Strong',
  createdMs: 0,
  properties: {},
  indexes: [{ field_name: 'vector', index_name: 'vector', index_type: 'FLAT', metric_type: 'L2', params: {}, id: 3 }],
  loaded: true,
};

function insert(first: number, rows: number, ts: bigint): InsertMessage {
  const batch = toColumns(
    schema,
    Array.from({ length: rows }, (_, i) => ({ id: first + i, vector: [first + i, 0] })),
    'insert',
  );
  return { kind: 'insert', collectionId: 1, partitionId: 2, ts, upsert: false, rows, pk: 'id', columns: batch.columns };
}

const flushed = (id: number, sealSeq: bigint, rows: number): SegmentInfo => ({
  id,
  collectionId: 1,
  partitionId: 2,
  channel: 'ch',
  startSeq: '1',
  sealSeq: sealSeq.toString(),
  rows,
  columns: [],
});

test('flush events before and after their seal messages: each segment gets the id cut at its seal, and is told', async () => {
  const told: number[] = []; // the query node looks for each segment's built index when told
  const collection = new LoadedCollection(
    info,
    1,
    async () => new Float32Array(),
    (segment) => told.push(segment.id as number),
  );
  collection.channels.set('ch', { next: 1n, serviceableTs: 0n, flushedUpTo: new Map() });
  const seal = { kind: 'seal' as const, collectionId: 1, partitionId: null };
  await collection.apply('ch', 1n, insert(0, 3, 10n));
  await collection.apply('ch', 2n, seal);
  await collection.apply('ch', 3n, insert(3, 5, 20n));
  // The second segment's flush event arrives before its seal message is applied, the first's after.
  collection.markFlushed('ch', [flushed(101, 4n, 5)]);
  assert.deepEqual(told, []);
  await collection.apply('ch', 4n, seal);
  assert.deepEqual(told, [101]);
  collection.markFlushed('ch', [flushed(100, 2n, 3)]);
  await collection.apply('ch', 5n, insert(8, 2, 30n));
  assert.deepEqual(
    collection.segments.map((s) => [s.state, s.id, s.rows]),
    [
      ['sealed', 100, 3],
      ['sealed', 101, 5],
      ['growing', undefined, 2],
    ],
  );
  assert.deepEqual(told, [101, 100]);
});

/** A collection with rows 0..2 in a sealed segment (at ts 10), then `then` applied to its growing one. */
async function sealedThen(then: InsertMessage, retire?: (close: () => void) => void): Promise<LoadedCollection> {
  const collection = new LoadedCollection(
    info,
    1,
    async () => new Float32Array(),
    () => {},
    false,
    retire,
  );
  collection.channels.set('ch', { next: 1n, serviceableTs: 0n, flushedUpTo: new Map() });
  await collection.apply('ch', 1n, insert(0, 3, 10n));
  await collection.apply('ch', 2n, { kind: 'seal', collectionId: 1, partitionId: null });
  await collection.apply('ch', 3n, then);
  return collection;
}

test('segments let go of are closed once the reads begun before end; at once when none runs', async () => {
  const reclaimer = new Reclaimer();
  const collection = await sealedThen(insert(3, 2, 20n), (close) => reclaimer.retire(close));
  const [sealed, growing] = collection.segments;
  const epoch = reclaimer.begin(); // a read, as the query node runs one
  const reading = query(collection, { collectionId: 1, consistency: 'Strong', readTs: 100n, outputFields: ['id'], offset: 0 });
  await collection.replaceSegments([sealed], undefined);
  assert.deepEqual(
    (await reading).map((row) => row.id),
    ['0', '1', '2', '3', '4'],
  );
  assert.equal(sealed.rows, 3); // still open: the read has not ended
  reclaimer.end(epoch);
  const closed = { code: 'QV_CLOSED' };
  assert.throws(() => sealed.rows, closed);
  assert.throws(() => sealed.vectors.get('vector')?.memoryBytes(), closed);
  assert.equal(growing.rows, 2);
  collection.close(); // released: no read runs, so at once
  assert.throws(() => growing.rows, closed);
  assert.equal(reclaimer.pending, 0);
});

test('a read keeps the segments it began with while a compaction swaps them out', async () => {
  const collection = await sealedThen(insert(3, 2, 20n));
  // No partitions named (as a delete by filter reads): every segment; the first is swapped out meanwhile.
  const reading = query(collection, { collectionId: 1, consistency: 'Strong', readTs: 100n, outputFields: ['id'], offset: 0 });
  await collection.replaceSegments([collection.segments[0]], undefined);
  assert.deepEqual(
    (await reading).map((row) => row.id),
    ['0', '1', '2', '3', '4'],
  );
  assert.deepEqual(
    (await query(collection, { collectionId: 1, consistency: 'Strong', readTs: 100n, outputFields: ['id'], offset: 0 })).map((row) => row.id),
    ['3', '4'],
  );
});

test('a read by key at a timestamp before an upsert finds the row the upsert replaced', async () => {
  const collection = await sealedThen({ ...insert(1, 1, 20n), upsert: true }); // key 1 again, in the growing segment
  const read = (keys: bigint[], readTs: bigint) =>
    query(collection, { collectionId: 1, consistency: 'Strong', readTs, keys, outputFields: ['id'], offset: 0 }).then((rows) => rows.map((row) => row.id));
  assert.deepEqual(await read([2n, 1n, 0n], 15n), ['0', '1', '2']); // the old row of key 1
  assert.deepEqual(await read([1n], 25n), ['1']); // the new one
  assert.deepEqual(await read([1n], 5n), []); // before either
});
