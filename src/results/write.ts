import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OutputError } from '../errors.js';

/**
 * Write a file atomically and durably: a temp file beside it, fsync, rename, fsync of the folder (so the
 * rename itself survives a power cut). A failure (disk full) leaves any previous file untouched and removes
 * the temp file.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    syncFolder(dirname(path));
  } catch (error) {
    await rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new OutputError(`cannot write ${path}: ${code === 'ENOSPC' ? 'disk full' : (error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * fsync a folder: its entries (a rename, a new file) are on disk once this returns. Synchronous, so that the
 * run's journal (written synchronously between trials) and the atomic write share it.
 */
export function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Result file name: `<UTC time>-<host>.json`, sortable and safe on every filesystem. */
export function resultFileName(startedAt: Date, hostname: string): string {
  const stamp = startedAt
    .toISOString()
    .replace(/[:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const host = hostname.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 64) || 'host';
  return `${stamp}-${host}.json`;
}
