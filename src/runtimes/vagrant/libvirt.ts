import { readFile, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { MissingDependencyError } from '../../errors.js';

/** Where a run keeps what libvirt's QEMU must read (outside /root, which it cannot traverse). */
export const libvirtRunsDir = '/var/lib/twinbench';

/** libvirt connection every virsh call and Vagrant use: the system daemon (root). */
export const libvirtUri = 'qemu:///system';

/** Run virsh; a failure becomes an Error carrying virsh's own last words. */
export async function virsh(args: readonly string[], signal?: AbortSignal): Promise<string> {
  try {
    const result = await execa('virsh', ['-c', libvirtUri, ...args], {
      encoding: 'utf8',
      ...(signal ? { cancelSignal: signal } : {}),
    });
    return result.stdout;
  } catch (error) {
    const e = error as { code?: string; stderr?: string; shortMessage?: string };
    if (e.code === 'ENOENT')
      throw new MissingDependencyError('virsh not found: install libvirt-clients (scripts/setup.sh --vagrant)');
    throw new Error(
      `virsh ${args.join(' ')}: ${(e.stderr ?? e.shortMessage ?? String(error)).trim().split('\n').at(-1) ?? ''}`,
      { cause: error },
    );
  }
}

/**
 * The harness's own libvirt network for Vagrant's management interface: isolated (no forward, so
 * nothing leaves the machine), STP off with no forward delay, and dnsmasq told not to ping an
 * address before leasing it — both made `vagrant up` wait seconds for a lease.
 */
export function harnessNetworkXml(name: string, octet: number): string {
  return [
    "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>",
    `  <name>${name}</name>`,
    `  <bridge name='${name}' stp='off' delay='0'/>`,
    `  <ip address='10.214.${octet}.1' netmask='255.255.255.0'>`,
    `    <dhcp><range start='10.214.${octet}.10' end='10.214.${octet}.250'/></dhcp>`,
    '  </ip>',
    "  <dnsmasq:options><dnsmasq:option value='no-ping'/></dnsmasq:options>",
    '</network>',
  ].join('\n');
}

/** A directory storage pool for the run's volumes (the box's base volume and each domain's). */
export function harnessPoolXml(name: string, path: string): string {
  return `<pool type='dir'><name>${name}</name><target><path>${path}</path></target></pool>`;
}

/** Figures of `virsh domstats --raw`: `key=value` lines under a `Domain:` header. */
export function parseDomstats(text: string): Map<string, number> {
  const figures = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^\s+([\w.]+)=(-?\d+(?:\.\d+)?)\s*$/.exec(line);
    if (match?.[1] && match[2] !== undefined) figures.set(match[1], Number(match[2]));
  }
  return figures;
}

/** Names of libvirt objects of one kind (`list --all --name`, `net-list …`, `pool-list …`). */
export async function listNames(kind: 'domain' | 'network' | 'pool'): Promise<string[]> {
  const command = kind === 'domain' ? 'list' : kind === 'network' ? 'net-list' : 'pool-list';
  const out = await virsh([command, '--all', '--name']);
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Remove a domain (stopping it) with its storage, a network, or a pool with its volumes; missing is fine. */
export async function removeLibvirtObject(kind: 'domain' | 'network' | 'pool', name: string): Promise<void> {
  const quiet = (args: string[]) => virsh(args).catch(() => '');
  if (kind === 'domain') {
    await quiet(['destroy', name]);
    await quiet(['undefine', name, '--remove-all-storage', '--nvram']);
  } else if (kind === 'network') {
    await quiet(['net-destroy', name]);
    await quiet(['net-undefine', name]);
  } else {
    for (const volume of (await quiet(['vol-list', name, '--name']))
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean))
      await quiet(['vol-delete', volume, '--pool', name]);
    await quiet(['pool-destroy', name]);
    await quiet(['pool-undefine', name]);
  }
}

/** /dev/kvm is character device 10:232. */
const kvmDevice = 10 * 256 + 232;

/**
 * What libvirtd sees at /dev/kvm, in its own mount namespace, with its owner and mode: libvirt keeps
 * its capability cache only while QEMU's user can open /dev/kvm exactly when its probe (as root) finds KVM.
 */
export async function libvirtdKvmView(): Promise<string> {
  const pid = (await execa('pgrep', ['-x', 'libvirtd'], { reject: false })).stdout.toString().split('\n')[0];
  if (!pid) return 'unknown (libvirtd pid not found)';
  const device = await stat(`/proc/${pid}/root/dev/kvm`).catch(() => undefined);
  if (!device) return "absent in libvirtd's view";
  const owner = `${await groupName(device.gid)} ${(device.mode & 0o777).toString(8)}`;
  if (device.isCharacterDevice() && device.rdev === kvmDevice) return `visible to libvirtd (group ${owner})`;
  return device.isFile() && (device.mode & 0o777) === 0
    ? 'masked for libvirtd by a root-only file (KVM unusable here)'
    : 'masked for libvirtd by a file its QEMU user can open';
}

/** A group's name from /etc/group, or its number. */
async function groupName(gid: number): Promise<string> {
  const groups = await readFile('/etc/group', 'utf8').catch(() => '');
  return (
    groups
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[2] === String(gid))?.[0] ?? String(gid)
  );
}

/** Longest a cached `virsh capabilities` may take (scripts/setup.sh uses the same 1000): beyond, libvirt re-probes QEMU per call. */
export const libvirtSlowCallMs = 1000;

/**
 * Time two `virsh capabilities` calls: the first may fill libvirt's QEMU capability cache, the second
 * must come from it. Seconds for the second mean libvirt declares its cache stale on every call.
 */
export async function timeLibvirtCapabilities(): Promise<{ firstMs: number; secondMs: number }> {
  const once = async () => {
    const started = performance.now();
    await virsh(['capabilities']);
    return Math.round(performance.now() - started);
  };
  const firstMs = await once();
  return { firstMs, secondMs: await once() };
}
