// rocksmq: the conformance suite, plus what is its own: disk reclaimed by retention, no
// CPU when idle, and no acknowledged message lost when the process is killed.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { ClosedError, type Message, RocksMq, StorageError } from '../src/index.js';
import { root } from './helpers.js';
import { conformance } from './mq-conformance.js';

conformance('rocksmq', (dir) =>
  RocksMq.openConfig({ 'rocksmq.path': dir, 'rocksmq.retentionTimeInMinutes': -1, 'rocksmq.retentionSizeInMB': -1, 'rocksmq.compactionInterval': 1 }),
);

const work = mkdtempSync(join(tmpdir(), 'quiverdb-rocksmq-'));
after(() => rmSync(work, { recursive: true, force: true }));

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

test('retention deletes expired messages and the folder shrinks', async () => {
  const dir = join(work, 'retention');
  const broker = await RocksMq.open({ path: dir, retentionTimeInMinutes: -1, retentionSizeInMB: 2 });
  await broker.createTopic('t');
  const producer = broker.producer('t');
  const body = new Uint8Array(256 << 10); // blob-sized
  for (let i = 0; i < 80; i++) await producer.send(body);
  const before = folderBytes(dir);
  const deleted = await broker.enforceRetention();
  const after = folderBytes(dir);
  const stats = await broker.topicStats('t');
  assert.ok(deleted >= 70, `deleted ${deleted}`);
  assert.ok(stats.bytes <= 2 << 20);
  assert.ok(after < before / 2, `folder ${before} bytes before retention, ${after} after`);
  // Nobody had read them: retention does not wait for consumers.
  assert.equal((await (await broker.consumer('t', 'late')).receive({ max: 100 }))[0].id.sequence, BigInt(deleted + 1));
  await broker.close();
});

test('knownEnd: every send that resolved is at or below it, without asking the store', async () => {
  const dir = join(work, 'known-end');
  let broker = await RocksMq.open({ path: dir, retentionTimeInMinutes: -1, retentionSizeInMB: -1 });
  await broker.createTopic('t');
  assert.equal(broker.knownEnd('t'), undefined);
  for (let i = 0; i < 200; i++) {
    // Several sends in flight at once: each one, once resolved, is known.
    const ids = await Promise.all([broker.producer('t').send(`a${i}`), broker.producer('t').sendBatch([`b${i}`, `c${i}`])]);
    const newest = ids.flat().reduce((max, id) => (id.sequence > max ? id.sequence : max), 0n);
    assert.ok((broker.knownEnd('t') ?? 0n) >= newest, `send ${newest} resolved before knownEnd (${broker.knownEnd('t')}) had it`);
  }
  await broker.close();
  // Reopened, nothing is known until a commit or topicStats tells.
  broker = await RocksMq.open({ path: dir, retentionTimeInMinutes: -1, retentionSizeInMB: -1 });
  assert.equal(broker.knownEnd('t'), undefined);
  assert.equal((await broker.topicStats('t')).lastId?.sequence, 600n);
  assert.equal(broker.knownEnd('t'), 600n);
  await broker.close();
});

test('a reader closed while its read is in flight settles its receive (once with [], then ClosedError)', async () => {
  const broker = await RocksMq.open({ path: join(work, 'close-in-flight'), retentionTimeInMinutes: -1, retentionSizeInMB: -1 });
  await broker.createTopic('t');
  // close() lands at every point of receive's first read, many times over.
  for (let i = 0; i < 300; i++) {
    const reader = await broker.reader('t');
    const pending = reader.receive();
    for (let spin = 0; spin < i % 7; spin++) await Promise.resolve();
    await reader.close();
    const settled = await Promise.race([
      pending.then(
        () => true,
        () => true,
      ),
      new Promise((r) => setTimeout(() => r(false), 2000)),
    ]);
    assert.equal(settled, true, `receive ${i} never settled after close()`);
    await assert.rejects(reader.receive(), ClosedError);
  }
  await broker.close();
});

test('an idle broker with a waiting consumer uses no measurable CPU over 10 seconds', { timeout: 60_000 }, () => {
  // In a process of its own, without tsx (whose loader is not idle), on the built package.
  const out = execFileSync(process.execPath, [join(root, 'test', 'fixtures', 'rocksmq-idle.mjs'), join(work, 'idle')], { cwd: root, encoding: 'utf8' });
  const { ms, woke } = JSON.parse(out.trim().split('\n').pop()!) as { ms: number; woke: number };
  assert.ok(ms < 100, `${ms} ms of CPU in 10 s while idle`);
  assert.equal(woke, 1);
});

test('killed at random moments (SIGKILL, 20 rounds) while sending small and large payloads, no acknowledged message is lost, duplicated or changed', {
  timeout: 300_000,
}, async () => {
  const dir = join(work, 'crash');
  const acknowledged = new Map<bigint, string>(); // id -> sha256 of the payload
  let large = 0;
  for (let round = 0; round < 20; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'fixtures', 'rocksmq-producer.ts'), dir, String(round)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffered = '';
    let firstAck: () => void;
    const started = new Promise<void>((resolve) => (firstAck = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [id, digest, size] = line.split(' ');
        acknowledged.set(BigInt(id), digest);
        if (Number(size) >= 64 << 10) large++;
        firstAck();
      }
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await Promise.race([started, exited]);
    await new Promise((r) => setTimeout(r, 20 + ((round * 37) % 200))); // a different moment each round
    child.kill('SIGKILL');
    await exited;
  }
  assert.ok(acknowledged.size > 100, `only ${acknowledged.size} messages were acknowledged`);
  assert.ok(large > 20, `only ${large} large messages were acknowledged`);
  const broker = await RocksMq.open({ path: dir, retentionTimeInMinutes: -1, retentionSizeInMB: -1 });
  const reader = await broker.reader('crash');
  const stored: [bigint, string][] = [];
  for (let batch = await reader.receive({ max: 10_000, timeoutMs: 10 }); batch.length > 0; batch = await reader.receive({ max: 10_000, timeoutMs: 10 })) {
    for (const m of batch) stored.push([m.id.sequence, createHash('sha256').update(m.payload).digest('hex')]);
  }
  for (let i = 1; i < stored.length; i++) assert.ok(stored[i][0] > stored[i - 1][0], 'ids in order, each once');
  const byId = new Map(stored);
  for (const [id, digest] of acknowledged) assert.equal(byId.get(id), digest, `acknowledged message ${id}`);
  await broker.close();
});

test('a full disk fails the send loudly and loses nothing acknowledged', { timeout: 120_000 }, async (t) => {
  // A 16 MiB tmpfs is the disk; mounting it needs root (as CI has).
  const disk = join(work, 'tiny');
  mkdirSync(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', disk], { stdio: 'ignore' });
  } catch {
    t.skip('mounting a tmpfs needs root');
    return;
  }
  try {
    const dir = join(disk, 'mq');
    let broker = await RocksMq.open({ path: dir, retentionTimeInMinutes: -1, retentionSizeInMB: -1 });
    await broker.createTopic('t');
    const producer = broker.producer('t');
    const acknowledged: bigint[] = [];
    const body = (i: number) => new Uint8Array(64 << 10).fill(i % 251);
    let failure: unknown;
    for (let i = 0; i < 1000 && !failure; i++) {
      try {
        acknowledged.push((await producer.send(body(i))).sequence);
      } catch (error) {
        failure = error;
      }
    }
    assert.ok(failure instanceof StorageError, `expected a StorageError, got ${String(failure)}`);
    assert.equal((failure as StorageError).code, 'QV_STORAGE');
    assert.ok(acknowledged.length > 10);
    const check = async (b: RocksMq) => {
      const reader = await b.reader('t');
      const got: Message[] = [];
      for (let batch = await reader.receive({ max: 1000, timeoutMs: 10 }); batch.length > 0; batch = await reader.receive({ max: 1000, timeoutMs: 10 }))
        got.push(...batch);
      assert.deepEqual(
        got.map((m) => m.id.sequence),
        acknowledged,
      );
      for (const [i, m] of got.entries()) assert.deepEqual(m.payload, body(i));
    };
    await check(broker); // reads still work on the full disk
    await broker.close();
    execFileSync('mount', ['-o', 'remount,size=64m', disk]);
    broker = await RocksMq.open({ path: dir, retentionTimeInMinutes: -1, retentionSizeInMB: -1 });
    await check(broker); // and after a restart with room again
    await broker.close();
  } finally {
    execFileSync('umount', [disk]);
  }
});
