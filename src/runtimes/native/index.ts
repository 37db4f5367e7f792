import { NativeBackend } from './backend.js';
import { requireHostPackages } from '../host-packages.js';
import type { RuntimeDescriptor } from '../runtime.js';

/** The baseline: the rootfs's binaries run on the host in a chroot, in the same trial cgroup as every guest. */
export const native: RuntimeDescriptor<'native'> = {
  name: 'native',
  label: 'native',
  kind: 'native',
  summary: 'the baseline: the same rootfs in a chroot on the host, no namespace but mounts',
  // A foreign rootfs's binaries run under qemu-user (binfmt_misc), as a foreign container's do.
  foreignGuests: true,
  userImages: true,
  async probe(host) {
    return requireHostPackages('native', host.guestArch);
  },
  async doctor() {
    return [];
  },
  async create(context) {
    const backend = new NativeBackend({
      runDir: context.runDir,
      ...(context.ioDevices ? { ioDevices: context.ioDevices } : {}),
    });
    return { backend, info: await backend.prepare(context.images), emulated: context.guestArch !== context.hostArch };
  },
};
