import type { ArchProfile } from '../../host/arch.js';

/** Accelerator a VM runs under. */
export type Accelerator = 'kvm' | 'tcg';

/**
 * The machine a VM runtime boots: QEMU's machine type with its options, the bus its virtio devices sit
 * on (`pci`: `virtio-blk-pci`…; `mmio`: `virtio-blk-device`…, as on a microvm), and the kernel arguments
 * and CPU model it needs beyond the console.
 */
export interface QemuMachine {
  /** `-machine` value before `,accel=…`, e.g. `pc` or `microvm,pit=on`. */
  readonly type: string;
  readonly bus: 'pci' | 'mmio';
  readonly kernelArgs: readonly string[];
  /** CPU model per accelerator. */
  readonly cpuModel: { readonly kvm: string; readonly tcg: string };
  /** Why the machine is set up this way, recorded with the runtime. */
  readonly note?: string;
}

/** The architecture's usual machine (`pc` on x86_64, `virt` on aarch64): PCI devices. */
export function machineOf(profile: ArchProfile): QemuMachine {
  return { type: profile.machineType, bus: 'pci', kernelArgs: profile.extraKernelArgs, cpuModel: profile.cpuModel };
}

/** Everything that shapes a QEMU command line. */
export interface QemuLaunch {
  readonly profile: ArchProfile;
  /** The machine; the architecture's usual one when absent. */
  readonly machine?: QemuMachine;
  readonly accel: Accelerator;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly kernelPath: string;
  readonly initrdPath: string;
  /** qcow2 overlay of the shared root disk. */
  readonly diskPath: string;
  /** Root disk cache mode; recorded in results. */
  readonly diskCache: 'none' | 'writeback' | 'writethrough';
  /** Agent arguments, appended after `--` on the kernel command line. */
  readonly agentArgs: readonly string[];
  /** A virtio NIC on a tap device of the harness bridge. */
  readonly network?: { readonly tap: string; readonly mac: string; readonly vhost: boolean };
  /** Raw scratch file, the second virtio disk (/dev/vdb), with host page cache bypassed. */
  readonly scratchPath?: string;
}

/**
 * How the scratch disk is attached; recorded in results. aio=threads, QEMU's own default, which needs nothing of
 * the host kernel (io_uring needs a QEMU built with liburing). Vagrant's domain attaches the same file the same way.
 */
export const scratchDriveOptions = 'format=raw,cache=none,aio=threads';

/**
 * The vCPUs a guest of `vcpus` may have (QEMU's maxcpus). Under TCG a one-vCPU guest gets 2: one vCPU present, a
 * second possible, never plugged. Why: QEMU 7.2's TCG translates a guest's memory barriers and locked
 * instructions as plain ones when no second vCPU can exist (no CF_PARALLEL), yet its I/O thread completes virtio
 * requests concurrently. The guest's virtio driver re-enables interrupts and re-reads the used ring while QEMU
 * publishes completions and reads the guest's interrupt threshold; without a real barrier each can miss the
 * other's write, and an interrupt is lost. Seen as the disk workload's fio waiting forever with 16 I/Os in flight
 * in about 1 of 8 TCG trials (and once a redis trial, on virtio-net), while QEMU's queue had completed every
 * request and the guest's used_event stood 16 behind (info virtio-queue-status; nothing pending in the LAPIC).
 * With maxcpus=2: 0 of 48 (32 boots by hand, 16 bench trials). QEMU 8.1 stopped eliding barriers for a lone
 * vCPU (commit c914d46d, "tcg: Do not elide memory barriers for !CF_PARALLEL in system mode"); a possible second
 * vCPU makes 7.2 translate them as real ones. Under KVM the guest's barriers run on the CPU itself.
 */
export function possibleVcpus(vcpus: number, accel: Accelerator): number {
  return accel === 'tcg' && vcpus === 1 ? 2 : vcpus;
}

/** What {@link possibleVcpus} does, recorded with a VM runtime's info under TCG. */
export const tcgVcpuNote =
  'a 1-vCPU guest has maxcpus=2 (a second vCPU possible, never plugged): with no possible second vCPU, ' +
  "QEMU 7.2 TCG drops the guest's memory barriers and a virtio interrupt can be lost";

/** `-smp`: the guest's vCPUs, and the possible ones where {@link possibleVcpus} adds one. */
function smpArgument(vcpus: number, accel: Accelerator): string {
  const possible = possibleVcpus(vcpus, accel);
  return possible === vcpus ? String(vcpus) : `${vcpus},maxcpus=${possible}`;
}

/** Kernel command line: console, panic=-1 (with -no-reboot a panic ends QEMU), then the agent's args. */
export function kernelCommandLine(launch: Pick<QemuLaunch, 'profile' | 'agentArgs' | 'machine'>): string {
  const machine = launch.machine ?? machineOf(launch.profile);
  return [
    `console=${launch.profile.console}`,
    'panic=-1',
    'quiet',
    ...machine.kernelArgs,
    '--',
    ...launch.agentArgs,
  ].join(' ');
}

/** The QEMU argument array (never a shell string). */
export function buildQemuArgs(launch: QemuLaunch): string[] {
  const machine = launch.machine ?? machineOf(launch.profile);
  const cpu = launch.accel === 'kvm' ? machine.cpuModel.kvm : machine.cpuModel.tcg;
  const virtio = (device: 'blk' | 'net') => `virtio-${device}-${machine.bus === 'pci' ? 'pci' : 'device'}`;
  return [
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-machine',
    `${machine.type},accel=${launch.accel}`,
    '-cpu',
    cpu,
    '-smp',
    smpArgument(launch.vcpus, launch.accel),
    '-m',
    `${launch.memoryMiB}M`,
    '-kernel',
    launch.kernelPath,
    '-initrd',
    launch.initrdPath,
    '-append',
    kernelCommandLine(launch),
    '-drive',
    `file=${launch.diskPath},if=none,id=root,format=qcow2,cache=${launch.diskCache}`,
    '-device',
    `${virtio('blk')},drive=root`,
    ...(launch.scratchPath
      ? [
          '-drive',
          `file=${launch.scratchPath},if=none,id=scratch,${scratchDriveOptions}`,
          '-device',
          `${virtio('blk')},drive=scratch`,
        ]
      : []),
    ...(launch.network
      ? [
          '-netdev',
          `tap,id=net0,ifname=${launch.network.tap},script=no,downscript=no${launch.network.vhost ? ',vhost=on' : ''}`,
          '-device',
          `${virtio('net')},netdev=net0,mac=${launch.network.mac}`,
        ]
      : []),
    '-serial',
    'stdio',
    ...launch.profile.extraQemuArgs,
  ];
}
