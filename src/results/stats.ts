/** Descriptive statistics of a sample: what reports and comparisons print. */
export interface Stats {
  n: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  /** Sample standard deviation (n − 1); 0 when n = 1. */
  stdev: number;
  /** 25th and 75th percentiles (linear interpolation). */
  q1: number;
  q3: number;
}

/** Quantile with linear interpolation between closest ranks (type 7, as R and NumPy default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of an empty sample');
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

/** Arithmetic mean of a non-empty sample. */
export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Median of a non-empty sample (the type-7 quantile at 0.5: one median definition everywhere). */
export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/** Statistics of a non-empty sample; undefined for an empty one (never a fake zero). */
export function describe(values: readonly number[]): Stats | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  const variance = sorted.length > 1 ? sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (sorted.length - 1) : 0;
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    mean,
    min: sorted[0] as number,
    max: sorted.at(-1) as number,
    stdev: Math.sqrt(variance),
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
  };
}
