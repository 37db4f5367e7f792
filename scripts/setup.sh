#!/bin/sh
# Make this host ready for twinbench. What must happen before Node.js exists happens here: a supported Node.js
# (>= 20.12; Debian 12's own is 18) and, in a source tree, the npm dependencies and the TypeScript build. Then
# `bench setup` does the rest through the runtime table (src/setup/): host packages (only the missing ones, said
# aloud), a foreign guest architecture, each runtime's daemons and host checks. Safe to run again.
#
#   scripts/setup.sh [--arch amd64|arm64] [--runtimes a,b|all] [--vagrant] [-- all|calibrate FLAGS…]
#   scripts/setup.sh --node-only
#
# --runtimes: also these runtimes (all: every one with host packages); after --, a bench command line whose
# runtimes and guest architecture (flags and suite file alike) are prepared. Each daemon bench setup starts is
# recorded in the folder $TWINBENCH_STARTED (if set) as <daemon>.pid, which scripts/stop-started.sh reads to stop
# exactly those; a host's own daemons are never recorded.
set -eu
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

# --vagrant is the same as --runtimes vagrant (kept for callers of earlier versions); --node-only stops once a
# supported Node.js is there (the fleet playbook installs the package before the rest); the rest is bench setup's.
args=""
node_only=""
for arg in "$@"; do
  case $arg in
    --vagrant) arg=--runtimes=vagrant ;;
    --node-only) node_only=1 && continue ;;
  esac
  args="$args $(printf "'%s'" "$(printf '%s' "$arg" | sed "s/'/'\\\\''/g")")"
done
eval "set -- $args"

if [ "$(id -u)" != 0 ]; then
  say "run as root: it installs Debian packages and starts daemons" && exit 3
fi
case $(uname -m) in
  x86_64 | aarch64) ;;
  *) say "unsupported architecture $(uname -m)" && exit 3 ;;
esac

# Node.js: package.json's engines (>= 20.12). A host without a supported one gets the newest pinned LTS build from
# the npm registry (scripts/node-releases), into /usr/local.
node_supported() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 12) ? 0 : 1)' 2>/dev/null
}
if ! node_supported; then
  node_lts=$(sed -e 's/#.*//' scripts/node-releases | awk '$1 ~ /^[0-9]+$/ { print $1 }' | sort -n | tail -n 1)
  say "Node.js $(node --version 2>/dev/null || echo 'absent') is not supported (>= 20.12): will install Node.js $node_lts LTS from the npm registry into /usr/local"
  if ! command -v curl >/dev/null 2>&1; then
    say "missing curl: will install curl (downloading Node.js)"
    say "apt-get update (package lists are needed to install)"
    apt-get update -qq
    say "apt-get install curl"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl >&2
  fi
  sh scripts/node-release.sh "$node_lts" /usr/local
  if ! command -v npm >/dev/null 2>&1 || ! npm --version >/dev/null 2>&1; then sh scripts/node-release.sh npm /usr/local; fi
  hash -r 2>/dev/null || true
  node_supported || { say "Node.js $node_lts was installed into /usr/local but \`node\` still runs $(node --version): put /usr/local/bin first in PATH" && exit 3; }
  say "Node.js $(node --version), npm $(npm --version)"
fi

[ -z "$node_only" ] || exit 0

if [ ! -f tsconfig.json ]; then
  # A packed package: built already. Installed (npm install -g), npm brought its dependencies; merely unpacked (the
  # fleet playbook sets a host up before installing), bench setup needs them here.
  if node -e "require.resolve('commander')" >/dev/null 2>&1; then
    say "installed package (npm install -g twinbench-*.tgz): built already, dependencies installed by npm"
  else
    say "npm install --omit=dev (an unpacked package: bench setup needs its dependencies)"
    npm install --omit=dev --no-package-lock --no-audit --no-fund --loglevel=error >&2
  fi
else
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci (npm dependencies)"
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
  say "npm run build (TypeScript)"
  npm run --silent build >&2
fi

exec node bin/bench.js setup "$@"
