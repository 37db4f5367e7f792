#!/bin/sh
# twinbench guest agent: the one entrypoint for containers and VMs.
# Usage: agent.sh mode=container|vm|native workload=NAME [key=value ...]
# Prints (one per line, prefixed so they stand out among kernel messages):
#   TWINBENCH READY uptime_s=U            as early as possible; U is this kernel's uptime
#   TWINBENCH MEMORY at=ready|exit used_bytes=B source=S
#                                         the guest's own view of the memory it uses (see tb_memory)
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

# The memory the guest uses, as its own kernel accounts it, leaving out what that kernel could drop
# at once (file pages on the LRU): in a VM, MemTotal - MemAvailable from the guest kernel's
# /proc/meminfo; in a container or natively, where /proc/meminfo is the host's, the agent's own
# memory cgroup: usage - active_file - inactive_file. Says nothing rather than guess.
tb_memory() {
  if [ "$tb_mode" = vm ]; then
    tb_total= tb_avail=
    while read -r tb_k tb_v tb_rest; do
      case $tb_k in MemTotal:) tb_total=$tb_v ;; MemAvailable:) tb_avail=$tb_v ;; esac
    done < /proc/meminfo
    [ -n "$tb_total" ] && [ -n "$tb_avail" ] &&
      echo "TWINBENCH MEMORY at=$1 used_bytes=$(( (tb_total - tb_avail) * 1024 )) source=guest.meminfo.MemTotal-MemAvailable"
    return 0
  fi
  # v1 names the memory hierarchy's path, v2 the unified one. A container sees its own group at the
  # mount's root (the path in /proc/self/cgroup is the host's); native has no such mount.
  tb_dir= tb_usage=memory.usage_in_bytes tb_active=total_active_file tb_inactive=total_inactive_file
  tb_v1=$(sed -n 's/^[0-9]*:[^:]*memory[^:]*://p' /proc/self/cgroup)
  tb_v2=$(sed -n 's/^0:://p' /proc/self/cgroup)
  if [ -n "$tb_v1" ]; then
    for tb_try in "/sys/fs/cgroup/memory$tb_v1" /sys/fs/cgroup/memory; do
      [ -r "$tb_try/memory.usage_in_bytes" ] && { tb_dir=$tb_try; break; }
      [ "$tb_mode" = native ] && break
    done
  elif [ -n "$tb_v2" ]; then
    tb_usage=memory.current tb_active=active_file tb_inactive=inactive_file
    for tb_try in "/sys/fs/cgroup${tb_v2%/}" /sys/fs/cgroup; do
      [ -r "$tb_try/memory.current" ] && { tb_dir=$tb_try; break; }
      [ "$tb_mode" = native ] && break
    done
  fi
  [ -n "$tb_dir" ] || return 0
  read -r tb_used < "$tb_dir/$tb_usage" || return 0
  tb_file=0
  while read -r tb_k tb_v; do
    case $tb_k in "$tb_active" | "$tb_inactive") tb_file=$((tb_file + tb_v)) ;; esac
  done < "$tb_dir/memory.stat"
  echo "TWINBENCH MEMORY at=$1 used_bytes=$((tb_used - tb_file)) source=guest.cgroup.$tb_usage-$tb_active-$tb_inactive"
}

read -r tb_uptime tb_idle < /proc/uptime
echo "TWINBENCH READY uptime_s=$tb_uptime mode=$tb_mode"
tb_memory ready

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

tb_memory exit
if [ "$tb_mode" = vm ]; then
  sync
  echo "TWINBENCH EXIT status=$tb_status"
  # -no-reboot on the host turns the power-off (or the panic if it fails) into QEMU exiting.
  busybox poweroff -f
  exit "$tb_status"
fi
echo "TWINBENCH EXIT status=$tb_status"
exit "$tb_status"
