#!/bin/sh
# One host's CI job, the same in every CI system (ci/github/twinbench.yml, ci/gitlab/twinbench.gitlab-ci.yml):
# set the host up, run `bench all`, render the reports, and gate on the host's baseline with `bench check`.
#
#   TWINBENCH_HOST      the host's label (the runner label / tag it ran on; default: hostname)
#   TWINBENCH_FLAGS     bench all's flags (default: --suite quick); --out is set here
#   TWINBENCH_OUT       artifacts folder; this host's files go to $TWINBENCH_OUT/$TWINBENCH_HOST (default: twinbench-out)
#   TWINBENCH_BASELINE  the host's earlier results (a folder or one file, from ci/fetch-baseline.sh), or `first-run`
#                       when the host is known to have none; empty fails the job unless TWINBENCH_FIRST_RUN=1
#   TWINBENCH_FIRST_RUN=1   accept a job with no baseline (a host's first run): nothing is gated, and it says so
#   TWINBENCH_CONFIRM=0     do not run the suite a second time when the check says regressed or inconclusive
#   TWINBENCH_INCONCLUSIVE=warn  an inconclusive check (exit 7) ends the job with a warning annotation and exit 0
#   TWINBENCH_HISTORY_RUNS  how many runs history.tar keeps (default 20)
#   TWINBENCH_SKIP_SETUP=1  the runner is prepared already (its image carries what scripts/setup.sh installs)
#
# Writes result.json, report.md, report.html, check.md, check.junit.xml (with a baseline), baseline/ (a copy of
# the history it was checked against, so the collect job's history shows it), confirm.json (a confirming run,
# when there was one), history.tar (the history with this run added: what the next job fetches) and status.json.
# Exit: bench all's when it failed (4: some trials errored, 2/3/5: nothing measured), else bench check's
# (1: regressed or an untrustworthy run, 7: inconclusive), 2 for a missing baseline that is not a first run.
# A dockerd that setup had to start is stopped at the end: nothing this job starts outlives it.
set -eu
cd "$(dirname "$0")/.."
host=${TWINBENCH_HOST:-$(hostname)}
case $host in */* | .* | '') echo "host-job: TWINBENCH_HOST must be a plain name, got '$host'" >&2; exit 2 ;; esac
out=${TWINBENCH_OUT:-twinbench-out}/$host
flags=${TWINBENCH_FLAGS:---suite quick}
baseline=${TWINBENCH_BASELINE:-}
keep=${TWINBENCH_HISTORY_RUNS:-20}
case $keep in '' | *[!0-9]* | 0) echo "host-job: TWINBENCH_HISTORY_RUNS must be a whole number above 0, got '$keep'" >&2; exit 2 ;; esac
case $baseline in
  first-run) baseline="" ;;
  '')
    # Fail closed: a fetch that printed nothing is no first run unless someone says so.
    if [ "${TWINBENCH_FIRST_RUN:-}" != 1 ]; then
      echo "host-job: no baseline (TWINBENCH_BASELINE is empty): set it from ci/fetch-baseline.sh, or TWINBENCH_FIRST_RUN=1 for this host's first run" >&2
      exit 2
    fi ;;
  *) if [ ! -e "$baseline" ]; then echo "host-job: TWINBENCH_BASELINE $baseline: no such file or folder" >&2; exit 2; fi ;;
esac
bench() { node bin/bench.js "$@"; }
summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '%s\n' "$1" >>"$GITHUB_STEP_SUMMARY"; fi; }

# Setup records each daemon it starts in this folder (<daemon>.pid); only those are stopped at the end.
TWINBENCH_STARTED=$(mktemp -d)
export TWINBENCH_STARTED
stop_started() { sh scripts/stop-started.sh "$TWINBENCH_STARTED"; }
# A cancelled job: the shell waits for bench (which cleans up after itself), then exits, then stops the daemons.
trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A self-hosted runner keeps its workspace: last run's files must not pass for this one's.
rm -rf "$out"
mkdir -p "$out/run"
if [ "${TWINBENCH_SKIP_SETUP:-}" != 1 ]; then
  # The runtimes and guest architecture the flags use (a suite file's too) get their packages and daemons: bench
  # reads the run line itself (bench setup -- all …), as scripts/twinbench.sh does.
  # shellcheck disable=SC2086 # the flags are words
  sh scripts/setup.sh -- all $flags --out "$out/run"
fi

all=0
# shellcheck disable=SC2086 # the flags are words
bench all $flags --out "$out/run" || all=$?
result=$(find "$out/run" -maxdepth 1 -name '*.json' | head -n 1)
name=$(basename "${result:-none}")
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
confirmed=""
if [ -n "$baseline" ]; then
  # The history it is checked against, copied: the collect job's history page shows it too.
  mkdir -p "$out/baseline"
  if [ -d "$baseline" ]; then find "$baseline" -name '*.json' -exec cp {} "$out/baseline/" \; ; else cp "$baseline" "$out/baseline/"; fi
  status=0
  # The step summary gets the final check once (below), not each check's own copy.
  GITHUB_STEP_SUMMARY='' bench check --baseline "$out/baseline" "$out/result.json" --junit "$out/check.junit.xml" --summary "$out/check.md" >/dev/null || status=$?
  if { [ "$status" -eq 1 ] || [ "$status" -eq 7 ]; } && [ "${TWINBENCH_CONFIRM:-1}" != 0 ] && [ "$all" -eq 0 ]; then
    # Regressed or inconclusive: a confirming run of the same software, and the check decides on both runs.
    echo "host-job: $host: check exit $status; a confirming run" >&2
    mkdir -p "$out/confirm-run"
    again=0
    # shellcheck disable=SC2086 # the flags are words
    bench all $flags --out "$out/confirm-run" || again=$?
    second=$(find "$out/confirm-run" -maxdepth 1 -name '*.json' | head -n 1)
    if [ "$again" -eq 0 ] && [ -n "$second" ]; then
      mv "$second" "$out/confirm.json"
      confirmed=$(basename "$second")
      status=0
      GITHUB_STEP_SUMMARY='' bench check --baseline "$out/baseline" "$out/result.json" "$out/confirm.json" --junit "$out/check.junit.xml" --summary "$out/check.md" >/dev/null || status=$?
    else
      echo "host-job: $host: the confirming run failed (exit $again); the first check stands" >&2
    fi
    rm -rf "$out/confirm-run"
  fi
  check=$status
  summary "$(cat "$out/check.md")"
else
  note="### twinbench on $host: no baseline yet (first run)

Nothing was gated. This run starts the host's history (history.tar): later runs are checked against it once it holds 2 runs."
  printf '%s\n' "$note" >"$out/check.md"
  summary "$note"
fi
printf '{"host": "%s", "benchAll": %s, "check": %s, "result": "result.json"}\n' "$host" "$all" "$check" >"$out/status.json"
echo "host-job: $host: bench all exit $all, check ${check}; files in $out" >&2
if [ "$all" -ne 0 ]; then exit "$all"; fi
if [ "$check" = 1 ]; then exit 1; fi
# The history the next job fetches: the baseline's runs and this one (and its confirming run), the newest $keep by name.
mkdir -p "$out/history"
if [ -d "$out/baseline" ]; then cp "$out/baseline/"*.json "$out/history/" 2>/dev/null || true; fi
cp "$out/result.json" "$out/history/$name"
if [ -n "$confirmed" ]; then cp "$out/confirm.json" "$out/history/$confirmed"; fi
ls "$out/history" | LC_ALL=C sort -r | tail -n +"$((keep + 1))" | while read -r old; do rm -f "$out/history/$old"; done
tar -cf "$out/history.tar" -C "$out/history" .
rm -rf "$out/history"
if [ "$check" = 7 ]; then
  if [ "${TWINBENCH_INCONCLUSIVE:-}" = warn ]; then
    echo "::warning title=twinbench on $host: inconclusive::a gating figure is neither regressed nor shown unchanged; see check.md (more history or a confirming run decides it)"
    exit 0
  fi
  exit 7
fi
exit 0
