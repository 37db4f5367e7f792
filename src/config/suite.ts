import type { ArchName } from '../host/arch.js';

/** Runtimes the orchestrator can drive. */
export type RuntimeName = 'docker' | 'qemu' | 'native' | 'vagrant';
export const runtimeNames: readonly RuntimeName[] = ['docker', 'qemu', 'native', 'vagrant'];

/**
 * How the host reaches a container's ports: `bridge`, at the container's own address on the Docker
 * bridge (veth, no NAT, no proxy: the VM's path, a tap on a bridge); `published`, a port published on
 * the bridge's gateway address (iptables DNAT); `host`, the host's network namespace (loopback).
 */
export type ContainerNetwork = 'bridge' | 'published' | 'host';
export const containerNetworks: readonly ContainerNetwork[] = ['bridge', 'published', 'host'];

/** Accelerator choice: `auto` probes KVM with a short test boot and falls back to TCG. */
export type AccelChoice = 'auto' | 'kvm' | 'tcg';

/** One workload of a suite and how often it runs (each repetition is one fresh boot). */
export interface SuiteWorkload {
  readonly name: string;
  readonly reps: number;
  /** Overrides of the manifest's default parameters. */
  readonly params: Readonly<Record<string, string | number>>;
  /** Overrides the manifest's timeoutSeconds: longest the workload may run after READY. */
  readonly timeoutSeconds?: number;
}

/** The effective configuration of a run; stored verbatim in the result file. */
export interface SuiteConfig {
  /** Suite name (`default`, `quick`) or the file it came from. */
  readonly name: string;
  readonly runtimes: readonly RuntimeName[];
  readonly workloads: readonly SuiteWorkload[];
  /** vCPUs of the VM = CPU quota of the container (in CPUs). */
  readonly vcpus: number;
  /** RAM of the VM = memory limit of the container, MiB. */
  readonly memoryMiB: number;
  /** Sampler interval, milliseconds. */
  readonly sampleIntervalMs: number;
  /** Longest wait from create/spawn to READY before a trial is errored, seconds. */
  readonly readyTimeoutSeconds: number;
  readonly accel: AccelChoice;
  readonly arch: ArchName;
  /** Warm-up trials per runtime before the measured ones (recorded apart, never in statistics). */
  readonly warmup: number;
  /**
   * Host CPUs every guest is pinned to (`--cpuset`, e.g. `0,1`): the container's cpuset cgroup, and
   * the CPU affinity of QEMU (all its threads) and of the native agent. Absent = not pinned.
   */
  readonly cpuset?: string;
  /** How the host reaches a container's ports (`--container-net`; absent in files from before it = `published`). */
  readonly containerNetwork?: ContainerNetwork;
}

/** Built-in suites. `default`: the native baseline plus both runtimes, ≥ 5 boots (idle), 3 repetitions of every other workload; `quick`: CI-sized. */
export const builtInSuites: Readonly<Record<'default' | 'quick', Omit<SuiteConfig, 'arch' | 'accel' | 'warmup'>>> = {
  default: {
    name: 'default',
    runtimes: ['native', 'docker', 'qemu'],
    workloads: [
      { name: 'idle', reps: 5, params: { duration_s: 5 } },
      { name: 'cpu', reps: 3, params: { duration_s: 10 } },
      { name: 'memory', reps: 3, params: { duration_s: 10 } },
      { name: 'disk', reps: 3, params: {} },
      { name: 'network', reps: 3, params: {} },
      { name: 'redis', reps: 3, params: {} },
    ],
    vcpus: 1,
    memoryMiB: 512,
    sampleIntervalMs: 100,
    readyTimeoutSeconds: 60,
  },
  quick: {
    name: 'quick',
    runtimes: ['docker', 'qemu'],
    workloads: [
      { name: 'idle', reps: 2, params: { duration_s: 2 } },
      { name: 'cpu', reps: 1, params: { duration_s: 3 } },
    ],
    vcpus: 1,
    memoryMiB: 512,
    sampleIntervalMs: 100,
    readyTimeoutSeconds: 60,
  },
};
