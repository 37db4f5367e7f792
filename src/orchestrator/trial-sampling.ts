import type { AgentEvent } from '../contract/agent-protocol.js';
import { deviceKey } from '../host/block-device.js';
import { memoryModel, type GuestMemoryView } from '../results/memory-model.js';
import { trialEnergyFrom } from '../results/energy.js';
import type { TrialEnergy } from '../results/types.js';
import { EnergyMeter, type MeteredZone } from '../sampling/energy-meter.js';
import { Sampler, type SamplerTarget } from '../sampling/sampler.js';
import { summarizeSeries, type ColumnSummary, type SampledSeries } from '../sampling/series.js';
import type { IoDevices } from '../host/block-device.js';

/** Sampler settings shared by every trial of a run. */
export interface SamplingOptions {
  intervalMs: number;
  tickSeconds: number;
  /** Column → why it is missing on this host (e.g. v1 blkio without throttle rules). */
  missingReasons: Record<string, string>;
  /** cgroup v1: the devices the run's I/O lands on (non-limiting throttle rules on each; see block-device.ts). */
  ioDevices?: IoDevices | undefined;
  /** The host's energy counters the run sums (absent where it has none: every energy figure is then missing). */
  energyZones?: readonly MeteredZone[] | undefined;
}

/** The sampled series of a trial and its summaries (the memory model's included); empty if never sampled. */
export type SampledTrial = {
  series?: SampledSeries;
  resources?: Record<string, ColumnSummary>;
  energy?: TrialEnergy;
};

/**
 * One trial's sampler, the same for every runtime: started when the guest's processes are known, a row at READY
 * and at the guest's exit, the periodic rows stopped before the `end` row; then summarised.
 */
export class TrialSampling {
  #sampler: Sampler | undefined;
  #readyBeforeSampler = false;
  #finalSample: Promise<void> | undefined;
  readonly #memoryViews: GuestMemoryView[] = [];
  readonly #options: SamplingOptions;
  readonly #origin: number;
  /** Started with the trial (its spawn), so that boot's joules count from there. */
  readonly #energy: EnergyMeter | undefined;

  constructor(options: SamplingOptions, origin: number) {
    this.#options = options;
    this.#origin = origin;
    if (options.energyZones?.length) this.#energy = new EnergyMeter(options.energyZones, options.tickSeconds);
  }

  guestStarted(target: SamplerTarget): void {
    const skippedDevices = this.#options.ioDevices?.below.map(deviceKey);
    this.#sampler = new Sampler(target, {
      intervalMs: this.#options.intervalMs,
      tickSeconds: this.#options.tickSeconds,
      origin: this.#origin,
      ...(skippedDevices ? { skippedDevices } : {}),
      ...(this.#energy ? { energy: this.#energy } : {}),
    });
    // A container can print READY before its start call returns: then the first sample is the READY one.
    this.#sampler.start(this.#readyBeforeSampler ? 'ready' : undefined);
  }

  /** The agent's events that take a row (READY, exit) or feed the memory model (the guest's own view). */
  async agentEvent(event: AgentEvent): Promise<void> {
    if (event.type === 'ready' && !this.#sampler) this.#readyBeforeSampler = true;
    if (event.type === 'ready') await this.#sampler?.sampleNow('ready');
    if (event.type === 'exit') await this.#sampler?.sampleNow('exit');
    if (event.type === 'memory') this.#memoryViews.push(event);
  }

  /** Once: the backend calls it before teardown, and the orchestrator after the backend returns. */
  async guestExited(): Promise<void> {
    const current = this.#sampler;
    // The periodic samples stop first, so that `end` is the last row.
    this.#finalSample ??= current ? current.halt().then(() => current.sampleNow('end')) : undefined;
    await this.#finalSample;
  }

  /** Stop sampling and summarise the series. */
  async finish(): Promise<SampledTrial> {
    await this.guestExited();
    const series = this.#sampler ? await this.#sampler.stop() : undefined;
    if (!series) return {};
    return {
      series,
      resources: {
        ...summarizeSeries(series, { ...this.#options.missingReasons, ...this.#sampler?.missingReasons }),
        ...memoryModel(series, this.#memoryViews),
      },
      ...(this.#energy ? { energy: trialEnergyFrom(series, this.#energy) } : {}),
    };
  }
}
