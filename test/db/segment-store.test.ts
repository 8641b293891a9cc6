// Segment files: written whole or not at all, read back only when their CRC-32C matches.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import { InvalidFileError, IoError } from '../../src/index.js';
import { loadNative } from '../../src/native/load.js';
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
