// The four ways to publish and subscribe that bench/pubsub compares: QuiverDB's rocksmq and
// natsmq, and two a user could write instead: the raw JetStream client, and a plain queue
// on the `rocksdb` npm package. Each op uses a new topic, `op<n>`: publish `count` payloads
// in chunks, while a subscriber reads until the last one has arrived.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';

import { DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

import { NatsMq, NatsServer, RocksMq } from '../../src/index.js';

export interface PubSubSystem {
  /** nats-server's pid, when the system has one. */
  serverPid?: number;
  /** Publishes every chunk in order to topic number `op`, and resolves when the subscriber has received the last. */
  op(op: number, chunks: Uint8Array[][], count: number): Promise<void>;
  close(): Promise<void>;
}

export type SystemName = 'rocksmq' | 'natsmq' | 'jetstream' | 'rocksdb-npm';
export const systems: SystemName[] = ['rocksmq', 'natsmq', 'jetstream', 'rocksdb-npm'];

/** The same nats-server settings for natsmq and the raw client: Milvus's defaults, a free port. */
const natsServer = (dir: string) =>
  NatsServer.start({ port: -1, storeDir: join(dir, 'nats'), maxPayload: 8 << 20, monitor: { logFile: join(dir, 'nats.log') } });

export async function openSystem(name: SystemName, dir: string): Promise<PubSubSystem> {
  switch (name) {
    case 'rocksmq': {
      const broker = await RocksMq.open({ path: join(dir, 'rocksmq'), retentionTimeInMinutes: -1, retentionSizeInMB: -1 });
      return quiverdb(broker, async () => broker.close());
    }
    case 'natsmq': {
      const server = await natsServer(dir);
      const broker = await NatsMq.open({ url: server.url, retention: { maxAge: -1 } });
      return {
        serverPid: server.pid,
        ...quiverdb(broker, async () => {
          await broker.close();
          await server.stop();
        }),
      };
    }
    case 'jetstream':
      return rawJetStream(await natsServer(dir));
    case 'rocksdb-npm':
      return rocksdbQueue(join(dir, 'rocksdb-npm'));
  }
}

function quiverdb(broker: RocksMq | NatsMq, close: () => Promise<void>): PubSubSystem {
  return {
    async op(op, chunks, count) {
      const topic = `op${op}`;
      await broker.createTopic(topic);
      const consumer = await broker.consumer(topic, 'bench');
      const received = (async () => {
        for (let got = 0; got < count; ) got += (await consumer.receive({ max: 1000 })).length;
      })();
      const producer = broker.producer(topic);
      for (const chunk of chunks) await producer.sendBatch(chunk);
      await received;
      await consumer.close();
    },
    close,
  };
}

/** What a user of @nats-io/jetstream would write: a stream, pipelined publishes, an ordered consumer. */
async function rawJetStream(server: NatsServer): Promise<PubSubSystem> {
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  return {
    serverPid: server.pid,
    async op(op, chunks, count) {
      const topic = `op${op}`;
      await jsm.streams.add({ name: topic, subjects: [topic], storage: StorageType.File, retention: RetentionPolicy.Limits, discard: DiscardPolicy.Old });
      const consumer = await js.consumers.get(topic, { deliver_policy: DeliverPolicy.All });
      const messages = await consumer.consume({ max_messages: 1000 });
      const received = (async () => {
        let got = 0;
        for await (const _ of messages) if (++got === count) break;
      })();
      for (const chunk of chunks) await Promise.all(chunk.map((payload) => js.publish(topic, payload)));
      await received;
    },
    async close() {
      await nc.close();
      await server.stop();
    },
  };
}

/** A queue on the rocksdb npm package: keys are big-endian sequence numbers, synced batches, an iterator to read. */
async function rocksdbQueue(path: string): Promise<PubSubSystem> {
  // Loaded only here: the package carries its own RocksDB, and two RocksDB copies in one
  // process (with a development build of QuiverDB, linked to the system's) crash at exit.
  const { default: RocksDB } = await import('rocksdb');
  const db = RocksDB(path);
  await new Promise<void>((resolve, reject) => db.open({ createIfMissing: true, writeBufferSize: 64 << 20 }, (e) => (e ? reject(e) : resolve())));
  const written = new EventEmitter();
  const key = (topic: number, seq: number) => {
    const k = Buffer.alloc(12);
    k.writeUInt32BE(topic, 0);
    k.writeBigUInt64BE(BigInt(seq), 4);
    return k;
  };
  return {
    async op(topic, chunks, count) {
      let stored = 0;
      const received = (async () => {
        let next = 0;
        while (next < count) {
          const it = db.iterator({ gte: key(topic, next), lt: key(topic + 1, 0), keyAsBuffer: false, valueAsBuffer: true });
          for (;;) {
            const entry = await new Promise<[unknown, Buffer] | null>((resolve, reject) =>
              it.next((e, k, v) => (e ? reject(e) : resolve(k === undefined ? null : [k, v as Buffer]))),
            );
            if (!entry) break;
            next++;
          }
          await new Promise<void>((resolve) => it.end(() => resolve()));
          if (next < count && stored <= next) await new Promise((r) => written.once('batch', r));
        }
      })();
      let seq = 0;
      for (const chunk of chunks) {
        // As a Buffer view (no copy): the rocksdb package turns any other value into a string.
        const batch = chunk.map((v) => ({ type: 'put' as const, key: key(topic, seq++), value: Buffer.from(v.buffer, v.byteOffset, v.byteLength) }));
        await new Promise<void>((resolve, reject) => db.batch(batch, { sync: true }, (e) => (e ? reject(e) : resolve())));
        stored = seq;
        written.emit('batch');
      }
      await received;
    },
    async close() {
      await new Promise<void>((resolve) => db.close(() => resolve()));
    },
  };
}
