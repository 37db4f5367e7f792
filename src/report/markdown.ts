import { aggregate, type GroupSummary } from '../results/aggregate.js';
import type { ResultFile } from '../results/types.js';
import { runtimeFacts } from '../results/runtime-facts.js';
import { usedByWorkloads } from '../results/workload-uses.js';
import { renderClaims } from './claims.js';
import { fingerprintDimensions } from '../host/fingerprint.js';
import { median } from '../results/stats.js';
import { costFactors, findCost, type CostFactor } from './cost.js';
import { kindOf, labelOf, runtimesOf, shown } from './kinds.js';
import { footprintTable } from './footprint.js';
import { energyLine, energyTable } from './energy.js';
import { describeLoad, describeReadiness } from '../config/image-workload.js';
import { ratioPairs } from './ratios.js';
import {
  cell,
  formatInterval,
  formatMiB,
  formatNumber,
  formatStats,
  intervalLegend,
  literal,
  markdownTable,
} from './format.js';

function emulationWarning(result: ResultFile): string[] {
  const emulated = runtimesOf(result).flatMap((name) => {
    const record = result.runtimes[name];
    return record?.emulated ? [[name, record] as const] : [];
  });
  return emulated.map(([name, record]) =>
    record.kind !== 'vm'
      ? `> **Warning:** ${shown(result, name)} figures measure **emulation**: the ${result.config.arch} guest ran under qemu-user on a ${result.host.arch} host. Do not read them as native figures.`
      : `> **Warning:** ${shown(result, name)} figures on this host measure **emulation, not virtualization** ` +
        `(accelerator: ${literal(String(record?.info.accelerator ?? 'emulated'))}; ${literal(String(record?.info.acceleratorReason ?? ''))}). ` +
        'Do not read them as the cost of a VM.',
  );
}

function bootTable(result: ResultFile, groups: GroupSummary[]): string[] {
  const lines = ['## Boot: create/spawn → READY (host clock, ms)', '', intervalLegend, ''];
  const rows = groups.map((group) => {
    const phases = group.phases.map((phase) => `${phase.name} ${formatNumber(phase.stats.median)}`).join(', ');
    const uptime = group.guestUptimeAtReadyMs
      ? formatStats(group.guestUptimeAtReadyMs)
      : kindOf(result, group.runtime) === 'vm'
        ? 'n/a (READY seen from the host)'
        : 'n/a (shares host kernel)';
    return [shown(result, group.runtime), group.workload, formatStats(group.bootToReadyMs), cell(phases), uptime];
  });
  return [
    ...lines,
    ...markdownTable(['runtime', 'workload', 'boot → READY', 'phases (median ms)', 'guest uptime at READY'], rows),
  ];
}

/** Boot figures only some runtimes have (Vagrant's own time around the VM's boot): medians, each with what it measures. */
function runtimeFigureLines(result: ResultFile): string[] {
  const lines: string[] = [];
  for (const runtime of runtimesOf(result)) {
    const boots = result.trials.flatMap((t) =>
      t.state === 'completed' && t.runtime === runtime && t.boot.runtimeFigures ? [t.boot.runtimeFigures] : [],
    );
    const names = [...new Set(boots.flatMap((figures) => Object.keys(figures)))];
    for (const name of names) {
      const values = boots.flatMap((figures) =>
        figures[name] && Number.isFinite(figures[name].value) ? [figures[name].value] : [],
      );
      const first = boots.find((figures) => figures[name])?.[name];
      if (!first || values.length === 0) continue;
      lines.push(
        `- ${shown(result, runtime)}, ${name}: ${formatNumber(median(values))} ${first.unit} (median of ${values.length}): ${literal(first.description)}.`,
      );
    }
  }
  return lines.length ? ['Figures of one runtime only (host clock):', '', ...lines, ''] : [];
}

/** `1.25× [1.20, 1.31]`: a cost factor with its interval, or why there is none. */
function costCell(factor: CostFactor | undefined): string {
  if (!factor) return 'n/a';
  return `${formatNumber(factor.stats.median)}× ${formatInterval(factor.stats.ci95)}`;
}

function workloadTable(result: ResultFile, groups: GroupSummary[], costs: readonly CostFactor[]): string[] {
  const rows: string[][] = [];
  const workloads = [...new Set(groups.map((group) => group.workload))];
  const runtimes = runtimesOf(result).filter((runtime) => groups.some((group) => group.runtime === runtime));
  const pairs = ratioPairs(result).filter((pair) => runtimes.includes(pair.top) && runtimes.includes(pair.bottom));
  for (const workload of workloads) {
    const columns = runtimes.map((runtime) => groups.find((g) => g.workload === workload && g.runtime === runtime));
    const names = [...new Set(columns.flatMap((g) => g?.metrics ?? []).map((m) => m.name))];
    for (const name of names) {
      const figures = columns.map((group) => group?.metrics.find((m) => m.name === name));
      const any = figures.find((figure) => figure !== undefined);
      const values = figures.map((figure, index) =>
        figure ? formatStats(figure.stats) : columns[index] ? formatStats(undefined) : 'not run',
      );
      const cost = pairs.map((pair) => costCell(findCost(costs, pair.top, pair.bottom, workload, name)));
      rows.push([workload, `${name} (${any?.unit ?? ''}, ${any?.direction ?? ''} is better)`, ...values, ...cost]);
    }
  }
  if (rows.length === 0) return [];
  const headers = [
    ...runtimes.map((runtime) => shown(result, runtime)),
    ...pairs.map((pair) => `${labelOf(result, pair.top)} vs ${labelOf(result, pair.bottom)}`),
  ];
  return [
    '## Workload results',
    '',
    intervalLegend,
    'Cost columns: how many times what the reference pays, from per-repetition ratios (the runtimes ran side by side), oriented so that above 1 always means **costs more** (a throughput ratio is inverted: 0.8× the throughput costs 1.25×); median [95 % interval].',
    '',
    ...markdownTable(['workload', 'metric', ...headers], rows),
  ];
}

/** Under `--target-ci`: how many repetitions each runtime × workload ran, and why it stopped there. */
function repetitionLines(result: ResultFile): string[] {
  const policy = result.config.repetitionPolicy;
  if (!policy || !result.repetitions) return [];
  const width = (value: number | null) => (value === null ? 'no interval' : `±${(value * 100).toFixed(1)} %`);
  return [
    `## Repetitions (--target-ci ±${(policy.targetCi * 100).toFixed(1)} %, ${policy.minReps} to ${policy.maxReps})`,
    '',
    ...markdownTable(
      ['runtime', 'workload', 'repetitions', 'stopped because', 'key figures: half-width of the 95 % interval'],
      result.repetitions.map((r) => [
        shown(result, r.runtime),
        r.workload,
        String(r.reps),
        r.stop,
        cell(
          Object.entries(r.halfWidths)
            .map(([name, value]) => `${name} ${width(value)}`)
            .join(', ') || 'none',
        ),
      ]),
    ),
    '',
  ];
}

function failures(result: ResultFile): string[] {
  const failed = result.trials.filter((trial) => trial.state !== 'completed');
  if (failed.length === 0) return [];
  return [
    '## Trials that did not complete',
    '',
    ...failed.map(
      (trial) =>
        `- ${literal(trial.trialId)} ${trial.state}: ${literal(trial.state === 'errored' ? trial.error : trial.state === 'aborted' ? trial.reason : '')}`,
    ),
  ];
}

/** The resource envelope of each runtime, and where it is not the same. */
function envelopeLines(result: ResultFile): string[] {
  const lines = runtimesOf(result).flatMap((runtime) => {
    const envelope = result.runtimes[runtime]?.envelope;
    return envelope ? [`- Envelope, ${shown(result, runtime)}: ${literal(envelope.how)}.`] : [];
  });
  return lines.length ? ['', ...lines] : [];
}

/** How each runtime reached the network and the scratch disk, when a workload used them (dimensions that change the answer). */
function pathLines(result: ResultFile): string[] {
  const lines: string[] = [];
  for (const [key, field] of [
    ['network', 'networkPath'],
    ['scratch', 'scratch'],
  ] as const) {
    if (!usedByWorkloads(result, key)) continue;
    for (const runtime of runtimesOf(result)) {
      const value = result.runtimes[runtime]?.info[field];
      if (value !== undefined)
        lines.push(
          `- ${key === 'network' ? 'Network path' : 'Scratch disk'}, ${shown(result, runtime)}: ${literal(String(value))}.`,
        );
    }
  }
  return lines.length ? ['', ...lines] : [];
}

/** The host settings that move figures, and how busy the host was around the trials. */
function fingerprintLines(result: ResultFile): string[] {
  const lines: string[] = [];
  const fingerprint = result.host.fingerprint;
  if (fingerprint) {
    const dims = fingerprintDimensions(fingerprint);
    lines.push(
      `Host settings: CPU governor ${dims['CPU governor']}, boost ${dims.boost}, SMT ${dims.SMT}, THP ${dims.THP}, swap ${dims.swap}, mitigations ${dims.mitigations}; twinbench ${dims.twinbench}.`,
    );
  }
  // Said once for the run, not per row: what every energy figure rests on, or why there is none.
  lines.push(...energyLine(result));
  const loads = result.trials.flatMap((trial) => (trial.hostLoad ? [trial.hostLoad] : []));
  if (loads.length) {
    const after = loads.map((load) => load.loadAfter);
    const steal = loads.reduce((sum, load) => sum + (load.stealSeconds ?? 0), 0);
    const harness = loads.flatMap((load) => (load.harnessCpuSeconds === undefined ? [] : [load.harnessCpuSeconds]));
    const sampler = result.trials.flatMap((trial) =>
      trial.state === 'completed' && trial.series.sampleCpuMicros ? [trial.series.sampleCpuMicros.mean] : [],
    );
    lines.push(
      `Host load around the trials: 1-minute load average after each trial median ${formatNumber(median(after))} (max ${formatNumber(Math.max(...after))}); CPU time stolen by the hypervisor during trials ${formatNumber(steal)} s in all.` +
        (harness.length ? ` twinbench's own CPU per trial: median ${formatNumber(median(harness))} s` : '') +
        (sampler.length
          ? `; CPU while a sampler row was taken ${formatNumber(median(sampler))} µs (median over trials; an upper bound of the sampler's cost, helper threads count too).`
          : harness.length
            ? '.'
            : ''),
    );
  }
  return lines;
}

/** What a runtime's record says that moves its figures (engine, OCI runtime, accelerator, machine…), in one line. */
function runtimeLine(result: ResultFile, runtime: string): string[] {
  const said = runtimeFacts(result, runtime).map((fact) => `${fact.name} ${literal(fact.value)}`);
  return said.length ? [`${shown(result, runtime)}: ${said.join(', ')}.`] : [];
}

/** What every runtime ran: the shared rootfs, or the user's image (`--image`) and how it was started. */
function rootfsLines(result: ResultFile): string[] {
  const image = result.images.userImage;
  const digest = `sha256 \`${result.images.rootfsDigest.slice(0, 16)}…\``;
  if (!image) return [`Every runtime from one rootfs: ${digest}.`];
  const argv = [...image.entrypoint, ...image.cmd].map((word) => JSON.stringify(word)).join(' ');
  return [
    `Every runtime ran the user's image ${literal(image.reference)} (${image.source}, ${literal(image.imageId.slice(0, 19))}…, ${literal(image.architecture)}), ` +
      `flattened to ${formatMiB(image.rootfsBytes)} (${digest}): ${literal(argv)} as uid ${image.uid}, gid ${image.gid}, in ${literal(image.workingDir)}, with the image's env only.`,
    `READY: ${image.readiness ? describeReadiness(image.readiness) : 'not recorded'}; load: ${image.load ? describeLoad(image.load) : 'not recorded'}.`,
    `Its conversion to a VM disk: ${image.conversion.cached ? `cached (first conversion ${image.conversion.firstConversionSeconds} s)` : `${image.conversion.firstConversionSeconds} s, this run`}.`,
  ];
}

/** The Markdown summary written beside the result JSON and printed by `bench all`. */
export function renderMarkdown(result: ResultFile): string {
  const groups = aggregate(result);
  const energy = energyTable(result);
  const host = result.host;
  const lines = [
    `# twinbench ${result.runId}`,
    '',
    ...emulationWarning(result),
    ...(emulationWarning(result).length ? [''] : []),
    `Host ${literal(host.hostname)}: ${literal(host.cpu.brand)} (${host.cpu.cores} CPUs), ${formatMiB(host.memoryBytes)}, ${literal(`${host.os.distro} ${host.os.release}`)}, kernel ${literal(host.os.kernel)}, ${host.arch}, cgroup ${host.cgroupMode}, KSM ${literal(host.ksm)}${host.isVirtualMachine ? ', itself a VM (nested)' : ''}.`,
    ...fingerprintLines(result),
    `Suite **${result.config.name}**: ${result.config.vcpus} vCPU = CPU quota, ${result.config.memoryMiB} MiB = memory limit of every runtime's trial cgroup (see the envelope lines), ${result.config.cpuset ? `every guest pinned to host CPU(s) ${result.config.cpuset}` : 'not pinned to host CPUs'}, ${result.config.sampleIntervalMs > 0 ? `sampled every ${result.config.sampleIntervalMs} ms` : '**sampler off** (control run: only the ready, exit and end rows)'}, ${result.config.warmup} warm-up trial(s) per runtime before each workload (not in any figure), ${result.config.orderSeed === undefined ? 'runtimes in the listed order' : `runtimes in a random order per repetition (seed ${result.config.orderSeed})`}. Status: ${result.status}.`,
    ...runtimesOf(result).flatMap((runtime) => runtimeLine(result, runtime)),
    ...rootfsLines(result),
    ...pathLines(result),
    ...envelopeLines(result),
    '',
    ...bootTable(result, groups),
    '',
    ...runtimeFigureLines(result),
    ...workloadTable(result, groups, costFactors(result)),
    '',
    ...footprintTable(result, groups),
    '',
    ...energy,
    ...(energy.length ? [''] : []),
    ...renderClaims(result),
    '',
    ...repetitionLines(result),
    ...failures(result),
    ...(result.notes.length ? ['', '## Notes', '', ...result.notes.map((note) => `- ${literal(note)}`)] : []),
    '',
  ];
  return lines.join('\n');
}
