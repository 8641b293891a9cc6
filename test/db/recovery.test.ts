// Recovery: reopening replays the log from the last checkpoint; a second process gets a
// typed error naming the holder; a writer killed (SIGKILL) at random moments, 20 times,
// loses nothing it was told was written.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { DatabaseLockedError, DataType, QuiverDB } from '../../src/index.js';
import { root } from '../helpers.js';
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

function spawnTs(file: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}

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

type Op = { kind: 'insert' | 'upsert' | 'delete' | 'flush'; ids: number[]; tag: string };

test('SIGKILL at 20 random moments: every acknowledged row is there once with its latest value, no deleted row is', { timeout: 600_000 }, async () => {
  const dir = folder('crash');
  const db = await QuiverDB.open(dir);
  await db.createCollection({
    collection_name: 'c',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'tag', data_type: DataType.VarChar, max_length: 32 },
      { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
    ],
  });
  // Keys 0..999 exist before the first kill; writes upsert and delete among them.
  await db.insert({ collection_name: 'c', data: Array.from({ length: 1000 }, (_, id) => ({ id, tag: 'start', vector: [0, 0, 0, 1] })) });
  await db.close();

  // Per key: its value after the last acknowledged write (null: deleted), and the writes cut short after it.
  const last = new Map<number, string | null>(Array.from({ length: 1000 }, (_, id) => [id, 'start']));
  const pending = new Map<number, (string | null)[]>();
  const stateAfter = (op: Op) => (op.kind === 'delete' ? null : op.tag);
  let acknowledged = 0;
  for (let round = 1; round <= 20; round++) {
    const child = spawnTs(join(root, 'test/fixtures/db-writer.ts'), [dir, String(round), String(round * 7919)]);
    let buffered = '';
    let begun: Op | undefined;
    let ready = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        ready = true;
        if (line.startsWith('B ')) begun = JSON.parse(line.slice(2)) as Op;
        else if (line === 'A' && begun) {
          for (const id of begun.ids) {
            last.set(id, stateAfter(begun));
            pending.delete(id);
          }
          acknowledged++;
          begun = undefined;
        }
      }
    });
    const started = Date.now();
    while (!ready && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 700));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    if (begun) for (const id of begun.ids) pending.set(id, [...(pending.get(id) ?? []), stateAfter(begun)]);
  }
  assert.ok(acknowledged > 40, `only ${acknowledged} writes were acknowledged`);

  const reopened = await QuiverDB.open(dir);
  // Keys of an insert cut short are in `pending` only: there or not, either is right.
  const keys = [...new Set([...last.keys(), ...pending.keys()])];
  const found = new Map<number, string>();
  for (let i = 0; i < keys.length; i += 5000) {
    const rows = (await reopened.get({ collection_name: 'c', ids: keys.slice(i, i + 5000), output_fields: ['tag'] })).data;
    for (const row of rows) {
      assert.ok(!found.has(Number(row.id)), `key ${row.id} came back twice`);
      found.set(Number(row.id), row.tag as string);
    }
  }
  for (const id of keys) {
    const allowed = [last.get(id) ?? null, ...(pending.get(id) ?? [])];
    const got = found.get(id) ?? null;
    assert.ok(allowed.includes(got), `key ${id}: ${JSON.stringify(got)}, expected one of ${JSON.stringify(allowed)}`);
  }
  // Nothing else: the count matches the rows found, and search finds only live keys.
  assert.equal((await reopened.count({ collection_name: 'c' })).data, found.size);
  const hits = (await reopened.search({ collection_name: 'c', data: [0, 0, 0, 1], limit: 100 })).results;
  for (const hit of hits) assert.ok(found.has(Number(hit.id)), `search found ${hit.id}, which get did not`);
  await reopened.close();
});
