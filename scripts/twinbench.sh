#!/bin/sh
# Set the host up (see setup.sh), then run `bench` with the given arguments, e.g. `scripts/twinbench.sh all`.
# The runtimes and guest architecture a bench all or calibrate line uses (flags and suite file alike) are
# prepared too: bench itself reads the line (bench setup -- …).
set -eu
cd "$(dirname "$0")/.."
case ${1:-} in
  all | calibrate) sh scripts/setup.sh -- "$@" ;;
  *) sh scripts/setup.sh ;;
esac
exec node bin/bench.js "$@"
