import type { ArchName } from '../host/arch.js';

/**
 * A runtime's name as suites, trials, result files and reports carry it. Open on purpose: a result file from
 * another host or build may name a runtime this build lacks, and no layer below the CLI needs the list. The
 * names this build runs are the runtime table's (`allRuntimeNames()` in src/runtimes/table.ts), checked where
 * flags and suite files are read (resolve-suite.ts), so the table imports every layer and no layer imports it.
 */
export type RuntimeName = string;

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

/**
 * `--target-ci`: each runtime × workload gets interleaved repetitions, from `minReps` up to
 * `maxReps`, until every key figure's 95 % median interval is within `targetCi` of its median.
 */
export interface RepetitionPolicy {
  /** Largest half-width of a key figure's 95 % median interval, relative to the median (0.05 = ±5 %). */
  readonly targetCi: number;
  /** Repetitions every runtime × workload runs before the intervals are looked at. */
  readonly minReps: number;
  /** Repetitions after which a runtime × workload stops whatever its intervals. */
  readonly maxReps: number;
}

/** Smallest sample with a 95 % interval of its median (order statistics: 1 − 2/2⁶ ≥ 0.95). */
export const minRepsForInterval = 6;

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
  /**
   * Seed of the runtimes' order within each repetition (`--seed`; a random one when not given), so a
   * run's order can be repeated. Absent in files from before: runtimes ran in the listed order.
   */
  readonly orderSeed?: number;
  /** Adaptive repetitions (`--target-ci`); absent = each workload's fixed `reps`. */
  readonly repetitionPolicy?: RepetitionPolicy;
}

/**
 * Built-in suites. `default`: the native baseline plus both runtimes, 10 repetitions of every
 * workload: at 10 vs 10 the gate's permutation test reaches α = 0.01 over the ~27 gating figures and
 * finds a 10 % change of a figure with ≤ 2 % noise (power ≈ 1) and of one with 5 % noise in about 6
 * runs of 10 (test/unit/report/regression.test.ts); `quick`: CI-sized, too few for the gate.
 */
export const builtInSuites: Readonly<Record<'default' | 'quick', Omit<SuiteConfig, 'arch' | 'accel' | 'warmup'>>> = {
  default: {
    name: 'default',
    runtimes: ['native', 'docker', 'qemu'],
    workloads: [
      { name: 'idle', reps: 10, params: { duration_s: 5 } },
      { name: 'cpu', reps: 10, params: { duration_s: 10 } },
      { name: 'memory', reps: 10, params: { duration_s: 4 } },
      { name: 'kernel', reps: 10, params: { duration_s: 3 } },
      { name: 'disk', reps: 10, params: {} },
      { name: 'network', reps: 10, params: {} },
      { name: 'redis', reps: 10, params: {} },
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
