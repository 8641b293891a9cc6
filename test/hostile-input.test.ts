// Input a hostile or careless caller may pass: every case rejects with a QuiverError and
// leaves the process and the index working; nothing allocates from what it is told.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { FlatIndex, InvalidArgumentError, InvalidFileError, IvfIndex, MAX_K, QuiverError } from '../src/index.js';
import { loadNative } from '../src/native/load.js';
import { randomVectors, sequentialIds } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'quiverdb-hostile-'));
after(() => rmSync(work, { recursive: true, force: true }));

const isQuiver = (error: unknown) => error instanceof QuiverError;

test('BigInt vectors, null options, huge sparse arrays and throwing getters are QuiverErrors', async () => {
  const index = new FlatIndex({ dim: 2 });
  await index.add(
    [
      [0, 0],
      [1, 1],
    ],
    [1, 2],
  );
  const throwing = Object.defineProperty({}, 'exclude', {
    get: () => {
      throw new Error('getter');
    },
  });
  const cases: [string, () => Promise<unknown>][] = [
    ['BigInt values', () => index.add([1n, 2n] as unknown as number[], [3])],
    ['BigInt rows', () => index.search([[1n, 2n]] as unknown as number[][], 1)],
    ['a huge sparse array', () => index.add(new Array(2 ** 31) as number[], [4])],
    ['a sparse array with holes', () => index.search(new Array(2) as number[], 1)],
    ['a throwing getter', () => index.search([0, 0], 1, throwing)],
    ['a string for options', () => index.search([0, 0], 1, 'x' as never)],
  ];
  for (const [what, call] of cases) await assert.rejects(call(), isQuiver, what);
  assert.throws(
    () =>
      new IvfIndex({
        dim: 4,
        get nlist(): number {
          throw new RangeError('getter');
        },
      }),
    isQuiver,
  );
  assert.throws(() => new FlatIndex({ dim: 2n as unknown as number }), isQuiver);
  const results = await index.search([0, 0], 1, null as never); // null options mean none

  assert.throws(() => results.at(5), InvalidArgumentError);
  assert.equal(results.ids[0], 1n); // still works
});

test('a search takes at most 16384 queries, and k = 16384 over 10 rows allocates for 10', async () => {
  const index = new FlatIndex({ dim: 1 });
  await index.add(
    Float32Array.from({ length: 10 }, (_, i) => i),
    sequentialIds(10),
  );
  await assert.rejects(index.search(new Float32Array(16385), 1), InvalidArgumentError);
  const before = process.memoryUsage().rss;
  const results = await index.search(new Float32Array(16384), MAX_K);
  assert.equal(results.k, 10);
  assert.equal(results.ids.length, 16384 * 10);
  // Sized by k it would be 16384 x 16384 slots of 12 bytes: 3 GiB.
  assert.ok(process.memoryUsage().rss - before < 512 << 20);
});

test('an onProgress that throws rejects the call with what it threw', async () => {
  const ivf = new IvfIndex({ dim: 8, nlist: 4 });
  const boom = new Error('progress failed');
  await assert.rejects(
    ivf.train(randomVectors(500, 8, 1), {
      onProgress: () => {
        throw boom;
      },
    }),
    (e) => e === boom,
  );
  await ivf.train(randomVectors(500, 8, 1));
  await assert.rejects(
    ivf.add(randomVectors(100, 8, 2), sequentialIds(100), {
      onProgress: () => {
        throw boom;
      },
    }),
    (e) => e === boom,
  );
  // The batch is either in whole or not at all (the throw may be seen after it was applied).
  assert.ok(ivf.size === 0 || ivf.size === 100);
  await ivf.add(randomVectors(100, 8, 3), sequentialIds(100, 1000));
  assert.equal((await ivf.search(randomVectors(1, 8, 3), 1, { nprobe: 4 })).counts[0], 1);
});

test('a crafted index file that claims huge counts is refused before it allocates them', async () => {
  const ivf = new IvfIndex({ dim: 8, nlist: 4 });
  await ivf.train(randomVectors(500, 8, 1));
  await ivf.add(randomVectors(200, 8, 2), sequentialIds(200));
  const path = join(work, 'crafted.qvivf');
  await ivf.save(path);
  const bytes = Buffer.from(readFileSync(path));
  bytes.writeBigUInt64LE(65536n, 20); // dim
  bytes.writeBigUInt64LE(65536n, 28); // nlist: 16 GiB of centroids
  writeFileSync(path, bytes);
  const before = process.memoryUsage().rss;
  await assert.rejects(IvfIndex.load(path), InvalidFileError);
  assert.ok(process.memoryUsage().rss - before < 256 << 20);
});

test('the FMA and bandwidth probes refuse durations and sizes that would never settle', () => {
  const native = loadNative();
  for (const seconds of [Number.NaN, -1, 0, Infinity]) {
    assert.throws(
      () => native.measureFmaRate(1, seconds),
      (e: Error & { code?: string }) => e.code === 'QV_INVALID_ARGUMENT',
    );
  }
  assert.throws(
    () => native.measureBandwidth(1 << 20, 0, 1),
    (e: Error & { code?: string }) => e.code === 'QV_INVALID_ARGUMENT',
  );
});
