import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { removeLabelledContainers, runLabel } from '../backends/docker.js';
import { ExitCode, MissingDependencyError, type ExitCodeValue } from '../errors.js';
import { deleteLink, listHarnessLinks, ownedByNoLiveRun } from '../host/harness-bridge.js';
import { libvirtRunsDir, listNames, removeLibvirtObject } from '../host/libvirt.js';
import { harnessCgroupParent, removeCgroupTree } from '../host/harness-cgroup.js';
import { findDeadRuns, removeRunState } from '../orchestrator/run-state.js';
import { cacheDir, stateDir } from '../paths.js';
import { listCgroupMountPoints } from '../sampling/cgroup-paths.js';
import { KernelFiles } from '../sampling/kernel-files.js';
import type { CommandIo } from './io.js';

/** Harness cgroups of dead runs: kill what is still in them (a QEMU orphaned by SIGKILL), remove them. */
async function cleanCgroups(liveRunIds: ReadonlySet<string>): Promise<string[]> {
  // Every hierarchy: a container runtime also makes groups below a trial's in cpuset, devices, freezer…
  const roots = listCgroupMountPoints(await readFile('/proc/self/mountinfo', 'utf8')).map((mount) => join(mount, harnessCgroupParent));
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
  return removed;
}

/** Vagrant runtime leftovers: libvirt domains, pools and networks named `tb-<run tag>…`, and the run's libvirt folder. */
async function cleanLibvirt(liveRunIds: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const kind of ['domain', 'pool', 'network'] as const) {
    for (const name of (await listNames(kind)).filter((candidate) => ownedByNoLiveRun(candidate, liveRunIds))) {
      await removeLibvirtObject(kind, name);
      removed.push(`libvirt ${kind} ${name}`);
    }
  }
  for (const folder of await readdir(libvirtRunsDir).catch(() => [] as string[])) {
    if (liveRunIds.has(folder)) continue;
    await rm(join(libvirtRunsDir, folder), { recursive: true, force: true });
    removed.push(`folder ${join(libvirtRunsDir, folder)}`);
  }
  return removed;
}

/** Taps and bridges (`tb-<run tag>…`) of runs that are not alive; taps first, then their bridge. */
async function cleanLinks(liveRunIds: ReadonlySet<string>): Promise<string[]> {
  const orphans = (await listHarnessLinks()).filter((name) => ownedByNoLiveRun(name, liveRunIds));
  // Longer names are the taps (tb-TAG-N); removing them before the bridge (tb-TAG) keeps the order clean.
  orphans.sort((a, b) => b.length - a.length);
  for (const name of orphans) await deleteLink(name);
  return orphans;
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
  try {
    const docker = new Docker();
    const containers = await docker.listContainers({ all: true, filters: { label: [runLabel] } });
    for (const info of containers) {
      const runId = info.Labels[runLabel] ?? '';
      if (liveIds.has(runId)) continue;
      await removeLabelledContainers(runId, docker);
      io.log(`removed container ${info.Names[0] ?? info.Id} (run ${runId})`);
    }
    if (flags.images) {
      for (const image of await docker.listImages({ filters: { reference: ['twinbench-rootfs'] } })) {
        await docker.getImage(image.Id).remove({ force: true });
        io.log(`removed image ${image.RepoTags?.join(', ') ?? image.Id}`);
      }
    }
  } catch (error) {
    problems++;
    io.warn(`docker: ${(error as Error).message}; containers not checked`);
  }
  for (const dir of await cleanCgroups(liveIds)) io.log(`removed cgroup ${dir}`);
  try {
    for (const object of await cleanLibvirt(liveIds)) io.log(`removed ${object}`);
  } catch (error) {
    // No virsh or no libvirtd: the Vagrant runtime cannot have run here (or left anything running).
    if (!(error instanceof MissingDependencyError)) io.log(`libvirt not reachable (${(error as Error).message}); its domains, networks and pools not checked`);
  }
  try {
    for (const link of await cleanLinks(liveIds)) io.log(`removed network link ${link}`);
  } catch (error) {
    problems++;
    io.warn(`network links: ${(error as Error).message}; not checked`);
  }
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
    io.log(`removed image cache under ${cacheDir()}`);
  }
  io.out(problems ? 'clean: done, with problems (see warnings)' : 'clean: nothing of twinbench is left on this host');
  return problems ? ExitCode.missingDependency : ExitCode.ok;
}
