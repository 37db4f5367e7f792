#!/bin/sh
# Stop the daemons scripts/setup.sh started and recorded, and remove their records: each argument is the folder
# of $TWINBENCH_STARTED (its <daemon>.pid files) or, as callers of earlier versions pass, one pid file. SIGTERM,
# then up to 20 s for each to exit. An empty record (setup started nothing: the host's own daemon answered) is only
# removed, so a host's own daemons stay.
stop_one() {
  pid=$(cat "$1" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    tries=0
    while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 40 ]; do sleep 0.5; tries=$((tries + 1)); done
  fi
  rm -f "$1"
}
for record in "$@"; do
  if [ -d "$record" ]; then
    for file in "$record"/*.pid; do [ -e "$file" ] && stop_one "$file"; done
    rmdir "$record" 2>/dev/null || true
  else
    stop_one "$record"
  fi
done
