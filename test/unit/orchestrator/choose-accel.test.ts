import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getArchProfile } from '../../../src/host/arch.js';
import { chooseAccelerator } from '../../../src/orchestrator/choose-accel.js';

const profile = getArchProfile('amd64');
const kvmWorks = async () => ({ usable: true, reason: 'test boot under KVM reached the kernel (120 ms)' });
const kvmFails = async () => ({ usable: false, reason: '/dev/kvm is missing or not accessible' });
const plainHost = async () => undefined;
const tcgHost = async () => 'systemd-detect-virt --vm: qemu, a TCG-emulated machine';

test('KVM on a host that QEMU itself emulates runs, and its figures are marked emulated with the reason', async () => {
  const nested = await chooseAccelerator('auto', profile, '/vmlinuz', { kvm: kvmWorks, hostEmulation: tcgHost });
  assert.equal(nested.accel, 'kvm');
  assert.equal(nested.emulated, true);
  assert.match(
    nested.reason,
    /^test boot under KVM reached the kernel .*; but this host is itself emulated \(systemd-detect-virt --vm: qemu.*\): KVM nested in TCG, .*not a KVM figure$/,
  );
  assert.deepEqual(
    await chooseAccelerator('kvm', profile, '/vmlinuz', { kvm: kvmWorks, hostEmulation: tcgHost }),
    nested,
  );
});

test('KVM on a host that is not emulated is KVM; TCG, asked or fallen back to, is emulated; --accel kvm without KVM is refused', async () => {
  assert.deepEqual(await chooseAccelerator('auto', profile, '/vmlinuz', { kvm: kvmWorks, hostEmulation: plainHost }), {
    accel: 'kvm',
    reason: 'test boot under KVM reached the kernel (120 ms)',
    emulated: false,
  });
  const fallback = await chooseAccelerator('auto', profile, '/vmlinuz', { kvm: kvmFails, hostEmulation: plainHost });
  assert.deepEqual(fallback, {
    accel: 'tcg',
    reason: 'KVM not usable (/dev/kvm is missing or not accessible); fell back to TCG emulation',
    emulated: true,
  });
  assert.equal(
    (await chooseAccelerator('tcg', profile, '/vmlinuz', { kvm: kvmWorks, hostEmulation: plainHost })).emulated,
    true,
  );
  await assert.rejects(
    chooseAccelerator('kvm', profile, '/vmlinuz', { kvm: kvmFails, hostEmulation: plainHost }),
    /--accel kvm: KVM is not usable here: \/dev\/kvm is missing/,
  );
});

test('the KVM test boot waits 10 s, or TWINBENCH_KVM_PROBE_TIMEOUT_S for a nested host; a bad value is a usage error', async () => {
  const { kvmProbeTimeoutMs } = await import('../../../src/host/kvm-probe.js');
  const { UsageError } = await import('../../../src/errors.js');
  assert.equal(kvmProbeTimeoutMs({}), 10_000);
  assert.equal(kvmProbeTimeoutMs({ TWINBENCH_KVM_PROBE_TIMEOUT_S: '60' }), 60_000);
  for (const bad of ['0', '601', 'soon'])
    assert.throws(
      () => kvmProbeTimeoutMs({ TWINBENCH_KVM_PROBE_TIMEOUT_S: bad }),
      (error: Error) =>
        error instanceof UsageError &&
        /TWINBENCH_KVM_PROBE_TIMEOUT_S must be seconds from 1 to 600/.test(error.message),
    );
});
