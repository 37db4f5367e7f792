/**
 * Benchmark script (not a test): the sampler's own CPU per sample, for a container (with its shim)
 * and for a VM's QEMU, against dockerode's `container.stats()` with the daemons' CPU counted.
 *
 *   node dist/bench/sampler-cost.js [samples]
 *
 * Needs a running Docker engine and the twinbench image (`bench images build`). Targets (issue #12):
 * ≤ 100 µs of CPU per container sample, ≤ 500 µs per VM sample, ≥ 20× cheaper than container.stats().
 */
import { readFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import Docker from 'dockerode';
import { locateCgroup, parseCgroupMounts } from '../src/sampling/cgroup-paths.js';
import { Sampler, type SamplerTarget } from '../src/sampling/sampler.js';
import { readParent } from '../src/sampling/read-proc.js';

const samples = Number(process.argv[2] ?? 500);
const ticksPerSecond = 100;

/** CPU seconds (user + system) of a process, from /proc/PID/stat. */
function processCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function ownCpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/**
 * CPU time of this process's main thread, µs, from /proc/thread-self/schedstat (Node 20 has no per-thread
 * clock). The kernel updates it at ticks and switches, so it is only read around a whole loop of samples,
 * where that staleness (a tick at each end) is small against the total.
 */
function mainThreadCpuMicros(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1000;
}

async function pidOf(name: string): Promise<number | undefined> {
  const { stdout } = await execa('pgrep', ['-xo', name], { reject: false });
  return stdout ? Number(stdout) : undefined;
}

/**
 * Our CPU per sample over `samples` samples, in µs: the whole process's (main thread + V8's GC and compiler
 * threads + libuv's pool) and the main thread's alone, where the sampler's reads and parsing run.
 */
async function samplerCost(target: SamplerTarget): Promise<{ process: number; mainThread: number }> {
  const sampler = new Sampler(target, { intervalMs: 100, tickSeconds: 1 / ticksPerSecond, origin: performance.now() });
  for (let i = 0; i < 200; i++) await sampler.sampleNow();
  const before = ownCpuMicros();
  const mainBefore = mainThreadCpuMicros();
  for (let i = 0; i < samples; i++) await sampler.sampleNow();
  const mainThread = (mainThreadCpuMicros() - mainBefore) / samples;
  const cost = (ownCpuMicros() - before) / samples;
  await sampler.stop();
  return { process: cost, mainThread };
}

const describeCost = (cost: { process: number; mainThread: number }) =>
  `${cost.process.toFixed(0)} µs CPU per sample, of which the main thread ${cost.mainThread.toFixed(0)} µs`;

const mounts = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
const image = (await execa('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'twinbench-rootfs'])).stdout
  .split('\n')
  .find((tag) => tag.includes(process.arch === 'arm64' ? 'arm64' : 'amd64'));
if (!image) throw new Error('no twinbench-rootfs image: run `bench images build` first');

// --- container + shim
const id = (
  await execa('docker', ['run', '-d', '--rm', '--network', 'none', '--memory', '512m', image, 'sleep', '600'])
).stdout.trim();
try {
  const init = Number((await execa('docker', ['inspect', '-f', '{{.State.Pid}}', id])).stdout);
  const shim = (await readParent(init))?.ppid;
  const location = locateCgroup(readFileSync(`/proc/${init}/cgroup`, 'utf8'), mounts);
  if (!location || !shim) throw new Error('cannot locate the container');
  const container = await samplerCost({ cgroup: location, extraPids: [shim] });

  const docker = new Docker();
  const daemons = (await Promise.all(['dockerd', 'containerd'].map(pidOf))).filter(
    (pid): pid is number => pid !== undefined,
  );
  // Each call takes about a second of wall time (the engine waits for a second CPU reading): a fixed 40.
  const statsCalls = 40;
  const daemonsBefore = daemons.map(processCpu);
  const shimBefore = processCpu(shim);
  const ownBefore = ownCpuMicros();
  for (let i = 0; i < statsCalls; i++)
    await docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false });
  const own = (ownCpuMicros() - ownBefore) / statsCalls;
  const daemonCpu =
    daemons.reduce((sum, pid, i) => sum + processCpu(pid) - (daemonsBefore[i] ?? 0), 0) + processCpu(shim) - shimBefore;
  const stats = own + (daemonCpu * 1e6) / statsCalls;
  console.log(`container (cgroup v${location.version}, + shim): sampler ${describeCost(container)} (target ≤ 100)`);
  console.log(
    `container.stats({one-shot}): ${stats.toFixed(0)} µs CPU per call (twinbench ${own.toFixed(0)} + dockerd/containerd/shim ${((daemonCpu * 1e6) / statsCalls).toFixed(0)}), ${(stats / container.process).toFixed(1)}× the sampler (target ≥ 20×)`,
  );
} finally {
  await execa('docker', ['rm', '-f', id], { reject: false });
}

// --- a VM's QEMU with all of its 512 MiB touched (-mem-prealloc), paused: the most pages smaps_rollup walks
const qemu = process.arch === 'arm64' ? 'qemu-system-aarch64' : 'qemu-system-x86_64';
const machine = process.arch === 'arm64' ? ['-M', 'virt'] : ['-M', 'pc'];
const group = location1(mounts);
await Promise.all(Object.values(group).map((dir) => mkdir(dir, { recursive: true })));
const vm = execa(
  qemu,
  [...machine, '-accel', 'tcg', '-m', '512', '-mem-prealloc', '-S', '-display', 'none', '-nodefaults'],
  { reject: false },
);
try {
  await Promise.all(Object.values(group).map((dir) => writeFile(`${dir}/cgroup.procs`, String(vm.pid))));
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const cost = await samplerCost({
    cgroup: mounts.v1.has('memory') ? { version: 1, dirs: group } : { version: 2, dir: group.memory as string },
  });
  console.log(`VM (QEMU, 512 MiB touched): sampler ${describeCost(cost)} (target ≤ 500)`);
} finally {
  vm.kill('SIGKILL');
  await vm;
  for (const dir of Object.values(group)) await rmdir(dir).catch(() => undefined);
}

/** A throwaway cgroup for the QEMU process: each v1 controller, or one v2 group. */
function location1(m: ReturnType<typeof parseCgroupMounts>): Record<string, string> {
  const name = `twinbench-sampler-bench-${process.pid}`;
  if (m.v1.has('memory'))
    return Object.fromEntries(['memory', 'cpuacct', 'blkio'].map((c) => [c, `${m.v1.get(c)}/${name}`]));
  return { memory: `${m.v2}/${name}` };
}
