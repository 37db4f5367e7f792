import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildQemuArgs,
  kernelCommandLine,
  possibleVcpus,
  type QemuLaunch,
} from '../../../../src/runtimes/qemu/cmdline.js';
import { getArchProfile } from '../../../../src/host/arch.js';

const launch = (arch: 'amd64' | 'arm64', accel: 'kvm' | 'tcg'): QemuLaunch => ({
  profile: getArchProfile(arch),
  accel,
  vcpus: 2,
  memoryMiB: 512,
  kernelPath: '/k/vmlinuz',
  initrdPath: '/k/initrd.gz',
  diskPath: '/runs/x/trial 1.qcow2',
  diskCache: 'writeback',
  agentArgs: ['mode=vm', 'workload=cpu', 'threads=2'],
});

function valueAfter(args: string[], flag: string): string | undefined {
  return args[args.indexOf(flag) + 1];
}

test('x86_64 under TCG: pc machine, qemu64 CPU, ttyS0 console, timer args, no reboot', () => {
  const args = buildQemuArgs(launch('amd64', 'tcg'));
  assert.equal(valueAfter(args, '-machine'), 'pc,accel=tcg');
  assert.equal(valueAfter(args, '-cpu'), 'qemu64');
  assert.equal(valueAfter(args, '-smp'), '2');
  assert.equal(valueAfter(args, '-m'), '512M');
  assert.ok(args.includes('-no-reboot') && args.includes('-nodefaults') && args.includes('-no-user-config'));
  assert.equal(
    valueAfter(args, '-append'),
    'console=ttyS0 panic=-1 quiet tsc=reliable no_timer_check -- mode=vm workload=cpu threads=2',
  );
  // The path with a space stays one argument: arrays, never shell strings.
  assert.equal(valueAfter(args, '-drive'), 'file=/runs/x/trial 1.qcow2,if=none,id=root,format=qcow2,cache=writeback');
});

test('a 1-vCPU guest under TCG may have a second vCPU (maxcpus=2), so TCG keeps its memory barriers; under KVM, and with 2 vCPUs, -smp is the count', () => {
  const one = (accel: 'kvm' | 'tcg') => buildQemuArgs({ ...launch('amd64', accel), vcpus: 1 });
  assert.equal(valueAfter(one('tcg'), '-smp'), '1,maxcpus=2');
  assert.equal(valueAfter(one('kvm'), '-smp'), '1');
  assert.equal(valueAfter(buildQemuArgs({ ...launch('arm64', 'tcg'), vcpus: 1 }), '-smp'), '1,maxcpus=2');
  assert.equal(possibleVcpus(2, 'tcg'), 2);
  assert.equal(possibleVcpus(1, 'tcg'), 2);
  assert.equal(possibleVcpus(1, 'kvm'), 1);
});

test('x86_64 under KVM uses the host CPU model', () => {
  assert.equal(valueAfter(buildQemuArgs(launch('amd64', 'kvm')), '-cpu'), 'host');
});

test('aarch64: virt machine, ttyAMA0, no x86 timer arguments, TCG CPU without slow pointer auth', () => {
  const args = buildQemuArgs(launch('arm64', 'tcg'));
  assert.equal(valueAfter(args, '-machine'), 'virt,accel=tcg');
  assert.equal(valueAfter(args, '-cpu'), 'max,pauth-impdef=on');
  const append = valueAfter(args, '-append') ?? '';
  assert.match(append, /^console=ttyAMA0 panic=-1/);
  assert.doesNotMatch(append, /tsc=|no_timer_check/);
  assert.equal(getArchProfile('arm64').qemuBinary, 'qemu-system-aarch64');
});

test('agent arguments come after "--" so the kernel hands them to init', () => {
  const line = kernelCommandLine({ profile: getArchProfile('amd64'), agentArgs: ['mode=vm', 'workload=idle'] });
  assert.match(line, / -- mode=vm workload=idle$/);
});

test('network and scratch: a virtio NIC on the named tap (vhost only with KVM) and the scratch file as raw, cache=none', () => {
  const args = buildQemuArgs({
    ...launch('amd64', 'tcg'),
    network: { tap: 'tb-ab12-0', mac: '52:54:00:d5:12:02', vhost: false },
    scratchPath: '/runs/x/scratch/disk-1/fio.dat',
  });
  const drives = args.filter((_, i) => args[i - 1] === '-drive');
  assert.equal(drives[1], 'file=/runs/x/scratch/disk-1/fio.dat,if=none,id=scratch,format=raw,cache=none,aio=threads');
  // The root disk is attached first, so the guest sees the scratch disk as /dev/vdb.
  const devices = args.filter((_, i) => args[i - 1] === '-device');
  assert.deepEqual(devices.slice(0, 2), ['virtio-blk-pci,drive=root', 'virtio-blk-pci,drive=scratch']);
  assert.equal(valueAfter(args, '-netdev'), 'tap,id=net0,ifname=tb-ab12-0,script=no,downscript=no');
  assert.ok(devices.includes('virtio-net-pci,netdev=net0,mac=52:54:00:d5:12:02'));
  const kvm = buildQemuArgs({ ...launch('amd64', 'kvm'), network: { tap: 't', mac: 'm', vhost: true } });
  assert.match(valueAfter(kvm, '-netdev')!, /,vhost=on$/);
  // Without them, no NIC and no second disk: the guest has no network at all.
  const plain = buildQemuArgs(launch('amd64', 'tcg'));
  assert.ok(!plain.includes('-netdev') && plain.filter((a) => a === '-drive').length === 1);
});
