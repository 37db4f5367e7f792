import { UsageError, ExitCode, type ExitCodeValue } from '../errors.js';
import { archNames, type ArchName } from '../host/arch.js';
import { resolveRun, type RunFlags } from '../orchestrator/bench-run.js';
import { hostPackagesOf, setUpByDefault } from '../runtimes/host-packages.js';
import { allRuntimeNames, runtimesNamed, visibleRuntimeNames } from '../runtimes/table.js';
import { runSetup, runtimesToSetUp, type SetupPlan } from '../setup/run-setup.js';
import type { CommandIo } from './io.js';

/** Flags of `bench setup`, and the run it prepares for (`-- all --suite my.json …`, parsed as `bench all` would). */
export interface SetupFlags {
  runtimes?: string;
  arch?: string;
  /** The run's own flags, as `bench all` or `calibrate` parsed them. */
  run?: RunFlags;
}

/** Every runtime `--runtimes all` prepares: those with host packages or setup steps of their own. */
function everyPreparedRuntime(): string[] {
  return runtimesNamed(allRuntimeNames())
    .filter(
      (runtime) =>
        runtime.setup !== undefined || archNames.some((arch) => hostPackagesOf(runtime.name, arch).length > 0),
    )
    .map((runtime) => runtime.name);
}

/** What `bench setup` prepares for its flags: the runtimes named, those a run's flags and suite file name, defaults. */
export function planSetup(flags: SetupFlags): SetupPlan {
  const named = new Set<string>();
  const problems: string[] = [];
  for (const name of (flags.runtimes ?? '')
    .split(',')
    .map((word) => word.trim())
    .filter(Boolean)) {
    if (name === 'all') for (const every of everyPreparedRuntime()) named.add(every);
    else if ((allRuntimeNames() as readonly string[]).includes(name)) named.add(name);
    else problems.push(`--runtimes: unknown runtime '${name}' (known: ${visibleRuntimeNames().join(', ')}, all)`);
  }
  let foreign: ArchName | undefined;
  if (flags.arch !== undefined) {
    if (archNames.includes(flags.arch as ArchName)) foreign = flags.arch as ArchName;
    else problems.push(`--arch takes ${archNames.join(' or ')}, got '${flags.arch}'`);
  }
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  if (flags.run) {
    // The run's runtimes and guest architecture, resolved as `bench all` resolves them (its suite file included).
    const run = resolveRun(flags.run);
    for (const runtime of run.runtimes) named.add(runtime.name);
    if (run.config.arch !== run.hostArch) foreign = run.config.arch;
  }
  const runtimes = runtimesToSetUp(runtimesNamed(allRuntimeNames()), named);
  return { runtimes, ...(foreign ? { foreign } : {}) };
}

/**
 * `bench setup`: what `bench all` needs on this host, through the runtime table (src/setup/run-setup.ts): the
 * runtimes named, those a run's flags and suite file name, and those every host gets.
 */
export async function runSetupCommand(flags: SetupFlags, io: CommandIo): Promise<ExitCodeValue> {
  await runSetup(planSetup(flags), (line) => io.log(`setup: ${line}`));
  return ExitCode.ok;
}

/** The runtimes every host gets, for `--help`. */
export function runtimesSetUpByDefault(): string[] {
  return allRuntimeNames().filter(setUpByDefault);
}
