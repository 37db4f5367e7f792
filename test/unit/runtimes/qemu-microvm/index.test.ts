import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildQemuArgs } from '../../../../src/runtimes/qemu/cmdline.js';
import { getArchProfile } from '../../../../src/host/arch.js';
import { microvmMachine } from '../../../../src/runtimes/qemu-microvm/index.js';
import { hostTscKhz } from '../../../../src/runtimes/qemu-microvm/tsc.js';

const vmHost =
  'processor\t: 0\ncpu MHz\t\t: 2445.428\nflags\t\t: fpu tsc constant_tsc nonstop_tsc tsc_known_freq hypervisor\n';
const busyMetal = 'cpu MHz\t\t: 3600.021\nflags\t\t: fpu tsc constant_tsc nonstop_tsc tsc_known_freq aperfmperf\n';

function valueAfter(args: string[], flag: string): string | undefined {
  return args[args.indexOf(flag) + 1];
}

const args = (accel: 'kvm' | 'tcg', cpuinfo: string, extra: { network?: boolean; scratch?: boolean } = {}) =>
  buildQemuArgs({
    profile: getArchProfile('amd64'),
    machine: microvmMachine(accel, cpuinfo),
    accel,
    vcpus: 1,
    memoryMiB: 512,
    kernelPath: '/k/vmlinuz',
    initrdPath: '/k/initrd.gz',
    diskPath: '/runs/x/t.qcow2',
    diskCache: 'writeback',
    agentArgs: ['mode=vm', 'workload=idle'],
    ...(extra.network ? { network: { tap: 'tb-1-0', mac: '52:54:00:00:00:01', vhost: accel === 'kvm' } } : {}),
    ...(extra.scratch ? { scratchPath: '/s/f.img' } : {}),
  });

test('the host TSC frequency is taken only where "cpu MHz" is that frequency', () => {
  assert.deepEqual(hostTscKhz(vmHost), {
    khz: 2445428,
    source: 'host /proc/cpuinfo "cpu MHz" 2445.428 (constant_tsc, tsc_known_freq, no aperfmperf)',
  });
  assert.match(
    String((hostTscKhz(busyMetal) as { problem: string }).problem),
    /current clock on this host \(aperfmperf\)/,
  );
  assert.match(
    String((hostTscKhz('cpu MHz : 1000\nflags : tsc\n') as { problem: string }).problem),
    /not constant with a known frequency/,
  );
  assert.match(String((hostTscKhz('flags : tsc\n') as { problem: string }).problem), /no "cpu MHz"/);
});

test('microvm under TCG: microvm machine, qemu64, virtio over MMIO for every device, the host TSC frequency on the command line', () => {
  const tcg = args('tcg', vmHost, { network: true, scratch: true });
  assert.equal(valueAfter(tcg, '-machine'), 'microvm,accel=tcg');
  assert.equal(valueAfter(tcg, '-cpu'), 'qemu64');
  assert.equal(
    valueAfter(tcg, '-append'),
    'console=ttyS0 panic=-1 quiet tsc=reliable no_timer_check tsc_early_khz=2445428 -- mode=vm workload=idle',
  );
  const devices = tcg.flatMap((arg, index) => (tcg[index - 1] === '-device' ? [arg.split(',')[0]] : []));
  assert.deepEqual(devices, ['virtio-blk-device', 'virtio-blk-device', 'virtio-net-device']);
  assert.ok(!tcg.some((arg) => arg.includes('-pci')), tcg.join(' '));
  // Where the host figure is not the TSC's, the guest calibrates itself, and the machine's note says so.
  assert.doesNotMatch(String(valueAfter(args('tcg', busyMetal), '-append')), /tsc_early_khz/);
  assert.match(String(microvmMachine('tcg', busyMetal).note), /calibrates its TSC against the PIT/);
});

test('microvm under KVM: the host CPU, kvmclock, no TSC figure', () => {
  const kvm = args('kvm', vmHost, { network: true });
  assert.equal(valueAfter(kvm, '-machine'), 'microvm,accel=kvm');
  assert.equal(valueAfter(kvm, '-cpu'), 'host');
  assert.doesNotMatch(String(valueAfter(kvm, '-append')), /tsc_early_khz/);
  assert.match(String(kvm.find((arg) => arg.startsWith('tap,'))), /vhost=on/);
  assert.match(String(microvmMachine('kvm', vmHost).note), /kvmclock/);
});
