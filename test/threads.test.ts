import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { after, test } from 'node:test';

import { FlatIndex, getThreads, InvalidArgumentError, setThreads, simd, versions } from '../src/index.js';
import { randomVectors, sequentialIds } from './helpers.js';

const initial = getThreads();
after(() => setThreads(initial));

test('the pool defaults to one thread per core and can be resized', async () => {
  const { availableParallelism } = await import('node:os');
  if (!process.env.QUIVERDB_THREADS) assert.equal(initial, availableParallelism());
  setThreads(1);
  assert.equal(getThreads(), 1);
  setThreads(3);
  assert.equal(getThreads(), 3);
  assert.throws(() => setThreads(0), InvalidArgumentError);
  assert.throws(() => setThreads(1.5), InvalidArgumentError);
});

test('on Linux the default counts only the cores the process may run on (taskset, cpusets)', {
  skip: process.platform !== 'linux' && 'CPU affinity is a Linux call',
}, () => {
  const script = "import('./src/index.ts').then(({ getThreads }) => console.log(getThreads()))";
  const run = (cores: string) =>
    Number(
      execFileSync('taskset', ['-c', cores, process.execPath, '--import', 'tsx', '-e', script], {
        encoding: 'utf8',
        env: { ...process.env, QUIVERDB_THREADS: '' },
      }),
    );
  assert.equal(run('0'), 1);
  if (cpus().length > 1) assert.equal(run('0,1'), 2);
});

test('results do not depend on the number of threads', async () => {
  const dim = 32;
  const index = new FlatIndex({ dim });
  await index.add(randomVectors(30_000, dim, 41), sequentialIds(30_000));
  const queries = randomVectors(300, dim, 42);
  setThreads(1);
  const one = await index.search(queries, 20);
  setThreads(2);
  const two = await index.search(queries, 20);
  setThreads(4);
  const four = await index.search(queries, 20);
  assert.deepEqual(one.ids, two.ids);
  assert.deepEqual(one.ids, four.ids);
  assert.deepEqual(one.distances, four.distances);
});

test('many searches in flight at once all settle correctly', async () => {
  const dim = 8;
  const index = new FlatIndex({ dim });
  const base = randomVectors(2000, dim, 43);
  await index.add(base, sequentialIds(2000));
  const searches = Array.from({ length: 200 }, (_, i) => index.search(base.subarray(i * dim, (i + 1) * dim), 1));
  const results = await Promise.all(searches);
  for (const [i, r] of results.entries()) assert.equal(r.ids[0], BigInt(i));
});

test('simd and versions describe the native build', () => {
  const { active, supported } = simd();
  assert.ok(supported.includes('scalar'));
  assert.ok(supported.includes(active));
  if (process.arch === 'x64' && supported.includes('avx512') && !process.env.QUIVERDB_SIMD) assert.equal(active, 'avx512');
  if (process.arch === 'arm64') assert.equal(active, 'neon');
  const v = versions();
  assert.equal(v.napi, 8);
  assert.match(v.rocksdb, /^\d+\.\d+\.\d+/);
});
