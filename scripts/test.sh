#!/bin/sh
# The whole test suite on a fresh host: set up, images (cached), then the lab host's boot (a TCG VM, minutes) in
# the background while what measures nothing runs beside it (unit suites under three Node.js lines, integration
# tests whose assertions depend on no timing or figure), then the integration tests that measure, alone on the
# machine. Stops the daemons it had to start, and the lab host on Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
t0=$(date +%s)
at() { echo "at $(( $(date +%s) - t0 )) s"; }
# tests_in and suite (scripts/test-suite.sh): each suite's TAP stream goes to $tapdir, read back at the end by
# dist/test/tap-summary.js: a suite that ran no test, or a skip for a reason not on test/skip-allowlist.txt,
# fails npm test; and the time of every test is printed.
tapdir=$(mktemp -d)
export tapdir
. scripts/test-suite.sh
lts_log=$(mktemp)
# Setup records each daemon it starts in this folder (<daemon>.pid); the daemon-restart test reads dockerd's there.
TWINBENCH_STARTED=$(mktemp -d)
export TWINBENCH_STARTED
# Stop only the daemons setup started (a host's own dockerd or libvirtd stays).
stop_daemons() { sh scripts/stop-started.sh "$TWINBENCH_STARTED"; }
# Ctrl-C or SIGTERM: the shell waits for the running step (which cleans up after itself), exits, and only
# then stops the daemons.
# The lab host runs in a session of its own (setsid): a background job of this shell would ignore Ctrl-C, so
# it is ended explicitly, its whole process group (node, the test, its QEMU).
lab_pid=""
lts_jobs=""
apart_pid=""
stop_lab() {
  for job in $lab_pid $apart_pid $lts_jobs; do kill -TERM "-${job#*:}" 2>/dev/null || true; done
}
trap 'stop_lab; stop_daemons; rm -rf "$tapdir"' EXIT
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
# Every runtime: each folder of src/runtimes/ with host packages (a new runtime is prepared without a line here).
sh scripts/setup.sh --arch "$other" --runtimes all 2>"$tapdir/setup.log" || setup_rc=$?
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
# House habits (npm run house): Biome's formatter and linter (errors fail, warnings such as a function over 80
# lines are shown), no import circle (madge), no unused export (knip). Seconds; a failure fails npm test at its end.
echo "== house: format, lint, import circles, unused exports [$(at)]"
npm run --silent house || status=1
sh scripts/host-state.sh >"$tapdir/host-after.txt"
node dist/test/host-changes.js "$tapdir/host-before.txt" "$tapdir/host-after.txt" "$tapdir/setup.log" || status=1
echo "== images (built once, then cached in ${TWINBENCH_CACHE:-~/.cache/twinbench}) [$(at)]"
node bin/bench.js images build >/dev/null || status=1
node bin/bench.js images build --arch "$other" >/dev/null || status=1

echo "== lab-host test, in the background (a Debian 12 VM: systemd, cgroup v2, Docker's systemd driver; twinbench from npm pack) [$(at)]"
setsid sh -c '. "$1"; suite lab-host "$(tests_in dist/test/lab-host)" >"$2" 2>&1; echo $? >"$3"' lab-host scripts/test-suite.sh "$tapdir/lab-host.out" "$tapdir/lab-host.rc" &
lab_pid=$!

echo "== unit tests beside it, in the background (Node.js $(node --version), and the supported LTS lines at the same time) [$(at)]"
# The unit suite times nothing, so sharing the CPUs changes only how long it takes: it runs in the background
# beside the lab host and the integration tests that measure nothing, under this Node.js and the supported LTS
# lines (scripts/node-releases: pinned builds from the npm registry, cached). Each in a session of its own, like
# the lab host, so that Ctrl-C can end it; its output is shown once it has ended.
lts_jobs=""
setsid sh -c '. scripts/test-suite.sh; suite unit "$(tests_in dist/test/unit)" >"$1" 2>&1' unit "$lts_log.unit" &
lts_jobs="unit:$!"
for major in $(sed -e 's/#.*//' scripts/node-releases | awk '$1 ~ /^[0-9]+$/ { print $1 }' | sort -un); do
  setsid sh -c '. scripts/test-suite.sh; prefix=$(sh scripts/node-release.sh --print-dir "$1") || exit 1; PATH="$prefix/bin:$PATH" node --test --test-reporter=dot $(tests_in dist/test/unit) >"$2" 2>&1' lts "$major" "$lts_log.$major" &
  lts_jobs="$lts_jobs $major:$!"
done

# The integration tests whose assertions depend on no timing and no figure (test/integration/measures-nothing.txt)
# run beside the lab host; every other integration test measures, and runs after it, alone on the machine.
# Those marked `apart` there touch nothing the others share (fake runtimes in a cache of their own, result files,
# Chromium): they run as a stream of their own beside the rest, in a session of its own like the unit suites.
listed() { sed -e 's/#.*//' test/integration/measures-nothing.txt | awk -v want="$1" 'NF && (want == "" || $2 == want) { sub(/\.ts$/, ".js", $1); print "dist/test/integration/" $1 }'; }
besides=$(listed "")
apart=$(listed apart)
for file in $besides; do
  [ -f "$file" ] || { echo "test: test/integration/measures-nothing.txt names ${file#dist/test/integration/}, which is not a built test" >&2; exit 1; }
done
shared=$(printf '%s\n' $besides | grep -v -x -F "$apart" || true)
measuring=$(tests_in dist/test/integration | grep -v -x -F "$besides" || true)
echo "== integration tests that measure nothing and share nothing, in a stream of their own beside the lab host (fake runtimes, Chromium) [$(at)]"
setsid sh -c '. scripts/test-suite.sh; suite apart "$1" --test-concurrency=1 >"$2" 2>&1; echo $? >"$3"' apart "$apart" "$tapdir/apart.out" "$tapdir/apart.rc" &
apart_pid=$!
echo "== integration tests that measure nothing, beside the lab host (real Docker, QEMU, Ansible, Chromium) [$(at)]"
suite functional "$shared" --test-concurrency=1 || status=1
wait "$apart_pid" || true
apart_pid=""
[ "$(cat "$tapdir/apart.rc" 2>/dev/null)" = 0 ] && verdict=passed || { verdict=FAILED; status=1; }
echo "== integration tests that share nothing, their own stream: $verdict [$(at)]"
cat "$tapdir/apart.out"

for entry in $lts_jobs; do
  job=${entry%%:*}
  wait "${entry#*:}" && verdict=passed || { verdict=FAILED; status=1; }
  lts_jobs=${lts_jobs#*"$entry"}
  if [ "$job" = unit ]; then
    echo "== unit tests (Node.js $(node --version)): $verdict [$(at)]"
    cat "$lts_log.unit"
  else
    echo "== unit tests (Node.js $job): $verdict [$(at)]"
    [ "$verdict" = passed ] || cat "$lts_log.$job"
  fi
  rm -f "$lts_log.$job"
done
rm -f "$lts_log"

echo "== waiting for the lab-host test [$(at)]"
wait "$lab_pid" || true
lab_pid=""
cat "$tapdir/lab-host.out"
[ "$(cat "$tapdir/lab-host.rc" 2>/dev/null)" = 0 ] || status=1

echo "== integration tests that measure, alone on the machine (real Docker engine, real QEMU, real Vagrant + libvirt) [$(at)]"
suite integration "$measuring" --test-concurrency=1 || status=1
node dist/test/tap-summary.js unit="$tapdir/unit.tap" functional="$tapdir/functional.tap" apart="$tapdir/apart.tap" lab-host="$tapdir/lab-host.tap" integration="$tapdir/integration.tap" || status=1
echo "== done [$(at)]"
exit $status
