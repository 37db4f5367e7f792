import { ExitCode, type ExitCodeValue } from '../errors.js';
import { benchRun, type RunFlags, type RunHooks, type RunOutcome } from '../orchestrator/bench-run.js';
import type { CommandIo } from './io.js';
import { describeTrial, describeTrialStart } from './progress.js';

/** Flags of `bench all`. */
export type AllFlags = RunFlags;

/** The run's hooks on a command's terminal: progress lines, a line per finished trial. */
export function runHooks(io: CommandIo): RunHooks {
  return {
    log: io.log,
    warn: io.warn,
    trialStarting: (trial, index, total) => io.progress(describeTrialStart(trial, index, total)),
    trialDone: (trial, index, total) => io.log(describeTrial(trial, index, total)),
    signal: io.signal,
  };
}

/** The exit code of a finished run: interrupted, some trials failed, or fine. */
function runExitCode(outcome: RunOutcome, signal: AbortSignal): ExitCodeValue {
  if (signal.aborted) return signal.reason?.exitCode ?? ExitCode.interrupted;
  return outcome.result.trials.some((trial) => trial.state !== 'completed') ? ExitCode.trialsFailed : ExitCode.ok;
}

/** `bench all`: run the suite (src/orchestrator/bench-run.ts), print the Markdown and the result's path. */
export async function runAll(flags: AllFlags, io: CommandIo): Promise<ExitCodeValue> {
  const outcome = await benchRun(flags, runHooks(io));
  io.out(outcome.markdown);
  io.out(outcome.jsonPath);
  return runExitCode(outcome, io.signal);
}
