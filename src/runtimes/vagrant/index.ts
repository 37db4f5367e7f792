import { execa } from 'execa';
import { VagrantBackend } from './backend.js';
import { MissingDependencyError } from '../../errors.js';
import { libvirtUri } from './libvirt.js';
import { requireHostPackages } from '../host-packages.js';
import type { RuntimeDescriptor } from '../runtime.js';
import { cleanLibvirt, libvirtChecks } from './libvirt-checks.js';
import { vagrantSetup } from './setup.js';

/** The same guests through a real `vagrant up` with the libvirt provider (vagrant-libvirt). */
export const vagrant: RuntimeDescriptor<'vagrant'> = {
  name: 'vagrant',
  label: 'Vagrant (libvirt)',
  kind: 'vm',
  summary: 'the same VM through `vagrant up` with vagrant-libvirt: what a Vagrant user pays on top of QEMU',
  // What the Vagrant user runs, and the VM it makes (libvirt's QEMU records no version of its own here).
  facts: [
    { key: 'vagrantVersion', name: 'Vagrant', version: true },
    { key: 'accelerator', name: 'accelerator' },
    { key: 'machineType', name: 'machine' },
    { key: 'cpuModel', name: 'CPU' },
    { key: 'kernel', name: 'kernel' },
    { key: 'memoryBackend', name: 'guest RAM' },
  ],
  foreignGuests: false,
  setup: vagrantSetup,
  async probe(host) {
    requireHostPackages('vagrant', host.guestArch);
    const version = await execa('virsh', ['-c', libvirtUri, 'version'], { reject: false, all: true });
    if (version.exitCode !== 0) {
      throw new MissingDependencyError(
        `vagrant: libvirtd not reachable at ${libvirtUri} (scripts/setup.sh --runtimes vagrant starts it)`,
      );
    }
    return 'vagrant and libvirtd present';
  },
  async doctor() {
    const vagrantVersion = await execa('vagrant', ['--version'], {
      reject: false,
      all: true,
      env: { VAGRANT_CHECKPOINT_DISABLE: '1' },
    });
    const line =
      vagrantVersion.exitCode === 0
        ? {
            name: 'vagrant',
            status: 'ok' as const,
            detail: String(vagrantVersion.all ?? '')
              .trim()
              .slice(0, 100),
            required: false,
          }
        : {
            name: 'vagrant',
            status: 'warning' as const,
            detail: 'not installed',
            fix: 'scripts/setup.sh --vagrant (only for --runtimes …,vagrant)',
            required: false,
          };
    return [line, ...(await libvirtChecks())];
  },
  async create(context) {
    const accel = await context.accelerator();
    context.log(`vagrant: libvirt driver ${accel.accel === 'kvm' ? 'kvm' : 'qemu'} (${accel.reason})`);
    const backend = new VagrantBackend({
      profile: context.profile,
      accel: accel.accel,
      accelReason: accel.reason,
      emulated: accel.emulated,
      runDir: context.runDir,
      runId: context.runId,
      cacheRoot: context.cacheRoot,
      log: context.log,
    });
    return { backend, info: await backend.prepare(context.images, context.signal), emulated: accel.emulated };
  },
  clean: cleanLibvirt,
};
