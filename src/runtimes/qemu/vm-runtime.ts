import { QemuBackend, probeQemu } from './backend.js';
import type { QemuMachine } from './cmdline.js';
import type { RuntimeName } from '../../config/suite.js';
import type { ArchProfile } from '../../host/arch.js';
import { requireHostPackages } from '../host-packages.js';
import type { FactKey } from '../../results/runtime-facts.js';
import type { CreateContext, CreatedRuntime, DoctorCheck, RuntimeHost } from '../runtime.js';

/** What reports show of a QEMU runtime: QEMU's version, how it runs the guest, and what the guest boots. */
export const qemuFacts: readonly FactKey[] = [
  { key: 'qemuVersion', name: 'QEMU', version: true },
  { key: 'accelerator', name: 'accelerator' },
  { key: 'machineType', name: 'machine' },
  { key: 'cpuModel', name: 'CPU' },
  { key: 'kernel', name: 'kernel' },
  { key: 'rootDiskCache', name: 'root disk cache' },
  { key: 'memoryBackend', name: 'guest RAM' },
];

/** QEMU on this host, and the other commands a QEMU runtime needs (its `host-packages`, read as `packagesOf`). */
export async function probeQemuRuntime(packagesOf: string, host: RuntimeHost): Promise<string> {
  requireHostPackages(packagesOf, host.guestArch);
  return `QEMU ${await probeQemu(host.profile)}`;
}

/** The QEMU binary's doctor line (shared by every QEMU runtime: doctor shows it once). */
export async function qemuDoctor(profile: ArchProfile): Promise<DoctorCheck[]> {
  try {
    return [{ name: profile.qemuBinary, status: 'ok', detail: await probeQemu(profile), required: true }];
  } catch {
    return [
      {
        name: profile.qemuBinary,
        status: 'missing',
        detail: 'not installed',
        fix: `apt-get install ${profile.qemuPackage}`,
        required: true,
      },
    ];
  }
}

/** A QEMU backend for runtime `name` booting `machine` (the architecture's usual one when absent). */
export async function createQemuRuntime(
  name: RuntimeName,
  context: CreateContext,
  machine?: QemuMachine,
): Promise<CreatedRuntime> {
  const accel = await context.accelerator();
  context.log(`${name}: accelerator ${accel.accel} (${accel.reason})`);
  const backend = new QemuBackend({
    name,
    ...(machine ? { machine } : {}),
    profile: context.profile,
    accel: accel.accel,
    accelReason: accel.reason,
    emulated: accel.emulated,
    runDir: context.runDir,
    runId: context.runId,
    ...(context.ioDevices ? { ioDevices: context.ioDevices } : {}),
  });
  return { backend, info: await backend.prepare(context.images), emulated: accel.emulated };
}
