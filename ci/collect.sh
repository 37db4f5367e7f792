#!/bin/sh
# The final job, the same in every CI system: every host's files (IN/<host>/…, as ci/host-job.sh wrote them)
# become one cross-host comparison and a history page in OUT.
#   sh ci/collect.sh IN OUT
# Writes OUT/fleet.md (each host's outcome; hosts without a result are listed, never dropped), OUT/compare.md
# (bench compare of every host's result.json; a row per host beyond 6 hosts), OUT/history.html and
# OUT/history.md (bench history over every result and baseline). Appends fleet.md to $GITHUB_STEP_SUMMARY.
# Exit 0 when it could report (hosts' own failures are their jobs'), 2 when IN has no host's files at all.
set -eu
in=${1:?usage: collect.sh IN OUT}
out=${2:?usage: collect.sh IN OUT}
here=$(pwd)
cd "$(dirname "$0")/.."
case $in in /*) ;; *) in=$here/$in ;; esac
case $out in /*) ;; *) out=$here/$out ;; esac
if [ ! -f dist/src/cli/main.js ]; then npm ci --no-audit --no-fund --loglevel=error >&2 && npm run --silent build >&2; fi
bench() { node bin/bench.js "$@"; }
mkdir -p "$out"
hosts=$(find "$in" -mindepth 1 -maxdepth 1 -type d | LC_ALL=C sort)
if [ -z "$hosts" ]; then echo "collect: no host folders in $in (did any host job upload its files?)" >&2; exit 2; fi
{
  echo "# twinbench fleet"
  echo
  echo "| host | bench all | check | result |"
  echo "|---|---|---|---|"
} >"$out/fleet.md"
results=""
count=0
for dir in $hosts; do
  host=$(basename "$dir")
  if [ -f "$dir/status.json" ]; then
    line=$(node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const all = s.benchAll === 0 ? "ok" : s.benchAll === 4 ? "exit 4 (some trials errored)" : `exit ${s.benchAll}`; const check = s.check === null ? "no baseline" : s.check === 0 ? "passed" : s.check === 1 ? "**failed**" : s.check === 7 ? "inconclusive" : `exit ${s.check}`; process.stdout.write(`${all} | ${check}`)' "$dir/status.json")
  else
    line="no status (the job did not finish) | —"
  fi
  if [ -f "$dir/result.json" ]; then
    results="$results $dir/result.json"
    count=$((count + 1))
    echo "| $host | $line | $host/result.json |" >>"$out/fleet.md"
  else
    echo "| $host | $line | **none** |" >>"$out/fleet.md"
  fi
done
if [ "$count" -ge 2 ]; then
  # shellcheck disable=SC2086 # paths without spaces: host labels are plain names
  bench compare $results >"$out/compare.md"
  printf '\nCross-host comparison of %s hosts: compare.md.\n' "$count" >>"$out/fleet.md"
else
  echo "Only $count host(s) with a result: nothing to compare across hosts." | tee "$out/compare.md" >>"$out/fleet.md"
fi
if [ "$count" -ge 1 ]; then
  bench history "$in" --out "$out/history.html" --summary "$out/history.md" >/dev/null
  printf 'History (every result and baseline): history.html, history.md.\n' >>"$out/fleet.md"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$out/fleet.md" >>"$GITHUB_STEP_SUMMARY"; fi
cat "$out/fleet.md"
