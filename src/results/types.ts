import type { UserImageRecord } from '../images/image-set.js';
import type { RuntimeName, SuiteConfig } from '../config/suite.js';
import type { EnvelopeRecord, RuntimeKind } from '../host/envelope.js';
import type { HostFingerprint } from '../host/fingerprint.js';
import type { HostInventory } from '../host/inventory.js';
import type { ColumnSummary, SampledSeries } from '../sampling/series.js';

/** A named boot phase, milliseconds, with how it was measured. */
export interface BootPhase {
  readonly name: string;
  readonly ms: number;
  /** `host` = host clock around an API call or spawn; `guest` = guest's own uptime. */
  readonly clock: 'host' | 'guest' | 'host-minus-guest';
}

/** Facts about a runtime recorded in the result (versions, settings, accelerator). */
export type RuntimeInfo = Readonly<Record<string, string | number | boolean>>;

/** Version of the result file format; bumped on any incompatible change. */
export const resultSchemaVersion = 2;

/** Why a runtime × workload ran the repetitions it did, under `--target-ci`. */
export interface RepetitionRecord {
  runtime: RuntimeName;
  workload: string;
  /** Repetitions run, completed or not. */
  reps: number;
  /** `target-reached`: every key figure's interval within the target; `max-reps`: `--max-reps` ran first; `interrupted`: the run stopped. */
  stop: 'target-reached' | 'max-reps' | 'interrupted';
  /**
   * Each key figure's 95 % median interval at the stop: half its width relative to the median
   * (0.05 = ±5 %); null when it has no interval (under 6 completed trials, or a zero median).
   */
  halfWidths: Record<string, number | null>;
}

/** What a workload used of the runtime it ran in. */
export interface WorkloadUses {
  /** The host reached the guest's ports (the runtime's network path). */
  network: boolean;
  /** A scratch file on a host folder or a second disk (the runtime's scratch path). */
  scratch: boolean;
}

/** A figure the workload reported from inside the guest. */
export interface WorkloadMetricValue {
  /** Metric name from the workload manifest, e.g. `events_per_s`. */
  name: string;
  value: number;
  /** Unit as printed by the workload, e.g. `events/s`. */
  unit: string;
  /** Tool and field it came from, e.g. `guest.sysbench.cpu.events_per_s`. */
  source: string;
  /** Whether higher or lower is better. */
  direction: 'higher' | 'lower';
  /** A key figure of its workload (gates `bench check`, sets `--target-ci`); absent in files from before key figures. */
  keyFigure?: boolean;
}

/** Boot timing of one trial. */
export interface BootTiming {
  /** Host clock: just before create/spawn → READY line read on the host, milliseconds. */
  bootToReadyMs: number;
  /** Runtime-specific split of `bootToReadyMs`. */
  phases: BootPhase[];
  /** Guest kernel uptime at READY, milliseconds (VMs; absent for containers, which share the host kernel). */
  guestUptimeAtReadyMs?: number;
  /**
   * Boot figures only this runtime has, by name, each described (Vagrant's `upMs`: `vagrant up` from spawn
   * to exit; `waitAfterReadyMs`: READY → its exit). Schema v1 files kept Vagrant's as `boot.vagrant`.
   */
  runtimeFigures?: Record<string, RuntimeFigure>;
}

/** A boot figure one runtime has and others do not, with what it measures. */
export interface RuntimeFigure {
  value: number;
  unit: string;
  description: string;
}

/** A figure read independently of the sampler (e.g. `virsh domstats`), to cross-check it. */
export interface CrossCheckFigure {
  value: number;
  unit: string;
  source: string;
  /** The sampler's event whose row it was read beside (`ready`); absent in files written before 2026-12. */
  event?: string;
}

/**
 * One stretch of a trial on the host's energy counters: what the whole host drew and how busy it was, beside the
 * trial's own CPU time over the same stretch. Marginal and attributed joules are derived from it with the run's
 * idle baseline (src/results/energy.ts), so a file holds the readings, not a model's output.
 */
export interface EnergyInterval {
  /** Wall time, seconds. */
  seconds: number;
  /** What the metered zones advanced (RunEnergy.zones), joules: the whole host, the trial and everything else. */
  hostJoules: number;
  /** Busy CPU time of the whole host (/proc/stat: user, nice, system, irq, softirq), seconds, all CPUs. */
  hostCpuSeconds: number;
  /** CPU time of the trial (TrialEnergy.trialCpu says what it counts), seconds. */
  trialCpuSeconds: number;
}

/** A trial's energy readings: boot (spawn → READY) and workload (READY → the guest's exit). */
export interface TrialEnergy {
  boot?: EnergyInterval;
  workload?: EnergyInterval;
  /**
   * What the trial's CPU time counts, as the memory model counts its memory: `cgroup` (the trial's group, which
   * holds a VM's QEMU threads, LXC's monitor, Podman's conmon) or `cgroup+shim` (Docker's containerd-shim beside it).
   */
  trialCpu: 'cgroup' | 'cgroup+shim';
  /** How many times a counter wrapped to 0 during the trial (handled: `max_energy_range_uj`). */
  counterWraps: number;
  /** Why an interval is missing (a counter stalled or failed, the guest never became READY). */
  missingReason?: string;
}

/** The host's energy over the run: which counters, the idle baseline, or why there is no energy figure. */
export interface RunEnergy {
  /** The counters summed (`intel-rapl:0`, `intel-rapl:0:2`…): psys, or each package with its dram. Empty when missing. */
  zones: string[];
  /** Windows with no trial running, between workloads: the host's idle draw, measured in the same run. */
  idle: IdleWindow[];
  /** Why the run has no energy figure (`no powercap zones: running inside a VM`). */
  missingReason?: string;
  /** Counters read from a simulated tree (`TWINBENCH_ENERGY_SYSFS`), not the host's: the figures measure the simulation. */
  simulatedRoot?: string;
}

/** One idle window: nothing of the run's running. */
export interface IdleWindow {
  /** ISO time it started. */
  startedAt: string;
  seconds: number;
  hostJoules: number;
  hostCpuSeconds: number;
}

/** What every trial records, whatever its state. */
interface TrialBase {
  /** Unique within the run, e.g. `qemu-cpu-1`. */
  trialId: string;
  runtime: RuntimeName;
  workload: string;
  /** Repetition number, from 1. */
  rep: number;
  /** ISO time the trial started. */
  startedAt?: string;
  /** How busy the host was around the trial; absent in older files and for trials that never started. */
  hostLoad?: HostLoad;
}

/** The host's load around one trial: another tenant or a noisy neighbour shows here. */
export interface HostLoad {
  /** 1-minute load average just before and just after the trial. */
  loadBefore: number;
  loadAfter: number;
  /** CPU time the hypervisor took from this host during the trial (steal, all CPUs), seconds; absent where not reported. */
  stealSeconds?: number;
  /** CPU time twinbench itself used during the trial (sampler, console, engine API calls), seconds. */
  harnessCpuSeconds?: number;
}

/** A trial that ran to the end and produced every declared metric. */
export interface CompletedTrial extends TrialBase {
  state: 'completed';
  boot: BootTiming;
  metrics: WorkloadMetricValue[];
  /** Summary of each sampled column (peak/mean for gauges, at-ready/last for counters). */
  resources: Record<string, ColumnSummary>;
  series: SampledSeries;
  /** Raw output behind the figures (tool JSON/CSV, the guest's console tail), size-capped: a figure can be re-derived. */
  evidence?: RawEvidence[];
  /** Vagrant runtime: libvirt's own reading of the domain, taken when the sampler took its `exit` sample. */
  crossCheck?: Record<string, CrossCheckFigure>;
  /** Energy readings, where the run has energy counters (ResultFile.energy). */
  energy?: TrialEnergy;
}

/** Raw output of a tool or the guest's console, kept with a completed trial. */
export interface RawEvidence {
  /** Where it came from: `guest.fio`, `host.iperf3.rx`, `host.redis-benchmark`, `guest.console`. */
  source: string;
  text: string;
  /** Characters left out to stay within the cap (the end is kept for a console, the start for tool output). */
  truncatedChars?: number;
}

/** A trial that failed; whatever was measured before the failure is kept. */
interface ErroredTrial extends TrialBase {
  state: 'errored';
  /** One line saying what went wrong. */
  error: string;
  /** Last console lines of the guest. */
  consoleTail?: string;
  /** Raw output of the host-side tool (iperf3, redis-benchmark…) that failed or could not be parsed. */
  toolOutput?: string;
  boot?: BootTiming;
  metrics?: WorkloadMetricValue[];
  resources?: Record<string, ColumnSummary>;
  series?: SampledSeries;
  energy?: TrialEnergy;
}

/** A trial that did not run to the end because the run was interrupted. */
interface AbortedTrial extends TrialBase {
  state: 'aborted';
  reason: string;
}

export type TrialResult = CompletedTrial | ErroredTrial | AbortedTrial;

/** Facts about one runtime in this run. */
/** One fact reports show about a runtime (its version, engine, machine…): a value of its record's `info`, named. */
export interface RuntimeFact {
  /** The `info` key it comes from. */
  readonly key: string;
  /** How reports name it: `engine`, `QEMU`, `OCI runtime`. */
  readonly name: string;
  readonly value: string;
  /** The software's own version (Docker's engine, QEMU, LXC): `compare` and `fleet` weigh it as a host dimension. */
  readonly version?: boolean;
}

interface RuntimeRecord {
  /** What it is (reports group and pair runtimes by kind); filled from the name in files before schema v2. */
  kind: RuntimeKind;
  /** How reports name it. */
  label: string;
  /** True when figures measure emulation (TCG, foreign-arch containers), not virtualization. */
  emulated: boolean;
  /** Backend-reported facts: versions, accelerator, machine type, image id… */
  info: RuntimeInfo;
  /**
   * What reports show of `info`, in order, as the runtime declared it (its descriptor's `facts`). Absent in files
   * from before it: reports then show what twinbench showed then (results/runtime-facts.ts).
   */
  facts?: RuntimeFact[];
  /** The CPU quota and memory limit its trials ran in (absent in files from before envelopes). */
  envelope?: EnvelopeRecord;
}

/** The result file: the product's public interface (see schema/result-v2.schema.json). */
export interface ResultFile {
  schemaVersion: typeof resultSchemaVersion;
  tool: { name: 'twinbench'; version: string };
  runId: string;
  startedAt: string;
  finishedAt: string;
  /** `completed`: every trial ran; `interrupted`: stopped early, the rest marked aborted. */
  status: 'completed' | 'interrupted';
  host: HostInventory & {
    cgroupVersion: 1 | 2;
    /** `hybrid` when v1 controllers are mounted next to an empty cgroup2 tree. */
    cgroupMode: 'v1' | 'hybrid' | 'v2';
    /** Kernel samepage merging state: merged pages are shared between guests. */
    ksm: 'on' | 'off' | 'unavailable';
    clockTicksPerSecond: number;
    /** Settings and versions that change what a figure means (governor, boost, SMT, THP, swap, mitigations…); absent in older files. */
    fingerprint?: HostFingerprint;
  };
  config: SuiteConfig;
  images: {
    rootfsDigest: string;
    inputsDigest: string;
    dockerTag: string;
    kernel: { source: 'debian' | 'user'; name: string; version: string; sha256?: string };
    /** The initramfs: `built` by twinbench, or the user's own (`--initrd`) with its sha256. */
    initrd: { source: 'built' | 'user'; sha256?: string };
    suite: string;
    packages: string[];
    /** `bench all --image`: the user's image every runtime ran instead of the shared rootfs (the fields above are the kernel's and initramfs's base). */
    userImage?: UserImageRecord;
  };
  runtimes: Record<RuntimeName, RuntimeRecord>;
  /** Warm-up trials run first per runtime (cold engine and caches); never part of any statistic. */
  warmups: TrialResult[];
  /** The measured trials. */
  trials: TrialResult[];
  /** `--target-ci` runs: how many repetitions each runtime × workload ran, and why it stopped. */
  repetitions?: RepetitionRecord[];
  /**
   * What each workload of the run used of the runtimes, by name; reports describe a runtime's network path and
   * scratch disk only when a workload used them. Absent in files from before it (see src/results/workload-uses.ts).
   */
  workloads?: Record<string, WorkloadUses>;
  /** The host's energy counters over the run and its idle baseline, or why there are none; absent in older files. */
  energy?: RunEnergy;
  /** Caveats a reader must know (emulation, I/O attribution…). */
  notes: string[];
}
