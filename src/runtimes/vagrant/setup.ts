import { chmod, chown, readFile, stat } from 'node:fs/promises';
import { execa } from 'execa';
import type { RuntimeSetup, SetupContext } from '../runtime.js';
import { libvirtSlowCallMs, libvirtUri, timeLibvirtCapabilities } from './libvirt.js';

/** The gid of a group in /etc/group, or undefined. */
async function groupId(name: string): Promise<number | undefined> {
  const line = (await readFile('/etc/group', 'utf8')).split('\n').find((entry) => entry.startsWith(`${name}:`));
  return line ? Number(line.split(':')[2]) : undefined;
}

/**
 * libvirt keeps its QEMU capability cache only while two views of /dev/kvm agree: its access check as QEMU's user
 * (libvirt-qemu) and its QEMU probe, which runs as root. Without udev, /dev/kvm keeps the kernel's root-only 0600:
 * the probe finds KVM, the access check does not, and every API call re-probes QEMU for seconds (vagrant up then
 * spends a minute before the guest starts). Measured, not guessed: if a cached call is slow, /dev/kvm gets what udev
 * gives it on a standard Debian host (systemd's rule, GROUP="kvm", Debian's mode 0660; libvirt-qemu is in group kvm).
 */
async function giveKvmItsGroup(context: SetupContext): Promise<void> {
  let ms = (await timeLibvirtCapabilities()).secondMs;
  const kvm = await groupId('kvm');
  const device = await stat('/dev/kvm').catch(() => undefined);
  if (ms > libvirtSlowCallMs && device?.isCharacterDevice() && kvm !== undefined) {
    if (device.gid !== kvm || (device.mode & 0o777) !== 0o660) {
      context.say(
        `libvirt re-probes QEMU on every call (a cached virsh capabilities took ${ms} ms): /dev/kvm is ${device.uid}:${device.gid} ${(device.mode & 0o777).toString(8)}, so QEMU's user cannot open it while libvirt's probe as root can`,
      );
      context.say('giving /dev/kvm the ownership udev gives it on Debian: chgrp kvm /dev/kvm && chmod 660 /dev/kvm');
      await chown('/dev/kvm', device.uid, kvm);
      await chmod('/dev/kvm', 0o660);
      ms = (await timeLibvirtCapabilities()).secondMs;
    }
  }
  if (ms > libvirtSlowCallMs)
    context.say(`warning: a cached virsh capabilities still takes ${ms} ms; see bench doctor`);
  else context.say(`cached virsh capabilities ${ms} ms`);
}

/** Vagrant's libvirt provider (Debian's package: `vagrant plugin install` needs the internet), virtlogd and libvirtd. */
export const vagrantSetup: RuntimeSetup = {
  packages: [
    {
      name: 'vagrant-libvirt',
      why: "the libvirt provider (Debian's package; vagrant plugin install needs the internet)",
      present: async () => (await execa('dpkg', ['-s', 'vagrant-libvirt'], { reject: false })).exitCode === 0,
    },
  ],
  daemons: [
    {
      name: 'virtlogd',
      label: "virtlogd (libvirt's log daemon)",
      // As libvirt.ts finds libvirtd: pgrep by its exact name.
      answers: async () =>
        (await execa('pgrep', ['-x', 'virtlogd'], { reject: false })).exitCode === 0 ? 'running' : undefined,
      systemdUnit: 'virtlogd',
      start: () => ({ file: 'virtlogd', args: [], log: '/var/log/twinbench-virtlogd.log' }),
      timeoutSeconds: 30,
    },
    {
      name: 'libvirtd',
      label: `libvirtd at ${libvirtUri}`,
      answers: async () => {
        const version = await execa('virsh', ['-c', libvirtUri, 'version'], { reject: false });
        if (version.exitCode !== 0) return undefined;
        return /Running hypervisor: (.*)/.exec(String(version.stdout))?.[1]?.trim() ?? 'answers';
      },
      systemdUnit: 'libvirtd',
      start: () => ({ file: 'libvirtd', args: [], log: '/var/log/twinbench-libvirtd.log' }),
      timeoutSeconds: 60,
      afterStart: giveKvmItsGroup,
    },
  ],
};
