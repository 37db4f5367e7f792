import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { cleanup } from '../../cleanup.js';
import { MissingDependencyError, TrialError } from '../../errors.js';
import type { RuntimeName } from '../../config/suite.js';
import type { ArchProfile } from '../../host/arch.js';
import { describeIoAccounting, type IoDevices } from '../../host/block-device.js';
import {
  runHarnessBridge,
  createTap,
  guestAddressing,
  harnessLinkPrefix,
  pinNeighbor,
  runLinkTag,
} from '../../host/harness-bridge.js';
import type { ImageSet } from '../../images/image-set.js';
import { runStep } from '../../images/run-step.js';
import {
  agentArguments,
  endpointsAt,
  hostClockBoot,
  type Backend,
  type BootPhase,
  type RuntimeInfo,
  type TrialObserver,
  type TrialOutcome,
  type TrialSpec,
} from '../../contract/backend.js';
import { startInHarnessCgroup, type CgroupProcess } from '../../contract/cgroup-process.js';
import { ConsoleWatch, type ConsoleResult } from '../../contract/console-watch.js';
import {
  buildQemuArgs,
  machineOf,
  scratchDriveOptions,
  tcgVcpuNote,
  type Accelerator,
  type QemuLaunch,
  type QemuMachine,
} from './cmdline.js';

/** QEMU binary version line, or a MissingDependencyError naming the package. */
export async function probeQemu(profile: ArchProfile): Promise<string> {
  try {
    const { stdout } = await execa(profile.qemuBinary, ['--version']);
    return /version (\S+)/.exec(stdout)?.[1] ?? stdout.split('\n')[0] ?? 'unknown';
  } catch (error) {
    throw new MissingDependencyError(`${profile.qemuBinary} not found: install ${profile.qemuPackage}`, {
      cause: error,
    });
  }
}

/** Settings of the QEMU backend that the run decided before the first trial. */
export interface QemuSettings {
  /** The runtime it serves (`qemu`, or a variant such as a microvm machine). */
  readonly name: RuntimeName;
  /** The machine: its type, devices bus and the kernel arguments it needs (the arch profile's by default). */
  readonly machine?: QemuMachine;
  readonly profile: ArchProfile;
  readonly accel: Accelerator;
  readonly accelReason: string;
  /** Whether its figures measure emulation: TCG, or KVM on a host that is itself emulated. */
  readonly emulated: boolean;
  /** Folder for this run's overlays (removed with the run). */
  readonly runDir: string;
  /** Names the run's bridge and taps. */
  readonly runId: string;
  /** The run's I/O devices (non-limiting throttle rules on v1), recorded in the runtime's ioAccounting. */
  readonly ioDevices?: IoDevices;
}

/** Runs guests as QEMU VMs booting the shared disk (through a fresh overlay) with direct kernel boot. */
export class QemuBackend implements Backend {
  readonly name: RuntimeName;
  readonly kind = 'vm' as const;
  readonly cgroupPlacement = 'trial-leaf' as const;
  readonly #settings: QemuSettings;
  #images: ImageSet | undefined;

  constructor(settings: QemuSettings) {
    this.#settings = settings;
    this.name = settings.name;
  }

  get #machine(): QemuMachine {
    return this.#settings.machine ?? machineOf(this.#settings.profile);
  }

  async prepare(images: ImageSet): Promise<RuntimeInfo> {
    const version = await probeQemu(this.#settings.profile);
    this.#images = images;
    return {
      qemuVersion: version,
      binary: this.#settings.profile.qemuBinary,
      accelerator: this.#settings.accel,
      acceleratorReason: this.#settings.accelReason,
      emulated: this.#settings.emulated,
      machineType: this.#machine.type,
      ...(this.#machine.note ? { machineNote: this.#machine.note } : {}),
      cpuModel: this.#settings.accel === 'kvm' ? this.#machine.cpuModel.kvm : this.#machine.cpuModel.tcg,
      ...(this.#settings.accel === 'tcg' ? { vcpuTopology: tcgVcpuNote } : {}),
      rootDiskCache: 'writeback',
      rootDiskOverlay: 'qcow2, fresh per trial',
      kernel: `${images.kernel.name} ${images.kernel.version}`,
      // What backs the guest's RAM moves its memory figures (a TLB miss in a VM walks two page tables): plain
      // anonymous memory, which QEMU madvises for transparent huge pages; how much the host actually mapped
      // with them is sampled per trial (guest.anon_huge_bytes) and the host's THP mode is in the fingerprint.
      memoryBackend:
        'anonymous RAM (-m, no memory-backend object, no hugetlbfs, no prealloc), madvised MADV_HUGEPAGE by QEMU',
      network: 'none, except workloads with ports',
      networkPath: `virtio-net on a tap of a harness bridge (${harnessLinkPrefix}${runLinkTag(this.#settings.runId)}, 10.213.N.0/24, STP off, no uplink)${this.#settings.accel === 'kvm' ? ', vhost-net' : ', no vhost (TCG)'}; the host connects to the guest's address`,
      scratch: `second virtio-blk disk: the scratch file, ${scratchDriveOptions}`,
      ioAccounting: describeIoAccounting(this.#settings.ioDevices),
    };
  }

  /** The run's bridge, on the first networked trial: like docker0, it exists before any guest starts. */
  async beforeClock(spec: TrialSpec): Promise<void> {
    if (!spec.workload.network) return;
    await runHarnessBridge(this.#settings.runId);
  }

  async runTrial(spec: TrialSpec, observer: TrialObserver, origin: number): Promise<TrialOutcome> {
    const images = this.#images;
    if (!images) throw new Error('QemuBackend.prepare was not called');
    const overlay = join(this.#settings.runDir, `${spec.trialId}.qcow2`);
    const removeOverlay = cleanup.register(`overlay ${overlay}`, () => rm(overlay, { force: true }));
    const args = ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', images.diskPath, overlay];
    await runStep(
      'qemu-img overlay',
      'qemu-img',
      args,
      {},
      (why, cause) =>
        new TrialError(`${this.name}: the trial's disk overlay (qemu-img create) failed: ${why}`, { cause }),
    );
    const net = spec.workload.network ? await this.#attachNetwork(spec) : undefined;
    const extra: Record<string, string> = {
      ...(net ? { net_ip: net.cidr } : {}),
      ...(spec.scratch ? { scratch_file: '/dev/vdb' } : {}),
    };
    const launch: QemuLaunch = {
      profile: this.#settings.profile,
      machine: this.#machine,
      accel: this.#settings.accel,
      vcpus: spec.vcpus,
      memoryMiB: spec.memoryMiB,
      kernelPath: images.kernelPath,
      initrdPath: images.initrdPath,
      diskPath: overlay,
      diskCache: 'writeback',
      agentArgs: agentArguments('vm', spec, extra),
      ...(net ? { network: { tap: net.tap, mac: net.mac, vhost: this.#settings.accel === 'kvm' } } : {}),
      ...(spec.scratch ? { scratchPath: join(spec.scratch.dir, spec.scratch.fileName) } : {}),
    };
    const watch = new ConsoleWatch(observer, {
      readyTimeoutMs: spec.readyTimeoutMs,
      workloadTimeoutMs: spec.workloadTimeoutMs,
      signal: spec.signal,
    });
    const spawnAt = performance.now();
    let guest: CgroupProcess | undefined;
    try {
      guest = await startInHarnessCgroup({
        trial: spec,
        command: [this.#settings.profile.qemuBinary, ...buildQemuArgs(launch)],
        label: 'QEMU',
        watch,
      });
      const { exited } = guest;
      observer.guestStarted({ cgroup: spec.cgroup!.location });
      if (net) observer.guestEndpoints(net.endpoints);
      const result = await watch.done;
      // The guest powers off after EXIT; give it a moment, then make sure. A user's image serves until stopped.
      if (!images.launch) await Promise.race([exited, sleep(15_000)]);
      await observer.guestExited();
      if (images.launch) return { ...imageBootPhases(origin, spawnAt, result), consoleTail: watch.lines.tail() };
      const kernelStartMs = result.readyAtMs - result.readyUptimeSeconds * 1000;
      const phases: BootPhase[] = [
        { name: 'prepare', ms: spawnAt - origin, clock: 'host' },
        { name: 'qemu+firmware', ms: kernelStartMs - spawnAt, clock: 'host-minus-guest' },
      ];
      if (result.initramfsUptimeSeconds !== undefined) {
        phases.push({ name: 'kernel', ms: result.initramfsUptimeSeconds * 1000, clock: 'guest' });
        phases.push({
          name: 'initramfs+agent',
          ms: (result.readyUptimeSeconds - result.initramfsUptimeSeconds) * 1000,
          clock: 'guest',
        });
      } else {
        phases.push({ name: 'kernel+agent', ms: result.readyUptimeSeconds * 1000, clock: 'guest' });
      }
      return {
        bootToReadyMs: result.readyAtMs - origin,
        phases,
        guestUptimeAtReadyMs: result.readyUptimeSeconds * 1000,
        exitStatus: result.exitStatus,
        consoleTail: watch.lines.tail(),
      };
    } finally {
      watch.fail('trial ended');
      await guest?.stop();
      await net?.removeTap();
      await removeOverlay();
    }
  }

  /** A tap on the run's bridge (made before the clock by beforeClock) and the guest's address behind it. */
  async #attachNetwork(spec: TrialSpec) {
    const bridge = await runHarnessBridge(this.#settings.runId);
    const index = bridge.nextGuest();
    const tap = `${bridge.name}-${index}`;
    const removeTap = await createTap(bridge, tap);
    const { cidr, mac } = guestAddressing(bridge.octet, index);
    const address = cidr.split('/')[0] ?? '';
    // A user's image is READY when the host reaches it: no ARP round in that clock (see pinNeighbor).
    if (this.#images?.launch) await pinNeighbor(bridge, address, mac);
    const endpoints = endpointsAt(address, spec.workload.ports ?? {});
    return { tap, cidr, mac, endpoints, removeTap };
  }
}

/**
 * Boot phases of a user's image (`--image`): READY is the host's own check (a port, an HTTP answer, a log
 * line), which no guest clock stamps, so the guest-clock split stops at the kernel (uptime at /init).
 */
function imageBootPhases(
  origin: number,
  spawnAt: number,
  result: ConsoleResult,
): Pick<TrialOutcome, 'bootToReadyMs' | 'phases' | 'exitStatus'> {
  const { bootToReadyMs, phases } = hostClockBoot(origin, spawnAt, result.readyAtMs, 'spawn+ready');
  if (result.initramfsUptimeSeconds !== undefined)
    phases.push({ name: 'kernel', ms: result.initramfsUptimeSeconds * 1000, clock: 'guest' });
  return { bootToReadyMs, phases, exitStatus: result.exitStatus };
}
