#!/bin/sh
# Print this host's baseline: a folder of its earlier results (or one promoted file), or the word `first-run`
# when it is known to have none. Fails closed: any fetch that fails (no gh, an API error, an expired artifact)
# exits non-zero with the error's words, so the job fails instead of gating nothing. In order:
#   1. ci/baselines/$TWINBENCH_HOST/ (a folder of result files) or ci/baselines/$TWINBENCH_HOST.json, committed:
#      a baseline promoted by hand (see ci/README.md);
#   2. github: history.tar of this host's artifact in the last successful run of this workflow on the default
#      branch (gh CLI with GH_TOKEN; TWINBENCH_WORKFLOW, TWINBENCH_DEFAULT_BRANCH); no successful run at all is
#      a first run;
#      gitlab: the same file from the last successful default-branch pipeline, through the job artifacts API
#      with CI_JOB_TOKEN; GitLab answers 404 both for "never ran" and for "expired", so a 404 fails: a host's
#      first run says TWINBENCH_FIRST_RUN=1.
# TWINBENCH_FIRST_RUN=1 (and no promoted baseline): a first run, nothing fetched.
# history.tar (written by ci/host-job.sh) holds the host's earlier results and that run's own: the history grows
# by one run per successful job, up to TWINBENCH_HISTORY_RUNS (20). It is unpacked to $TWINBENCH_BASELINE_DIR
# (default: twinbench-baseline). Exit 2 for a bad argument, 1 when the fetch failed, 3 when a tool is missing.
set -eu
cd "$(dirname "$0")/.."
system=${1:-}
case $system in github | gitlab | file) ;; *) echo "fetch-baseline: say github, gitlab or file, got '$system'" >&2; exit 2 ;; esac
host=${TWINBENCH_HOST:-$(hostname)}
dir=${TWINBENCH_BASELINE_DIR:-twinbench-baseline}
rm -rf "$dir"
mkdir -p "$dir"
first_run() {
  echo "fetch-baseline: $host: $1: a first run, nothing to gate against" >&2
  echo first-run
  exit 0
}
fail() { echo "fetch-baseline: $host: $1" >&2; exit "${2:-1}"; }
unpack() { # history.tar → $dir/history (a run's own history.tar, or a result.json of a run from before histories)
  mkdir -p "$dir/history"
  if [ -f "$1/history.tar" ]; then
    tar -xf "$1/history.tar" -C "$dir/history" --no-same-owner --no-same-permissions || fail "cannot unpack $1/history.tar"
  elif [ -f "$1/result.json" ]; then
    cp "$1/result.json" "$dir/history/result.json"
  else
    fail "the artifact has neither history.tar nor result.json (expired, or not a twinbench job's)"
  fi
  echo "$dir/history"
}
if [ -d "ci/baselines/$host" ]; then
  echo "fetch-baseline: $host: the promoted baseline folder ci/baselines/$host/" >&2
  echo "ci/baselines/$host"
  exit 0
fi
if [ -f "ci/baselines/$host.json" ]; then
  echo "fetch-baseline: $host: the promoted baseline ci/baselines/$host.json" >&2
  echo "ci/baselines/$host.json"
  exit 0
fi
# Said by whoever runs the job: nothing is fetched.
if [ "${TWINBENCH_FIRST_RUN:-}" = 1 ]; then first_run "TWINBENCH_FIRST_RUN=1"; fi
case $system in
  github)
    command -v gh >/dev/null 2>&1 || fail "no gh CLI on this runner: cannot fetch the baseline (install gh, promote one in ci/baselines/, or set TWINBENCH_BASELINE)" 3
    branch=${TWINBENCH_DEFAULT_BRANCH:-main}
    runs=$(gh run list --repo "${GITHUB_REPOSITORY:?}" --workflow "${TWINBENCH_WORKFLOW:-twinbench.yml}" --branch "$branch" --status success --limit 1 --json databaseId --jq '.[0].databaseId // empty' 2>"$dir/gh.err") ||
      fail "gh run list failed: $(tr '\n' ' ' <"$dir/gh.err")"
    [ -n "$runs" ] || first_run "no successful run of this workflow on $branch yet"
    gh run download "$runs" --repo "$GITHUB_REPOSITORY" --name "twinbench-$host" --dir "$dir/run" >/dev/null 2>"$dir/gh.err" ||
      fail "run $runs on $branch succeeded but its artifact twinbench-$host could not be downloaded: $(tr '\n' ' ' <"$dir/gh.err")"
    echo "fetch-baseline: $host: the history of run $runs on $branch" >&2
    unpack "$dir/run/$host"
    ;;
  gitlab)
    command -v curl >/dev/null 2>&1 || fail "no curl on this runner: cannot fetch the baseline" 3
    branch=${CI_DEFAULT_BRANCH:-main}
    base="${CI_API_V4_URL:?}/projects/${CI_PROJECT_ID:?}/jobs/artifacts/$branch/raw/${TWINBENCH_OUT:-twinbench-out}/$host"
    mkdir -p "$dir/run"
    code=$(curl -sS -G --header "JOB-TOKEN: ${CI_JOB_TOKEN:?}" --data-urlencode "job=${CI_JOB_NAME:?}" -o "$dir/run/history.tar" -w '%{http_code}' "$base/history.tar" 2>"$dir/curl.err") ||
      fail "the job artifacts API did not answer: $(tr '\n' ' ' <"$dir/curl.err")"
    case $code in
      200) ;;
      404)
        rm -f "$dir/run/history.tar"
        fail "no history.tar from the last successful $branch pipeline (404: it never ran, or its artifacts expired); set TWINBENCH_FIRST_RUN=1 for a host's first run, or promote a baseline in ci/baselines/"
        ;;
      *) fail "the job artifacts API answered HTTP $code: $(head -c 300 "$dir/run/history.tar" | tr '\n' ' ')" ;;
    esac
    echo "fetch-baseline: $host: the history of the last successful $branch pipeline" >&2
    unpack "$dir/run"
    ;;
  file)
    fail "no promoted baseline (ci/baselines/$host/ or ci/baselines/$host.json); set TWINBENCH_FIRST_RUN=1 for a host's first run"
    ;;
esac
