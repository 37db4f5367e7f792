import type { Backend } from '../backends/backend.js';
import { DockerBackend } from '../backends/docker.js';
import { NativeBackend } from '../backends/native.js';
import { QemuBackend } from '../backends/qemu.js';
import type { AccelChoice, RuntimeName } from '../config/suite.js';
import type { ArchName, ArchProfile } from '../host/arch.js';
import { blockDeviceOf } from '../host/block-device.js';
import type { ImageSet } from '../images/image-set.js';
import type { ResultFile } from '../results/types.js';
import { chooseAccelerator } from './choose-accel.js';

/** What preparing the runtimes of a run needs. */
export interface PrepareOptions {
  runtimes: readonly RuntimeName[];
  images: ImageSet;
  profile: ArchProfile;
  guestArch: ArchName;
  hostArch: ArchName;
  accel: AccelChoice;
  cgroupVersion: 1 | 2;
  runDir: string;
  /** Names the run's network links. */
  runId: string;
  signal: AbortSignal;
  log: (line: string) => void;
}

/** Create and prepare one backend per runtime, and the runtime records for the result file. */
export async function prepareBackends(options: PrepareOptions): Promise<{ backends: Map<RuntimeName, Backend>; runtimes: ResultFile['runtimes'] }> {
  const foreign = options.guestArch !== options.hostArch;
  // On v1 both harness-cgroup runtimes get the same non-limiting throttle rule on the run's disk.
  const countDevice = options.cgroupVersion === 1 ? await blockDeviceOf(options.runDir).catch(() => undefined) : undefined;
  const backends = new Map<RuntimeName, Backend>();
  const runtimes: ResultFile['runtimes'] = {};
  for (const runtime of options.runtimes) {
    if (runtime === 'docker') {
      const backend = new DockerBackend({ platform: options.profile.dockerPlatform, foreign });
      runtimes.docker = { emulated: foreign, info: await backend.prepare(options.images, options.signal) };
      backends.set('docker', backend);
    } else if (runtime === 'native') {
      const backend = new NativeBackend({ runDir: options.runDir, ...(countDevice ? { countDevice } : {}) });
      runtimes.native = { emulated: foreign, info: await backend.prepare(options.images) };
      backends.set('native', backend);
    } else {
      const accel = foreign
        ? { accel: 'tcg' as const, reason: `foreign architecture (${options.guestArch} guest on a ${options.hostArch} host): only TCG emulation can run it` }
        : await chooseAccelerator(options.accel, options.profile, options.images.kernelPath);
      options.log(`qemu: accelerator ${accel.accel} (${accel.reason})`);
      const backend = new QemuBackend({ profile: options.profile, accel: accel.accel, accelReason: accel.reason, runDir: options.runDir, runId: options.runId, ...(countDevice ? { countDevice } : {}) });
      runtimes.qemu = { emulated: accel.accel === 'tcg', info: await backend.prepare(options.images) };
      backends.set('qemu', backend);
    }
  }
  return { backends, runtimes };
}
