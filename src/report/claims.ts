// Over 300 lines on purpose: every claim the seed article makes, judged in one place by the same interval and
// equivalence rules, so that a reader sees each rule once.
import type { ResultFile } from '../results/types.js';
import { describe, medianInterval, type Stats } from '../results/stats.js';
import { findNeeded, type CostFactor, type FigureNeed } from './cost.js';
import { figuresOf, restingWorkloads } from '../results/figures.js';
import { kindOf, referenceOf, vmEmulated } from './kinds.js';
import { formatInterval, formatNumber, markdownTable } from './format.js';
import { energyMissing } from './energy.js';

/** A common container-vs-VM claim judged on this host. */
export interface Claim {
  claim: string;
  verdict: 'supported' | 'contradicted' | 'inconclusive' | 'not measured' | 'not measurable on this host';
  /** The numbers behind the verdict, or why there is none. */
  evidence: string;
}

const claims = {
  start: 'Containers start faster than VMs',
  memory: 'Containers use less memory per instance',
  cpu: 'Containers run CPU work at native speed and VMs close to it',
  io: 'VMs pay more on I/O than containers',
  memoryAccess: 'VMs pay more on memory access than containers (random access beyond the caches)',
  kernel: 'VMs pay more on kernel work than containers (process creation, page faults)',
  network: 'Containers reach native network throughput only without NAT',
  energy: 'VMs cost more energy per request than containers',
  density: 'More containers than VMs fit on one host',
};

/** `1.25× [1.20, 1.31] (95 %, n=10)`: a cost factor as evidence. */
function costText(label: string, stats: Stats): string {
  return `${label} ${formatNumber(stats.median)}× ${formatInterval(stats.ci95)} (95 %, n=${stats.n})`;
}

/** "The VM costs more": supported when the cost factor's whole 95 % interval is above 1, contradicted when below. */
function judgeCostsMore(claim: string, stats: Stats | undefined, label: string, what: string): Claim {
  if (!stats)
    return { claim, verdict: 'not measured', evidence: `this run has no repetition of both runtimes for ${what}` };
  const evidence = `${costText(label, stats)}, ${what}; above 1 = the VM pays more`;
  if (!stats.ci95)
    return {
      claim,
      verdict: 'inconclusive',
      evidence: `${evidence}; ${stats.n} repetitions allow no 95 % interval (6 do)`,
    };
  if (stats.ci95.low > 1) return { claim, verdict: 'supported', evidence };
  if (stats.ci95.high < 1) return { claim, verdict: 'contradicted', evidence };
  return { claim, verdict: 'inconclusive', evidence };
}

/**
 * Equivalence within ±margin (two one-sided tests at 5 %): equivalent when the 90 % interval of the
 * median cost factor lies inside [1 − margin, 1 + margin]; different when the 95 % interval lies
 * wholly outside it; undecided otherwise, or with too few repetitions for either interval.
 */
export function equivalence(values: readonly number[], margin: number): 'equivalent' | 'different' | 'undecided' {
  const tost = medianInterval(values, 0.9);
  if (tost && tost.low >= 1 - margin && tost.high <= 1 + margin) return 'equivalent';
  const ci = medianInterval(values, 0.95);
  if (ci && (ci.low > 1 + margin || ci.high < 1 - margin)) return 'different';
  return 'undecided';
}

/**
 * The figures claims judge, by source: the tool and field that measure them, whatever the workload that ran them is
 * called (test/unit/report/claims.test.ts checks that a workload's manifest still declares each).
 */
export const claimSources = {
  cpu: 'guest.sysbench.cpu.events_per_s',
  ioLatency: 'guest.fio.randread-4k.read.clat_ns.p50',
  randomWrites: 'guest.sysbench.memory.write.rnd',
  reads: 'guest.sysbench.memory.read',
  processes: 'guest.stress-ng.exec.bogo_ops_per_s',
  pageFaults: 'guest.stress-ng.fault.minor_page_faults_per_s',
  network: 'host.iperf3.rx.sum_received.bits_per_second',
  setRequests: 'host.redis-benchmark.SET.rps',
  getRequests: 'host.redis-benchmark.GET.rps',
} as const;

/** The energy figure of a throughput figure's source: joules per operation above the idle draw (results/energy.ts). */
const perOperation = (source: string) => `host.energy.marginal.per.${source}`;

/** Containers within ±5 % of native CPU speed, VMs within ±10 %: equivalence tests on the CPU figure's cost factors. */
function judgeCpu(result: ResultFile, vmEmulated: boolean): Claim {
  const need = { source: claimSources.cpu };
  const [baseline, containerName, vmName] = [
    referenceOf(result, 'native') ?? '',
    referenceOf(result, 'container') ?? '',
    referenceOf(result, 'vm') ?? '',
  ];
  const container = findNeeded(result, containerName, baseline, need)?.stats;
  const vm = findNeeded(result, vmName, baseline, need)?.stats;
  if (!container)
    return {
      claim: claims.cpu,
      verdict: 'not measured',
      evidence: 'needs the cpu workload in both the native baseline and a container (add native to --runtimes)',
    };
  const containerText = costText('container vs native', container);
  if (vmEmulated || !vm) {
    return {
      claim: claims.cpu,
      verdict: 'not measurable on this host',
      evidence: `${containerText}; the VM half ${vmEmulated ? 'ran under TCG emulation' : 'was not run'}`,
    };
  }
  const values = (top: string) => findNeeded(result, top, baseline, need)?.values ?? [];
  const [c, v] = [equivalence(values(containerName), 0.05), equivalence(values(vmName), 0.1)];
  const evidence = `${containerText}: ${c} to native within ±5 %; ${costText('VM vs native', vm)}: ${v} within ±10 % (equivalence: 90 % interval inside the margin)`;
  if (c === 'equivalent' && v === 'equivalent') return { claim: claims.cpu, verdict: 'supported', evidence };
  if (c === 'different' || v === 'different') return { claim: claims.cpu, verdict: 'contradicted', evidence };
  return { claim: claims.cpu, verdict: 'inconclusive', evidence };
}

/**
 * Network: the container's throughput over the run's path (`--container-net`) against native
 * loopback. One run measures one path: behind NAT (`published`), a cost equivalent to native
 * contradicts the claim; without NAT (`bridge`, `host`), the figure says what the container costs
 * without it, and the NAT half needs a second run.
 */
function judgeNetwork(result: ResultFile): Claim {
  const factor = findNeeded(result, referenceOf(result, 'container') ?? '', referenceOf(result, 'native') ?? '', {
    source: claimSources.network,
  });
  if (!factor)
    return {
      claim: claims.network,
      verdict: 'not measured',
      evidence: 'needs the network workload in both the native baseline and a container',
    };
  // Files from before --container-net published ports.
  const path = result.config.containerNetwork ?? 'published';
  const label = {
    bridge: "veth and bridge, at the container's own address, no NAT",
    published: 'veth, bridge and a published port (DNAT)',
    host: 'host network, no veth, no NAT',
  }[path];
  const evidence = `iperf3 host→guest, ${costText(`container (${label}) vs native (loopback)`, factor.stats)}`;
  if (path === 'published') {
    const verdict = equivalence(factor.values, 0.05);
    if (verdict === 'equivalent')
      return {
        claim: claims.network,
        verdict: 'contradicted',
        evidence: `${evidence}; behind NAT it is equivalent to native within ±5 %`,
      };
    const more = verdict === 'different' ? '; behind NAT it costs more than native, as claimed' : '';
    return {
      claim: claims.network,
      verdict: 'inconclusive',
      evidence: `${evidence}${more}; a run with --container-net bridge measures the path without NAT`,
    };
  }
  return {
    claim: claims.network,
    verdict: 'inconclusive',
    evidence: `${evidence}; the NAT path was not measured in this run (--container-net published measures it)`,
  };
}

/**
 * Per repetition, what the host pays for a resting guest (the workload with no figure of its own; MiB): the memory
 * model's peak (the cgroup's whole charge, page cache and kernel memory included, + the shim); files from before
 * the model, the guest processes' PSS + the shim's.
 */
function hostPaysByRep(result: ResultFile, runtime: string | undefined): Map<number, number> {
  const figures = figuresOf(result).shown;
  const workload = restingWorkloads(figures.values())[0];
  const figure = (metric: string) => figures.get(`${runtime}/${workload}/${metric}`);
  const byRep = (metric: string) => {
    const found = figure(metric);
    return new Map(found?.reps.map((rep, index) => [rep, found.values[index]! / 2 ** 20]));
  };
  // One definition per file: where the model was measured, repetitions without its peak are left out.
  if (figure('memory.host_pays_bytes.peak')) return byRep('memory.host_pays_bytes.peak');
  const container = runtime !== undefined && kindOf(result, runtime) === 'container';
  const [guest, shim] = [byRep('guest.pss_bytes.peak'), byRep('shim.pss_bytes.peak')];
  const paid = new Map<number, number>();
  for (const [rep, pss] of guest) {
    // A container trial without its own shim figure is left out, not paired with another's.
    if (container && !shim.has(rep)) continue;
    paid.set(rep, pss + (shim.get(rep) ?? 0));
  }
  return paid;
}

/** VM / container memory the host pays, paired by repetition (the two ran side by side). */
function memoryCost(result: ResultFile): Stats | undefined {
  const vm = hostPaysByRep(result, referenceOf(result, 'vm'));
  const container = hostPaysByRep(result, referenceOf(result, 'container'));
  const ratios = [...vm].flatMap(([rep, paid]) => {
    const other = container.get(rep);
    return other ? [paid / other] : [];
  });
  return describe(ratios);
}

/**
 * "VMs pay more on X": each figure's VM-vs-container cost factor judged as `judgeCostsMore` does; supported when
 * every figure supports it, contradicted when one contradicts it, inconclusive otherwise. Not judged under TCG,
 * whose emulation is on every memory access and every trap.
 */
function judgeVmPays(
  claim: string,
  figures: readonly (readonly [source: string, what: string])[],
  vmVsContainer: (need: FigureNeed) => CostFactor | undefined,
  emulated: boolean,
): Claim {
  const [first] = figures;
  if (!first || !vmVsContainer({ source: first[0] }))
    return {
      claim,
      verdict: 'not measured',
      evidence: `needs ${first?.[1]} (${first?.[0]}) in both a VM and a container, which this run did not include`,
    };
  const each = figures.map(([source, what]) => {
    const factor = vmVsContainer({ source });
    return judgeCostsMore(claim, factor?.stats, 'VM vs container', `${factor?.workload ?? source}: ${what}`);
  });
  const evidence = each.map((judged) => judged.evidence).join('; ');
  if (emulated)
    return {
      claim,
      verdict: 'not measurable on this host',
      evidence: `VMs ran under TCG emulation here, which is on every memory access and kernel entry (${evidence})`,
    };
  const verdict = each.every((judged) => judged.verdict === 'supported')
    ? 'supported'
    : each.some((judged) => judged.verdict === 'contradicted')
      ? 'contradicted'
      : 'inconclusive';
  return { claim, verdict, evidence };
}

/** The claims users bring, each judged from this result's figures or said to be unmeasured. */
export function judgeClaims(result: ResultFile): Claim[] {
  const [vm, container] = [referenceOf(result, 'vm') ?? '', referenceOf(result, 'container') ?? ''];
  const vmVsContainer = (need: FigureNeed) => findNeeded(result, vm, container, need);
  const emulated = vmEmulated(result);
  const tcg = 'VMs ran under TCG emulation here; emulated figures say nothing about virtualization';
  const judged: Claim[] = [];
  if (emulated) {
    judged.push({ claim: claims.start, verdict: 'not measurable on this host', evidence: tcg });
    judged.push({
      claim: claims.memory,
      verdict: 'not measurable on this host',
      evidence: `${tcg} (TCG's translation cache inflates QEMU's memory)`,
    });
  } else {
    judged.push(
      judgeCostsMore(
        claims.start,
        vmVsContainer({ restingMetric: 'boot.bootToReadyMs' })?.stats,
        'VM vs container',
        'boot → READY (idle)',
      ),
    );
    judged.push(
      judgeCostsMore(
        claims.memory,
        memoryCost(result),
        'VM vs container',
        'host memory (idle, the peak of what the host pays: everything charged to the cgroup, + the shim for containers)',
      ),
    );
  }
  judged.push(judgeCpu(result, emulated));
  const io = vmVsContainer({ source: claimSources.ioLatency });
  if (!io) {
    judged.push({
      claim: claims.io,
      verdict: 'not measured',
      evidence: `needs fio's 4 KiB random read latency (${claimSources.ioLatency}, the disk workload) in both runtimes, which this run did not include`,
    });
  } else {
    const latency = judgeCostsMore(claims.io, io.stats, 'VM vs container', 'fio 4 KiB random read, p50 latency');
    judged.push(
      emulated
        ? {
            claim: claims.io,
            verdict: 'not measurable on this host',
            evidence: `VMs ran under TCG emulation here, which is on the VM's I/O path too (${latency.evidence})`,
          }
        : latency,
    );
  }
  judged.push(
    judgeVmPays(
      claims.memoryAccess,
      [
        [claimSources.randomWrites, 'random writes over 256 MiB'],
        [claimSources.reads, 'sequential reads over 256 MiB'],
      ],
      vmVsContainer,
      emulated,
    ),
  );
  judged.push(
    judgeVmPays(
      claims.kernel,
      [
        [claimSources.processes, 'fork + exec + wait'],
        [claimSources.pageFaults, 'minor page faults'],
      ],
      vmVsContainer,
      emulated,
    ),
  );
  judged.push(judgeNetwork(result));
  const noEnergy = energyMissing(result);
  judged.push(
    noEnergy
      ? {
          claim: claims.energy,
          verdict: result.energy?.missingReason ? 'not measurable on this host' : 'not measured',
          // The reason is said once, in the host's paragraph ("Energy figures: none, …").
          evidence: 'this run has no energy figure (the energy line under the host says why)',
        }
      : judgeVmPays(
          claims.energy,
          [
            [perOperation(claimSources.setRequests), 'joules per SET request above the idle draw (redis)'],
            [perOperation(claimSources.getRequests), 'joules per GET request above the idle draw (redis)'],
          ],
          vmVsContainer,
          emulated,
        ),
  );
  judged.push({
    claim: claims.density,
    verdict: 'not measured',
    evidence: 'needs a density run (N guests at once), which this run did not include',
  });
  return judged;
}

/** The "Claims" section of the Markdown report. */
export function renderClaims(result: ResultFile): string[] {
  return [
    '## Claims, judged on this host',
    '',
    'Cost factors: how many times what the reference pays, per repetition (the runtimes ran side by side), above 1 = costs more; median [95 % interval]. "About the same" claims are equivalence tests.',
    '',
    ...markdownTable(
      ['claim', 'verdict', 'evidence'],
      judgeClaims(result).map((claim) => [claim.claim, `**${claim.verdict}**`, claim.evidence]),
    ),
  ];
}
