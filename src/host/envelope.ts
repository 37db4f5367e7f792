/** Kinds of runtime: what differs by kind only (a VM's group also holds its VMM). */
export type RuntimeKind = 'native' | 'container' | 'vm';

/** Memory a VM's group may use beyond the guest's RAM: QEMU's own heap, TCG's translation cache, device state. */
export const vmmHeadroomMiB = 256;

/** CFS period the quota is expressed in, microseconds (Docker's and runc's default). */
export const cfsPeriodUs = 100_000;

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
  /** Whether the CPU quota and memory limit were applied to the cgroup that holds the whole guest (and its VMM). */
  readonly enforced: boolean;
  /** What sets it, in words, or why it is not enforced. */
  readonly how: string;
}

/**
 * Who applies the envelope: `trial-cgroup`, the harness on the trial's cgroup; `systemd-slice`, systemd on
 * the trial's group where it owns the tree (a transient slice made with the envelope, read back by the harness); `libvirt`, libvirt on the
 * domain's own cgroup (the Vagrant runtime: a CPU quota for the whole domain, a memory hard limit);
 * `libvirt-cpu`, libvirt's CPU quota with the memory limit written by the harness on the domain's group as
 * soon as libvirt placed QEMU there (libvirt's hard limit also raises QEMU's locked-memory rlimit, which
 * needs CAP_SYS_RESOURCE); `none`.
 */
export type EnvelopeEnforcer = 'trial-cgroup' | 'systemd-slice' | 'libvirt' | 'libvirt-cpu' | 'none';

/** The record for a runtime of `kind`, by who enforces its envelope. */
export function envelopeRecord(
  kind: RuntimeKind,
  enforcer: EnvelopeEnforcer,
  vcpus: number,
  memoryMiB: number,
): EnvelopeRecord {
  const envelope = envelopeFor(kind, vcpus, memoryMiB);
  if (enforcer === 'none') {
    return {
      ...envelope,
      enforced: false,
      how: `not enforced: the runtime places the guest in a cgroup of its own, so only the guest's ${vcpus} vCPU(s) and ${memoryMiB} MiB bound it (no quota or limit on the VMM itself)`,
    };
  }
  const where = {
    libvirt:
      "on the domain's cgroup, by libvirt (cputune global_quota/global_period, memtune hard_limit; swap not limited)",
    'libvirt-cpu':
      "on the domain's cgroup: the CPU quota by libvirt (cputune global_quota/global_period) from the start; the memory limit written by the harness when libvirt placed QEMU there, before the guest's kernel runs (libvirt's memtune needs CAP_SYS_RESOURCE, which this host's root lacks); no swap",
    'trial-cgroup': "no swap, on the trial's cgroup",
    'systemd-slice':
      "no swap, on the trial's cgroup: a transient systemd slice made with them (CPUQuota, MemoryMax, MemorySwapMax=0), read back from its cpu.max and memory.max",
  }[enforcer];
  return { ...envelope, enforced: true, how: describeEnvelope(envelope, where) };
}

/** One line for results and reports: what the envelope is and what enforces it. */
function describeEnvelope(envelope: Envelope, where = "no swap, on the trial's cgroup"): string {
  const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
  const memory = envelope.headroomBytes
    ? `${mib(envelope.memoryBytes)} memory (${mib(envelope.memoryBytes - envelope.headroomBytes)} guest RAM + ${mib(envelope.headroomBytes)} for the VMM)`
    : `${mib(envelope.memoryBytes)} memory`;
  return `${envelope.cpus} CPU quota and ${memory}, ${where}`;
}
