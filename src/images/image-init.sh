#!/bin/busybox sh
# twinbench initramfs for a user's image (bench all --image): mount the image's flattened root disk and
# start the image's own entrypoint in it, as its user, in its working dir, with its env (from /launch.sh,
# written per image). Nothing runs from the image but the entrypoint: this init, busybox and util-linux's
# unshare (with its libc) live here. The init stays PID 1 and powers off when the entrypoint ends.
# Kernel command line: ... -- mode=vm workload=image net_ip=CIDR ...   (after `--` they are our "$@")
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
read -r up idle < /proc/uptime
echo "TWINBENCH INITRAMFS uptime_s=$up"

net_ip=
for arg in "$@"; do
  case $arg in net_ip=*) net_ip=${arg#net_ip=} ;; esac
done

while read -r module; do
  [ -e "/modules/$module.ko" ] && insmod "/modules/$module.ko" 2>/dev/null
done < /modules/order

root=/dev/vda
tries=0
while [ ! -b "$root" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 500 ]; then
    echo "TWINBENCH ERROR root disk $root did not appear"
    poweroff -f
  fi
  usleep 10000
done
if ! mount -t ext4 "$root" /newroot; then
  echo "TWINBENCH ERROR cannot mount $root"
  poweroff -f
fi
# What an engine gives a container: /proc, /sys, /dev with pts and shm; the image may lack the folders.
mkdir -p /newroot/proc /newroot/sys /newroot/dev
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 shm /newroot/dev/shm

ip link set lo up
if [ -n "$net_ip" ]; then
  ip addr add "$net_ip" dev eth0 && ip link set eth0 up || echo "TWINBENCH ERROR cannot configure eth0 with $net_ip"
fi

. /launch.sh
mkdir -p "/newroot$tb_workdir"
read -r up idle < /proc/uptime
echo "TWINBENCH STARTED uptime_s=$up"
tb_env /tb/ld.so --library-path /tb/lib /tb/unshare --root=/newroot --wd="$tb_workdir" \
  --setuid "$tb_uid" --setgid "$tb_gid" -- "$@" < /dev/null &
wait $!
status=$?
echo "TWINBENCH ERROR the image's entrypoint exited with status $status"
sync
poweroff -f
