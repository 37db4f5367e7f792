// Over 300 lines on purpose: the whole command tree and its flags (commander), the one place --help comes from, and
// the only process.exit.
import { Command, CommanderError, Option } from 'commander';
import { cleanup } from '../cleanup.js';
import {
  ExitCode,
  InterruptedError,
  TwinbenchError,
  UsageError,
  describeError,
  type ExitCodeValue,
} from '../errors.js';
import { archFromNode, archNames, type ArchName } from '../host/arch.js';
import { builtInSuites } from '../config/suite.js';
import { densityRuntimeNames, visibleRuntimeNames } from '../runtimes/table.js';
import { toolVersion } from '../version.js';
import { runAll, type AllFlags } from './all.js';
import { runSetupCommand, runtimesSetUpByDefault } from './setup.js';
import { runCalibrate } from './calibrate.js';
import { runCheck } from './check.js';
import { runCompare } from './compare.js';
import { reportFormats, runReport } from './report.js';
import { runClean } from './clean.js';
import { runDensity } from './density.js';
import { runDoctor } from './doctor.js';
import { runHistory } from './history.js';
import { buildImageSet } from '../images/image-flags.js';
import { processIo, type CommandIo } from './io.js';

const exitCodesHelp = `
Exit codes:
  0    success
  1    bench check: a gating figure regressed, or the current run cannot be trusted (errored trials, missing figures)
  2    bad input (flags, suite, workload manifest, result files)
  3    a host dependency is missing or unreachable (see \`bench doctor\`)
  4    the run finished but some trials errored
  5    building the images failed
  6    a result could not be written
  7    bench check: inconclusive (a gating figure neither regressed nor shown unchanged: more baseline runs or a confirming run would decide)
  70   internal error (a bug in twinbench)
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)`;

/** A repeatable flag's values, in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Flags shared by `all` and `calibrate`. */
function addRunOptions(command: Command): Command {
  return command
    .option('--suite <name|file>', 'built-in suite (default, quick) or a suite JSON file', 'default')
    .option(
      '--runtimes <list>',
      `comma-separated runtimes: ${visibleRuntimeNames().join(', ')} (default suite: ${builtInSuites.default.runtimes.join(', ')})`,
    )
    .option('--workloads <list>', 'comma-separated workloads (folders of workloads/)')
    .option('--reps <n>', 'repetitions per runtime x workload (each one a fresh boot; default suite: 10)')
    .option(
      '--target-ci <pct>',
      "add interleaved repetitions until every key figure's 95% median interval is within +-pct of its median, e.g. 5%; why each stopped is recorded",
    )
    .option(
      '--min-reps <n>',
      'with --target-ci: repetitions before the intervals are looked at (default 6, the fewest with a 95% interval)',
    )
    .option('--max-reps <n>', 'with --target-ci: most repetitions per runtime x workload (default 30)')
    .option('--vcpus <n>', 'vCPUs of the VM = CPU quota of every runtime')
    .option(
      '--cpuset <cpus>',
      'pin every guest to these host CPUs, e.g. 0-1 (container cpuset; QEMU and native CPU affinity); recorded',
    )
    .option('--memory <MiB>', 'RAM of the VM = memory limit of every runtime (VMs get 256 MiB more for QEMU itself)')
    .option(
      '--container-net <path>',
      'how the host reaches a container: bridge (its own address, no NAT; default), published (port on the bridge gateway, DNAT), host (host network)',
    )
    .option(
      '--interval <ms>',
      'sampler interval in milliseconds (0: sampler-off control, only the ready, exit and end rows)',
    )
    .option('--ready-timeout <s>', 'seconds a guest may take to print READY')
    .option(
      '--warmup <n>',
      "warm-up trials per runtime before each workload's measured ones, recorded apart and never in statistics (default 1)",
    )
    .option(
      '--seed <n>',
      "seed of the runtimes' random order within each repetition (default: a random one, recorded in the result)",
    )
    .addOption(
      new Option('--accel <mode>', 'VM accelerator: auto probes KVM with a test boot').choices(['auto', 'kvm', 'tcg']),
    )
    .option('--arch <arch>', "guest architecture, amd64 or arm64 (default: the host's; a foreign one runs emulated)")
    .option('--kernel <file>', "boot VMs with this kernel instead of Debian's cloud kernel")
    .option('--initrd <file>', 'boot VMs with this initramfs instead of the built one')
    .option('--mirror <url>', 'Debian mirror for debootstrap (default: the host apt mirror)')
    .option('--out <dir>', 'folder for the result files', 'results');
}

/** `bench all --image`: the user's own image as the workload, ready and loaded from the host. */
function addImageOptions(command: Command): Command {
  return command
    .option(
      '--image <ref|file>',
      'run this image instead of the built-in workloads: a local Docker image, or a `docker save` / OCI layout archive (as container, VM and native)',
    )
    .option(
      '--ready-port <n>',
      'with --image: ready when a TCP connect from the host to this port succeeds (default: the one port the image EXPOSEs)',
    )
    .option('--ready-http <path>', 'with --image: ready when GET PATH on the port answers 2xx')
    .option('--ready-log <regex>', 'with --image: ready when a line of its output (console, stdout, stderr) matches')
    .option(
      '--load-duration <s>',
      'with --image: seconds of HTTP load from the host with wrk after READY (0: none; default 10)',
    )
    .option('--load-connections <n>', 'with --image: wrk connections (default 16)')
    .option('--load-path <path>', 'with --image: URL path the load requests (default: --ready-http or /)')
    .option(
      '--load-cmd <command>',
      'with --image: your own load client instead of wrk, run by sh with {host} and {port} filled in; its last line is JSON with requests_per_s, latency_p50_ms, latency_p99_ms',
    );
}

/** `all --suite x …` after `bench setup --`: the run's flags as `bench all` (or `calibrate`) parses them. */
function parseRunLine(words: readonly string[]): { run?: AllFlags } {
  const [command, ...args] = words;
  if (command === undefined) return {};
  if (command !== 'all' && command !== 'calibrate')
    throw new UsageError(`bench setup -- takes a bench all or calibrate command line, got '${command}'`);
  const parser = addImageOptions(addRunOptions(new Command(command)))
    .option('--runs <n>')
    .option('--thresholds-out <file>')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  try {
    parser.parse([...args], { from: 'user' });
  } catch (error) {
    throw new UsageError(`bench setup -- ${command}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { run: parser.opts<AllFlags>() };
}

/** Build the command tree; each action returns an exit code, errors surface in `main`. */
export function buildProgram(io: CommandIo, setExit: (code: ExitCodeValue) => void): Command {
  const program = new Command('bench')
    .description('twinbench: measure what running a workload in a container costs compared with a VM, on this host')
    .version(toolVersion)
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', exitCodesHelp);

  addImageOptions(
    addRunOptions(
      program
        .command('all')
        .description(
          'build the images if missing, run the suite natively, in Docker and in QEMU, write result JSON + Markdown',
        ),
    ),
  ).action(async (flags) => setExit(await runAll(flags, io)));

  program
    .command('report')
    .description(
      'render result files: Markdown (with Claims), self-contained HTML with charts, CSV, JSON, github-action-benchmark',
    )
    .argument('<files...>', 'result JSON files')
    .addOption(new Option('--format <format>', 'output format').choices([...reportFormats]).default('md'))
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (files: string[], flags) => setExit(await runReport(files, flags, io)));

  program
    .command('compare')
    .description(
      'put 2 or more result files side by side: host dimensions, figures, ratios between runtimes; beyond 6 files (or --layout fleet) one row per host, grouped by architecture and host fingerprint, with ratios to native',
    )
    .argument('<files...>', 'result JSON files')
    .addOption(
      new Option(
        '--layout <layout>',
        'columns: a column per file; fleet: a row per host, grouped; auto: fleet beyond 6 files',
      )
        .choices(['auto', 'columns', 'fleet'])
        .default('auto'),
    )
    .action(async (files: string[], flags: { layout?: string }) => setExit(await runCompare(files, flags, io)));

  program
    .command('history')
    .description(
      'a self-contained HTML dashboard of many result files over time, per host and figure (median and 95% interval per run, change points over all runs: E-divisive candidates confirmed by t-tests at alpha and the threshold), and a Markdown summary of what moved',
    )
    .argument('<paths...>', 'folders (searched for result JSON files) or result files')
    .option('--out <file>', 'the HTML page', 'history.html')
    .option('--summary <file>', 'also write the Markdown summary (printed to stdout either way)')
    .option('--alpha <p>', 'significance level of the change points (default 0.01)')
    .option(
      '--threshold <pct>',
      'one threshold for every figure, as bench check (default: 10% for boot and CPU time, 5% otherwise)',
    )
    .action(async (paths: string[], flags) => setExit(await runHistory(paths, flags, io)));

  program
    .command('check')
    .description(
      "CI gate against the host's history: each figure's current run median against the earlier runs' medians (run-to-run noise modelled, Student's t, Holm over the gating figures); exit 1 regressed or a broken run, 7 inconclusive, 0 unchanged, 2 bad input",
    )
    .argument(
      '<current...>',
      'the new result file, and optionally a confirming run of the same software (decided on both)',
    )
    .requiredOption(
      '--baseline <file|dir>',
      'earlier results of this host: files, or folders searched for them (repeat the flag for more); 2 runs at least for any verdict but inconclusive',
      collect,
    )
    .option(
      '--threshold <pct>',
      'one threshold for every metric, e.g. 5% (default: 10% for boot and CPU time, 5% otherwise)',
    )
    .option('--thresholds <file>', 'per-metric thresholds and run-to-run noise written by `bench calibrate`')
    .option(
      '--cross-host',
      'allow results from different hosts: compares VM/container ratios instead of absolute figures',
    )
    .option('--alpha <p>', 'family-wise significance level over the gating figures (default 0.01)')
    .option(
      '--allow-errored',
      'do not fail on errored/aborted trials, an interrupted run or missing figures (said in the summary)',
    )
    .option('--allow-underpowered', 'do not exit 7 on inconclusive gating figures (said in the summary as waived)')
    .option('--junit <file>', 'JUnit XML output (default: check.junit.xml beside CURRENT)')
    .option(
      '--summary <file>',
      'Markdown summary output (default: check.md beside CURRENT; also appended to $GITHUB_STEP_SUMMARY)',
    )
    .action(async (current: string[], flags) => setExit(await runCheck(current, flags, io)));

  const calibrate = program
    .command('calibrate')
    .description(
      "run the suite N times (A/A), refuse runs with failed trials, measure each figure's run-to-run and within-run noise, and write it with per-figure thresholds for bench check --thresholds; each run is checked against the others as the gate would",
    )
    .option('--runs <n>', 'A/A runs (3 to 100)', '5')
    .option('--thresholds-out <file>', 'where to write the thresholds and the noise', 'results/thresholds.json');
  addRunOptions(calibrate).action(async (flags) => setExit(await runCalibrate(flags, io)));

  program
    .command('density')
    .description(
      'start 1, 2, 4, … N idle guests at once: time until all READY, starts per second, host memory per guest',
    )
    .addOption(
      new Option('--runtime <runtime>', densityRuntimeNames().join(' or '))
        .choices(densityRuntimeNames())
        .makeOptionMandatory(),
    )
    .requiredOption(
      '--count <n>',
      'largest number of guests started at once (refused if their memory limits could exhaust the host)',
    )
    .option('--memory <MiB>', 'VM RAM = container memory limit', '256')
    .option('--vcpus <n>', 'vCPUs = container CPU quota', '1')
    .option('--hold <s>', 'seconds each guest stays up after READY', '3')
    .option('--out <dir>', 'folder for the result files', 'results')
    .action(async (flags) => setExit(await runDensity(flags, io)));

  program
    .command('setup')
    .description(
      `install the host packages the runtimes need and start their daemons (run as root; scripts/setup.sh first installs Node.js and builds, then calls it). Every host gets ${runtimesSetUpByDefault().join(', ')}'s; after --, a bench all or calibrate command line: the runtimes and guest architecture that run would use (its suite file included)`,
    )
    .option(
      '--runtimes <list>',
      'also prepare these runtimes (comma-separated, repeatable; all: every runtime with host packages)',
      collect,
    )
    .addOption(
      new Option(
        '--arch <arch>',
        'also prepare a foreign guest architecture (emulated: qemu-user, binfmt_misc)',
      ).choices([...archNames]),
    )
    .argument('[run...]', 'after --: `all` or `calibrate` and its flags, e.g. -- all --suite my-suite.json')
    .action(async (run: string[], flags: { runtimes?: string[]; arch?: string }) =>
      setExit(
        await runSetupCommand(
          {
            ...(flags.arch === undefined ? {} : { arch: flags.arch }),
            ...(flags.runtimes ? { runtimes: flags.runtimes.join(',') } : {}),
            ...parseRunLine(run),
          },
          io,
        ),
      ),
    );

  program
    .command('doctor')
    .description('check the Docker engine, QEMU, KVM (test boot), cgroups, build tools and cache disk')
    .option('--json', 'print the checks as JSON')
    .action(async (flags) => setExit(await runDoctor(flags, io)));

  const images = program.command('images').description('manage the shared rootfs images');
  images
    .command('build')
    .description('build (or find in the cache) the rootfs, its Docker image tar, VM disk, kernel and initramfs')
    .option('--rebuild', 'rebuild even when the cache matches')
    .option('--mirror <url>', 'Debian mirror for debootstrap (default: the host apt mirror)')
    .addOption(new Option('--arch <arch>', "guest architecture (default: the host's)").choices([...archNames]))
    .action(async (flags: { arch?: ArchName; rebuild?: boolean; mirror?: string }) => {
      const arch = flags.arch ?? archFromNode(process.arch);
      if (!arch) throw new TwinbenchError(`unsupported host architecture ${process.arch}`, ExitCode.missingDependency);
      const set = await buildImageSet(flags, arch, io);
      io.out(JSON.stringify(set, null, 2));
      setExit(ExitCode.ok);
    });

  program
    .command('clean')
    .description(
      'remove what killed runs left behind: containers, VMs, cgroups, taps and bridges, overlays, scratch files, state files',
    )
    .option('--images', 'also remove the image cache and the imported Docker images')
    .action(async (flags) => setExit(await runClean(flags, io)));
  return program;
}

/** Entry point: the only place that calls process.exit. */
export async function main(argv: string[]): Promise<void> {
  const controller = new AbortController();
  const io = processIo(controller.signal);
  let signals = 0;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    signals++;
    if (signals === 1) {
      io.log(`\n${signal}: stopping; removing what this run started and writing the results measured so far…`);
      controller.abort(new InterruptedError(signal));
    } else {
      io.log(`${signal} again: still cleaning up (${cleanup.pending().length} left); please wait`);
    }
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // A reader that went away (`| head`) must not crash a run that has guests to clean up.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const crash = (error: unknown) => {
    io.log(`bench: internal error: ${describeError(error)}`);
    void cleanup.runAll().finally(() => process.exit(ExitCode.internal));
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  let exitCode: ExitCodeValue = ExitCode.ok;
  try {
    await buildProgram(io, (code) => (exitCode = code)).parseAsync(argv);
  } catch (error) {
    exitCode = reportError(error, io, controller.signal);
  }
  const failures = await cleanup.runAll();
  for (const failure of failures) io.warn(`cleanup: ${failure}`);
  process.exit(exitCode);
}

function reportError(error: unknown, io: CommandIo, signal: AbortSignal): ExitCodeValue {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0)
      return ExitCode.ok;
    return ExitCode.usage;
  }
  if (signal.aborted && signal.reason instanceof InterruptedError) {
    io.log(`bench: ${signal.reason.message}`);
    return signal.reason.exitCode;
  }
  if (error instanceof TwinbenchError) {
    io.log(`bench: ${describeError(error)}`);
    return error.exitCode;
  }
  io.log(`bench: internal error: ${describeError(error)}`);
  if (process.env.TWINBENCH_DEBUG) io.log(error instanceof Error ? (error.stack ?? '') : String(error));
  else io.log('bench: rerun with TWINBENCH_DEBUG=1 for a stack trace, and please report it');
  return ExitCode.internal;
}
