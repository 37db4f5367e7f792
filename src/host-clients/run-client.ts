import { execa } from 'execa';
import { ToolOutputError } from '../tools/tool-metric.js';

/** A host-side tool failed, or its output could not be parsed; the raw output is kept for the result. */
export class HostClientError extends Error {
  readonly toolOutput: string;

  constructor(message: string, toolOutput: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostClientError';
    this.toolOutput = toolOutput.slice(-4000);
  }
}

const refusedRetries = 25;
const refusedPauseMs = 200;

/**
 * The tool measured nothing because it never got a test going: the connection was refused (other tools
 * exit non-zero; iperf3 `--json` exits 0 and says so only in its JSON `error` field), or iperf3's control
 * handshake was cut before any interval was measured. Back to back, iperf3's server closes its listener
 * after each test and opens a new one: a client that connects in between is refused, and one that reached
 * the closing listener is reset ("unable to receive control message: Connection reset by peer"). Either
 * way a later attempt is a clean test; one that failed after measuring anything is never retried.
 */
export function startedNothing(result: { exitCode?: number | undefined; all?: unknown; stdout?: unknown }): boolean {
  if (typeof result.all === 'string' && /Connection refused/i.test(result.all) && result.exitCode !== 0) return true;
  let report: { error?: unknown; intervals?: unknown };
  try {
    report = JSON.parse(typeof result.stdout === 'string' ? result.stdout : '') as {
      error?: unknown;
      intervals?: unknown;
    };
  } catch {
    return false;
  }
  const handshake =
    /^unable to (connect to server|receive control message|send control message|receive cookie|send cookie)\b/;
  return (
    typeof report.error === 'string' &&
    handshake.test(report.error) &&
    Array.isArray(report.intervals) &&
    report.intervals.length === 0
  );
}

/**
 * Run one client tool on the host and hand its stdout to `parse`. Every run has a timeout and the
 * trial's signal (redis-benchmark, for one, retries a refused connection forever).
 */
export async function runClient<T>(
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; signal: AbortSignal; keep?: ((stdout: string) => void) | undefined },
  parse: (stdout: string) => T,
): Promise<T> {
  const run = () =>
    execa(file, args, {
      timeout: options.timeoutMs,
      cancelSignal: options.signal,
      reject: false,
      stdin: 'ignore',
      all: true,
      encoding: 'utf8',
    });
  let result = await run();
  // A run that never started a test measured nothing (see startedNothing): in a TCG guest the window
  // between two iperf3 tests refused or reset the next client in about 1 trial in 10.
  for (let tries = 0; tries < refusedRetries && startedNothing(result) && !options.signal.aborted; tries++) {
    await new Promise((resolve) => setTimeout(resolve, refusedPauseMs));
    result = await run();
  }
  const output = typeof result.all === 'string' ? result.all : '';
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  if (result.isCanceled) throw new HostClientError(`${file} was stopped: the trial ended`, output);
  if (result.code === 'ENOENT')
    throw new HostClientError(`${file} is not installed on the host (run scripts/setup.sh)`, '');
  if (result.timedOut) throw new HostClientError(`${file} did not finish within ${options.timeoutMs / 1000} s`, output);
  if (result.exitCode !== 0) {
    throw new HostClientError(
      `${file} exited with status ${String(result.exitCode ?? result.signal)}: ${output.trim().split('\n').at(-1) ?? ''}`,
      output,
    );
  }
  try {
    const value = parse(stdout);
    options.keep?.(stdout);
    return value;
  } catch (error) {
    if (error instanceof ToolOutputError) throw new HostClientError(error.message, output, { cause: error });
    throw error;
  }
}
