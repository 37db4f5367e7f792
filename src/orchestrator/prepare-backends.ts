import type { Backend } from '../contract/backend.js';
import type { AccelChoice, ContainerNetwork, RuntimeName } from '../config/suite.js';
import type { ArchName, ArchProfile } from '../host/arch.js';
import { ioDevicesOf, type IoDevices } from '../host/block-device.js';
import type { ImageSet } from '../images/image-set.js';
import { cacheDir } from '../paths.js';
import { factsOf } from '../results/runtime-facts.js';
import type { ResultFile } from '../results/types.js';
import type { AccelDecision, RuntimeDescriptor } from '../runtimes/runtime.js';
import { chooseAccelerator } from './choose-accel.js';
import { envelopeRecord } from '../host/envelope.js';

/** What preparing the runtimes of a run needs. */
export interface PrepareOptions {
  /** The run's runtimes, as the table describes them. */
  runtimes: readonly RuntimeDescriptor[];
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
  /** The envelope every trial gets (vCPUs = CPU quota, memory limit), and who makes the trials' groups. */
  envelope: { vcpus: number; memoryMiB: number; systemdOwnsTree: boolean };
}

/** Create and prepare one backend per runtime, and the runtime records for the result file. */
export async function prepareBackends(options: PrepareOptions): Promise<{
  backends: Map<RuntimeName, Backend>;
  runtimes: ResultFile['runtimes'];
  ioDevices: IoDevices | undefined;
}> {
  const foreign = options.guestArch !== options.hostArch;
  // Every device any runtime's I/O lands on: the run folder (overlays, scratch files), the image cache (the VM
  // disk's backing file), each runtime's own roots (Docker's). On v1 every trial's cgroup gets the same
  // non-limiting throttle rules on each; on both, the I/O columns sum the devices the filesystems sit on.
  // Runtimes that share an engine share its roots function (docker, docker-crun): each is asked once.
  const rootsOf = [...new Set(options.runtimes.flatMap((runtime) => (runtime.ioRoots ? [runtime.ioRoots] : [])))];
  const roots = (await Promise.all(rootsOf.map((ioRoots) => ioRoots()))).flat();
  const ioDevices = await ioDevicesOf([options.runDir, cacheDir(), ...roots], '/sys', options.cgroupVersion);
  const backends = new Map<RuntimeName, Backend>();
  const runtimes: ResultFile['runtimes'] = {};
  // One KVM probe for every VM runtime: the same answer drives QEMU's -accel and libvirt's driver.
  let accelDecision: Promise<AccelDecision> | undefined;
  const accelerator = () =>
    (accelDecision ??= foreign
      ? Promise.resolve({
          accel: 'tcg' as const,
          reason: `foreign architecture (${options.guestArch} guest on a ${options.hostArch} host): only TCG emulation can run it`,
          emulated: true,
        })
      : chooseAccelerator(options.accel, options.profile, options.images.kernelPath));
  for (const runtime of options.runtimes) {
    const { backend, info, emulated } = await runtime.create({
      profile: options.profile,
      guestArch: options.guestArch,
      hostArch: options.hostArch,
      images: options.images,
      runDir: options.runDir,
      runId: options.runId,
      cacheRoot: cacheDir(),
      containerNetwork: options.containerNetwork,
      ...(ioDevices ? { ioDevices } : {}),
      signal: options.signal,
      log: options.log,
      accelerator,
    });
    runtimes[runtime.name as RuntimeName] = {
      kind: runtime.kind,
      label: runtime.label,
      emulated,
      info,
      facts: factsOf(runtime.facts ?? [], info),
      envelope: envelopeRecord(
        backend.kind,
        backend.cgroupPlacement === 'own'
          ? (backend.envelopeEnforcer ?? 'none')
          : options.envelope.systemdOwnsTree
            ? 'systemd-slice'
            : 'trial-cgroup',
        options.envelope.vcpus,
        options.envelope.memoryMiB,
      ),
    };
    backends.set(runtime.name as RuntimeName, backend);
  }
  return { backends, runtimes, ioDevices };
}
