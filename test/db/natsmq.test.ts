// The database on natsmq (mq.type: natsmq): the same writes, reads and reopen, with the log
// in JetStream on a nats-server that QuiverDB starts and stops.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { QuiverDB } from '../../src/index.js';
import { docs, docsSchema, expectedIds, workFolder } from './db-helpers.js';

const folder = workFolder('db-natsmq');

test('on natsmq: insert, upsert, delete, search, flush, and every row after a reopen', { timeout: 120_000 }, async () => {
  const dir = folder('db');
  const config = {
    'mq.type': 'natsmq',
    'natsmq.server.port': -1,
    'natsmq.server.monitor.logFile': join(dir, 'nats.log'),
    'dataCoord.segment.maxRows': 120,
  };
  const lines: string[] = [];
  let db = await QuiverDB.open(dir, config, { log: (line) => lines.push(line) });
  assert.match(lines.join('\n'), /mq.type=natsmq/);
  await db.createCollection(docsSchema('c', 'L2', { shards_num: 2 }));
  const rows = docs(400);
  await db.insert({ collection_name: 'c', data: rows.slice(0, 300) });
  await db.flush({ collection_names: ['c'] });
  await db.insert({ collection_name: 'c', data: rows.slice(300) });
  await db.delete({ collection_name: 'c', ids: [0, 350] });
  await db.upsert({ collection_name: 'c', data: [{ ...rows[5], tag: 'upserted' }] });
  const live = rows.filter((r) => r.id !== 0 && r.id !== 350);
  const query = rows[9].vector;
  assert.deepEqual(
    (await db.search({ collection_name: 'c', data: query, limit: 10 })).results.map((h) => h.id),
    expectedIds(live, query, 10, 'L2'),
  );
  assert.equal((await db.count({ collection_name: 'c' })).data, 398);
  await db.close();

  db = await QuiverDB.open(dir, config);
  assert.equal((await db.count({ collection_name: 'c' })).data, 398);
  assert.deepEqual((await db.get({ collection_name: 'c', ids: [5, 0], output_fields: ['tag'] })).data, [{ id: '5', tag: 'upserted' }]);
  assert.deepEqual(
    (await db.search({ collection_name: 'c', data: query, limit: 10 })).results.map((h) => h.id),
    expectedIds(live, query, 10, 'L2'),
  );
  await db.close();
});
