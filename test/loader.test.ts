// How the addon is found: the override path, then prebuilds/, then the local build; and
// the ESM and CommonJS entry points of the built package.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { NativeLoadError } from '../src/index.js';
import { loadAddon, nativeCandidates } from '../src/native/load.js';
import { root, runNode } from './helpers.js';

const localBuild = join(root, 'build', 'Release', 'quiverdb.node');
const useIndex = `const i = new q.FlatIndex({ dim: 2 }); await i.add([[0, 0], [1, 1]], [1, 2]); console.log(String((await i.search([0.9, 0.9], 1)).ids[0]));`;

test('candidates: the override alone when set, else prebuilds/ then build/Release', () => {
  assert.deepEqual(nativeCandidates({ QUIVERDB_NATIVE_PATH: '/opt/x/quiverdb.node' }), ['/opt/x/quiverdb.node']);
  assert.deepEqual(nativeCandidates({}), [join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'quiverdb.node'), localBuild]);
});

test('the ESM entry point loads and searches', () => {
  const out = runNode(['--input-type=module', '-e', `const q = await import('quiverdb'); ${useIndex}`], { cwd: root });
  assert.equal(out.trim(), '2');
});

test('the CommonJS entry point loads and searches', () => {
  const out = runNode(['-e', `(async () => { const q = require('quiverdb'); ${useIndex} })()`], { cwd: root });
  assert.equal(out.trim(), '2');
});

test('QUIVERDB_NATIVE_PATH loads the file it names', () => {
  const out = runNode(['--input-type=module', '-e', `const q = await import('quiverdb'); ${useIndex}`], {
    cwd: root,
    env: { ...process.env, QUIVERDB_NATIVE_PATH: localBuild },
  });
  assert.equal(out.trim(), '2');
});

test('a bad QUIVERDB_NATIVE_PATH is a NativeLoadError naming the path', () => {
  for (const path of [join(root, 'no-such-file.node'), join(root, 'package.json')]) {
    const script =
      `const q = await import('quiverdb'); try { new q.FlatIndex({ dim: 2 }); } ` +
      `catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, isQuiver: e instanceof q.QuiverError, message: e.message })); }`;
    const out = JSON.parse(runNode(['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, QUIVERDB_NATIVE_PATH: path } }));
    assert.equal(out.name, NativeLoadError.name);
    assert.equal(out.code, 'QV_NATIVE_LOAD');
    assert.equal(out.isQuiver, true);
    assert.ok(out.message.includes(path), out.message);
  }
});

test('darwin: the loader takes prebuilds/darwin-<arch>/ (a stand-in prebuild), and lists what it tried when there is none', () => {
  const packageDir = mkdtempSync(join(tmpdir(), 'quiverdb-loader-'));
  after(() => rmSync(packageDir, { recursive: true, force: true }));
  for (const arch of ['arm64', 'x64']) {
    const candidates = nativeCandidates({}, { platform: 'darwin', arch, root: packageDir });
    const prebuild = join(packageDir, 'prebuilds', `darwin-${arch}`, 'quiverdb.node');
    assert.deepEqual(candidates, [prebuild, join(packageDir, 'build', 'Release', 'quiverdb.node')]);
    assert.throws(
      () => loadAddon(candidates, `darwin-${arch}`),
      (error: unknown) =>
        error instanceof NativeLoadError && error.message.includes(`no QuiverDB addon for darwin-${arch}`) && error.message.includes(`${prebuild} (missing)`),
    );
    // A file there that is no addon is named in the error; this machine's addon standing in for the Mac's loads.
    mkdirSync(join(packageDir, 'prebuilds', `darwin-${arch}`), { recursive: true });
    writeFileSync(prebuild, 'not a Mach-O file');
    assert.throws(
      () => loadAddon(candidates),
      (error: unknown) => error instanceof NativeLoadError && error.message.includes(prebuild),
    );
    copyFileSync(localBuild, prebuild);
    assert.equal(typeof loadAddon(candidates).FlatIndex, 'function');
  }
});
