// Collection TTL (collection.ttl.seconds): expired rows are not read, their keys are free
// again, and compaction removes them from the segment files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import { InvalidArgumentError } from '../../src/index.js';
import { docs, docsSchema, expectedIds, openDb, workFolder } from './db-helpers.js';

const folder = workFolder('ttl');

test('rows expire after collection.ttl.seconds: unread, their keys free, and compacted away', async () => {
  const db = await openDb(folder('expire'), { 'dataCoord.compaction.enableAutoCompaction': false, 'common.retentionDuration': 0 });
  await db.createCollection(docsSchema('c', 'L2', { properties: { 'collection.ttl.seconds': 1 } }));
  const old = docs(300, 0, 2);
  await db.insert({ collection_name: 'c', data: old });
  await db.flush({ collection_names: ['c'] });
  assert.equal((await db.count({ collection_name: 'c' })).data, 300);
  await delay(1100);
  const fresh = docs(200, 1000, 3);
  await db.insert({ collection_name: 'c', data: fresh });

  assert.equal((await db.count({ collection_name: 'c' })).data, 200);
  assert.equal((await db.count({ collection_name: 'c', filter: 'id < 1000' })).data, 0);
  assert.deepEqual(
    (await db.get({ collection_name: 'c', ids: [0, 1, 1000] })).data.map((r) => r.id),
    ['1000'],
  );
  const query = fresh[7].vector;
  const { results } = await db.search({ collection_name: 'c', data: query, limit: 10 });
  assert.deepEqual(
    results.map((h) => h.id),
    expectedIds(fresh, query, 10, 'L2'),
  );
  // An expired row's key can be inserted again.
  await db.insert({ collection_name: 'c', data: [old[5]] });
  assert.deepEqual(
    (await db.get({ collection_name: 'c', ids: [5] })).data.map((r) => r.id),
    ['5'],
  );

  // Compaction drops the expired rows from the files.
  const { compactionID } = (await db.compact({ collection_name: 'c' })) as unknown as { compactionID: string };
  while (((await db.getCompactionState({ compactionID })) as unknown as { state: string }).state !== 'Completed') await delay(20);
  const { infos } = (await db.getPersistentSegmentInfo({ collectionName: 'c' })) as unknown as { infos: { num_rows: number }[] };
  assert.deepEqual(
    infos.map((s) => s.num_rows),
    [],
  ); // the one sealed segment held only expired rows
  assert.equal((await db.count({ collection_name: 'c' })).data, 201);
});

test('alterCollectionProperties sets and removes a TTL; bad values are refused', async () => {
  const db = await openDb(folder('alter'));
  await db.createCollection(docsSchema('c'));
  await db.insert({ collection_name: 'c', data: docs(50) });
  await delay(300);
  await db.alterCollectionProperties({ collection_name: 'c', properties: { 'collection.ttl.seconds': 0.2 } });
  assert.equal((await db.count({ collection_name: 'c' })).data, 0);
  const { properties } = await db.describeCollection({ collection_name: 'c' });
  assert.deepEqual(properties, [{ key: 'collection.ttl.seconds', value: '0.2' }]);
  await db.alterCollectionProperties({ collection_name: 'c', properties: {}, delete_keys: ['collection.ttl.seconds'] });
  assert.equal((await db.count({ collection_name: 'c' })).data, 50); // not compacted away yet: seen again
  for (const bad of ['-1', 'soon', '1e12']) {
    await assert.rejects(db.alterCollectionProperties({ collection_name: 'c', properties: { 'collection.ttl.seconds': bad } }), InvalidArgumentError);
  }
  await assert.rejects(db.createCollection(docsSchema('d', 'L2', { properties: { 'collection.ttl.seconds': 'x' } })), InvalidArgumentError);
});
