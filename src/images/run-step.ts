import { execa, ExecaError, type Options } from 'execa';
import { ImageBuildError } from '../errors.js';

/** Why a tool failed, in a few words: not installed, or the last lines it wrote to stderr. */
function toolFailure(file: string, error: ExecaError): string {
  const stderr = typeof error.stderr === 'string' ? error.stderr : '';
  const tail = stderr.trim().split('\n').slice(-3).join(' | ');
  return error.code === 'ENOENT' ? `${file} is not installed` : tail || error.shortMessage;
}

/**
 * Run one tool; on failure throw what `fail` makes of the reason (by default an ImageBuildError naming
 * the image build step). A cancelled run's error passes through as it is.
 */
export async function runStep(
  step: string,
  file: string,
  args: readonly string[],
  options: Options = {},
  fail: (why: string, cause: unknown) => Error = (why, cause) =>
    new ImageBuildError(`image build step "${step}" failed: ${why}`, { cause }),
): Promise<string> {
  try {
    const result = await execa(file, args, { ...options, stripFinalNewline: true });
    return typeof result.stdout === 'string' ? result.stdout : '';
  } catch (error) {
    if (error instanceof ExecaError) {
      if (error.isCanceled) throw error;
      throw fail(toolFailure(file, error), error);
    }
    throw error;
  }
}
