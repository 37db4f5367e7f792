#!/bin/sh
# Kernel-heavy micro benchmarks, one stress-ng stressor at a time for a fixed time each, threads = vCPUs:
# page faults (fault: mmap, touch, munmap of anonymous and file pages), process creation (exec: fork, exec,
# wait) and context switches (switch: two processes hand a message back and forth through a pipe). This is
# where isolation layers differ most: every one of them is a trap into the guest kernel, and in a VM a
# page fault also walks and fills the host's page tables.
# stress-ng's brief metrics line: "stress-ng: info:  [pid] fault  123456  5.00  1.00  3.00  24691.20  30864.00"
# (stressor, bogo ops, real s, usr s, sys s, bogo ops/s real time, bogo ops/s usr+sys); we take real time.
cd /tmp || exit 1
pass() { # stressor figure-name
  out=$(stress-ng --"$1" "${TB_threads:-1}" --timeout "${TB_duration_s:-5}s" --metrics-brief 2>&1)
  status=$?
  printf '%s\n' "$out"
  rate=$(printf '%s\n' "$out" | awk -v s="$1" '$0 ~ /stress-ng: (info|metrc):/ { for (i = 1; i <= NF; i++) if ($i == s && i + 5 <= NF) { print $(i + 5); exit } }')
  [ "$status" -eq 0 ] || { echo "TWINBENCH ERROR stress-ng --$1 exited $status"; exit "$status"; }
  case $rate in
    '' | *[!0-9.]*) echo "TWINBENCH ERROR no '$1 … bogo ops/s' line in stress-ng's metrics"; exit 65 ;;
  esac
  echo "TWINBENCH RESULT name=$2 value=$rate unit=ops/s source=guest.stress-ng.$1.bogo_ops_per_s"
}
pass fault page_faults_per_s
pass exec processes_per_s
pass switch context_switches_per_s
