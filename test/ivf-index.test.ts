import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { dataDir, readFvecs, readIvecs, recallAtK } from '../src/datasets.js';
import { native } from '../src/errors.js';
import {
  ClosedError,
  DimensionMismatchError,
  InvalidArgumentError,
  InvalidFileError,
  IoError,
  IvfIndex,
  type IvfIndexOptions,
  type IvfType,
  NotTrainedError,
  TrainingSetTooSmallError,
  VersionMismatchError,
} from '../src/index.js';
import { loadNative } from '../src/native/load.js';
import { bitset, randomVectors, root, sequentialIds } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'quiverdb-ivf-'));
after(() => rmSync(work, { recursive: true, force: true }));

const sift = join(dataDir(root), 'siftsmall');
const base = readFvecs(join(sift, 'base.fvecs'));
const queries = readFvecs(join(sift, 'query.fvecs'));
const truth = readIvecs(join(sift, 'groundtruth.ivecs'));
const ids = sequentialIds(base.count);

async function built(type: IvfType, extra: Partial<IvfIndexOptions> = {}) {
  const index = new IvfIndex({ dim: base.dim, type, nlist: 64, m: 32, keepVectors: true, ...extra });
  await index.train(base.data);
  await index.add(base.data, ids);
  return index;
}

describe('IvfIndex on siftsmall', () => {
  for (const [type, refine, floor] of [
    ['IVF_FLAT', 1, 0.95],
    ['IVF_SQ8', 1, 0.9],
    ['IVF_PQ', 8, 0.9],
  ] as const) {
    test(`${type}: high recall@10 at nprobe 16, and more probes find more`, async () => {
      const index = await built(type);
      assert.equal(index.size, base.count);
      assert.equal(index.trained, true);
      assert.equal(index.type, type);
      const few = await index.search(queries.data, 10, { nprobe: 2, refine });
      const many = await index.search(queries.data, 10, { nprobe: 16, refine });
      const rFew = recallAtK(few.ids, 10, truth, 10);
      const rMany = recallAtK(many.ids, 10, truth, 10);
      assert.ok(rMany >= floor, `${type} recall@10 ${rMany} at nprobe 16`);
      assert.ok(rMany >= rFew, `${type}: ${rMany} at nprobe 16 < ${rFew} at nprobe 2`);
      const sizes = index.listSizes();
      assert.equal(sizes.length, 64);
      assert.equal(
        sizes.reduce((a, b) => a + b, 0),
        base.count,
      );
    });
  }

  test('IVF_FLAT probing every cell is exact', async () => {
    const index = await built('IVF_FLAT');
    const all = await index.search(queries.data, 10, { nprobe: 64 });
    assert.equal(recallAtK(all.ids, 10, truth, 10), 1);
  });

  test('saved indexes load back and give the same results', async () => {
    for (const type of ['IVF_FLAT', 'IVF_SQ8', 'IVF_PQ'] as const) {
      const index = await built(type, { metric: 'COSINE' });
      await index.remove([1, 2, 3]);
      const path = join(work, `${type}.qvivf`);
      await index.save(path);
      const loaded = await IvfIndex.load(path);
      assert.deepEqual(loaded.params, index.params);
      assert.equal(loaded.size, index.size);
      const options = { nprobe: 4, refine: 4 };
      const a = await index.search(queries.data, 10, options);
      const b = await loaded.search(queries.data, 10, options);
      assert.deepEqual(b.ids, a.ids);
      assert.deepEqual(b.distances, a.distances);
      // Mapped: the lists stay in the file, the answers are the same.
      const mapped = await IvfIndex.load(path, { mmap: true });
      assert.ok(mapped.mappedUsage() > 0);
      assert.equal(loaded.mappedUsage(), 0);
      assert.ok(mapped.memoryUsage() < loaded.memoryUsage());
      const c = await mapped.search(queries.data, 10, options);
      assert.deepEqual(c.ids, a.ids);
      assert.deepEqual(c.distances, a.distances);
    }
    await assert.rejects(IvfIndex.load(join(work, 'IVF_FLAT.qvivf'), { mmap: 'yes' } as never), InvalidArgumentError);
  });

  test('an index file of format 2 (QuiverDB 0.1.0, lists row-major) still loads, mapped or not', async () => {
    // test/fixtures/ivf-flat-v2.qvivf: 600 vectors of 8 from this generator, ids 3 x row, nlist 8.
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const vectors = Float32Array.from({ length: 600 * 8 }, next);
    const fixture = fileURLToPath(new URL('./fixtures/ivf-flat-v2.qvivf', import.meta.url));
    for (const mmap of [false, true]) {
      const index = await IvfIndex.load(fixture, { mmap });
      assert.equal(index.mappedUsage(), 0); // read into memory: its lists are not laid out for mapping
      const hits = await index.search(vectors.subarray(0, 16), 5, { nprobe: 2 });
      // What 0.1.0 answered when it saved the file.
      assert.deepEqual(Array.from(hits.ids, String), ['0', '591', '681', '255', '1557', '3', '375', '1695', '1749', '897']);
    }
  });
});

test('a filtered search returns k hits whenever k rows pass', async () => {
  const index = await built('IVF_SQ8');
  const passing = new Set<number>();
  for (let r = 3; r < base.count; r += 997) passing.add(r); // 11 rows, all over the space
  const exclude = bitset(base.count, (r) => !passing.has(r));
  const results = await index.search(queries.data.subarray(0, 5 * base.dim), 10, { nprobe: 1, exclude });
  for (const hits of results) {
    assert.equal(hits.ids.length, 10);
    for (const id of hits.ids) assert.ok(passing.has(Number(id)));
  }
});

test('progress is reported in order before the Promise settles, and the loop keeps ticking', async () => {
  const dim = 64;
  const vectors = randomVectors(60_000, dim, 5);
  const index = new IvfIndex({ dim, nlist: 512, iterations: 8 });
  const seen: number[] = [];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const start = performance.now();
  await index.train(vectors, { onProgress: (f) => seen.push(f) });
  const ms = performance.now() - start;
  clearInterval(timer);
  assert.ok(seen.length >= 2, `progress events: ${seen}`);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    seen,
  );
  assert.ok(seen.every((f) => f > 0 && f <= 1));
  assert.ok(ms > 20, `training was too short to tell (${ms} ms)`);
  assert.ok(ticks >= 3, `only ${ticks} ticks during a ${ms.toFixed(0)} ms training`);
  const added: number[] = [];
  await index.add(vectors, sequentialIds(60_000), { onProgress: (f) => added.push(f) });
  assert.equal(added.at(-1), 1);
});

test('searches run while vectors are added', async () => {
  const index = new IvfIndex({ dim: 16, nlist: 16, type: 'IVF_FLAT' });
  const vectors = randomVectors(20_000, 16, 6);
  await index.train(vectors);
  const adds = Array.from({ length: 10 }, (_, b) => index.add(vectors.subarray(b * 2000 * 16, (b + 1) * 2000 * 16), sequentialIds(2000, b * 2000)));
  const searches = Array.from({ length: 20 }, () => index.search(vectors.subarray(0, 16), 5));
  await Promise.all([...adds, ...searches]);
  assert.equal(index.size, 20_000);
  assert.equal((await index.search(vectors.subarray(0, 16), 1, { nprobe: 16 })).ids[0], 0n);
});

test('close frees the index: work already queued finishes, every later call is a ClosedError', async () => {
  const index = new IvfIndex({ dim: 16, nlist: 16 });
  const vectors = randomVectors(4000, 16, 8);
  await index.train(vectors);
  await index.add(vectors, sequentialIds(4000));
  const queries = vectors.subarray(0, 16 * 5);
  const expected = await index.search(queries, 3, { nprobe: 16 });
  const running = index.search(queries, 3, { nprobe: 16 });
  index.close();
  assert.deepEqual((await running).ids, expected.ids);
  assert.throws(() => index.size, ClosedError);
  assert.throws(() => index.memoryUsage(), ClosedError);
  await assert.rejects(index.search(queries, 1), ClosedError);
  await assert.rejects(index.add(vectors.subarray(0, 16), [99_999]), ClosedError);
  await assert.rejects(index.save(join(work, 'closed.qvivf')), ClosedError);
  assert.deepEqual([index.dim, index.metric, index.type, index.nlist], [16, 'L2', 'IVF_FLAT', 16]);
  index.close(); // a second time: nothing
  // The native object on its own refuses with the same code.
  const raw = new (loadNative().IvfIndex)({ dim: 4, metric: 'L2', type: 'IVF_FLAT', nlist: 2 });
  raw.close();
  assert.throws(() => raw.size, { code: 'QV_CLOSED' });
  await assert.rejects(
    native(() => raw.search(new Float32Array(4), 1, 1, 1)),
    ClosedError,
  );
});

describe('IvfIndex bad input', () => {
  test('untrained, too few training vectors, bad m, bad options', async () => {
    const index = new IvfIndex({ dim: 8, nlist: 100 });
    await assert.rejects(index.add(randomVectors(1, 8, 1), [1]), NotTrainedError);
    await assert.rejects(index.search(randomVectors(1, 8, 1), 1), NotTrainedError);
    await assert.rejects(index.save(join(work, 'untrained')), NotTrainedError);
    await assert.rejects(index.train(randomVectors(99, 8, 1)), (e: unknown) => {
      assert.ok(e instanceof TrainingSetTooSmallError);
      assert.equal(e.code, 'QV_TRAINING_TOO_SMALL');
      return true;
    });
    await assert.rejects(new IvfIndex({ dim: 8, type: 'IVF_PQ', m: 4, nlist: 2 }).train(randomVectors(100, 8, 1)), TrainingSetTooSmallError);
    await assert.rejects(index.train(randomVectors(10, 7, 1)), DimensionMismatchError);
    assert.equal(index.trained, false);
    assert.throws(() => new IvfIndex({ dim: 8, type: 'IVF_PQ', m: 3 }), InvalidArgumentError);
    assert.throws(() => new IvfIndex({ dim: 8, type: 'IVF_PQ' }), InvalidArgumentError);
    assert.throws(() => new IvfIndex({ dim: 8, type: 'IVF_PQ', m: 4, nbits: 4 }), InvalidArgumentError);
    assert.throws(() => new IvfIndex({ dim: 8, nlist: 0 }), InvalidArgumentError);
    assert.throws(() => new IvfIndex({ dim: 8, type: 'HNSW' as IvfType }), InvalidArgumentError);
    await index.train(randomVectors(500, 8, 2));
    await assert.rejects(index.search(randomVectors(1, 8, 1), 1, { nprobe: 0 }), InvalidArgumentError);
    await assert.rejects(index.search(randomVectors(1, 8, 1), 1, { refine: 1.5 }), InvalidArgumentError);
  });

  test('damaged, foreign and missing files', async () => {
    const index = await built('IVF_FLAT');
    const path = join(work, 'good.qvivf');
    await index.save(path);
    const bytes = readFileSync(path);
    writeFileSync(join(work, 'truncated.qvivf'), bytes.subarray(0, bytes.length - 100));
    await assert.rejects(IvfIndex.load(join(work, 'truncated.qvivf')), InvalidFileError);
    const other = Buffer.from(bytes);
    other.writeUInt32LE(99, 8);
    writeFileSync(join(work, 'v2.qvivf'), other);
    await assert.rejects(IvfIndex.load(join(work, 'v2.qvivf')), VersionMismatchError);
    writeFileSync(join(work, 'foreign.qvivf'), 'not an index at all');
    await assert.rejects(IvfIndex.load(join(work, 'foreign.qvivf')), InvalidFileError);
    await assert.rejects(IvfIndex.load(join(work, 'missing.qvivf')), IoError);
    await assert.rejects(index.save(join(work, 'no-such-dir', 'x.qvivf')), IoError);
  });
});

test('the index node builds from a vector file natively: the same index as train and add, and a damaged file is refused', async () => {
  const { IvfIndex: NativeIvf, crc32c } = loadNative();
  const dim = 16;
  const rows = 3000;
  const vectors = randomVectors(rows, dim, 21);
  const path = join(work, 'vectors.col');
  writeFileSync(path, vectors);
  const params = { dim, metric: 'L2' as const, type: 'IVF_FLAT' as const, nlist: 16, background: true };
  const fromFile = new NativeIvf(params);
  await fromFile.buildFromFile(path, rows, crc32c(new Uint8Array(vectors.buffer)));
  const fromArrays = new NativeIvf(params);
  await fromArrays.train(vectors);
  await fromArrays.add(
    vectors,
    BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)),
  );
  const queries = randomVectors(5, dim, 22);
  assert.deepEqual(await fromFile.search(queries, 10, 2, 1), await fromArrays.search(queries, 10, 2, 1));
  const damaged = new NativeIvf(params);
  await assert.rejects(
    native(() => damaged.buildFromFile(path, rows, 12345)),
    InvalidFileError,
  );
  await assert.rejects(
    native(() => damaged.buildFromFile(path, rows + 1, crc32c(new Uint8Array(vectors.buffer)))),
    InvalidFileError,
  );
});
