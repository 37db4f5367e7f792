#!/bin/sh
# redis-server without persistence; the host runs redis-benchmark (src/host-clients/redis.ts).
. /twinbench/workloads/serve.sh
redis-server --bind "$TB_bind" --port "$TB_port_redis" --protected-mode no --save '' --appendonly no --logfile '' >/dev/null 2>&1 &
redis=$!
tb_serve "$TB_port_redis"
status=$?
kill "$redis" 2>/dev/null
wait
exit "$status"
