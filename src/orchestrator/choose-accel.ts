import type { AccelChoice } from '../config/suite.js';
import { MissingDependencyError } from '../errors.js';
import type { ArchProfile } from '../host/arch.js';
import { emulatedHost } from '../host/emulated-host.js';
import { probeKvm } from '../host/kvm-probe.js';
import type { AccelDecision } from '../runtimes/runtime.js';

/**
 * Decide the accelerator: KVM only when a test boot under KVM worked, else TCG, with the reason. KVM on a host
 * that is itself emulated (`emulatedHost`) is KVM by name only: it runs, which covers the KVM path, but the
 * figures are emulation's, so the decision says so and marks them emulated.
 */
export async function chooseAccelerator(
  choice: AccelChoice,
  profile: ArchProfile,
  kernelPath: string,
  probes = { kvm: probeKvm, hostEmulation: emulatedHost },
): Promise<AccelDecision> {
  if (choice === 'tcg') return { accel: 'tcg', reason: 'TCG requested with --accel tcg', emulated: true };
  const probe = await probes.kvm(profile, kernelPath);
  if (probe.usable) {
    const outer = await probes.hostEmulation();
    if (outer === undefined) return { accel: 'kvm', reason: probe.reason, emulated: false };
    return {
      accel: 'kvm',
      reason: `${probe.reason}; but this host is itself emulated (${outer}): KVM nested in TCG, which covers the KVM path and measures emulation, not a KVM figure`,
      emulated: true,
    };
  }
  if (choice === 'kvm') throw new MissingDependencyError(`--accel kvm: KVM is not usable here: ${probe.reason}`);
  return { accel: 'tcg', reason: `KVM not usable (${probe.reason}); fell back to TCG emulation`, emulated: true };
}
