// binding.gyp builds the same addon from the same single list of sources as CMake.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, test } from 'node:test';

import { root, runNode } from './helpers.js';

const sources = JSON.parse(readFileSync(join(root, 'native', 'sources.json'), 'utf8')) as Record<string, string[]>;
const listed = [...sources.engine, ...sources.storage, ...sources.binding];

function cppFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? cppFiles(join(dir, e.name)) : e.name.endsWith('.cpp') ? [relative(root, join(dir, e.name))] : [],
  );
}

test('native/sources.json lists every C++ source, and both builds read it', () => {
  // static_linux holds what only the static Linux prebuild links (CMake), not binding.gyp.
  assert.deepEqual([...listed, ...sources.static_linux].sort(), cppFiles(join(root, 'native')).sort());
  assert.match(readFileSync(join(root, 'CMakeLists.txt'), 'utf8'), /native\/sources\.json/);
  const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8');
  const command = /"<!@\(node -p \\"(.*)\\"\)"/.exec(gyp);
  assert.ok(command, 'binding.gyp takes its sources from a node command');
  const expanded = runNode(['-p', command[1].replace(/\\"/g, '"')], { cwd: root })
    .trim()
    .split(' ');
  assert.deepEqual(expanded, listed);
});

const work = mkdtempSync(join(tmpdir(), 'quiverdb-gyp-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('node-gyp builds a working addon from binding.gyp', { timeout: 600_000 }, () => {
  // A copy, so node-gyp's build/ does not collide with cmake-js's.
  for (const entry of ['binding.gyp', 'package.json', 'native']) cpSync(join(root, entry), join(work, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
  // Build against the headers installed with the running Node, so nothing is downloaded.
  const prefixes = [(process.config.variables as { node_prefix?: string }).node_prefix ?? '', dirname(dirname(process.execPath))];
  const prefix = prefixes.find((p) => existsSync(join(p, 'include', 'node', 'node_api.h')));
  const nodedir = prefix ? [`--nodedir=${prefix}`] : [];
  runNode([join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild', '-j', '2', ...nodedir], { cwd: work });
  const addon = join(work, 'build', 'Release', 'quiverdb.node');
  const out = runNode(
    [
      '--input-type=module',
      '-e',
      `const q = await import('quiverdb'); const i = new q.FlatIndex({ dim: 2 }); await i.add([[0, 0], [3, 4]], [1, 2]); const r = await i.search([3, 4], 1); console.log(String(r.ids[0]), q.versions().napi);`,
    ],
    { cwd: root, env: { ...process.env, QUIVERDB_NATIVE_PATH: addon } },
  );
  assert.equal(out.trim(), '2 8');
});
