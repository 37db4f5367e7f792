import { createReadStream } from 'node:fs';
import { copyFile, link, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { cleanup } from '../cleanup.js';
import { MissingDependencyError, TrialError } from '../errors.js';
import { describeIoAccounting, nonLimitingBps, type IoDevices } from '../host/block-device.js';
import type { ContainerNetwork, RuntimeName } from '../config/suite.js';
import { inSubnet, measureBridgeRoute, type BridgeRoute } from '../host/docker-bridge.js';
import type { ImageSet } from '../images/image-set.js';
import { locateCgroup, parseCgroupMounts } from '../sampling/cgroup-paths.js';
import { readParent } from '../sampling/read-proc.js';
import { agentArguments, endpointsAt, mountedScratchPath, type Backend, type HostEndpoint, type RuntimeInfo, type TrialObserver, type TrialOutcome, type TrialSpec } from './backend.js';
import { ConsoleWatch } from './console-watch.js';

/** Label every twinbench container carries, so `bench clean` can find leftovers. */
export const runLabel = 'io.twinbench.run';

/** Docker's error shape (statusCode/reason from docker-modem). */
function dockerMessage(error: unknown): string {
  const e = error as { statusCode?: number; reason?: string; json?: { message?: string }; message?: string };
  return e.json?.message ?? e.reason ?? e.message ?? String(error);
}

/** Engine version and settings, or a MissingDependencyError saying what is wrong. */
export async function probeDockerEngine(docker = new Docker()): Promise<{
  version: string;
  apiVersion: string;
  cgroupDriver: string;
  cgroupVersion: string;
  storageDriver: string;
  rootDir?: string;
  /** The OCI runtimes the engine knows (`runc`, `crun` once added) and the one containers get by default. */
  ociRuntimes: string[];
  defaultRuntime: string;
}> {
  try {
    const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<Record<string, string>>]);
    const runtimes = (info as unknown as { Runtimes?: Record<string, unknown> }).Runtimes ?? {};
    return {
      ociRuntimes: Object.keys(runtimes).filter((name) => !name.startsWith('io.containerd.')),
      defaultRuntime: info.DefaultRuntime ?? 'runc',
      version: version.Version,
      apiVersion: version.ApiVersion,
      cgroupDriver: info.CgroupDriver ?? 'unknown',
      cgroupVersion: info.CgroupVersion ?? 'unknown',
      storageDriver: info.Driver ?? 'unknown',
      ...(info.DockerRootDir ? { rootDir: info.DockerRootDir } : {}),
    };
  } catch (error) {
    throw new MissingDependencyError(`Docker engine not reachable at ${process.env.DOCKER_HOST ?? '/var/run/docker.sock'}: ${dockerMessage(error)}`, { cause: error });
  }
}

/** Remove every container carrying the twinbench label (all runs, or one run). */
export async function removeLabelledContainers(runId?: string, docker = new Docker()): Promise<string[]> {
  const filters = { label: [runId ? `${runLabel}=${runId}` : runLabel] };
  const containers = await docker.listContainers({ all: true, filters });
  for (const info of containers) await docker.getContainer(info.Id).remove({ force: true });
  return containers.map((info) => info.Names[0] ?? info.Id);
}

/** Containers of runs that are not alive (and, with `images`, the imported rootfs images): what `bench clean` removes. */
export async function removeDeadRunContainers(liveRunIds: ReadonlySet<string>, images: boolean, docker = new Docker()): Promise<string[]> {
  const removed: string[] = [];
  const containers = await docker.listContainers({ all: true, filters: { label: [runLabel] } });
  for (const info of containers) {
    const runId = info.Labels[runLabel] ?? '';
    if (liveRunIds.has(runId)) continue;
    await removeLabelledContainers(runId, docker);
    removed.push(`container ${info.Names[0] ?? info.Id} (run ${runId})`);
  }
  if (images) {
    for (const image of await docker.listImages({ filters: { reference: ['twinbench-rootfs'] } })) {
      await docker.getImage(image.Id).remove({ force: true });
      removed.push(`image ${image.RepoTags?.join(', ') ?? image.Id}`);
    }
  }
  return removed;
}

/** What to do when the engine lacks an OCI runtime: one line naming the runtime and the fix. */
export function missingOciRuntime(runtime: string, wanted: string, known: readonly string[]): string {
  return (
    `${runtime}: the Docker engine has no "${wanted}" OCI runtime (it has ${known.join(', ') || 'none'}): install ${wanted} (apt-get install ${wanted}), ` +
    `add it to dockerd ("runtimes": {"${wanted}": {"path": "/usr/bin/${wanted}"}} in /etc/docker/daemon.json, or dockerd --add-runtime ${wanted}=/usr/bin/${wanted}) and restart dockerd; scripts/setup.sh does this for a dockerd it starts`
  );
}

/** Settings of the Docker backend. */
export interface DockerSettings {
  /** How the host reaches the container's ports (see ContainerNetwork). */
  readonly network: ContainerNetwork;
  /** Docker platform of the guest, e.g. `linux/arm64`. */
  readonly platform: string;
  /** True when the guest's architecture is not the host's: binaries run under qemu-user (emulated). */
  readonly foreign: boolean;
  /** cgroup v1: the run's I/O devices; each container gets the non-limiting rule on every one (see block-device.ts). */
  readonly ioDevices?: IoDevices;
  /** The runtime it serves (`docker`, `docker-crun`…). */
  readonly name?: RuntimeName;
  /** The engine's OCI runtime for the containers (`HostConfig.Runtime`); the engine's default when absent. */
  readonly ociRuntime?: string;
}

/** Runs guests as Docker containers from the imported rootfs, through the engine's API. */
export class DockerBackend implements Backend {
  readonly name: RuntimeName;
  readonly kind = 'container' as const;
  readonly cgroupPlacement = 'trial-group' as const;
  readonly #docker = new Docker();
  readonly #settings: DockerSettings;
  #tag = '';
  /** With the cgroupfs driver the container's group goes below the trial's (`CgroupParent` is a path). */
  #cgroupfsDriver = false;
  /** The bridge's subnet, device and host address, measured at prepare (or why they could not be). */
  #route: BridgeRoute | { problem: string } | undefined;

  constructor(settings: DockerSettings = { platform: '', foreign: false, network: 'bridge' }) {
    this.#settings = settings;
    this.name = settings.name ?? 'docker';
  }

  async prepare(images: ImageSet, signal: AbortSignal): Promise<RuntimeInfo> {
    const engine = await probeDockerEngine(this.#docker);
    const wanted = this.#settings.ociRuntime;
    if (wanted !== undefined && !engine.ociRuntimes.includes(wanted)) throw new MissingDependencyError(missingOciRuntime(this.name, wanted, engine.ociRuntimes));
    this.#tag = images.dockerTag;
    this.#cgroupfsDriver = engine.cgroupDriver === 'cgroupfs';
    try {
      await this.#docker.getImage(images.dockerTag).inspect();
    } catch {
      if (this.#settings.foreign) await this.#buildForPlatform(images, signal);
      else {
        const [repo, tag] = images.dockerTag.split(':');
        const stream = await this.#docker.importImage(createReadStream(images.rootfsTar), { repo, tag, abortSignal: signal });
        await new Promise<void>((resolve, reject) =>
          this.#docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
        );
      }
    }
    const image = await this.#docker.getImage(images.dockerTag).inspect();
    if (this.#settings.network !== 'host') {
      // Subnet is the one IPAM field a stock dockerd always lists; the path itself is measured on the host.
      const bridge = (await this.#docker.getNetwork('bridge').inspect().catch(() => undefined)) as { IPAM?: { Config?: { Subnet?: string }[] } } | undefined;
      // Only workloads with ports need it: a host where it fails still runs the others.
      this.#route = await measureBridgeRoute(bridge?.IPAM?.Config?.[0]?.Subnet).catch((error: unknown) => ({ problem: (error as Error).message }));
    }
    return {
      engineVersion: engine.version,
      apiVersion: engine.apiVersion,
      cgroupDriver: engine.cgroupDriver,
      storageDriver: engine.storageDriver,
      ociRuntime: this.#settings.ociRuntime ?? `${engine.defaultRuntime} (the engine's default)`,
      image: images.dockerTag,
      imageId: image.Id,
      imageArchitecture: image.Architecture,
      emulated: this.#settings.foreign,
      ...(this.#settings.foreign ? { emulation: `qemu-user via binfmt_misc (${this.#settings.platform} on a ${process.arch} host)` } : {}),
      network: 'none, except workloads with ports',
      containerNetwork: this.#settings.network,
      networkPath: describeContainerPath(this.#settings.network, this.#route),
      scratch: 'host folder bind-mounted at /scratch (not the overlay), direct I/O',
      cgroup: this.#cgroupfsDriver
        ? "the trial's own group (CgroupParent), sampled from before start until after exit"
        : `the container's own group, found from its init's pid (${engine.cgroupDriver} driver): a guest that exits before it is found is not measured`,
      ioAccounting: describeIoAccounting(this.#settings.ioDevices),
    };
  }

  async runTrial(spec: TrialSpec, observer: TrialObserver, origin: number): Promise<TrialOutcome> {
    const watch = new ConsoleWatch(observer, { readyTimeoutMs: spec.readyTimeoutMs, workloadTimeoutMs: spec.workloadTimeoutMs, signal: spec.signal });
    const bytes = spec.memoryMiB * 1024 * 1024;
    const guestPorts = Object.values(spec.workload.ports ?? {});
    const published = this.#settings.network === 'published' && guestPorts.length > 0;
    let container: Docker.Container;
    try {
      container = await this.#docker.createContainer({
        ...(this.#settings.foreign ? { platform: this.#settings.platform } : {}),
        name: `twinbench-${spec.runId}-${spec.trialId}`,
        Image: this.#tag,
        Cmd: ['/bin/sh', '/twinbench/agent.sh', ...agentArguments('container', spec, spec.scratch ? { scratch_file: mountedScratchPath(spec.scratch) } : {})],
        Labels: { [runLabel]: spec.runId, 'io.twinbench.trial': spec.trialId },
        AttachStdout: true,
        AttachStderr: true,
        NetworkDisabled: !spec.workload.network,
        ...(published ? { ExposedPorts: Object.fromEntries(guestPorts.map((port) => [`${port}/tcp`, {}])) } : {}),
        HostConfig: {
          ...(this.#settings.ociRuntime ? { Runtime: this.#settings.ociRuntime } : {}),
          NanoCpus: spec.vcpus * 1e9,
          ...(spec.cpuset ? { CpusetCpus: spec.cpuset } : {}),
          ...(published ? { PortBindings: this.#portBindings(guestPorts) } : {}),
          ...(spec.scratch ? { Binds: [`${spec.scratch.dir}:/scratch`] } : {}),
          Memory: bytes,
          MemorySwap: bytes,
          ...(this.#cgroupfsDriver && spec.cgroup ? { CgroupParent: spec.cgroup.path } : {}),
          NetworkMode: spec.workload.network ? (this.#settings.network === 'host' ? 'host' : 'bridge') : 'none',
          Privileged: false,
          ...(this.#settings.ioDevices?.cgroupVersion === 1 ? this.#throttleRules(this.#settings.ioDevices) : {}),
          ReadonlyRootfs: false,
        },
      });
    } catch (error) {
      throw new TrialError(`docker create failed: ${dockerMessage(error)}`, { cause: error });
    }
    const remove = cleanup.register(`container ${container.id.slice(0, 12)}`, () => container.remove({ force: true }).then(() => undefined));
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const output = new PassThrough();
      this.#docker.modem.demuxStream(stream, output, output);
      output.setEncoding('utf8');
      output.on('data', (chunk: string) => watch.feed(chunk));
      // The end is read from the demuxed side: the raw stream's 'end' could come before its last lines
      // were fed, and a guest that printed EXIT straight after READY was then called cut off.
      stream.on('end', () => output.end());
      output.on('end', () => watch.ended('container output ended before the agent printed EXIT'));
      const createdAt = performance.now();
      await container.start();
      const inspected = await container.inspect();
      observer.guestStarted(await this.#samplerTarget(container.id, inspected.State.Pid, spec));
      if (spec.workload.ports) observer.guestEndpoints(this.#endpoints(spec.workload.ports, inspected));
      const result = await watch.done;
      const exit = (await container.wait()) as { StatusCode: number };
      await observer.guestExited();
      return {
        bootToReadyMs: result.readyAtMs - origin,
        phases: [
          // READY often arrives before the start call returns, so start and ready are one phase.
          { name: 'create', ms: createdAt - origin, clock: 'host' },
          { name: 'start+ready', ms: result.readyAtMs - createdAt, clock: 'host' },
        ],
        exitStatus: result.exitStatus === 0 ? exit.StatusCode : result.exitStatus,
        consoleTail: watch.lines.tail(),
      };
    } catch (error) {
      if (error instanceof TrialError || spec.signal.aborted) throw error;
      throw new TrialError(`docker: ${dockerMessage(error)}`, { cause: error, consoleTail: watch.lines.tail() });
    } finally {
      watch.fail('trial ended');
      await remove().catch(() => undefined);
    }
  }

  /**
   * `docker import --platform` labels the image with the host's architecture, so a foreign rootfs is
   * built `FROM scratch` + `ADD rootfs.tar /` for the right platform instead (no registry involved).
   */
  async #buildForPlatform(images: ImageSet, signal: AbortSignal): Promise<void> {
    const context = await mkdtemp(join(dirname(images.rootfsTar), '.build-'));
    const removeContext = cleanup.register(`build context ${context}`, () => rm(context, { recursive: true, force: true }));
    try {
      await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nADD rootfs.tar /\n');
      await link(images.rootfsTar, join(context, 'rootfs.tar')).catch(() => copyFile(images.rootfsTar, join(context, 'rootfs.tar')));
      const stream = await this.#docker.buildImage({ context, src: ['Dockerfile', 'rootfs.tar'] }, { t: images.dockerTag, platform: this.#settings.platform, abortSignal: signal });
      const output = await new Promise<{ error?: string }[]>((resolve, reject) =>
        this.#docker.modem.followProgress(stream, (error: Error | null, result: { error?: string }[]) => (error ? reject(error) : resolve(result))),
      );
      const failed = output.find((entry) => entry.error);
      if (failed) throw new MissingDependencyError(`docker build for ${this.#settings.platform} failed: ${failed.error ?? ''}`);
    } finally {
      await removeContext();
    }
  }

  /** Where the host reaches each named guest port, by the run's container network path. */
  #endpoints(ports: Readonly<Record<string, number>>, inspected: Docker.ContainerInspectInfo): Map<string, HostEndpoint> {
    if (this.#settings.network === 'host') return endpointsAt('127.0.0.1', ports);
    if (this.#settings.network === 'published') return this.#publishedEndpoints(ports, inspected.NetworkSettings.Ports);
    const { subnet } = this.#bridgeRoute();
    const address = inspected.NetworkSettings.Networks?.['bridge']?.IPAddress ?? '';
    if (!inSubnet(address, subnet)) throw new TrialError(`the container's bridge address ${JSON.stringify(address)} is not in the bridge's subnet ${subnet}`);
    return endpointsAt(address, ports);
  }

  /** The measured bridge route, or a TrialError saying why the host cannot reach containers on it. */
  #bridgeRoute(): BridgeRoute {
    if (!this.#route || 'problem' in this.#route) throw new TrialError(this.#route?.problem ?? 'the Docker bridge was not measured');
    return this.#route;
  }

  /** Publish each guest port on the bridge's host address (measured), so the kernel's DNAT carries it. */
  #portBindings(ports: readonly number[]): Record<string, { HostIp: string; HostPort: string }[]> {
    const { address } = this.#bridgeRoute();
    return Object.fromEntries(ports.map((port) => [`${port}/tcp`, [{ HostIp: address, HostPort: '' }]]));
  }

  /** Where the host reaches each named guest port: the address and port Docker published it on. */
  #publishedEndpoints(ports: Readonly<Record<string, number>>, published: Record<string, { HostIp: string; HostPort: string }[] | null>): Map<string, HostEndpoint> {
    const endpoints = new Map<string, HostEndpoint>();
    for (const [name, port] of Object.entries(ports)) {
      const binding = published[`${port}/tcp`]?.[0];
      if (!binding) throw new TrialError(`docker published no host port for guest port ${port} (${name})`);
      endpoints.set(name, { host: binding.HostIp, port: Number(binding.HostPort) });
    }
    return endpoints;
  }

  /** Non-limiting blkio rules: on v1 they make the throttle counters count (see block-device.ts). */
  #throttleRules(devices: IoDevices) {
    const rule = devices.ruled.map((device) => ({ Path: device.devPath, Rate: nonLimitingBps }));
    return { BlkioDeviceReadBps: rule, BlkioDeviceWriteBps: rule };
  }

  /**
   * The trial's group (cgroupfs driver; known before start, so a container that already exited is
   * still measured) or the container's own group from its init's /proc/PID/cgroup, and its
   * containerd shim, which serves the container from outside its cgroup but is part of what the host pays.
   */
  async #samplerTarget(containerId: string, pid: number, spec: TrialSpec) {
    const shim = await findShim(containerId, pid);
    const extraPids = shim === undefined ? [] : [shim];
    if (this.#cgroupfsDriver && spec.cgroup) return { cgroup: spec.cgroup.location, extraPids };
    const [procCgroup, mountinfo] = await Promise.all([
      readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => undefined),
      readFile('/proc/self/mountinfo', 'utf8'),
    ]);
    const cgroup = procCgroup === undefined ? undefined : locateCgroup(procCgroup, parseCgroupMounts(mountinfo));
    if (!cgroup) throw new TrialError(`cannot find the cgroup of container process ${pid}: it exited before it was found (${this.#cgroupfsDriver ? 'cgroupfs' : 'systemd'} cgroup driver)`);
    return { cgroup, extraPids };
  }
}

/**
 * The containerd shim serving a container: its init's parent while the init lives, else the process
 * whose command line names the container (`containerd-shim-runc-v2 … -id <id>`), which stays until the
 * container is removed. Undefined when neither is found.
 */
async function findShim(containerId: string, initPid: number): Promise<number | undefined> {
  const self = initPid > 0 ? await readParent(initPid) : undefined;
  const parent = self ? await readParent(self.ppid) : undefined;
  if (self && parent?.comm.startsWith('containerd-shim')) return self.ppid;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (!comm.startsWith('containerd-shim')) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args[args.indexOf('-id') + 1] === containerId) return Number(entry);
  }
  return undefined;
}

/** The network path of a run's containers, for the result and the report. */
function describeContainerPath(network: ContainerNetwork, route: BridgeRoute | { problem: string } | undefined): string {
  if (network === 'host') return "the host's network namespace (--container-net host): no veth, no NAT; the host connects over loopback";
  if (!route || 'problem' in route) return `not usable: ${route?.problem ?? 'not measured'}`;
  const bridge = `Docker's default bridge ${route.subnet} on ${route.device} (veth; route measured with ip route get)`;
  if (network === 'published') return `${bridge}; ports published on ${route.address}, the bridge's host address: the host connects through iptables DNAT (--container-net published)`;
  return `${bridge}; the host connects to the container's own address on it: no NAT, no proxy, as it reaches a VM on its tap`;
}
