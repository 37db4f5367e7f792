# twinbench Vagrant layer: sourced by the agent after READY, only in the Vagrant box (the other
# runtimes' images do not have /twinbench-layer). It gives Vagrant what `vagrant up` waits for —
# a DHCP lease on eth0 and an SSH server — then holds the workload back until the harness says go
# (after `vagrant up` returned), so Vagrant's own waits never overlap the measurement.
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null
busybox ip link set lo up
busybox ip link set eth0 up
if busybox udhcpc -i eth0 -s /twinbench-layer/udhcpc.sh -q -n -t 30 -T 1 >/dev/null 2>&1; then
  echo "TWINBENCH LAYER vagrant eth0 $(busybox ip -4 -o addr show dev eth0 | busybox awk '{print $4}')"
else
  echo "TWINBENCH ERROR vagrant layer: no DHCP lease on eth0"
fi
/usr/sbin/dropbear -R -p 22 2>/tmp/dropbear.err || echo "TWINBENCH ERROR vagrant layer: dropbear did not start: $(tail -n 1 /tmp/dropbear.err)"
echo "TWINBENCH LAYER vagrant waiting for go on port 7998"
busybox nc -l -p 7998 </dev/null >/dev/null 2>&1
