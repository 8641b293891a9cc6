// rocksmq through the public API under races and hostile configuration: sends and
// retention racing dropTopic, a folder that cannot be opened, waiters on a dropped
// topic, ranges of the options, and broker I/O that must not hold up searches.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { FlatIndex, getThreads, InvalidArgumentError, RocksMq, StorageError, setThreads, TopicNotFoundError } from '../src/index.js';
import { loadNative } from '../src/native/load.js';
import { randomVectors, sequentialIds } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'quiverdb-races-'));
after(() => rmSync(work, { recursive: true, force: true }));
let folders = 0;
const fresh = () => join(work, `b${folders++}`);
const open = (path = fresh()) => RocksMq.open({ path, retentionTimeInMinutes: -1, retentionSizeInMB: -1 });

test('8 producers against 200 dropTopic/createTopic cycles: every send resolves or is TopicNotFoundError', async () => {
  const broker = await open();
  await broker.createTopic('t');
  let running = true;
  let sent = 0;
  const producers = Array.from({ length: 8 }, async (_, p) => {
    const payload = new Uint8Array(p % 2 === 0 ? 64 : 70_000);
    while (running) {
      try {
        await broker.producer('t').sendBatch([payload, payload]);
        sent++;
      } catch (error) {
        assert.ok(error instanceof TopicNotFoundError, String(error));
      }
    }
  });
  const retention = (async () => {
    while (running) await broker.enforceRetention();
  })();
  while (sent === 0) await new Promise((r) => setTimeout(r, 1)); // the producers are under way before the drops begin
  for (let cycle = 0; cycle < 200; cycle++) {
    await broker.dropTopic('t');
    await broker.createTopic('t');
  }
  running = false;
  await Promise.all([...producers, retention]);
  assert.ok(sent > 0);
  await broker.close();
});

test('a broker folder that cannot be opened rejects with StorageError, and the process stays up', async () => {
  const path = fresh();
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'payloads'), 'a file where rocksmq keeps a folder');
  await assert.rejects(open(path), StorageError);
  rmSync(join(path, 'payloads'));
  await (await open(path)).close();
});

test('a receive waiting on a topic that is dropped rejects with TopicNotFoundError', async () => {
  const broker = await open();
  await broker.createTopic('t');
  const consumer = await broker.consumer('t', 'g');
  const waiting = consumer.receive();
  await new Promise((r) => setTimeout(r, 50));
  await broker.dropTopic('t');
  await assert.rejects(waiting, TopicNotFoundError);
  await broker.close();
});

test('on a re-created topic, receive({ timeoutMs }) ends at its deadline', async () => {
  const broker = await open();
  await broker.createTopic('t');
  await broker.producer('t').sendBatch(['a', 'b', 'c']);
  await broker.dropTopic('t');
  await broker.createTopic('t');
  const consumer = await broker.consumer('t', 'g');
  const guard = new Promise((resolve) => setTimeout(resolve, 5000, 'never settled'));
  assert.deepEqual(await Promise.race([consumer.receive({ timeoutMs: 100 }), guard]), []);
  await broker.close();
});

test('retention and payload limits out of range are refused, not wrapped around', async () => {
  for (const bad of [
    { retentionTimeInMinutes: 2 ** 60 },
    { retentionTimeInMinutes: -2 },
    { retentionSizeInMB: 1.5 },
    { compactionInterval: 0 },
    { compactionInterval: Infinity },
    { maxPayload: -1 },
    { lrucacheratio: Number.NaN },
    { compressionTypes: [3] },
  ]) {
    await assert.rejects(RocksMq.open({ path: fresh(), ...bad }), InvalidArgumentError, JSON.stringify(bad));
  }
  const broker = await RocksMq.open({ path: fresh(), retentionTimeInMinutes: 230584300921369, retentionSizeInMB: 2 ** 44, compactionInterval: 1e10 });
  await broker.createTopic('t');
  await assert.rejects(broker.createTopic('u', { retentionSizeInMB: -5 }), InvalidArgumentError);
  await broker.producer('t').sendBatch(['a', 'b']);
  assert.equal(await broker.enforceRetention(), 0); // "keep for ages" keeps everything
  assert.equal((await broker.topicStats('t')).messages, 2);
  await broker.close();
});

test('onCommit after close is refused (it would pin the broker forever)', async () => {
  const store = await loadNative().RocksMq.open({ path: fresh() });
  await store.close();
  assert.throws(
    () => store.onCommit(() => undefined),
    (e: Error & { code?: string }) => e.code === 'QV_CLOSED',
  );
});

test('broker I/O runs on its own threads: a search is not queued behind 32 sends of 1 MB', async () => {
  const threads = getThreads();
  setThreads(1); // one compute thread: a search queued behind blocking sends would wait for all of them
  try {
    const broker = await open();
    await broker.createTopic('t');
    const index = new FlatIndex({ dim: 16 });
    await index.add(randomVectors(1000, 16, 1), sequentialIds(1000));
    const order: string[] = [];
    const payload = new Uint8Array(1 << 20);
    const sends = Array.from({ length: 32 }, () =>
      broker
        .producer('t')
        .send(payload)
        .then(() => order.push('send')),
    );
    const search = index.search(randomVectors(1, 16, 2), 10).then(() => order.push('search'));
    await Promise.all([...sends, search]);
    assert.ok(order.indexOf('search') < order.length - 1, `the search settled after every send: ${order.join(' ')}`);
    await broker.close();
  } finally {
    setThreads(threads);
  }
});
