#!/usr/bin/env bash
# Prints the folder of a RocksDB static library that can be linked into a shared object
# (lib/librocksdb.a, include/), for the static prebuild. Built once, then cached.
#
# Why: Debian's librocksdb.a is compiled as position-independent executable code. That
# links into a shared object, except for the nine files whose thread-locals use the
# local-exec TLS model, which no shared object may contain. This recompiles those nine
# files from Debian's own source package of the same release (fetched from the Debian
# mirror) with -fPIC and the same configuration (Debian builds without NDEBUG), and
# swaps them into a copy of the archive.
#
# Also util/crc32c.cc: Debian's portable build has only the table-driven CRC32C, which
# every WAL record, blob and read checks (about a sixth of rocksmq's CPU time with large
# messages). Compiled as RocksDB's own CMake does where the compiler allows it
# (-msse4.2 -mpclmul, HAVE_SSE42/HAVE_PCLMUL), it picks the CRC instruction at run time and
# falls back to the table on CPUs without SSE4.2.
#
# With "arm64" as its argument (on an x86-64 host), the same for the linux-arm64 prebuild:
# Debian's arm64 archive (scripts/arm64-root.sh), its nine files cross-compiled with
# aarch64-linux-gnu-g++.
set -euo pipefail
version=7.8.3
target="${1:-$(uname -m)}"
case "$target" in
  arm64)  # cross-compiled from an x86-64 host
    cxx=aarch64-linux-gnu-g++ ar=aarch64-linux-gnu-ar tls_le="R_AARCH64_TLSLE_"
    system="$(bash "$(dirname "$0")/arm64-root.sh")/usr/lib/aarch64-linux-gnu/librocksdb.a"
    cache="${QUIVERDB_CACHE:-$HOME/.cache/quiverdb}/rocksdb-$version-pic-arm64"
    ;;
  *)
    cxx=g++ ar=ar tls_le="R_X86_64_TPOFF(32|64)|R_AARCH64_TLSLE_"
    system=/usr/lib/$(gcc -dumpmachine)/librocksdb.a
    cache="${QUIVERDB_CACHE:-$HOME/.cache/quiverdb}/rocksdb-$version-pic-crc"
    ;;
esac
if [ -f "$cache/lib/librocksdb.a" ]; then echo "$cache"; exit 0; fi
[ -f "$system" ] || { echo "rocksdb-static: $system not found (apt-get install librocksdb-dev)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial" "$work/objects"
cat > "$work/parts/debian-src.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_opts=(-qq -o "Dir::Etc::SourceParts=$work/parts" -o "Dir::Etc::SourceList=/dev/null" -o "Dir::State::Lists=$work/lists")
(cd "$work" && apt-get "${apt_opts[@]}" update >&2 && apt-get "${apt_opts[@]}" source --download-only "rocksdb=$version-2" >&2) 2>&1 |
  grep -v "unsandboxed" >&2 || true
tar xzf "$work/rocksdb_$version.orig.tar.gz" -C "$work"
src="$work/rocksdb-$version"

# The defines Debian's CMake configuration produced on this platform (PORTABLE, all compressors).
defines="-DBZIP2 -DLZ4 -DOS_LINUX -DROCKSDB_FALLOCATE_PRESENT -DROCKSDB_LIB_IO_POSIX -DROCKSDB_MALLOC_USABLE_SIZE
  -DROCKSDB_NO_DYNAMIC_EXTENSION -DROCKSDB_PLATFORM_POSIX -DROCKSDB_PTHREAD_ADAPTIVE_MUTEX -DROCKSDB_RANGESYNC_PRESENT
  -DROCKSDB_SCHED_GETCPU_PRESENT -DSNAPPY -DZLIB -DZSTD"
for file in memory/concurrent_arena monitoring/iostats_context monitoring/perf_context monitoring/perf_level \
    monitoring/thread_status_updater monitoring/thread_status_util util/random util/thread_local \
    utilities/agg_merge/agg_merge; do
  # shellcheck disable=SC2086
  "$cxx" -std=gnu++17 -O2 -fPIC -pthread -fno-rtti -w $defines -I"$src" -I"$src/include" \
    -c "$src/$file.cc" -o "$work/objects/$(basename "$file").cc.o"
done
if [ "$target" = x86_64 ]; then
  # shellcheck disable=SC2086
  g++ -std=gnu++17 -O2 -fPIC -pthread -fno-rtti -w $defines -DHAVE_SSE42 -DHAVE_PCLMUL -msse4.2 -mpclmul \
    -I"$src" -I"$src/include" -c "$src/util/crc32c.cc" -o "$work/objects/crc32c.cc.o"
fi
cp "$system" "$work/librocksdb.a"
"$ar" r "$work/librocksdb.a" "$work"/objects/*.o
if readelf -rW "$work/librocksdb.a" | grep -qE "$tls_le"; then
  echo "rocksdb-static: local-exec TLS relocations remain" >&2
  exit 1
fi
mkdir -p "$cache.partial/lib"
cp "$work/librocksdb.a" "$cache.partial/lib/"
cp -r "$src/include" "$cache.partial/"
rm -rf "$cache"
mv "$cache.partial" "$cache"
echo "$cache"
