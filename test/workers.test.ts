// QuiverDB in worker_threads, as Electron utility processes and worker pools use it:
// workers load the addon and are terminated in the middle of searches, IvfIndex.add
// and rocksmq sends, or exit on their own. The process must survive every round, with
// the local build and with the static prebuild that users install.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { root, runNode } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'quiverdb-workers-'));
const prebuildDir = join(root, 'prebuilds');
const hadPrebuilds = existsSync(prebuildDir);
after(() => {
  rmSync(work, { recursive: true, force: true });
  if (!hadPrebuilds) rmSync(prebuildDir, { recursive: true, force: true }); // later tests load the local build
});

const fixture = join(root, 'test', 'fixtures', 'worker-churn.mjs');
const entry = join(root, 'dist', 'index.js');
const churn = (addon: string) => runNode([fixture, entry, work, '6'], { env: { ...process.env, QUIVERDB_NATIVE_PATH: addon }, timeout: 240_000 }).trim();

test('workers terminated mid-work do not take the process down (local build)', { timeout: 300_000 }, () => {
  assert.equal(churn(join(root, 'build', 'Release', 'quiverdb.node')), 'survived');
});

test('workers terminated mid-work do not take the process down (static prebuild)', { timeout: 600_000 }, () => {
  runNode([join(root, 'scripts', 'prebuild.mjs')], { cwd: root });
  assert.equal(churn(join(prebuildDir, `${process.platform}-${process.arch}`, 'quiverdb.node')), 'survived');
});
