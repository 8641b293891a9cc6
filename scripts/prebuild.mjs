// npm run compile:prebuild: builds prebuilds/<platform>-<arch>/quiverdb.node, linked statically
// against RocksDB, its compressors and libstdc++, so that a user's machine needs no
// compiler and no system RocksDB. On Linux the result depends only on libc, libm,
// libpthread/libdl, libgcc_s (which Node loads too) and the loader (checked here with ldd),
// and on no glibc newer than 2.28 (native/storage/glibc_floor.cpp; test/packaging.test.ts).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build-prebuild');
const target = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');

// Linux: Debian's librocksdb.a cannot go into a shared object (see scripts/rocksdb-static.sh),
// so link a position-independent build of the same release. macOS: Homebrew's is fine.
const rocksdb =
  process.platform === 'linux'
    ? [
        `--CDQUIVERDB_ROCKSDB_ROOT=${execFileSync('bash', [join(root, 'scripts', 'rocksdb-static.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()}`,
      ]
    : [];
execFileSync(process.execPath, [cmakeJs, 'compile', '--out', buildDir, '--CDQUIVERDB_STATIC=ON', ...rocksdb], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
mkdirSync(target, { recursive: true });
const out = join(target, 'quiverdb.node');
copyFileSync(join(buildDir, 'Release', 'quiverdb.node'), out);

if (process.platform === 'linux') {
  const allowed = /^(linux-vdso|libc|libm|libpthread|libdl|libgcc_s|ld-linux|\/lib64\/ld-linux)/;
  const deps = execFileSync('ldd', [out], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter(Boolean);
  const extra = deps.filter((name) => !allowed.test(name.replace(/^.*\//, '')));
  if (extra.length > 0) {
    console.error(`prebuild: ${out} depends on ${extra.join(', ')}; it must need only the C library`);
    process.exit(1);
  }
}
console.log(`prebuild: ${out}`);
