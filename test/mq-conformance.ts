// The log broker conformance suite: one set of tests against the LogBroker interface,
// run for every broker (rocksmq now, natsmq next). `open` opens the broker on `dir`
// (the same dir again means the same data, as after a restart).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import {
  ClosedError,
  ForeignMessageIdError,
  InvalidArgumentError,
  InvalidTopicError,
  type LogBroker,
  type Message,
  MessageId,
  PayloadTooLargeError,
  TopicExistsError,
  TopicNotFoundError,
} from '../src/index.js';

const text = (m: Message) => new TextDecoder().decode(m.payload);

async function receiveAll(consumer: { receive(o?: { max?: number; timeoutMs?: number }): Promise<Message[]> }, count: number) {
  const out: Message[] = [];
  while (out.length < count) {
    const batch = await consumer.receive({ max: 1000, timeoutMs: 5000 });
    if (batch.length === 0) break;
    out.push(...batch);
  }
  return out;
}

export function conformance(name: string, open: (dir: string) => Promise<LogBroker>): void {
  describe(`${name} conformance`, () => {
    const root = mkdtempSync(join(tmpdir(), `quiverdb-${name}-`));
    let n = 0;
    const fresh = () => join(root, String(n++));
    after(() => rmSync(root, { recursive: true, force: true }));

    test('topics: create, list, stats, drop, and their errors', async () => {
      const broker = await open(fresh());
      await broker.createTopic('orders');
      await broker.createTopic('events.v1');
      assert.deepEqual((await broker.listTopics()).sort(), ['events.v1', 'orders']);
      await assert.rejects(broker.createTopic('orders'), TopicExistsError);
      await assert.rejects(broker.createTopic('no/slash'), InvalidTopicError);
      await assert.rejects(broker.createTopic(''), InvalidTopicError);
      await assert.rejects(broker.topicStats('missing'), TopicNotFoundError);
      await assert.rejects(broker.producer('missing').send('x'), TopicNotFoundError);
      const empty = await broker.topicStats('orders');
      assert.deepEqual([empty.messages, empty.firstId, empty.lastId], [0, null, null]);
      await broker.producer('orders').sendBatch(['a', 'bb']);
      const stats = await broker.topicStats('orders');
      assert.equal(stats.messages, 2);
      assert.equal(stats.bytes, 3);
      assert.equal(stats.firstId!.toString(), 'orders@1');
      await broker.dropTopic('orders');
      assert.deepEqual(await broker.listTopics(), ['events.v1']);
      await broker.close();
    });

    test('messages arrive in order, with increasing ids, singly and in batches', async () => {
      const broker = await open(fresh());
      await broker.createTopic('t');
      const producer = broker.producer('t');
      const ids: MessageId[] = [];
      for (let i = 0; i < 50; i++) ids.push(await producer.send(`m${i}`));
      ids.push(...(await producer.sendBatch(Array.from({ length: 950 }, (_, i) => `m${50 + i}`))));
      for (let i = 1; i < ids.length; i++) assert.ok(ids[i].compare(ids[i - 1]) > 0);
      const got = await receiveAll(await broker.consumer('t', 'g'), 1000);
      assert.deepEqual(
        got.map(text),
        Array.from({ length: 1000 }, (_, i) => `m${i}`),
      );
      assert.ok(got.every((m, i) => m.id.equals(ids[i]) && m.publishTime > 0));
      await broker.close();
    });

    test('a payload in parts is stored as their concatenation', async () => {
      const broker = await open(fresh());
      await broker.createTopic('t');
      const encode = (s: string) => new TextEncoder().encode(s);
      await broker.producer('t').sendBatch([[encode('he'), encode(''), encode('llo')], [encode('one part')], 'plain']);
      const got = await receiveAll(await broker.consumer('t', 'g'), 3);
      assert.deepEqual(got.map(text), ['hello', 'one part', 'plain']);
      const half = new Uint8Array(4 << 20);
      await assert.rejects(broker.producer('t').send([half, half, new Uint8Array(1)]), PayloadTooLargeError); // the sum counts
      await assert.rejects(broker.producer('t').send([encode('x'), 'y' as unknown as Uint8Array]), InvalidArgumentError);
      assert.equal((await broker.topicStats('t')).messages, 3);
      await broker.close();
    });

    test('groups resume after their last ack across a restart (at least once)', async () => {
      const dir = fresh();
      let broker = await open(dir);
      await broker.createTopic('t');
      await broker.producer('t').sendBatch(Array.from({ length: 10 }, (_, i) => `m${i}`));
      const first = await broker.consumer('t', 'g');
      const got = await first.receive({ max: 7 });
      assert.equal(got.length, 7);
      await first.ack(got[4].id); // m0..m4 done; m5, m6 received but not acknowledged
      await broker.close();
      broker = await open(dir);
      const again = await receiveAll(await broker.consumer('t', 'g'), 5);
      assert.deepEqual(again.map(text), ['m5', 'm6', 'm7', 'm8', 'm9']);
      // Another group is independent.
      assert.equal((await receiveAll(await broker.consumer('t', 'other'), 10)).length, 10);
      await broker.close();
    });

    test('start positions: earliest, latest and a given message', async () => {
      const broker = await open(fresh());
      await broker.createTopic('t');
      const ids = await broker.producer('t').sendBatch(['a', 'b', 'c']);
      const latest = await broker.consumer('t', 'late', { start: 'latest' });
      assert.deepEqual(await latest.receive({ timeoutMs: 50 }), []);
      await broker.producer('t').send('d');
      assert.deepEqual((await latest.receive()).map(text), ['d']);
      const fromB = await broker.consumer('t', 'mid', { start: ids[1] });
      assert.deepEqual((await fromB.receive({ max: 2 })).map(text), ['b', 'c']);
      const reader = await broker.reader('t');
      assert.deepEqual((await reader.receive({ max: 1 })).map(text), ['a']);
      reader.seek(ids[2]);
      assert.deepEqual((await reader.receive()).map(text), ['c', 'd']);
      reader.seek(ids[0]);
      assert.deepEqual((await reader.receive({ max: 1 })).map(text), ['a']);
      await broker.close();
    });

    test('a waiting receive wakes when a message arrives', async () => {
      const broker = await open(fresh());
      await broker.createTopic('t');
      const consumer = await broker.consumer('t', 'g');
      const waiting = consumer.receive();
      setTimeout(() => void broker.producer('t').send('late'), 50);
      assert.deepEqual((await waiting).map(text), ['late']);
      const start = performance.now();
      assert.deepEqual(await consumer.receive({ timeoutMs: 100 }), []);
      assert.ok(performance.now() - start >= 90);
      await broker.close();
    });

    test('concurrent producers: every message once, each producer in order', async () => {
      const broker = await open(fresh());
      await broker.createTopic('t');
      await Promise.all(
        [0, 1, 2, 3].map(async (p) => {
          const producer = broker.producer('t');
          for (let i = 0; i < 250; i++) await producer.send(`${p}:${i}`);
        }),
      );
      const got = (await receiveAll(await broker.consumer('t', 'g'), 1000)).map(text);
      assert.equal(new Set(got).size, 1000);
      for (let p = 0; p < 4; p++) {
        const mine = got.filter((m) => m.startsWith(`${p}:`)).map((m) => Number(m.split(':')[1]));
        assert.deepEqual(
          mine,
          Array.from({ length: 250 }, (_, i) => i),
        );
      }
      await broker.close();
    });

    test('100k small and 100 large (5 MB) messages round-trip', { timeout: 300_000 }, async () => {
      const broker = await open(fresh());
      await broker.createTopic('small');
      await broker.createTopic('large');
      const small = broker.producer('small');
      for (let b = 0; b < 100; b++) await small.sendBatch(Array.from({ length: 1000 }, (_, i) => `s${b * 1000 + i}`));
      const got = await receiveAll(await broker.consumer('small', 'g'), 100_000);
      assert.equal(got.length, 100_000);
      assert.ok(got.every((m, i) => text(m) === `s${i}`));

      const large = broker.producer('large');
      const body = new Uint8Array(5 << 20);
      for (let i = 0; i < 100; i++) {
        body[0] = i;
        body[body.length - 1] = 255 - i;
        await large.send(body);
      }
      const reader = await broker.reader('large');
      let seen = 0;
      for (let batch = await reader.receive({ max: 10 }); batch.length > 0; batch = await reader.receive({ max: 10, timeoutMs: 100 })) {
        for (const m of batch) {
          assert.equal(m.payload.length, 5 << 20);
          assert.equal(m.payload[0], seen);
          assert.equal(m.payload[m.payload.length - 1], 255 - seen);
          seen++;
        }
      }
      assert.equal(seen, 100);
      await broker.close();
    });

    test('retention by size removes the oldest messages, read or not', { timeout: 60_000 }, async () => {
      const broker = await open(fresh());
      await broker.createTopic('t', { retentionSizeInMB: 1 });
      const body = new Uint8Array(100 << 10);
      const ids = await broker.producer('t').sendBatch(Array.from({ length: 30 }, () => body));
      // The broker trims on its own schedule (suites open it with a short interval).
      let stats = await broker.topicStats('t');
      for (let waited = 0; stats.bytes > 1 << 20 && waited < 30_000; waited += 100) {
        await new Promise((r) => setTimeout(r, 100));
        stats = await broker.topicStats('t');
      }
      assert.ok(stats.bytes <= 1 << 20, `${stats.bytes} bytes still held`);
      assert.ok(stats.firstId!.compare(ids[0]) > 0);
      assert.ok(stats.lastId!.equals(ids[29]));
      const oldest = (await (await broker.reader('t')).receive({ max: 1 }))[0];
      assert.ok(oldest.id.equals(stats.firstId!));
      await broker.close();
    });

    test('bad input and misuse: typed errors, nothing written', async () => {
      const broker = await open(fresh());
      await broker.createTopic('t');
      await broker.createTopic('u');
      await assert.rejects(broker.producer('t').send(new Uint8Array((8 << 20) + 1)), PayloadTooLargeError);
      await assert.rejects(broker.producer('t').sendBatch(['ok', new Uint8Array((8 << 20) + 1)]), PayloadTooLargeError);
      assert.equal((await broker.topicStats('t')).messages, 0);
      const [foreign] = await broker.producer('u').sendBatch(['x']);
      const consumer = await broker.consumer('t', 'g');
      await assert.rejects(consumer.ack(foreign), ForeignMessageIdError);
      await assert.rejects(broker.consumer('t', 'h', { start: foreign }), ForeignMessageIdError);
      const reader = await broker.reader('t');
      assert.throws(() => reader.seek(foreign), ForeignMessageIdError);
      assert.equal(MessageId.parse(foreign.toString()).toString(), foreign.toString());
      const waiting = (await broker.consumer('t', 'w', { start: 'latest' })).receive();
      await broker.close();
      await assert.rejects(waiting, ClosedError); // a receive waiting at close does not hang
      await assert.rejects(broker.producer('t').send('x'), ClosedError);
      await assert.rejects(broker.listTopics(), ClosedError);
    });
  });
}
