// natsmq: the conformance suite against a real nats-server (started by the broker), plus
// what is its own: nats-server killed under load, a full store, an external server, and
// the mq.type switch.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

import { BrokerUnavailableError, InvalidArgumentError, type Message, NatsMq, NatsServer, openLogBroker, StorageError } from '../src/index.js';
import { conformance } from './mq-conformance.js';

const serverIn = (dir: string) => ({ port: -1, storeDir: join(dir, 'store'), monitor: { logFile: join(dir, 'nats.log') } });

conformance('natsmq', (dir) => NatsMq.open({ server: serverIn(dir), retention: { maxAge: -1 } }));

const work = mkdtempSync(join(tmpdir(), 'quiverdb-natsmq-'));
after(() => rmSync(work, { recursive: true, force: true }));
const text = (m: Message) => new TextDecoder().decode(m.payload);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * nats-server killed with SIGKILL twice under a producer and a consumer, then started again:
 * by the test (an external server, natsmq.url), or by the broker's own supervision.
 */
async function killedTwice(dir: string, restartedBy: 'test' | 'supervision'): Promise<void> {
  let server = restartedBy === 'test' ? await NatsServer.start(serverIn(dir)) : undefined;
  const port = server?.port;
  const broker = restartedBy === 'test' ? await NatsMq.open({ url: server?.url }) : await NatsMq.open({ server: serverIn(dir) });
  await broker.createTopic('t');

  let producing = true;
  const acknowledged = new Map<bigint, string>();
  const producer = (async () => {
    const p = broker.producer('t');
    for (let batch = 0; producing; batch++) {
      const payloads = Array.from({ length: 20 }, (_, i) => `b${batch}:${i}`);
      const ids = await p.sendBatch(payloads);
      for (const [i, id] of ids.entries()) acknowledged.set(id.sequence, payloads[i]);
    }
  })();

  const received: Message[] = [];
  let consuming = true;
  const consumer = await broker.consumer('t', 'g');
  const consuming_ = (async () => {
    while (consuming) {
      const batch = await consumer.receive({ max: 500, timeoutMs: 500 });
      if (batch.length === 0) continue;
      received.push(...batch);
      await consumer.ack(batch[batch.length - 1].id);
    }
  })();

  for (let round = 0; round < 2; round++) {
    await sleep(1500);
    const before = acknowledged.size;
    process.kill(((server ?? broker.server) as NatsServer).pid as number, 'SIGKILL');
    await sleep(1000);
    if (restartedBy === 'test') server = await NatsServer.start({ ...serverIn(dir), port });
    await sleep(2500);
    assert.ok(acknowledged.size > before, `round ${round}: the producer goes on after the restart`);
  }
  if (restartedBy === 'supervision') assert.equal(broker.server?.restarts, 2);
  producing = false;
  await producer;
  const last = [...acknowledged.keys()].reduce((a, b) => (b > a ? b : a));
  for (let waited = 0; (received.at(-1)?.id.sequence ?? 0n) < last && waited < 60_000; waited += 100) await sleep(100);
  consuming = false;
  await consuming_;

  // The consumer saw every acknowledged message, in order, each once.
  const seen = new Map(received.map((m) => [m.id.sequence, text(m)]));
  assert.equal(seen.size, received.length, 'no message delivered twice');
  for (let i = 1; i < received.length; i++) assert.ok(received[i].id.sequence > received[i - 1].id.sequence);
  for (const [sequence, payload] of acknowledged) assert.equal(seen.get(sequence), payload, `message ${sequence}`);
  // The stream holds each payload once (retried publishes were deduplicated).
  const reader = await broker.reader('t');
  const stored: string[] = [];
  for (let batch = await reader.receive({ max: 1000 }); batch.length > 0; batch = await reader.receive({ max: 1000, timeoutMs: 500 }))
    stored.push(...batch.map(text));
  assert.equal(new Set(stored).size, stored.length, 'a payload stored twice');
  assert.ok(acknowledged.size > 1000, `${acknowledged.size} messages acknowledged`);
  await broker.close();
  await server?.stop();
}

test(
  'nats-server killed (SIGKILL) and restarted twice under a producer and a consumer: nothing acknowledged is lost or stored twice',
  {
    timeout: 180_000,
  },
  () => killedTwice(join(work, 'fault'), 'test'),
);

test(
  'the nats-server a broker starts is started again when it dies (SIGKILL, twice): nothing acknowledged is lost',
  {
    timeout: 180_000,
  },
  () => killedTwice(join(work, 'supervised'), 'supervision'),
);

test('a full store (maxFileStore) refuses writes with StorageError, and reads still work', async () => {
  const broker = await NatsMq.open({ server: { ...serverIn(join(work, 'full')), maxFileStore: 4 << 20 } });
  await broker.createTopic('t');
  const producer = broker.producer('t');
  const body = new Uint8Array(1 << 20);
  const sent: bigint[] = [];
  let refused: unknown;
  for (let i = 0; i < 10 && !refused; i++) {
    body[0] = i;
    await producer.send(body).then(
      (id) => sent.push(id.sequence),
      (error) => (refused = error),
    );
  }
  assert.ok(refused instanceof StorageError, `expected StorageError, got ${refused}`);
  assert.match((refused as Error).message, /maxFileStore/);
  assert.ok(sent.length >= 1);
  // A receive returns what has arrived (it need not be everything): read until all are here.
  const reader = await broker.reader('t');
  const read: Message[] = [];
  for (let batch = await reader.receive({ max: 10, timeoutMs: 5000 }); batch.length > 0; batch = await reader.receive({ max: 10, timeoutMs: 2000 })) {
    read.push(...batch);
    if (read.length >= sent.length) break;
  }
  assert.deepEqual(
    read.map((m) => m.id.sequence),
    sent,
  );
  assert.deepEqual(
    read.map((m) => m.payload[0]),
    sent.map((_, i) => i),
  );
  await assert.rejects(producer.send(body), StorageError);
  await broker.close();
});

test('an external server by URL, and one that cannot be reached', async () => {
  const server = await NatsServer.start(serverIn(join(work, 'external')));
  try {
    const broker = await NatsMq.open({ url: server.url });
    assert.equal(broker.url, server.url);
    await broker.createTopic('t');
    assert.equal((await broker.producer('t').send('x')).sequence, 1n);
    await broker.close();
    assert.ok(server.pid && process.kill(server.pid, 0), 'closing the broker leaves an external server running');
  } finally {
    await server.stop();
  }
  await assert.rejects(NatsMq.open({ url: server.url }), BrokerUnavailableError);
});

test('mq.type chooses the broker and the choice is logged', async () => {
  const lines: string[] = [];
  const rocks = await openLogBroker({ 'mq.type': 'rocksmq', 'rocksmq.path': join(work, 'switch-rocks') }, (l) => lines.push(l));
  assert.equal(rocks.type, 'rocksmq');
  await rocks.close();
  const dir = join(work, 'switch-nats');
  const nats = await openLogBroker(
    { 'mq.type': 'natsmq', 'natsmq.server.port': -1, 'natsmq.server.storeDir': join(dir, 'store'), 'natsmq.server.monitor.logFile': join(dir, 'nats.log') },
    (l) => lines.push(l),
  );
  assert.equal(nats.type, 'natsmq');
  await nats.close();
  assert.match(lines[0], /mq\.type=rocksmq/);
  assert.match(lines[1], /mq\.type=natsmq/);
  await assert.rejects(
    openLogBroker({ 'mq.type': 'kafka' }, () => {}),
    /mq\.type must be/,
  );
  await assert.rejects(
    openLogBroker({ 'mq.type': 'natsmq', 'natsmq.server.nope': 1 }, () => {}),
    /unknown configuration key natsmq\.server\.nope/,
  );
});

test('a group member holds at most maxAckPending unacknowledged messages; an ack lets more come', async () => {
  const dir = join(work, 'pending');
  const broker = await NatsMq.open({ server: serverIn(dir), maxAckPending: 10 });
  await broker.createTopic('t');
  await broker.producer('t').sendBatch(Array.from({ length: 50 }, (_, i) => `m${i}`));
  const consumer = await broker.consumer('t', 'g');
  const held: Message[] = [];
  for (let round = 0; round < 5; round++) held.push(...(await consumer.receive({ max: 50, timeoutMs: 200 })));
  assert.equal(held.length, 10); // nats-server delivers no more until the member acknowledges
  const nc = await connect({ servers: broker.url });
  const jsm = await jetstreamManager(nc);
  for await (const info of jsm.consumers.list('QV_t')) {
    if (info.config.durable_name) {
      assert.equal(info.config.max_ack_pending, 10);
      assert.ok(info.num_ack_pending <= 10, `${info.num_ack_pending} pending`);
    }
  }
  await nc.close();
  await consumer.ack(held[9].id);
  const next = await consumer.receive({ max: 50, timeoutMs: 2000 });
  assert.deepEqual(next.map(text).slice(0, 1), ['m10']);
  assert.ok(next.length <= 10);
  await assert.rejects(NatsMq.open({ url: broker.url, maxAckPending: 0 }), InvalidArgumentError);
  await broker.close();
});
