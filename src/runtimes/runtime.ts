import type { Backend, RuntimeInfo } from '../contract/backend.js';
import type { Accelerator } from './qemu/cmdline.js';
import type { ContainerNetwork } from '../config/suite.js';
import type { ArchName, ArchProfile } from '../host/arch.js';
import type { IoDevices } from '../host/block-device.js';
import type { RuntimeKind } from '../host/envelope.js';
import type { ImageSet } from '../images/image-set.js';
import type { FactKey } from '../results/runtime-facts.js';

/** One line of `bench doctor`. */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'missing' | 'warning';
  detail: string;
  /** What to do when it is not ok. */
  fix?: string;
  /** Whether `bench all` with the default runtimes needs it. */
  required: boolean;
}

/** The host a runtime is asked about: its architecture and the guests'. */
export interface RuntimeHost {
  /** Profile of the guest architecture (the host's unless `--arch` names another). */
  readonly profile: ArchProfile;
  readonly guestArch: ArchName;
  readonly hostArch: ArchName;
}

/** What creating a runtime's backend for one run may use. */
export interface CreateContext extends RuntimeHost {
  readonly images: ImageSet;
  readonly runDir: string;
  /** Names the run's network links and labels its containers. */
  readonly runId: string;
  readonly cacheRoot: string;
  readonly containerNetwork: ContainerNetwork;
  /** The devices the run's I/O lands on (see block-device.ts); absent where they could not be found. */
  readonly ioDevices?: IoDevices;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** KVM or TCG for this run's VMs, decided once (one test boot) for every VM runtime. */
  accelerator(): Promise<AccelDecision>;
}

/** The run's accelerator, why, and whether its VMs' figures measure emulation (TCG, or KVM on an emulated host). */
export interface AccelDecision {
  readonly accel: Accelerator;
  readonly reason: string;
  readonly emulated: boolean;
}

/** A prepared runtime: its backend and what the result file records about it. */
export interface CreatedRuntime {
  readonly backend: Backend;
  readonly info: RuntimeInfo;
  /** True when its guests run under emulation (TCG, or qemu-user for a foreign architecture). */
  readonly emulated: boolean;
}

/** What `bench clean` tells a runtime: which runs are alive, and whether images go too. */
export interface CleanContext {
  readonly liveRunIds: ReadonlySet<string>;
  readonly images: boolean;
}

/** What a runtime's cleanup removed, and what it could not check. */
export interface CleanReport {
  readonly removed: readonly string[];
  /** A check that failed (the engine did not answer): `bench clean` ends with problems. */
  readonly problems: readonly string[];
  /** Informational: something not checked because the runtime cannot have run here. */
  readonly notes?: readonly string[];
}

/** What `bench setup` gives the steps a runtime declares. */
export interface SetupContext {
  /** One line of what setup does, as it does it (`setup: …` on stderr). */
  say(line: string): void;
  /** Record a daemon setup started (its pid), so its caller can stop exactly that one (`$TWINBENCH_STARTED`). */
  started(name: string, pid: number): void;
  /** Whether the host's init is systemd (a daemon is then started through its unit). */
  readonly systemd: boolean;
}

/** A daemon a runtime needs answering; started by `bench setup` when nothing answers. */
export interface DaemonSpec {
  /** Its process name, and the name its pid is recorded under (`dockerd.pid`). */
  readonly name: string;
  /** How setup names it (`docker engine`). */
  readonly label: string;
  /** What it says when it answers (its version), undefined when it does not. */
  answers(): Promise<string | undefined>;
  /** Its systemd unit, tried first where systemd is the init. */
  readonly systemdUnit?: string;
  /** How to start it in the foreground without systemd (detached, its output to `log`). */
  start(): { readonly file: string; readonly args: readonly string[]; readonly log: string };
  /** Longest wait for it to answer once started, seconds. */
  readonly timeoutSeconds: number;
  /** Run once it answers, with setup's context (a host check that needs the daemon up). */
  afterStart?(context: SetupContext): Promise<void>;
}

/** What `bench setup` must do for a runtime beyond its `host-packages`. */
export interface RuntimeSetup {
  /** Debian packages that bring no command of their own (a plugin), with the check that they are there. */
  readonly packages?: readonly { readonly name: string; readonly why: string; present(): Promise<boolean> }[];
  /** Daemons that must answer, in order (one several runtimes share, dockerd, is set up once). */
  readonly daemons?: readonly DaemonSpec[];
  /** Checks and fixes of the host once its daemons answer (crun on a hybrid cgroup layout). */
  hostChecks?(context: SetupContext): Promise<void>;
}

/**
 * Everything twinbench knows about one runtime, in its own folder (`src/runtimes/<name>/`). The table
 * (`table.ts`) lists them; the CLI, doctor, clean, the run and the reports loop over the table and
 * group by `kind`, and never name a runtime.
 */
export interface RuntimeDescriptor<N extends string = string> {
  readonly name: N;
  /** How reports name it, e.g. `Docker (runc)`. */
  readonly label: string;
  readonly kind: RuntimeKind;
  /** One line for `--help` and the README. */
  readonly summary: string;
  /** Not listed in `--help` or doctor (the `fake` runtime for tests). */
  readonly hidden?: boolean;
  /** Guest architectures it can run; absent = any. */
  readonly guestArchs?: readonly ArchName[];
  /** False when it uses none of the built images (the fake runtimes): a run of only such runtimes builds none. */
  readonly needsImages?: boolean;
  /** Whether it can run a user's image (`bench all --image`) instead of the shared rootfs. */
  readonly userImages?: boolean;
  /** Whether `bench density` can start many of its guests at once. */
  readonly density?: boolean;
  /** Whether it can run guests of another architecture than the host's (emulated). */
  readonly foreignGuests: boolean;
  /**
   * What reports may show about it, from its backend's `info`, in order (its version, engine, machine…): recorded
   * in the result as its `facts`, so no report names a runtime or an `info` key. None: reports show no such line.
   */
  readonly facts?: readonly FactKey[];
  /** What `bench setup` does for it besides installing its `host-packages`. */
  readonly setup?: RuntimeSetup;
  /** Quick check that it can run here, made before any image is built; throws MissingDependencyError naming it. */
  probe(host: RuntimeHost): Promise<string>;
  /** Its lines in `bench doctor` (checks several runtimes share are shown once, by name). */
  doctor(host: RuntimeHost): Promise<DoctorCheck[]>;
  /** Folders its guests' I/O lands on besides the run folder and the image cache (Docker's root). */
  ioRoots?(): Promise<string[]>;
  /** Create and prepare its backend for one run. */
  create(context: CreateContext): Promise<CreatedRuntime>;
  /** Register, when a run opens, a last sweep of what it makes per trial (containers by label). */
  onRunOpen?(runId: string, register: (what: string, action: () => Promise<void>) => void): void;
  /** Remove what runs that are not alive left behind (`bench clean`). */
  clean?(context: CleanContext): Promise<CleanReport>;
}
