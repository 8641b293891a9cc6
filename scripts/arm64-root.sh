#!/usr/bin/env bash
# Prints the folder of Debian 12's arm64 packages that the linux-arm64 prebuild needs, fetched
# from Debian's archive and unpacked once (then cached), without touching the system's dpkg:
#  - the static libraries it links: RocksDB and its compressors (usr/lib/aarch64-linux-gnu/*.a);
#  - an arm64 Node (Debian's nodejs, 18.x) with its libraries, which the packaging test runs
#    under qemu-aarch64 -L <folder> to load the prebuild.
set -euo pipefail
root="${QUIVERDB_CACHE:-$HOME/.cache/quiverdb}/arm64-root"
if [ -f "$root/.complete" ]; then echo "$root"; exit 0; fi

packages=(
  librocksdb-dev libsnappy-dev liblz4-dev libzstd-dev zlib1g-dev libbz2-dev
  nodejs libnode108 libc6 libgcc-s1 libstdc++6 libbrotli1 libc-ares2 libicu72 libnghttp2-14 libssl3 libuv1 zlib1g
  node-acorn node-cjs-module-lexer node-undici node-busboy
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial" "$work/archives/partial" "$work/debs"
cat > "$work/parts/debian.sources" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_opts=(-qq -o "Dir::Etc::SourceParts=$work/parts" -o "Dir::Etc::SourceList=/dev/null" -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache::Archives=$work/archives" -o "APT::Architecture=arm64" -o "APT::Architectures::=arm64")
apt-get "${apt_opts[@]}" update >&2
(cd "$work/debs" && apt-get "${apt_opts[@]}" download "${packages[@]/%/:arm64}" >&2) 2>&1 | grep -v "unsandboxed" >&2 || true
rm -rf "$root.partial"
mkdir -p "$root.partial"
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$root.partial"; done
[ -f "$root.partial/usr/lib/aarch64-linux-gnu/librocksdb.a" ] || { echo "arm64-root: librocksdb.a was not fetched" >&2; exit 1; }
touch "$root.partial/.complete"
rm -rf "$root"
mv "$root.partial" "$root"
echo "$root"
