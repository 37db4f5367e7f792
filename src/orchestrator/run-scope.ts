import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanup } from '../cleanup.js';
import { cacheDir, stateDir } from '../paths.js';
import type { RuntimeDescriptor } from '../runtimes/runtime.js';
import { removeRunState, writeRunState } from './run-state.js';

/** A run's id, its scratch folder, and how to end it cleanly. */
export interface RunScope {
  runId: string;
  runDir: string;
  /** Remove the run folder and state file now (normal end); Ctrl-C and crashes do it via the registry. */
  finish(): Promise<void>;
}

/** A run id: UTC time plus 4 hex digits, lower case (it names containers and cgroups). */
function newRunId(startedAt: Date): string {
  return `${startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`.toLowerCase();
}

/**
 * Open a run: its folder, its state file (for `bench clean` after SIGKILL), and each runtime's last
 * sweep (a container runtime's labelled containers), each registered for cleanup the moment it exists.
 */
export async function openRunScope(
  startedAt: Date,
  runtimes: readonly Pick<RuntimeDescriptor, 'onRunOpen'>[],
): Promise<RunScope> {
  const runId = newRunId(startedAt);
  const runDir = join(cacheDir(), 'runs', runId);
  await mkdir(runDir, { recursive: true });
  const removeRunDir = cleanup.register(`run folder ${runDir}`, () => rm(runDir, { recursive: true, force: true }));
  await writeRunState(stateDir(), { runId, pid: process.pid, startedAt: startedAt.toISOString(), runDir });
  const forgetRun = cleanup.register(`run state ${runId}`, () => removeRunState(stateDir(), runId));
  for (const runtime of runtimes) runtime.onRunOpen?.(runId, (what, action) => void cleanup.register(what, action));
  return {
    runId,
    runDir,
    async finish() {
      await removeRunDir();
      await forgetRun();
    },
  };
}
