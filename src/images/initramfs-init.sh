#!/bin/busybox sh
# twinbench initramfs: load the virtio modules, mount the root disk, hand over to the guest agent.
# Kernel command line: ... -- mode=vm workload=NAME key=value ...   (after `--` they are our "$@")
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
read -r up idle < /proc/uptime
echo "TWINBENCH INITRAMFS uptime_s=$up"

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
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
exec switch_root /newroot /bin/sh /twinbench/agent.sh "$@"
