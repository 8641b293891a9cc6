// The nats-server process manager, against the real nats-server: generated config, ready
// detection, the INFO it announces, and errors that name the fix.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { NatsServer, NatsServerError } from '../src/index.js';
import { HEADER_ROOM } from '../src/mq/natsmq/server.js';
import { root } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'quiverdb-nats-test-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const options = () => {
  const dir = join(work, String(n++));
  return { port: -1, storeDir: join(dir, 'store'), monitor: { logFile: join(dir, 'nats.log') } };
};

/** The INFO line a NATS server sends to every new connection. */
function info(port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
      const line = text.split('\r\n')[0];
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(JSON.parse(line.replace(/^INFO /, '')));
      }
    });
    socket.on('error', reject);
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('starts on a free port with JetStream and the configured limits, logs to its file, and stops', async () => {
  const o = { ...options(), maxPayload: 8 << 20, maxPending: 32 << 20 };
  const server = await NatsServer.start(o);
  assert.ok(server.port > 0);
  assert.equal(server.url, `nats://127.0.0.1:${server.port}`);
  const announced = await info(server.port);
  assert.equal(announced.max_payload, (8 << 20) + HEADER_ROOM);
  assert.equal(announced.jetstream, true);
  assert.equal(announced.host, '127.0.0.1');
  assert.match(readFileSync(o.monitor.logFile, 'utf8'), /Server is ready/);
  const pid = server.pid!;
  await server.stop();
  assert.equal(alive(pid), false);
  await assert.rejects(info(server.port));
});

test('a port in use fails start-up clearly', async () => {
  const holder = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => holder.once('listening', r));
  const port = (holder.address() as AddressInfo).port;
  try {
    await assert.rejects(NatsServer.start({ ...options(), port }), (e: unknown) => {
      assert.ok(e instanceof NatsServerError);
      assert.equal(e.reason, 'port-in-use');
      assert.equal(e.code, 'QV_NATS_SERVER');
      assert.match(e.message, new RegExp(`port ${port} is in use`));
      return true;
    });
  } finally {
    holder.close();
  }
});

test('a missing binary, an unusable store folder and a start-up timeout name the fix', async () => {
  await assert.rejects(
    NatsServer.start({ ...options(), binary: join(work, 'no-such-nats-server') }),
    (e: unknown) => e instanceof NatsServerError && e.reason === 'missing',
  );
  const file = join(work, 'a-file');
  writeFileSync(file, 'not a folder');
  await assert.rejects(
    NatsServer.start({ ...options(), storeDir: join(file, 'store') }),
    (e: unknown) => e instanceof NatsServerError && e.reason === 'store-dir' && /storeDir/.test(e.message),
  );
  await assert.rejects(
    NatsServer.start({ ...options(), initializeTimeout: 1 }),
    (e: unknown) => e instanceof NatsServerError && e.reason === 'timeout' && /initializeTimeout/.test(e.message),
  );
});

test('a nats-server whose starter was SIGKILLed is stopped by the next start on its store; a live owner keeps it', async () => {
  const o = options();
  // A process that starts nats-server on the store, says its pid and the port, then is killed outright.
  const script = `import { NatsServer } from './src/index.ts';
const server = await NatsServer.start(${JSON.stringify(o)});
console.log(JSON.stringify({ pid: server.pid, port: server.port }));
setInterval(() => {}, 1000);`;
  const starter = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(starter.stdout!, 'data')) as [Buffer];
  const left = JSON.parse(line.toString()) as { pid: number; port: number };
  assert.ok(alive(left.pid));
  // While the starter lives, the store is its own.
  await assert.rejects(NatsServer.start(o), (error: unknown) => error instanceof NatsServerError && error.reason === 'store-dir');
  starter.kill('SIGKILL');
  await once(starter, 'exit');
  assert.ok(alive(left.pid), 'the killed process could not stop its nats-server');

  // The same port, which the stray server still holds, and the same store.
  const server = await NatsServer.start({ ...o, port: left.port });
  assert.equal(alive(left.pid), false);
  assert.equal(server.port, left.port);
  assert.equal((await info(server.port)).jetstream, true);
  await server.stop();
});
