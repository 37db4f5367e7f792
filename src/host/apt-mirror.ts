import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultMirror, parseAptMirror } from '../images/apt-source.js';

/** The Debian mirror the host's apt uses (so debootstrap goes through the same mirror or proxy). */
export async function hostAptMirror(): Promise<string> {
  const files = ['/etc/apt/sources.list'];
  const folder = '/etc/apt/sources.list.d';
  const entries = await readdir(folder).catch(() => [] as string[]);
  files.push(
    ...entries.filter((name) => name.endsWith('.list') || name.endsWith('.sources')).map((name) => join(folder, name)),
  );
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    const mirror = text === undefined ? undefined : parseAptMirror(text);
    if (mirror) return mirror;
  }
  return defaultMirror;
}
