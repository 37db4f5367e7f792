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
  /** 95 % confidence interval of the median (order statistics); absent below 6 values, where none exists. */
  ci95?: MedianInterval;
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

/** Sum of squared deviations from the mean of a non-empty sample. */
export function sumSquares(values: readonly number[]): number {
  const centre = mean(values);
  return values.reduce((sum, value) => sum + (value - centre) ** 2, 0);
}

/** Median of a non-empty sample (the type-7 quantile at 0.5: one median definition everywhere). */
export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Statistics of a non-empty sample; undefined for an empty one (never a fake zero). */
export function describe(values: readonly number[]): Stats | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  const variance = sorted.length > 1 ? sumSquares(sorted) / (sorted.length - 1) : 0;
  const ci95 = medianInterval(sorted);
  return {
    ...(ci95 ? { ci95 } : {}),
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

/** A distribution-free confidence interval of a median: two order statistics of the sample. */
export interface MedianInterval {
  low: number;
  high: number;
  /** The interval's exact coverage (binomial), at least the confidence asked for. */
  coverage: number;
}

/** P(X ≤ k) for X ~ Binomial(n, ½). */
function binomialHalfCdf(n: number, k: number): number {
  let term = 0.5 ** n;
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return sum;
}

/**
 * Confidence interval of the median from order statistics (the sign-test interval): the narrowest
 * [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] whose binomial coverage is at least `confidence`. Exact for any continuous
 * distribution, no assumption of shape; undefined when n is too small for any such interval
 * (n < 6 at 95 %), rather than an interval that covers less than it says.
 */
export function medianInterval(values: readonly number[], confidence = 0.95): MedianInterval | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  const coverage = (k: number) => 1 - 2 * binomialHalfCdf(n, k - 1);
  if (coverage(1) < confidence) return undefined;
  let k = 1;
  while (k + 1 <= Math.floor((n + 1) / 2) && coverage(k + 1) >= confidence) k++;
  const sorted = [...values].sort((a, b) => a - b);
  return { low: sorted[k - 1] as number, high: sorted[n - k] as number, coverage: coverage(k) };
}

/** Half the interval's width relative to the median (0.05 = ±5 %); undefined without an interval or with a zero median. */
export function relativeHalfWidth(values: readonly number[], confidence = 0.95): number | undefined {
  const interval = medianInterval(values, confidence);
  const middle = values.length > 0 ? median(values) : 0;
  if (!interval || middle === 0) return undefined;
  return (interval.high - interval.low) / 2 / Math.abs(middle);
}
