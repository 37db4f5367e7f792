import { readdir, rm } from 'node:fs/promises';
import { hostMountinfo } from '../host/cgroup-mode.js';
import { join } from 'node:path';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { harnessCgroupParent, removeCgroupTree } from '../host/harness-cgroup.js';
import { listTrialSlices, sliceOfRun, stopUnit, systemdOwnsCgroups } from '../host/systemd-cgroup.js';
import { findDeadRuns, removeRunState } from '../orchestrator/run-state.js';
import { cacheDir, stateDir } from '../paths.js';
import { runtimeTable } from '../runtimes/table.js';
import { listCgroupMountPoints, parseCgroupMounts } from '../sampling/cgroup-paths.js';
import { KernelFiles } from '../sampling/kernel-files.js';
import type { CommandIo } from './io.js';

/** Harness cgroups of dead runs: kill what is still in them (a QEMU orphaned by SIGKILL), remove them. */
async function cleanCgroups(liveRunIds: ReadonlySet<string>): Promise<string[]> {
  // Every hierarchy: a container runtime also makes groups below a trial's in cpuset, devices, freezer…
  const mountinfo = await hostMountinfo();
  const roots = listCgroupMountPoints(mountinfo).map((mount) => join(mount, harnessCgroupParent));
  const removed: string[] = [];
  for (const root of roots) {
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const name of entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name)) {
      const dir = join(root, name);
      // A harness group that no live run owns is an orphan, whatever is inside it.
      if ([...liveRunIds].some((id) => name.startsWith(`${id}-`))) continue;
      const files = new KernelFiles();
      const { pids } = files.readTree(dir);
      files.close();
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await removeCgroupTree(dir);
      removed.push(dir);
    }
  }
  // Where systemd owns the tree, trial groups are transient slices: stopping one ends what is still in it.
  if (systemdOwnsCgroups(parseCgroupMounts(mountinfo))) {
    for (const unit of await listTrialSlices()) {
      if ([...liveRunIds].some((id) => sliceOfRun(unit, id))) continue;
      await stopUnit(unit);
      removed.push(unit);
    }
  }
  return removed;
}

/**
 * `bench clean`: remove everything a twinbench run left behind after being killed — labelled
 * containers, harness cgroups (and the VMs in them), taps and bridges, run folders and state files. Live runs are left alone.
 */
export async function runClean(flags: { images?: boolean }, io: CommandIo): Promise<ExitCodeValue> {
  const dead = await findDeadRuns(stateDir());
  const liveIds = new Set<string>();
  for (const file of await readdir(stateDir()).catch(() => [] as string[])) {
    const id = file.replace(/\.json$/, '');
    if (!dead.some((run) => run.runId === id)) liveIds.add(id);
  }
  let problems = 0;
  // Containers go through their engine before their cgroups are emptied; the harness cgroups (and the VMs
  // orphaned in them) go before the VMs' taps, bridges and libvirt objects. Each cleanup runs once.
  const cleanersOf = (containers: boolean) => [
    ...new Set(
      runtimeTable.flatMap((runtime) =>
        runtime.clean && (runtime.kind === 'container') === containers ? [runtime.clean] : [],
      ),
    ),
  ];
  const runCleaners = async (containers: boolean) => {
    for (const clean of cleanersOf(containers)) {
      const report = await clean({ liveRunIds: liveIds, images: flags.images === true });
      for (const removed of report.removed) io.log(`removed ${removed}`);
      for (const note of report.notes ?? []) io.log(note);
      for (const problem of report.problems) io.warn(problem);
      problems += report.problems.length;
    }
  };
  await runCleaners(true);
  for (const dir of await cleanCgroups(liveIds)) io.log(`removed cgroup ${dir}`);
  await runCleaners(false);
  for (const run of dead) {
    if (run.runDir) await rm(run.runDir, { recursive: true, force: true });
    await removeRunState(stateDir(), run.runId);
    io.log(`removed leftovers of run ${run.runId}${run.runDir ? ` (${run.runDir})` : ''}`);
  }
  for (const name of await readdir(join(cacheDir(), 'runs')).catch(() => [] as string[])) {
    if (liveIds.has(name)) continue;
    await rm(join(cacheDir(), 'runs', name), { recursive: true, force: true });
    io.log(`removed run folder ${name}`);
  }
  if (flags.images) {
    await rm(join(cacheDir(), 'images'), { recursive: true, force: true });
    await rm(join(cacheDir(), 'base'), { recursive: true, force: true });
    await rm(join(cacheDir(), 'debs'), { recursive: true, force: true });
    await rm(join(cacheDir(), 'user-images'), { recursive: true, force: true });
    io.log(`removed image cache under ${cacheDir()}`);
  }
  io.out(problems ? 'clean: done, with problems (see warnings)' : 'clean: nothing of twinbench is left on this host');
  return problems ? ExitCode.missingDependency : ExitCode.ok;
}
