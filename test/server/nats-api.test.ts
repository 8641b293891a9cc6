// The NATS API of `quiverdb serve` on a real nats-server: the token rule of the HTTP side
// (no token, a wrong one, the right one), and NATS's service discovery ($SRV.PING and
// $SRV.STATS count the requests).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { connect } from '@nats-io/transport-node';

import { AuthenticationError, NatsServer, QuiverDB } from '../../src/index.js';
import { QuiverServer } from '../../src/server/server.js';
import { workFolder } from '../db/db-helpers.js';

const folder = workFolder('nats-api');

test('NATS API: tokens as on HTTP; $SRV.PING and $SRV.STATS describe the service', async () => {
  const nats = await NatsServer.start({ port: -1, storeDir: folder('store') });
  const server = await QuiverServer.start({
    config: {
      'localStorage.path': folder('db'),
      'proxy.port': 0,
      'metrics.port': 0,
      'proxy.nats.url': nats.url,
      'common.security.authorizationEnabled': true,
      'common.security.defaultRootPassword': 'correct horse',
    },
    log: () => {},
  });
  const clients: QuiverDB[] = [];
  try {
    const client = async (token?: string) => {
      const db = await QuiverDB.connect(nats.url, token === undefined ? {} : { token });
      clients.push(db);
      return db;
    };
    await assert.rejects((await client()).listCollections(), AuthenticationError);
    await assert.rejects((await client('root:battery staple')).listCollections(), AuthenticationError);
    const db = await client('root:correct horse');
    await db.createCollection({ collection_name: 'c', dimension: 2 });
    assert.deepEqual((await db.listCollections()).collection_names, ['c']);

    const nc = await connect({ servers: nats.url });
    try {
      const ping = (await nc.request('$SRV.PING.quiverdb', '', { timeout: 2000 })).json<{ type: string; name: string }>();
      assert.deepEqual([ping.type, ping.name], ['io.nats.micro.v1.ping_response', 'quiverdb']);
      const stats = (await nc.request('$SRV.STATS.quiverdb', '', { timeout: 2000 })).json<{ endpoints: { num_requests: number; num_errors: number }[] }>();
      assert.deepEqual(
        stats.endpoints.map((e) => [e.num_requests, e.num_errors]),
        [[4, 2]],
      );
    } finally {
      await nc.close();
    }
  } finally {
    for (const db of clients) await db.close();
    await server.close();
    await nats.stop();
  }
});

test('on natsmq the NATS API is served where the log is, with no proxy.nats.url', async () => {
  const dir = folder('natsmq');
  const lines: string[] = [];
  const server = await QuiverServer.start({
    config: { 'localStorage.path': dir, 'proxy.port': 0, 'metrics.port': 0, 'mq.type': 'natsmq', 'natsmq.server.port': -1 },
    log: (line) => lines.push(line),
  });
  try {
    const url = /NATS API on (nats:\/\/\S+)/.exec(lines.join('\n'))?.[1];
    assert.ok(url, lines.join('\n'));
    const db = await QuiverDB.connect(url);
    try {
      await db.createCollection({ collection_name: 'c', dimension: 2 });
      assert.deepEqual((await server.db.listCollections()).collection_names, ['c']);
    } finally {
      await db.close();
    }
  } finally {
    await server.close();
  }
});
