#!/bin/sh
# Set the host up (see setup.sh), then run `bench` with the given arguments, e.g. `scripts/twinbench.sh all`.
set -eu
cd "$(dirname "$0")/.."
# The runtimes the arguments name (--runtimes a,b) get their host packages and daemons set up too.
runtimes=""
previous=""
for arg in "$@"; do
  case $arg in
    --runtimes=*) runtimes=${arg#--runtimes=} ;;
    *) [ "$previous" = "--runtimes" ] && runtimes=$arg ;;
  esac
  previous=$arg
done
if [ -n "$runtimes" ]; then sh scripts/setup.sh --runtimes "$runtimes"; else sh scripts/setup.sh; fi
exec node bin/bench.js "$@"
