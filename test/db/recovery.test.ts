// Recovery: reopening replays the log from the last checkpoint; a damaged segment file fails
// only its collection; a second process gets a typed error naming the holder; a writer killed (SIGKILL) at random moments, 20 times,
// loses nothing it was told was written.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { DatabaseLockedError, InvalidFileError, QuiverDB } from '../../src/index.js';
import { root } from '../helpers.js';
import { checkAfterCrashes, createCrashCollection, killWriterAtRandom, spawnTs } from './crash-helpers.js';
import { docs, docsSchema, expectedIds, workFolder } from './db-helpers.js';

const folder = workFolder('recovery');

test('reopen: flushed segments, rows only in the log, deletes and upserts all come back', async () => {
  const dir = folder('db');
  const config = { 'dataCoord.segment.maxRows': 200 };
  let db = await QuiverDB.open(dir, config);
  await db.createCollection(docsSchema('c'));
  await db.createPartition({ collection_name: 'c', partition_name: 'p' });
  const rows = docs(700);
  await db.insert({ collection_name: 'c', data: rows.slice(0, 500) });
  await db.flush({ collection_names: ['c'] });
  await db.insert({ collection_name: 'c', data: rows.slice(500, 650) });
  await db.insert({ collection_name: 'c', data: rows.slice(650), partition_name: 'p' });
  await db.delete({ collection_name: 'c', ids: [0, 1, 2, 600, 690] });
  const replaced = { ...rows[100], tag: 'replaced', vector: rows[3].vector };
  await db.upsert({ collection_name: 'c', data: [replaced] });
  const live = rows.filter((r) => ![0, 1, 2, 600, 690, 100].includes(r.id)).concat([{ ...replaced }]);
  const query = rows[3].vector;
  const before = (await db.search({ collection_name: 'c', data: query, limit: 20 })).results.map((h) => h.id);
  assert.deepEqual(before, expectedIds(live, query, 20, 'L2'));
  await db.close();

  for (let reopen = 0; reopen < 2; reopen++) {
    db = await QuiverDB.open(dir, config);
    assert.equal((await db.count({ collection_name: 'c' })).data, 695);
    assert.equal((await db.count({ collection_name: 'c', partition_names: ['p'] })).data, 49);
    assert.deepEqual(
      (await db.search({ collection_name: 'c', data: query, limit: 20 })).results.map((h) => h.id),
      before,
    );
    assert.deepEqual((await db.get({ collection_name: 'c', ids: [100, 0, 699], output_fields: ['tag'] })).data, [
      { id: '100', tag: 'replaced' },
      { id: '699', tag: 't0' },
    ]);
    await db.insert({ collection_name: 'c', data: docs(1, 10_000 + reopen) });
    await db.delete({ collection_name: 'c', ids: [10_000 + reopen] });
    await db.close();
  }
});

test('files a crash left between writing a segment and cataloguing it are removed on reopen', async () => {
  const dir = folder('orphans');
  let db = await QuiverDB.open(dir);
  await db.createCollection(docsSchema('c'));
  const { collectionID } = await db.describeCollection({ collection_name: 'c' });
  await db.insert({ collection_name: 'c', data: docs(50) });
  await db.delete({ collection_name: 'c', ids: [3] });
  await db.flush({ collection_names: ['c'] });
  await db.close();
  const listed = (parent: string) => readdirSync(join(dir, parent, String(collectionID))).sort();
  const [segments, deltas] = [listed('segments'), listed('deltas')];
  // What a flush writes before its catalog write: folders with column files the catalog never named.
  for (const parent of ['segments', 'deltas']) {
    mkdirSync(join(dir, parent, String(collectionID), '999999'), { recursive: true });
    writeFileSync(join(dir, parent, String(collectionID), '999999', 'id'), 'half-written');
  }
  db = await QuiverDB.open(dir);
  try {
    assert.deepEqual([listed('segments'), listed('deltas')], [segments, deltas]);
    assert.equal((await db.count({ collection_name: 'c' })).data, 49);
  } finally {
    await db.close();
  }
});

test('a damaged segment file fails its own collection with InvalidFileError naming it; the database opens', async () => {
  const dir = folder('damaged');
  let db = await QuiverDB.open(dir);
  for (const name of ['hurt', 'fine']) {
    await db.createCollection(docsSchema(name));
    await db.insert({ collection_name: name, data: docs(50) });
    await db.flush({ collection_names: [name] });
  }
  const { collectionID } = await db.describeCollection({ collection_name: 'hurt' });
  await db.close();
  // Every column file of the damaged collection's segment in turn: keys, timestamps, a scalar, the vectors.
  const segmentDir = join(dir, 'segments', String(collectionID));
  const [segment] = readdirSync(segmentDir);
  for (const file of readdirSync(join(segmentDir, segment)).filter((f) => f.endsWith('.col'))) {
    const path = join(segmentDir, segment, file);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1] ^= 1;
    writeFileSync(path, bytes);
    db = await QuiverDB.open(dir);
    const v = docs(1)[0].vector;
    await assert.rejects(db.search({ collection_name: 'hurt', data: v }), (error: Error) => error instanceof InvalidFileError && error.message.includes(file));
    assert.equal((await db.search({ collection_name: 'fine', data: v, limit: 3 })).results.length, 3);
    await db.close();
    bytes[bytes.length >> 1] ^= 1;
    writeFileSync(path, bytes);
  }
  db = await QuiverDB.open(dir);
  assert.equal((await db.search({ collection_name: 'hurt', data: docs(1)[0].vector, limit: 3 })).results.length, 3);
  await db.close();
});

test('a second process opening the folder gets DatabaseLockedError naming the holder; after the holder dies it opens', async () => {
  const dir = folder('locked');
  const holder = spawnTs(join(root, 'test/fixtures/db-holder.ts'), [dir]);
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    holder.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  await assert.rejects(QuiverDB.open(dir), (e: unknown) => {
    assert.ok(e instanceof DatabaseLockedError, String(e));
    assert.equal(e.code, 'QV_LOCKED');
    assert.equal(e.holder?.pid, holder.pid);
    assert.match(e.message, new RegExp(`process ${holder.pid}`));
    return true;
  });
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  const db = await QuiverDB.open(dir);
  assert.equal((await db.count({ collection_name: 'held' })).data, 3);
  await db.close();
});

test('SIGKILL at 20 random moments: every acknowledged row is there once with its latest value, no deleted row is', { timeout: 600_000 }, async () => {
  const dir = folder('crash');
  await createCrashCollection(dir);
  const state = await killWriterAtRandom(dir, 20);
  assert.ok(state.acknowledged > 40, `only ${state.acknowledged} writes were acknowledged`);
  await checkAfterCrashes(dir, state);
});
