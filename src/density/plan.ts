import type { RuntimeKind } from '../host/envelope.js';
import { UsageError } from '../errors.js';

/** Counts measured on the way to N: powers of two, then N itself (1, 2, 4, …, N). */
export function densitySteps(count: number): number[] {
  const steps: number[] = [];
  for (let k = 1; k < count; k *= 2) steps.push(k);
  steps.push(count);
  return steps;
}

/** MemAvailable from /proc/meminfo, bytes; undefined when the kernel does not report it. */
export function parseMemAvailable(meminfo: string): number | undefined {
  const match = /^MemAvailable:\s+(\d+) kB$/m.exec(meminfo);
  return match?.[1] ? Number(match[1]) * 1024 : undefined;
}

/**
 * Refuse a count whose memory limits could exhaust the host: every guest may use up to its limit
 * (a VM's RAM, a container's memory limit), plus an allowance for QEMU itself.
 */
export function checkDensityMemory(count: number, memoryMiB: number, kind: RuntimeKind, availableBytes: number): void {
  const perGuestMiB = memoryMiB + (kind === 'vm' ? 64 : 0);
  const neededMiB = count * perGuestMiB;
  const usableMiB = Math.floor((availableBytes / 2 ** 20) * 0.8);
  if (neededMiB > usableMiB) {
    throw new UsageError(
      `--count ${count} would exhaust this host's memory: ${count} × ${perGuestMiB} MiB = ${neededMiB} MiB, but only ${usableMiB} MiB (80 % of MemAvailable) may be used; lower --count or --memory`,
    );
  }
}
