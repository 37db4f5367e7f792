# Sourced by scripts/test.sh (and by its background lab-host job): how a suite of node --test files runs.
# The test files below a folder: Node.js 22 and later read a folder argument as one file, 20 as a folder.
tests_in() { find "$1" -name '*.test.js' | LC_ALL=C sort; }
# suite NAME "FILES" [node --test options…]: spec output to stdout, TAP to $tapdir/NAME.tap for the summary.
suite() {
  name=$1
  files=$2
  shift 2
  if [ -z "$files" ]; then
    echo "test: no test file for the $name suite: it would run nothing" >&2
    return 1
  fi
  # shellcheck disable=SC2086 # paths without spaces
  node --test "$@" --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$tapdir/$name.tap" $files
}
