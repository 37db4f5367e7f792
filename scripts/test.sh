#!/bin/sh
# The whole test suite on a fresh host: set up, unit tests, images (cached), integration tests
# against the real Docker engine and real QEMU. Stops a dockerd it had to start.
set -eu
cd "$(dirname "$0")/.."
t0=$(date +%s)
at() { echo "at $(( $(date +%s) - t0 )) s"; }
# The test files below a folder: Node.js 22 and later read a folder argument as one file, 20 as a folder.
tests_in() { find "$1" -name '*.test.js' | LC_ALL=C sort; }
# Each suite's TAP stream, read back at the end (dist/test/tap-summary.js): a suite that ran no test, or a skip for
# a reason not on test/skip-allowlist.txt, fails npm test; and the time of every test is printed.
tapdir=$(mktemp -d)
suite() { # name folder [node --test options…]
  name=$1
  dir=$2
  shift 2
  files=$(tests_in "$dir")
  if [ -z "$files" ]; then
    echo "test: no test file in $dir: the $name suite would run nothing" >&2
    return 1
  fi
  # shellcheck disable=SC2086 # paths without spaces
  node --test "$@" --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$tapdir/$name.tap" $files
}
pidfile=$(mktemp)
libvirt_pidfile=$(mktemp)
virtlogd_pidfile=$(mktemp)
podman_pidfile=$(mktemp)
lts_log=$(mktemp)
export TWINBENCH_DOCKERD_PIDFILE=$pidfile TWINBENCH_LIBVIRTD_PIDFILE=$libvirt_pidfile TWINBENCH_VIRTLOGD_PIDFILE=$virtlogd_pidfile TWINBENCH_PODMAN_PIDFILE=$podman_pidfile
# Stop only the daemons this script started (a host's own dockerd or libvirtd stays).
stop_daemons() { sh scripts/stop-started.sh "$pidfile" "$libvirt_pidfile" "$virtlogd_pidfile" "$podman_pidfile"; }
# Ctrl-C or SIGTERM: the shell waits for the running step (which cleans up after itself), exits, and only
# then stops the daemons.
trap 'stop_daemons; rm -rf "$tapdir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The other architecture too: its paths are exercised under emulation (qemu-user, TCG).
case $(uname -m) in
  x86_64) other=arm64 ;;
  *) other=amd64 ;;
esac
# A clean build: tsc never removes what a deleted source left in dist/, and a stale test would still run.
rm -rf dist
# What setup changes on this host, checked against the README's list of host changes once it has run.
sh scripts/host-state.sh >"$tapdir/host-before.txt"
# Its words go to a file for that check and are shown once it ends (not through a pipe: a daemon it starts
# could hold the pipe open, and a pipe would hide setup's exit status).
setup_rc=0
sh scripts/setup.sh --arch "$other" --vagrant --runtimes docker-crun,podman 2>"$tapdir/setup.log" || setup_rc=$?
cat "$tapdir/setup.log" >&2
[ "$setup_rc" = 0 ] || exit "$setup_rc"
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: apt-get install chromium (headless browser for the HTML report test)" | tee -a "$tapdir/setup.log" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
fi
# The fleet test drives ansible/fleet.yml over SSH to an sshd it starts on loopback: Ansible, and the sshd
# binary. Installing openssh-server must not start the host's own sshd: where no policy-rc.d forbids service
# starts already, one does for the install, and goes.
if ! command -v ansible-playbook >/dev/null 2>&1 || [ ! -x /usr/sbin/sshd ]; then
  echo "test: apt-get install ansible-core openssh-server (the fleet playbook's test; the ssh service is not started)" | tee -a "$tapdir/setup.log" >&2
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-core openssh-server >&2 || status_install=$?
  [ -z "$policy" ] || rm -f "$policy"
  [ -z "${status_install:-}" ] || exit "$status_install"
fi

status=0
sh scripts/host-state.sh >"$tapdir/host-after.txt"
node dist/test/host-changes.js "$tapdir/host-before.txt" "$tapdir/host-after.txt" "$tapdir/setup.log" || status=1
echo "== unit tests (Node.js $(node --version)) [$(at)]"
suite unit dist/test/unit || status=1
# The supported LTS lines too (scripts/node-releases: pinned builds from the npm registry, cached), side by
# side: the unit suite times nothing, so sharing the CPUs changes only how long it takes.
lts_pids=""
for major in $(sed -e 's/#.*//' scripts/node-releases | awk '$1 ~ /^[0-9]+$/ { print $1 }' | sort -un); do
  (
    prefix=$(sh scripts/node-release.sh --print-dir "$major") || exit 1
    PATH="$prefix/bin:$PATH" node --test --test-reporter=dot $(tests_in dist/test/unit) >"$lts_log.$major" 2>&1
  ) &
  lts_pids="$lts_pids $major:$!"
done
for entry in $lts_pids; do
  major=${entry%%:*}
  wait "${entry#*:}" && verdict=passed || { verdict=FAILED; status=1; }
  echo "== unit tests (Node.js $major): $verdict [$(at)]"
  [ "$verdict" = passed ] || cat "$lts_log.$major"
  rm -f "$lts_log.$major"
done
rm -f "$lts_log"
echo "== images (built once, then cached in ${TWINBENCH_CACHE:-~/.cache/twinbench}) [$(at)]"
node bin/bench.js images build >/dev/null || status=1
node bin/bench.js images build --arch "$other" >/dev/null || status=1
echo "== integration tests (real Docker engine, real QEMU, real Vagrant + libvirt) [$(at)]"
suite integration dist/test/integration --test-concurrency=1 || status=1
echo "== lab-host test (a Debian 12 VM: systemd, cgroup v2, Docker's systemd driver; twinbench from npm pack) [$(at)]"
suite lab-host dist/test/lab-host || status=1
node dist/test/tap-summary.js unit="$tapdir/unit.tap" integration="$tapdir/integration.tap" lab-host="$tapdir/lab-host.tap" || status=1
echo "== done [$(at)]"
exit $status
