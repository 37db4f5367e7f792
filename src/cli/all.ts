import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { probeDockerEngine } from '../backends/docker.js';
import { probeQemu } from '../backends/qemu.js';
import { resolveSuite, type SuiteFlags } from '../config/resolve-suite.js';
import { loadWorkloads } from '../config/workload-manifest.js';
import { ExitCode, MissingDependencyError, type ExitCodeValue } from '../errors.js';
import { archFromNode, getArchProfile } from '../host/arch.js';
import { readCgroupMode, readKsm } from '../host/cgroup-mode.js';
import { probeForeignArch } from '../host/foreign-arch.js';
import { readClockTicks } from '../host/clock-ticks.js';
import { readHostFingerprint } from '../host/fingerprint.js';
import { readHostInventory } from '../host/inventory.js';
import { envelopeRecord } from '../host/envelope.js';
import { requireHostClientTools } from '../host-clients/host-client.js';
import { prepareBackends } from '../orchestrator/prepare-backends.js';
import { findDeadRuns } from '../orchestrator/run-state.js';
import { openRunScope } from '../orchestrator/run-scope.js';
import { runSuite } from '../orchestrator/run-suite.js';
import { cacheDir, stateDir, workloadsDir } from '../paths.js';
import { renderMarkdown } from '../report/markdown.js';
import { Journal, journalPathFor, type JournalHeader } from '../results/journal.js';
import { resultSchemaVersion, type ResultFile, type TrialResult } from '../results/types.js';
import { resultFileName, writeFileAtomic } from '../results/write.js';
import { toolVersion } from '../version.js';
import { buildImageSet, validateImageFlags, type ImageFlags } from './images.js';
import type { CommandIo } from './io.js';
import { describeTrial, describeTrialStart } from './progress.js';

/** Flags of `bench all`. */
export type AllFlags = SuiteFlags & ImageFlags & { out?: string };

const blkioReason = 'cgroup v1 blkio.throttle files list no device for this group (no throttle rule could be set for its disk)';
const blkioMissingReasons = Object.fromEntries(
  ['cgroup.io_read_bytes', 'cgroup.io_write_bytes', 'cgroup.io_read_ops', 'cgroup.io_write_ops'].map((column) => [column, blkioReason]),
);

/** Caveats that depend on the host, written into every result. */
function hostNotes(cgroupVersion: 1 | 2, emulatedVm: boolean): string[] {
  const notes: string[] = [];
  if (emulatedVm) notes.push('VM figures were measured under TCG (software emulation): they measure emulation, not virtualization.');
  if (cgroupVersion === 1) {
    notes.push('cgroup v1: buffered writeback is charged to the root blkio group, not the guest; only direct I/O is attributed to a guest.');
  }
  return notes;
}

/**
 * Write JSON + Markdown atomically, then drop the run's journal. When the output folder fails (disk full,
 * read-only), the measured results are saved in the cache folder instead and the error names both places;
 * where neither can be written, the journal stays.
 */
async function writeResults(jsonPath: string, result: ResultFile, markdown: string, io: CommandIo, journal: Journal): Promise<string> {
  const json = `${JSON.stringify(result)}\n`;
  try {
    await writeFileAtomic(jsonPath, json);
    journal.remove();
    await writeFileAtomic(jsonPath.replace(/\.json$/, '.md'), markdown);
    return jsonPath;
  } catch (error) {
    const rescue = join(cacheDir(), 'unwritten-results', basename(jsonPath));
    try {
      await writeFileAtomic(rescue, json);
      journal.remove();
      io.warn(`the results were saved to ${rescue} instead`);
    } catch {
      io.warn(journal.problem === undefined ? `the results could not be saved anywhere; the trials are in the run's journal ${journal.path}` : 'the results could not be saved anywhere');
    }
    throw error;
  }
}

/** `bench all`: build what is missing, run the suite on every runtime, write JSON + Markdown. */
export async function runAll(flags: AllFlags, io: CommandIo): Promise<ExitCodeValue> {
  const hostArch = archFromNode(process.arch);
  if (!hostArch) throw new MissingDependencyError(`unsupported host architecture ${process.arch}`);
  const manifests = loadWorkloads(workloadsDir);
  const config = resolveSuite(flags, manifests, hostArch);
  validateImageFlags(flags);
  const outDir = resolve(flags.out ?? 'results');
  const profile = getArchProfile(config.arch);
  const startedAt = new Date();

  const leftovers = await findDeadRuns(stateDir());
  if (leftovers.length > 0) io.warn(`leftovers from ${leftovers.length} earlier run(s) that did not finish (${leftovers.map((r) => r.runId).join(', ')}): run \`bench clean\``);

  // Fail fast, before a minute of image building, when an engine the suite needs is missing.
  const foreign = config.arch !== hostArch;
  if (foreign) {
    const status = await probeForeignArch(profile);
    if (status.problems.length > 0) throw new MissingDependencyError(`--arch ${config.arch} on a ${hostArch} host: ${status.problems.join('; ')}`);
  }
  if (config.runtimes.includes('docker')) await probeDockerEngine();
  if (config.runtimes.includes('qemu')) await probeQemu(profile);
  const [inventory, cgroupMode, ksm, clockTicks, fingerprint] = await Promise.all([readHostInventory(), readCgroupMode(), readKsm(), readClockTicks(), readHostFingerprint()]);
  if (!cgroupMode) throw new MissingDependencyError('no cgroup hierarchy mounted under /sys/fs/cgroup');
  await requireHostClientTools(config.workloads.flatMap((w) => manifests.get(w.name)?.hostClient ?? []));
  const images = await buildImageSet(flags, config.arch, io);

  const scope = await openRunScope(startedAt, config.runtimes.includes('docker'));
  const { runId, runDir } = scope;

  const { backends, runtimes, ioDevices } = await prepareBackends({
    runtimes: config.runtimes,
    images,
    profile,
    guestArch: config.arch,
    hostArch,
    accel: config.accel,
    cgroupVersion: cgroupMode.version,
    runDir,
    runId,
    signal: io.signal,
    log: io.log,
    containerNetwork: config.containerNetwork ?? 'bridge',
  });

  for (const [name, backend] of backends) {
    const record = runtimes[name];
    if (record) record.envelope = envelopeRecord(backend.kind, backend.cgroupPlacement === 'own' ? (backend.envelopeEnforcer ?? 'none') : 'trial-cgroup', config.vcpus, config.memoryMiB);
  }

  const notes = [
    ...hostNotes(cgroupMode.version, runtimes.qemu?.emulated ?? false),
    ...(foreign ? [`Guest architecture ${config.arch} on a ${hostArch} host: containers ran under qemu-user and VMs under TCG; every figure measures emulation, and the host-side figures include the emulator.`] : []),
  ];
  const header: JournalHeader = {
    schemaVersion: resultSchemaVersion,
    tool: { name: 'twinbench', version: toolVersion },
    runId,
    startedAt: startedAt.toISOString(),
    host: { ...inventory, cgroupVersion: cgroupMode.version, cgroupMode: cgroupMode.mode, ksm, clockTicksPerSecond: clockTicks, fingerprint },
    config,
    images: {
      rootfsDigest: images.rootfsDigest,
      inputsDigest: images.inputsDigest,
      dockerTag: images.dockerTag,
      kernel: images.kernel,
      initrd: images.initrd ?? { source: 'built' },
      suite: images.suite,
      packages: [...images.packages],
    },
    runtimes,
    notes,
  };
  const resultPath = join(outDir, resultFileName(startedAt, hostname()));
  // Each finished trial is on disk before the next starts: a harness that dies loses none of them.
  const journal = Journal.open(journalPathFor(resultPath), header);
  let journalWarned = false;
  const record = (kind: 'trial' | 'warmup', trial: TrialResult) => {
    journal.record(kind, trial);
    if (journal.problem && !journalWarned) io.warn(`${journal.problem}; the run goes on`);
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
      tickSeconds: 1 / clockTicks,
      missingReasons: cgroupMode.version === 1 ? blkioMissingReasons : {},
      ioDevices,
    },
    signal: io.signal,
    onTrialStart: (trial, index, total) => io.progress(describeTrialStart(trial, index, total)),
    onTrial: (trial, index, total) => io.log(describeTrial(trial, index, total)),
    onRecord: record,
  });

  const { schemaVersion, tool, startedAt: started, host, images: imageRecord } = header;
  const result: ResultFile = {
    schemaVersion,
    tool,
    runId,
    startedAt: started,
    finishedAt: new Date().toISOString(),
    status: io.signal.aborted ? 'interrupted' : 'completed',
    host,
    config,
    images: imageRecord,
    runtimes,
    warmups,
    trials,
    ...(repetitions ? { repetitions } : {}),
    notes,
  };
  const markdown = renderMarkdown(result);
  const jsonPath = await writeResults(resultPath, result, markdown, io, journal);
  await scope.finish();
  io.out(markdown);
  io.out(jsonPath);
  if (io.signal.aborted) return io.signal.reason?.exitCode ?? ExitCode.interrupted;
  return trials.some((trial) => trial.state !== 'completed') ? ExitCode.trialsFailed : ExitCode.ok;
}
