/** Kinds of runtime: what differs by kind only (a VM's group also holds its VMM). */
export type RuntimeKind = 'native' | 'container' | 'vm';

/** Memory a VM's group may use beyond the guest's RAM: QEMU's own heap, TCG's translation cache, device state. */
export const vmmHeadroomMiB = 256;

/** CFS period the quota is expressed in, microseconds (Docker's and runc's default). */
const cfsPeriodUs = 100_000;

/** The resource envelope of a trial's cgroup: the same CPU quota and memory limit in every runtime. */
export interface Envelope {
  /** CPU quota, in CPUs (CFS quota over a 100 ms period), for everything in the group. */
  readonly cpus: number;
  /** Memory limit of the whole group (page cache and kernel memory included), bytes; no swap. */
  readonly memoryBytes: number;
  /** Part of `memoryBytes` that is headroom for a VMM (QEMU itself), bytes; 0 for native and containers. */
  readonly headroomBytes: number;
}

/** The envelope of one trial: `vcpus` CPUs and `memoryMiB` for the guest, plus the VMM's headroom for a VM. */
export function envelopeFor(kind: RuntimeKind, vcpus: number, memoryMiB: number): Envelope {
  const headroomBytes = kind === 'vm' ? vmmHeadroomMiB * 1024 * 1024 : 0;
  return { cpus: vcpus, memoryBytes: memoryMiB * 1024 * 1024 + headroomBytes, headroomBytes };
}

/** One cgroup file write that applies part of an envelope; `controller` is the v1 hierarchy ('' on v2). */
export interface EnvelopeWrite {
  readonly controller: 'cpu' | 'memory' | '';
  readonly file: string;
  readonly value: string;
  /** Absent on some kernels (swap accounting off): skipped there, and said so. */
  readonly optional?: boolean;
}

/** The cgroup files that set an envelope, in the order to write them. */
export function envelopeWrites(version: 1 | 2, envelope: Envelope): EnvelopeWrite[] {
  const quota = String(Math.round(envelope.cpus * cfsPeriodUs));
  const bytes = String(envelope.memoryBytes);
  if (version === 1) {
    return [
      { controller: 'cpu', file: 'cpu.cfs_period_us', value: String(cfsPeriodUs) },
      { controller: 'cpu', file: 'cpu.cfs_quota_us', value: quota },
      { controller: 'memory', file: 'memory.limit_in_bytes', value: bytes },
      // memory + swap: the same figure, so the group cannot swap (as Docker's MemorySwap = Memory).
      { controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: bytes, optional: true },
    ];
  }
  return [
    { controller: '', file: 'cpu.max', value: `${quota} ${cfsPeriodUs}` },
    { controller: '', file: 'memory.max', value: bytes },
    { controller: '', file: 'memory.swap.max', value: '0', optional: true },
  ];
}

/** The envelope a runtime's trials ran in, as the result file records it. */
export interface EnvelopeRecord extends Envelope {
  /** Whether the harness applied it to the trial's cgroup (false where the runtime owns its cgroup, as libvirt does). */
  readonly enforced: boolean;
  /** What sets it, in words, or why it is not enforced. */
  readonly how: string;
}

/** The record for a runtime of `kind` whose cgroup the harness makes (`enforced`) or not. */
export function envelopeRecord(kind: RuntimeKind, enforced: boolean, vcpus: number, memoryMiB: number): EnvelopeRecord {
  const envelope = envelopeFor(kind, vcpus, memoryMiB);
  if (!enforced) {
    return { ...envelope, enforced, how: `not enforced: the runtime places the guest in a cgroup of its own, so only the guest's ${vcpus} vCPU(s) and ${memoryMiB} MiB bound it (no quota or limit on the VMM itself)` };
  }
  return { ...envelope, enforced, how: describeEnvelope(envelope) };
}

/** One line for results and reports: what the envelope is and what enforces it. */
export function describeEnvelope(envelope: Envelope): string {
  const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
  const memory = envelope.headroomBytes
    ? `${mib(envelope.memoryBytes)} memory (${mib(envelope.memoryBytes - envelope.headroomBytes)} guest RAM + ${mib(envelope.headroomBytes)} for the VMM)`
    : `${mib(envelope.memoryBytes)} memory`;
  return `${envelope.cpus} CPU quota and ${memory}, no swap, on the trial's cgroup`;
}
