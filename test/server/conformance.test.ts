// One conformance suite, unchanged, against every way to reach a database: the embedded client
// (QuiverDB.open) and the remote one (QuiverDB.connect to a `quiverdb serve`) over HTTP and over
// NATS (a real nats-server). The
// same calls must give the same results and the same typed errors, with their fields.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import {
  AliasExistsError,
  AliasNotFoundError,
  ClosedError,
  CollectionNotFoundError,
  DataType,
  DuplicateKeyError,
  FilterError,
  InvalidArgumentError,
  NatsServer,
  QuiverDB,
  RowError,
  ServerUnreachableError,
} from '../../src/index.js';
import { QuiverServer } from '../../src/server/server.js';
import { workFolder } from '../db/db-helpers.js';

const folder = workFolder('conformance');

/** A client of a `quiverdb serve` on its own folder: over HTTP, or over NATS when given a nats-server (stopped with it). */
async function remote(name: string, nats?: NatsServer): Promise<{ db: QuiverDB; done: () => Promise<void> }> {
  const server = await QuiverServer.start({
    config: { 'localStorage.path': folder(name), 'proxy.port': 0, 'metrics.port': 0, ...(nats ? { 'proxy.nats.url': nats.url } : {}) },
    log: () => {},
  });
  const db = await QuiverDB.connect(nats?.url ?? server.url);
  return {
    db,
    done: async () => {
      await db.close();
      await server.close();
      await nats?.stop();
    },
  };
}

const transports: [string, () => Promise<{ db: QuiverDB; done: () => Promise<void> }>][] = [
  [
    'embedded',
    async () => {
      const db = await QuiverDB.open(folder('embedded'));
      return { db, done: () => db.close() };
    },
  ],
  ['nats', async () => remote('nats', await NatsServer.start({ port: -1, storeDir: folder('nats-store') }))],
  ['http', () => remote('http')],
];

const schema = {
  collection_name: 'docs',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'tag', data_type: DataType.VarChar, max_length: 16 },
    { name: 'vector', data_type: DataType.FloatVector, dim: 3 },
  ],
  index_params: [{ field_name: 'vector', metric_type: 'L2', index_type: 'FLAT' }],
};

const rows = Array.from({ length: 30 }, (_, i) => ({ id: BigInt(i) + 9_007_199_254_740_000n, tag: i % 2 === 0 ? 'even' : 'odd', vector: [i, 0, 1] }));

for (const [name, make] of transports) {
  describe(name, async () => {
    const { db, done } = await make();
    after(done);

    test('collections, writes and reads give the SDK shapes, Int64 keys kept whole', async () => {
      await db.createCollection(schema);
      assert.equal((await db.hasCollection({ collection_name: 'docs' })).value, true);
      const inserted = await db.insert({ collection_name: 'docs', data: rows });
      assert.deepEqual(inserted.IDs, { int_id: { data: rows.map((r) => r.id.toString()) } });
      await db.upsert({ collection_name: 'docs', data: [{ ...rows[3], tag: 'three' }] });
      const { results } = await db.search({ collection_name: 'docs', data: Float32Array.of(5, 0, 1), limit: 3, output_fields: ['tag'] });
      assert.deepEqual(
        results.map((hit) => [hit.id, hit.tag]),
        [
          [rows[5].id.toString(), 'odd'],
          [rows[4].id.toString(), 'even'],
          [rows[6].id.toString(), 'even'],
        ],
      );
      const got = await db.get({ collection_name: 'docs', ids: [rows[3].id], output_fields: ['tag'] });
      assert.deepEqual(got.data, [{ id: rows[3].id.toString(), tag: 'three' }]);
      const counted = await db.count({ collection_name: 'docs', filter: 'tag == "even"' });
      assert.equal(counted.data, 15);
      await db.delete({ collection_name: 'docs', filter: 'tag == "odd"' });
      const pages: string[][] = [];
      for await (const page of await db.queryIterator({ collection_name: 'docs', filter: 'id > 0', output_fields: ['id'], batchSize: 6 })) {
        pages.push(page.map((row) => row.id as string));
      }
      assert.deepEqual(
        pages.map((p) => p.length),
        [6, 6, 4],
      );
    });

    test('failures are the same QuiverError classes, with their fields', async () => {
      await assert.rejects(db.describeCollection({ collection_name: 'none' }), CollectionNotFoundError);
      await assert.rejects(
        db.insert({ collection_name: 'docs', data: [rows[0], { id: 1n, tag: 'x', vector: [1, 2] }] }),
        (error: unknown) => error instanceof RowError && error.row === 1 && error.field === 'vector',
      );
      await assert.rejects(
        db.insert({ collection_name: 'docs', data: [rows[0]] }),
        (error: unknown) => error instanceof DuplicateKeyError && error.keys.map(String).includes(rows[0].id.toString()),
      );
      await assert.rejects(
        db.query({ collection_name: 'docs', filter: 'tag ==', limit: 1 }),
        (error: unknown) => error instanceof FilterError && error.position === 6,
      );
    });

    test('an alias reads and writes its collection, and alterAlias switches it in one step', async () => {
      await db.createCollection({ ...schema, collection_name: 'docs_v2' });
      await db.insert({ collection_name: 'docs_v2', data: [{ id: 1n, tag: 'new', vector: [0, 0, 0] }] });
      await db.createAlias({ collection_name: 'docs', alias: 'live' });
      await assert.rejects(db.createAlias({ collection_name: 'docs_v2', alias: 'live' }), AliasExistsError);
      await assert.rejects(db.createAlias({ collection_name: 'docs_v2', alias: 'docs' }), AliasExistsError);
      const before = await db.count({ collection_name: 'live' });
      assert.equal(before.data, (await db.count({ collection_name: 'docs' })).data);
      assert.equal((await db.describeCollection({ collection_name: 'live' })).collection_name, 'docs');
      assert.deepEqual((await db.describeCollection({ collection_name: 'docs' })).aliases, ['live']);
      const described = await db.describeAlias({ alias: 'live' });
      assert.deepEqual([described.alias, described.collection, described.db_name], ['live', 'docs', 'default']);
      await assert.rejects(db.dropCollection({ collection_name: 'docs' }), InvalidArgumentError);
      await assert.rejects(db.dropCollection({ collection_name: 'live' }), InvalidArgumentError);

      await db.alterAlias({ collection_name: 'docs_v2', alias: 'live' });
      const { results } = await db.search({ collection_name: 'live', data: [0, 0, 0], limit: 5, output_fields: ['tag'] });
      assert.deepEqual(
        results.map((hit) => hit.tag),
        ['new'],
      );
      assert.deepEqual((await db.listAliases({ collection_name: 'docs_v2' })).aliases, ['live']);
      assert.deepEqual((await db.listAliases({ collection_name: 'docs' })).aliases, []);
      await db.dropAlias({ alias: 'live' });
      await assert.rejects(db.describeAlias({ alias: 'live' }), AliasNotFoundError);
      await assert.rejects(db.count({ collection_name: 'live' }), CollectionNotFoundError);
      await db.dropCollection({ collection_name: 'docs_v2' });
    });

    test('a closed client rejects with ClosedError', async () => {
      const { db: other, done: finish } = await make();
      await finish();
      await assert.rejects(other.listCollections(), ClosedError);
    });
  });
}

test('a remote client whose server is gone rejects with ServerUnreachableError', async () => {
  const db = await QuiverDB.connect('http://127.0.0.1:1', { timeout: 2000 });
  await assert.rejects(db.listCollections(), ServerUnreachableError);
  await db.close();
});
