// Hostile REST bodies: seeded random values of every JSON type (and random bytes) in the keys
// each endpoint reads, sent to every endpoint. Every answer must be an envelope with a numeric
// code, and the server must still answer a well-formed request at the end.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { routes } from '../../src/server/rest/routes.js';
import { QuiverServer } from '../../src/server/server.js';
import { workFolder } from '../db/db-helpers.js';
import { seededRandom } from '../helpers.js';

const CASES = 3000;
const KEYS = [
  'collectionName',
  'newCollectionName',
  'partitionName',
  'partitionNames',
  'indexName',
  'dimension',
  'metricType',
  'idType',
  'schema',
  'indexParams',
  'params',
  'data',
  'filter',
  'exprParams',
  'limit',
  'offset',
  'outputFields',
  'annsField',
  'searchParams',
  'search',
  'rerank',
  'id',
  'jobID',
  'properties',
  'consistencyLevel',
  'groupingField',
];

test(`${CASES} random bodies to every endpoint: an envelope each, the server stays up`, { timeout: 300_000 }, async () => {
  const server = await QuiverServer.start({
    config: { 'localStorage.path': workFolder('rest-fuzz')('db'), 'proxy.port': 0, 'metrics.port': 0 },
    log: () => {},
  });
  try {
    const post = (path: string, body: string) => fetch(`${server.url}/v2/vectordb/${path}`, { method: 'POST', body });
    await post('collections/create', JSON.stringify({ collectionName: 'c', dimension: 2, params: { consistencyLevel: 'Strong' } }));
    await post('entities/insert', JSON.stringify({ collectionName: 'c', data: [{ id: 1, vector: [1, 2] }] }));
    const random = seededRandom(2026);
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
    const value = (depth: number): unknown => {
      const kinds = ['null', 'true', 'number', 'big', 'string', 'name', 'array', 'object', 'vector', 'filter'];
      switch (pick(depth > 2 ? kinds.slice(0, 6) : kinds)) {
        case 'null':
          return null;
        case 'true':
          return random() < 0.5;
        case 'number':
          return pick([0, -1, 1, 2, 1e308, -1e-308, 0.5, 16385, 2 ** 53]);
        case 'big':
          return pick(['9223372036854775807', '-9223372036854775809', '1e999', 'NaN']);
        case 'string':
          return pick(['', ' ', '\u0000', 'x'.repeat(300), '%s%n', '"', '{}', 'L2', 'IVF_FLAT', 'Int64', 'FloatVector']);
        case 'name':
          return pick(['c', 'missing', '_default', 'vector', 'id', 'count(*)', '*']);
        case 'array':
          return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
        case 'object':
          return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(KEYS), value(depth + 1)]));
        case 'vector':
          return [[random(), random()]];
        default:
          return pick(['id > 0', 'id in [1, 2', 'vector == 1', 'json_contains(x, 1)', `id ${'('.repeat(200)}`]);
      }
    };
    const paths = Object.keys(routes).filter((p) => p !== 'collections/drop' && p !== 'collections/rename');
    for (let i = 0; i < CASES; i++) {
      const path = pick(paths);
      const body =
        random() < 0.1
          ? Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256))).toString('latin1')
          : JSON.stringify(Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 5) }, () => [pick(KEYS), value(0)])));
      const response = await post(path, body);
      const envelope = JSON.parse(await response.text()) as { code: unknown };
      assert.equal(typeof envelope.code, 'number', `case ${i}: ${path} ${body}`);
    }
    // Random bodies may have released the collection or deleted its rows: load it, write, read.
    await post('collections/load', JSON.stringify({ collectionName: 'c' }));
    await post('entities/upsert', JSON.stringify({ collectionName: 'c', data: [{ id: 7, vector: [1, 2] }] }));
    const alive = await post('entities/query', JSON.stringify({ collectionName: 'c', filter: 'id == 7', outputFields: ['id'] }));
    assert.deepEqual(await alive.json(), { code: 0, data: [{ id: '7' }] });
  } finally {
    await server.close();
  }
});
