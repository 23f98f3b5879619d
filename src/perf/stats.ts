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

/** A distribution-free interval for a median (see {@link medianInterval}). */
export interface MedianInterval {
  readonly median: number;
  readonly low: number;
  readonly high: number;
  /** The interval's actual coverage (order statistics give discrete levels): at least the one asked for, unless there are too few samples. */
  readonly coverage: number;
}

/**
 * Confidence interval for the median of samples, from order statistics: [x_(j), x_(n+1-j)] covers the
 * median with probability 1 - 2 P(Binomial(n, 1/2) < j), whatever the distribution. Timings are
 * skewed (a busy machine adds long runs), so no normal interval is assumed. With too few samples for
 * `confidence` it is [min, max] and `coverage` says what that covers.
 * @example medianInterval(Array.from({ length: 30 }, (_, i) => i + 1)) // { median: 15.5, low: 10, high: 21, coverage: 0.957... }
 */
export function medianInterval(samples: readonly number[], confidence = 0.95): MedianInterval {
  const s = summarize(samples);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`medianInterval: confidence must be in (0, 1), got ${confidence}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  // P(K <= k) for K ~ Binomial(n, 1/2), summed in logs so that n in the thousands does not underflow.
  const cdf: number[] = [];
  let logC = 0;
  let acc = 0;
  for (let k = 0; k <= Math.floor(n / 2); k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    acc += Math.exp(logC - n * Math.LN2);
    cdf.push(acc);
  }
  // The largest rank j (1-based) with 2 P(K <= j - 1) <= 1 - confidence.
  let j = 0;
  while (j < cdf.length && 2 * cdf[j]! <= 1 - confidence) j++;
  const rank = Math.max(j, 1);
  return { median: s.median, low: sorted[rank - 1]!, high: sorted[n - rank]!, coverage: 1 - 2 * cdf[rank - 1]! };
}
