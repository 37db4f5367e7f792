import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { cleanup } from '../../cleanup.js';
import { describeIoAccounting, type IoDevices } from '../../host/block-device.js';
import {
  guestAddressing,
  harnessLinkPrefix,
  runHarnessBridge,
  runLinkTag,
  type HarnessBridge,
} from '../../host/harness-bridge.js';
import type { ImageSet } from '../../images/image-set.js';
import type { ImageLaunch } from '../../images/user-image/launch.js';
import { runStep } from '../../images/run-step.js';
import {
  agentArguments,
  endpointsAt,
  hostClockBoot,
  mountedScratchPath,
  type Backend,
  type RuntimeInfo,
  type TrialObserver,
  type TrialOutcome,
  type TrialSpec,
} from '../../contract/backend.js';
import { startWatched } from '../../contract/cgroup-process.js';
import { ConsoleWatch } from '../../contract/console-watch.js';
import { memoryDir } from '../../sampling/cgroup-paths.js';
import { monitorGroup, renderLxcConfig } from './config.js';

/** LXC's own common configuration on Debian and Ubuntu: what `lxc-create -t download` containers include. */
const commonConf = '/usr/share/lxc/config/common.conf';

/** Settings of the LXC backend. */
export interface LxcSettings {
  readonly runDir: string;
  /** Names the run's bridge and the containers' veths. */
  readonly runId: string;
  readonly ioDevices?: IoDevices;
}

/** `lxc-start --version`, or the reason it cannot run. */
export async function lxcVersion(): Promise<string> {
  return runStep('lxc-start --version', 'lxc-start', ['--version']);
}

/**
 * Runs each trial as a system container of LXC (liblxc, as Proxmox and Incus build on): the shared rootfs on a
 * fresh overlay, the agent as the container's init, started by `lxc-start -F`, which stays as the container's
 * monitor. Its cgroups are made by LXC below the trial's group (`payload` for the container, `monitor` for
 * lxc-start), so the envelope and the sampler cover it as they cover a Docker container below its parent.
 */
export class LxcBackend implements Backend {
  readonly name = 'lxc' as const;
  readonly kind = 'container' as const;
  readonly cgroupPlacement = 'trial-group' as const;
  readonly #settings: LxcSettings;
  #tree = '';
  #common: string | undefined;
  /** A user's image (`--image`): how it starts, instead of the agent. */
  #launch: ImageLaunch | undefined;

  constructor(settings: LxcSettings) {
    this.#settings = settings;
  }

  /** Where this run's containers are (`lxc-start -P`): one folder per trial, with its config, log and upper layer. */
  get #lxcPath(): string {
    return join(this.#settings.runDir, 'lxc');
  }

  async prepare(images: ImageSet): Promise<RuntimeInfo> {
    this.#launch = images.launch;
    const version = await lxcVersion();
    this.#tree = join(this.#settings.runDir, 'lxc-rootfs');
    await mkdir(this.#tree, { recursive: true });
    await mkdir(this.#lxcPath, { recursive: true });
    await runStep('unpack rootfs for LXC', 'tar', ['--numeric-owner', '-xf', images.rootfsTar, '-C', this.#tree]);
    this.#common = existsSync(commonConf) ? commonConf : undefined;
    return {
      lxcVersion: version,
      isolation: `namespaces (mount, pid, uts, ipc, net, cgroup) by liblxc ${version}; ${
        this.#common
          ? `LXC's common configuration (${commonConf}: capabilities mac_admin, mac_override, sys_time, sys_module, sys_rawio dropped; device rules; its seccomp denylist)`
          : `no ${commonConf} on this host: LXC's defaults only (no capability dropped, no seccomp)`
      }; ${
        this.#launch
          ? "the image's argv as the container's init, with its env (LXC adds container=lxc), its user as uid:gid and its working dir; output and errors on one stream, as a VM's console; lxc-stop ends it with SIGTERM, then SIGKILL after 10 s"
          : "the agent as the container's init"
      }; the envelope (CPU quota, memory limit) is the trial cgroup's, as for every runtime`,
      rootfs: images.rootfsDigest.slice(0, 12),
      rootfsPerTrial:
        "LXC's overlay storage over the unpacked tree, a fresh upper layer per trial (removed after it), as a container's overlay and a VM's qcow2 overlay",
      network: 'a network namespace with loopback only, except workloads with ports',
      networkPath: `a veth on the run's harness bridge (${harnessLinkPrefix}${runLinkTag(this.#settings.runId)}, 10.213.N.0/24, STP off, no uplink; the one QEMU's taps join); the host connects to the container's address: no NAT, no proxy`,
      scratch: 'host folder bind-mounted at /scratch (lxc.mount.entry), direct I/O',
      shim: "lxc-start -F, the container's monitor, in a group below the trial's (monitor): inside the cgroup figures and the envelope, so what the host pays does not add it again",
      shimInsideCgroup: true,
      ioAccounting: describeIoAccounting(this.#settings.ioDevices),
    };
  }

  /** The run's bridge, on the first networked trial: like docker0, it exists before any guest starts. */
  async beforeClock(spec: TrialSpec): Promise<void> {
    if (spec.workload.network) await runHarnessBridge(this.#settings.runId);
  }

  async runTrial(spec: TrialSpec, observer: TrialObserver, origin: number): Promise<TrialOutcome> {
    const cgroup = spec.cgroup;
    if (!cgroup) throw new Error('lxc: the trial has no cgroup (the backend places its container below it)');
    const dir = join(this.#lxcPath, spec.trialId);
    const removeDir = cleanup.register(`LXC container folder ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const watch = new ConsoleWatch(observer, {
      readyTimeoutMs: spec.readyTimeoutMs,
      workloadTimeoutMs: spec.workloadTimeoutMs,
      signal: spec.signal,
    });
    let stop: (() => Promise<void>) | undefined;
    try {
      await mkdir(join(dir, 'upper'), { recursive: true });
      // An image may lack the folders LXC mounts on (FROM scratch): they are made in the trial's own layer.
      if (this.#launch)
        for (const folder of ['proc', 'sys', 'dev']) await mkdir(join(dir, 'upper', folder), { recursive: true });
      const net = spec.workload.network ? await this.#attach() : undefined;
      const config = renderLxcConfig({
        rootfs: this.#tree,
        upper: join(dir, 'upper'),
        cgroupPath: cgroup.path,
        ...(this.#common ? { commonConf: this.#common } : {}),
        ...(net ? { net: { bridge: net.bridge.name, hostSide: net.hostSide, cidr: net.cidr, mac: net.mac } } : {}),
        ...(spec.scratch ? { scratchDir: spec.scratch.dir } : {}),
        ...(this.#launch ? { image: this.#launch } : {}),
      });
      await writeFile(join(dir, 'config'), config);
      const log = join(dir, 'lxc.log');
      const init = this.#launch
        ? [...this.#launch.argv]
        : [
            '/bin/sh',
            '/twinbench/agent.sh',
            ...agentArguments(
              'container',
              spec,
              spec.scratch ? { scratch_file: mountedScratchPath(spec.scratch) } : {},
            ),
          ];
      const start = [
        'lxc-start',
        '-F',
        '-n',
        spec.trialId,
        '-P',
        this.#lxcPath,
        '-o',
        log,
        '-l',
        'WARN',
        '--',
        ...init,
      ];
      // A user's image writes its errors where a container engine's log and a VM's console have them: with its output.
      const oneStream = this.#launch ? ['sh', '-c', 'exec "$@" 2>&1', 'lxc-image'] : [];
      // Pinned before it starts: the container's init inherits the affinity, as the native agent and QEMU do.
      const spawnAt = performance.now();
      const started = startWatched({
        command: [...(spec.cpuset ? ['taskset', '-c', spec.cpuset] : []), ...oneStream, ...start],
        label: this.#launch ? "the image's LXC container" : 'lxc-start',
        watch,
        // A container still running (the trial failed or was interrupted) is stopped with everything in it first.
        beforeKill: () =>
          execa('lxc-stop', ['-k', '-n', spec.trialId, '-P', this.#lxcPath], { reject: false, timeout: 10_000 }),
        why: () => lastLogLine(log),
      });
      stop = started.stop;
      const { child, exited } = started;
      // lxc-start is the monitor: sampled like a shim, its group (inside the trial's) left out of the guest's processes.
      observer.guestStarted({
        cgroup: cgroup.location,
        ...(child.pid ? { extraPids: [child.pid] } : {}),
        helperGroup: join(memoryDir(cgroup.location) ?? '', monitorGroup),
      });
      if (net && spec.workload.ports) observer.guestEndpoints(endpointsAt(net.address, spec.workload.ports));
      const result = await watch.done;
      // A user's image serves until stopped, as `docker stop` would (lxc.signal.halt: SIGTERM, then SIGKILL after 10 s).
      if (this.#launch)
        await execa('lxc-stop', ['-n', spec.trialId, '-P', this.#lxcPath, '-t', '10'], {
          reject: false,
          timeout: 30_000,
        });
      // The container ends with its init; lxc-start then removes its cgroups and exits.
      await Promise.race([exited, sleep(5_000)]);
      await observer.guestExited();
      return {
        ...hostClockBoot(origin, spawnAt, result.readyAtMs, 'start+ready'),
        exitStatus: result.exitStatus,
        consoleTail: watch.lines.tail(),
      };
    } finally {
      watch.fail('trial ended');
      await stop?.();
      await removeDir();
    }
  }

  /** A veth on the run's bridge: its host-side name follows the taps' (`tb-<tag>-<n>`), so `bench clean` finds it. */
  async #attach(): Promise<{ bridge: HarnessBridge; hostSide: string; cidr: string; mac: string; address: string }> {
    const bridge = await runHarnessBridge(this.#settings.runId);
    const index = bridge.nextGuest();
    const { cidr, mac } = guestAddressing(bridge.octet, index);
    return { bridge, hostSide: `${bridge.name}-${index}`, cidr, mac, address: cidr.split('/')[0] ?? '' };
  }
}

/** The last line of lxc-start's log: why it failed when it printed nothing on stderr. */
async function lastLogLine(log: string): Promise<string> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return (
    text
      .trim()
      .split('\n')
      .at(-1)
      ?.replace(/^lxc-start \S+ \d+\.\d+ /, '') ?? ''
  );
}
