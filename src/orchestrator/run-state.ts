import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a run records on disk while it lives, so `bench clean` can undo a killed run. */
export interface RunState {
  runId: string;
  pid: number;
  startedAt: string;
  /** Folder of the run's overlays and temp files. */
  runDir: string;
}

/** Record a run as started. */
export async function writeRunState(stateRoot: string, state: RunState): Promise<void> {
  await mkdir(stateRoot, { recursive: true });
  await writeFile(join(stateRoot, `${state.runId}.json`), JSON.stringify(state));
}

/** Forget a run (it cleaned up after itself). */
export async function removeRunState(stateRoot: string, runId: string): Promise<void> {
  await rm(join(stateRoot, `${runId}.json`), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs whose state file remains but whose process is gone: they left things behind. */
export async function findDeadRuns(stateRoot: string): Promise<RunState[]> {
  const files = await readdir(stateRoot).catch(() => [] as string[]);
  const dead: RunState[] = [];
  for (const file of files.filter((name) => name.endsWith('.json'))) {
    try {
      const state = JSON.parse(await readFile(join(stateRoot, file), 'utf8')) as RunState;
      if (!alive(state.pid)) dead.push(state);
    } catch {
      // An unreadable state file is itself a leftover: report it as a run with no pid.
      dead.push({ runId: file.replace(/\.json$/, ''), pid: 0, startedAt: '', runDir: '' });
    }
  }
  return dead;
}
