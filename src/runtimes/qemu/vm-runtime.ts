import { QemuBackend, probeQemu } from './backend.js';
import type { QemuMachine } from './cmdline.js';
import type { RuntimeName } from '../../config/suite.js';
import { deleteLink, listHarnessLinks, ownedByNoLiveRun } from '../../host/harness-bridge.js';
import type { ArchProfile } from '../../host/arch.js';
import { requireHostPackages } from '../host-packages.js';
import type { CleanContext, CleanReport, CreateContext, CreatedRuntime, DoctorCheck, RuntimeHost } from '../runtime.js';

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

/** Taps and bridges (`tb-<run tag>…`) of runs that are not alive; taps first, then their bridge. */
export async function cleanHarnessLinks(context: CleanContext): Promise<CleanReport> {
  try {
    const orphans = (await listHarnessLinks()).filter((name) => ownedByNoLiveRun(name, context.liveRunIds));
    // Longer names are the taps (tb-TAG-N); removing them before the bridge (tb-TAG) keeps the order clean.
    orphans.sort((a, b) => b.length - a.length);
    for (const name of orphans) await deleteLink(name);
    return { removed: orphans.map((name) => `network link ${name}`), problems: [] };
  } catch (error) {
    return { removed: [], problems: [`network links: ${(error as Error).message}; not checked`] };
  }
}
