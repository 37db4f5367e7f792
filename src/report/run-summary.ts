import { figuresOf, type Figure } from '../results/figures.js';
import type { ResultFile } from '../results/types.js';
import { hostDimensions, hostIdentity } from './host-dimensions.js';
import { ratioSamples } from './ratios.js';

/**
 * What `bench check` and `bench history` keep of one run: its identity, its host's dimensions and its figures
 * (a few kB, not the whole file), so that a history of hundreds of runs fits in memory.
 */
export interface RunSummary {
  path: string;
  runId: string;
  startedAt: string;
  hostname: string;
  cpu: string;
  cores: number;
  /** The host's architecture as uname says it, and the guests'. */
  hostArch: string;
  arch: string;
  /** `hostIdentity` (name, CPU, architecture): which runs are one host's. */
  identity: string;
  runtimes: string[];
  status: ResultFile['status'];
  completed: number;
  trials: number;
  /** Host settings, versions and config (`hostDimensions`): what differs between two runs. */
  dimensions: Record<string, string>;
  /** Every figure's values: absolute, or (`ratios`) per-repetition ratios between runtimes. */
  samples: Map<string, Figure>;
}

/** The summary of a result. */
export function summarizeRun(path: string, result: ResultFile, mode: 'absolute' | 'ratios' = 'absolute'): RunSummary {
  return {
    path,
    runId: result.runId,
    startedAt: result.startedAt,
    hostname: result.host.hostname,
    cpu: result.host.cpu.brand,
    cores: result.host.cpu.cores,
    hostArch: result.host.arch,
    arch: result.config.arch,
    identity: hostIdentity(result),
    runtimes: Object.keys(result.runtimes),
    status: result.status,
    completed: result.trials.filter((trial) => trial.state === 'completed').length,
    trials: result.trials.length,
    dimensions: hostDimensions(result),
    samples: mode === 'ratios' ? ratioSamples(result) : figuresOf(result).shown,
  };
}
