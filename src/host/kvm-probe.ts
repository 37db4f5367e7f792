import { access, constants } from 'node:fs/promises';
import { execa } from 'execa';
import { UsageError } from '../errors.js';
import type { ArchProfile } from './arch.js';

/** Outcome of the KVM probe; the reason is recorded in results. */
export interface KvmProbe {
  readonly usable: boolean;
  readonly reason: string;
  /** How long the test boot took, milliseconds (absent when no boot was tried). */
  readonly probeMs?: number;
}

/** A kernel without a root disk panics quickly; reaching that panic proves KVM runs ordinary guests. */
const reachedUserspaceBoundary = /Kernel panic|VFS: Unable to mount root|Run \/init/;

/**
 * How long the test boot may take: 10 s, or `TWINBENCH_KVM_PROBE_TIMEOUT_S` (1 to 600). Under KVM on bare metal
 * the panic comes in about a second; KVM nested in an emulated host (a QEMU inside a TCG VM) boots tens of times
 * slower, and slower still while that host is busy.
 */
export function kvmProbeTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TWINBENCH_KVM_PROBE_TIMEOUT_S;
  if (raw === undefined || raw === '') return 10_000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 600)
    throw new UsageError(`TWINBENCH_KVM_PROBE_TIMEOUT_S must be seconds from 1 to 600, got ${JSON.stringify(raw)}`);
  return seconds * 1000;
}

/**
 * Probe whether KVM really runs an ordinary guest: boot the kernel with no root disk under KVM and
 * look for its panic on the serial console. `/dev/kvm` existing is not enough: on some nested hosts
 * every guest dies with "KVM internal error" or hangs.
 */
export async function probeKvm(
  profile: ArchProfile,
  kernelPath: string | undefined,
  timeoutMs = kvmProbeTimeoutMs(),
): Promise<KvmProbe> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { usable: false, reason: '/dev/kvm is missing or not accessible' };
  }
  if (!kernelPath) return { usable: false, reason: 'not probed: no guest kernel yet (run `bench images build`)' };
  const started = performance.now();
  const result = await execa(
    profile.qemuBinary,
    [
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-no-reboot',
      '-machine',
      `${profile.machineType},accel=kvm`,
      '-cpu',
      profile.cpuModel.kvm,
      '-m',
      '256M',
      '-kernel',
      kernelPath,
      '-append',
      `console=${profile.console} panic=-1 loglevel=4`,
      '-serial',
      'stdio',
    ],
    { timeout: timeoutMs, reject: false, stdin: 'ignore', all: true },
  );
  const probeMs = Math.round(performance.now() - started);
  const output = result.all ?? '';
  if (reachedUserspaceBoundary.test(output))
    return { usable: true, reason: 'test boot under KVM reached the kernel panic it should', probeMs };
  const internal = /KVM internal error|kvm_[a-z_]+: Assertion|failed to set MSR/.exec(output);
  if (internal) return { usable: false, reason: `test boot under KVM failed: "${internal[0]}"`, probeMs };
  if (result.timedOut)
    return {
      usable: false,
      reason: `test boot under KVM showed no kernel output within ${timeoutMs / 1000} s`,
      probeMs,
    };
  const last = output.trim().split('\n').at(-1) ?? '';
  return {
    usable: false,
    reason: `test boot under KVM failed (exit ${String(result.exitCode)}): ${last.slice(0, 200)}`,
    probeMs,
  };
}
