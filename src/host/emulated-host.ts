import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

/**
 * Whether this host is itself a guest that QEMU emulates (TCG), and how that was seen; undefined when it is
 * not, or cannot be told. On such a host a VM can still run "under KVM": QEMU's `-cpu max` under TCG emulates
 * AMD-V or VT-x, so the host's kvm module works, but every instruction of the nested guest is still emulated
 * by the outer QEMU. Its figures then measure emulation, however its accelerator is named.
 *
 * Two signs, either enough: systemd-detect-virt names the hypervisor from CPUID leaf 0x40000000 ("qemu" is
 * TCG's "TCGTCGTCGTCG" signature; KVM's is "kvm"), and TCG's `max` CPU model calls itself "QEMU TCG CPU".
 */
export async function emulatedHost(): Promise<string | undefined> {
  const detect = await execa('systemd-detect-virt', ['--vm'], { reject: false, timeout: 5000 });
  if (detect.exitCode === 0 && String(detect.stdout).trim() === 'qemu')
    return 'systemd-detect-virt --vm: qemu, a TCG-emulated machine';
  const model = await readFile('/proc/cpuinfo', 'utf8').then(
    (text) => /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim(),
    () => undefined,
  );
  return model !== undefined && /\bTCG\b/.test(model) ? `CPU model "${model}"` : undefined;
}
