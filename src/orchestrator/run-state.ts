import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseProcStat } from '../sampling/proc.js';

/** What a run records on disk while it lives, so `bench clean` can undo a killed run. */
export interface RunState {
  runId: string;
  pid: number;
  startedAt: string;
  /** Folder of the run's overlays and temp files. */
  runDir: string;
  /**
   * Who the pid was: the kernel's boot id and the process's start time (clock ticks after boot). The state
   * lives in the cache folder across reboots, and pids are reused: a pid that exists is the run only when both
   * match. Absent in state files of older versions (then the pid alone decides, as it did).
   */
  bootId?: string;
  pidStartTicks?: number;
}

/** The boot id and a process's start time, or undefined where /proc does not say. */
async function identity(pid: number): Promise<{ bootId: string; pidStartTicks: number } | undefined> {
  try {
    const [bootId, stat] = await Promise.all([
      readFile('/proc/sys/kernel/random/boot_id', 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ]);
    const parsed = parseProcStat(stat);
    return parsed ? { bootId: bootId.trim(), pidStartTicks: parsed.startTicks } : undefined;
  } catch {
    return undefined;
  }
}

/** Record a run as started, with who its process is (boot id, start time). */
export async function writeRunState(stateRoot: string, state: RunState): Promise<void> {
  await mkdir(stateRoot, { recursive: true });
  await writeFile(join(stateRoot, `${state.runId}.json`), JSON.stringify({ ...state, ...(await identity(state.pid)) }));
}

/** Forget a run (it cleaned up after itself). */
export async function removeRunState(stateRoot: string, runId: string): Promise<void> {
  await rm(join(stateRoot, `${runId}.json`), { force: true });
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the run's own process still lives: its pid exists and, where recorded, is the same process of the same boot. */
async function alive(state: RunState): Promise<boolean> {
  if (!pidExists(state.pid)) return false;
  if (state.bootId === undefined || state.pidStartTicks === undefined) return true;
  const now = await identity(state.pid);
  return now !== undefined && now.bootId === state.bootId && now.pidStartTicks === state.pidStartTicks;
}

/** Runs whose state file remains but whose process is gone: they left things behind. */
export async function findDeadRuns(stateRoot: string): Promise<RunState[]> {
  const files = await readdir(stateRoot).catch(() => [] as string[]);
  const dead: RunState[] = [];
  for (const file of files.filter((name) => name.endsWith('.json'))) {
    try {
      const state = JSON.parse(await readFile(join(stateRoot, file), 'utf8')) as RunState;
      if (!(await alive(state))) dead.push(state);
    } catch {
      // An unreadable state file is itself a leftover: report it as a run with no pid.
      dead.push({ runId: file.replace(/\.json$/, ''), pid: 0, startedAt: '', runDir: '' });
    }
  }
  return dead;
}
