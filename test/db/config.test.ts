// Configuration in milvus.yaml's keys: declared once, flat or nested, defaults filled in,
// unknown keys and bad values refused with the key named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeKeys, readConfig } from '../../src/config/config.js';
import { InvalidArgumentError, QuiverDB } from '../../src/index.js';
import { workFolder } from './db-helpers.js';

const folder = workFolder('config');

test('defaults, flat and nested keys', () => {
  const config = readConfig(undefined, '/data');
  assert.equal(config['mq.type'], 'rocksmq');
  assert.equal(config['rocksmq.path'], '/data/rocksmq');
  assert.equal(config['dataCoord.segment.maxSize'], 1024);
  assert.equal(config['common.consistencyLevel'], 'Strong');
  const nested = readConfig({ dataCoord: { segment: { maxRows: 10 } }, rocksmq: { retentionTimeInMinutes: -1 } }, '/d');
  assert.equal(nested['dataCoord.segment.maxRows'], 10);
  assert.equal(nested['rocksmq.retentionTimeInMinutes'], -1);
  assert.equal(readConfig({ 'dataCoord.segment.maxRows': 5 }, '/d')['dataCoord.segment.maxRows'], 5);
  assert.ok(describeKeys().some((k) => k.key === 'proxy.timeTickInterval' && k.default === 200));
});

test('unknown keys and bad values name the key', () => {
  assert.throws(() => readConfig({ 'dataCoord.segment.maxRowz': 1 }, '/d'), /unknown configuration key dataCoord.segment.maxRowz/);
  assert.throws(() => readConfig({ mq: { type: 'kafka' } }, '/d'), /mq.type must be 'rocksmq' or 'natsmq'/);
  assert.throws(
    () => readConfig({ 'dataCoord.segment.sealProportion': 2 }, '/d'),
    (e: unknown) => e instanceof InvalidArgumentError && /sealProportion/.test(e.message),
  );
  assert.throws(() => readConfig([] as unknown as Record<string, unknown>, '/d'), InvalidArgumentError);
});

test('QuiverDB.open refuses a bad configuration before touching the folder, and the broker checks its own keys', async () => {
  await assert.rejects(QuiverDB.open(folder('db'), { 'common.gracefulTime': -5 }), /common.gracefulTime/);
  await assert.rejects(QuiverDB.open(folder('db'), { 'rocksmq.retentionSizeInMB': 'big' }), /rocksmq.retentionSizeInMB/);
  const lines: string[] = [];
  const db = await QuiverDB.open(folder('db'), {}, { log: (line) => lines.push(line) });
  await db.close();
  assert.match(lines.join('\n'), /mq.type=rocksmq/);
});
