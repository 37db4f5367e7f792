import type { RuntimeFigure } from '../../results/types.js';

/** Vagrant's own time around the VM's boot, as described runtime figures (milliseconds, host clock). */
export function vagrantFigures(
  upMs: number,
  waitAfterReadyMs: number,
  memoryLimitAfterQemuMs: number | undefined,
): Record<string, RuntimeFigure> {
  return {
    upMs: { value: upMs, unit: 'ms', description: '`vagrant up` from spawn to exit' },
    waitAfterReadyMs: {
      value: waitAfterReadyMs,
      unit: 'ms',
      description: 'READY → `vagrant up` exit: Vagrant waiting for the DHCP lease and an SSH login',
    },
    ...(memoryLimitAfterQemuMs === undefined
      ? {}
      : {
          memoryLimitAfterQemuMs: {
            value: memoryLimitAfterQemuMs,
            unit: 'ms',
            description:
              "QEMU's start → the harness's write of the memory limit on the domain's cgroup (libvirt could not apply it); compare with the qemu+firmware phase",
          },
        }),
  };
}
