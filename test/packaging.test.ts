// What a user gets from npm: `npm run compile:prebuild` makes a self-contained binary, `npm pack`
// ships it, and installing the tarball with --ignore-scripts (no compiler, no network,
// no install step) gives a working package, through import and through require.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** The folder the packed tarball is installed in (by the second test; the third uses it). */
let app = '';

// A search, a round trip through the statically linked RocksDB (rocksmq), and an error thrown
// in C++ that reaches JavaScript typed (the unwinder works), as `q` (the package) sees them.
const SEARCH =
  `const i = new q.FlatIndex({ dim: 3, metric: 'COSINE' }); await i.add([[1, 0, 0], [0, 1, 0]], [10n, 20n]);` +
  ` const r = await i.search([0, 2, 0], 1);` +
  ` const mq = await q.RocksMq.open({ path: require('node:path').join(require('node:os').tmpdir(), 'qv-pack-' + process.pid + Math.random()) });` +
  ` await mq.createTopic('t'); await mq.producer('t').send('hi'); const got = await (await mq.consumer('t', 'g')).receive();` +
  ` await mq.close(); const thrown = await i.add([[0, 0, 1]], [10n]).catch((e) => e.code);` +
  ` console.log(String(r.ids[0]), q.simd().active, new TextDecoder().decode(got[0].payload), thrown);`;
const SEARCH_OUTPUT = /^20 \w+ hi QV_DUPLICATE_ID$/m;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// The first prebuild on a machine compiles RocksDB from source (scripts/rocksdb-static.sh).
const FIRST_BUILD = 45 * 60_000;

/** The Linux prebuilds this machine makes: its own, and on x86-64 the arm64 one it cross-compiles. */
const linuxArches = process.platform !== 'linux' ? [] : process.arch === 'x64' ? ['x64', 'arm64'] : [process.arch];
const binaryOf = (arch: string) => join(prebuildDir, `linux-${arch}`, 'quiverdb.node');

for (const arch of linuxArches) {
  test(`linux-${arch}: the prebuild needs only libc and libgcc_s, no glibc newer than 2.28, no external buffers`, { timeout: FIRST_BUILD }, () => {
    runNode([join(root, 'scripts', 'prebuild.mjs'), '--arch', arch], { cwd: root });
    const binary = binaryOf(arch);
    assert.match(execFileSync('file', [binary], { encoding: 'utf8' }), arch === 'arm64' ? /ARM aarch64/ : /x86-64/);
    const needed = [...execFileSync('readelf', ['-dW', binary], { encoding: 'utf8' }).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    assert.ok(needed.length > 0);
    for (const lib of needed) assert.match(lib, /^(libc|libm|libpthread|libdl|libgcc_s|ld-linux)[.-]/, `unexpected dependency ${lib}`);
    // glibc 2.28 is the floor (Node 20 runs on nothing older): no symbol version above it, and
    // no C++ runtime versions (libstdc++ is inside).
    const versions = new Set(execFileSync('objdump', ['-T', binary], { encoding: 'utf8' }).match(/\((GLIBC|GLIBCXX|CXXABI)_[0-9.]+\)/g));
    const newer = [...versions].filter((v) => !v.startsWith('(GLIBC_') || v.slice(7, -1).split('.').map(Number)[1] > 28);
    assert.deepEqual(newer, [], 'symbol versions above GLIBC_2.28');
    // Electron refuses memory V8 does not own in ArrayBuffers: the addon never makes one.
    const napi = new Set(execFileSync('objdump', ['-T', binary], { encoding: 'utf8' }).match(/\bnapi_\w+/g));
    assert.ok(napi.has('napi_create_arraybuffer'), 'the addon makes V8-owned ArrayBuffers');
    for (const external of ['napi_create_external_arraybuffer', 'napi_create_external_buffer']) assert.ok(!napi.has(external), `${external} is imported`);
  });
}

test('npm pack ships the prebuild; an --ignore-scripts install loads it', { timeout: FIRST_BUILD }, async () => {
  if (!existsSync(join(prebuildDir, `${process.platform}-${process.arch}`, 'quiverdb.node'))) {
    runNode([join(root, 'scripts', 'prebuild.mjs')], { cwd: root });
  }
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root));
  const files: string[] = packed.files.map((f: { path: string }) => f.path);
  assert.ok(files.includes(`prebuilds/${process.platform}-${process.arch}/quiverdb.node`));
  for (const arch of linuxArches) assert.ok(files.includes(`prebuilds/linux-${arch}/quiverdb.node`), `linux-${arch} is in the tarball`);
  // npm's os and cpu fields name every platform shipped.
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { os: string[]; cpu: string[] };
  for (const path of files.filter((f) => f.startsWith('prebuilds/'))) {
    const [platform, arch] = path.split('/')[1].split('-');
    assert.ok(manifest.os.includes(platform) && manifest.cpu.includes(arch), `${path}: os and cpu fields`);
  }
  const sizes = (packed.files as { path: string; size: number }[])
    .filter((f) => f.path.startsWith('prebuilds/'))
    .map((f) => `${f.path} ${(f.size / 2 ** 20).toFixed(1)} MiB`);
  console.log(`packed ${(packed.size / 2 ** 20).toFixed(1)} MiB, unpacked ${(packed.unpackedSize / 2 ** 20).toFixed(1)} MiB; ${sizes.join(', ')}`);
  for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'package.json']) {
    assert.ok(files.includes(f), `${f} missing from the tarball`);
  }
  // No sources and no binding.gyp: npm must never try to compile on install.
  assert.ok(!files.some((f) => f === 'binding.gyp' || f.startsWith('native/') || f.startsWith('src/')));

  app = join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', join(work, packed.filename)], app);

  const esm = runNode(
    [
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); const q = await import('quiverdb'); ${SEARCH}`,
    ],
    { cwd: app },
  );
  const cjs = runNode(['-e', `(async () => { const q = require('quiverdb'); ${SEARCH} })()`], { cwd: app });
  assert.match(esm, SEARCH_OUTPUT);
  assert.equal(cjs, esm);
  // It loaded the shipped binary: the tarball has no other.
  assert.ok(!existsSync(join(app, 'node_modules', 'quiverdb', 'build')));
});

const inRoot = process.platform === 'linux' && process.arch === 'x64' && process.getuid?.() === 0;

test('in a Debian 11 root (glibc 2.31) with only Node copied in, the installed package works', {
  skip: !inRoot && 'needs Linux x86-64 and root (chroot)',
  timeout: 15 * 60_000,
}, () => {
  assert.ok(app, 'the install test ran first');
  const rootDir = execFileSync('bash', [join(root, 'scripts', 'old-root.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const glibc = execFileSync('chroot', [rootDir, '/usr/bin/ldd', '--version'], { encoding: 'utf8' });
  assert.match(glibc, /GLIBC 2\.31|2\.31$/m, 'the root has glibc 2.31');
  assert.ok(!existsSync(join(rootDir, 'usr', 'bin', 'g++')) && !existsSync(join(rootDir, 'usr', 'bin', 'cc')), 'no compiler in the root');
  const appInRoot = join(rootDir, 'app');
  rmSync(appInRoot, { recursive: true, force: true });
  cpSync(app, appInRoot, { recursive: true });
  copyFileSync(process.execPath, join(rootDir, 'usr', 'local', 'bin', 'node'));
  const script = `(async () => { const q = require('quiverdb'); ${SEARCH} })()`;
  const output = execFileSync('chroot', [rootDir, '/bin/sh', '-c', `cd /app && /usr/local/bin/node -e "$0"`, script], { encoding: 'utf8' });
  assert.match(output, SEARCH_OUTPUT);
});

test('linux-arm64: under qemu-aarch64, an arm64 Node loads the installed package with NEON kernels', {
  skip: !linuxArches.includes('arm64') && 'the arm64 prebuild is cross-compiled on Linux x86-64',
  timeout: 10 * 60_000,
}, () => {
  assert.ok(app, 'the install test ran first');
  const arm64Root = execFileSync('bash', [join(root, 'scripts', 'arm64-root.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const node = join(arm64Root, 'usr', 'bin', 'node');
  const script = `(async () => { const q = require('quiverdb'); ${SEARCH} })()`;
  const output = execFileSync('qemu-aarch64', ['-L', arm64Root, node, '-e', script], { cwd: app, encoding: 'utf8' });
  assert.match(output, SEARCH_OUTPUT);
  assert.match(output, /^20 neon hi/m);
  assert.match(execFileSync('qemu-aarch64', ['-L', arm64Root, node, '-p', 'process.arch'], { encoding: 'utf8' }), /^arm64$/m);
});
