// Over 300 lines on purpose: the run's one straight pipeline (resolve → probe → images → open → trials → assemble →
// write) with its few helpers beside it, read top to bottom.
import { createHash } from 'node:crypto';
import { checkOutDir } from '../results/out-dir.js';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { checkImageRunFlags, imageWorkload, imageWorkloadName, type ImageRunFlags } from '../config/image-workload.js';
import { resolveSuite, type SuiteFlags } from '../config/resolve-suite.js';
import type { SuiteConfig } from '../config/suite.js';
import { loadWorkloads, type WorkloadManifest } from '../config/workload-manifest.js';
import { MissingDependencyError, UsageError } from '../errors.js';
import { archFromNode, getArchProfile, type ArchName, type ArchProfile } from '../host/arch.js';
import { probeForeignArch } from '../host/foreign-arch.js';
import { meteredZones } from '../host/energy-counters.js';
import { measureIdleWindow } from '../sampling/energy-meter.js';
import { requireHostClientTools } from '../host-clients/host-client.js';
import { buildImageSet, checkImageFlags, type ImageFlags } from '../images/image-flags.js';
import type { ImageSet } from '../images/image-set.js';
import { locateUserImage, prepareUserImage } from '../images/user-image/convert.js';
import { cacheDir, stateDir, workloadsDir } from '../paths.js';
import { renderMarkdown } from '../report/markdown.js';
import { Journal, journalPathFor, type JournalHeader } from '../results/journal.js';
import { resultSchemaVersion, type RepetitionRecord, type ResultFile, type TrialResult } from '../results/types.js';
import { resultFileName, writeFileAtomic } from '../results/write.js';
import { runtimesNamed } from '../runtimes/table.js';
import type { RuntimeDescriptor } from '../runtimes/runtime.js';
import { toolVersion } from '../version.js';
import { prepareBackends } from './prepare-backends.js';
import { probeHost } from './probe-host.js';
import { findDeadRuns } from './run-state.js';
import { openRunScope } from './run-scope.js';
import { runSuite, type PlannedTrial } from './run-suite.js';

/** Flags of `bench all` (and of each pass of `bench calibrate`). */
export type RunFlags = SuiteFlags & ImageFlags & ImageRunFlags & { out?: string };

/** What the run tells whoever started it; the run itself never prints. */
export interface RunHooks {
  log(line: string): void;
  warn(line: string): void;
  /** The trial about to start (index −1: a warm-up). */
  trialStarting(trial: PlannedTrial, index: number, total: number): void;
  /** A trial that ended, whatever its state. */
  trialDone(trial: TrialResult, index: number, total: number): void;
  readonly signal: AbortSignal;
}

/** A finished run: the result as written, its Markdown, and where it went. */
export interface RunOutcome {
  result: ResultFile;
  markdown: string;
  jsonPath: string;
}

const blkioReason =
  'cgroup v1 blkio.throttle files list no device for this group (no throttle rule could be set for its disk)';
const blkioMissingReasons = Object.fromEntries(
  ['cgroup.io_read_bytes', 'cgroup.io_write_bytes', 'cgroup.io_read_ops', 'cgroup.io_write_ops'].map((column) => [
    column,
    blkioReason,
  ]),
);

/** Caveats that depend on the host and the runtimes, written into every result. */
function hostNotes(
  cgroupVersion: 1 | 2,
  runtimes: ResultFile['runtimes'],
  descriptors: readonly RuntimeDescriptor[],
): string[] {
  const notes: string[] = [];
  const emulatedVms = Object.values(runtimes).filter((record) => record?.kind === 'vm' && record.emulated);
  if (emulatedVms.some((record) => record?.info.accelerator !== 'kvm')) {
    notes.push('VM figures were measured under TCG (software emulation): they measure emulation, not virtualization.');
  }
  if (emulatedVms.some((record) => record?.info.accelerator === 'kvm')) {
    notes.push(
      'VM figures were measured under KVM nested in a host that is itself emulated (TCG): the KVM path ran, but the figures measure emulation, not virtualization.',
    );
  }
  if (cgroupVersion === 1) {
    notes.push(
      'cgroup v1: buffered writeback is charged to the root blkio group, not the guest; only direct I/O is attributed to a guest.',
    );
  }
  const synthetic = descriptors.filter((runtime) => runtime.needsImages === false).map((runtime) => runtime.name);
  if (synthetic.length > 0)
    notes.push(
      `${synthetic.join(', ')}: synthetic figures from a fake runtime (tests of the pipeline), not measurements.`,
    );
  return notes;
}

/** Step 1, resolve: flags → suite, workloads, runtimes, output folder; every problem is a UsageError. */
export function resolveRun(flags: RunFlags): {
  config: SuiteConfig;
  manifests: Map<string, WorkloadManifest>;
  runtimes: RuntimeDescriptor[];
  hostArch: ArchName;
  profile: ArchProfile;
  outDir: string;
} {
  const hostArch = archFromNode(process.arch);
  if (!hostArch) throw new MissingDependencyError(`unsupported host architecture ${process.arch}`);
  const manifests = loadWorkloads(workloadsDir);
  // Every problem of the flags in one error: --image's, the suite's, the image build's (changesets' habit).
  const problems: string[] = [];
  checkImageRunFlags(flags, problems);
  checkImageFlags(flags, problems);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  // A user's image is the run's one workload; its port is settled once the image's config is read.
  if (flags.image !== undefined) manifests.set(imageWorkloadName, imageWorkload(flags, undefined));
  const config = resolveSuite(
    flags.image === undefined ? flags : { ...flags, workloads: imageWorkloadName },
    manifests,
    hostArch,
  );
  const runtimes = runtimesNamed(config.runtimes);
  const noImage =
    flags.image === undefined ? [] : runtimes.filter((runtime) => !('userImages' in runtime && runtime.userImages));
  if (noImage.length > 0)
    throw new UsageError(
      `--image: ${noImage.map((runtime) => runtime.name).join(', ')} cannot run a user's image (native, container and QEMU runtimes can)`,
    );
  const unsupported = runtimes.filter((runtime) => runtime.guestArchs && !runtime.guestArchs.includes(config.arch));
  if (unsupported.length > 0) {
    throw new UsageError(
      unsupported
        .map((runtime) => `${runtime.name} runs ${runtime.guestArchs?.join(', ')} guests only, not ${config.arch}`)
        .join('; '),
    );
  }
  if (config.arch !== hostArch) {
    const native = runtimes.filter((runtime) => !runtime.foreignGuests).map((runtime) => runtime.name);
    if (native.length > 0)
      throw new UsageError(
        `--arch ${config.arch}: ${native.join(', ')} run guests of the host's architecture (${hostArch}) only`,
      );
  }
  const outDir = resolve(flags.out ?? 'results');
  checkOutDir(outDir);
  return { config, manifests, runtimes, hostArch, profile: getArchProfile(config.arch), outDir };
}

/**
 * Step 2, probe: every requested runtime and the host, before anything slow (a minute of image building),
 * so a missing engine fails first; each error names the runtime.
 */
async function probeRun(
  config: SuiteConfig,
  runtimes: readonly RuntimeDescriptor[],
  hostArch: ArchName,
  profile: ArchProfile,
  manifests: Map<string, WorkloadManifest>,
) {
  if (config.arch !== hostArch && runtimes.some((runtime) => runtime.needsImages !== false)) {
    const status = await probeForeignArch(profile);
    if (status.problems.length > 0)
      throw new MissingDependencyError(`--arch ${config.arch} on a ${hostArch} host: ${status.problems.join('; ')}`);
  }
  for (const runtime of runtimes) await runtime.probe({ profile, guestArch: config.arch, hostArch });
  const host = await probeHost();
  await requireHostClientTools(config.workloads.flatMap((w) => manifests.get(w.name)?.hostClient ?? []));
  return host;
}

/**
 * One idle window of the energy baseline, before each workload and after the last trial: long enough that the
 * counters' 1 ms updates and the host's own timer wake-ups average out, short beside a workload's trials.
 */
const idleWindowMs = 2000;

/** The result file of a run: what was known when it opened (the journal's header) and what its trials gave. */
function assembleResult(
  header: JournalHeader,
  ran: { warmups: TrialResult[]; trials: TrialResult[]; repetitions?: RepetitionRecord[] | undefined },
  finishedAt: Date,
  interrupted: boolean,
): ResultFile {
  return {
    ...header,
    finishedAt: finishedAt.toISOString(),
    status: interrupted ? 'interrupted' : 'completed',
    warmups: ran.warmups,
    trials: ran.trials,
    ...(ran.repetitions ? { repetitions: ran.repetitions } : {}),
  };
}

/** A run whose runtimes use no image (the fake ones) builds none; its result says so. */
function noImages(arch: ArchName): ImageSet {
  const none = createHash('sha256').update('twinbench: no image (fake runtimes only)').digest('hex');
  return {
    arch,
    dir: '',
    inputsDigest: none,
    rootfsDigest: none,
    rootfsTar: '',
    dockerTag: 'none',
    diskPath: '',
    kernelPath: '',
    initrdPath: '',
    kernel: { source: 'user', name: 'none (fake runtimes only)', version: 'none' },
    initramfsModules: [],
    suite: 'none',
    mirror: 'none',
    packages: [],
    builtAt: new Date(0).toISOString(),
    buildSeconds: 0,
  };
}

/**
 * Write JSON + Markdown atomically, then drop the run's journal. When the JSON cannot be written in the output
 * folder (disk full, read-only), the measured results are saved in the cache folder instead and the error names
 * both places; where neither can be written, the journal stays. When only the Markdown fails, the JSON is where it
 * belongs: the warning says so and how to make the report again, and nothing is copied elsewhere.
 */
export async function writeResults(
  jsonPath: string,
  result: ResultFile,
  markdown: string,
  hooks: Pick<RunHooks, 'warn'>,
  journal: Pick<Journal, 'remove' | 'problem' | 'path'>,
): Promise<string> {
  const json = `${JSON.stringify(result)}\n`;
  try {
    await writeFileAtomic(jsonPath, json);
  } catch (error) {
    const rescue = join(cacheDir(), 'unwritten-results', basename(jsonPath));
    try {
      await writeFileAtomic(rescue, json);
      journal.remove();
      hooks.warn(`the results were saved to ${rescue} instead`);
    } catch {
      hooks.warn(
        journal.problem === undefined
          ? `the results could not be saved anywhere; the trials are in the run's journal ${journal.path}`
          : 'the results could not be saved anywhere',
      );
    }
    throw error;
  }
  journal.remove();
  const markdownPath = jsonPath.replace(/\.json$/, '.md');
  try {
    await writeFileAtomic(markdownPath, markdown);
  } catch (error) {
    hooks.warn(
      `the results are in ${jsonPath}; only their Markdown report could not be written: \`bench report --out ${markdownPath} ${jsonPath}\` makes it again`,
    );
    throw error;
  }
  return jsonPath;
}

/**
 * One run, as one straight sequence: resolve → probe → images → prepare → trials → result → write. Each
 * finished trial is in the run's journal before the next starts, so a harness that dies loses none.
 */
export async function benchRun(flags: RunFlags, hooks: RunHooks): Promise<RunOutcome> {
  const { config, manifests, runtimes: descriptors, hostArch, profile, outDir } = resolveRun(flags);
  const startedAt = new Date();
  const leftovers = await findDeadRuns(stateDir());
  if (leftovers.length > 0)
    hooks.warn(
      `leftovers from ${leftovers.length} earlier run(s) that did not finish (${leftovers.map((r) => r.runId).join(', ')}): run \`bench clean\``,
    );

  const host = await probeRun(config, descriptors, hostArch, profile, manifests);
  const userImage =
    flags.image === undefined ? undefined : await locateUserImage(flags.image, config.arch, hooks.signal);
  const shared = descriptors.some((runtime) => runtime.needsImages !== false)
    ? await buildImageSet(flags, config.arch, hooks)
    : noImages(config.arch);
  const images = userImage === undefined ? shared : await prepareUserImage(userImage, shared, cacheDir(), hooks);
  if (images.userImage) manifests.set(imageWorkloadName, imageWorkload(flags, images.userImage.exposedTcpPorts));

  const scope = await openRunScope(startedAt, descriptors);
  const { runId, runDir } = scope;
  const { backends, runtimes, ioDevices } = await prepareBackends({
    runtimes: descriptors,
    images,
    profile,
    guestArch: config.arch,
    hostArch,
    accel: config.accel,
    cgroupVersion: host.cgroupMode.version,
    runDir,
    runId,
    signal: hooks.signal,
    log: hooks.log,
    containerNetwork: config.containerNetwork ?? 'bridge',
    envelope: { vcpus: config.vcpus, memoryMiB: config.memoryMiB, systemdOwnsTree: host.cgroupMode.systemdOwnsTree },
  });

  const foreign = config.arch !== hostArch;
  const metered = meteredZones(host.fingerprint.energyCounters);
  const energyZones = metered.zones.flatMap((zone) =>
    zone.path ? [{ id: zone.id, path: zone.path, maxEnergyRangeUj: zone.maxEnergyRangeUj }] : [],
  );
  const notes = [
    ...hostNotes(host.cgroupMode.version, runtimes, descriptors),
    ...(foreign
      ? [
          `Guest architecture ${config.arch} on a ${hostArch} host: containers ran under qemu-user and VMs under TCG; every figure measures emulation, and the host-side figures include the emulator.`,
        ]
      : []),
  ];
  const header: JournalHeader = {
    schemaVersion: resultSchemaVersion,
    tool: { name: 'twinbench', version: toolVersion },
    runId,
    startedAt: startedAt.toISOString(),
    host: {
      ...host.inventory,
      cgroupVersion: host.cgroupMode.version,
      cgroupMode: host.cgroupMode.mode,
      ksm: host.ksm,
      clockTicksPerSecond: host.clockTicks,
      fingerprint: host.fingerprint,
    },
    config,
    images: {
      rootfsDigest: images.rootfsDigest,
      inputsDigest: images.inputsDigest,
      dockerTag: images.dockerTag,
      kernel: images.kernel,
      initrd: images.initrd ?? { source: 'built' },
      suite: images.suite,
      packages: [...images.packages],
      ...(images.userImage ? { userImage: { ...images.userImage, ...manifests.get(imageWorkloadName)?.image } } : {}),
    },
    runtimes,
    energy: {
      zones: metered.zones.map((zone) => zone.id),
      idle: [],
      ...(metered.missingReason ? { missingReason: metered.missingReason } : {}),
      ...(host.fingerprint.energyCounters?.simulatedRoot
        ? { simulatedRoot: host.fingerprint.energyCounters.simulatedRoot }
        : {}),
    },
    workloads: Object.fromEntries(
      config.workloads.flatMap(({ name }) => {
        const manifest = manifests.get(name);
        return manifest
          ? [[name, { network: manifest.network || manifest.ports !== undefined, scratch: manifest.scratch === true }]]
          : [];
      }),
    ),
    notes,
  };
  const resultPath = join(outDir, resultFileName(startedAt, hostname()));
  const journal = Journal.open(journalPathFor(resultPath), header);
  let journalWarned = false;
  const record = (kind: 'trial' | 'warmup', trial: TrialResult) => {
    journal.record(kind, trial);
    if (journal.problem && !journalWarned) hooks.warn(`${journal.problem}; the run goes on`);
    journalWarned ||= journal.problem !== undefined;
  };

  const { warmups, trials, repetitions } = await runSuite({
    runId,
    runDir,
    config,
    manifests,
    backends,
    sampling: {
      intervalMs: config.sampleIntervalMs,
      tickSeconds: 1 / host.clockTicks,
      missingReasons: host.cgroupMode.version === 1 ? blkioMissingReasons : {},
      ioDevices,
      energyZones,
    },
    ...(energyZones.length
      ? {
          idleWindow: async () => {
            const measured = await measureIdleWindow(energyZones, 1 / host.clockTicks, idleWindowMs, hooks.signal);
            if ('problem' in measured)
              return hooks.warn(`an idle window of the energy baseline was left out: ${measured.problem}`);
            header.energy?.idle.push(measured.window);
            journal.recordIdle(measured.window);
          },
        }
      : {}),
    signal: hooks.signal,
    onTrialStart: hooks.trialStarting,
    onTrial: hooks.trialDone,
    onRecord: record,
  });

  const result = assembleResult(header, { warmups, trials, repetitions }, new Date(), hooks.signal.aborted);
  const markdown = renderMarkdown(result);
  const jsonPath = await writeResults(resultPath, result, markdown, hooks, journal);
  await scope.finish();
  return { result, markdown, jsonPath };
}
