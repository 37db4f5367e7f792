import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MissingDependencyError } from '../errors.js';
import { archFromNode, type ArchName } from '../host/arch.js';
import { setUpByDefault } from '../runtimes/host-packages.js';
import type { DaemonSpec, RuntimeDescriptor, SetupContext } from '../runtimes/runtime.js';
import { ensureDaemon } from './daemon.js';
import { enableBinfmt, foreignNeeds } from './foreign.js';
import { installPackages, missingPackages } from './packages.js';

/** What to prepare: runtimes (named, or `#setup: default`) and a foreign guest architecture. */
export interface SetupPlan {
  readonly runtimes: readonly RuntimeDescriptor[];
  readonly foreign?: ArchName;
}

/**
 * The runtimes setup prepares: those named, and those every host gets (`#setup: default` in their
 * `host-packages`: docker, native, qemu), in the table's order.
 */
export function runtimesToSetUp(table: readonly RuntimeDescriptor[], named: ReadonlySet<string>): RuntimeDescriptor[] {
  return table.filter((runtime) => named.has(runtime.name) || setUpByDefault(runtime.name));
}

/**
 * Record a daemon setup started: `$TWINBENCH_STARTED/<name>.pid`, which scripts/stop-started.sh reads; and, for callers
 * of earlier versions, the file `$TWINBENCH_<NAME>_PIDFILE` names.
 */
export function recordStarted(name: string, pid: number, env: NodeJS.ProcessEnv = process.env): void {
  const folder = env.TWINBENCH_STARTED;
  if (folder) {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `${name}.pid`), `${pid}\n`);
  }
  const legacy = env[`TWINBENCH_${name.toUpperCase()}_PIDFILE`];
  if (legacy) writeFileSync(legacy, `${pid}\n`);
}

/**
 * `bench setup`: host packages (only the missing ones, said aloud), a foreign guest architecture, then each runtime's
 * daemons (each once, in order) and host checks. Safe to run again: what is there is left as it is.
 */
export async function runSetup(plan: SetupPlan, say: (line: string) => void): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new MissingDependencyError('run as root: it installs Debian packages and starts daemons');
  const hostArch = archFromNode(process.arch);
  if (!hostArch) throw new MissingDependencyError(`unsupported host architecture ${process.arch}`);
  const foreign = plan.foreign === hostArch ? undefined : plan.foreign;
  const guestArchs: ArchName[] = foreign ? [hostArch, foreign] : [hostArch];
  const { missing, lines } = await missingPackages(plan.runtimes, guestArchs);
  for (const line of lines) say(line);
  const foreignStep = foreign ? await foreignNeeds(foreign, say) : undefined;
  await installPackages(
    [...missing, ...(foreignStep?.missing ?? [])],
    foreign ? [foreign] : [hostArch],
    foreignStep?.addedArchitecture === true,
    say,
  );
  if (foreign) await enableBinfmt(foreign, say);
  const context: SetupContext = {
    say,
    started: (name, pid) => recordStarted(name, pid),
    systemd: existsSync('/run/systemd/system'),
  };
  const daemons: DaemonSpec[] = [];
  for (const runtime of plan.runtimes)
    for (const daemon of runtime.setup?.daemons ?? [])
      if (!daemons.some((known) => known.name === daemon.name)) daemons.push(daemon);
  for (const daemon of daemons) await ensureDaemon(daemon, context);
  for (const runtime of plan.runtimes) await runtime.setup?.hostChecks?.(context);
}
