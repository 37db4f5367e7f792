/** Exit codes are part of the public interface: CI scripts branch on them. */
export const ExitCode = {
  ok: 0,
  /** `bench check`: a metric regressed. */
  regression: 1,
  /** Bad flags, config, suite or result file. */
  usage: 2,
  /** A host dependency is missing or unreachable (Docker engine, QEMU, debootstrap…). */
  missingDependency: 3,
  /** The run finished but some trials errored. */
  trialsFailed: 4,
  /** Building the images failed. */
  imageBuild: 5,
  /** A result could not be written (disk full, permissions). */
  output: 6,
  /** `bench check`: a gating figure is neither regressed nor shown unchanged (more baseline runs or a confirming run would decide). */
  inconclusive: 7,
  /** A bug in twinbench itself (EX_SOFTWARE). */
  internal: 70,
  /** Stopped by SIGINT (128 + 2). */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15). */
  terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class of every error the CLI turns into one line and an exit code. */
export class TwinbenchError extends Error {
  readonly exitCode: ExitCodeValue;

  constructor(message: string, exitCode: ExitCodeValue, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A flag, config key or input file is wrong; the message names it and the bad value. */
export class UsageError extends TwinbenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

/** Something the host must provide is missing; the message says what to install. */
export class MissingDependencyError extends TwinbenchError {
  /** The problem alone, without the pointer to doctor (for doctor itself, or a message that names its own fix). */
  readonly problem: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(`${message} (run \`bench doctor\` for details)`, ExitCode.missingDependency, options);
    this.problem = message;
  }
}

/** What went wrong, without the pointer to doctor when the error carries one. */
export function problemOf(error: unknown): string {
  return error instanceof MissingDependencyError ? error.problem : (error as Error).message;
}

/** An image build step failed; the message names the step. */
export class ImageBuildError extends TwinbenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.imageBuild, options);
  }
}

/** Writing a result or report failed. */
export class OutputError extends TwinbenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.output, options);
  }
}

/** A run whose trials did not all complete cannot be used for what was asked (e.g. calibration). */
export class TrialsFailedError extends TwinbenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.trialsFailed, options);
  }
}

/** A single trial failed; caught by the orchestrator and stored as an `errored` trial, never fatal. */
export class TrialError extends Error {
  /** Last lines the guest printed, kept in the result for diagnosis. */
  readonly consoleTail: string | undefined;
  /** performance.now() when READY reached the host, when the trial failed after it. */
  readonly readyAtMs: number | undefined;

  constructor(message: string, options?: { cause?: unknown; consoleTail?: string; readyAtMs?: number }) {
    super(message, options);
    this.name = 'TrialError';
    this.consoleTail = options?.consoleTail;
    this.readyAtMs = options?.readyAtMs;
  }
}

/** Thrown when the run's AbortSignal fires (Ctrl-C, SIGTERM). */
export class InterruptedError extends TwinbenchError {
  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`, signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated);
  }
}

/** One line for the user: the message and, when it adds something, the cause's message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? error.cause.message.split('\n')[0] : undefined;
    const first = error.message.split('\n')[0] ?? error.message;
    return cause && !first.includes(cause) ? `${first}: ${cause}` : first;
  }
  return String(error);
}
