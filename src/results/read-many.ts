import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { readResultFile } from './read.js';
import type { ResultFile } from './types.js';

/** Every `*.json` below a folder, in name order. */
async function jsonFilesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await jsonFilesUnder(path)));
    else if (entry.isFile() && entry.name.endsWith('.json')) found.push(path);
  }
  return found;
}

/**
 * The result files the arguments name, each handed to `keep` as soon as it is read and then dropped, so that a
 * history of hundreds of runs is held as what `keep` returns (a few kB a run), not as whole files. A file named
 * on the command line must be a result (exit 2 otherwise); JSON files found in a folder that are not results
 * (thresholds, a browser's downloads…) or cannot be read are skipped and listed, so that one bad file among
 * months of them does not hide the rest. A run found twice (a file copied as a baseline) counts once.
 */
export async function readResults<T>(
  paths: readonly string[],
  keep: (path: string, result: ResultFile) => T,
  command = 'bench history',
): Promise<{ files: T[]; skipped: { path: string; reason: string }[] }> {
  const files: T[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const seen = new Map<string, string>();
  const add = (path: string, result: ResultFile) => {
    const first = seen.get(result.runId);
    if (first) skipped.push({ path, reason: `the same run (${result.runId}) as ${first}` });
    else {
      seen.set(result.runId, path);
      files.push(keep(path, result));
    }
  };
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (error) {
      throw new UsageError(
        `${path}: cannot read it (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message})`,
      );
    }
    if (!isDir) {
      add(path, await readResultFile(path));
      continue;
    }
    for (const file of await jsonFilesUnder(path)) {
      try {
        add(file, await readResultFile(file));
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        skipped.push({
          path: file,
          reason: error.message.startsWith(`${file}: `) ? error.message.slice(file.length + 2) : error.message,
        });
      }
    }
  }
  if (files.length === 0)
    throw new UsageError(
      `${command} found no result file in ${paths.join(', ')}${skipped.length ? ` (${skipped.length} JSON file(s) skipped, e.g. ${skipped[0]?.path}: ${skipped[0]?.reason})` : ''}`,
    );
  return { files, skipped };
}
