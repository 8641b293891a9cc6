// The server killed with SIGKILL while clients insert and search over HTTP, then started again:
// every insert it acknowledged is there, once.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { workFolder } from '../db/db-helpers.js';
import { quiverdb, serving } from './serve-process.js';

const folder = workFolder('server-crash');

function serve(dir: string): { child: ChildProcess; url: Promise<string> } {
  const child = quiverdb(['serve'], { LOCALSTORAGE_PATH: dir, PROXY_PORT: '0', METRICS_PORT: '0', DATACOORD_SEGMENT_MAXROWS: '300' });
  return { child, url: serving(child).then(({ url }) => url) };
}

async function post(url: string, path: string, body: unknown): Promise<{ code: number; data?: unknown }> {
  const response = await fetch(`${url}/v2/vectordb/${path}`, { method: 'POST', body: JSON.stringify(body) });
  return (await response.json()) as { code: number; data?: unknown };
}

test('SIGKILL under 8 clients inserting and searching: every acknowledged insert is there after a restart', { timeout: 300_000 }, async () => {
  const dir = folder('db');
  let server = serve(dir);
  let url = await server.url;
  await post(url, 'collections/create', { collectionName: 'c', dimension: 4, params: { consistencyLevel: 'Strong' } });
  const acknowledged = new Set<number>();
  let next = 0;
  let stop = false;
  const client = async (writer: boolean) => {
    while (!stop) {
      try {
        if (writer) {
          const ids = Array.from({ length: 10 }, () => next++);
          const { code } = await post(url, 'entities/insert', { collectionName: 'c', data: ids.map((id) => ({ id, vector: [id, 1, 0, 0] })) });
          if (code === 0) for (const id of ids) acknowledged.add(id);
        } else {
          await post(url, 'entities/search', { collectionName: 'c', data: [[next, 1, 0, 0]], limit: 5 });
        }
      } catch {
        return; // the server is gone
      }
    }
  };
  const clients = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => client(i < 4));
  await delay(1500);
  server.child.kill('SIGKILL');
  await once(server.child, 'exit');
  stop = true;
  await Promise.all(clients);
  assert.ok(acknowledged.size > 0, 'some inserts were acknowledged before the kill');

  server = serve(dir);
  url = await server.url;
  const { code, data } = await post(url, 'entities/query', { collectionName: 'c', filter: 'id >= 0', outputFields: ['id'], limit: 16384 });
  assert.equal(code, 0);
  const ids = (data as { id: string }[]).map((row) => Number(row.id));
  assert.equal(new Set(ids).size, ids.length, 'no row twice');
  const present = new Set(ids);
  const lost = [...acknowledged].filter((id) => !present.has(id));
  assert.deepEqual(lost, [], `${lost.length} acknowledged inserts are missing`);
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
});
