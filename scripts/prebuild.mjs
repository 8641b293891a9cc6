// npm run compile:prebuild: builds prebuilds/<platform>-<arch>/quiverdb.node, linked statically
// against RocksDB, its compressors and libstdc++, so that a user's machine needs no
// compiler and no system RocksDB. On Linux the result depends only on libc, libm,
// libpthread/libdl, libgcc_s (which Node loads too) and the loader (checked here from its
// dynamic section), and on no glibc newer than 2.28 (native/storage/glibc_floor.cpp;
// test/packaging.test.ts).
//
// `-- --arch arm64` on Linux x86-64 cross-compiles prebuilds/linux-arm64/ with Debian's
// aarch64 toolchain, against Debian's arm64 RocksDB and compressors (scripts/arm64-root.sh).
// `--all` (what `npm pack` runs) builds every prebuild this machine can: on Linux x86-64 both.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { arch: { type: 'string', default: process.arch }, all: { type: 'boolean' } } });
if (values.all && process.platform === 'linux' && process.arch === 'x64') {
  execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--arch', 'arm64'], { stdio: 'inherit' });
}
const arch = values.arch;
const cross = arch !== process.arch;
if (cross && !(process.platform === 'linux' && process.arch === 'x64' && arch === 'arm64')) {
  console.error(`prebuild: cross builds are linux x64 -> arm64 only, not ${process.arch} -> ${arch}`);
  process.exit(1);
}
const buildDir = join(root, cross ? `build-prebuild-${arch}` : 'build-prebuild');
const target = join(root, 'prebuilds', `${process.platform}-${arch}`);
const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
const script = (name, ...args) =>
  execFileSync('bash', [join(root, 'scripts', name), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

// Linux: Debian's librocksdb.a cannot go into a shared object (see scripts/rocksdb-static.sh),
// so link a position-independent build of the same release. macOS: Homebrew's is fine.
const flags = ['--CDQUIVERDB_STATIC=ON'];
// macOS: the oldest release the binary runs on (11, Big Sur: the first on Apple silicon).
// Homebrew's bottles target the Mac they were built for; the linker warns when they are newer.
if (process.platform === 'darwin') flags.push('--CDCMAKE_OSX_DEPLOYMENT_TARGET=11.0');
if (process.platform === 'linux') flags.push(`--CDQUIVERDB_ROCKSDB_ROOT=${script('rocksdb-static.sh', ...(cross ? [arch] : []))}`);
if (cross) {
  flags.push(
    '--arch',
    arch,
    `--CDCMAKE_TOOLCHAIN_FILE=${join(root, 'native', 'cmake', 'aarch64-linux-gnu.cmake')}`,
    `--CDQUIVERDB_STATIC_LIBS_DIR=${join(script('arm64-root.sh'), 'usr', 'lib', 'aarch64-linux-gnu')}`,
  );
}
execFileSync(process.execPath, [cmakeJs, 'compile', '--out', buildDir, ...flags], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
mkdirSync(target, { recursive: true });
const out = join(target, 'quiverdb.node');
copyFileSync(join(buildDir, 'Release', 'quiverdb.node'), out);

if (process.platform === 'linux') {
  // The libraries it names (readelf reads any architecture's binary; ldd would have to run it).
  const needed = [...execFileSync('readelf', ['-dW', out], { encoding: 'utf8' }).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const extra = needed.filter((name) => !/^(libc|libm|libpthread|libdl|libgcc_s|ld-linux)[.-]/.test(name));
  if (extra.length > 0) {
    console.error(`prebuild: ${out} depends on ${extra.join(', ')}; it must need only the C library and libgcc_s`);
    process.exit(1);
  }
}
console.log(`prebuild: ${out}`);
