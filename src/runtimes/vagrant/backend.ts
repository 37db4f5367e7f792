// Over 300 lines on purpose: one runtime's backend (Vagrant + libvirt), from its box and network to each domain's
// cgroup, envelope and cross-check; what is generic lives in contract/ and the QEMU command line in qemu/.
import { existsSync } from 'node:fs';
import { hostCgroupMounts } from '../../host/cgroup-mode.js';
import { copyFile, link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { cleanup } from '../../cleanup.js';
import { MissingDependencyError, TrialError, describeError } from '../../errors.js';
import { envelopeFor, envelopeWrites, type Envelope, type EnvelopeWrite } from '../../host/envelope.js';
import type { ArchProfile } from '../../host/arch.js';
import { readClockTicks } from '../../host/clock-ticks.js';
import { chooseSubnet, hostIpv4Addresses, runLinkTag } from '../../host/harness-bridge.js';
import {
  harnessNetworkXml,
  harnessPoolXml,
  libvirtdKvmView,
  libvirtRunsDir,
  libvirtSlowCallMs,
  libvirtUri,
  parseDomstats,
  removeLibvirtObject,
  timeLibvirtCapabilities,
  virsh,
} from './libvirt.js';
import { releaseGuest } from '../../host-clients/host-client.js';
import type { ImageSet } from '../../images/image-set.js';
import { ensureVagrantBox, type VagrantBox } from './box.js';
import { parseProcStat } from '../../sampling/proc.js';
import {
  locateCgroup,
  memoryDir,
  parseProcCgroup,
  type CgroupLocation,
  type CgroupMounts,
  type SampledController,
} from '../../sampling/cgroup-paths.js';
import type { CrossCheckFigure } from '../../results/types.js';
import {
  agentArguments,
  endpointsAt,
  type Backend,
  type BootPhase,
  type RuntimeInfo,
  type TrialObserver,
  type TrialOutcome,
  type TrialSpec,
} from '../../contract/backend.js';
import { ConsoleWatch } from '../../contract/console-watch.js';
import { followFile } from '../../contract/follow-file.js';
import { kernelCommandLine, possibleVcpus, tcgVcpuNote, type Accelerator } from '../qemu/cmdline.js';
import { vagrantFigures } from './figures.js';
import { readVagrantfileTemplate, renderVagrantfile, vagrantEnvelope } from './vagrantfile.js';

/** Port the Vagrant layer waits on before the workload starts (vagrant/layer/up.sh). */
const goPort = 7998;

/** Settings of the Vagrant backend decided before the first trial. */
export interface VagrantSettings {
  readonly profile: ArchProfile;
  readonly accel: Accelerator;
  readonly accelReason: string;
  /** Whether its figures measure emulation: TCG, or KVM on a host that is itself emulated. */
  readonly emulated: boolean;
  readonly runDir: string;
  readonly runId: string;
  /** Where VAGRANT_HOME (boxes) lives: the twinbench cache, never the user's ~/.vagrant.d. */
  readonly cacheRoot: string;
  readonly log: (line: string) => void;
}

/**
 * The domain's own cgroup from its QEMU's /proc/PID/cgroup, once libvirt placed it under its
 * `machine` partition (undefined before: the pid file appears while QEMU is still in libvirtd's group). libvirt puts QEMU's main thread in an `emulator` sub-group of the
 * domain's group; the domain's group is its parent. A v1 controller left at the root (libvirt skips
 * cpuacct when it is mounted apart from cpu, as here) is not the domain's and is dropped.
 */
export function libvirtDomainCgroup(procCgroup: string, mounts: CgroupMounts): CgroupLocation | undefined {
  const paths = parseProcCgroup(procCgroup);
  const placed = mounts.v1.has('memory') ? paths.get('memory') : paths.get('');
  // Until libvirt moves it, the new QEMU sits in libvirtd's own group: only a machine partition is the domain's.
  if (placed === undefined || !/(^|\/)machine(\.slice)?\//.test(placed)) return undefined;
  const location = locateCgroup(procCgroup, mounts);
  const up = (dir: string) => dir.replace(/\/emulator$/, '');
  if (!location) return undefined;
  if (location.version === 2) return { version: 2, dir: up(location.dir) };
  const dirs: Partial<Record<SampledController, string>> = {};
  for (const [controller, dir] of Object.entries(location.dirs) as [SampledController, string][]) {
    if (paths.get(controller) !== '/') dirs[controller] = up(dir);
  }
  return { version: 1, dirs };
}

/**
 * Whether libvirt can apply a memtune hard limit here: with one, libvirt also raises QEMU's locked-memory
 * rlimit to it, which needs CAP_SYS_RESOURCE (bit 24 of CapEff); without it the domain fails to start.
 */
export function memtuneWorks(procStatus: string): boolean {
  const effective = /^CapEff:\s*([0-9a-f]+)/m.exec(procStatus)?.[1];
  return effective !== undefined && ((BigInt(`0x${effective}`) >> 24n) & 1n) === 1n;
}

/** Write the envelope's memory limit on the domain's own memory cgroup (v1: and memory+swap where accounted). */
async function limitDomainMemory(cgroup: CgroupLocation, envelope: Envelope): Promise<void> {
  for (const write of envelopeWrites(cgroup.version, envelope)) {
    if (write.controller === 'cpu' || write.file.startsWith('cpu.')) continue;
    const dir = memoryDir(cgroup);
    if (!dir) throw new TrialError("the domain's memory cgroup was not found: its memory limit cannot be set");
    try {
      await writeFile(join(dir, write.file), write.value);
    } catch (error) {
      if (write.optional && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new TrialError(
        `setting the domain's memory limit (${join(dir, write.file)} = ${write.value}): ${describeError(error)}`,
      );
    }
  }
}

/**
 * Read the envelope back from the domain's cgroup once libvirt placed QEMU: the CPU quota of the whole domain
 * and its memory limit must be the ones asked for, or the trial errors rather than run outside them. libvirt
 * writes the domain's tuning after placing QEMU and before it lets the vCPUs run (QEMU starts paused), so
 * the read is retried for a few seconds.
 */
async function checkDomainEnvelope(pid: number, cgroup: CgroupLocation, envelope: Envelope): Promise<void> {
  // The same files and values the harness writes on a trial's cgroup (envelopeWrites), read on the domain's.
  const cpuPath = parseProcCgroup(await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '')).get('cpu');
  const cpuMount = (await hostCgroupMounts()).v1.get('cpu');
  const dirOf = (controller: EnvelopeWrite['controller']): string | undefined => {
    if (cgroup.version === 2) return cgroup.dir;
    if (controller === 'memory') return cgroup.dirs.memory;
    return cpuMount && cpuPath ? `${cpuMount}${cpuPath.replace(/\/emulator$/, '')}` : undefined;
  };
  const wanted = envelopeWrites(cgroup.version, envelope).filter((write) => !write.optional);
  let found: string[] = [];
  for (let tries = 0; tries < 250; tries++) {
    found = await Promise.all(
      wanted.map(async (write) => {
        const dir = dirOf(write.controller);
        return dir
          ? readFile(join(dir, write.file), 'utf8').then(
              (text) => text.trim(),
              () => 'unreadable',
            )
          : 'unreadable';
      }),
    );
    if (found.every((value, index) => value === wanted[index]?.value)) return;
    await sleep(20);
  }
  const held = wanted.map((write, index) => `${write.file} ${found[index]} (want ${write.value})`).join(', ');
  throw new TrialError(`the domain's cgroup does not hold the envelope after 5 s: ${held}`);
}

/** Columns a domain's cgroup cannot give, with the reason: libvirt leaves QEMU in the root of a v1 cpuacct mounted apart from cpu. */
export function domainCgroupGaps(cgroup: CgroupLocation): Record<string, string> {
  if (cgroup.version === 2 || cgroup.dirs.cpuacct) return {};
  const why =
    "libvirt left the domain's QEMU in the root of the cgroup v1 cpuacct hierarchy (mounted apart from cpu on this host), so no group counts its CPU time alone; guest.cpu_seconds (its processes) and the domstats cross-check do";
  return { 'cgroup.cpu_seconds': why, 'cgroup.cpu_user_seconds': why, 'cgroup.cpu_system_seconds': why };
}

/** Runs the same guests through a real `vagrant up` with the libvirt provider. */
export class VagrantBackend implements Backend {
  readonly name = 'vagrant' as const;
  readonly kind = 'vm' as const;
  /** libvirt places the domain's QEMU in its own machine partition; the sampler follows it there. */
  readonly cgroupPlacement = 'own' as const;
  /**
   * The Vagrantfile asks libvirt for the CPU quota of the whole domain, and for its memory hard limit where
   * libvirt can apply one (see memtuneWorks); elsewhere the harness writes that limit on the domain's group.
   */
  #memoryLimitBy: 'libvirt' | 'harness' = 'libvirt';
  get envelopeEnforcer(): 'libvirt' | 'libvirt-cpu' {
    return this.#memoryLimitBy === 'libvirt' ? 'libvirt' : 'libvirt-cpu';
  }
  readonly #settings: VagrantSettings;
  #box: VagrantBox | undefined;
  #images: ImageSet | undefined;
  /** libvirt-readable folder of the run: kernel and initrd copies, consoles, the storage pool. */
  #libvirtDir = '';
  #pool = '';
  #network = '';
  #networkAddress = '';
  #template = '';
  /** USER_HZ, for QEMU's start time in /proc/PID/stat. */
  #ticksPerSecond = 100;

  constructor(settings: VagrantSettings) {
    this.#settings = settings;
  }

  #env() {
    return {
      VAGRANT_HOME: join(this.#settings.cacheRoot, 'vagrant.d'),
      VAGRANT_DEFAULT_PROVIDER: 'libvirt',
      LIBVIRT_DEFAULT_URI: libvirtUri,
      VAGRANT_CHECKPOINT_DISABLE: '1',
    };
  }

  async prepare(images: ImageSet, signal: AbortSignal): Promise<RuntimeInfo> {
    const vagrant = await execa('vagrant', ['--version'], { reject: false, env: this.#env() });
    if (vagrant.code === 'ENOENT')
      throw new MissingDependencyError(
        'vagrant not found: install vagrant and vagrant-libvirt (scripts/setup.sh --vagrant)',
      );
    const libvirtVersion = await virsh(['version'], signal).catch((error: unknown) => {
      throw new MissingDependencyError(
        `libvirtd not reachable at ${libvirtUri}: ${describeError(error)} (start it: virtlogd -d; libvirtd -d)`,
      );
    });
    if (this.#settings.accel === 'kvm') {
      await virsh(['domcapabilities', '--virttype', 'kvm'], signal).catch((error: unknown) => {
        throw new MissingDependencyError(
          `KVM runs guests here but libvirtd cannot use it (${describeError(error)}): restart libvirtd without the /dev/kvm mask, or pass --accel tcg`,
        );
      });
    }
    const libvirtTiming = await timeLibvirtCapabilities();
    if (libvirtTiming.secondMs > libvirtSlowCallMs)
      this.#settings.log(
        `warning: libvirt takes ${libvirtTiming.secondMs} ms per cached API call: vagrant up will be slow (see bench doctor)`,
      );
    this.#images = images;
    this.#ticksPerSecond = await readClockTicks();
    this.#memoryLimitBy = memtuneWorks(await readFile('/proc/self/status', 'utf8')) ? 'libvirt' : 'harness';
    this.#template = await readVagrantfileTemplate();
    this.#box = await ensureVagrantBox(images, {
      arch: images.arch,
      cacheRoot: this.#settings.cacheRoot,
      log: this.#settings.log,
      signal,
    });
    await this.#addBox(signal);

    const tag = runLinkTag(this.#settings.runId);
    // /root is not traversable by libvirt's QEMU user: what QEMU opens lives here.
    this.#libvirtDir = join(libvirtRunsDir, this.#settings.runId);
    await mkdir(join(this.#libvirtDir, 'pool'), { recursive: true, mode: 0o755 });
    cleanup.register(`libvirt folder ${this.#libvirtDir}`, () =>
      rm(this.#libvirtDir, { recursive: true, force: true }),
    );
    await copyFile(images.kernelPath, join(this.#libvirtDir, 'vmlinuz'));
    await copyFile(images.initrdPath, join(this.#libvirtDir, 'initrd.gz'));

    this.#pool = `tb-${tag}`;
    await this.#defineAndStart('pool', this.#pool, harnessPoolXml(this.#pool, join(this.#libvirtDir, 'pool')));
    await this.#preloadBoxVolume(signal);
    this.#network = `tb-${tag}-v`;
    // A free 10.214.N.0/24, from the run's tag on: another run's network (or anything else) may hold the tag's own.
    const octet = chooseSubnet(await hostIpv4Addresses(), Number.parseInt(tag, 16) % 256, '10.214.');
    if (octet === undefined) throw new Error('no free 10.214.N.0/24 subnet for the Vagrant network');
    this.#networkAddress = `10.214.${octet}.0/24`;
    await this.#defineAndStart('network', this.#network, harnessNetworkXml(this.#network, octet));

    return {
      vagrantVersion: String(vagrant.stdout)
        .replace(/^Vagrant\s+/, '')
        .trim(),
      provider: 'libvirt (vagrant-libvirt)',
      libvirt: libvirtVersion
        .split('\n')
        .filter((line) => /Using library|Running hypervisor/.test(line))
        .map((line) => line.trim())
        .join('; '),
      box: this.#box.name,
      driver: this.#settings.accel === 'kvm' ? 'kvm' : 'qemu',
      accelerator: this.#settings.accel,
      acceleratorReason: this.#settings.accelReason,
      emulated: this.#settings.emulated,
      machineType: this.#settings.profile.machineType,
      cpuModel: this.#settings.accel === 'kvm' ? 'host-passthrough' : this.#settings.profile.cpuModel.tcg,
      ...(this.#settings.accel === 'tcg' ? { vcpuTopology: tcgVcpuNote } : {}),
      kernel: `${images.kernel.name} ${images.kernel.version} (direct kernel boot, same initramfs as qemu)`,
      layer:
        'Vagrant-only layer: dropbear, a vagrant user with the insecure key, DHCP on eth0, and a wait for the harness before the workload',
      scratch: `second virtio disk: the trial's scratch file hard-linked into the run's pool, raw, cache=none, io=threads (lv.storage)`,
      networkPath: `libvirt network ${this.#network} (isolated, ${this.#networkAddress}, STP off, dnsmasq no-ping); the host connects to the guest's leased address`,
      // As for the qemu runtime (its info.memoryBackend): no <memoryBacking> in the domain, so anonymous RAM that QEMU
      // madvises for transparent huge pages; guest.anon_huge_bytes is what the host mapped with them.
      memoryBackend:
        "libvirt's default (no <memoryBacking>: anonymous RAM, no hugetlbfs, no prealloc), madvised MADV_HUGEPAGE by QEMU",
      readiness: 'serial console written to a file by libvirt, followed by the harness',
      boxVolume:
        "the box's disk copied into the run's pool at prepare (Vagrant would stream it on the first vagrant up)",
      libvirtdKvm: await libvirtdKvmView(),
      libvirtCachedCallMs: libvirtTiming.secondMs,
    };
  }

  /** `vagrant box add` once per box into twinbench's own VAGRANT_HOME. */
  async #addBox(signal: AbortSignal): Promise<void> {
    const box = this.#box!;
    if (existsSync(join(this.#env().VAGRANT_HOME, 'boxes', box.name))) return;
    this.#settings.log(`vagrant box add ${box.name}`);
    const added = await execa('vagrant', ['box', 'add', '--force', '--name', box.name, box.file], {
      env: this.#env(),
      reject: false,
      all: true,
      cancelSignal: signal,
    });
    if (added.exitCode !== 0)
      throw new MissingDependencyError(`vagrant box add failed: ${lastLines(String(added.all ?? ''))}`);
  }

  /**
   * Put the box's disk into the run's pool under the name vagrant-libvirt looks for, so the first
   * `vagrant up` does not spend a minute streaming it through libvirt's upload API in Ruby: a one-off
   * cost per box that is not part of any trial.
   */
  async #preloadBoxVolume(signal: AbortSignal): Promise<void> {
    const image = join(this.#env().VAGRANT_HOME, 'boxes', this.#box!.name, '0', 'libvirt', 'box.img');
    const volume = boxVolumeName(this.#box!.name, Math.floor((await stat(image)).mtimeMs / 1000));
    await execa('cp', ['--sparse=always', image, join(this.#libvirtDir, 'pool', volume)], { cancelSignal: signal });
    await virsh(['pool-refresh', this.#pool], signal);
  }

  async #defineAndStart(kind: 'pool' | 'network', name: string, xml: string): Promise<void> {
    await removeLibvirtObject(kind, name);
    const file = join(this.#libvirtDir, `${name}.xml`);
    await writeFile(file, xml);
    cleanup.register(`libvirt ${kind} ${name}`, () => removeLibvirtObject(kind, name));
    try {
      await virsh([kind === 'pool' ? 'pool-define' : 'net-define', file]);
      await virsh([kind === 'pool' ? 'pool-start' : 'net-start', name]);
    } catch (error) {
      throw new MissingDependencyError(`libvirt could not start the harness ${kind} ${name}: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  async runTrial(spec: TrialSpec, observer: TrialObserver, origin: number): Promise<TrialOutcome> {
    const images = this.#images;
    if (!images || !this.#box) throw new Error('VagrantBackend.prepare was not called');
    const trialDir = join(this.#settings.runDir, 'vagrant', spec.trialId);
    await mkdir(trialDir, { recursive: true });
    const prefix = `tb-${runLinkTag(this.#settings.runId)}-${spec.trialId}-`;
    const domain = `${prefix}default`;
    const consoleLog = join(this.#libvirtDir, `${spec.trialId}.console`);
    const scratchVolume = spec.scratch ? `${prefix}scratch.img` : undefined;
    const vagrantfile = renderVagrantfile(this.#template, {
      box: this.#box.name,
      bootTimeoutSeconds: spec.readyTimeoutMs / 1000 + 60,
      driver: this.#settings.accel === 'kvm' ? 'kvm' : 'qemu',
      domainPrefix: prefix,
      vcpus: spec.vcpus,
      possibleVcpus: possibleVcpus(spec.vcpus, this.#settings.accel),
      memoryMiB: spec.memoryMiB,
      domainName: domain,
      envelope: vagrantEnvelope(spec.vcpus, spec.memoryMiB),
      memtune: this.#memoryLimitBy === 'libvirt',
      machineType: this.#settings.profile.machineType,
      cpu:
        this.#settings.accel === 'kvm'
          ? { mode: 'host-passthrough' }
          : { mode: 'custom', model: this.#settings.profile.cpuModel.tcg },
      kernel: join(this.#libvirtDir, 'vmlinuz'),
      initrd: join(this.#libvirtDir, 'initrd.gz'),
      cmdLine: kernelCommandLine({
        profile: this.#settings.profile,
        agentArgs: agentArguments('vm', spec, spec.scratch ? { scratch_file: '/dev/vdb' } : {}),
      }),
      consoleLog,
      pool: this.#pool,
      network: this.#network,
      networkAddress: this.#networkAddress,
      ...(scratchVolume ? { scratchVolume } : {}),
    });
    await writeFile(join(trialDir, 'Vagrantfile'), vagrantfile);
    const removeScratchVolume = scratchVolume ? await this.#linkScratch(spec, scratchVolume) : async () => undefined;

    let crossCheck: Promise<Map<string, number>> | undefined;
    const watched: TrialObserver = {
      ...observer,
      agentEvent: (event, atMs) => {
        // An independent reading of the same domain at the moment the sampler takes its `ready` sample. Not at
        // `exit`: the guest powers off right after it, and libvirt's answer for a domain whose QEMU has just
        // ended is not QEMU's (seen: 1.04 s of CPU time against 7.7 s). A reading of a domain that was no
        // longer running is dropped.
        if (event.type === 'ready')
          crossCheck = virsh(['domstats', '--raw', '--state', '--cpu-total', '--balloon', domain]).then(
            parseDomstats,
            () => new Map(),
          );
        return observer.agentEvent(event, atMs);
      },
    };
    // The guest's READY budget starts when its QEMU does; Vagrant's time before that has its own bound.
    const watch = new ConsoleWatch(watched, {
      readyTimeoutMs: spec.readyTimeoutMs,
      workloadTimeoutMs: spec.workloadTimeoutMs,
      signal: spec.signal,
      readyClock: 'on-start',
    });
    const consoleFile = followFile(consoleLog, (text) => watch.feed(text));
    const destroy = cleanup.register(`vagrant domain ${domain}`, () => this.#destroy(trialDir, domain));
    const spawnAt = performance.now();
    const up = execa('vagrant', ['up', '--no-provision'], {
      cwd: trialDir,
      env: this.#env(),
      reject: false,
      all: true,
      cancelSignal: spec.signal,
      forceKillAfterDelay: 5000,
    });
    try {
      // Until `vagrant up` returns, the console watch can only fail (READY timeout, Ctrl-C): stop waiting then.
      const watchFailed = watch.done.then(() => new Promise<never>(() => undefined));
      const qemu = await Promise.race([
        this.#waitForQemu(domain, up, watch, spawnAt + vagrantStartBudgetMs(spec.readyTimeoutMs)),
        watchFailed,
      ]);
      const envelope = envelopeFor('vm', spec.vcpus, spec.memoryMiB);
      if (this.#memoryLimitBy === 'harness') await limitDomainMemory(qemu.cgroup, envelope);
      const memoryLimitAt = this.#memoryLimitBy === 'harness' ? performance.now() : undefined;
      await checkDomainEnvelope(qemu.pid, qemu.cgroup, envelope);
      watch.guestStarted();
      observer.guestStarted({ cgroup: qemu.cgroup, missingReasons: domainCgroupGaps(qemu.cgroup) });
      const upped = await Promise.race([up, watchFailed]);
      const upExitAt = performance.now();
      if (upped.exitCode !== 0)
        throw new TrialError(
          `vagrant up failed (exit ${String(upped.exitCode ?? upped.signal)}): ${lastLines(String(upped.all ?? ''))}`,
          { consoleTail: watch.lines.tail() },
        );
      const address = await this.#guestAddress(domain);
      if (spec.workload.ports) observer.guestEndpoints(endpointsAt(address, spec.workload.ports));
      await releaseGuest({ host: address, port: goPort });
      const result = await watch.done;
      const kernelStartMs = result.readyAtMs - result.readyUptimeSeconds * 1000;
      const phases: BootPhase[] = [
        { name: 'vagrant cli+define', ms: qemu.startedAtMs - spawnAt, clock: 'host' },
        { name: 'qemu+firmware', ms: kernelStartMs - qemu.startedAtMs, clock: 'host-minus-guest' },
      ];
      if (result.initramfsUptimeSeconds !== undefined) {
        phases.push({ name: 'kernel', ms: result.initramfsUptimeSeconds * 1000, clock: 'guest' });
        phases.push({
          name: 'initramfs+agent',
          ms: (result.readyUptimeSeconds - result.initramfsUptimeSeconds) * 1000,
          clock: 'guest',
        });
      }
      const stats = (await crossCheck) ?? new Map<string, number>();
      return {
        bootToReadyMs: result.readyAtMs - origin,
        phases,
        guestUptimeAtReadyMs: result.readyUptimeSeconds * 1000,
        runtimeFigures: vagrantFigures(
          upExitAt - spawnAt,
          upExitAt - result.readyAtMs,
          memoryLimitAt === undefined ? undefined : memoryLimitAt - qemu.startedAtMs,
        ),
        crossCheck: domstatsCrossCheck(stats),
        exitStatus: result.exitStatus,
        consoleTail: watch.lines.tail(),
      };
    } finally {
      watch.fail('trial ended');
      if (up.exitCode === null) up.kill('SIGTERM');
      await up.catch(() => undefined);
      await destroy();
      await removeScratchVolume();
      await consoleFile.stop();
      await rm(trialDir, { recursive: true, force: true });
      await rm(consoleLog, { force: true });
    }
  }

  /**
   * The scratch file the orchestrator wrote, hard-linked into the run's pool as a volume: the same
   * file (same blocks, same host folder's filesystem) the other runtimes use, attached raw, cache=none.
   */
  async #linkScratch(spec: TrialSpec, volume: string): Promise<() => Promise<void>> {
    const scratch = spec.scratch!;
    const target = join(this.#libvirtDir, 'pool', volume);
    try {
      await link(join(scratch.dir, scratch.fileName), target);
    } catch (error) {
      throw new TrialError(
        `cannot link the scratch file into the libvirt pool (${describeError(error)}): the run folder and ${libvirtRunsDir} must be on one filesystem`,
      );
    }
    const remove = cleanup.register(`scratch volume ${target}`, () => rm(target, { force: true }));
    await virsh(['pool-refresh', this.#pool]);
    return remove;
  }

  /**
   * Poll for the domain's QEMU pid (libvirt writes it when it starts the domain) and its cgroup, until
   * `deadlineMs` (performance.now()): past it, the time went to Vagrant and libvirt, not to the guest.
   */
  async #waitForQemu(
    domain: string,
    up: Promise<unknown> & { exitCode: number | null },
    watch: ConsoleWatch,
    deadlineMs: number,
  ): Promise<{ pid: number; startedAtMs: number; cgroup: CgroupLocation }> {
    const pidFile = `/run/libvirt/qemu/${domain}.pid`;
    const startedWaiting = performance.now();
    for (;;) {
      const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
      if (pid > 0) {
        const startedAtMs = await processStartedAtMs(pid, this.#ticksPerSecond);
        const mounts = await hostCgroupMounts();
        for (let tries = 0; tries < 250; tries++) {
          const placed = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => undefined);
          if (placed === undefined) {
            // QEMU is gone before libvirt placed it: libvirt refused to start the domain, and `vagrant up` says why.
            const ended = await Promise.race([up, sleep(10_000).then(() => undefined)]);
            const why = ended === undefined ? '' : `: ${lastLines(String((ended as { all?: unknown }).all ?? ''))}`;
            throw new TrialError(`the domain's QEMU (pid ${pid}) exited as libvirt started it${why}`, {
              consoleTail: watch.lines.tail(),
            });
          }
          const cgroup = libvirtDomainCgroup(placed, mounts);
          if (cgroup) return { pid, startedAtMs, cgroup };
          await sleep(20);
        }
        throw new TrialError(`libvirt did not place the domain's QEMU (pid ${pid}) in a cgroup within 5 s`);
      }
      if (up.exitCode !== null)
        throw new TrialError('vagrant up ended before the domain started', { consoleTail: watch.lines.tail() });
      if (watch.settled) throw new TrialError('the trial ended before the domain started');
      if (performance.now() > deadlineMs) {
        const seconds = Math.round((performance.now() - startedWaiting) / 1000);
        throw new TrialError(
          `vagrant up had not started the domain's QEMU after ${seconds} s (Vagrant and libvirt's own time, before any guest boot; \`bench doctor\` checks libvirtd's response time)`,
          { consoleTail: watch.lines.tail() },
        );
      }
      await sleep(20);
    }
  }

  /** The guest's address on the harness network, from libvirt's DHCP lease. */
  async #guestAddress(domain: string): Promise<string> {
    const out = await virsh(['domifaddr', domain, '--source', 'lease']);
    const address = /(\d+\.\d+\.\d+\.\d+)\/\d+/.exec(out)?.[1];
    if (!address) throw new TrialError(`libvirt has no DHCP lease for ${domain}`);
    return address;
  }

  /** `vagrant destroy -f`, then make sure: the domain and its volumes go even if Vagrant failed. */
  async #destroy(trialDir: string, domain: string): Promise<void> {
    if (existsSync(join(trialDir, 'Vagrantfile'))) {
      await execa('vagrant', ['destroy', '-f'], { cwd: trialDir, env: this.#env(), reject: false, timeout: 120_000 });
    }
    await removeLibvirtObject('domain', domain);
  }
}

/**
 * How long `vagrant up` may take to get the domain's QEMU running: normally about a second, but it is
 * Vagrant's and libvirt's time, so a slow libvirt is reported as such rather than as a guest that
 * never printed READY. Generous, and never shorter than the guest's own READY budget.
 */
function vagrantStartBudgetMs(readyTimeoutMs: number): number {
  return Math.max(120_000, readyTimeoutMs);
}

/** The base volume name vagrant-libvirt 0.11 gives an unversioned box's image (HandleBoxImage.get_volume_name). */
export function boxVolumeName(box: string, imageMtimeSeconds: number): string {
  return `${box.replaceAll('/', '-VAGRANTSLASH-')}_vagrant_box_image_0_${imageMtimeSeconds}_box.img`;
}

/** The domstats figures the sampler also measures: QEMU's CPU time and resident memory, read at `ready`, while
 * the domain ran (state 1: VIR_DOMAIN_RUNNING). */
export function domstatsCrossCheck(stats: ReadonlyMap<string, number>): Record<string, CrossCheckFigure> {
  const figures: Record<string, CrossCheckFigure> = {};
  if (stats.get('state.state') !== 1) return figures;
  const cpu = stats.get('cpu.time');
  if (cpu !== undefined)
    figures['cpu_seconds'] = { value: cpu / 1e9, unit: 's', source: 'virsh.domstats.cpu.time', event: 'ready' };
  const rss = stats.get('balloon.rss');
  // libvirt reports 0 once the guest is powering off: no reading, not a zero.
  if (rss !== undefined && rss > 0)
    figures['rss_bytes'] = { value: rss * 1024, unit: 'bytes', source: 'virsh.domstats.balloon.rss', event: 'ready' };
  return figures;
}

/** performance.now() at which a process started, from its start time in /proc (clock-tick resolution). */
async function processStartedAtMs(pid: number, ticksPerSecond: number): Promise<number> {
  const [stat, uptime] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile('/proc/uptime', 'utf8')]);
  const now = performance.now();
  const parsed = parseProcStat(stat);
  if (!parsed) throw new TrialError(`cannot read the start time of the domain's QEMU (pid ${pid})`);
  return now - (Number(uptime.split(' ')[0]) - parsed.startTicks / ticksPerSecond) * 1000;
}

/** The last non-empty lines of Vagrant's output: where it says what went wrong. */
function lastLines(text: string, count = 6): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-count)
    .join(' | ');
}
