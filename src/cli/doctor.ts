import { mkdir, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { probeDockerEngine } from '../backends/docker.js';
import { probeQemu } from '../backends/qemu.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { archFromNode, archNames, getArchProfile, type ArchProfile } from '../host/arch.js';
import { probeForeignArch } from '../host/foreign-arch.js';
import { readCgroupMode, readKsm } from '../host/cgroup-mode.js';
import { probeKvm } from '../host/kvm-probe.js';
import { libvirtdKvmView, libvirtSlowCallMs, libvirtUri, timeLibvirtCapabilities } from '../host/libvirt.js';
import { hostClientTools } from '../host-clients/host-client.js';
import { cacheDir } from '../paths.js';
import type { CommandIo } from './io.js';

/** One line of `bench doctor`. */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'missing' | 'warning';
  detail: string;
  /** What to do when it is not ok. */
  fix?: string;
  /** Whether `bench all` with the default runtimes needs it. */
  required: boolean;
}

async function tool(name: string, args: string[], pkg: string, required = true): Promise<DoctorCheck> {
  const result = await execa(name, args, { reject: false, all: true });
  if (result.failed && (result.code === 'ENOENT' || result.exitCode === 127)) {
    return { name, status: 'missing', detail: 'not installed', fix: `apt-get install ${pkg}`, required };
  }
  const line = (result.all ?? '').split('\n').find((l) => /\d/.test(l)) ?? 'installed';
  return { name, status: 'ok', detail: line.trim().slice(0, 100), required };
}

/** A kernel already in the cache, for the KVM test boot. */
async function cachedKernel(profile: ArchProfile): Promise<string | undefined> {
  const debs = join(cacheDir(), 'debs');
  const folders = (await readdir(debs).catch(() => [] as string[])).filter((f) => f.startsWith('linux-image-') && f.endsWith(`_${profile.debianArch}`));
  for (const folder of folders) {
    const boot = await readdir(join(debs, folder, 'root', 'boot')).catch(() => [] as string[]);
    const kernel = boot.find((file) => file.startsWith('vmlinuz-'));
    if (kernel) return join(debs, folder, 'root', 'boot', kernel);
  }
  return undefined;
}

/**
 * libvirtd reachable, and answering from its capability cache: where it re-probes QEMU on every call
 * (seconds each), `vagrant up` spends a minute before the guest starts.
 */
async function libvirtChecks(): Promise<DoctorCheck[]> {
  const fix =
    "give /dev/kvm the ownership udev gives it on Debian (chgrp kvm /dev/kvm && chmod 660 /dev/kvm: QEMU's user libvirt-qemu is in group kvm), or let scripts/setup.sh --vagrant start libvirtd and do it; remove any mask over /dev/kvm";
  const version = await execa('virsh', ['-c', libvirtUri, 'version'], { reject: false, all: true });
  if (version.exitCode !== 0) {
    return [{ name: 'libvirtd', status: 'warning', detail: `not reachable at ${libvirtUri} (only the vagrant runtime needs it)`, fix: 'scripts/setup.sh --vagrant', required: false }];
  }
  const hypervisor = String(version.stdout).split('\n').find((l) => /Running hypervisor/.test(l))?.trim() ?? 'answers';
  const [timing, kvmView] = await Promise.all([timeLibvirtCapabilities().catch(() => undefined), libvirtdKvmView()]);
  const slow = timing === undefined || timing.secondMs > libvirtSlowCallMs;
  const timed = timing ? `cached virsh capabilities ${timing.secondMs} ms (first ${timing.firstMs} ms)` : 'virsh capabilities failed';
  return [
    { name: 'libvirtd', status: 'ok', detail: hypervisor, required: false },
    {
      name: 'libvirt capability cache',
      status: slow ? 'warning' : 'ok',
      detail: `${timed}; /dev/kvm ${kvmView}${slow ? ` (over ${libvirtSlowCallMs} ms: libvirt re-probes QEMU on every call, and vagrant up takes minutes)` : ''}`,
      ...(slow ? { fix } : {}),
      required: false,
    },
  ];
}

/** Run every check. */
export async function runDoctorChecks(): Promise<DoctorCheck[]> {
  const arch = archFromNode(process.arch);
  const checks: DoctorCheck[] = [];
  if (!arch) return [{ name: 'architecture', status: 'missing', detail: `${process.arch} is not supported (x86_64, aarch64)`, required: true }];
  const profile = getArchProfile(arch);
  checks.push({ name: 'architecture', status: 'ok', detail: `${profile.unameMachine} (${profile.debianArch})`, required: true });
  try {
    const engine = await probeDockerEngine();
    checks.push({ name: 'docker engine', status: 'ok', detail: `${engine.version} (API ${engine.apiVersion}, ${engine.cgroupDriver} driver, cgroup v${engine.cgroupVersion}, ${engine.storageDriver})`, required: true });
  } catch (error) {
    checks.push({ name: 'docker engine', status: 'missing', detail: (error as Error).message.replace(/ \(run `bench doctor`.*$/, ''), fix: 'apt-get install docker.io, then start dockerd (scripts/setup.sh does both)', required: true });
  }
  try {
    checks.push({ name: profile.qemuBinary, status: 'ok', detail: await probeQemu(profile), required: true });
  } catch {
    checks.push({ name: profile.qemuBinary, status: 'missing', detail: 'not installed', fix: `apt-get install ${profile.qemuPackage}`, required: true });
  }
  const kernel = await cachedKernel(profile);
  const kvm = await probeKvm(profile, kernel);
  checks.push({
    name: 'kvm',
    status: kvm.usable ? 'ok' : 'warning',
    detail: kvm.usable ? `usable (${kvm.reason}, ${kvm.probeMs} ms)` : `${kvm.reason}; VMs will run under TCG emulation and be marked emulated`,
    ...(kvm.usable ? {} : { fix: kernel ? 'use a host where KVM runs ordinary guests for virtualization figures' : 'run `bench images build` so the KVM test boot has a kernel' }),
    required: false,
  });
  const cgroup = await readCgroupMode();
  checks.push(
    cgroup
      ? { name: 'cgroups', status: 'ok', detail: `v${cgroup.version} (${cgroup.mode}); controllers: ${cgroup.controllers.join(' ') || 'none'}`, required: true }
      : { name: 'cgroups', status: 'missing', detail: 'no cgroup hierarchy under /sys/fs/cgroup', fix: 'mount cgroup2 on /sys/fs/cgroup', required: true },
  );
  checks.push({ name: 'ksm', status: 'ok', detail: await readKsm(), required: false });
  for (const other of archNames.filter((name) => name !== arch)) {
    const foreignProfile = getArchProfile(other);
    const status = await probeForeignArch(foreignProfile);
    const qemu = await probeQemu(foreignProfile).then((version) => `${foreignProfile.qemuBinary} ${version}`, () => `${foreignProfile.qemuBinary} missing`);
    checks.push({
      name: `foreign arch ${other}`,
      status: status.problems.length === 0 && !qemu.endsWith('missing') ? 'ok' : 'warning',
      detail: `binfmt ${status.binfmt}, dpkg architecture ${status.dpkgArchitecture ? 'added' : 'not added'}, ${qemu} (only for --arch ${other}; runs emulated)`,
      ...(status.problems.length || qemu.endsWith('missing') ? { fix: `scripts/setup.sh --arch ${other}` } : {}),
      required: false,
    });
  }
  checks.push(await tool('debootstrap', ['--version'], 'debootstrap'));
  checks.push(await tool('qemu-img', ['--version'], 'qemu-utils'));
  checks.push(await tool('mke2fs', ['-V'], 'e2fsprogs'));
  checks.push(await tool('cpio', ['--version'], 'cpio'));
  checks.push(await tool('apt-get', ['--version'], 'apt'));
  checks.push(await tool('ip', ['-V'], 'iproute2'));
  // Host clients of the network and redis workloads (in the default suite).
  for (const { binary, debianPackage } of Object.values(hostClientTools).flat()) checks.push(await tool(binary, ['--version'], debianPackage));
  // The Vagrant runtime is optional: `scripts/setup.sh --vagrant` installs and starts it.
  const vagrant = await tool('vagrant', ['--version'], 'vagrant vagrant-libvirt', false);
  checks.push(vagrant.status === 'ok' ? vagrant : { ...vagrant, status: 'warning', fix: 'scripts/setup.sh --vagrant (only for --runtimes …,vagrant)' });
  checks.push(...(await libvirtChecks()));
  await mkdir(cacheDir(), { recursive: true });
  const fs = await statfs(cacheDir());
  const freeGiB = (fs.bavail * fs.bsize) / 1024 ** 3;
  checks.push({
    name: 'cache disk',
    status: freeGiB >= 3 ? 'ok' : 'missing',
    detail: `${freeGiB.toFixed(1)} GiB free in ${cacheDir()}`,
    ...(freeGiB >= 3 ? {} : { fix: 'free at least 3 GiB or set TWINBENCH_CACHE to a bigger disk' }),
    required: true,
  });
  return checks;
}

/** `bench doctor [--json]`: exit 0 when everything `bench all` needs is there, 3 otherwise. */
export async function runDoctor(flags: { json?: boolean }, io: CommandIo): Promise<ExitCodeValue> {
  const checks = await runDoctorChecks();
  if (flags.json) io.out(JSON.stringify({ checks }, null, 2));
  else {
    for (const check of checks) {
      const mark = check.status === 'ok' ? 'ok  ' : check.status === 'warning' ? 'warn' : 'FAIL';
      io.out(`${mark}  ${check.name}: ${check.detail}${check.fix ? `\n      fix: ${check.fix}` : ''}`);
    }
  }
  return checks.some((check) => check.required && check.status === 'missing') ? ExitCode.missingDependency : ExitCode.ok;
}
