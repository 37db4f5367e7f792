import type { RuntimeName } from '../config/suite.js';
import type { WorkloadManifest } from '../config/workload-manifest.js';
import type { ImageSet } from '../images/image-set.js';
import type { SamplerTarget } from '../sampling/sampler.js';
import type { AgentEvent } from './agent-protocol.js';

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
  readonly signal: AbortSignal;
}

/** How the orchestrator follows a trial while the backend runs it. */
export interface TrialObserver {
  /** The guest's processes exist: start sampling this target. */
  guestStarted(target: SamplerTarget): void;
  /** The agent printed a line; `atMs` is performance.now() when it reached the host. */
  agentEvent(event: AgentEvent, atMs: number): Promise<void>;
}

/** A named boot phase, milliseconds, with how it was measured. */
export interface BootPhase {
  readonly name: string;
  readonly ms: number;
  /** `host` = host clock around an API call or spawn; `guest` = guest's own uptime. */
  readonly clock: 'host' | 'guest' | 'host-minus-guest';
}

/** What a backend returns when a trial ran to the end (errors are thrown as TrialError). */
export interface TrialOutcome {
  /** From before create/spawn to READY on the host. */
  readonly bootToReadyMs: number;
  readonly phases: readonly BootPhase[];
  /** Guest kernel uptime when READY was printed (VMs only; containers share the host kernel). */
  readonly guestUptimeAtReadyMs?: number;
  readonly exitStatus: number;
  readonly consoleTail: string;
}

/** Facts about a runtime recorded in the result (versions, settings, accelerator). */
export type RuntimeInfo = Readonly<Record<string, string | number | boolean>>;

/** One way of running a guest from the shared image set. */
export interface Backend {
  readonly name: RuntimeName;
  /** Make the image usable (e.g. `docker import`), verify the engine; throws MissingDependencyError. */
  prepare(images: ImageSet, signal: AbortSignal): Promise<RuntimeInfo>;
  /** Run one trial; `origin` is performance.now() taken just before create/spawn. */
  runTrial(spec: TrialSpec, observer: TrialObserver, origin: number): Promise<TrialOutcome>;
}

/** Agent arguments, the same for every runtime: `mode=… workload=… key=value…`. */
export function agentArguments(mode: 'container' | 'vm' | 'native', spec: TrialSpec): string[] {
  const params = Object.entries(spec.params).map(([key, value]) => `${key}=${String(value)}`);
  return [`mode=${mode}`, `workload=${spec.workload.name}`, ...params];
}
