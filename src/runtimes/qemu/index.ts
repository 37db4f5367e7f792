import type { RuntimeDescriptor } from '../runtime.js';
import { createQemuRuntime, probeQemuRuntime, qemuDoctor, qemuFacts } from './vm-runtime.js';
import { cleanHarnessLinks } from '../../host/harness-bridge.js';

/** QEMU VMs on the architecture's usual machine (`pc`, `virt`), direct kernel boot, virtio over PCI. */
export const qemu: RuntimeDescriptor<'qemu'> = {
  name: 'qemu',
  label: 'QEMU',
  kind: 'vm',
  summary: 'QEMU VMs (pc on x86_64, virt on aarch64), direct kernel boot of the shared disk, KVM or TCG',
  density: true,
  facts: qemuFacts,
  foreignGuests: true,
  userImages: true,
  probe: (host) => probeQemuRuntime('qemu', host),
  doctor: (host) => qemuDoctor(host.profile),
  create: (context) => createQemuRuntime('qemu', context),
  clean: cleanHarnessLinks,
};
