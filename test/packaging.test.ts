// What a user gets from npm: `npm run compile:prebuild` makes a self-contained binary, `npm pack`
// ships it, and installing the tarball with --ignore-scripts (no compiler, no network,
// no install step) gives a working package, through import and through require.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { root, runNode } from './helpers.js';

const prebuildDir = join(root, 'prebuilds');
const hadPrebuilds = existsSync(prebuildDir);
const work = mkdtempSync(join(tmpdir(), 'quiverdb-pack-'));
after(() => {
  rmSync(work, { recursive: true, force: true });
  // Leave the checkout as it was, so later tests load the local build.
  if (!hadPrebuilds) rmSync(prebuildDir, { recursive: true, force: true });
});

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// The first prebuild on a machine compiles RocksDB from source (scripts/rocksdb-static.sh).
const FIRST_BUILD = 45 * 60_000;

test('the prebuilt addon needs nothing beyond the C library', { skip: process.platform !== 'linux' && 'ldd is Linux-only', timeout: FIRST_BUILD }, () => {
  runNode([join(root, 'scripts', 'prebuild.mjs')], { cwd: root });
  const binary = join(prebuildDir, `${process.platform}-${process.arch}`, 'quiverdb.node');
  const libs = execFileSync('ldd', [binary], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter(Boolean)
    .map((name) => name.replace(/^.*\//, ''));
  assert.ok(libs.length > 0);
  for (const lib of libs) {
    assert.match(lib, /^(linux-vdso\.so|libc\.so|libm\.so|libpthread\.so|libdl\.so|ld-linux)/, `unexpected dependency ${lib}`);
  }
});

test('npm pack ships the prebuild; an --ignore-scripts install loads it', { timeout: FIRST_BUILD }, async () => {
  if (!existsSync(join(prebuildDir, `${process.platform}-${process.arch}`, 'quiverdb.node'))) {
    runNode([join(root, 'scripts', 'prebuild.mjs')], { cwd: root });
  }
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root));
  const files: string[] = packed.files.map((f: { path: string }) => f.path);
  assert.ok(files.includes(`prebuilds/${process.platform}-${process.arch}/quiverdb.node`));
  for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'package.json']) {
    assert.ok(files.includes(f), `${f} missing from the tarball`);
  }
  // No sources and no binding.gyp: npm must never try to compile on install.
  assert.ok(!files.some((f) => f === 'binding.gyp' || f.startsWith('native/') || f.startsWith('src/')));

  const app = join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', join(work, packed.filename)], app);

  // A search and a round trip through the statically linked RocksDB (rocksmq).
  const search =
    `const i = new q.FlatIndex({ dim: 3, metric: 'COSINE' }); await i.add([[1, 0, 0], [0, 1, 0]], [10n, 20n]);` +
    ` const r = await i.search([0, 2, 0], 1);` +
    ` const mq = await q.RocksMq.open({ path: require('node:path').join(require('node:os').tmpdir(), 'qv-pack-' + process.pid + Math.random()) });` +
    ` await mq.createTopic('t'); await mq.producer('t').send('hi'); const got = await (await mq.consumer('t', 'g')).receive();` +
    ` await mq.close(); console.log(String(r.ids[0]), q.simd().active, new TextDecoder().decode(got[0].payload));`;
  const esm = runNode(
    [
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); const q = await import('quiverdb'); ${search}`,
    ],
    { cwd: app },
  );
  const cjs = runNode(['-e', `(async () => { const q = require('quiverdb'); ${search} })()`], { cwd: app });
  assert.match(esm, /^20 \w+ hi$/m);
  assert.equal(cjs, esm);
  // It loaded the shipped binary: the tarball has no other.
  assert.ok(!existsSync(join(app, 'node_modules', 'quiverdb', 'build')));
});
