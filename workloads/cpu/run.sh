#!/bin/sh
# sysbench cpu for a fixed time; the harness passes threads = vCPUs (= the container's CPU quota).
out=$(sysbench cpu --threads="${TB_threads:-1}" --time="${TB_duration_s:-10}" \
  --cpu-max-prime="${TB_max_prime:-10000}" run 2>&1)
status=$?
printf '%s\n' "$out"
eps=$(printf '%s\n' "$out" | awk -F: '/events per second/ { gsub(/ /, "", $2); print $2 }')
[ "$status" -eq 0 ] || exit "$status"
[ -n "$eps" ] || { echo "TWINBENCH ERROR no 'events per second' in sysbench output"; exit 65; }
echo "TWINBENCH RESULT name=events_per_s value=$eps unit=events/s source=guest.sysbench.cpu.events_per_s"
