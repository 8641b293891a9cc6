#!/usr/bin/env bash
# Prints the folder of a minimal Debian 11 (bullseye, glibc 2.31) root, made once with
# debootstrap from Debian's own archive and then cached: the packaging test loads the
# prebuild there, with only Node copied in, to show it needs no newer glibc than the root's
# and no compiler. Debian 10 (glibc 2.28) has left deb.debian.org, so 2.28 itself is checked
# on the binary's symbol versions instead.
set -euo pipefail
root="${QUIVERDB_CACHE:-$HOME/.cache/quiverdb}/bullseye-root"
if [ -x "$root/bin/sh" ] && [ -f "$root/.complete" ]; then echo "$root"; exit 0; fi
command -v debootstrap >/dev/null || { echo "old-root: debootstrap is missing (npm run setup installs it)" >&2; exit 1; }
rm -rf "$root.partial"
debootstrap --variant=minbase bullseye "$root.partial" http://deb.debian.org/debian >&2
touch "$root.partial/.complete"
rm -rf "$root"
mv "$root.partial" "$root"
echo "$root"
