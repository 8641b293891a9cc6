// Native work runs on QuiverDB's own threads: a 1 ms timer keeps firing while it runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FlatIndex } from '../src/index.js';
import { randomVectors, sequentialIds } from './helpers.js';

async function ticksDuring(work: () => Promise<unknown>): Promise<{ ticks: number; ms: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const start = performance.now();
  await work();
  const ms = performance.now() - start;
  clearInterval(timer);
  return { ticks, ms };
}

test('the event loop keeps ticking during a long add and a long search', async () => {
  const dim = 128;
  const count = 100_000;
  const index = new FlatIndex({ dim });
  const base = randomVectors(count, dim, 31);

  const add = await ticksDuring(() => index.add(base, sequentialIds(count)));
  // A blocked loop would fire the timer at most once, after the call returned.
  assert.ok(add.ticks >= 3, `only ${add.ticks} ticks during a ${add.ms.toFixed(0)} ms add`);

  // 2000 queries x 100k rows x 128 dims is billions of multiply-adds: long on any machine.
  const queries = randomVectors(2000, dim, 32);
  const search = await ticksDuring(() => index.search(queries, 10));
  assert.ok(search.ms > 20, `the search was too short to tell (${search.ms} ms)`);
  assert.ok(search.ticks >= 5, `only ${search.ticks} ticks during a ${search.ms.toFixed(0)} ms search`);
});

test('an idle index does not keep the process alive', async () => {
  // If the addon held the loop open, this child would never exit and the test would time out.
  const { runNode, root } = await import('./helpers.js');
  const out = runNode(
    [
      '--import',
      'tsx',
      '-e',
      "import('./src/index.ts').then(async (q) => { const i = new q.FlatIndex({ dim: 2 }); await i.add([[1, 2]], [1]); await i.search([1, 2], 1); console.log('done'); })",
    ],
    { cwd: root, timeout: 30_000 },
  );
  assert.equal(out.trim(), 'done');
});
