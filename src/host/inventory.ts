import si from 'systeminformation';

/** What the host is, recorded in every result so files from different hosts can be compared. */
export interface HostInventory {
  hostname: string;
  /** `uname -m` style architecture. */
  arch: string;
  cpu: {
    manufacturer: string;
    brand: string;
    cores: number;
    physicalCores: number;
    speedGHz: number;
    /** Cache sizes in bytes as the host reports them (L2 and L3 totals over the instances); absent where unknown. */
    cacheBytes?: { l1d?: number; l2?: number; l3?: number };
  };
  /** CPU flags that matter for virtualization: vmx/svm (can host VMs), hypervisor (is a guest itself). */
  virtualizationFlags: string[];
  /** Whether the host itself runs under a hypervisor (nested virtualization). */
  isVirtualMachine: boolean;
  memoryBytes: number;
  os: { distro: string; release: string; kernel: string };
}

/** Read the host inventory through systeminformation. */
export async function readHostInventory(): Promise<HostInventory> {
  const [cpu, flags, mem, os, system, cache] = await Promise.all([
    si.cpu(),
    si.cpuFlags(),
    si.mem(),
    si.osInfo(),
    si.system(),
    si.cpuCache(),
  ]);
  // systeminformation reports 0 for a level it could not read: absent, not zero.
  const known = Object.fromEntries(
    (['l1d', 'l2', 'l3'] as const).flatMap((level) => (cache[level] > 0 ? [[level, cache[level]]] : [])),
  );
  const flagList = flags.split(/\s+/);
  return {
    hostname: os.hostname,
    arch: os.arch === 'x64' ? 'x86_64' : os.arch === 'arm64' ? 'aarch64' : os.arch,
    cpu: {
      manufacturer: cpu.manufacturer,
      brand: cpu.brand,
      cores: cpu.cores,
      physicalCores: cpu.physicalCores,
      speedGHz: cpu.speed,
      ...(Object.keys(known).length ? { cacheBytes: known } : {}),
    },
    virtualizationFlags: ['vmx', 'svm', 'hypervisor'].filter((flag) => flagList.includes(flag)),
    isVirtualMachine: system.virtual || flagList.includes('hypervisor'),
    memoryBytes: mem.total,
    os: { distro: os.distro, release: os.release, kernel: os.kernel },
  };
}
