import { execa } from 'execa';
import { cleanup } from '../cleanup.js';
import { MissingDependencyError } from '../errors.js';

/** Every link the harness creates is named `tb-<run tag>[-<n>]`, so `bench clean` can find them. */
export const harnessLinkPrefix = 'tb-';

/** The short tag of a run in link names (15-character limit): the run id's random suffix. */
export function runLinkTag(runId: string): string {
  return runId.slice(-4);
}

/** Whether a harness object named `tb-<run tag>…` (link, libvirt domain, pool, network) belongs to none of these live runs. */
export function ownedByNoLiveRun(name: string, liveRunIds: ReadonlySet<string>): boolean {
  if (!name.startsWith(harnessLinkPrefix)) return false;
  const tag = name.slice(harnessLinkPrefix.length).split('-')[0] ?? '';
  return ![...liveRunIds].some((runId) => runLinkTag(runId) === tag);
}

/**
 * Third octet of a free `<prefix>N.0/24` (10.213. for the QEMU runtimes' bridges, 10.214. for Vagrant's libvirt
 * networks), trying from `start`; undefined when all 256 are taken.
 */
export function chooseSubnet(usedAddresses: readonly string[], start: number, prefix = '10.213.'): number | undefined {
  const taken = new Set(usedAddresses.filter((a) => a.startsWith(prefix)).map((a) => Number(a.split('.')[2])));
  for (let i = 0; i < 256; i++) {
    const octet = (start + i) % 256;
    if (!taken.has(octet)) return octet;
  }
  return undefined;
}

/** A guest's address and MAC on the bridge; the MAC follows the address so a stale ARP entry stays right. */
export function guestAddressing(octet: number, index: number): { cidr: string; mac: string } {
  const host = 2 + (index % 250);
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return { cidr: `10.213.${octet}.${host}/24`, mac: `52:54:00:d5:${hex(octet)}:${hex(host)}` };
}

async function ip(args: readonly string[]): Promise<string> {
  try {
    return (await execa('ip', args, { encoding: 'utf8' })).stdout;
  } catch (error) {
    const e = error as { code?: string; stderr?: string; shortMessage?: string };
    if (e.code === 'ENOENT') throw new MissingDependencyError('`ip` not found: install iproute2');
    throw new Error(`ip ${args.join(' ')}: ${(e.stderr ?? e.shortMessage ?? String(error)).trim()}`, { cause: error });
  }
}

/**
 * The host side of the guests' network (QEMU's taps, LXC's veths): a bridge with no uplink, so nothing leaves the
 * machine. One per run, shared by every runtime that attaches to it, so each guest gets its own index.
 */
export interface HarnessBridge {
  readonly name: string;
  /** Third octet of 10.213.N.0/24. */
  readonly octet: number;
  /** The host's address on the bridge. */
  readonly hostAddress: string;
  /** The next guest's index on this bridge: its link `<bridge>-<index>` and its address (guestAddressing). */
  nextGuest(): number;
  remove(): Promise<void>;
}

/** Every IPv4 address on this host's links (`ip -j -4 addr show`): what a new subnet must not overlap. */
export async function hostIpv4Addresses(): Promise<string[]> {
  return (JSON.parse(await ip(['-j', '-4', 'addr', 'show'])) as { addr_info?: { local?: string }[] }[]).flatMap(
    (link) => (link.addr_info ?? []).map((a) => a.local ?? ''),
  );
}

/** Each run's bridge, made by the first guest that needs it, whichever runtime that is. */
const runBridges = new Map<string, Promise<HarnessBridge>>();

/**
 * The run's bridge, created on the first call (a second runtime of the same run gets the same one: two QEMU
 * runtimes, or QEMU and LXC, in one run would otherwise both create `tb-<tag>`); removed at the end of the run.
 */
export function runHarnessBridge(runId: string): Promise<HarnessBridge> {
  let bridge = runBridges.get(runId);
  if (!bridge) {
    bridge = createHarnessBridge(runId);
    runBridges.set(runId, bridge);
    // A failed creation is not remembered: the next trial tries again and names its own problem.
    bridge.catch(() => runBridges.delete(runId));
  }
  return bridge;
}

/** Create the run's bridge (STP off, no uplink) with 10.213.N.1/24; registered for cleanup. */
async function createHarnessBridge(runId: string): Promise<HarnessBridge> {
  const used = await hostIpv4Addresses();
  const octet = chooseSubnet(used, Number.parseInt(runLinkTag(runId), 16) % 256);
  if (octet === undefined) throw new Error('no free 10.213.N.0/24 subnet for the harness bridge');
  const name = `${harnessLinkPrefix}${runLinkTag(runId)}`;
  await ip(['link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  const remove = cleanup.register(`bridge ${name}`, async () => {
    runBridges.delete(runId);
    await ip(['link', 'del', name]);
  });
  try {
    await ip(['addr', 'add', `10.213.${octet}.1/24`, 'dev', name]);
    await ip(['link', 'set', name, 'up']);
  } catch (error) {
    await remove();
    throw error;
  }
  let guests = 0;
  return { name, octet, hostAddress: `10.213.${octet}.1`, nextGuest: () => guests++, remove };
}

/** Create a tap on the bridge for one VM; returns its removal (also registered for cleanup). */
export async function createTap(bridge: HarnessBridge, name: string): Promise<() => Promise<void>> {
  await ip(['tuntap', 'add', 'dev', name, 'mode', 'tap']);
  const remove = cleanup.register(`tap ${name}`, () => ip(['link', 'del', name]).then(() => undefined));
  try {
    await ip(['link', 'set', name, 'master', bridge.name]);
    await ip(['link', 'set', name, 'up']);
  } catch (error) {
    await remove();
    throw error;
  }
  return remove;
}

/**
 * Tell the host the guest's MAC for its address up front (a permanent neighbor entry, gone with the
 * bridge): the host's first packets then go out at once instead of waiting on ARP, which retries only
 * every second while the guest is still booting, so a host-timed READY is not late by up to that second.
 */
export async function pinNeighbor(bridge: HarnessBridge, address: string, mac: string): Promise<void> {
  await ip(['neigh', 'replace', address, 'lladdr', mac, 'dev', bridge.name, 'nud', 'permanent']);
}

/** Names of every harness link on the host (for `bench clean`). */
async function listHarnessLinks(): Promise<string[]> {
  const links = JSON.parse(await ip(['-j', 'link', 'show'])) as { ifname?: string }[];
  return links.map((link) => link.ifname ?? '').filter((name) => name.startsWith(harnessLinkPrefix));
}

/** Delete one link by name (a tap or bridge left by a killed run). */
async function deleteLink(name: string): Promise<void> {
  await ip(['link', 'del', name]);
}

/**
 * Taps, veths and bridges (`tb-<run tag>…`) of runs that are not alive, taps first, then their bridge: the `bench
 * clean` of every runtime that attaches guests to the run's bridge.
 */
export async function cleanHarnessLinks(context: {
  readonly liveRunIds: ReadonlySet<string>;
}): Promise<{ removed: string[]; problems: string[] }> {
  try {
    const orphans = (await listHarnessLinks()).filter((name) => ownedByNoLiveRun(name, context.liveRunIds));
    // Longer names are the taps (tb-TAG-N); removing them before the bridge (tb-TAG) keeps the order clean.
    orphans.sort((a, b) => b.length - a.length);
    for (const name of orphans) await deleteLink(name);
    return { removed: orphans.map((name) => `network link ${name}`), problems: [] };
  } catch (error) {
    return { removed: [], problems: [`network links: ${(error as Error).message}; not checked`] };
  }
}
