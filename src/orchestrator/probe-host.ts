import { MissingDependencyError } from '../errors.js';
import { readCgroupMode, readKsm } from '../host/cgroup-mode.js';
import { readClockTicks } from '../host/clock-ticks.js';
import { readHostFingerprint } from '../host/fingerprint.js';
import { readHostInventory } from '../host/inventory.js';

/**
 * What a run (or a density run) learns of the host once, before any image is built, and passes down: inventory,
 * the cgroup mode (and whether systemd owns the tree, which decides who makes the trials' groups), KSM, the clock
 * tick and the settings fingerprint.
 */
export async function probeHost() {
  const [inventory, cgroupMode, ksm, clockTicks, fingerprint] = await Promise.all([
    readHostInventory(),
    readCgroupMode(),
    readKsm(),
    readClockTicks(),
    readHostFingerprint(),
  ]);
  if (!cgroupMode) throw new MissingDependencyError('no cgroup hierarchy mounted under /sys/fs/cgroup');
  return { inventory, cgroupMode, ksm, clockTicks, fingerprint };
}
