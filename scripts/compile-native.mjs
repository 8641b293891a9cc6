// npm run compile:native: builds build/Release/quiverdb.node with cmake-js. The loader
// prefers prebuilds/ to the local build, so a prebuild of this platform that is older
// than the native sources would shadow the fresh build: it is removed (npm run compile:prebuild,
// or npm pack, makes a new one).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js'), 'compile', '--out', 'build'], {
  cwd: root,
  stdio: 'inherit',
});

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const prebuild = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'quiverdb.node');
if (existsSync(prebuild) && statSync(prebuild).mtimeMs < Math.max(newest(join(root, 'native')), newest(join(root, 'CMakeLists.txt')))) {
  rmSync(dirname(prebuild), { recursive: true, force: true });
  console.log(`compile:native: removed ${dirname(prebuild)}, older than the sources (npm run compile:prebuild makes a fresh one)`);
}
