#!/bin/sh
# Stop the daemons named by these pid files (scripts/setup.sh writes the pid of each daemon it started to
# $TWINBENCH_*_PIDFILE), and remove the files: SIGTERM, then up to 20 s for each to exit. An empty file
# (setup started nothing: the host's own daemon answered) is only removed, so a host's own daemons stay.
for file in "$@"; do
  pid=$(cat "$file" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    tries=0
    while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 40 ]; do sleep 0.5; tries=$((tries + 1)); done
  fi
  rm -f "$file"
done
