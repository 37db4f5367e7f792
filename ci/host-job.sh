#!/bin/sh
# One host's CI job, the same in every CI system (ci/github/twinbench.yml, ci/gitlab/twinbench.gitlab-ci.yml):
# set the host up, run `bench all`, render the reports, and gate on the host's baseline with `bench check`.
#
#   TWINBENCH_HOST      the host's label (the runner label / tag it ran on; default: hostname)
#   TWINBENCH_FLAGS     bench all's flags (default: --suite quick); --out is set here
#   TWINBENCH_OUT       artifacts folder; this host's files go to $TWINBENCH_OUT/$TWINBENCH_HOST (default: twinbench-out)
#   TWINBENCH_BASELINE  the baseline result file (from ci/fetch-baseline.sh); empty: no check, this run can become one
#   TWINBENCH_SKIP_SETUP=1  the runner is prepared already (its image carries what scripts/setup.sh installs)
#
# Writes result.json, report.md, report.html, check.md, check.junit.xml (with a baseline), baseline.json (a
# copy of it, so the collect job's history shows both) and status.json. Exit: bench all's when it failed
# (4: some trials errored, 2/3/5: nothing measured), else bench check's (1: regressed or an untrustworthy run).
# A dockerd that setup had to start is stopped at the end: nothing this job starts outlives it.
set -eu
cd "$(dirname "$0")/.."
host=${TWINBENCH_HOST:-$(hostname)}
case $host in */* | .* | '') echo "host-job: TWINBENCH_HOST must be a plain name, got '$host'" >&2; exit 2 ;; esac
out=${TWINBENCH_OUT:-twinbench-out}/$host
flags=${TWINBENCH_FLAGS:---suite quick}
baseline=${TWINBENCH_BASELINE:-}
if [ -n "$baseline" ] && [ ! -f "$baseline" ]; then echo "host-job: TWINBENCH_BASELINE $baseline: no such file" >&2; exit 2; fi
bench() { node bin/bench.js "$@"; }
summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '%s\n' "$1" >>"$GITHUB_STEP_SUMMARY"; fi; }

pidfiles=""
for name in DOCKERD LIBVIRTD VIRTLOGD PODMAN; do
  file=$(mktemp)
  pidfiles="$pidfiles $file"
  export "TWINBENCH_${name}_PIDFILE=$file"
done
# shellcheck disable=SC2086 # temporary files without spaces
stop_started() { sh scripts/stop-started.sh $pidfiles; }
# A cancelled job: the shell waits for bench (which cleans up after itself), then exits, then stops the daemons.
trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A self-hosted runner keeps its workspace: last run's files must not pass for this one's.
rm -rf "$out"
mkdir -p "$out/run"
if [ "${TWINBENCH_SKIP_SETUP:-}" != 1 ]; then
  # The runtimes the flags name get their packages and daemons too (as scripts/twinbench.sh does).
  runtimes=$(printf '%s\n' "$flags" | sed -n 's/.*--runtimes[= ]\([^ ]*\).*/\1/p')
  if [ -n "$runtimes" ]; then sh scripts/setup.sh --runtimes "$runtimes"; else sh scripts/setup.sh; fi
fi

all=0
# shellcheck disable=SC2086 # the flags are words
bench all $flags --out "$out/run" || all=$?
result=$(find "$out/run" -maxdepth 1 -name '*.json' | head -n 1)
if [ -z "$result" ]; then
  echo "host-job: $host: bench all wrote no result (exit $all)" >&2
  printf '{"host": "%s", "benchAll": %s, "check": null, "result": null}\n' "$host" "$all" >"$out/status.json"
  summary "### twinbench on $host: no result (bench all exit $all)"
  [ "$all" -ne 0 ] || exit 70
  exit "$all"
fi
mv "$result" "$out/result.json"
mv "${result%.json}.md" "$out/report.md"
rmdir "$out/run" 2>/dev/null || true
bench report "$out/result.json" --format html --out "$out/report.html" >/dev/null

check=null
if [ -n "$baseline" ]; then
  cp "$baseline" "$out/baseline.json"
  status=0
  bench check --baseline "$out/baseline.json" "$out/result.json" --junit "$out/check.junit.xml" --summary "$out/check.md" >/dev/null || status=$?
  check=$status
else
  note="### twinbench on $host: no baseline yet

Nothing was gated. This run's \`result.json\` becomes the baseline of later runs when it is promoted, or by itself when this is a successful run of the default branch (see ci/README.md)."
  printf '%s\n' "$note" >"$out/check.md"
  summary "$note"
fi
printf '{"host": "%s", "benchAll": %s, "check": %s, "result": "result.json"}\n' "$host" "$all" "$check" >"$out/status.json"
echo "host-job: $host: bench all exit $all, check ${check}; files in $out" >&2
if [ "$all" -ne 0 ]; then exit "$all"; fi
if [ "$check" != null ] && [ "$check" -ne 0 ]; then exit "$check"; fi
exit 0
