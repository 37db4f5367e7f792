import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { relocateImageSet } from '../../../src/images/build.js';
import type { ImageSet } from '../../../src/images/image-set.js';
import { packageRoot } from '../../../src/paths.js';

test('a cached image set copied to another cache folder names the files where they are now', () => {
  const set = {
    dir: '/root/.cache/twinbench/images/amd64-0123456789abcdef',
    rootfsTar: '/root/.cache/twinbench/images/amd64-0123456789abcdef/rootfs.tar',
    diskPath: '/root/.cache/twinbench/images/amd64-0123456789abcdef/disk.ext4',
    initrdPath: '/root/.cache/twinbench/images/amd64-0123456789abcdef/initrd.gz',
    kernelPath: '/root/.cache/twinbench/debs/linux-image_1_amd64/root/boot/vmlinuz-6.1',
  } as ImageSet;
  const moved = relocateImageSet(set, '/lab/cache');
  assert.equal(moved.dir, '/lab/cache/images/amd64-0123456789abcdef');
  assert.equal(moved.rootfsTar, '/lab/cache/images/amd64-0123456789abcdef/rootfs.tar');
  assert.equal(moved.diskPath, '/lab/cache/images/amd64-0123456789abcdef/disk.ext4');
  assert.equal(moved.kernelPath, '/lab/cache/debs/linux-image_1_amd64/root/boot/vmlinuz-6.1');
  assert.equal(relocateImageSet(set, '/root/.cache/twinbench'), set);
  // A path outside the cache it was written in (a user's own kernel) stays.
  assert.equal(relocateImageSet({ ...set, kernelPath: '/boot/vmlinuz' }, '/lab/cache').kernelPath, '/boot/vmlinuz');
});

test('the packed npm tarball carries every file twinbench reads at run time besides dist', () => {
  const listing = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: packageRoot, encoding: 'utf8' }),
  ) as { files: { path: string }[] }[];
  const files = new Set(listing[0]?.files.map((file) => file.path));
  for (const needed of [
    'bin/bench.js',
    'src/images/initramfs-init.sh', // image digest and initramfs
    'src/images/image-init.sh', // the initramfs of a user's image (--image)
    'src/report/html-client.js', // HTML report
    'src/report/history-client.js', // bench history's page
    'schema/result-v2.schema.json',
    'src/runtimes/docker/host-packages',
    'src/host/host-packages', // the harness's own, for bench setup
    'workloads/agent.sh',
    'vagrant/Vagrantfile.template',
    'scripts/setup.sh', // the README's setup, also for an installed package
    'scripts/node-release.sh',
    'scripts/node-releases',
  ]) {
    assert.ok(files.has(needed), `npm pack leaves out ${needed}`);
  }
});
