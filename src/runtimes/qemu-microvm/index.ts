import { readFile } from 'node:fs/promises';
import type { Accelerator, QemuMachine } from '../qemu/cmdline.js';
import { createQemuRuntime, probeQemuRuntime, qemuDoctor, qemuFacts } from '../qemu/vm-runtime.js';
import { cleanHarnessLinks } from '../../host/harness-bridge.js';
import type { RuntimeDescriptor } from '../runtime.js';
import { hostTscKhz } from './tsc.js';

/**
 * QEMU's `microvm` machine (x86_64): no PCI, no HPET, no ACPI PM timer, qboot instead of SeaBIOS, virtio
 * over MMIO; the same kernel, initramfs (which loads virtio_mmio) and disk as the `qemu` runtime. Under TCG
 * the guest is given the host's TSC frequency (see tsc.ts), without which most boots hung here.
 */
export function microvmMachine(accel: Accelerator, cpuinfo: string): QemuMachine {
  const tsc = accel === 'tcg' ? hostTscKhz(cpuinfo) : undefined;
  const given = tsc && 'khz' in tsc ? tsc : undefined;
  const clock =
    accel === 'kvm'
      ? 'the guest reads its clock from kvmclock'
      : given
        ? `tsc_early_khz=${given.khz} from the ${given.source}: no PIT calibration in the guest`
        : `the guest calibrates its TSC against the PIT (${tsc && 'problem' in tsc ? tsc.problem : 'no host figure'}), which hung most TCG boots here`;
  return {
    type: 'microvm',
    bus: 'mmio',
    kernelArgs: ['tsc=reliable', 'no_timer_check', ...(given ? [`tsc_early_khz=${given.khz}`] : [])],
    // Under TCG, `max` hung in early boot even with the TSC frequency given; `qemu64` is also what `pc` uses.
    cpuModel: { kvm: 'host', tcg: 'qemu64' },
    note: `microvm: qboot firmware, no PCI, no HPET, virtio-mmio devices; ${clock}`,
  };
}

/** QEMU microvm VMs: what a minimal machine saves against `pc` on the same guest. */
export const qemuMicrovm: RuntimeDescriptor<'qemu-microvm'> = {
  name: 'qemu-microvm',
  label: 'QEMU microvm',
  kind: 'vm',
  summary: "QEMU's microvm machine (no PCI, qboot firmware, virtio-mmio), x86_64 only, same kernel and disk as qemu",
  guestArchs: ['amd64'],
  density: true,
  facts: qemuFacts,
  foreignGuests: true,
  userImages: true,
  probe: (host) => probeQemuRuntime('qemu-microvm', host),
  doctor: (host) => qemuDoctor(host.profile),
  create: async (context) => {
    const { accel } = await context.accelerator();
    return createQemuRuntime('qemu-microvm', context, microvmMachine(accel, await readFile('/proc/cpuinfo', 'utf8')));
  },
  clean: cleanHarnessLinks,
};
