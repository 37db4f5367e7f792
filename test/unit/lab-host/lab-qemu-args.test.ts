import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getArchProfile } from '../../../src/host/arch.js';
import { labQemuArgs } from '../../lab-host/fixture.js';

const base = {
  image: { kernel: '/c/vmlinuz', initrd: '/c/initrd.img' },
  profile: getArchProfile('amd64'),
  vcpus: 2,
  memoryMiB: 3072,
  overlay: '/s/root.qcow2',
  workDisk: '/s/work.ext4',
  consoleLog: '/s/console.log',
};
const value = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

test('the lab host under KVM (a lab machine): the host CPU, KVM accel; the same disks and kernel line as under TCG', () => {
  const kvm = labQemuArgs({ ...base, accel: 'kvm' });
  const tcg = labQemuArgs({ ...base, accel: 'tcg' });
  assert.equal(value(kvm, '-machine'), 'pc,accel=kvm');
  assert.equal(value(kvm, '-cpu'), 'host');
  assert.equal(value(tcg, '-machine'), 'pc,accel=tcg');
  assert.equal(
    value(tcg, '-cpu'),
    'max',
    'TCG emulates virtualization extensions with max, so the lab probes KVM for itself',
  );
  for (const args of [kvm, tcg]) {
    assert.deepEqual(
      args.filter((arg) => arg.startsWith('file=')),
      ['file=/s/root.qcow2,if=virtio,format=qcow2', 'file=/s/work.ext4,if=virtio,format=raw'],
    );
    assert.equal(value(args, '-append'), 'root=/dev/vda rw console=ttyS0 panic=-1');
    assert.ok(args.includes('-no-reboot'), 'its poweroff ends QEMU');
  }
});
