import { bootstrapRatioOfMedians } from '../results/bootstrap.js';
import { collectSamples } from '../results/samples.js';
import type { ResultFile } from '../results/types.js';
import { formatNumber } from './format.js';
import { ratioSamples } from './ratios.js';

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
  network: 'Containers reach native network throughput only without NAT',
  density: 'More containers than VMs fit on one host',
};

/** Judge "VM figure is bigger than container figure" from per-trial values with a bootstrap CI. */
function judgeBigger(claim: string, vm: number[] | undefined, container: number[] | undefined, unit: string): Claim {
  if (!vm?.length || !container?.length) return { claim, verdict: 'not measured', evidence: 'this run has no completed trials of both runtimes for it' };
  const estimate = bootstrapRatioOfMedians(container, vm);
  const text = (values: number[]) => formatNumber([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number);
  const numbers = `VM median ${text(vm)} ${unit} vs container ${text(container)} ${unit}`;
  if (!estimate) return { claim, verdict: 'inconclusive', evidence: `${numbers}; too few trials for an interval` };
  const ci = `VM/container ${formatNumber(estimate.ratio)} (95 % CI ${formatNumber(estimate.low)}–${formatNumber(estimate.high)})`;
  if (estimate.low > 1) return { claim, verdict: 'supported', evidence: `${numbers}; ${ci}` };
  if (estimate.high < 1) return { claim, verdict: 'contradicted', evidence: `${numbers}; ${ci}` };
  return { claim, verdict: 'inconclusive', evidence: `${numbers}; ${ci}` };
}

/** Containers within 5 % of native CPU speed, VMs within 10 %: judged on the cpu workload's ratios. */
function judgeCpu(result: ResultFile, vmEmulated: boolean): Claim {
  const ratios = ratioSamples(result);
  const container = ratios.get('container/native/cpu/events_per_s')?.values;
  const vm = ratios.get('vm/native/cpu/events_per_s')?.values;
  if (!container) return { claim: claims.cpu, verdict: 'not measured', evidence: 'needs the cpu workload in both the native baseline and a container (add native to --runtimes)' };
  const interval = (values: number[]) => {
    const estimate = bootstrapRatioOfMedians(values.map(() => 1), values);
    return estimate ? { ratio: estimate.ratio, low: estimate.low, high: estimate.high } : { ratio: values[0] ?? Number.NaN, low: Number.NaN, high: Number.NaN };
  };
  const c = interval(container);
  const text = (label: string, r: { ratio: number; low: number; high: number }) =>
    `${label}/native ${formatNumber(r.ratio)}${Number.isNaN(r.low) ? ' (one repetition)' : ` (95 % CI ${formatNumber(r.low)}–${formatNumber(r.high)})`}`;
  if (vmEmulated || !vm) {
    return { claim: claims.cpu, verdict: 'not measurable on this host', evidence: `${text('container', c)}; the VM half ${vmEmulated ? 'ran under TCG emulation' : 'was not run'}` };
  }
  const v = interval(vm);
  const evidence = `${text('container', c)}; ${text('VM', v)}; native speed = within 5 % (containers), close = within 10 % (VMs)`;
  if (c.low >= 0.95 && v.low >= 0.9) return { claim: claims.cpu, verdict: 'supported', evidence };
  if (c.high < 0.95 || v.high < 0.9) return { claim: claims.cpu, verdict: 'contradicted', evidence };
  return { claim: claims.cpu, verdict: 'inconclusive', evidence };
}

/** I/O: the VM's 4 KiB random-read latency against the container's, both direct I/O on the same host folder. */
function judgeIo(vm: number[] | undefined, container: number[] | undefined, vmEmulated: boolean): Claim {
  if (!vm?.length && !container?.length) return { claim: claims.io, verdict: 'not measured', evidence: 'needs the disk workload (fio with direct I/O), which this run did not include' };
  const judged = judgeBigger(claims.io, vm, container, 'µs p50 (fio 4 KiB random read)');
  if (!vmEmulated) return judged;
  return { claim: claims.io, verdict: 'not measurable on this host', evidence: `VMs ran under TCG emulation here, which is on the VM's I/O path too (${judged.evidence})` };
}

/**
 * Network: the container's throughput over the run's path (`--container-net`) against native
 * loopback. One run measures one path: behind NAT (`published`), reaching native contradicts the
 * claim; without NAT (`bridge`, `host`), the figure says what the container costs without it, and
 * the NAT half needs a second run.
 */
function judgeNetwork(result: ResultFile): Claim {
  const container = ratioSamples(result).get('container/native/network/tcp_rx_gbit_per_s')?.values;
  if (!container?.length) return { claim: claims.network, verdict: 'not measured', evidence: 'needs the network workload in both the native baseline and a container' };
  const estimate = bootstrapRatioOfMedians(container.map(() => 1), container);
  const ratio = estimate ? `${formatNumber(estimate.ratio)} (95 % CI ${formatNumber(estimate.low)}–${formatNumber(estimate.high)})` : `${formatNumber(container[0] ?? Number.NaN)} (one repetition)`;
  // Files from before --container-net published ports.
  const path = result.config.containerNetwork ?? 'published';
  const label = { bridge: "veth and bridge, at the container's own address, no NAT", published: 'veth, bridge and a published port (DNAT)', host: 'host network, no veth, no NAT' }[path];
  const evidence = `iperf3 host→guest, container (${label}) / native (loopback): ${ratio}`;
  if (path === 'published') {
    if (estimate && estimate.low >= 0.95) return { claim: claims.network, verdict: 'contradicted', evidence: `${evidence}; behind NAT it is within 5 % of native` };
    const below = estimate && estimate.high < 0.95 ? '; behind NAT it is below native, as claimed' : '';
    return { claim: claims.network, verdict: 'inconclusive', evidence: `${evidence}${below}; a run with --container-net bridge measures the path without NAT` };
  }
  return { claim: claims.network, verdict: 'inconclusive', evidence: `${evidence}; the NAT path was not measured in this run (--container-net published measures it)` };
}

/** The claims users bring, each judged from this result's figures or said to be unmeasured. */
export function judgeClaims(result: ResultFile): Claim[] {
  const samples = collectSamples(result);
  const values = (key: string) => samples.get(key)?.values;
  const emulated = result.runtimes.qemu?.emulated === true;
  const tcg = 'VMs ran under TCG emulation here; emulated figures say nothing about virtualization';
  // Per trial, guest + shim of that same trial; a container trial without its shim figure is left out, not paired with another's.
  const hostPays = (runtime: 'docker' | 'qemu') => {
    const paid: number[] = [];
    for (const trial of result.trials) {
      if (trial.runtime !== runtime || trial.workload !== 'idle' || trial.state !== 'completed') continue;
      const guest = trial.resources['guest.pss_bytes']?.peak;
      const shim = trial.resources['shim.pss_bytes']?.peak;
      if (guest === undefined || (runtime === 'docker' && shim === undefined)) continue;
      paid.push((guest + (shim ?? 0)) / 2 ** 20);
    }
    return paid.length ? paid : undefined;
  };
  const judged: Claim[] = [];
  if (emulated) {
    judged.push({ claim: claims.start, verdict: 'not measurable on this host', evidence: tcg });
    judged.push({ claim: claims.memory, verdict: 'not measurable on this host', evidence: `${tcg} (TCG's translation cache inflates QEMU's memory)` });
  } else {
    judged.push(judgeBigger(claims.start, values('qemu/idle/boot.bootToReadyMs'), values('docker/idle/boot.bootToReadyMs'), 'ms'));
    judged.push(judgeBigger(claims.memory, hostPays('qemu'), hostPays('docker'), 'MiB PSS (idle, guest processes + shim)'));
  }
  judged.push(judgeCpu(result, emulated));
  judged.push(judgeIo(values('qemu/disk/randread_4k_clat_p50_us'), values('docker/disk/randread_4k_clat_p50_us'), emulated));
  judged.push(judgeNetwork(result));
  judged.push({ claim: claims.density, verdict: 'not measured', evidence: 'needs a density run (N guests at once), which this run did not include' });
  return judged;
}

/** The "Claims" section of the Markdown report. */
export function renderClaims(result: ResultFile): string[] {
  return [
    '## Claims, judged on this host',
    '',
    '| claim | verdict | evidence |',
    '|---|---|---|',
    ...judgeClaims(result).map((claim) => `| ${claim.claim} | **${claim.verdict}** | ${claim.evidence} |`),
  ];
}
