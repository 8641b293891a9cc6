// Operations endpoints of `quiverdb serve`: /healthz, and /metrics in Prometheus's text format
// with requests by operation and code, their latency, and each loaded collection's rows,
// segments, index backlog and memory, channel lag and index builds.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HttpClient } from '@zilliz/milvus2-sdk-node';

import { DataType } from '../../src/index.js';
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

test('/metrics reports how far each channel lags behind the log and the index builds since start', async () => {
  const config = { 'localStorage.path': workFolder('ops')('builds'), 'proxy.port': 0, 'metrics.port': 0, 'dataCoord.segment.maxRows': 1100 };
  const server = await QuiverServer.start({ config, log: () => {} });
  try {
    const { db } = server;
    await db.createCollection({
      collection_name: 'built',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vector', data_type: DataType.FloatVector, dim: 2 },
      ],
      index_params: [{ field_name: 'vector', index_type: 'IVF_FLAT', metric_type: 'L2', params: { nlist: 8 } }],
    });
    await db.insert({ collection_name: 'built', data: Array.from({ length: 1100 }, (_, i) => ({ id: i, vector: [i % 37, i % 11] })) });
    await db.flush({ collection_names: ['built'] });
    while (Number((await db.describeIndex({ collection_name: 'built' })).index_descriptions[0].pending_index_rows) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await db.insert({ collection_name: 'built', data: [{ id: 5000, vector: [0, 0] }] });
    await db.count({ collection_name: 'built' }); // Strong: the query node has applied everything

    const text = await (await fetch(`${server.opsUrl}/metrics`)).text();
    const value = (pattern: string) => Number(new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('quiverdb_index_builds_total\\{result="built"\\}'), 1);
    assert.equal(value('quiverdb_index_builds_total\\{result="failed"\\}'), 0);
    assert.equal(value('quiverdb_index_built_rows_total'), 1100);
    assert.ok(value('quiverdb_index_build_seconds_total') > 0);
    const channel = 'quiverdb_channel_lag_messages\\{collection="built",channel="[^"]+"';
    assert.equal(value(`${channel},consumer="querynode"\\}`), 0);
    // The insert after the flush is not in a segment file yet: a restart would replay it.
    assert.ok(value(`${channel},consumer="datanode"\\}`) >= 1);
  } finally {
    await server.close();
  }
});
