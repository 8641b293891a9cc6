#!/usr/bin/env bash
# Builds the C++ engine without Node and runs its unit tests with ctest.
#   scripts/test-native.sh         this machine's architecture
#   scripts/test-native.sh arm64   cross-compiled for arm64 and run under qemu-aarch64
#                                  (on an arm64 host the native run already covers NEON)
#   scripts/test-native.sh sanitize  built with AddressSanitizer and UndefinedBehaviorSanitizer:
#                                  any memory error, leak or undefined behaviour fails the run
#   scripts/test-native.sh tsan    built with ThreadSanitizer: any data race fails the run
#                                  (races inside Debian's uninstrumented librocksdb are not ours:
#                                  scripts/tsan.supp leaves them out)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || sysctl -n hw.ncpu)

if [ "${1:-}" = "arm64" ]; then
  case "$(uname -m)" in
    aarch64|arm64) echo "test:arm64: host is arm64; NEON is covered by test:native"; exit 0 ;;
  esac
  for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
    command -v "$tool" >/dev/null || { echo "test:arm64 needs $tool: run npm run setup" >&2; exit 1; }
  done
  dir=build-engine-arm64
  cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE=native/cmake/aarch64-linux-gnu.cmake \
    -DQUIVERDB_TESTS=ON -DQUIVERDB_ROCKSDB=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
elif [ "${1:-}" = "sanitize" ]; then
  dir=build-engine-sanitize
  flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
  cmake -S . -B "$dir" -DQUIVERDB_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
elif [ "${1:-}" = "tsan" ]; then
  dir=build-engine-tsan
  cmake -S . -B "$dir" -DQUIVERDB_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-fsanitize=thread -g" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/scripts/tsan.supp"
else
  dir=build-engine
  cmake -S . -B "$dir" -DQUIVERDB_TESTS=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$dir" -j "$jobs" >/dev/null
ctest --test-dir "$dir" --output-on-failure
