import type { RuntimeName } from '../config/suite.js';
import type { WorkloadManifest } from '../config/workload-manifest.js';
import type { RuntimeKind } from '../host/envelope.js';
import type { TrialCgroup } from '../host/harness-cgroup.js';
import type { ImageSet } from '../images/image-set.js';
import type { SamplerTarget } from '../sampling/sampler.js';
import type { AgentEvent } from './agent-protocol.js';
import type { BootPhase, CrossCheckFigure, RuntimeFigure, RuntimeInfo } from '../results/types.js';

/** What a result records of a boot and of a runtime, defined with the result's types (which import no runtime code). */
export type { BootPhase, RuntimeInfo };

/** Where the host reaches one of the guest's ports. */
export interface HostEndpoint {
  readonly host: string;
  readonly port: number;
}

/** A scratch file the host wrote for one trial, in a folder of its own (see orchestrator/scratch.ts). */
export interface ScratchFile {
  /** Host folder holding only this file: bind-mounted at /scratch in containers and native. */
  readonly dir: string;
  /** File name inside `dir`; the VM gets the file itself as its second virtio disk. */
  readonly fileName: string;
  readonly sizeMiB: number;
}

/** What one trial runs: one fresh guest, one workload. */
export interface TrialSpec {
  readonly runId: string;
  /** Unique within the run, e.g. `docker-cpu-2`. */
  readonly trialId: string;
  readonly workload: WorkloadManifest;
  /** Manifest defaults merged with the suite's overrides, plus `threads` = vCPUs. */
  readonly params: Readonly<Record<string, string | number>>;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly readyTimeoutMs: number;
  /** Longest the workload may run after READY. */
  readonly workloadTimeoutMs: number;
  /** For workloads with `scratch`: the file the host prepared. */
  readonly scratch?: ScratchFile;
  /** Host CPUs (`--cpuset`, e.g. `0-1`) the guest may run on, applied alike to every runtime. */
  readonly cpuset?: string;
  /** The trial's own cgroup, made before the guest starts (backends whose placement is not `own`). */
  readonly cgroup?: TrialCgroup;
  readonly signal: AbortSignal;
}

/** How the orchestrator follows a trial while the backend runs it. */
export interface TrialObserver {
  /** The guest's processes exist: start sampling this target. */
  guestStarted(target: SamplerTarget): void;
  /** The agent printed a line; `atMs` is performance.now() when it reached the host. */
  agentEvent(event: AgentEvent, atMs: number): Promise<void>;
  /** Where the host reaches each named guest port (workloads with `ports`), once the backend knows. */
  guestEndpoints(endpoints: ReadonlyMap<string, HostEndpoint>): void;
  /**
   * Optional (a user's image): the console's agent lines the watch acts on (the image's own output could
   * print anything), and what "not READY" means, for the error when the READY budget runs out.
   */
  readonly consoleEvents?: readonly AgentEvent['type'][];
  readonly notReady?: string;
  /** Optional: every console line as it reaches the host (a `--ready-log` pattern is matched here). */
  consoleLine?(line: string, atMs: number): void;
  /** Optional: the console watch hands over how to add events the host observed (READY of a user's image). */
  bindHostEvents?(inject: (event: AgentEvent, atMs: number) => void): void;
  /** The guest's processes are gone, its runtime not torn down yet: take the final sample now. */
  guestExited(): Promise<void>;
}

/** What a backend returns when a trial ran to the end (errors are thrown as TrialError). */
export interface TrialOutcome {
  /** From before create/spawn to READY on the host. */
  readonly bootToReadyMs: number;
  readonly phases: readonly BootPhase[];
  /** Guest kernel uptime when READY was printed (VMs only; containers share the host kernel). */
  readonly guestUptimeAtReadyMs?: number;
  /** Boot figures only this runtime has (Vagrant's own time around the VM's boot), each described. */
  readonly runtimeFigures?: Readonly<Record<string, RuntimeFigure>>;
  /** Independent readings of the guest taken alongside the sampler's `exit` sample. */
  readonly crossCheck?: Readonly<Record<string, CrossCheckFigure>>;
  readonly exitStatus: number;
  readonly consoleTail: string;
}

/** How a backend's guest is placed in cgroups (see Backend.cgroupPlacement). */
type CgroupPlacement = 'own' | 'trial-group' | 'trial-leaf';

/** One way of running a guest from the shared image set. */
export interface Backend {
  readonly name: RuntimeName;
  /** What the runtime is: the native baseline, a container or a VM (whose group also holds the VMM). */
  readonly kind: RuntimeKind;
  /**
   * Where the guest's cgroup is: `trial-group` (the runtime makes its own group below `spec.cgroup`,
   * as Docker's CgroupParent does) or `trial-leaf` (processes the harness starts join `spec.cgroup`'s
   * `guest` leaf); for both the orchestrator makes `spec.cgroup` before the trial and samples it until
   * after the guest is gone. `own`: the backend names its cgroup itself (libvirt's machine partition).
   */
  readonly cgroupPlacement: CgroupPlacement;
  /** With `own` placement: who applies the envelope to that cgroup (`libvirt`), or nobody (`none`, the default). */
  readonly envelopeEnforcer?: 'libvirt' | 'libvirt-cpu' | 'none';
  /** Make the image usable (e.g. `docker import`), verify the engine; throws MissingDependencyError. */
  prepare(images: ImageSet, signal: AbortSignal): Promise<RuntimeInfo>;
  /**
   * Set up, before the boot clock starts, what the run shares and no runtime's start includes (a VM's
   * harness bridge, made on the first networked trial); per-trial provisioning stays in `runTrial`.
   */
  beforeClock?(spec: TrialSpec): Promise<void>;
  /** Run one trial; `origin` is performance.now() taken just before create/spawn. */
  runTrial(spec: TrialSpec, observer: TrialObserver, origin: number): Promise<TrialOutcome>;
}

/**
 * A boot timed on the host clock only, split where the runtime's process was spawned: `prepare` (origin → spawn)
 * and `ready` (spawn → READY: `spawn+ready`, `start+ready`). The native baseline, LXC and a VM running a user's image.
 */
export function hostClockBoot(
  origin: number,
  spawnAt: number,
  readyAtMs: number,
  ready: string,
): { bootToReadyMs: number; phases: BootPhase[] } {
  return {
    bootToReadyMs: readyAtMs - origin,
    phases: [
      { name: 'prepare', ms: spawnAt - origin, clock: 'host' },
      { name: ready, ms: readyAtMs - spawnAt, clock: 'host' },
    ],
  };
}

/**
 * Agent arguments, the same for every runtime: `mode=… workload=… key=value…`, the workload's ports
 * as `port_<name>=N`, then what only this runtime knows (`extra`: the scratch path, the VM's address).
 */
export function agentArguments(
  mode: 'container' | 'vm' | 'native',
  spec: TrialSpec,
  extra: Readonly<Record<string, string>> = {},
): string[] {
  const ports = Object.fromEntries(
    Object.entries(spec.workload.ports ?? {}).map(([name, port]) => [`port_${name}`, port]),
  );
  const params = Object.entries({ ...spec.params, ...ports, ...extra }).map(
    ([key, value]) => `${key}=${String(value)}`,
  );
  return [`mode=${mode}`, `workload=${spec.workload.name}`, ...params];
}

/** Every named guest port reached at one host address on the same port number (VMs, native). */
export function endpointsAt(host: string, ports: Readonly<Record<string, number>>): Map<string, HostEndpoint> {
  return new Map(Object.entries(ports).map(([name, port]) => [name, { host, port }]));
}

/** The scratch file as the guest sees it when it is bind-mounted at /scratch (containers, native). */
export function mountedScratchPath(scratch: ScratchFile): string {
  return `/scratch/${scratch.fileName}`;
}
