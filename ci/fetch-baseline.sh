#!/bin/sh
# Print the path of this host's baseline result file, or nothing when it has none yet (exit 0 either way;
# exit 2 for a bad argument). In order:
#   1. ci/baselines/$TWINBENCH_HOST.json, committed: a baseline promoted by hand (see ci/README.md);
#   2. github: result.json of this host's artifact in the last successful run of this workflow on the
#      default branch (gh CLI with GH_TOKEN; TWINBENCH_WORKFLOW, TWINBENCH_DEFAULT_BRANCH);
#      gitlab: the same file from the last successful pipeline of the default branch, through the job
#      artifacts API with CI_JOB_TOKEN.
# The file is written to $TWINBENCH_BASELINE_DIR (default: twinbench-baseline).
set -eu
cd "$(dirname "$0")/.."
system=${1:-}
case $system in github | gitlab | file) ;; *) echo "fetch-baseline: say github, gitlab or file, got '$system'" >&2; exit 2 ;; esac
host=${TWINBENCH_HOST:-$(hostname)}
dir=${TWINBENCH_BASELINE_DIR:-twinbench-baseline}
rm -rf "$dir"
mkdir -p "$dir"
if [ -f "ci/baselines/$host.json" ]; then
  echo "fetch-baseline: $host: the promoted baseline ci/baselines/$host.json" >&2
  echo "ci/baselines/$host.json"
  exit 0
fi
case $system in
  github)
    if ! command -v gh >/dev/null 2>&1; then echo "fetch-baseline: $host: no gh CLI on this runner, so no baseline from earlier runs" >&2; exit 0; fi
    branch=${TWINBENCH_DEFAULT_BRANCH:-main}
    run=$(gh run list --repo "${GITHUB_REPOSITORY:?}" --workflow "${TWINBENCH_WORKFLOW:-twinbench.yml}" --branch "$branch" --status success --limit 1 --json databaseId --jq '.[0].databaseId // empty' 2>/dev/null || true)
    if [ -n "$run" ] && gh run download "$run" --repo "$GITHUB_REPOSITORY" --name "twinbench-$host" --dir "$dir/run" >/dev/null 2>&1 && [ -f "$dir/run/$host/result.json" ]; then
      mv "$dir/run/$host/result.json" "$dir/baseline.json"
      echo "fetch-baseline: $host: result.json of run $run on $branch" >&2
      echo "$dir/baseline.json"
    else
      echo "fetch-baseline: $host: no successful run on $branch with this host's artifact yet" >&2
    fi
    ;;
  gitlab)
    branch=${CI_DEFAULT_BRANCH:-main}
    url="${CI_API_V4_URL:?}/projects/${CI_PROJECT_ID:?}/jobs/artifacts/$branch/raw/${TWINBENCH_OUT:-twinbench-out}/$host/result.json"
    if curl -fsSL -G --header "JOB-TOKEN: ${CI_JOB_TOKEN:?}" --data-urlencode "job=${CI_JOB_NAME:?}" -o "$dir/baseline.json" "$url" 2>/dev/null; then
      echo "fetch-baseline: $host: result.json of the last successful $branch pipeline" >&2
      echo "$dir/baseline.json"
    else
      rm -f "$dir/baseline.json"
      echo "fetch-baseline: $host: no successful $branch pipeline with this host's artifact yet" >&2
    fi
    ;;
  file) echo "fetch-baseline: $host: no promoted baseline (ci/baselines/$host.json)" >&2 ;;
esac
