// Segment files: written whole or not at all, read back only when their CRC-32C matches.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import { DataType, InvalidFileError, IoError } from '../../src/index.js';
import { loadNative } from '../../src/native/load.js';
import { type Column, encodeColumnParts, pickRows } from '../../src/schema/columns.js';
import { LocalSegmentStore } from '../../src/segment/segment-store.js';
import { workFolder } from './db-helpers.js';

const folder = workFolder('segment-store');

test('crc32c is the Castagnoli CRC, and continues from a previous value', () => {
  const { crc32c } = loadNative();
  const text = new TextEncoder().encode('123456789');
  assert.equal(crc32c(text), 0xe3069283);
  assert.equal(crc32c(text.subarray(4), crc32c(text.subarray(0, 4))), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('a file is written from its chunks and read back checked; a damaged, short or missing one is refused', async () => {
  const store = new LocalSegmentStore(folder('store'));
  const chunks = [new Uint8Array(100_000).fill(7), new Uint8Array(0), new TextEncoder().encode('tail')];
  const file = await store.write('segments/1/2/0.col', chunks);
  assert.equal(file.bytes, 100_004);
  const back = await store.read(file);
  assert.equal(back.byteLength, 100_004);
  assert.equal(back[99_999], 7);
  assert.equal(new TextDecoder().decode(back.subarray(100_000)), 'tail');
  assert.deepEqual(readdirSync(join(store.root, 'segments/1/2')), ['0.col']); // no temporary file left

  const path = join(store.root, file.name);
  const bytes = await readFile(path);
  bytes[500] ^= 1;
  await writeFile(path, bytes);
  await assert.rejects(store.read(file), InvalidFileError);
  bytes[500] ^= 1;
  await writeFile(path, bytes);
  assert.equal((await store.read(file)).byteLength, 100_004);
  await truncate(path, 1000);
  await assert.rejects(store.read(file), InvalidFileError);
  await assert.rejects(store.read({ ...file, name: 'segments/none.col' }), IoError);
});

test('a write that cannot be made is an IoError and leaves no file behind', async () => {
  const root = folder('blocked');
  const store = new LocalSegmentStore(root);
  await store.write('x', [new Uint8Array(1)]);
  writeFileSync(join(root, 'segments'), 'a file where a folder should be');
  await assert.rejects(store.write('segments/1/0.col', [new Uint8Array(8)]), IoError);
  assert.ok(!existsSync(join(root, 'segments', '1')));
});

test('copyRows writes the kept rows of column files as the encoder writes them, and refuses a damaged source', async () => {
  const store = new LocalSegmentStore(folder('copy-rows'));
  // A nullable Int64 column in two segments, and a vector column (dim 3) without nulls.
  const ints = (from: number, n: number): Column => ({
    name: 'n',
    type: DataType.Int64,
    values: BigInt64Array.from({ length: n }, (_, i) => BigInt(from + i) * 1_000_000_007n),
    valid: Uint8Array.from({ length: n }, (_, i) => (i % 4 === 1 ? 0 : 1)),
  });
  const vectors = (from: number, n: number): Column => ({
    name: 'v',
    type: DataType.FloatVector,
    dim: 3,
    values: Float32Array.from({ length: n * 3 }, (_, i) => from + i / 8),
  });
  const stored = async (column: Column, path: string) => {
    const { header, chunks } = encodeColumnParts([column]);
    return { ...header, file: await store.write(path, chunks) };
  };
  const keeps = [Uint32Array.of(0, 1, 2, 5, 6), Uint32Array.of(3)];
  for (const [make, width] of [
    [ints, 8],
    [vectors, 12],
  ] as const) {
    const parts = [make(0, 7), make(100, 4)];
    const files = [await stored(parts[0], `a/${width}.col`), await stored(parts[1], `b/${width}.col`)];
    const copied = await store.copyRows(
      files.map((f, i) => ({ file: f.file, bytes: f.bytes, validBytes: f.validBytes, keep: keeps[i] })),
      width,
      `c/${width}.col`,
    );
    const expected = encodeColumnParts(parts.map((p, i) => pickRows(p, keeps[i])));
    assert.deepEqual(Buffer.from(await store.read(copied.file)), Buffer.concat(expected.chunks));
    assert.equal(copied.bytes, expected.header.bytes);
    assert.equal(copied.validBytes, expected.header.validBytes);
  }
  const [source] = readdirSync(join(store.root, 'a'));
  const damaged = await readFile(join(store.root, 'a', source));
  damaged[3] ^= 1;
  await writeFile(join(store.root, 'a', source), damaged);
  const file = { name: `a/${source}`, bytes: damaged.byteLength, crc: 0 };
  await assert.rejects(store.copyRows([{ file, bytes: 8, validBytes: 0, keep: Uint32Array.of(0) }], 8, 'c/bad.col'), InvalidFileError);
  assert.ok(!existsSync(join(store.root, 'c', 'bad.col.tmp')));
});
