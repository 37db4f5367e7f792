import { mkdir, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { probeQemu } from '../runtimes/qemu/backend.js';
import { builtInSuites } from '../config/suite.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { archFromNode, archNames, getArchProfile, type ArchName, type ArchProfile } from '../host/arch.js';
import { probeForeignArch } from '../host/foreign-arch.js';
import { readCgroupMode, readKsm } from '../host/cgroup-mode.js';
import { probeKvm } from '../host/kvm-probe.js';
import { hostClientTools } from '../host-clients/host-client.js';
import { cacheDir } from '../paths.js';
import { hostPackagesOf } from '../runtimes/host-packages.js';
import type { DoctorCheck } from '../runtimes/runtime.js';
import { runtimeTable } from '../runtimes/table.js';
import type { CommandIo } from './io.js';
import { describeEnergyCounters, readEnergyCounters } from '../host/energy-counters.js';

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
  const folders = (await readdir(debs).catch(() => [] as string[])).filter(
    (f) => f.startsWith('linux-image-') && f.endsWith(`_${profile.debianArch}`),
  );
  for (const folder of folders) {
    const boot = await readdir(join(debs, folder, 'root', 'boot')).catch(() => [] as string[]);
    const kernel = boot.find((file) => file.startsWith('vmlinuz-'));
    if (kernel) return join(debs, folder, 'root', 'boot', kernel);
  }
  return undefined;
}

/**
 * Every visible runtime's own checks and its host commands (from its host-packages file), each check once
 * by name; required when a runtime of the default suite needs it, a warning otherwise.
 */
async function runtimeChecks(profile: ArchProfile, arch: ArchName): Promise<DoctorCheck[]> {
  const checks = new Map<string, DoctorCheck>();
  // A host command several runtimes list (dockerd, qemu-img…) is run once; its line is merged below.
  const ran = new Map<string, Promise<DoctorCheck>>();
  const command = (pkg: { command: string; debianPackage: string }, required: boolean) => {
    if (!ran.has(pkg.command)) ran.set(pkg.command, tool(pkg.command, ['--version'], pkg.debianPackage, required));
    return ran.get(pkg.command)!;
  };
  for (const runtime of runtimeTable.filter(
    (candidate) => !candidate.hidden && (!candidate.guestArchs || candidate.guestArchs.includes(arch)),
  )) {
    const required = (builtInSuites.default.runtimes as readonly string[]).includes(runtime.name);
    const own = await runtime.doctor({ profile, guestArch: arch, hostArch: arch });
    const commands = await Promise.all(hostPackagesOf(runtime.name, arch).map((pkg) => command(pkg, required)));
    for (const check of [...own, ...commands]) {
      const previous = checks.get(check.name);
      const merged = { ...check, required: required || (previous?.required ?? false) };
      // A check only an optional runtime needs is a warning, with the runtime named in its fix.
      if (!merged.required && merged.status === 'missing')
        Object.assign(merged, {
          status: 'warning',
          fix: `${check.fix ?? ''} (only for --runtimes …,${runtime.name}; scripts/setup.sh --runtimes ${runtime.name})`.trim(),
        });
      if (!previous || (merged.required && !previous.required)) checks.set(check.name, merged);
    }
  }
  return [...checks.values()];
}

/** Run every check. */
async function runDoctorChecks(): Promise<DoctorCheck[]> {
  const arch = archFromNode(process.arch);
  const checks: DoctorCheck[] = [];
  if (!arch)
    return [
      {
        name: 'architecture',
        status: 'missing',
        detail: `${process.arch} is not supported (x86_64, aarch64)`,
        required: true,
      },
    ];
  const profile = getArchProfile(arch);
  checks.push({
    name: 'architecture',
    status: 'ok',
    detail: `${profile.unameMachine} (${profile.debianArch})`,
    required: true,
  });
  checks.push(...(await runtimeChecks(profile, arch)));
  const kernel = await cachedKernel(profile);
  const kvm = await probeKvm(profile, kernel);
  checks.push({
    name: 'kvm',
    status: kvm.usable ? 'ok' : 'warning',
    detail: kvm.usable
      ? `usable (${kvm.reason}, ${kvm.probeMs} ms)`
      : `${kvm.reason}; VMs will run under TCG emulation and be marked emulated`,
    ...(kvm.usable
      ? {}
      : {
          fix: kernel
            ? 'use a host where KVM runs ordinary guests for virtualization figures'
            : 'run `bench images build` so the KVM test boot has a kernel',
        }),
    required: false,
  });
  const cgroup = await readCgroupMode();
  checks.push(
    cgroup
      ? {
          name: 'cgroups',
          status: 'ok',
          detail: `v${cgroup.version} (${cgroup.mode}); controllers: ${cgroup.controllers.join(' ') || 'none'}`,
          required: true,
        }
      : {
          name: 'cgroups',
          status: 'missing',
          detail: 'no cgroup hierarchy under /sys/fs/cgroup',
          fix: 'mount cgroup2 on /sys/fs/cgroup',
          required: true,
        },
  );
  if (cgroup?.systemdOwnsTree) {
    // Where systemd owns the tree, trial groups are transient slices and harness-started guests run in scopes.
    const clients = await Promise.all([
      tool('busctl', ['--version'], 'systemd'),
      tool('systemd-run', ['--version'], 'systemd'),
    ]);
    const missing = clients.filter((check) => check.status !== 'ok').map((check) => check.name);
    checks.push({
      name: 'cgroup manager',
      status: missing.length ? 'missing' : 'ok',
      detail: missing.length
        ? `systemd owns the cgroup tree, and ${missing.join(', ')} is missing`
        : "systemd owns the cgroup tree: each trial's group is a transient slice with the envelope (D-Bus StartTransientUnit via busctl), harness-started guests run in a scope below it (systemd-run --scope)",
      ...(missing.length ? { fix: 'apt-get install systemd' } : {}),
      required: true,
    });
  } else if (cgroup) {
    checks.push({
      name: 'cgroup manager',
      status: 'ok',
      detail: "twinbench: each trial's group is made under twinbench/ in every hierarchy",
      required: true,
    });
  }
  checks.push({ name: 'ksm', status: 'ok', detail: await readKsm(), required: false });
  const energy = await readEnergyCounters();
  checks.push({
    name: 'energy counters',
    status: energy.missingReason ? 'warning' : 'ok',
    detail: describeEnergyCounters(energy),
    ...(energy.missingReason
      ? {
          fix: energy.zones.length
            ? 'run as root, or give a group read access to energy_uj with a udev rule (as benchexec documents) and run as a member'
            : 'on a bare-metal x86 host, modprobe intel_rapl_msr (AMD Zen: a kernel with AMD RAPL in powercap, or amd_energy); nothing inside a VM',
        }
      : {}),
    required: false,
  });
  for (const other of archNames.filter((name) => name !== arch)) {
    const foreignProfile = getArchProfile(other);
    const status = await probeForeignArch(foreignProfile);
    const qemu = await probeQemu(foreignProfile).then(
      (version) => `${foreignProfile.qemuBinary} ${version}`,
      () => `${foreignProfile.qemuBinary} missing`,
    );
    checks.push({
      name: `foreign arch ${other}`,
      status: status.problems.length === 0 && !qemu.endsWith('missing') ? 'ok' : 'warning',
      detail: `binfmt ${status.binfmt}, dpkg architecture ${status.dpkgArchitecture ? 'added' : 'not added'}, ${qemu} (only for --arch ${other}; runs emulated)`,
      ...(status.problems.length || qemu.endsWith('missing') ? { fix: `scripts/setup.sh --arch ${other}` } : {}),
      required: false,
    });
  }
  checks.push(await tool('debootstrap', ['--version'], 'debootstrap'));
  checks.push(await tool('mke2fs', ['-V'], 'e2fsprogs'));
  checks.push(await tool('cpio', ['--version'], 'cpio'));
  checks.push(await tool('apt-get', ['--version'], 'apt'));
  // Host clients of the network and redis workloads (in the default suite).
  for (const { binary, debianPackage } of Object.values(hostClientTools).flat())
    checks.push(await tool(binary, ['--version'], debianPackage));
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
  return checks.some((check) => check.required && check.status === 'missing')
    ? ExitCode.missingDependency
    : ExitCode.ok;
}
