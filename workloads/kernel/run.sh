#!/bin/sh
# Kernel-heavy micro benchmarks, one stress-ng stressor at a time for a fixed time each, threads = vCPUs:
# page faults (fault: mmap, touch, munmap of anonymous and file pages), process creation (exec: fork, exec,
# wait) and context switches (switch: two processes hand a message back and forth through a pipe). This is
# where isolation layers differ most: every one of them is a trap into the guest kernel, and in a VM a
# page fault also walks and fills the host's page tables.
# stress-ng 0.15 prints, per stressor, a brief metrics row and its own metrics:
#   "stress-ng: metrc: [pid] exec   263  2.12  1.79  2.37  124.29  63.28"  (bogo ops, real s, usr s, sys s,
#                                                                           bogo ops/s real, bogo ops/s usr+sys)
#   "stress-ng: metrc: [pid] fault  22648.61 minor page faults per sec (geometic mean of 1 instances)"
cd /tmp || exit 1
run() { # stressor [command prefix…]
  stressor=$1
  shift
  out=$("$@" stress-ng --"$stressor" "${TB_threads:-1}" --timeout "${TB_duration_s:-5}s" --metrics-brief 2>&1)
  status=$?
  printf '%s\n' "$out"
  [ "$status" -eq 0 ] || { echo "TWINBENCH ERROR stress-ng --$stressor exited $status"; exit "$status"; }
}
report() { # value figure-name unit source what
  case $1 in
    '' | *[!0-9.]*) echo "TWINBENCH ERROR no $5 in stress-ng's metrics"; exit 65 ;;
  esac
  echo "TWINBENCH RESULT name=$2 value=$1 unit=$3 source=$4"
}
# The brief row's bogo ops per second of real time (field 5 after the stressor's name).
bogo() { printf '%s\n' "$out" | awk -v s="$1" '/stress-ng: (metrc|info):/ { for (i = 1; i + 5 <= NF; i++) if ($i == s && $(i + 1) ~ /^[0-9]+$/) { print $(i + 5); exit } }'; }

run fault
faults=$(printf '%s\n' "$out" | awk '/stress-ng: metrc:/ && / fault / && /minor page faults per sec/ { for (i = 1; i <= NF; i++) if ($i == "fault") { print $(i + 1); exit } }')
report "$faults" page_faults_per_s faults/s guest.stress-ng.fault.minor_page_faults_per_s "'fault … minor page faults per sec' line"
# The exec stressor refuses to run as root: as nobody (setpriv is util-linux's, in every Debian rootfs).
run exec setpriv --reuid=65534 --regid=65534 --clear-groups
report "$(bogo exec)" processes_per_s processes/s guest.stress-ng.exec.bogo_ops_per_s "'exec … bogo ops/s' row"
run switch
report "$(bogo switch)" context_switches_per_s switches/s guest.stress-ng.switch.bogo_ops_per_s "'switch … bogo ops/s' row"
