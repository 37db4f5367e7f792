import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envelopeFor, envelopeRecord, envelopeWrites, vmmHeadroomMiB } from '../../../src/host/envelope.js';

test('the same CPU quota and guest memory for every kind; a VM adds the stated VMM headroom', () => {
  const container = envelopeFor('container', 1, 512);
  assert.deepEqual(container, { cpus: 1, memoryBytes: 512 * 1024 * 1024, headroomBytes: 0 });
  assert.deepEqual(envelopeFor('native', 1, 512), container);
  const vm = envelopeFor('vm', 1, 512);
  assert.equal(vm.cpus, 1);
  assert.equal(vm.headroomBytes, vmmHeadroomMiB * 1024 * 1024);
  assert.equal(vm.memoryBytes, (512 + vmmHeadroomMiB) * 1024 * 1024);
});

test('cgroup files: v1 quota over a 100 ms period, memory and memory+swap alike; v2 cpu.max, memory.max, no swap', () => {
  const envelope = envelopeFor('container', 2, 256);
  assert.deepEqual(envelopeWrites(1, envelope), [
    { controller: 'cpu', file: 'cpu.cfs_period_us', value: '100000' },
    { controller: 'cpu', file: 'cpu.cfs_quota_us', value: '200000' },
    { controller: 'memory', file: 'memory.limit_in_bytes', value: '268435456' },
    { controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: '268435456', optional: true },
  ]);
  assert.deepEqual(envelopeWrites(2, envelope), [
    { controller: '', file: 'cpu.max', value: '200000 100000' },
    { controller: '', file: 'memory.max', value: '268435456' },
    { controller: '', file: 'memory.swap.max', value: '0', optional: true },
  ]);
});

test('the record says how the envelope is set, by whom, and why it is not where nobody sets it', () => {
  assert.match(
    envelopeRecord('vm', 'trial-cgroup', 1, 512).how,
    /^1 CPU quota and 768 MiB memory \(512 MiB guest RAM \+ 256 MiB for the VMM\), no swap, on the trial's cgroup$/,
  );
  // Where systemd owns the tree: the same figures, set by systemd on the trial's slice and read back.
  assert.match(
    envelopeRecord('container', 'systemd-slice', 2, 512).how,
    /^2 CPU quota and 512 MiB memory, no swap, on the trial's cgroup: a transient systemd slice .*read back/,
  );
  const libvirt = envelopeRecord('vm', 'libvirt', 1, 512);
  assert.equal(libvirt.enforced, true);
  assert.equal(libvirt.memoryBytes, 768 * 2 ** 20);
  assert.match(
    libvirt.how,
    /^1 CPU quota and 768 MiB memory .*on the domain's cgroup, by libvirt \(cputune global_quota/,
  );
  const none = envelopeRecord('vm', 'none', 1, 512);
  assert.equal(none.enforced, false);
  assert.match(none.how, /^not enforced: the runtime places the guest in a cgroup of its own/);
});
