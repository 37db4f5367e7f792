import { execa, type ResultPromise } from 'execa';
import { cleanup } from '../cleanup.js';
import { TrialError } from '../errors.js';
import { waitUntilJoined } from '../host/harness-cgroup.js';
import { inScope } from '../host/systemd-cgroup.js';
import type { TrialSpec } from './backend.js';
import type { ConsoleWatch } from './console-watch.js';

/** Shell snippet run as `sh -c SNIPPET twinbench-join COMMAND ARGS…`: join the cgroups, then exec the command. */
const joinCgroupAndExec = 'IFS=:; for f in $TB_CGROUP_PROCS; do echo $$ > "$f" || exit 97; done; unset IFS; exec "$@"';

/** A guest process (QEMU, the native agent) started inside its own harness cgroup. */
export interface CgroupProcess {
  /** Settles when the process has exited. */
  readonly exited: Promise<unknown>;
  /** Kill its process group and wait for it (also done by the cleanup registry). */
  stop(): Promise<void>;
}

/**
 * Start `command` in the trial's `guest` leaf cgroup from its first instruction (a shell joins the
 * cgroup, then execs; where systemd owns the tree, systemd-run starts it in the trial's scope), feed its stdout to the console watch, and register its end for cleanup.
 * `label` names the process in errors: "QEMU exited (code …) before the agent printed EXIT".
 */
export async function startInHarnessCgroup(options: {
  /** Its cgroup's leaf, and `cpuset`, which pins the process and every thread it starts (sched_setaffinity). */
  trial: Pick<TrialSpec, 'cgroup' | 'cpuset'>;
  command: readonly string[];
  label: string;
  watch: ConsoleWatch;
}): Promise<CgroupProcess> {
  const { trial } = options;
  const group = trial.cgroup?.leaf;
  if (!group)
    throw new Error(`${options.label}: the trial has no cgroup (the backend's cgroupPlacement must be trial-leaf)`);
  // Pinned before it joins the cgroup: the joining shell inherits the affinity, so no instruction in the group runs unpinned.
  const pin = trial.cpuset ? ['taskset', '-c', trial.cpuset] : [];
  // Where systemd owns the tree, systemd-run joins the trial's transient scope and execs, as the shell does otherwise.
  const join = group.systemdScope
    ? inScope(group.systemdScope.slice, group.systemdScope.unit, options.command)
    : ['sh', '-c', joinCgroupAndExec, 'twinbench-join', ...options.command];
  const started = startWatched({
    command: [...pin, ...join],
    env: { TB_CGROUP_PROCS: group.procsFiles.join(':') },
    label: options.label,
    watch: options.watch,
  });
  const { child, stop, lastWords, exited } = started;
  const joined = child.pid === undefined ? 'exited' : await waitUntilJoined(child.pid, group);
  if (joined === 'timeout') {
    await stop();
    throw new TrialError(`${options.label} did not start in its cgroup: ${lastWords() || 'no output'}`, {
      consoleTail: options.watch.lines.tail(),
    });
  }
  return { exited, stop };
}

/** A guest's process started by the harness, its output fed to the console watch. */
export interface WatchedProcess {
  readonly child: ResultPromise;
  /** Settles when the process has exited (after the watch was told). */
  readonly exited: Promise<unknown>;
  /** The last line it wrote on stderr (why it failed), or ''. */
  lastWords(): string;
  /** Run `beforeKill` (if any), kill its process group, wait for it (also done by the cleanup registry). */
  stop(): Promise<void>;
}

/**
 * Start `command` in a process group of its own, feed its stdout to the console watch and tell the watch when
 * it exits ("<label> exited (code …) before the agent printed EXIT: <its last stderr line, or `why()`'s>"); its
 * end is registered for cleanup, after `beforeKill` (a runtime's own stop, e.g. `lxc-stop -k`).
 */
export function startWatched(options: {
  command: readonly string[];
  label: string;
  watch: ConsoleWatch;
  env?: Readonly<Record<string, string>>;
  beforeKill?: () => Promise<unknown>;
  why?: () => Promise<string>;
}): WatchedProcess {
  const [file, ...args] = options.command as [string, ...string[]];
  const child = execa(file, args, {
    ...(options.env ? { env: options.env } : {}),
    stdin: 'ignore',
    buffer: false,
    reject: false,
    encoding: 'utf8',
    // Its own process group: the guest and everything it started go with one kill.
    detached: true,
  });
  const kill = cleanup.register(`${options.label} pid ${String(child.pid)}`, async () => {
    await options.beforeKill?.();
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  let stderr = '';
  const lastWords = () => stderr.trim().split('\n').at(-1) ?? '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.stdout?.on('data', (chunk: Buffer) => options.watch.feed(chunk.toString()));
  const exited = child.then(async (result) => {
    const why = lastWords() || ((await options.why?.()) ?? '');
    options.watch.ended(
      `${options.label} exited (code ${String(result.exitCode ?? result.signal)}) before the agent printed EXIT${why ? `: ${why}` : ''}`,
    );
  });
  const stop = async () => {
    await kill();
    await exited;
  };
  return { child, exited, lastWords, stop };
}
