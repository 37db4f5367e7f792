/**
 * One trial's LXC configuration: the file `lxc-start -P <lxcpath> -n <name>` reads as `<lxcpath>/<name>/config`.
 * A pure function of what the backend decided, so it is tested without LXC.
 */
export interface LxcTrialConfig {
  /** The unpacked rootfs, shared by the run's trials (read-only below an overlay when `upper` is set). */
  readonly rootfs: string;
  /** The trial's own upper layer (LXC's overlay storage puts its work folder beside it); absent: the tree itself. */
  readonly upper?: string;
  /** The trial's cgroup path below every hierarchy's root (`/twinbench/<run>-<trial>`). */
  readonly cgroupPath: string;
  /** LXC's common configuration (capabilities dropped, device rules, seccomp), included when the host has it. */
  readonly commonConf?: string;
  /** A veth on the run's harness bridge: its host-side name, the container's address (CIDR) and MAC. */
  readonly net?: { readonly bridge: string; readonly hostSide: string; readonly cidr: string; readonly mac: string };
  /** Host folder bind-mounted at /scratch (workloads with a scratch file). */
  readonly scratchDir?: string;
  /** A user's image (`--image`): its env only, its numeric user and group, its working dir; stopped by SIGTERM. */
  readonly image?: {
    readonly env: readonly string[];
    readonly uid: number;
    readonly gid: number;
    readonly workingDir: string;
  };
}

/** The group below the trial's that holds the container's processes. */
const payloadGroup = 'payload';
/** The group below the trial's that holds `lxc-start`, the container's monitor (the counterpart of a shim). */
export const monitorGroup = 'monitor';

/** A value LXC reads to the end of its line: no line break may hide a second key in it. */
function oneLine(key: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`LXC configuration: ${key} would span lines: ${JSON.stringify(value)}`);
  return `${key} = ${value}`;
}

/** The broadcast address of an IPv4 CIDR (LXC leaves it at 0.0.0.255 when not told). */
function broadcastOf(cidr: string): string {
  const [address = '', bits = '32'] = cidr.split('/');
  const value = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const host = 2 ** (32 - Number(bits)) - 1;
  const broadcast = (value | host) >>> 0;
  return [24, 16, 8, 0].map((shift) => (broadcast >>> shift) & 255).join('.');
}

export function renderLxcConfig(config: LxcTrialConfig): string {
  const cgroupBelowRoot = config.cgroupPath.replace(/^\/+/, '');
  const lines = [
    '# twinbench: one trial (written per trial, removed after it)',
    ...(config.commonConf ? [oneLine('lxc.include', config.commonConf)] : []),
    oneLine('lxc.uts.name', 'twinbench'),
    oneLine('lxc.rootfs.path', config.upper ? `overlay:${config.rootfs}:${config.upper}` : `dir:${config.rootfs}`),
    // As Docker gives a container: its own /proc and a read-only /sys, and its own cgroups at the mount's root,
    // read-only (forced: with a cgroup namespace LXC would otherwise leave the mount to an init the agent is not).
    'lxc.mount.auto =',
    'lxc.mount.auto = proc:mixed sys:mixed cgroup:ro:force',
    // No console or ttys: the agent's output is lxc-start's own stdout (-F), as a container's log is its stdout.
    'lxc.console.path = none',
    'lxc.tty.max = 0',
    // The trial's group holds the container's and the monitor's: the envelope (set on the trial's group) covers both.
    oneLine('lxc.cgroup.dir.container', `${cgroupBelowRoot}/${payloadGroup}`),
    oneLine('lxc.cgroup.dir.monitor', `${cgroupBelowRoot}/${monitorGroup}`),
  ];
  if (config.net) {
    lines.push(
      'lxc.net.0.type = veth',
      oneLine('lxc.net.0.link', config.net.bridge),
      oneLine('lxc.net.0.veth.pair', config.net.hostSide),
      oneLine('lxc.net.0.hwaddr', config.net.mac),
      oneLine('lxc.net.0.ipv4.address', `${config.net.cidr} ${broadcastOf(config.net.cidr)}`),
      'lxc.net.0.flags = up',
    );
  } else {
    // A network namespace with loopback only, as a container without ports gets none either.
    lines.push('lxc.net.0.type = empty');
  }
  if (config.image) {
    // As an engine starts an image: its env (LXC adds only container=lxc), its uid:gid, its working dir; and
    // `lxc-stop` asks it to end with SIGTERM, as `docker stop` does, before it kills it.
    for (const entry of config.image.env) lines.push(oneLine('lxc.environment', entry));
    lines.push(
      oneLine('lxc.init.uid', String(config.image.uid)),
      oneLine('lxc.init.gid', String(config.image.gid)),
      oneLine('lxc.init.cwd', config.image.workingDir),
      'lxc.signal.halt = SIGTERM',
    );
  }
  if (config.scratchDir) {
    // An fstab line: a blank in the path would end its first field.
    if (/\s/.test(config.scratchDir))
      throw new Error(
        `LXC configuration: lxc.mount.entry: the scratch folder has a blank: ${JSON.stringify(config.scratchDir)}`,
      );
    lines.push(oneLine('lxc.mount.entry', `${config.scratchDir} scratch none bind,create=dir 0 0`));
  }
  return `${lines.join('\n')}\n`;
}
