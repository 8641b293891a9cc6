// `quiverdb serve` as a process: configuration from a milvus.yaml-shaped file with environment
// variables over it, unknown keys and bad values refused at start naming the key, the log
// line naming the broker, and a graceful shutdown on SIGTERM that keeps every acknowledged
// write.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { HttpClient } from '@zilliz/milvus2-sdk-node';
import { workFolder } from '../db/db-helpers.js';
import { exitOf, quiverdb, serving } from './serve-process.js';

const folder = workFolder('cli');

test('serve: a file and the environment configure it; SIGTERM closes it with every acknowledged insert kept', async () => {
  const dir = folder('served');
  const config = join(dir, '..', 'served.yaml');
  writeFileSync(config, `localStorage:\n  path: ${dir}\nproxy:\n  port: 19999\ndataCoord:\n  segment:\n    maxRows: 100\n`);
  // The environment wins over the file: any free port.
  let child = quiverdb(['serve', '--config', config], { PROXY_PORT: '0', METRICS_PORT: '0' });
  const started = await serving(child);
  assert.match(started.output, /mq.type=rocksmq/);
  assert.doesNotMatch(started.url, /19999/);
  let url = started.url;
  let client = new HttpClient({ endpoint: url });
  await client.createCollection({ collectionName: 'c', dimension: 2, params: { consistencyLevel: 'Strong' } } as never);
  const acknowledged: number[] = [];
  for (let i = 0; i < 20; i++) {
    const { code } = await client.insert({ collectionName: 'c', data: [{ id: i, vector: [i, 1] }] });
    if (code === 0) acknowledged.push(i);
  }
  const exited = exitOf(child);
  child.kill('SIGTERM');
  const { code, output } = await exited;
  assert.equal(code, 0, output);
  assert.match(output, /SIGTERM: finishing requests in flight/);

  child = quiverdb(['serve', '--config', config], { PROXY_PORT: '0', METRICS_PORT: '0' });
  url = (await serving(child)).url;
  client = new HttpClient({ endpoint: url });
  const { data } = await client.query({ collectionName: 'c', filter: 'id >= 0', outputFields: ['count(*)'] });
  assert.deepEqual(data, [{ 'count(*)': acknowledged.length }]);
  child.kill('SIGINT');
  assert.equal((await exitOf(child)).code, 0);
});

test('serve refuses an unknown key or a bad value at start, naming it', async () => {
  const config = join(folder('bad'), '..', 'bad.yaml');
  writeFileSync(config, 'proxy:\n  portt: 19530\n');
  const unknown = await exitOf(quiverdb(['serve', '--config', config]));
  assert.equal(unknown.code, 1);
  assert.match(unknown.output, /unknown configuration key proxy.portt/);
  const bad = await exitOf(quiverdb(['serve'], { MQ_TYPE: 'kafka' }));
  assert.equal(bad.code, 1);
  assert.match(bad.output, /mq.type must be 'rocksmq' or 'natsmq'/);
  const help = await exitOf(quiverdb(['serve', '--help']));
  assert.equal(help.code, 0);
  assert.match(help.output, /proxy.port \[19530\]/);
  assert.match(help.output, /env PROXY_PORT/);
});

test('serve with log.format json writes one JSON object per line', async () => {
  const child = quiverdb(['serve'], { LOCALSTORAGE_PATH: folder('json'), PROXY_PORT: '0', METRICS_PORT: '0', LOG_FORMAT: 'json' });
  const started = await serving(child);
  const exited = exitOf(child);
  child.kill('SIGTERM');
  const { code, output } = await exited;
  assert.equal(code, 0, output);
  const records = (started.output + output)
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: string; component: string; msg: string });
  assert.ok(records.some((r) => r.component === 'server' && r.msg.startsWith('mq.type=rocksmq')));
  assert.ok(records.some((r) => r.level === 'info' && r.msg.startsWith('serving ')));
  assert.ok(records.some((r) => r.msg.startsWith('SIGTERM: finishing requests in flight')));
});

test('SIGTERM during the start (as soon as the broker line is out) still closes gracefully', async () => {
  const child = quiverdb(['serve'], { LOCALSTORAGE_PATH: folder('early'), PROXY_PORT: '0', METRICS_PORT: '0' });
  const exited = exitOf(child);
  child.stderr?.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('mq.type=')) child.kill('SIGTERM');
  });
  const { code, output } = await exited;
  assert.equal(code, 0, output);
  assert.match(output, /SIGTERM: finishing requests in flight/);
});
