#!/bin/sh
# iperf3 and sockperf servers; the host runs the clients (src/host-clients/network.ts).
. /twinbench/workloads/serve.sh
iperf3 -s -B "$TB_bind" -p "$TB_port_iperf3" >/dev/null 2>&1 &
iperf=$!
sockperf server --tcp -i "$TB_bind" -p "$TB_port_sockperf" >/dev/null 2>&1 &
sockperf=$!
tb_serve "$TB_port_iperf3" "$TB_port_sockperf"
status=$?
kill "$iperf" "$sockperf" 2>/dev/null
wait
exit "$status"
