import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { jsonSyntaxProblem } from '../json-problem.js';

/** A metric a workload reports from inside the guest. */
export interface WorkloadMetric {
  readonly name: string;
  readonly unit: string;
  /** Whether a bigger value is better (throughput) or worse (latency). */
  readonly direction: 'higher' | 'lower';
  readonly source: string;
  /**
   * A key figure gates `bench check` and sets `--target-ci`; the others only inform. A manifest that
   * marks none gets every figure but its tails (p99, p999, max) as key figures.
   */
  readonly keyFigure?: boolean;
}

/** `workloads/<name>/manifest.json`: adding a workload is a folder with this file and a run.sh. */
export interface WorkloadManifest {
  readonly name: string;
  readonly description: string;
  /** Default parameters, passed to run.sh as `TB_<key>` environment variables. */
  readonly params: Readonly<Record<string, string | number>>;
  readonly metrics: readonly WorkloadMetric[];
  /** Whether the guest needs a network (Docker: bridge instead of `none`; QEMU: a tap on the harness bridge). */
  readonly network: boolean;
  /**
   * Guest TCP ports by name, passed to run.sh as `TB_port_<name>`; the host reaches each through the
   * runtime's usual path. `control` is required: the guest serves until the host connects to it.
   */
  readonly ports?: Readonly<Record<string, number>>;
  /** Host-side client that drives a serving guest (see src/host-clients/). */
  readonly hostClient?: HostClientName;
  /**
   * A scratch file of `params.size_mib` MiB, written by the host before the trial, in a host folder:
   * bind-mounted at /scratch in containers and native, the VM's second virtio disk (cache=none).
   */
  readonly scratch?: boolean;
  /** Longest the workload may run after READY before the trial is errored. */
  readonly timeoutSeconds: number;
  /** `bench all --image`: the user's image is the guest; READY and the load come from the host. Never in a manifest file. */
  readonly image?: ImageWorkload;
}

/** When a user's image is ready, judged from the host the same way for every runtime. */
export type ImageReadiness =
  | { readonly kind: 'port'; readonly port: number }
  | { readonly kind: 'http'; readonly port: number; readonly path: string }
  | { readonly kind: 'log'; readonly pattern: string };

/** The load the host puts on a ready image: the built-in HTTP generator, a command of the user's, or none. */
export type ImageLoad =
  | {
      readonly kind: 'http';
      readonly port: number;
      readonly path: string;
      readonly durationSeconds: number;
      readonly connections: number;
    }
  | { readonly kind: 'command'; readonly port: number; readonly template: string; readonly durationSeconds: number }
  | { readonly kind: 'none' };

/** A user's image as the one workload of a run. */
export interface ImageWorkload {
  readonly readiness: ImageReadiness;
  readonly load: ImageLoad;
}

const keyPattern = /^[a-z0-9_]+$/;

/** Host-side clients a workload manifest can name. */
const hostClientNames = ['network', 'redis'] as const;
/** Every host-side client: those, and the loads of a user's image (`bench all --image`, never in a manifest). */
export type HostClientName = (typeof hostClientNames)[number] | Exclude<ImageLoad['kind'], 'none'>;

/** Check a parsed manifest; returns every problem found (empty when valid). */
export function validateManifest(value: unknown, folder: string): string[] {
  const where = `workloads/${folder}/manifest.json`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where}: must be a JSON object`];
  const m = value as Record<string, unknown>;
  const problems: string[] = [];
  if (m.name !== folder)
    problems.push(`${where}: "name" must be "${folder}" (the folder name), got ${JSON.stringify(m.name)}`);
  if (typeof m.description !== 'string') problems.push(`${where}: "description" must be a string`);
  if (typeof m.network !== 'boolean') problems.push(`${where}: "network" must be true or false`);
  if (typeof m.timeoutSeconds !== 'number' || !(m.timeoutSeconds > 0) || m.timeoutSeconds > 86400) {
    problems.push(`${where}: "timeoutSeconds" must be a number in (0, 86400], got ${JSON.stringify(m.timeoutSeconds)}`);
  }
  if (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params)) {
    problems.push(`${where}: "params" must be an object`);
  } else {
    for (const [key, param] of Object.entries(m.params)) {
      if (!keyPattern.test(key)) problems.push(`${where}: param key ${JSON.stringify(key)} must match [a-z0-9_]+`);
      if (typeof param !== 'number' && typeof param !== 'string')
        problems.push(`${where}: param "${key}" must be a string or number`);
      // Values travel on the kernel command line: a safe character set, no spaces.
      else if (!/^[A-Za-z0-9._:+-]{1,64}$/.test(String(param)))
        problems.push(`${where}: param "${key}" value must be [A-Za-z0-9._:+-], at most 64 characters`);
    }
  }
  problems.push(...validateServing(m, where));
  if (!Array.isArray(m.metrics)) {
    problems.push(`${where}: "metrics" must be an array`);
  } else {
    m.metrics.forEach((metric: unknown, index) => {
      const x = (metric ?? {}) as Record<string, unknown>;
      for (const key of ['name', 'unit', 'source'] as const) {
        if (typeof x[key] !== 'string' || x[key] === '')
          problems.push(`${where}: metrics[${index}].${key} must be a non-empty string`);
      }
      if (x.direction !== 'higher' && x.direction !== 'lower')
        problems.push(`${where}: metrics[${index}].direction must be "higher" or "lower"`);
      if (x.keyFigure !== undefined && typeof x.keyFigure !== 'boolean')
        problems.push(`${where}: metrics[${index}].keyFigure must be true or false`);
    });
  }
  return problems;
}

/** `ports`, `hostClient` and `scratch`: a serving workload needs a network, a control port and a client. */
function validateServing(m: Record<string, unknown>, where: string): string[] {
  const problems: string[] = [];
  if (m.scratch !== undefined && typeof m.scratch !== 'boolean')
    problems.push(`${where}: "scratch" must be true or false`);
  if (m.scratch === true && !(typeof m.params === 'object' && m.params !== null && 'size_mib' in m.params)) {
    problems.push(`${where}: "scratch": true needs a "size_mib" param`);
  }
  if (m.hostClient !== undefined && !hostClientNames.includes(m.hostClient as (typeof hostClientNames)[number])) {
    problems.push(
      `${where}: "hostClient" must be one of ${hostClientNames.join(', ')}, got ${JSON.stringify(m.hostClient)}`,
    );
  }
  if (m.ports === undefined) {
    if (m.hostClient !== undefined) problems.push(`${where}: "hostClient" needs "ports"`);
    return problems;
  }
  if (typeof m.ports !== 'object' || m.ports === null || Array.isArray(m.ports))
    return [...problems, `${where}: "ports" must be an object of name → port`];
  for (const [name, port] of Object.entries(m.ports)) {
    if (!keyPattern.test(name)) problems.push(`${where}: port name ${JSON.stringify(name)} must match [a-z0-9_]+`);
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535)
      problems.push(`${where}: port "${name}" must be an integer in 1..65535, got ${JSON.stringify(port)}`);
  }
  if (!('control' in m.ports))
    problems.push(`${where}: "ports" needs a "control" port (the guest serves until the host connects to it)`);
  if (m.network !== true) problems.push(`${where}: "ports" needs "network": true`);
  if (m.hostClient === undefined) problems.push(`${where}: "ports" needs a "hostClient"`);
  return problems;
}

/** A tail percentile or maximum: at a handful of repetitions mostly noise, so never a key figure by default. */
export function isTailFigure(name: string): boolean {
  return /(^|_)(p99|p999|max)(_|$)/.test(name);
}

/** Every metric with `keyFigure` set: as declared, or (none declared) every figure but the tails. */
function withKeyFigures(manifest: WorkloadManifest): WorkloadManifest {
  const declared = manifest.metrics.some((metric) => metric.keyFigure === true);
  return {
    ...manifest,
    metrics: manifest.metrics.map((metric) => ({
      ...metric,
      keyFigure: declared ? metric.keyFigure === true : !isTailFigure(metric.name),
    })),
  };
}

/** Load every workload folder that has a manifest; all problems are reported in one error. */
export function loadWorkloads(workloadsRoot: string): Map<string, WorkloadManifest> {
  const manifests = new Map<string, WorkloadManifest>();
  const problems: string[] = [];
  for (const entry of readdirSync(workloadsRoot, { withFileTypes: true })) {
    const file = join(workloadsRoot, entry.name, 'manifest.json');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    let parsed: unknown;
    const text = readFileSync(file, 'utf8');
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      problems.push(`workloads/${entry.name}/manifest.json: not valid JSON (${jsonSyntaxProblem(text, error)})`);
      continue;
    }
    const found = validateManifest(parsed, entry.name);
    if (!existsSync(join(workloadsRoot, entry.name, 'run.sh')))
      found.push(`workloads/${entry.name}: run.sh is missing`);
    if (found.length > 0) problems.push(...found);
    else manifests.set(entry.name, withKeyFigures(parsed as WorkloadManifest));
  }
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return manifests;
}
