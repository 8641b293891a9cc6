// Security of `quiverdb serve`: with authorizationEnabled, no token, a wrong token and the
// right one (Milvus's `root:<password>`, sent by the official HttpClient); no default
// password; TLS from certificate files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';

import { HttpClient } from '@zilliz/milvus2-sdk-node';

import { AuthenticationError, QuiverDB } from '../../src/index.js';
import { QuiverServer } from '../../src/server/server.js';
import { workFolder } from '../db/db-helpers.js';

const folder = workFolder('security');

test('authorizationEnabled: no token and a wrong one get code 1800; root:<password> gets in', async () => {
  const server = await QuiverServer.start({
    config: {
      'localStorage.path': folder('auth'),
      'proxy.port': 0,
      'metrics.port': 0,
      'common.security.authorizationEnabled': true,
      'common.security.defaultRootPassword': 'correct horse',
    },
    log: () => {},
  });
  try {
    const none = await new HttpClient({ endpoint: server.url }).listCollections();
    assert.equal(none.code, 1800);
    const wrong = await new HttpClient({ endpoint: server.url, username: 'root', password: 'battery staple' }).listCollections();
    assert.equal(wrong.code, 1800);
    const token = await new HttpClient({ endpoint: server.url, token: 'root:correct horsf' }).listCollections();
    assert.equal(token.code, 1800);
    const right = new HttpClient({ endpoint: server.url, username: 'root', password: 'correct horse' });
    assert.equal((await right.createCollection({ collectionName: 'c', dimension: 2 })).code, 0);
    assert.deepEqual((await new HttpClient({ endpoint: server.url, token: 'root:correct horse' }).listCollections()).data, ['c']);
    // QuiverDB's own remote client: the same rule, a typed error.
    await assert.rejects((await QuiverDB.connect(server.url)).listCollections(), AuthenticationError);
    await assert.rejects((await QuiverDB.connect(server.url, { token: 'root:wrong' })).listCollections(), AuthenticationError);
    const remote = await QuiverDB.connect(server.url, { token: 'root:correct horse' });
    assert.deepEqual((await remote.listCollections()).collection_names, ['c']);
  } finally {
    await server.close();
  }
});

test("authorizationEnabled without a root password, or with Milvus's default one, does not start", async () => {
  const config = { 'localStorage.path': folder('nopass'), 'proxy.port': 0, 'metrics.port': 0, 'common.security.authorizationEnabled': true };
  await assert.rejects(QuiverServer.start({ config, log: () => {} }), /defaultRootPassword/);
  await assert.rejects(QuiverServer.start({ config: { ...config, 'common.security.defaultRootPassword': 'Milvus' }, log: () => {} }), /defaultRootPassword/);
});

test('tlsMode 1 serves HTTPS from the certificate files; a missing file stops the start, naming its key', async () => {
  const dir = folder('tls');
  const [cert, key] = [join(dir, 'server.pem'), join(dir, 'server.key')];
  execFileSync('mkdir', ['-p', dir]);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    {
      stdio: 'ignore',
    },
  );
  const config = { 'localStorage.path': join(dir, 'db'), 'proxy.port': 0, 'metrics.port': 0, 'common.security.tlsMode': 1, 'tls.serverPemPath': cert };
  await assert.rejects(QuiverServer.start({ config, log: () => {} }), /tls.serverKeyPath/);
  const server = await QuiverServer.start({ config: { ...config, 'tls.serverKeyPath': key }, log: () => {} });
  try {
    assert.match(server.url, /^https:/);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${server.url}/v2/vectordb/collections/list`, { method: 'POST', ca: readFileSync(cert) }, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.deepEqual(JSON.parse(body), { code: 0, data: [] });
  } finally {
    await server.close();
  }
});
