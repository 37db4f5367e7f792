# Sourced by serving workloads (network, redis). The host runs the clients: the guest starts its
# servers, says LISTEN once every port accepts connections, and serves until the host connects to
# the control port (TB_port_control). Usage: tb_serve PORT...   (the servers' ports)

# Wait until something listens on each port (30 s at most).
tb_wait_listening() {
  for tb_port in "$@"; do
    tb_tries=0
    until busybox netstat -ltn 2>/dev/null | grep -q "[:.]$tb_port "; do
      tb_tries=$((tb_tries + 1))
      if [ "$tb_tries" -gt 300 ]; then
        echo "TWINBENCH ERROR nothing listens on port $tb_port after 30 s"
        return 1
      fi
      busybox usleep 100000
    done
  done
}

tb_serve() {
  # One connection to the control port ends the wait. python3 (a dependency of fio) because busybox
  # nc cannot bind to one address, and natively only loopback may be used.
  python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.accept()[0].recv(1)' "$TB_bind" "$TB_port_control" &
  tb_control=$!
  tb_wait_listening "$@" "$TB_port_control" || return 1
  echo "TWINBENCH LISTEN"
  wait "$tb_control"
}
