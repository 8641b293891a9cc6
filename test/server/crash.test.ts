// `quiverdb serve` under 8 HTTP clients inserting and searching, on each broker: the server
// killed with SIGKILL, then started again (every acknowledged insert is there, once); and on
// natsmq, its nats-server killed with SIGKILL (the server starts it again and goes on, without
// a restart, losing nothing acknowledged).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { workFolder } from '../db/db-helpers.js';
import { quiverdb, serving } from './serve-process.js';

const folder = workFolder('server-crash');

type Broker = 'rocksmq' | 'natsmq';

function serve(dir: string, broker: Broker): { child: ChildProcess; url: Promise<string> } {
  const env = { LOCALSTORAGE_PATH: dir, PROXY_PORT: '0', METRICS_PORT: '0', DATACOORD_SEGMENT_MAXROWS: '300', MQ_TYPE: broker, NATSMQ_SERVER_PORT: '-1' };
  const child = quiverdb(['serve'], { ...env, NATSMQ_SERVER_MONITOR_LOGFILE: join(dir, 'nats.log') });
  return { child, url: serving(child).then(({ url }) => url) };
}

async function post(url: string, path: string, body: unknown): Promise<{ code: number; data?: unknown }> {
  const response = await fetch(`${url}/v2/vectordb/${path}`, { method: 'POST', body: JSON.stringify(body) });
  return (await response.json()) as { code: number; data?: unknown };
}

/** Four clients inserting ten rows at a time and four searching, until stop() or the server is gone. */
function load(url: string) {
  const acknowledged = new Set<number>();
  let next = 0;
  let stopped = false;
  let failures = 0;
  const client = async (writer: boolean) => {
    while (!stopped) {
      try {
        if (writer) {
          const ids = Array.from({ length: 10 }, () => next++);
          const { code } = await post(url, 'entities/insert', { collectionName: 'c', data: ids.map((id) => ({ id, vector: [id, 1, 0, 0] })) });
          if (code === 0) for (const id of ids) acknowledged.add(id);
          else failures++;
        } else {
          await post(url, 'entities/search', { collectionName: 'c', data: [[next, 1, 0, 0]], limit: 5 });
        }
      } catch {
        return; // the server is gone
      }
    }
  };
  const clients = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => client(i < 4));
  return {
    acknowledged,
    failures: () => failures,
    stop: async () => {
      stopped = true;
      await Promise.all(clients);
    },
  };
}

/** Every acknowledged id is in the collection, and no row is there twice (read in windows of ids, under the query limit). */
async function assertKept(url: string, acknowledged: Set<number>): Promise<void> {
  const present = new Set<number>();
  const highest = Math.max(...acknowledged);
  for (let from = 0; from <= highest; from += 8000) {
    const filter = `id >= ${from} and id < ${from + 8000}`;
    const { code, data } = await post(url, 'entities/query', { collectionName: 'c', filter, outputFields: ['id'], limit: 16384 });
    assert.equal(code, 0);
    const ids = (data as { id: string }[]).map((row) => Number(row.id));
    assert.equal(new Set(ids).size, ids.length, 'no row twice');
    for (const id of ids) present.add(id);
  }
  const lost = [...acknowledged].filter((id) => !present.has(id));
  assert.deepEqual(lost, [], `${lost.length} acknowledged inserts are missing`);
}

async function stopped(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

for (const broker of ['rocksmq', 'natsmq'] as const) {
  test(`${broker}: SIGKILL under 8 clients inserting and searching; after a restart every acknowledged insert is there`, { timeout: 300_000 }, async () => {
    const dir = folder(broker);
    let server = serve(dir, broker);
    let url = await server.url;
    await post(url, 'collections/create', { collectionName: 'c', dimension: 4, params: { consistencyLevel: 'Strong' } });
    const running = load(url);
    await delay(1500);
    server.child.kill('SIGKILL');
    await once(server.child, 'exit');
    await running.stop();
    assert.ok(running.acknowledged.size > 0, 'some inserts were acknowledged before the kill');

    // On natsmq the killed server's nats-server is still running: the new one stops it first.
    server = serve(dir, broker);
    url = await server.url;
    await assertKept(url, running.acknowledged);
    await stopped(server.child);
  });
}

test('natsmq: SIGKILL of nats-server under load; the server starts it again and loses nothing acknowledged', { timeout: 300_000 }, async () => {
  const dir = folder('nats-killed');
  const server = serve(dir, 'natsmq');
  const url = await server.url;
  await post(url, 'collections/create', { collectionName: 'c', dimension: 4, params: { consistencyLevel: 'Strong' } });
  const running = load(url);
  await delay(1500);
  const natsPid = () => (JSON.parse(readFileSync(join(dir, 'natsmq', 'quiverdb-nats.json'), 'utf8')) as { pid: number }).pid;
  const killed = natsPid();
  process.kill(killed, 'SIGKILL');
  await delay(2000);
  const recovered = running.acknowledged.size;
  await delay(2000);
  await running.stop();
  assert.notEqual(natsPid(), killed, 'a new nats-server runs');
  assert.equal(server.child.exitCode, null, 'the server kept running');
  assert.ok(running.acknowledged.size > recovered, 'inserts are acknowledged again after the kill');
  await assertKept(url, running.acknowledged);
  await stopped(server.child);
});
