import { randomBytes } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScratchFile } from '../contract/backend.js';
import { cleanup } from '../cleanup.js';

const chunkBytes = 1024 * 1024;

/**
 * Write a fresh scratch file of `sizeMiB` MiB for one trial, in a folder of its own under the run
 * folder, and fsync it. Every block is written (random data): reads of a sparse or fallocated file
 * would be served as zeros without touching the disk, and a VM disk or container file must be read
 * from the same kind of blocks. Returns the file and its removal (also registered for Ctrl-C).
 */
export async function writeScratchFile(
  runDir: string,
  trialId: string,
  sizeMiB: number,
): Promise<{ scratch: ScratchFile; remove: () => Promise<void> }> {
  const dir = join(runDir, 'scratch', trialId);
  await mkdir(dir, { recursive: true });
  const remove = cleanup.register(`scratch ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const fileName = 'fio.dat';
  try {
    const file = await open(join(dir, fileName), 'w');
    try {
      const chunk = randomBytes(chunkBytes);
      for (let i = 0; i < sizeMiB; i++) await file.write(chunk, 0, chunkBytes);
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { scratch: { dir, fileName, sizeMiB }, remove };
}
