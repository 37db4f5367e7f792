import { chmod, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join, relative } from 'node:path';
import { ImageBuildError } from '../errors.js';
import { bootModules, orderModules, parseModuleDepends } from './kernel-modules.js';
import { runStep } from './run-step.js';

/** Index a kernel's modules folder: module name (underscores) → path of its .ko. */
async function indexModules(modulesRoot: string): Promise<Map<string, string>> {
  const entries = await readdir(modulesRoot, { recursive: true, withFileTypes: true });
  const index = new Map<string, string>();
  for (const entry of entries) {
    if (entry.isFile() && entry.name.endsWith('.ko')) {
      index.set(entry.name.slice(0, -3).replaceAll('-', '_'), join(entry.parentPath, entry.name));
    }
  }
  return index;
}

/** Inputs of the initramfs: a static busybox, the kernel's modules folder and the init script. */
export interface InitramfsInputs {
  readonly busyboxStatic: string;
  readonly modulesRoot: string;
  readonly initScript: string;
}

/**
 * Build a gzip'd newc cpio: busybox-static, the virtio modules (in dependency order) and our init.
 * Returns the module load order, which is recorded with the image.
 */
export async function buildInitramfs(inputs: InitramfsInputs, workDir: string, output: string): Promise<string[]> {
  const tree = join(workDir, 'initramfs');
  await mkdir(join(tree, 'bin'), { recursive: true });
  await mkdir(join(tree, 'modules'), { recursive: true });
  await copyFile(inputs.busyboxStatic, join(tree, 'bin', 'busybox'));
  await chmod(join(tree, 'bin', 'busybox'), 0o755);
  await copyFile(inputs.initScript, join(tree, 'init'));
  await chmod(join(tree, 'init'), 0o755);

  const index = await indexModules(inputs.modulesRoot);
  const dependsCache = new Map<string, string[]>();
  const dependsOf = (name: string): string[] | undefined => dependsCache.get(name);
  for (const [name, path] of index) {
    if (name.startsWith('virtio') || name.includes('failover'))
      dependsCache.set(name, parseModuleDepends(await readFile(path)));
  }
  let order: string[];
  try {
    order = orderModules(bootModules, dependsOf);
  } catch (error) {
    throw new ImageBuildError(`initramfs: ${(error as Error).message}`, { cause: error });
  }
  for (const name of order) {
    const path = index.get(name);
    if (path) await copyFile(path, join(tree, 'modules', `${name}.ko`));
  }
  await writeFile(join(tree, 'modules', 'order'), `${order.join('\n')}\n`);

  const entries = await readdir(tree, { recursive: true, withFileTypes: true });
  const list = ['.', ...entries.map((entry) => `./${relative(tree, join(entry.parentPath, entry.name))}`)].sort();
  const archive = join(workDir, 'initramfs.cpio');
  await runStep('cpio initramfs', 'cpio', ['-o', '-H', 'newc', '--quiet', '-R', '0:0', '-F', archive], {
    cwd: tree,
    input: `${list.join('\n')}\n`,
  });
  await writeFile(output, gzipSync(await readFile(archive), { level: 6 }));
  return order;
}
