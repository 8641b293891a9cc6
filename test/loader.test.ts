// How the addon is found: the override path, then prebuilds/, then the local build; and
// the ESM and CommonJS entry points of the built package.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { NativeLoadError } from '../src/index.js';
import { nativeCandidates } from '../src/native/load.js';
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
