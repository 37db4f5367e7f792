// Over 300 lines on purpose: the one file that imports dockerode (STYLE.md): every call to a container engine's API
// and the translation of its errors, for docker, docker-crun and podman alike.
import { createReadStream } from 'node:fs';
import { hostCgroupMounts } from '../../host/cgroup-mode.js';
import { copyFile, link, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { cleanup } from '../../cleanup.js';
import { MissingDependencyError, TrialError } from '../../errors.js';
import { describeIoAccounting, nonLimitingBps, type IoDevices } from '../../host/block-device.js';
import type { ContainerNetwork, RuntimeName } from '../../config/suite.js';
import { inSubnet, measureBridgeRoute, type BridgeRoute } from '../../host/docker-bridge.js';
import type { ImageSet } from '../../images/image-set.js';
import { systemdOwnsCgroups } from '../../host/systemd-cgroup.js';
import { locateCgroup, memoryDir, type CgroupLocation, type CgroupMounts } from '../../sampling/cgroup-paths.js';
import { readParent } from '../../sampling/read-proc.js';
import type { ImageLaunch } from '../../images/user-image/launch.js';
import {
  agentArguments,
  endpointsAt,
  mountedScratchPath,
  type Backend,
  type HostEndpoint,
  type RuntimeInfo,
  type TrialObserver,
  type TrialOutcome,
  type TrialSpec,
} from '../../contract/backend.js';
import { ConsoleWatch } from '../../contract/console-watch.js';

/** Label every twinbench container carries, so `bench clean` can find leftovers. */
const runLabel = 'io.twinbench.run';

/** Docker's error shape (statusCode/reason from docker-modem). */
function dockerMessage(error: unknown): string {
  const e = error as { statusCode?: number; reason?: string; json?: { message?: string }; message?: string };
  return e.json?.message ?? e.reason ?? e.message ?? String(error);
}

/**
 * An engine that speaks Docker's API: Docker Engine itself, or Podman's Docker-compatible service. What
 * differs between them is said here, so one backend drives both the same way.
 */
export interface ContainerEngine {
  /** Its name in results and messages: `Docker`, `Podman`. */
  readonly label: string;
  /** Where it listens, for messages. */
  readonly address: string;
  readonly client: Docker;
  /** How the per-container helper that serves a container from outside it names itself (`comm`): `containerd-shim`, `conmon`. */
  readonly shimComm: string;
  /** Podman 4's compatible import ignores `repo`/`tag`: the imported image is tagged by its id afterwards. */
  readonly tagAfterImport: boolean;
  /**
   * Resource limits (setrlimit) to give each container explicitly; undefined where containers inherit the
   * engine's own (Docker). Podman sets 1048576 files and processes unless told, which a root without
   * CAP_SYS_RESOURCE cannot grant.
   */
  containerUlimits?(): Promise<{ ulimits: { Name: string; Soft: number; Hard: number }[]; how: string }>;
  /**
   * Where the helper's process lives under this cgroup driver, in words, and whether that is inside the
   * trial's group (then it is in the cgroup figures and is not added again by PSS).
   */
  helperPlacement(cgroupDriver: string): { insideTrialGroup: boolean; text: string };
  /**
   * Podman (netavark) creates its bridge with the first container on it and removes it with the last, so
   * the route to it is measured while a short-lived probe container holds it up.
   */
  readonly bridgeOnDemand: boolean;
}

/** The Docker engine at DOCKER_HOST or /var/run/docker.sock (dockerode's own default). */
export function dockerEngine(): ContainerEngine {
  return {
    label: 'Docker',
    address: process.env.DOCKER_HOST ?? '/var/run/docker.sock',
    client: new Docker(),
    shimComm: 'containerd-shim',
    tagAfterImport: false,
    bridgeOnDemand: false,
    helperPlacement: () => ({
      insideTrialGroup: false,
      text: "containerd's shim, outside the container's cgroup: added to what the host pays by PSS",
    }),
  };
}

/** Engine version and settings, or a MissingDependencyError saying what is wrong. */
export async function probeDockerEngine(
  engine: Pick<ContainerEngine, 'client' | 'label' | 'address'> = dockerEngine(),
): Promise<{
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
    const [version, info] = await Promise.all([
      engine.client.version(),
      engine.client.info() as Promise<Record<string, string>>,
    ]);
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
    throw new MissingDependencyError(
      `${engine.label} engine not reachable at ${engine.address}: ${dockerMessage(error)}`,
      { cause: error },
    );
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
export async function removeDeadRunContainers(
  liveRunIds: ReadonlySet<string>,
  images: boolean,
  docker = new Docker(),
): Promise<string[]> {
  const removed: string[] = [];
  const containers = await docker.listContainers({ all: true, filters: { label: [runLabel] } });
  for (const info of containers) {
    const runId = info.Labels[runLabel] ?? '';
    if (liveRunIds.has(runId)) continue;
    await removeLabelledContainers(runId, docker);
    removed.push(`container ${info.Names[0] ?? info.Id} (run ${runId})`);
  }
  if (images) {
    // The shared rootfs and the imports of users' images (`--image`); the users' own images stay.
    for (const image of await docker.listImages({ filters: { reference: ['twinbench-rootfs', 'twinbench-image'] } })) {
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
  /** The engine behind the API (Docker's own when absent). */
  readonly engine?: ContainerEngine;
}

/** Runs guests as containers from the imported rootfs, through a Docker-API engine (Docker, Podman). */
export class DockerBackend implements Backend {
  readonly name: RuntimeName;
  readonly kind = 'container' as const;
  readonly cgroupPlacement = 'trial-group' as const;
  readonly #engine: ContainerEngine;
  readonly #docker: Docker;
  readonly #settings: DockerSettings;
  /** Limits each container is given explicitly (see ContainerEngine.containerUlimits). */
  #ulimits: { ulimits: { Name: string; Soft: number; Hard: number }[]; how: string } | undefined;
  #tag = '';
  /** `--image`: the user's image runs with its own argv, env, working dir and (numeric) user. */
  #launch: ImageLaunch | undefined;
  /**
   * How the container's group goes below the trial's: `path`, the cgroupfs driver (`CgroupParent` is the
   * group's path); `slice`, the systemd driver where systemd owns the tree (the trial's group is a slice,
   * `CgroupParent` names it); absent, a systemd driver on a host whose trial groups are not slices: the
   * container keeps the group its engine gives it.
   */
  #parent: 'path' | 'slice' | undefined;
  #cgroupDriver = '';
  /** The bridge's subnet, device and host address, measured at prepare (or why they could not be). */
  #route: BridgeRoute | { problem: string } | undefined;
  /** The default network's subnet as the engine lists it. */
  #routeSubnet: string | undefined;

  constructor(settings: DockerSettings = { platform: '', foreign: false, network: 'bridge' }) {
    this.#settings = settings;
    this.name = settings.name ?? 'docker';
    this.#engine = settings.engine ?? dockerEngine();
    this.#docker = this.#engine.client;
  }

  async prepare(images: ImageSet, signal: AbortSignal): Promise<RuntimeInfo> {
    const engine = await probeDockerEngine(this.#engine);
    this.#ulimits = await this.#engine.containerUlimits?.();
    const wanted = this.#settings.ociRuntime;
    if (wanted !== undefined && !engine.ociRuntimes.includes(wanted))
      throw new MissingDependencyError(missingOciRuntime(this.name, wanted, engine.ociRuntimes));
    this.#tag = images.dockerTag;
    this.#launch = images.launch;
    const mounts = await hostCgroupMounts();
    this.#cgroupDriver = engine.cgroupDriver;
    this.#parent =
      engine.cgroupDriver === 'cgroupfs'
        ? 'path'
        : engine.cgroupDriver === 'systemd' && systemdOwnsCgroups(mounts)
          ? 'slice'
          : undefined;
    try {
      await this.#docker.getImage(images.dockerTag).inspect();
    } catch {
      if (this.#settings.foreign) await this.#buildForPlatform(images, signal);
      else {
        const [repo, tag] = images.dockerTag.split(':');
        const stream = await this.#docker.importImage(createReadStream(images.rootfsTar), {
          repo,
          tag,
          abortSignal: signal,
        });
        const output = await new Promise<{ id?: string; status?: string }[]>((resolve, reject) =>
          this.#docker.modem.followProgress(
            stream,
            (error: Error | null, result: { id?: string; status?: string }[]) =>
              error ? reject(error) : resolve(result),
          ),
        );
        if (this.#engine.tagAfterImport) {
          const id = output.at(-1)?.id ?? output.at(-1)?.status;
          if (!id) throw new MissingDependencyError(`${this.#engine.label} imported the rootfs but named no image id`);
          await this.#docker.getImage(id).tag({ repo: repo ?? '', ...(tag ? { tag } : {}) });
        }
      }
    }
    const image = await this.#docker.getImage(images.dockerTag).inspect();
    const helper = this.#engine.helperPlacement(engine.cgroupDriver);
    if (this.#settings.network !== 'host') {
      // Subnet is the one IPAM field a stock dockerd always lists; the path itself is measured on the host.
      const bridge = (await this.#docker
        .getNetwork('bridge')
        .inspect()
        .catch(() => undefined)) as { IPAM?: { Config?: { Subnet?: string }[] } } | undefined;
      this.#routeSubnet = bridge?.IPAM?.Config?.[0]?.Subnet;
      // Only workloads with ports need it: a host where it fails still runs the others.
      const measure = () =>
        measureBridgeRoute(this.#routeSubnet, this.#engine.label).catch((error: unknown) => ({
          problem: (error as Error).message,
        }));
      this.#route = this.#engine.bridgeOnDemand
        ? await this.#whileBridgeIsUp(measure, signal).catch((error: unknown) => {
            if (signal.aborted) throw error;
            return {
              problem: `a probe container on ${this.#engine.label}'s bridge did not start: ${dockerMessage(error)}`,
            };
          })
        : await measure();
    }
    return {
      engineVersion: engine.version,
      apiVersion: engine.apiVersion,
      cgroupDriver: engine.cgroupDriver,
      storageDriver: engine.storageDriver,
      engine: this.#engine.label,
      ociRuntime: this.#settings.ociRuntime ?? `${engine.defaultRuntime} (the engine's default)`,
      shim: helper.text,
      shimInsideCgroup: this.#parent !== undefined && helper.insideTrialGroup,
      ...(this.#ulimits
        ? {
            ulimits: `${this.#ulimits.ulimits.map((u) => `${u.Name} ${u.Soft}:${u.Hard}`).join(', ')} (${this.#ulimits.how})`,
          }
        : {}),
      image: images.dockerTag,
      imageId: image.Id,
      imageArchitecture: image.Architecture,
      emulated: this.#settings.foreign,
      ...(this.#settings.foreign
        ? { emulation: `qemu-user via binfmt_misc (${this.#settings.platform} on a ${process.arch} host)` }
        : {}),
      network: 'none, except workloads with ports',
      containerNetwork: this.#settings.network,
      networkPath: describeContainerPath(this.#settings.network, this.#route, this.#engine.label),
      scratch: 'host folder bind-mounted at /scratch (not the overlay), direct I/O',
      ...(this.#launch
        ? {}
        : { tmp: "a tmpfs at /tmp, as natively and in a VM, charged to the container's memory cgroup" }),
      cgroup:
        this.#parent === 'path'
          ? "the trial's own group (CgroupParent), sampled from before start until after exit"
          : this.#parent === 'slice'
            ? "the trial's own group, a transient systemd slice (CgroupParent, systemd driver), sampled from before start until after exit"
            : `the container's own group, found from its init's pid (${engine.cgroupDriver} driver): a guest that exits before it is found is not measured`,
      ioAccounting: describeIoAccounting(this.#settings.ioDevices),
    };
  }

  /** The agent with the trial's arguments, or a user's image started as its config says (`--image`). */
  #guestCommand(spec: TrialSpec): Pick<Docker.ContainerCreateOptions, 'Cmd' | 'Env' | 'User' | 'WorkingDir'> {
    const launch = this.#launch;
    if (!launch)
      return {
        Cmd: [
          '/bin/sh',
          '/twinbench/agent.sh',
          ...agentArguments('container', spec, spec.scratch ? { scratch_file: mountedScratchPath(spec.scratch) } : {}),
        ],
      };
    return {
      Cmd: [...launch.argv],
      Env: [...launch.env],
      User: `${launch.uid}:${launch.gid}`,
      WorkingDir: launch.workingDir,
    };
  }

  /** What the container's `CgroupParent` is, when its group goes below the trial's. */
  #cgroupParent(spec: Pick<TrialSpec, 'cgroup'>): string | undefined {
    if (this.#parent === 'path') return spec.cgroup?.path;
    if (this.#parent === 'slice') return spec.cgroup?.slice;
    return undefined;
  }

  async runTrial(spec: TrialSpec, observer: TrialObserver, origin: number): Promise<TrialOutcome> {
    const watch = new ConsoleWatch(observer, {
      readyTimeoutMs: spec.readyTimeoutMs,
      workloadTimeoutMs: spec.workloadTimeoutMs,
      signal: spec.signal,
    });
    const bytes = spec.memoryMiB * 1024 * 1024;
    const guestPorts = Object.values(spec.workload.ports ?? {});
    const published = this.#settings.network === 'published' && guestPorts.length > 0;
    let container: Docker.Container;
    try {
      container = await this.#docker.createContainer({
        ...(this.#settings.foreign ? { platform: this.#settings.platform } : {}),
        name: `twinbench-${spec.runId}-${spec.trialId}`,
        Image: this.#tag,
        ...this.#guestCommand(spec),
        Labels: { [runLabel]: spec.runId, 'io.twinbench.trial': spec.trialId },
        AttachStdout: true,
        AttachStderr: true,
        NetworkDisabled: !spec.workload.network,
        ...(published ? { ExposedPorts: Object.fromEntries(guestPorts.map((port) => [`${port}/tcp`, {}])) } : {}),
        HostConfig: {
          ...(this.#settings.ociRuntime ? { Runtime: this.#settings.ociRuntime } : {}),
          ...(this.#ulimits ? { Ulimits: this.#ulimits.ulimits } : {}),
          NanoCpus: spec.vcpus * 1e9,
          ...(spec.cpuset ? { CpusetCpus: spec.cpuset } : {}),
          ...(published ? { PortBindings: await this.#portBindings(guestPorts) } : {}),
          ...(spec.scratch ? { Binds: [`${spec.scratch.dir}:/scratch`] } : {}),
          // /tmp is a tmpfs, as natively (the chroot's own) and in a VM (the agent mounts one): on the overlay it
          // put the kernel workload's file page faults (stress-ng works in /tmp) on overlayfs over ext4 in
          // containers only, 2.4× slower than natively. A user's image keeps its own /tmp, as it would run.
          ...(this.#launch ? {} : { Tmpfs: { '/tmp': 'rw,mode=1777' } }),
          Memory: bytes,
          MemorySwap: bytes,
          ...(this.#cgroupParent(spec) ? { CgroupParent: this.#cgroupParent(spec) } : {}),
          NetworkMode: spec.workload.network ? (this.#settings.network === 'host' ? 'host' : 'bridge') : 'none',
          Privileged: false,
          ...(this.#settings.ioDevices?.cgroupVersion === 1 ? this.#throttleRules(this.#settings.ioDevices) : {}),
          ReadonlyRootfs: false,
        },
      });
    } catch (error) {
      throw new TrialError(`${this.#engine.label.toLowerCase()} create failed: ${dockerMessage(error)}`, {
        cause: error,
      });
    }
    const remove = cleanup.register(`container ${container.id.slice(0, 12)}`, () =>
      container.remove({ force: true }).then(() => undefined),
    );
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const output = new PassThrough();
      this.#docker.modem.demuxStream(stream, output, output);
      output.setEncoding('utf8');
      output.on('data', (chunk: string) => watch.feed(chunk));
      // The end is read from the demuxed side: the raw stream's 'end' could come before its last lines
      // were fed, and a guest that printed EXIT straight after READY was then called cut off.
      stream.on('end', () => output.end());
      output.on('end', () =>
        watch.ended(
          this.#launch ? "the image's container exited" : 'container output ended before the agent printed EXIT',
        ),
      );
      const createdAt = performance.now();
      await container.start();
      const inspected = await container.inspect();
      // A user's image whose program ended at once has no address to reach: say that, not what follows from it.
      if (this.#launch && !inspected.State.Running)
        throw new TrialError(
          `the image's container exited with status ${inspected.State.ExitCode} before it was ready`,
          { consoleTail: watch.lines.tail() },
        );
      observer.guestStarted(await this.#samplerTarget(container.id, inspected.State.Pid, spec));
      if (spec.workload.ports) observer.guestEndpoints(await this.#endpoints(spec.workload.ports, inspected));
      const result = await watch.done;
      // A user's image serves until stopped, as `docker stop` would (SIGTERM, then SIGKILL after 10 s).
      if (this.#launch) await container.stop({ t: 10 }).catch(() => undefined);
      const exit = (await container.wait()) as { StatusCode: number };
      await observer.guestExited();
      return {
        bootToReadyMs: result.readyAtMs - origin,
        phases: [
          // READY often arrives before the start call returns, so start and ready are one phase.
          { name: 'create', ms: createdAt - origin, clock: 'host' },
          { name: 'start+ready', ms: result.readyAtMs - createdAt, clock: 'host' },
        ],
        exitStatus: result.exitStatus === 0 && !this.#launch ? exit.StatusCode : result.exitStatus,
        consoleTail: watch.lines.tail(),
      };
    } catch (error) {
      if (error instanceof TrialError || spec.signal.aborted) throw error;
      throw new TrialError(`${this.#engine.label.toLowerCase()}: ${dockerMessage(error)}`, {
        cause: error,
        consoleTail: watch.lines.tail(),
      });
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
    const removeContext = cleanup.register(`build context ${context}`, () =>
      rm(context, { recursive: true, force: true }),
    );
    try {
      await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nADD rootfs.tar /\n');
      await link(images.rootfsTar, join(context, 'rootfs.tar')).catch(() =>
        copyFile(images.rootfsTar, join(context, 'rootfs.tar')),
      );
      const stream = await this.#docker.buildImage(
        { context, src: ['Dockerfile', 'rootfs.tar'] },
        { t: images.dockerTag, platform: this.#settings.platform, abortSignal: signal },
      );
      const output = await new Promise<{ error?: string }[]>((resolve, reject) =>
        this.#docker.modem.followProgress(stream, (error: Error | null, result: { error?: string }[]) =>
          error ? reject(error) : resolve(result),
        ),
      );
      const failed = output.find((entry) => entry.error);
      if (failed)
        throw new MissingDependencyError(`docker build for ${this.#settings.platform} failed: ${failed.error ?? ''}`);
    } finally {
      await removeContext();
    }
  }

  /** Run `action` while a probe container sits on the default bridge (so an on-demand bridge exists). */
  async #whileBridgeIsUp<T>(action: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const probe = await this.#docker.createContainer({
      name: `twinbench-bridge-probe-${process.pid}-${Date.now()}`,
      Image: this.#tag,
      // A user's image may have no shell: it runs its own program, which only has to stay up a moment.
      ...(this.#launch
        ? { Cmd: [...this.#launch.argv], Env: [...this.#launch.env] }
        : { Cmd: ['/bin/sh', '-c', 'sleep 60'] }),
      Labels: { [runLabel]: 'bridge-probe' },
      HostConfig: { NetworkMode: 'bridge', ...(this.#ulimits ? { Ulimits: this.#ulimits.ulimits } : {}) },
    });
    const remove = cleanup.register(`bridge probe container ${probe.id.slice(0, 12)}`, () =>
      probe.remove({ force: true }).then(() => undefined),
    );
    try {
      await probe.start();
      signal.throwIfAborted();
      return await action();
    } finally {
      await remove().catch(() => undefined);
    }
  }

  /** Where the host reaches each named guest port, by the run's container network path. */
  async #endpoints(
    ports: Readonly<Record<string, number>>,
    inspected: Docker.ContainerInspectInfo,
  ): Promise<Map<string, HostEndpoint>> {
    if (this.#settings.network === 'host') return endpointsAt('127.0.0.1', ports);
    if (this.#settings.network === 'published') return this.#publishedEndpoints(ports, inspected.NetworkSettings.Ports);
    const { subnet } = await this.#bridgeRoute();
    // Docker names the default network `bridge`, Podman `podman`: a container on it has that one network.
    const networks = Object.entries(inspected.NetworkSettings.Networks ?? {});
    const address =
      (networks.find(([name]) => name === 'bridge') ?? (networks.length === 1 ? networks[0] : undefined))?.[1]
        .IPAddress ?? '';
    if (!inSubnet(address, subnet))
      throw new TrialError(
        `the container's bridge address ${JSON.stringify(address)} is not in the bridge's subnet ${subnet}`,
      );
    return endpointsAt(address, ports);
  }

  /**
   * The measured bridge route, or a TrialError saying why the host cannot reach containers on it. Podman
   * (netavark) removes its bridge with its last container, so a route missing at prepare is measured
   * again once a container runs.
   */
  async #bridgeRoute(): Promise<BridgeRoute> {
    if (this.#route && 'problem' in this.#route && this.#routeSubnet) {
      this.#route = await measureBridgeRoute(this.#routeSubnet, this.#engine.label).catch((error: unknown) => ({
        problem: (error as Error).message,
      }));
    }
    if (!this.#route || 'problem' in this.#route)
      throw new TrialError(this.#route?.problem ?? 'the bridge was not measured');
    return this.#route;
  }

  /** Publish each guest port on the bridge's host address (measured), so the kernel's DNAT carries it. */
  async #portBindings(ports: readonly number[]): Promise<Record<string, { HostIp: string; HostPort: string }[]>> {
    const { address } = await this.#bridgeRoute();
    return Object.fromEntries(ports.map((port) => [`${port}/tcp`, [{ HostIp: address, HostPort: '' }]]));
  }

  /** Where the host reaches each named guest port: the address and port Docker published it on. */
  #publishedEndpoints(
    ports: Readonly<Record<string, number>>,
    published: Record<string, { HostIp: string; HostPort: string }[] | null>,
  ): Map<string, HostEndpoint> {
    const endpoints = new Map<string, HostEndpoint>();
    for (const [name, port] of Object.entries(ports)) {
      const binding = published[`${port}/tcp`]?.[0];
      if (!binding)
        throw new TrialError(
          `${this.#engine.label.toLowerCase()} published no host port for guest port ${port} (${name})`,
        );
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
    const mounts = await hostCgroupMounts();
    const shim = await findShim(containerId, pid, this.#engine.shimComm);
    let cgroup: CgroupLocation | undefined;
    if (this.#cgroupParent(spec) && spec.cgroup) cgroup = spec.cgroup.location;
    else {
      const procCgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => undefined);
      cgroup = procCgroup === undefined ? undefined : locateCgroup(procCgroup, mounts);
      if (!cgroup)
        throw new TrialError(
          `cannot find the cgroup of container process ${pid}: it exited before it was found (${this.#cgroupDriver} cgroup driver, no trial group to put it in)`,
        );
    }
    // The helper is sampled like containerd's shim either way. Inside the sampled group (Podman's conmon
    // goes below the trial's group) its group is named, so its processes are not the guest's and its
    // memory is not added twice; in the guest's own group it cannot be told apart and stays the guest's.
    if (shim === undefined) return { cgroup, extraPids: [] };
    const placement = await helperGroupOf(shim, cgroup, mounts);
    if (placement === 'outside') return { cgroup, extraPids: [shim] };
    if (placement === 'same group') return { cgroup, extraPids: [] };
    return { cgroup, extraPids: [shim], helperGroup: placement.below };
  }
}

/**
 * The containerd shim serving a container: its init's parent while the init lives, else the process
 * whose command line names the container (`containerd-shim-runc-v2 … -id <id>`), which stays until the
 * container is removed. Undefined when neither is found.
 */
async function findShim(containerId: string, initPid: number, shimComm: string): Promise<number | undefined> {
  const self = initPid > 0 ? await readParent(initPid) : undefined;
  const parent = self ? await readParent(self.ppid) : undefined;
  if (self && parent?.comm.startsWith(shimComm)) return self.ppid;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (!comm.startsWith(shimComm)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    // containerd-shim: `-id <id>`; conmon: `-c <id>`.
    if (args[args.indexOf('-id') + 1] === containerId || args[args.indexOf('-c') + 1] === containerId)
      return Number(entry);
  }
  return undefined;
}

/**
 * Where process `pid`'s memory cgroup lies relative to `group`: outside it (unknown counts as outside), the
 * group itself, or a group below it (the folder the sampler reads the helper's processes from).
 */
async function helperGroupOf(
  pid: number,
  group: CgroupLocation,
  mounts: CgroupMounts,
): Promise<'outside' | 'same group' | { below: string }> {
  const procCgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => undefined);
  const own = procCgroup === undefined ? undefined : locateCgroup(procCgroup, mounts);
  const [mine, theirs] = [own && memoryDir(own), memoryDir(group)];
  if (mine === undefined || theirs === undefined) return 'outside';
  if (mine === theirs) return 'same group';
  return mine.startsWith(`${theirs}/`) ? { below: mine } : 'outside';
}

/** The network path of a run's containers, for the result and the report. */
function describeContainerPath(
  network: ContainerNetwork,
  route: BridgeRoute | { problem: string } | undefined,
  engine: string,
): string {
  if (network === 'host')
    return "the host's network namespace (--container-net host): no veth, no NAT; the host connects over loopback";
  if (!route || 'problem' in route) return `not usable: ${route?.problem ?? 'not measured'}`;
  const bridge = `${engine}'s default bridge ${route.subnet} on ${route.device} (veth; route measured with ip route get)`;
  if (network === 'published')
    return `${bridge}; ports published on ${route.address}, the bridge's host address: the host connects through iptables DNAT (--container-net published)`;
  return `${bridge}; the host connects to the container's own address on it: no NAT, no proxy, as it reaches a VM on its tap`;
}
