import { execa, ExecaError, type Options } from 'execa';
import { ImageBuildError } from '../errors.js';

/** Run one build tool; on failure throw an ImageBuildError naming the step and the tool's last words. */
export async function runStep(step: string, file: string, args: readonly string[], options: Options = {}): Promise<string> {
  try {
    const result = await execa(file, args, { ...options, stripFinalNewline: true });
    return typeof result.stdout === 'string' ? result.stdout : '';
  } catch (error) {
    if (error instanceof ExecaError) {
      if (error.isCanceled) throw error;
      const stderr = typeof error.stderr === 'string' ? error.stderr : '';
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      const why = error.code === 'ENOENT' ? `${file} is not installed` : tail || error.shortMessage;
      throw new ImageBuildError(`image build step "${step}" failed: ${why}`, { cause: error });
    }
    throw error;
  }
}
