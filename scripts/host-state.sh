#!/bin/sh
# What scripts/setup.sh may change on a host, one fact a line, sorted: installed packages, foreign dpkg
# architectures, mounts, network links, binfmt_misc entries, the daemons it may start, /dev/kvm's owner and
# mode, and files it may add. npm test records it before and after setup, and test/host-changes.ts checks every
# difference against the README's list of host changes.
{
  dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' 2>/dev/null | awk '$1 == "ii" { print "package " $2 }'
  dpkg --print-foreign-architectures 2>/dev/null | sed 's/^/foreign-arch /'
  awk '{ print "mount " $3 " " $2 }' /proc/mounts
  ip -o link 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print "link " $2 }'
  for entry in /proc/sys/fs/binfmt_misc/*; do
    case ${entry##*/} in register | status | '*') ;; *) echo "binfmt ${entry##*/}" ;; esac
  done
  for daemon in dockerd containerd podman libvirtd virtlogd dnsmasq sshd; do
    pgrep -x "$daemon" >/dev/null 2>&1 && echo "process $daemon"
  done
  [ -e /dev/kvm ] && echo "kvm $(stat -c '%U:%G %a' /dev/kvm)"
  for file in /usr/local/bin/* /usr/sbin/policy-rc.d; do
    [ -e "$file" ] && echo "file $file"
  done
} | LC_ALL=C sort -u
