#!/bin/sh
# Make this host ready for twinbench: host packages (only the missing ones, said aloud), npm
# dependencies, the TypeScript build, and a Docker engine that answers. Safe to run again.
# Each daemon it starts (dockerd; libvirtd and virtlogd for vagrant; the Podman service) is recorded in one place,
# the folder $TWINBENCH_STARTED (if set) as <daemon>.pid, which scripts/stop-started.sh reads to stop exactly
# those; a host's own daemons are never recorded. Also, for callers of earlier versions, to
# $TWINBENCH_DOCKERD_PIDFILE, $TWINBENCH_LIBVIRTD_PIDFILE, $TWINBENCH_VIRTLOGD_PIDFILE, $TWINBENCH_PODMAN_PIDFILE.
set -eu
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
# started NAME PID: record a daemon this script started (see the header), so its caller can stop it.
started() {
  if [ -n "${TWINBENCH_STARTED:-}" ]; then mkdir -p "$TWINBENCH_STARTED" && echo "$2" >"$TWINBENCH_STARTED/$1.pid"; fi
  case $1 in
    dockerd) legacy=${TWINBENCH_DOCKERD_PIDFILE:-} ;;
    libvirtd) legacy=${TWINBENCH_LIBVIRTD_PIDFILE:-} ;;
    virtlogd) legacy=${TWINBENCH_VIRTLOGD_PIDFILE:-} ;;
    podman) legacy=${TWINBENCH_PODMAN_PIDFILE:-} ;;
    *) legacy="" ;;
  esac
  if [ -n "$legacy" ]; then echo "$2" >"$legacy"; fi
}

# --arch arm64|amd64: also prepare a foreign guest architecture (emulated: qemu-user + binfmt_misc).
# --runtimes a,b: also prepare these runtimes (each folder src/runtimes/<name>/ lists its host packages
#   in host-packages; those marked "#setup: default" are always prepared); --runtimes all: every one of them.
# --vagrant: the same as --runtimes vagrant (also starts virtlogd + libvirtd).
foreign=""
requested=""
while [ $# -gt 0 ]; do
  case $1 in
    --arch)
      case ${2:-} in
        amd64 | arm64) foreign=$2 ;;
        *) say "--arch takes amd64 or arm64, got '${2:-}'" && exit 2 ;;
      esac
      shift 2 ;;
    --runtimes)
      names=$(printf '%s' "${2:-}" | tr ',' ' ')
      # all: every runtime with host packages of its own (what npm test prepares).
      [ "$names" = all ] && names=$(for file in src/runtimes/*/host-packages; do basename "$(dirname "$file")"; done)
      for name in $names; do
        # bench itself checks the names; a runtime without a folder of its own (fake-vm) has no host packages.
        [ -d "src/runtimes/$name" ] || say "--runtimes: no folder src/runtimes/$name, so no host packages to prepare for it"
        requested="$requested $name"
      done
      shift 2 ;;
    --vagrant) requested="$requested vagrant"; shift ;;
    *) say "unknown option '$1' (known: --arch amd64|arm64, --runtimes a,b|all, --vagrant)" && exit 2 ;;
  esac
done
case " $requested " in *" vagrant "*) vagrant=1 ;; *) vagrant="" ;; esac
[ "$foreign" = "$(dpkg --print-architecture)" ] && foreign=""

if [ "$(id -u)" != 0 ]; then
  say "run as root: it installs Debian packages and starts dockerd" && exit 3
fi

case $(uname -m) in
  x86_64 | aarch64) ;;
  *) say "unsupported architecture $(uname -m)" && exit 3 ;;
esac

# The runtimes' host packages, from their own folders: "<arch|any> <command> <package> <why>" lines.
host_arch=$(dpkg --print-architecture)
runtime_needs() {
  for file in src/runtimes/*/host-packages; do
    name=$(basename "$(dirname "$file")")
    if grep -q '^#setup: default' "$file" || case " $requested " in *" $name "*) true ;; *) false ;; esac; then
      sed -e 's/#.*//' "$file" | while read -r arch cmd pkg why; do
        [ -n "$arch" ] || continue
        if [ "$arch" = any ] || [ "$arch" = "$host_arch" ]; then printf '%s:%s:%s (%s runtime)\n' "$cmd" "$pkg" "$why" "$name"; fi
      done
    fi
  done
}

# command:package:why
needs="$(runtime_needs)
debootstrap:debootstrap:building the shared root filesystem
mke2fs:e2fsprogs:packaging the rootfs as an ext4 disk
cpio:cpio:packaging the initramfs
iperf3:iperf3:the host side of the network workload
sockperf:sockperf:the host side of the network workload (latency)
redis-benchmark:redis-tools:the host side of the redis workload
wrk:wrk:the host-side HTTP load of bench all --image"

missing=""
printf '%s\n' "$needs" > /tmp/twinbench-needs.$$
while IFS=: read -r cmd pkg why; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    say "missing $cmd: will install $pkg ($why)"
    case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
  fi
done < /tmp/twinbench-needs.$$
rm -f /tmp/twinbench-needs.$$

# Node.js: package.json's engines (>= 20.12). Debian 12's own nodejs is 18, so a host without a supported
# one gets the newest pinned LTS build from the npm registry (scripts/node-releases), into /usr/local.
node_supported() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 12) ? 0 : 1)' 2>/dev/null
}
node_lts=""
if ! node_supported; then
  node_lts=$(sed -e 's/#.*//' scripts/node-releases | awk '$1 ~ /^[0-9]+$/ { print $1 }' | sort -n | tail -n 1)
  say "Node.js $(node --version 2>/dev/null || echo 'absent') is not supported (>= 20.12): will install Node.js $node_lts LTS from the npm registry into /usr/local"
  if ! command -v curl >/dev/null 2>&1; then say "missing curl: will install curl (downloading Node.js)"; missing="$missing curl"; fi
fi

if [ -n "$foreign" ]; then
  case $foreign in
    arm64) foreign_qemu=qemu-system-aarch64 foreign_pkg=qemu-system-arm binfmt=qemu-aarch64 ;;
    amd64) foreign_qemu=qemu-system-x86_64 foreign_pkg=qemu-system-x86 binfmt=qemu-x86_64 ;;
  esac
  for pair in "$foreign_qemu:$foreign_pkg:VMs of the $foreign guest" "qemu-$( [ "$foreign" = arm64 ] && echo aarch64 || echo x86_64)-static:qemu-user-static:running $foreign binaries (debootstrap, Docker)" "update-binfmts:binfmt-support:registering qemu-user with binfmt_misc"; do
    cmd=${pair%%:*} rest=${pair#*:} pkg=${rest%%:*} why=${rest#*:}
    if ! command -v "$cmd" >/dev/null 2>&1; then
      say "missing $cmd: will install $pkg ($why)"
      missing="$missing $pkg"
    fi
  done
  if ! dpkg --print-foreign-architectures | grep -qx "$foreign"; then
    say "dpkg --add-architecture $foreign (to download the $foreign kernel and busybox-static)"
    dpkg --add-architecture "$foreign"
    force_update=1
  fi
fi

arch=${foreign:-$(dpkg --print-architecture)}
lists_ok() { [ -z "${force_update:-}" ] && apt-cache policy "linux-image-cloud-$arch:$arch" 2>/dev/null | grep -q 'Candidate: [0-9]'; }
if [ -n "$missing" ] || ! lists_ok; then
  say "apt-get update (package lists are needed to install and to find the guest kernel)"
  apt-get update -qq
fi
if [ -n "$vagrant" ] && ! dpkg -s vagrant-libvirt >/dev/null 2>&1; then
  say "missing the vagrant-libvirt plugin: will install vagrant-libvirt (Debian's package; vagrant plugin install needs the internet)"
  missing="$missing vagrant-libvirt"
fi
if [ -n "$missing" ]; then
  say "apt-get install$missing"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
else
  say "host packages: all present, nothing to install"
fi

if [ -n "$node_lts" ]; then
  sh scripts/node-release.sh "$node_lts" /usr/local
  if ! command -v npm >/dev/null 2>&1 || ! npm --version >/dev/null 2>&1; then sh scripts/node-release.sh npm /usr/local; fi
  hash -r 2>/dev/null || true
  node_supported || { say "Node.js $node_lts was installed into /usr/local but \`node\` still runs $(node --version): put /usr/local/bin first in PATH" && exit 3; }
  say "Node.js $(node --version), npm $(npm --version)"
fi

if [ -n "$foreign" ]; then
  if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    say "mounting binfmt_misc (no systemd here to do it)"
    mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  if ! grep -qs '^enabled' "/proc/sys/fs/binfmt_misc/$binfmt"; then
    say "update-binfmts --enable $binfmt"
    update-binfmts --enable "$binfmt" >&2
  fi
fi

if [ ! -f tsconfig.json ]; then
  say "installed package (npm install -g twinbench-*.tgz): built already, dependencies installed by npm"
else
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci (npm dependencies)"
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
  say "npm run build (TypeScript)"
  npm run --silent build >&2
fi

if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  say "docker engine answers: $(docker version --format '{{.Server.Version}}')"
else
  if [ -d /run/systemd/system ] && systemctl start docker >/dev/null 2>&1; then
    say "started docker with systemctl"
  else
    log=/var/log/twinbench-dockerd.log
    # crun, where installed (the docker-crun runtime), as an OCI runtime beside runc.
    crun_flag=""
    if command -v crun >/dev/null 2>&1; then crun_flag="--add-runtime crun=$(command -v crun)"; fi
    say "starting dockerd${crun_flag:+ $crun_flag} (no engine answered); log: $log"
    # shellcheck disable=SC2086
    dockerd $crun_flag >"$log" 2>&1 &
    pid=$!
    started dockerd "$pid"
    say "dockerd pid $pid (stop it with: kill $pid)"
  fi
  tries=0
  until docker version --format '{{.Server.Version}}' >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 60 ]; then say "dockerd did not answer within 30 s; see its log" && exit 3; fi
    sleep 0.5
  done
  say "docker engine answers: $(docker version --format '{{.Server.Version}}')"
fi

case " $requested " in
  *" docker-crun "* | *" podman "*)
    # crun refuses a hybrid layout whose unified (v2) hierarchy holds a controller ("cgroups in hybrid mode
    # not supported, drop all controllers from cgroupv2"); runc does not mind. Such a controller that no v2
    # group uses (here hugetlb) is mounted as a v1 hierarchy of its own, which takes it off the unified one.
    unified=/sys/fs/cgroup/unified
    if [ -r "$unified/cgroup.controllers" ] && [ -z "$(cat "$unified/cgroup.subtree_control" 2>/dev/null)" ]; then
      for controller in $(cat "$unified/cgroup.controllers"); do
        say "hybrid cgroups: mounting $controller as a v1 hierarchy at /sys/fs/cgroup/$controller (crun accepts hybrid hosts only with no controller on cgroup v2)"
        mkdir -p "/sys/fs/cgroup/$controller" && mount -t cgroup -o "$controller" cgroup "/sys/fs/cgroup/$controller" ||
          say "warning: could not mount $controller as a v1 hierarchy: crun will refuse containers here (bench doctor says so)"
      done
    fi
    ;;
esac
case " $requested " in
  *" docker-crun "*)
    if ! docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"crun"'; then
      say "warning: the Docker engine lists no crun runtime (it was not started by this script): add \"runtimes\": {\"crun\": {\"path\": \"$(command -v crun)\"}} to /etc/docker/daemon.json and restart dockerd, for --runtimes docker-crun"
    fi ;;
esac

# Podman's Docker-compatible API service (rootful), at CONTAINER_HOST (unix://…) or its standard socket.
case " $requested " in
  *" podman "*)
    podman_socket=/run/podman/podman.sock
    case "${CONTAINER_HOST:-}" in unix://*) podman_socket=${CONTAINER_HOST#unix://} ;; esac
    podman_answers() { podman --remote --url "unix://$podman_socket" version --format '{{.Server.Version}}' 2>/dev/null; }
    if podman_answers >/dev/null; then
      say "podman service answers at $podman_socket: $(podman_answers)"
    else
      if [ -d /run/systemd/system ] && [ "$podman_socket" = /run/podman/podman.sock ] && systemctl start podman.socket >/dev/null 2>&1; then
        say "started podman.socket with systemctl"
      else
        log=/var/log/twinbench-podman.log
        mkdir -p "$(dirname "$podman_socket")"
        say "starting podman system service at $podman_socket (no service answered); log: $log"
        podman system service --time 0 "unix://$podman_socket" >"$log" 2>&1 &
        pid=$!
        started podman "$pid"
        say "podman service pid $pid (stop it with: kill $pid)"
      fi
      tries=0
      until podman_answers >/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -gt 60 ]; then say "the podman service did not answer within 30 s; see its log" && exit 3; fi
        sleep 0.5
      done
      say "podman service answers at $podman_socket: $(podman_answers)"
    fi ;;
esac

# Start libvirtd and wait until it answers.
start_libvirtd() {
  say "starting libvirtd"
  libvirtd -d
  tries=0
  until virsh -c qemu:///system version >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 120 ]; then say "libvirtd did not answer within 60 s" && exit 3; fi
    sleep 0.5
  done
}
# Milliseconds of a virsh capabilities call after a first one filled libvirt's cache.
cached_call_ms() {
  virsh -c qemu:///system capabilities >/dev/null 2>&1
  t0=$(date +%s%N)
  virsh -c qemu:///system capabilities >/dev/null 2>&1
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

if [ -n "$vagrant" ]; then
  if ! pgrep -x virtlogd >/dev/null; then
    say "starting virtlogd (libvirt's log daemon; no systemd here)"
    virtlogd -d
    started virtlogd "$(pgrep -x virtlogd | head -n 1)"
  fi
  if virsh -c qemu:///system version >/dev/null 2>&1; then
    say "libvirtd answers (not started by twinbench; \`bench doctor\` checks its response time)"
  else
    # libvirt keeps its QEMU capability cache only while two views of /dev/kvm agree: its access check
    # as QEMU's user (libvirt-qemu) and its QEMU probe, which runs as root. Without udev, /dev/kvm keeps
    # the kernel's root-only 0600: the probe finds KVM, the access check does not, and every API call
    # re-probes QEMU for seconds (vagrant up then spends a minute before the guest starts). Measured,
    # not guessed: if a cached call is slow, /dev/kvm gets what udev gives it on a standard Debian host
    # (systemd's rule, GROUP="kvm", Debian's mode 0660; libvirt-qemu is in group kvm).
    start_libvirtd
    ms=$(cached_call_ms)
    if [ "$ms" -gt 1000 ] && [ -c /dev/kvm ] && getent group kvm >/dev/null && [ "$(stat -c %G:%a /dev/kvm)" != kvm:660 ]; then
      say "libvirt re-probes QEMU on every call (a cached virsh capabilities took $ms ms): /dev/kvm is $(stat -c '%U:%G %a' /dev/kvm), so QEMU's user cannot open it while libvirt's probe as root can"
      say "giving /dev/kvm the ownership udev gives it on Debian: chgrp kvm /dev/kvm && chmod 660 /dev/kvm"
      chgrp kvm /dev/kvm && chmod 660 /dev/kvm
      ms=$(cached_call_ms)
    fi
    [ "$ms" -gt 1000 ] && say "warning: a cached virsh capabilities still takes $ms ms; see bench doctor"
    pid=$(pgrep -x libvirtd | head -n 1)
    started libvirtd "$pid"
    say "libvirtd pid $pid, cached virsh capabilities $ms ms (stop it with: kill $pid)"
  fi
fi
