#!/bin/sh
# Set the host up (see setup.sh), then run `bench` with the given arguments, e.g. `scripts/twinbench.sh all`.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
exec node bin/bench.js "$@"
