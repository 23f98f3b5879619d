/** Summary statistics of a set of timings (milliseconds). */
export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly median: number;
  /** 95th percentile, linear interpolation between closest ranks (numpy's default). */
  readonly p95: number;
  readonly min: number;
  readonly max: number;
  /** Sample standard deviation (n - 1); 0 for a single sample. */
  readonly std: number;
}

/** Quantile q in [0, 1] of an ascending array, interpolating linearly between closest ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile: no samples');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Summarize timing samples.
 * @example summarize([3, 1, 2]) // { n: 3, mean: 2, median: 2, p95: 2.9, min: 1, max: 3, std: 1 }
 */
export function summarize(msSamples: readonly number[]): Summary {
  const n = msSamples.length;
  if (n === 0) throw new Error('summarize: no samples');
  if (msSamples.some((x) => !Number.isFinite(x))) throw new Error('summarize: samples must be finite numbers');
  const sorted = [...msSamples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / n;
  const variance = n > 1 ? sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  return { n, mean, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), min: sorted[0]!, max: sorted[n - 1]!, std: Math.sqrt(variance) };
}
