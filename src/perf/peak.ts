import { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { f32 } from '../graph/tensor.js';
import { rng } from '../models/transformer.js';
import { matmul } from '../ops/index.js';
import { createSession } from '../runtime/ort.js';
import type { Summary } from './stats.js';
import { timeSession } from './time.js';

export interface PeakOptions {
  /** onnxruntime intra-op threads; defaults to onnxruntime's choice (all cores). */
  readonly threads?: number;
  /** Timed runs. Defaults to 10. */
  readonly runs?: number;
  /** Untimed runs first. Defaults to 2. */
  readonly warmup?: number;
  /** Matrix side. Defaults to 2048 (the reference for every "ratio to peak" in stylecast). */
  readonly n?: number;
}

export interface Peak {
  readonly n: number;
  readonly threads: number | undefined;
  /** 2 n^3 / 1e9. */
  readonly gflop: number;
  /** Throughput at the median run time. */
  readonly gflops: number;
  /** Throughput at the fastest run. */
  readonly gflopsBest: number;
  readonly msMedian: number;
  readonly summary: Summary;
}

/** A float32 [n, n] x [n, n] MatMul; B is a constant so onnxruntime may prepack it, as it does conv weights. */
export function matmulModel(n: number, seed = 1): Uint8Array {
  const rand = rng(seed);
  const g = new Graph('matmul_peak');
  const a = g.input('a', 'float32', [n, n]);
  const b = g.constant(f32([n, n], Float32Array.from({ length: n * n }, () => rand() - 0.5)), 'b');
  g.output(matmul(a, b), 'c');
  return toOnnx(g);
}

/**
 * The practical float32 peak of this machine as onnxruntime sees it: a 2048^3 MatMul timed after
 * warm-up. Network throughputs are reported as a ratio to this, measured in the same process, so
 * results taken on a busy or different machine stay comparable.
 */
export async function measureMatmulPeak(opts: PeakOptions = {}): Promise<Peak> {
  const n = opts.n ?? 2048;
  const session = await createSession(matmulModel(n), opts.threads ? { threads: opts.threads } : {});
  try {
    const rand = rng(2);
    const a = f32([n, n], Float32Array.from({ length: n * n }, () => rand() - 0.5));
    const { summary } = await timeSession(session, { a }, { warmup: opts.warmup ?? 2, trials: opts.runs ?? 10 });
    const gflop = (2 * n ** 3) / 1e9;
    return { n, threads: opts.threads, gflop, gflops: gflop / (summary.median / 1e3), gflopsBest: gflop / (summary.min / 1e3), msMedian: summary.median, summary };
  } finally {
    await session.release();
  }
}
