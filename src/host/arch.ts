/**
 * Everything that differs between host architectures lives here, so backends and image builders
 * never branch on the architecture themselves.
 */
export type ArchName = 'amd64' | 'arm64';

export interface ArchProfile {
  /** Debian architecture name, used for debootstrap and apt. */
  readonly debianArch: ArchName;
  /** `uname -m` spelling. */
  readonly unameMachine: 'x86_64' | 'aarch64';
  /** Docker platform string. */
  readonly dockerPlatform: string;
  /** QEMU system emulator for this arch. */
  readonly qemuBinary: string;
  /** Debian package providing `qemuBinary`. */
  readonly qemuPackage: string;
  /** Machine type used for benchmark guests, and why. */
  readonly machineType: string;
  /** Serial console device name inside the guest. */
  readonly console: string;
  /** CPU model under KVM and under TCG (TCG model chosen for emulation speed). */
  readonly cpuModel: { readonly kvm: string; readonly tcg: string };
  /** Debian kernel meta-package whose dependency is the actual kernel image. */
  readonly kernelMetaPackage: string;
  /** Kernel arguments specific to this arch (timer quirks and the like). */
  readonly extraKernelArgs: readonly string[];
  /** Extra QEMU arguments needed by the machine type (firmware etc.). */
  readonly extraQemuArgs: readonly string[];
}

const amd64: ArchProfile = {
  debianArch: 'amd64',
  unameMachine: 'x86_64',
  dockerPlatform: 'linux/amd64',
  qemuBinary: 'qemu-system-x86_64',
  qemuPackage: 'qemu-system-x86',
  // `pc` never hung in quiet TCG boots on nested hosts; `microvm` did about 1 in 15 without timer args.
  machineType: 'pc',
  console: 'ttyS0',
  // Under TCG the plain qemu64 model booted to READY faster than `max` here (2.4 s vs 2.8 s).
  cpuModel: { kvm: 'host', tcg: 'qemu64' },
  kernelMetaPackage: 'linux-image-cloud-amd64',
  // No TSC calibration loop under emulation; the PIT is reliable on `pc`.
  extraKernelArgs: ['tsc=reliable', 'no_timer_check'],
  extraQemuArgs: [],
};

const arm64: ArchProfile = {
  debianArch: 'arm64',
  unameMachine: 'aarch64',
  dockerPlatform: 'linux/arm64',
  qemuBinary: 'qemu-system-aarch64',
  qemuPackage: 'qemu-system-arm',
  machineType: 'virt',
  console: 'ttyAMA0',
  // Plain `max` emulates pointer authentication slowly under TCG; impdef keeps boots ~3x faster.
  cpuModel: { kvm: 'host', tcg: 'max,pauth-impdef=on' },
  kernelMetaPackage: 'linux-image-cloud-arm64',
  extraKernelArgs: [],
  extraQemuArgs: [],
};

const profiles: Record<ArchName, ArchProfile> = { amd64, arm64 };

/** Map Node's `process.arch` to a supported architecture, or undefined. */
export function archFromNode(nodeArch: string): ArchName | undefined {
  if (nodeArch === 'x64') return 'amd64';
  if (nodeArch === 'arm64') return 'arm64';
  return undefined;
}

/** Map `uname -m` (as `host.arch` records it) to a supported architecture, or undefined. */
export function archFromUname(machine: string): ArchName | undefined {
  return (Object.keys(profiles) as ArchName[]).find((arch) => profiles[arch].unameMachine === machine);
}

/** The profile for an architecture name. */
export function getArchProfile(arch: ArchName): ArchProfile {
  return profiles[arch];
}

/** Names accepted by `--arch`. */
export const archNames: readonly ArchName[] = ['amd64', 'arm64'];
