import { readdir, readFile, stat } from 'node:fs/promises';

/** A whole block device, as cgroup v1 throttle rules and Docker's blkio options name it. */
export interface BlockDevice {
  major: number;
  minor: number;
  /** `/dev/vda` */
  devPath: string;
}

/** Split a Linux dev_t (as fs.stat returns it) into major and minor numbers. */
export function splitDevNumber(dev: number): { major: number; minor: number } {
  const big = BigInt(dev);
  const major = Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn));
  const minor = Number((big & 0xffn) | ((big >> 12n) & ~0xffn));
  return { major, minor };
}

/** The whole disk under a path's filesystem (a partition maps to its disk), or undefined (tmpfs, overlay…). */
async function blockDeviceOf(path: string, sysRoot = '/sys'): Promise<BlockDevice | undefined> {
  const { major, minor } = splitDevNumber((await stat(path)).dev);
  if (major === 0) return undefined;
  return wholeDevice(`${sysRoot}/dev/block/${major}:${minor}`);
}

/** The whole device of a sysfs block entry (a partition's parent), named as /dev names it. */
async function wholeDevice(entry: string): Promise<BlockDevice | undefined> {
  let sys = entry;
  const isPartition = await stat(`${sys}/partition`).then(
    () => true,
    () => false,
  );
  if (isPartition) sys = `${sys}/..`;
  const [dev, uevent] = await Promise.all([
    readFile(`${sys}/dev`, 'utf8').catch(() => undefined),
    readFile(`${sys}/uevent`, 'utf8').catch(() => undefined),
  ]);
  const numbers = /^(\d+):(\d+)/.exec(dev?.trim() ?? '');
  const name = /^DEVNAME=(\S+)/m.exec(uevent ?? '')?.[1];
  if (!numbers?.[1] || !numbers[2] || !name) return undefined;
  return { major: Number(numbers[1]), minor: Number(numbers[2]), devPath: `/dev/${name}` };
}

/** `MAJ:MIN`, as blkio files and throttle rules name a device. */
export function deviceKey(device: Pick<BlockDevice, 'major' | 'minor'>): string {
  return `${device.major}:${device.minor}`;
}

/**
 * The devices a stacked device's I/O also passes through: a device-mapper or md device's `slaves`, a loop
 * device's backing file's disk, recursively (partitions map to their disks). Empty for a plain disk.
 */
async function devicesBelow(device: BlockDevice, sysRoot = '/sys'): Promise<BlockDevice[]> {
  const entry = `${sysRoot}/dev/block/${deviceKey(device)}`;
  const below: BlockDevice[] = [];
  const slaves = await readdir(`${entry}/slaves`).catch(() => [] as string[]);
  for (const name of slaves) {
    const slave = await wholeDevice(`${sysRoot}/class/block/${name}`);
    if (slave) below.push(slave);
  }
  const backingFile = (await readFile(`${entry}/loop/backing_file`, 'utf8').catch(() => '')).trim();
  if (backingFile) {
    const disk = await blockDeviceOf(backingFile, sysRoot).catch(() => undefined);
    if (disk) below.push(disk);
  }
  const deeper = await Promise.all(below.map((d) => devicesBelow(d, sysRoot)));
  return uniqueDevices([...below, ...deeper.flat()]);
}

function uniqueDevices(devices: readonly BlockDevice[]): BlockDevice[] {
  const seen = new Map<string, BlockDevice>();
  for (const device of devices) if (!seen.has(deviceKey(device))) seen.set(deviceKey(device), device);
  return [...seen.values()];
}

/**
 * cgroup v1: the devices a run's I/O lands on, from the folders the runtimes write to (the run folder, the
 * image cache, Docker's root). Every device of each stack gets the non-limiting throttle rule (`ruled`),
 * so that each counts on kernels that need a rule; only the devices the filesystems sit on are summed
 * (`counted`): a bio to a device-mapper, md or loop device is charged again where it lands below.
 */
export interface IoDevices {
  readonly counted: readonly BlockDevice[];
  readonly ruled: readonly BlockDevice[];
  /**
   * The devices below a stacked one: their lines are left out of the sums (any other device's are kept, so a
   * device this list did not foresee is still counted). A filesystem directly on such a device would be lost.
   */
  readonly below: readonly BlockDevice[];
  /** Only v1 needs (and gets) the rules; v2's io.stat counts without them. */
  readonly cgroupVersion: 1 | 2;
}

/** The IoDevices of these folders (those on no block device, tmpfs or overlay, are skipped); undefined if none is. */
export async function ioDevicesOf(
  paths: readonly string[],
  sysRoot = '/sys',
  cgroupVersion: 1 | 2 = 1,
): Promise<IoDevices | undefined> {
  const tops = uniqueDevices(
    (await Promise.all(paths.map((path) => blockDeviceOf(path, sysRoot).catch(() => undefined)))).filter(
      (d): d is BlockDevice => d !== undefined,
    ),
  );
  if (tops.length === 0) return undefined;
  const stacks = await Promise.all(tops.map((top) => devicesBelow(top, sysRoot)));
  const below = new Set(stacks.flat().map(deviceKey));
  return {
    counted: tops.filter((top) => !below.has(deviceKey(top))),
    ruled: uniqueDevices([...tops, ...stacks.flat()]),
    below: uniqueDevices(stacks.flat()),
    cgroupVersion,
  };
}

/**
 * Rate of the non-limiting throttle rule (bytes/s): on some v1 kernels blkio.throttle.io_service_bytes
 * stays at zero until a rule exists for the device, so both runtimes get this rule to count I/O.
 */
export const nonLimitingBps = 1_000_000_000_000_000;

/** How a runtime's cgroup I/O was counted, for the result file. */
export function describeIoAccounting(devices: IoDevices | undefined): string {
  if (!devices) return 'cgroup as is';
  const names = (list: readonly BlockDevice[]) => list.map((d) => d.devPath).join(', ');
  const stacked =
    devices.below.length > 0
      ? `; ${names(devices.below)} left out of the sums (below a stacked device: its I/O again)`
      : '';
  if (devices.cgroupVersion === 2) return `cgroup v2 io.stat on ${names(devices.counted)}${stacked}`;
  return `cgroup v1 with a non-limiting throttle rule on ${names(devices.ruled)}${stacked}`;
}
