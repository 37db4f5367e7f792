import { stat, readFile } from 'node:fs/promises';

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
export async function blockDeviceOf(path: string): Promise<BlockDevice | undefined> {
  const { major, minor } = splitDevNumber((await stat(path)).dev);
  if (major === 0) return undefined;
  let sys = `/sys/dev/block/${major}:${minor}`;
  const isPartition = await stat(`${sys}/partition`).then(() => true, () => false);
  if (isPartition) sys = `${sys}/..`;
  const [dev, uevent] = await Promise.all([readFile(`${sys}/dev`, 'utf8').catch(() => undefined), readFile(`${sys}/uevent`, 'utf8').catch(() => undefined)]);
  const numbers = /^(\d+):(\d+)/.exec(dev?.trim() ?? '');
  const name = /^DEVNAME=(\S+)/m.exec(uevent ?? '')?.[1];
  if (!numbers?.[1] || !numbers[2] || !name) return undefined;
  return { major: Number(numbers[1]), minor: Number(numbers[2]), devPath: `/dev/${name}` };
}

/**
 * Rate of the non-limiting throttle rule (bytes/s): on some v1 kernels blkio.throttle.io_service_bytes
 * stays at zero until a rule exists for the device, so both runtimes get this rule to count I/O.
 */
export const nonLimitingBps = 1_000_000_000_000_000;

/** How a runtime's cgroup I/O was counted, for the result file. */
export function describeIoAccounting(device: BlockDevice | undefined): string {
  return device ? `cgroup v1 with a non-limiting throttle rule on ${device.devPath}` : 'cgroup as is';
}
