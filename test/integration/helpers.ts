import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa, type ResultPromise } from 'execa';
import { packageRoot } from '../../src/paths.js';
import { podmanSocket } from '../../src/runtimes/podman/engine.js';
import type { ResultFile } from '../../src/results/types.js';
import { listCgroupMountPoints } from '../../src/sampling/cgroup-paths.js';
import { parseProcStat } from '../../src/sampling/proc.js';

const bench = join(packageRoot, 'bin', 'bench.js');

/** Run the real CLI as a user would. */
export function runBench(args: string[], env: Record<string, string> = {}) {
  return execa('node', [bench, ...args], { reject: false, all: true, env: { TWINBENCH_DEBUG: '1', ...env } });
}

/** Start the CLI without waiting (for signals). */
export function startBench(args: string[]): ResultPromise<{ reject: false; all: true }> {
  return execa('node', [bench, ...args], { reject: false, all: true });
}

/** The result file a run printed as its last line. */
export function readResult(stdout: string): { path: string; result: ResultFile } {
  const path = stdout.trim().split('\n').at(-1) ?? '';
  return { path, result: JSON.parse(readFileSync(path, 'utf8')) as ResultFile };
}

/** Everything twinbench could have left on the host: labelled containers, harness cgroups, QEMU processes. */
export async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  const containers = await new Docker().listContainers({ all: true, filters: { label: ['io.twinbench.run'] } });
  found.push(...containers.map((c) => `container ${c.Names[0] ?? c.Id}`));
  // Podman's containers, where its service runs.
  if (existsSync(podmanSocket())) {
    const podman = await new Docker({ socketPath: podmanSocket() }).listContainers({
      all: true,
      filters: { label: ['io.twinbench.run'] },
    });
    found.push(...podman.map((c) => `podman container ${c.Names[0] ?? c.Id}`));
  }
  // Every hierarchy: a container runtime makes groups below a trial's in cpuset, devices, freezer… too.
  for (const root of listCgroupMountPoints(readFileSync('/proc/self/mountinfo', 'utf8')).map((mount) =>
    join(mount, 'twinbench'),
  )) {
    try {
      found.push(
        ...readdirSync(root, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => `cgroup ${join(root, e.name)}`),
      );
    } catch {
      // hierarchy absent on this host
    }
  }
  found.push(...harnessPids().map((pid) => `process ${pid} in a twinbench cgroup`));
  // LXC's monitor of a container left running (it moves into the trial's group, but starts outside it).
  found.push(...pidsNamed('lxc-start').map((pid) => `lxc-start ${pid}`));
  const links = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[];
  found.push(...links.filter((link) => link.ifname.startsWith('tb-')).map((link) => `network link ${link.ifname}`));
  // The Vagrant runtime's libvirt objects and folder (when libvirt is there at all).
  for (const [kind, command] of [
    ['domain', 'list'],
    ['network', 'net-list'],
    ['pool', 'pool-list'],
  ] as const) {
    try {
      const names = execFileSync('virsh', ['-c', 'qemu:///system', command, '--all', '--name'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      found.push(
        ...names
          .split('\n')
          .map((n) => n.trim())
          .filter((n) => n.startsWith('tb-'))
          .map((n) => `libvirt ${kind} ${n}`),
      );
    } catch {
      // no virsh or no libvirtd
    }
  }
  try {
    found.push(...readdirSync('/var/lib/twinbench').map((name) => `folder /var/lib/twinbench/${name}`));
  } catch {
    // never created
  }
  return found;
}

/**
 * What a test that runs only the fake runtimes (no engine, no cgroup, no guest) could leave: a process whose command
 * line names its folder (a `bench` it started, a job's shell), and a run still recorded as running in its cache.
 * Scoped to that folder, so that it holds while other tests run beside it (scripts/test.sh's `apart` stream).
 */
export async function ownLeftovers(root: string, cache: string): Promise<string[]> {
  const processes = (await execa('pgrep', ['-a', '-f', root], { reject: false })).stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith(`${process.pid} `));
  let runs: string[] = [];
  try {
    runs = readdirSync(join(cache, 'state')).map((name) => `run state ${name}`);
  } catch {
    // no run was ever recorded there
  }
  return [...processes.map((line) => `process ${line}`), ...runs];
}

/** Processes inside a harness cgroup (QEMU, native agents): found by membership, not by name or path. */
/**
 * Wait for an event (a log line, a process, a file), never for a fixed time: `ready` is polled every `everyMs`
 * until it holds; after `withinMs` the test fails, naming what it waited for.
 */
export async function waitUntil(
  what: string,
  ready: () => boolean | Promise<boolean>,
  withinMs = 90_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`waited ${withinMs / 1000} s for ${what}: it never came`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The stderr a bench child has written so far, gathered as it comes (for waitUntil on a progress line). */
export function stderrOf(child: { stderr?: NodeJS.ReadableStream | null }): () => string {
  let seen = '';
  child.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  return () => seen;
}

/** A trial's guest runs: some process is in a harness cgroup (a QEMU, a container's processes, a native agent). */
export const guestRuns = (): boolean => harnessPids().length > 0;

/**
 * Live processes whose command name is `name`. A zombie is not one: it has exited and holds nothing but its
 * pid until its parent (init, once the harness that started it is gone) reaps it.
 */
function pidsNamed(name: string): number[] {
  return pidsWhere((pid) => {
    const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return stat?.comm === name && stat.state !== 'Z';
  });
}

export function harnessPids(): number[] {
  return pidsWhere((pid) => /:\/twinbench\//.test(readFileSync(`/proc/${pid}/cgroup`, 'utf8')));
}

/** Every process for which `test` holds; one that ends while it is read is left out. */
function pidsWhere(test: (pid: string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return test(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A suite file of the serving and disk workloads at CI size, for the given runtimes; returns its path. */
export function writeSmallWorkloadSuite(dir: string, runtimes: readonly string[]): string {
  const suite = join(dir, 'small.json');
  writeFileSync(
    suite,
    JSON.stringify({
      name: 'small',
      runtimes,
      workloads: [
        { name: 'disk', reps: 1, params: { size_mib: 64, duration_s: 2, ramp_s: 0 } },
        { name: 'network', reps: 1, params: { duration_s: 2 } },
        { name: 'redis', reps: 1, params: { requests: 20000 } },
      ],
    }),
  );
  return suite;
}

/** Every measured trial and warm-up of a run completed: the run's status alone says nothing of its trials. */
export function assertAllCompleted(result: ResultFile, expectedTrials: number): void {
  const failed = [...result.warmups, ...result.trials].filter((t) => t.state !== 'completed');
  const why = failed
    .map((t) => `${t.trialId}: ${t.state === 'errored' ? t.error : t.state === 'aborted' ? t.reason : ''}`)
    .join('; ');
  if (failed.length > 0 || result.trials.length !== expectedTrials) {
    throw new Error(
      `expected ${expectedTrials} completed trials, got ${result.trials.length} trials of which ${failed.length} (warm-ups included) did not complete: ${why}`,
    );
  }
}
