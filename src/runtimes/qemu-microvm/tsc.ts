/**
 * The host's TSC frequency, from /proc/cpuinfo, for a microvm guest under TCG. A microvm has neither HPET
 * nor an ACPI PM timer, so the guest kernel can calibrate its TSC only against the PIT, a loop that under
 * emulation failed in most boots here ("tsc: Unable to calibrate against PIT"; the guest then has no clock
 * and hangs). Under TCG the guest's TSC is the host's (QEMU reads the host counter), so the host's figure,
 * given as `tsc_early_khz=`, is the guest's. Only where "cpu MHz" is that figure: a constant TSC whose
 * frequency the kernel knows, and no APERF/MPERF (with it, "cpu MHz" is the current clock, not the TSC's).
 */
export function hostTscKhz(cpuinfo: string): { khz: number; source: string } | { problem: string } {
  const mhz = /^cpu MHz\s*:\s*([\d.]+)$/m.exec(cpuinfo)?.[1];
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
  if (mhz === undefined) return { problem: '/proc/cpuinfo has no "cpu MHz"' };
  if (!flags.has('constant_tsc') || !flags.has('tsc_known_freq'))
    return { problem: 'the host TSC is not constant with a known frequency (flags constant_tsc, tsc_known_freq)' };
  if (flags.has('aperfmperf'))
    return { problem: '"cpu MHz" is the current clock on this host (aperfmperf), not the TSC frequency' };
  const khz = Math.round(Number(mhz) * 1000);
  return Number.isFinite(khz) && khz > 0
    ? { khz, source: `host /proc/cpuinfo "cpu MHz" ${mhz} (constant_tsc, tsc_known_freq, no aperfmperf)` }
    : { problem: `unreadable "cpu MHz" ${mhz}` };
}
