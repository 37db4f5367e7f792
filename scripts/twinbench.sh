#!/bin/sh
# Set the host up (see setup.sh), then run `bench` with the given arguments, e.g. `scripts/twinbench.sh all`.
set -eu
cd "$(dirname "$0")/.."
# The Vagrant runtime's packages and daemons are set up only when it is asked for.
case " $* " in
  *vagrant*) sh scripts/setup.sh --vagrant ;;
  *) sh scripts/setup.sh ;;
esac
exec node bin/bench.js "$@"
