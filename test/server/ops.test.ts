// Operations endpoints of `quiverdb serve`: /healthz, and /metrics in Prometheus's text format
// with requests by operation and code, their latency, and each loaded collection's rows,
// segments, index backlog and memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HttpClient } from '@zilliz/milvus2-sdk-node';

import { QuiverServer } from '../../src/server/server.js';
import { workFolder } from '../db/db-helpers.js';

test('/healthz answers OK; /metrics counts requests by operation and code and reports collections', async () => {
  const server = await QuiverServer.start({ config: { 'localStorage.path': workFolder('ops')('db'), 'proxy.port': 0, 'metrics.port': 0 }, log: () => {} });
  try {
    const health = await fetch(`${server.opsUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'OK');

    const client = new HttpClient({ endpoint: server.url });
    await client.createCollection({ collectionName: 'c', dimension: 2, params: { consistencyLevel: 'Strong' } } as never);
    await client.insert({ collectionName: 'c', data: [{ id: 1, vector: [1, 0] }] });
    await client.insert({ collectionName: 'c', data: [{ id: 2, vector: [0, 1] }] });
    await client.search({ collectionName: 'c', data: [[1, 0]], limit: 1, outputFields: [] }); // Strong: both inserts applied
    assert.equal((await client.describeCollection({ collectionName: 'none' })).code, 100);

    const response = await fetch(`${server.opsUrl}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"[\]()/*+?.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('quiverdb_requests_total{operation="entities/insert",code="0"}'), 2);
    assert.equal(value('quiverdb_requests_total{operation="collections/describe",code="100"}'), 1);
    assert.equal(value('quiverdb_request_duration_seconds_count{operation="entities/search"}'), 1);
    assert.equal(value('quiverdb_request_duration_seconds_bucket{operation="entities/search",le="+Inf"}'), 1);
    assert.equal(value('quiverdb_collection_rows{collection="c"}'), 2);
    assert.equal(value('quiverdb_segments{collection="c",state="Growing"}'), 1);
    assert.ok(value('quiverdb_process_memory_bytes{kind="rss"}') > 0);
    assert.match(text, /# TYPE quiverdb_request_duration_seconds histogram/);
    assert.equal((await fetch(`${server.opsUrl}/nothing`)).status, 404);
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(`${server.opsUrl}/healthz`));
});
