import type { AccelChoice } from '../config/suite.js';
import { MissingDependencyError } from '../errors.js';
import type { Accelerator } from '../backends/qemu-cmdline.js';
import type { ArchProfile } from '../host/arch.js';
import { probeKvm } from '../host/kvm-probe.js';

/** Decide the accelerator: KVM only when a test boot under KVM worked, else TCG, with the reason. */
export async function chooseAccelerator(choice: AccelChoice, profile: ArchProfile, kernelPath: string): Promise<{ accel: Accelerator; reason: string }> {
  if (choice === 'tcg') return { accel: 'tcg', reason: 'TCG requested with --accel tcg' };
  const probe = await probeKvm(profile, kernelPath);
  if (probe.usable) return { accel: 'kvm', reason: probe.reason };
  if (choice === 'kvm') throw new MissingDependencyError(`--accel kvm: KVM is not usable here: ${probe.reason}`);
  return { accel: 'tcg', reason: `KVM not usable (${probe.reason}); fell back to TCG emulation` };
}
