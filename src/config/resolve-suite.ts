// Over 300 lines on purpose: every flag and suite-file rule of a run, so that all problems are collected and reported
// at once (changesets' config habit).
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import { archNames, type ArchName } from '../host/arch.js';
import type { WorkloadManifest } from './workload-manifest.js';
import { allRuntimeNames, visibleRuntimeNames } from '../runtimes/table.js';
import {
  builtInSuites,
  containerNetworks,
  minRepsForInterval,
  type AccelChoice,
  type RepetitionPolicy,
  type ContainerNetwork,
  type RuntimeName,
  type SuiteConfig,
  type SuiteWorkload,
} from './suite.js';
import { jsonSyntaxProblem } from '../json-problem.js';

/** Flags of `bench all` that shape the suite, as the user typed them. */
export interface SuiteFlags {
  suite?: string;
  runtimes?: string;
  workloads?: string;
  reps?: string;
  vcpus?: string;
  memory?: string;
  interval?: string;
  readyTimeout?: string;
  accel?: string;
  arch?: string;
  warmup?: string;
  cpuset?: string;
  containerNet?: string;
  targetCi?: string;
  minReps?: string;
  maxReps?: string;
  seed?: string;
}

/**
 * Parse a CPU list (`0-1,3`) into sorted, distinct CPU numbers, each below `hostCpus`; a bad list is
 * added to `problems`, naming the flag.
 */
function parseCpuset(
  flag: string,
  text: string | undefined,
  hostCpus: number,
  problems: string[],
): number[] | undefined {
  if (text === undefined) return undefined;
  const cpus = new Set<number>();
  for (const part of text.split(',')) {
    const range = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part.trim());
    const from = Number(range?.[1]);
    const to = range?.[2] === undefined ? from : Number(range[2]);
    if (!range || to < from || to >= hostCpus) {
      problems.push(`${flag} must be a list of host CPUs 0..${hostCpus - 1} like "0-1,3", got ${JSON.stringify(text)}`);
      return undefined;
    }
    for (let cpu = from; cpu <= to; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** Parse a whole-number flag in [min, max]; a bad value is added to `problems`, naming the flag. */
export function parseIntegerFlag(
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
  problems: string[],
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
    return undefined;
  }
  return value;
}

/** Parse a percentage flag (`5%`, `5`, `0.05`) into a fraction in (0, 1); a bad value is added to `problems`. */
export function parsePercentFlag(flag: string, text: string | undefined, problems: string[]): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const value = match ? Number(match[1]) : Number.NaN;
  const fraction = match?.[2] === '%' || value >= 1 ? value / 100 : value;
  if (!match || !(fraction > 0) || fraction >= 1) {
    problems.push(`${flag} must be a percentage between 0 and 100, like 5%, got ${JSON.stringify(text)}`);
    return undefined;
  }
  return fraction;
}

/** `--target-ci` with `--min-reps`/`--max-reps`; the two bounds mean nothing without a target, nor does `--reps` with one. */
function resolveRepetitionPolicy(flags: SuiteFlags, problems: string[]): RepetitionPolicy | undefined {
  const targetCi = parsePercentFlag('--target-ci', flags.targetCi, problems);
  const minReps = parseIntegerFlag('--min-reps', flags.minReps, 2, 1000, problems);
  const maxReps = parseIntegerFlag('--max-reps', flags.maxReps, 2, 1000, problems);
  if (flags.targetCi === undefined) {
    for (const [flag, text] of [
      ['--min-reps', flags.minReps],
      ['--max-reps', flags.maxReps],
    ] as const) {
      if (text !== undefined)
        problems.push(
          `${flag} ${JSON.stringify(text)} needs --target-ci (without it every workload runs its fixed repetitions; use --reps)`,
        );
    }
    return undefined;
  }
  if (flags.reps !== undefined)
    problems.push(
      `--reps ${JSON.stringify(flags.reps)} and --target-ci exclude each other: with a target, --min-reps and --max-reps bound the repetitions`,
    );
  if (targetCi === undefined) return undefined;
  const policy = { targetCi, minReps: minReps ?? minRepsForInterval, maxReps: maxReps ?? 30 };
  if (policy.maxReps < minRepsForInterval) {
    problems.push(
      `--max-reps ${policy.maxReps} cannot reach --target-ci: a 95 % interval of a median needs at least ${minRepsForInterval} repetitions`,
    );
  }
  if (policy.minReps > policy.maxReps)
    problems.push(`--min-reps ${policy.minReps} is above --max-reps ${policy.maxReps}`);
  return policy;
}

function parseList(
  flag: string,
  text: string | undefined,
  valid: readonly string[],
  problems: string[],
  listed: readonly string[] = valid,
): string[] | undefined {
  if (text === undefined) return undefined;
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const unknown = items.filter((item) => !valid.includes(item));
  if (items.length === 0) problems.push(`${flag} is empty; valid: ${listed.join(', ')}`);
  if (unknown.length > 0)
    problems.push(`${flag}: unknown ${unknown.map((u) => JSON.stringify(u)).join(', ')}; valid: ${listed.join(', ')}`);
  return [...new Set(items)];
}

/** Parameter values travel on the kernel command line and as shell words: keep them to a safe set. */
const safeValue = /^[A-Za-z0-9._:+-]{1,64}$/;

/** Check a suite file's fields; every problem is returned, each naming the file and the key. */
function checkSuiteFile(value: unknown, file: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${file}: must be a JSON object`];
  const suite = value as Record<string, unknown>;
  const problems: string[] = [];
  const known = ['name', 'runtimes', 'workloads', 'vcpus', 'memoryMiB', 'sampleIntervalMs', 'readyTimeoutSeconds'];
  for (const key of Object.keys(suite))
    if (!known.includes(key)) problems.push(`${file}: unknown key "${key}" (known: ${known.join(', ')})`);
  const integer = (key: string, min: number, max: number) => {
    const v = suite[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max))
      problems.push(`${file}: "${key}" must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  };
  integer('vcpus', 1, 256);
  integer('memoryMiB', 64, 1024 * 1024);
  integer('sampleIntervalMs', 10, 60000);
  integer('readyTimeoutSeconds', 1, 3600);
  if (
    suite.runtimes !== undefined &&
    (!Array.isArray(suite.runtimes) ||
      suite.runtimes.length === 0 ||
      suite.runtimes.some((r) => !(allRuntimeNames() as readonly string[]).includes(r)))
  ) {
    problems.push(
      `${file}: "runtimes" must be a non-empty list of ${visibleRuntimeNames().join(', ')}, got ${JSON.stringify(suite.runtimes)}`,
    );
  }
  if (suite.workloads !== undefined) {
    if (!Array.isArray(suite.workloads) || suite.workloads.length === 0)
      problems.push(`${file}: "workloads" must be a non-empty list`);
    else {
      suite.workloads.forEach((entry: unknown, index) => {
        const w = (entry ?? {}) as Record<string, unknown>;
        if (typeof w.name !== 'string') problems.push(`${file}: workloads[${index}].name must be a string`);
        if (typeof w.reps !== 'number' || !Number.isSafeInteger(w.reps) || w.reps < 1 || w.reps > 1000)
          problems.push(
            `${file}: workloads[${index}].reps must be a whole number from 1 to 1000, got ${JSON.stringify(w.reps)}`,
          );
        if (
          w.timeoutSeconds !== undefined &&
          (typeof w.timeoutSeconds !== 'number' || !(w.timeoutSeconds > 0) || w.timeoutSeconds > 86400)
        ) {
          problems.push(
            `${file}: workloads[${index}].timeoutSeconds must be a number in (0, 86400], got ${JSON.stringify(w.timeoutSeconds)}`,
          );
        }
        if (typeof w.params !== 'object' || w.params === null || Array.isArray(w.params))
          problems.push(`${file}: workloads[${index}].params must be an object`);
        else {
          for (const [key, param] of Object.entries(w.params)) {
            if (!/^[a-z0-9_]+$/.test(key))
              problems.push(
                `${file}: workloads[${index}].params key ${JSON.stringify(key.slice(0, 40))} must match [a-z0-9_]+`,
              );
            if (!safeValue.test(String(param)) || (typeof param !== 'string' && typeof param !== 'number'))
              problems.push(
                `${file}: workloads[${index}].params.${key.slice(0, 40)} must be a number or a string of [A-Za-z0-9._:+-], at most 64 characters`,
              );
          }
        }
      });
    }
  }
  return problems;
}

/** Read a suite from a built-in name or a JSON file with the same fields. */
function loadBaseSuite(
  nameOrPath: string,
  problems: string[],
): Omit<SuiteConfig, 'arch' | 'accel' | 'warmup'> | undefined {
  if (nameOrPath === 'default' || nameOrPath === 'quick') return builtInSuites[nameOrPath];
  if (!nameOrPath.endsWith('.json')) {
    problems.push(`--suite must be "default", "quick" or a .json file, got ${JSON.stringify(nameOrPath)}`);
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (error) {
    problems.push(
      `--suite ${JSON.stringify(nameOrPath)}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const found = checkSuiteFile(parsed, nameOrPath);
    if (found.length > 0) {
      problems.push(...found);
      return undefined;
    }
    return { ...builtInSuites.default, ...(parsed as Partial<SuiteConfig>), name: nameOrPath };
  } catch (error) {
    problems.push(`--suite ${JSON.stringify(nameOrPath)}: cannot read it as JSON (${jsonSyntaxProblem(text, error)})`);
    return undefined;
  }
}

/** Combine suite and flags into the effective config; every problem is reported in one UsageError. */
export function resolveSuite(
  flags: SuiteFlags,
  manifests: ReadonlyMap<string, WorkloadManifest>,
  hostArch: ArchName,
  hostCpus = availableParallelism(),
): SuiteConfig {
  const problems: string[] = [];
  const base = loadBaseSuite(flags.suite ?? 'default', problems);
  const runtimes = parseList('--runtimes', flags.runtimes, allRuntimeNames(), problems, visibleRuntimeNames()) as
    | RuntimeName[]
    | undefined;
  const workloadNames = parseList('--workloads', flags.workloads, [...manifests.keys()], problems);
  const reps = parseIntegerFlag('--reps', flags.reps, 1, 1000, problems);
  const vcpus = parseIntegerFlag('--vcpus', flags.vcpus, 1, 256, problems);
  const memoryMiB = parseIntegerFlag('--memory', flags.memory, 64, 1024 * 1024, problems);
  const interval = parseIntegerFlag('--interval', flags.interval, 0, 60000, problems);
  // 0 is the sampler-off control (event rows only); between 1 and 9 ms a sample would cost more than it shows.
  if (interval !== undefined && interval > 0 && interval < 10)
    problems.push(
      `--interval must be 0 (sampler off: only the ready, exit and end rows) or from 10 to 60000 ms, got ${JSON.stringify(flags.interval)}`,
    );
  const readyTimeout = parseIntegerFlag('--ready-timeout', flags.readyTimeout, 1, 3600, problems);
  const warmup = parseIntegerFlag('--warmup', flags.warmup, 0, 10, problems);
  const cpuset = parseCpuset('--cpuset', flags.cpuset, hostCpus, problems);
  const effectiveVcpus = vcpus ?? base?.vcpus ?? 1;
  if (cpuset && cpuset.length < effectiveVcpus) {
    problems.push(
      `--cpuset ${JSON.stringify(flags.cpuset)} has ${cpuset.length} CPU(s), fewer than the ${effectiveVcpus} vCPU(s) each guest gets (--vcpus)`,
    );
  }
  const accel = flags.accel ?? 'auto';
  if (!['auto', 'kvm', 'tcg'].includes(accel))
    problems.push(`--accel must be auto, kvm or tcg, got ${JSON.stringify(accel)}`);
  const containerNetwork = flags.containerNet ?? 'bridge';
  if (!containerNetworks.includes(containerNetwork as ContainerNetwork))
    problems.push(
      `--container-net must be one of ${containerNetworks.join(', ')}, got ${JSON.stringify(containerNetwork)}`,
    );
  const repetitionPolicy = resolveRepetitionPolicy(flags, problems);
  const orderSeed = parseIntegerFlag('--seed', flags.seed, 0, 2 ** 32 - 1, problems) ?? randomInt(2 ** 32);
  const arch = flags.arch ?? hostArch;
  if (!archNames.includes(arch as ArchName))
    problems.push(`--arch must be one of ${archNames.join(', ')}, got ${JSON.stringify(arch)}`);

  let workloads: SuiteWorkload[] = [];
  if (base) {
    for (const workload of base.workloads) {
      if (!manifests.has(workload.name))
        problems.push(
          `suite ${base.name}: unknown workload ${JSON.stringify(workload.name)}; valid: ${[...manifests.keys()].join(', ')}`,
        );
    }
    workloads = base.workloads.filter((workload) => manifests.has(workload.name));
    if (workloadNames) {
      workloads = workloadNames.map((name) => workloads.find((w) => w.name === name) ?? { name, reps: 3, params: {} });
    }
    if (reps !== undefined) workloads = workloads.map((workload) => ({ ...workload, reps }));
    if (repetitionPolicy) workloads = workloads.map((workload) => ({ ...workload, reps: repetitionPolicy.minReps }));
  }
  if (problems.length > 0 || !base) throw new UsageError(problems.join('; '));
  return {
    ...base,
    runtimes: runtimes ?? base.runtimes,
    workloads,
    vcpus: vcpus ?? base.vcpus,
    memoryMiB: memoryMiB ?? base.memoryMiB,
    sampleIntervalMs: interval ?? base.sampleIntervalMs,
    readyTimeoutSeconds: readyTimeout ?? base.readyTimeoutSeconds,
    accel: accel as AccelChoice,
    arch: arch as ArchName,
    warmup: warmup ?? 1,
    ...(cpuset ? { cpuset: cpuset.join(',') } : {}),
    containerNetwork: containerNetwork as ContainerNetwork,
    orderSeed,
    ...(repetitionPolicy ? { repetitionPolicy } : {}),
  };
}
