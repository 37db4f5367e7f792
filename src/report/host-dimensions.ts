import type { ResultFile } from '../results/types.js';

/** Host and engine facts that change what a figure means; `compare` highlights those that differ. */
export function hostDimensions(result: ResultFile): Record<string, string> {
  const qemu = result.runtimes.qemu?.info;
  const docker = result.runtimes.docker?.info;
  return {
    host: result.host.hostname,
    cpu: `${result.host.cpu.brand} (${result.host.cpu.cores} CPUs)`,
    'host arch': result.host.arch,
    'guest arch': result.config.arch,
    kernel: result.host.os.kernel,
    os: `${result.host.os.distro} ${result.host.os.release}`,
    'cgroup': `v${result.host.cgroupVersion} (${result.host.cgroupMode})`,
    accelerator: qemu ? `${String(qemu.accelerator)}${result.runtimes.qemu?.emulated ? ' (emulated)' : ''}` : 'n/a',
    'machine type': qemu ? String(qemu.machineType) : 'n/a',
    'QEMU': qemu ? String(qemu.qemuVersion) : 'n/a',
    'Docker': docker ? String(docker.engineVersion) : 'n/a',
    'vCPUs / memory': `${result.config.vcpus} / ${result.config.memoryMiB} MiB`,
    'rootfs': result.images.rootfsDigest.slice(0, 12),
  };
}

/** Whether two results come from the same host (same name, CPU and architecture). */
export function sameHost(a: ResultFile, b: ResultFile): boolean {
  return a.host.hostname === b.host.hostname && a.host.cpu.brand === b.host.cpu.brand && a.host.arch === b.host.arch;
}
