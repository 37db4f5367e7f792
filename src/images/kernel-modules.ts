/** Modules the initramfs loads: virtio over PCI (pc/virt) and MMIO (microvm), the root and scratch disks, the NIC. */
export const bootModules: readonly string[] = ['virtio_pci', 'virtio_mmio', 'virtio_blk', 'virtio_net'];

/** Read the `depends=` field from a kernel module's .modinfo section (an uncompressed .ko). */
export function parseModuleDepends(ko: Buffer): string[] {
  const marker = Buffer.from('\0depends=');
  const at = ko.indexOf(marker);
  if (at < 0) return [];
  const start = at + marker.length;
  const end = ko.indexOf(0, start);
  const field = ko.subarray(start, end < 0 ? undefined : end).toString('latin1');
  return field.split(',').filter((name) => name.length > 0);
}

/**
 * Order modules so each comes after its dependencies (depth-first, stable).
 * `dependsOf` returns undefined when a module file is missing: that is an error worth naming.
 */
export function orderModules(wanted: readonly string[], dependsOf: (name: string) => string[] | undefined): string[] {
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string, chain: readonly string[]): void => {
    if (ordered.includes(name)) return;
    if (visiting.has(name)) throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const deps = dependsOf(name);
    if (deps === undefined)
      throw new Error(`kernel module ${name} not found (needed by ${chain.at(-1) ?? 'the initramfs'})`);
    visiting.add(name);
    for (const dep of deps) visit(dep, [...chain, name]);
    visiting.delete(name);
    ordered.push(name);
  };
  for (const name of wanted) visit(name, []);
  return ordered;
}
