import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { CgroupMounts } from '../sampling/cgroup-paths.js';
import { cfsPeriodUs, envelopeWrites, type Envelope } from './envelope.js';

/**
 * On a host where systemd is init and the cgroup tree is unified (v2), systemd owns the tree: a program
 * that makes groups of its own asks systemd for them (https://systemd.io/CGROUP_DELEGATION/). There each
 * trial's group is a transient slice that systemd creates with the envelope as unit properties; Docker's
 * systemd driver puts a container's scope below it (`CgroupParent` = the slice), and a guest the harness
 * starts itself runs in a transient scope below it (`systemd-run --scope`). Nothing is written behind
 * systemd's back, and `systemctl stop` takes the trial's group and whatever is still in it away.
 */
export function systemdOwnsCgroups(mounts: CgroupMounts, systemdRunDir = '/run/systemd/system'): boolean {
  return mounts.v2 !== undefined && !mounts.v1.has('memory') && existsSync(systemdRunDir);
}

/** Prefix of every trial slice; no dash, so the slice sits at the top of the tree, not in a parent slice that would outlive it. */
const trialSlicePrefix = 'twinbench_';

/** The transient slice of trial `name` (`<run>-<trial>`): dashes would nest slices, so they become underscores. */
export function trialSliceName(name: string): string {
  return `${trialSlicePrefix}${name.replaceAll('-', '_')}.slice`;
}

/** Whether a trial slice belongs to run `runId`. */
export function sliceOfRun(unit: string, runId: string): boolean {
  return unit.startsWith(`${trialSlicePrefix}${runId.replaceAll('-', '_')}_`);
}

/** The transient scope a harness-started guest (QEMU, the native agent) runs in, below its trial's slice. */
export function guestScopeName(slice: string): string {
  return slice.replace(/\.slice$/, '_guest.scope');
}

/** StartTransientUnit properties, as busctl arguments: the envelope plus accounting for every sampled controller. */
export function sliceProperties(envelope: Envelope): string[] {
  const quotaPerSecUs = Math.round(envelope.cpus * 1_000_000);
  const properties: [string, string, string][] = [
    ['Description', 's', 'twinbench trial group'],
    ['CPUAccounting', 'b', 'true'],
    ['MemoryAccounting', 'b', 'true'],
    ['IOAccounting', 'b', 'true'],
    ['TasksAccounting', 'b', 'true'],
    ['CPUQuotaPerSecUSec', 't', String(quotaPerSecUs)],
    ['CPUQuotaPeriodUSec', 't', String(cfsPeriodUs)],
    ['MemoryMax', 't', String(envelope.memoryBytes)],
    ['MemorySwapMax', 't', '0'],
  ];
  return [String(properties.length), ...properties.flat()];
}

/** Run a systemd client; its last stderr line on failure. */
async function systemdCall(file: string, args: readonly string[]): Promise<string> {
  const result = await execa(file, args, { reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0) {
    const why =
      (typeof result.stderr === 'string' ? result.stderr : '').trim().split('\n').at(-1) || result.shortMessage;
    throw new Error(`${file} ${args.slice(0, 4).join(' ')}…: ${why}`);
  }
  return typeof result.stdout === 'string' ? result.stdout : '';
}

/**
 * Create the trial's slice with the envelope (systemd writes cpu.max, memory.max, memory.swap.max), wait
 * until it is active, and read the limits back from its group: what is measured is checked, not assumed.
 */
export async function startTrialSlice(unit: string, envelope: Envelope, v2Root: string): Promise<string> {
  await systemdCall('busctl', [
    'call',
    'org.freedesktop.systemd1',
    '/org/freedesktop/systemd1',
    'org.freedesktop.systemd1.Manager',
    'StartTransientUnit',
    'ssa(sv)a(sa(sv))',
    unit,
    'fail',
    ...sliceProperties(envelope),
    '0',
  ]);
  const dir = join(v2Root, unit);
  for (let attempt = 0; ; attempt++) {
    const state = (await systemdCall('systemctl', ['show', '--property=ActiveState', '--value', unit])).trim();
    if (state === 'active' && existsSync(dir)) break;
    if (attempt >= 100) throw new Error(`systemd did not make ${unit} active within 5 s (state ${state || 'unknown'})`);
    await sleep(50);
  }
  for (const write of envelopeWrites(2, envelope)) {
    const text = await readFile(join(dir, write.file), 'utf8').catch(() => undefined);
    if (text === undefined && write.optional) continue;
    if (text?.trim() !== write.value)
      throw new Error(
        `systemd set ${write.file} of ${unit} to ${JSON.stringify(text?.trim())}, not ${JSON.stringify(write.value)}`,
      );
  }
  return dir;
}

/** Stop a unit (and everything in it); one that is not there is fine. */
export async function stopUnit(unit: string): Promise<void> {
  const result = await execa('systemctl', ['stop', unit], { reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0 && !/not loaded|not found/i.test(String(result.stderr))) {
    throw new Error(
      `systemctl stop ${unit}: ${String(result.stderr).trim().split('\n').at(-1) ?? result.shortMessage}`,
    );
  }
}

/** Trial slices systemd knows of (active or not). */
export async function listTrialSlices(): Promise<string[]> {
  const text = await systemdCall('systemctl', [
    'list-units',
    '--all',
    '--plain',
    '--no-legend',
    '--type=slice',
    `${trialSlicePrefix}*`,
  ]);
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((unit) => unit.startsWith(trialSlicePrefix));
}

/** `command` run in a transient scope below `slice`: systemd-run joins the scope, then execs the command. */
export function inScope(slice: string, scope: string, command: readonly string[]): string[] {
  return ['systemd-run', '--scope', '--quiet', '--collect', `--slice=${slice}`, `--unit=${scope}`, '--', ...command];
}
