#!/bin/sh
# twinbench guest agent: the one entrypoint for containers and VMs.
# Usage: agent.sh mode=container|vm|native workload=NAME [key=value ...]
# Prints (one per line, prefixed so they stand out among kernel messages):
#   TWINBENCH READY uptime_s=U            as early as possible; U is this kernel's uptime
#   TWINBENCH RESULT name=N value=V unit=U source=S
#   TWINBENCH EXIT status=N               last line; in a VM the guest then syncs and powers off
set -u

tb_mode=container
tb_workload=
for tb_arg in "$@"; do
  tb_key=${tb_arg%%=*}
  tb_value=${tb_arg#*=}
  case $tb_key in
    *[!a-z0-9_]* | '') echo "TWINBENCH WARN ignored argument with a bad key" ;;
    mode) tb_mode=$tb_value ;;
    workload) tb_workload=$tb_value ;;
    *) export "TB_$tb_key=$tb_value" ;;
  esac
done

if [ "$tb_mode" = vm ]; then
  # PID 1 after switch_root: the initramfs moved /dev, /proc and /sys here already.
  [ -r /proc/uptime ] || mount -t proc proc /proc
  [ -d /sys/kernel ] || mount -t sysfs sysfs /sys
fi

read -r tb_uptime tb_idle < /proc/uptime
echo "TWINBENCH READY uptime_s=$tb_uptime mode=$tb_mode"

if [ "$tb_mode" = vm ]; then
  mount -t tmpfs -o mode=1777 tmpfs /tmp 2>/dev/null
  mount -t tmpfs tmpfs /run 2>/dev/null
  hostname twinbench 2>/dev/null
  if [ -n "${TB_net_ip:-}" ]; then
    busybox ip link set lo up
    busybox ip addr add "$TB_net_ip" dev eth0 && busybox ip link set eth0 up ||
      echo "TWINBENCH ERROR cannot configure eth0 with $TB_net_ip"
  fi
fi
# Only the Vagrant box has this layer (vagrant/layer): DHCP and SSH for Vagrant, then a wait for
# the harness's go once `vagrant up` returned. Every other image lacks the file.
if [ "$tb_mode" = vm ] && [ -r /twinbench-layer/up.sh ]; then . /twinbench-layer/up.sh; fi
# Servers listen on every address of their own namespace or VM, but only on loopback when native
# (the host's own network): nothing is offered beyond the machine.
if [ "$tb_mode" = native ]; then TB_bind=127.0.0.1; else TB_bind=0.0.0.0; fi
export TB_bind

tb_status=0
tb_script=/twinbench/workloads/$tb_workload/run.sh
case $tb_workload in
  '' | *[!a-z0-9-]*) echo "TWINBENCH ERROR bad workload name"; tb_status=64 ;;
  *)
    if [ -r "$tb_script" ]; then
      sh "$tb_script"
      tb_status=$?
    else
      echo "TWINBENCH ERROR workload $tb_workload not found in the image"
      tb_status=66
    fi
    ;;
esac

if [ "$tb_mode" = vm ]; then
  sync
  echo "TWINBENCH EXIT status=$tb_status"
  # -no-reboot on the host turns the power-off (or the panic if it fails) into QEMU exiting.
  busybox poweroff -f
  exit "$tb_status"
fi
echo "TWINBENCH EXIT status=$tb_status"
exit "$tb_status"
