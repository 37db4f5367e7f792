import type { Backend } from '../backends/backend.js';
import { DockerBackend, probeDockerEngine } from '../backends/docker.js';
import { NativeBackend } from '../backends/native.js';
import { QemuBackend } from '../backends/qemu.js';
import type { Accelerator } from '../backends/qemu-cmdline.js';
import { VagrantBackend } from '../backends/vagrant.js';
import type { AccelChoice, ContainerNetwork, RuntimeName } from '../config/suite.js';
import type { ArchName, ArchProfile } from '../host/arch.js';
import { ioDevicesOf, type IoDevices } from '../host/block-device.js';
import type { ImageSet } from '../images/image-set.js';
import { UsageError } from '../errors.js';
import { cacheDir } from '../paths.js';
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
  /** How the host reaches containers' ports. */
  containerNetwork: ContainerNetwork;
}

/** Create and prepare one backend per runtime, and the runtime records for the result file. */
export async function prepareBackends(options: PrepareOptions): Promise<{ backends: Map<RuntimeName, Backend>; runtimes: ResultFile['runtimes']; ioDevices: IoDevices | undefined }> {
  const foreign = options.guestArch !== options.hostArch;
  // Every device any runtime's I/O lands on: the run folder (overlays, scratch files), the image cache (the VM
  // disk's backing file), Docker's root. On v1 every trial's cgroup gets the same non-limiting throttle rules on
  // each; on both, the I/O columns sum the devices the filesystems sit on, not again the devices below them.
  const dockerRoot = options.runtimes.includes('docker') ? (await probeDockerEngine().catch(() => undefined))?.rootDir : undefined;
  const ioDevices = await ioDevicesOf([options.runDir, cacheDir(), ...(dockerRoot ? [dockerRoot] : [])], '/sys', options.cgroupVersion);
  const backends = new Map<RuntimeName, Backend>();
  const runtimes: ResultFile['runtimes'] = {};
  // One KVM probe for both VM runtimes: the same answer drives QEMU's -accel and libvirt's driver.
  let accelDecision: Promise<{ accel: Accelerator; reason: string }> | undefined;
  const decideAccel = () =>
    (accelDecision ??= foreign
      ? Promise.resolve({ accel: 'tcg' as const, reason: `foreign architecture (${options.guestArch} guest on a ${options.hostArch} host): only TCG emulation can run it` })
      : chooseAccelerator(options.accel, options.profile, options.images.kernelPath));
  for (const runtime of options.runtimes) {
    if (runtime === 'docker') {
      const backend = new DockerBackend({ platform: options.profile.dockerPlatform, foreign, network: options.containerNetwork, ...(ioDevices ? { ioDevices } : {}) });
      runtimes.docker = { emulated: foreign, info: await backend.prepare(options.images, options.signal) };
      backends.set('docker', backend);
    } else if (runtime === 'native') {
      const backend = new NativeBackend({ runDir: options.runDir, ...(ioDevices ? { ioDevices } : {}) });
      runtimes.native = { emulated: foreign, info: await backend.prepare(options.images) };
      backends.set('native', backend);
    } else if (runtime === 'qemu') {
      const accel = await decideAccel();
      options.log(`qemu: accelerator ${accel.accel} (${accel.reason})`);
      const backend = new QemuBackend({ profile: options.profile, accel: accel.accel, accelReason: accel.reason, runDir: options.runDir, runId: options.runId, ...(ioDevices ? { ioDevices } : {}) });
      runtimes.qemu = { emulated: accel.accel === 'tcg', info: await backend.prepare(options.images) };
      backends.set('qemu', backend);
    } else {
      if (foreign) throw new UsageError(`--runtimes vagrant runs guests of the host's architecture only, not ${options.guestArch}`);
      const accel = await decideAccel();
      options.log(`vagrant: libvirt driver ${accel.accel === 'kvm' ? 'kvm' : 'qemu'} (${accel.reason})`);
      const backend = new VagrantBackend({ profile: options.profile, accel: accel.accel, accelReason: accel.reason, runDir: options.runDir, runId: options.runId, cacheRoot: cacheDir(), log: options.log });
      runtimes.vagrant = { emulated: accel.accel === 'tcg', info: await backend.prepare(options.images, options.signal) };
      backends.set('vagrant', backend);
    }
  }
  return { backends, runtimes, ioDevices };
}
