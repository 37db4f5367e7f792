import { median, quantile } from './stats.js';

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same verdict every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


/** Ratio of medians current / baseline with a percentile bootstrap confidence interval. */
export interface RatioEstimate {
  ratio: number;
  low: number;
  high: number;
  confidence: number;
  resamples: number;
}

/**
 * Bootstrap the ratio median(current) / median(baseline): resample each side with replacement,
 * take the central `confidence` interval of the resampled ratios. Undefined when a side has fewer
 * than 2 values or a median of zero (no honest interval exists then).
 */
export function bootstrapRatioOfMedians(
  baseline: readonly number[],
  current: readonly number[],
  options: { resamples?: number; confidence?: number; seed?: number } = {},
): RatioEstimate | undefined {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  if (baseline.length < 2 || current.length < 2) return undefined;
  const baseMedian = median(baseline);
  if (baseMedian === 0) return undefined;
  const random = seededRandom(options.seed ?? 1);
  const pick = (values: readonly number[]) => Array.from({ length: values.length }, () => values[Math.floor(random() * values.length)] as number);
  const ratios: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const b = median(pick(baseline));
    if (b !== 0) ratios.push(median(pick(current)) / b);
  }
  ratios.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { ratio: median(current) / baseMedian, low: quantile(ratios, tail), high: quantile(ratios, 1 - tail), confidence, resamples };
}
