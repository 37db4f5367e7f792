#!/bin/sh
# Fetch a pinned Node.js LTS build (or npm) from the npm registry, check its sha512 against
# scripts/node-releases, and unpack it under PREFIX (bin/node; npm: lib/node_modules/npm + bin/npm, bin/npx).
# Downloads are kept in ${TWINBENCH_CACHE:-~/.cache/twinbench}/node-releases.
#   sh scripts/node-release.sh 24 /usr/local     # Node.js 24 for this host's architecture
#   sh scripts/node-release.sh npm /usr/local    # npm, for a host that had no Node.js at all
#   sh scripts/node-release.sh --print-dir 22    # unpack into the cache and print that prefix
# Exit 2: bad arguments or no pinned release; 3: download or checksum failure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
say() { printf 'node-release: %s\n' "$*" >&2; }

print_dir=""
if [ "${1:-}" = --print-dir ]; then print_dir=1; shift; fi
what=${1:-}
target=${2:-}
case $(uname -m) in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) say "no Node.js build pinned for $(uname -m)" && exit 2 ;;
esac
case $what in
  npm) package=npm ;;
  [0-9]*) package=node-linux-$arch ;;
  *) say "usage: node-release.sh [--print-dir] <major|npm> [prefix]" && exit 2 ;;
esac
line=$(sed -e 's/#.*//' "$here/node-releases" | awk -v m="$what" -v p="$package" '$1 == m && $3 == p { print; exit }')
[ -n "$line" ] || { say "no pinned release '$what' of $package in scripts/node-releases" && exit 2; }
set -- $line
version=$2 sha512=$4

cache=${TWINBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/twinbench}/node-releases
mkdir -p "$cache"
tarball="$cache/$package-$version.tgz"
if [ ! -s "$tarball" ] || [ "$(sha512sum "$tarball" | cut -d' ' -f1)" != "$sha512" ]; then
  url="https://registry.npmjs.org/$package/-/$package-$version.tgz"
  say "downloading $url"
  command -v curl >/dev/null 2>&1 || { say "curl is needed to download $url" && exit 3; }
  curl -fsSL --retry 3 -o "$tarball.part" "$url" || { rm -f "$tarball.part"; say "download failed: $url" && exit 3; }
  got=$(sha512sum "$tarball.part" | cut -d' ' -f1)
  if [ "$got" != "$sha512" ]; then
    rm -f "$tarball.part"
    say "$package $version: sha512 $got is not the pinned $sha512" && exit 3
  fi
  mv "$tarball.part" "$tarball"
fi

if [ -n "$print_dir" ]; then
  prefix="$cache/$package-$version"
  if [ ! -x "$prefix/bin/node" ] && [ "$package" != npm ]; then
    mkdir -p "$prefix/bin"
    tar -xzf "$tarball" -C "$prefix/bin" --strip-components=2 package/bin/node
  fi
  echo "$prefix"
  exit 0
fi
[ -n "$target" ] || { say "usage: node-release.sh <major|npm> <prefix>" && exit 2; }
prefix=$target
mkdir -p "$prefix/bin"
if [ "$package" = npm ]; then
  rm -rf "$prefix/lib/node_modules/npm"
  mkdir -p "$prefix/lib/node_modules/npm"
  tar -xzf "$tarball" -C "$prefix/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$prefix/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$prefix/bin/npx"
else
  tar -xzf "$tarball" -C "$prefix/bin" --strip-components=2 package/bin/node
fi
say "$package $version in $prefix"
