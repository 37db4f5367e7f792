import { createHash } from 'node:crypto';
import { labelOf, referenceOf, runtimesOf, vmEmulated } from './kinds.js';
import { fingerprintDimensions } from '../host/fingerprint.js';
import { runtimeFacts } from '../results/runtime-facts.js';
import type { ResultFile } from '../results/types.js';
import { describeLoad, describeReadiness } from '../config/image-workload.js';

/** A long value cut for a table cell, with a short hash of the whole so that any difference still shows. */
function shortened(text: string): string {
  return text.length <= 60
    ? text
    : `${text.slice(0, 48)}… #${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

function userImageDimensions(image: NonNullable<ResultFile['images']['userImage']>): Record<string, string> {
  return {
    image: `${image.reference} (${image.imageId.slice(7, 19)})`,
    'image READY': image.readiness ? shortened(describeReadiness(image.readiness)) : 'not recorded',
    'image load': image.load ? shortened(describeLoad(image.load)) : 'not recorded',
  };
}

/** Host and engine facts that change what a figure means; `compare` highlights those that differ. */
export function hostDimensions(result: ResultFile): Record<string, string> {
  // The reference VM and container (see kinds.ts): the engines whose versions and settings move the figures.
  const vmName = referenceOf(result, 'vm');
  const containerName = referenceOf(result, 'container');
  const qemu = vmName ? result.runtimes[vmName]?.info : undefined;
  // Which software it was, by the versions its record declares (QEMU's, Vagrant's, Docker's engine, LXC's…).
  const software = (name: string | undefined) => {
    if (!name) return 'n/a';
    const versions = runtimeFacts(result, name).filter((fact) => fact.version);
    return `${labelOf(result, name)}: ${versions.map((fact) => `${fact.name} ${fact.value}`).join(', ') || 'no version recorded'}`;
  };
  return {
    host: result.host.hostname,
    cpu: `${result.host.cpu.brand} (${result.host.cpu.cores} CPUs)`,
    'host arch': result.host.arch,
    'guest arch': result.config.arch,
    kernel: result.host.os.kernel,
    os: `${result.host.os.distro} ${result.host.os.release}`,
    cgroup: `v${result.host.cgroupVersion} (${result.host.cgroupMode})`,
    accelerator: qemu ? `${String(qemu.accelerator)}${vmEmulated(result) ? ' (emulated)' : ''}` : 'n/a',
    'machine type': qemu ? String(qemu.machineType) : 'n/a',
    'reference VM': software(vmName),
    'reference container': software(containerName),
    runtimes: runtimesOf(result).join(', '),
    'vCPUs / memory': `${result.config.vcpus} / ${result.config.memoryMiB} MiB`,
    // Sampled peaks depend on how often the sampler looks: with only event rows a container's working-set peak read 36 % lower.
    'sampler interval':
      result.config.sampleIntervalMs > 0 ? `${result.config.sampleIntervalMs} ms` : 'off (event rows only)',
    rootfs: result.images.rootfsDigest.slice(0, 12),
    // A user's image: which one, and what READY and the load were (the figures mean nothing across them).
    ...(result.images.userImage ? userImageDimensions(result.images.userImage) : {}),
    KSM: result.host.ksm,
    ...Object.fromEntries(
      Object.entries(fingerprintDimensions(result.host.fingerprint)).map(([name, value]) => [name, shortened(value)]),
    ),
  };
}

/** Dimensions that differ between two runs' `hostDimensions`, as `name: before → after` lines. */
export function dimensionDifferences(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): string[] {
  return Object.keys({ ...before, ...after }).flatMap((name) =>
    before[name] === after[name]
      ? []
      : [`${name}: ${before[name] ?? 'not recorded'} → ${after[name] ?? 'not recorded'}`],
  );
}

/** What makes two results one host's: the same name, CPU and architecture (`check` and `history` alike). */
export function hostIdentity(result: Pick<ResultFile, 'host'>): string {
  return [result.host.hostname, result.host.cpu.brand, result.host.arch].join('\u0000');
}
