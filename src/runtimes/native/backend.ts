import { mkdir, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeIoAccounting, type IoDevices } from '../../host/block-device.js';
import { connectedAt } from '../../host/tcp-connect.js';
import type { ImageSet } from '../../images/image-set.js';
import { runStep } from '../../images/run-step.js';
import { TrialError } from '../../errors.js';
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
import { startInHarnessCgroup, type CgroupProcess } from '../../contract/cgroup-process.js';
import { ConsoleWatch } from '../../contract/console-watch.js';
import { unshareCommand, type ImageLaunch } from '../../images/user-image/launch.js';

/**
 * Inside a private mount namespace (so nothing outlives the process): /proc, /dev, the host's cgroup
 * tree (the agent reads its own memory cgroup there, as a container reads its own), a fresh /tmp and
 * the scratch folder (if any) for the chroot, then the agent. No other namespace: network, pids and
 * users are the host's (so servers bind to 127.0.0.1 only).
 */
const enterChroot = [
  'root=$1; fresh=$2; scratch=$3; shift 3',
  // A fresh copy-on-write root per trial, as a container's overlay and a VM's qcow2 overlay: writes land in
  // the trial's own upper layer, and the unpacked tree stays as it was.
  'if [ -n "$fresh" ]; then mkdir -p "$fresh/upper" "$fresh/work" "$fresh/root" && mount -t overlay overlay -o "lowerdir=$root,upperdir=$fresh/upper,workdir=$fresh/work" "$fresh/root" || exit 98; root=$fresh/root; fi',
  'mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" && mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" || exit 98',
  'mkdir -p "$root/sys/fs/cgroup" && mount --rbind /sys/fs/cgroup "$root/sys/fs/cgroup" || exit 98',
  // The host kernel's transparent huge page settings, read-only, as a container sees them in its sysfs: the
  // memory workload names the mode in its figures' sources. Optional: a kernel without THP has no such folder.
  'thp=/sys/kernel/mm/transparent_hugepage; if [ -d "$thp" ]; then mkdir -p "$root$thp" && mount -o bind,ro "$thp" "$root$thp" || exit 98; fi',
  'if [ -n "$scratch" ]; then mkdir -p "$root/scratch" && mount --bind "$scratch" "$root/scratch" || exit 98; fi',
  'exec chroot "$root" "$@"',
].join('\n');

/**
 * The same for a user's image (`--image`), which may lack every folder and has no shell: /proc and /dev as
 * an engine gives them, output and errors on one stream (as a VM's console), then util-linux's unshare
 * takes the root, working dir and numeric identity, and execs the image's argv with its env alone.
 */
const enterImage = [
  'root=$1; fresh=$2; shift 2',
  'exec 2>&1',
  'if [ -n "$fresh" ]; then mkdir -p "$fresh/upper" "$fresh/work" "$fresh/root" && mount -t overlay overlay -o "lowerdir=$root,upperdir=$fresh/upper,workdir=$fresh/work" "$fresh/root" || exit 98; root=$fresh/root; fi',
  'mkdir -p "$root/proc" "$root/dev" && mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" || exit 98',
  // unshare's --root=. is the folder it starts in: the overlay's root, known only here.
  'cd "$root" && exec "$@"',
].join('\n');

/** Settings of the native backend. */
export interface NativeSettings {
  readonly runDir: string;
  readonly ioDevices?: IoDevices;
}

/** Runs the same binaries from the same rootfs directly on the host: the baseline for every ratio. */
export class NativeBackend implements Backend {
  readonly name = 'native' as const;
  readonly kind = 'native' as const;
  readonly cgroupPlacement = 'trial-leaf' as const;
  readonly #settings: NativeSettings;
  #tree = '';
  #launch: ImageLaunch | undefined;
  #unshare = '';
  /** Why trials share the unpacked tree instead of each getting an overlay of it; undefined when they do not. */
  #sharedTreeReason: string | undefined;

  constructor(settings: NativeSettings) {
    this.#settings = settings;
  }

  async prepare(images: ImageSet): Promise<RuntimeInfo> {
    this.#tree = join(this.#settings.runDir, 'native-rootfs');
    await mkdir(this.#tree, { recursive: true });
    await runStep('unpack rootfs for the native baseline', 'tar', [
      '--numeric-owner',
      '-xf',
      images.rootfsTar,
      '-C',
      this.#tree,
    ]);
    this.#sharedTreeReason = await overlayProblem(this.#tree, join(this.#settings.runDir, 'native-probe'));
    this.#launch = images.launch;
    if (this.#launch) this.#unshare = await runStep('find unshare', 'sh', ['-c', 'command -v unshare']);
    return {
      isolation: this.#launch
        ? "util-linux unshare --root into the image's unpacked tree (its user as uid:gid, its env only) + a private mount namespace for /proc and /dev; no other namespace; the envelope (CPU quota, memory limit) is the trial cgroup's, as for every runtime"
        : "chroot into the unpacked rootfs + a private mount namespace for /proc, /dev, /sys/fs/cgroup, /tmp and the host's transparent huge page settings (read-only); no other namespace; the envelope (CPU quota, memory limit) is the trial cgroup's, as for every runtime",
      rootfs: images.rootfsDigest.slice(0, 12),
      rootfsPerTrial: this.#sharedTreeReason
        ? `one unpacked tree shared by every trial: overlayfs is not available here (${this.#sharedTreeReason})`
        : "a fresh overlayfs per trial over the unpacked tree (writes go to the trial's upper layer, removed after it), as a container's overlay and a VM's qcow2 overlay",
      networkPath: this.#launch
        ? "the host's own network namespace: the image binds where it binds (its port must be free on the host), the host connects over loopback"
        : "the host's own network namespace: servers bind to 127.0.0.1, the host connects over loopback",
      scratch: 'host folder bind-mounted at /scratch in the private mount namespace, direct I/O',
      ioAccounting: describeIoAccounting(this.#settings.ioDevices),
    };
  }

  /**
   * A user's image natively listens on the host's own ports: one that already answers would be measured
   * in its place (READY at once, the load served by something else), so the trial refuses it.
   */
  async beforeClock(spec: TrialSpec): Promise<void> {
    if (!this.#launch) return;
    for (const port of Object.values(spec.workload.ports ?? {})) {
      if ((await connectedAt({ host: '127.0.0.1', port }, { timeoutMs: 1000 })) !== undefined)
        throw new TrialError(
          `port ${port} already answers on this host: natively, the image would share it with whatever listens there`,
        );
    }
  }

  async runTrial(spec: TrialSpec, observer: TrialObserver, origin: number): Promise<TrialOutcome> {
    const watch = new ConsoleWatch(observer, {
      readyTimeoutMs: spec.readyTimeoutMs,
      workloadTimeoutMs: spec.workloadTimeoutMs,
      signal: spec.signal,
    });
    const spawnAt = performance.now();
    let guest: CgroupProcess | undefined;
    const fresh =
      this.#sharedTreeReason === undefined ? join(this.#settings.runDir, 'native-trials', spec.trialId) : '';
    try {
      guest = await startInHarnessCgroup({
        trial: spec,
        command: this.#launch
          ? [
              'unshare',
              '--mount',
              '--propagation',
              'private',
              'sh',
              '-c',
              enterImage,
              'twinbench-image',
              this.#tree,
              fresh,
              ...unshareCommand(this.#unshare, '.', this.#launch),
            ]
          : [
              'unshare',
              '--mount',
              '--propagation',
              'private',
              'sh',
              '-c',
              enterChroot,
              'twinbench-chroot',
              this.#tree,
              fresh,
              spec.scratch?.dir ?? '',
              '/bin/sh',
              '/twinbench/agent.sh',
              ...agentArguments('native', spec, spec.scratch ? { scratch_file: mountedScratchPath(spec.scratch) } : {}),
            ],
        label: this.#launch ? "the image's native process" : 'the native agent',
        watch,
      });
      const { exited } = guest;
      observer.guestStarted({ cgroup: spec.cgroup!.location });
      // The host's own network: servers listen on loopback.
      if (spec.workload.ports) observer.guestEndpoints(endpointsAt('127.0.0.1', spec.workload.ports));
      const result = await watch.done;
      // A user's image serves until the trial stops it (below); the agent exits by itself.
      if (!this.#launch) await Promise.race([exited, sleep(5_000)]);
      await observer.guestExited();
      return {
        ...hostClockBoot(origin, spawnAt, result.readyAtMs, 'spawn+ready'),
        exitStatus: result.exitStatus,
        consoleTail: watch.lines.tail(),
      };
    } finally {
      watch.fail('trial ended');
      await guest?.stop();
      // The overlay was mounted in the agent's own namespace, gone with it: only its layers remain.
      if (fresh) await rm(fresh, { recursive: true, force: true });
    }
  }
}

/** Whether an overlayfs over `tree` mounts here (in a throwaway mount namespace); the reason when not. */
async function overlayProblem(tree: string, probe: string): Promise<string | undefined> {
  await mkdir(join(probe, 'upper'), { recursive: true });
  await mkdir(join(probe, 'work'), { recursive: true });
  await mkdir(join(probe, 'root'), { recursive: true });
  try {
    const run = await execa(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'mount',
        '-t',
        'overlay',
        'overlay',
        '-o',
        `lowerdir=${tree},upperdir=${probe}/upper,workdir=${probe}/work`,
        `${probe}/root`,
      ],
      { reject: false, all: true },
    );
    return run.exitCode === 0
      ? undefined
      : (run.all?.toString().trim().split('\n')[0] ?? `mount exited with ${run.exitCode}`);
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
}
