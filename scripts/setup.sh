#!/usr/bin/env bash
# Makes a fresh machine ready to build, test and run QuiverDB, and is safe to run again:
#  - system packages, only those missing: RocksDB (headers and static library), nats-server,
#    CMake, a C++ compiler and openssl (the TLS test makes a certificate); on Linux x86-64 also
#    the arm64 cross compiler and qemu-user that run the NEON kernel tests, and debootstrap,
#    which makes the older Debian root the packaging test loads the prebuild in;
#  - npm dependencies, then the addon and the TypeScript (npm install runs `prepare`).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
case "$(uname -s)" in
  Linux)
    command -v apt-get >/dev/null || { echo "setup: only Debian/Ubuntu (apt-get) is automated; install librocksdb-dev, nats-server, cmake, g++ and openssl yourself" >&2; exit 1; }
    want=(librocksdb-dev nats-server cmake g++ make openssl)
    if [ "$(uname -m)" = "x86_64" ]; then want+=(g++-aarch64-linux-gnu qemu-user debootstrap); fi
    for pkg in "${want[@]}"; do
      dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
    done
    if [ ${#need[@]} -gt 0 ]; then
      echo "setup: installing ${need[*]}"
      sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
      $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
    fi
    ;;
  Darwin)
    command -v brew >/dev/null || { echo "setup: install Homebrew first (https://brew.sh)" >&2; exit 1; }
    for pkg in rocksdb nats-server cmake; do
      brew list --versions "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
    if [ ${#need[@]} -gt 0 ]; then echo "setup: brew install ${need[*]}"; brew install "${need[@]}"; fi
    ;;
  *) echo "setup: unsupported system $(uname -s)" >&2; exit 1 ;;
esac

# npm install builds everything through the `prepare` script (cmake-js, then tsup).
npm install --no-audit --no-fund
