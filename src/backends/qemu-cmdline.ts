import type { ArchProfile } from '../host/arch.js';

/** Accelerator a VM runs under. */
export type Accelerator = 'kvm' | 'tcg';

/** Everything that shapes a QEMU command line. */
export interface QemuLaunch {
  readonly profile: ArchProfile;
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

/** How the scratch disk is attached; recorded in results. */
export const scratchDriveOptions = 'format=raw,cache=none,aio=native';

/** Kernel command line: console, panic=-1 (with -no-reboot a panic ends QEMU), then the agent's args. */
export function kernelCommandLine(launch: Pick<QemuLaunch, 'profile' | 'agentArgs'>): string {
  return [`console=${launch.profile.console}`, 'panic=-1', 'quiet', ...launch.profile.extraKernelArgs, '--', ...launch.agentArgs].join(' ');
}

/** The QEMU argument array (never a shell string). */
export function buildQemuArgs(launch: QemuLaunch): string[] {
  const cpu = launch.accel === 'kvm' ? launch.profile.cpuModel.kvm : launch.profile.cpuModel.tcg;
  return [
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-no-reboot',
    '-machine', `${launch.profile.machineType},accel=${launch.accel}`,
    '-cpu', cpu,
    '-smp', String(launch.vcpus),
    '-m', `${launch.memoryMiB}M`,
    '-kernel', launch.kernelPath,
    '-initrd', launch.initrdPath,
    '-append', kernelCommandLine(launch),
    '-drive', `file=${launch.diskPath},if=none,id=root,format=qcow2,cache=${launch.diskCache}`,
    '-device', 'virtio-blk-pci,drive=root',
    ...(launch.scratchPath ? ['-drive', `file=${launch.scratchPath},if=none,id=scratch,${scratchDriveOptions}`, '-device', 'virtio-blk-pci,drive=scratch'] : []),
    ...(launch.network
      ? [
          '-netdev', `tap,id=net0,ifname=${launch.network.tap},script=no,downscript=no${launch.network.vhost ? ',vhost=on' : ''}`,
          '-device', `virtio-net-pci,netdev=net0,mac=${launch.network.mac}`,
        ]
      : []),
    '-serial', 'stdio',
    ...launch.profile.extraQemuArgs,
  ];
}
