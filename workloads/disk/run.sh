#!/bin/sh
# fio on the scratch file (container, native: /scratch/fio.dat) or disk (VM: /dev/vdb) the harness
# passes as TB_scratch_file. The JSON goes to the host on one line and is parsed there.
[ -n "${TB_scratch_file:-}" ] || { echo "TWINBENCH ERROR no scratch_file given"; exit 64; }
TB_FILE=$TB_scratch_file TB_SIZE_MIB=${TB_size_mib:-256} TB_RUNTIME_S=${TB_duration_s:-5} TB_RAMP_S=${TB_ramp_s:-1} \
  fio --eta=never --output-format=json --output=/tmp/fio.json /twinbench/workloads/disk/jobs.fio 2>/tmp/fio.err &
fio=$!
# A console line every 20 s while fio runs (it should take about 20 s): where fio waits and how many I/Os the
# disk holds in flight. Should a run hang (seen in TCG VMs: fio never ending), the trial's console tail says
# whether an I/O never completed or fio waits on something else. Not a figure: the host ignores these lines.
disk=$(basename "$(readlink -f "$TB_scratch_file")")
(
  # Its sleep goes with it when fio ends (no process outlives the workload in the trial's cgroup).
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  while :; do
    sleep 20 &
    nap=$!
    wait "$nap"
    kill -0 "$fio" 2>/dev/null || exit 0
    inflight=$(awk -v d="$disk" '$3 == d { print $12 }' /proc/diskstats 2>/dev/null)
    waits=""
    for proc in /proc/[0-9]*; do
      [ "$(cat "$proc/comm" 2>/dev/null)" = fio ] && waits="$waits ${proc#/proc/}:$(awk '/^State:/ { print $2 }' "$proc/status" 2>/dev/null)/$(cat "$proc/wchan" 2>/dev/null)"
    done
    echo "disk workload: fio still running (pid:state/wchan$waits), I/Os in flight on $disk: ${inflight:-n/a}"
  done
) &
watch=$!
wait "$fio"
status=$?
kill "$watch" 2>/dev/null
if [ "$status" -ne 0 ]; then
  cat /tmp/fio.err /tmp/fio.json 2>/dev/null
  echo "TWINBENCH ERROR fio exited with status $status"
  exit "$status"
fi
printf 'TWINBENCH DATA tool=fio %s\n' "$(tr -d '\n' < /tmp/fio.json | tr -s ' ')"
