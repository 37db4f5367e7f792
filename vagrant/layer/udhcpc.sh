#!/bin/sh
# busybox udhcpc hook: configure eth0 from the lease libvirt's dnsmasq handed out.
case $1 in
  bound | renew)
    busybox ip addr flush dev "$interface"
    busybox ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "${router:-}" ] && busybox ip route add default via "${router%% *}" dev "$interface"
    ;;
  deconfig) busybox ip addr flush dev "$interface" ;;
esac
exit 0
