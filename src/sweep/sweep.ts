import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { toFloat16Graph, toInt8Graph } from '../models/precision.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { inferenceGraph } from '../models/inference.js';
import { buildTransformer, countCost, paramSpecs, randomWeights, rng } from '../models/transformer.js';
import { machineInfo, type MachineInfo } from '../perf/machine.js';
import { measureMatmulPeak, type Peak } from '../perf/peak.js';
import { readProfile, type ProfileSummary } from '../perf/profile.js';
import type { Summary } from '../perf/stats.js';
import { timeSession } from '../perf/time.js';
import { calibrate } from '../runtime/calibrate.js';
import { createSession } from '../runtime/ort.js';
import type { SweepPoint } from './grid.js';

export interface SweepOptions {
  /** Input size. Defaults to 640x480. */
  readonly width?: number;
  readonly height?: number;
  /** Timed runs per config. Defaults to 100. */
  readonly trials?: number;
  /** Untimed runs per config first. Defaults to 3. */
  readonly warmup?: number;
  /** onnxruntime intra-op threads; defaults to onnxruntime's choice (all cores). */
  readonly threads?: number;
  /** Timed runs of the MatMul peak before and after the sweep. Defaults to 10. */
  readonly peakRuns?: number;
  /**
   * Timed runs of the MatMul peak between configs (0: none, ratios then use the before/after mean).
   * Defaults to 3: on a shared machine the load drifts during a long sweep, so each config is
   * compared with the peak measured just before and just after it.
   */
  readonly peakRunsBetween?: number;
  /** Side of the MatMul peak. Defaults to 2048 (smaller only to keep tests quick). */
  readonly peakSize?: number;
  /** Seed of the random weights and the random input image. Defaults to 0. */
  readonly seed?: number;
  /**
   * Profile these configs (by name) with onnxruntime's profiler after timing; 'fastest' stands for
   * the fastest config that ran. Traces go to `profileDir`. Defaults to none.
   */
  readonly profile?: readonly string[];
  readonly profileDir?: string;
  /** Profiled runs per config (after one warm-up run). Defaults to 5. */
  readonly profileRuns?: number;
  /** The command line, recorded in the report header. */
  readonly command?: string;
  readonly onEvent?: (e: SweepEvent) => void;
}

export type SweepEvent =
  | { readonly type: 'peak'; readonly when: 'before' | 'between' | 'after'; readonly peak: Peak }
  | { readonly type: 'config'; readonly index: number; readonly total: number; readonly point: SweepPoint }
  | { readonly type: 'trial'; readonly index: number; readonly trial: number; readonly trials: number; readonly ms: number }
  | { readonly type: 'result'; readonly index: number; readonly result: SweepResult }
  | { readonly type: 'profile'; readonly name: string; readonly profile: ProfileSummary };

export interface SweepResult {
  readonly name: string;
  readonly point: SweepPoint;
  readonly params: number;
  /** Conv multiply-accumulates of one forward pass at the sweep's size (NaN when it cannot be built there). */
  readonly macs: number;
  readonly status: 'ok' | 'unsupported';
  /** Why a config did not run (one line), when unsupported. */
  readonly reason?: string;
  readonly summary?: Summary;
  /** Frames per second at the median time. */
  readonly fps?: number;
  /** 2 * MACs / median time. */
  readonly gflops?: number;
  /** The MatMul GFLOP/s this config is compared with: the mean of the peaks measured around it. */
  readonly peakGflops?: number;
  /** gflops over peakGflops. */
  readonly peakRatio?: number;
  /** Relative RMS difference of the output from the same network in fp32 (fp16 and int8 only). */
  readonly relErrVsFp32?: number;
  /** Whether no other config has at least as many MACs and a lower median time. */
  readonly pareto?: boolean;
}

export interface SweepReport {
  readonly command?: string;
  readonly machine: MachineInfo;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly width: number;
  readonly height: number;
  readonly trials: number;
  readonly warmup: number;
  readonly threads?: number;
  readonly peakBefore: Peak;
  readonly peakAfter: Peak;
  /** Mean of the before and after MatMul medians (each config's ratio uses its own peakGflops). */
  readonly peakGflops: number;
  readonly results: readonly SweepResult[];
  readonly profiles: readonly { readonly name: string; readonly trace: string; readonly summary: ProfileSummary }[];
}

/** A deterministic random RGB image in 0..255, NCHW. */
export function randomImage(height: number, width: number, seed = 0): Tensor<'float32'> {
  const rand = rng(seed + 7);
  return f32([1, 3, height, width], Float32Array.from({ length: 3 * height * width }, () => Math.floor(rand() * 256)));
}

/**
 * The point's network with random weights in its precision, at a fixed input size: the graph a
 * session would run for such a model file (fp32: inferenceGraph, the half-resolution rewrite where
 * Stylizer uses it; fp16/int8: the precision rewrite of the stored graph, as quantized files run it).
 */
export async function buildPoint(p: SweepPoint, height: number, width: number, seed = 0, threads?: number): Promise<Graph> {
  const weights = randomWeights(p.config, seed);
  const shape = { shape: [1, height, width] } as const;
  if (p.precision === 'fp32') return inferenceGraph(p.config, weights, shape);
  const g = buildTransformer(p.config, weights, shape);
  if (p.precision === 'fp16') return toFloat16Graph(g);
  return toInt8Graph(g, await calibrate(g, { input: randomImage(height, width, seed + 1) }, threads));
}

function relRms(out: Float32Array, ref: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (out[i]! - ref[i]!) ** 2;
    den += ref[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

const oneLine = (e: unknown) => ((e as Error).message ?? String(e)).split('\n')[0]!;

/**
 * Mark the Pareto front of compute against latency: a config is on it when no other has at least as
 * many MACs and at most its median time (better in one). MACs stand in for capacity, so the front is
 * the most network each latency buys.
 */
export function markPareto(results: readonly SweepResult[]): SweepResult[] {
  const ok = results.filter((r) => r.status === 'ok');
  return results.map((r) => {
    if (r.status !== 'ok') return r;
    const ms = r.summary!.median;
    const dominated = ok.some((o) => o !== r && o.macs >= r.macs && o.summary!.median <= ms && (o.macs > r.macs || o.summary!.median < ms));
    return { ...r, pareto: !dominated };
  });
}

async function timePoint(p: SweepPoint, opts: Required<Pick<SweepOptions, 'width' | 'height' | 'trials' | 'warmup' | 'seed'>> & SweepOptions, index: number, input: Tensor<'float32'>): Promise<SweepResult> {
  const params = paramSpecs(p.config).reduce((s, q) => s + q.dims.reduce((a, b) => a * b, 1), 0);
  // MACs stay NaN when the network cannot be built at this size.
  let base = { name: p.name, point: p, params, macs: NaN };
  let session;
  try {
    base = { ...base, macs: countCost(p.config, opts.height, opts.width).macs };
    const graph = await buildPoint(p, opts.height, opts.width, opts.seed, opts.threads);
    // The graph Stylizer's session would run (buildPoint), in a session of its own: a point has no
    // model file, is timed on session.run alone at one size, and its float output is compared
    // unrounded with fp32's. No stylized image is produced.
    session = await createSession(toOnnx(graph), opts.threads ? { threads: opts.threads } : {});
    const first = (await session.run({ input })).output!.data as Float32Array;
    let relErrVsFp32: number | undefined;
    if (p.precision !== 'fp32') {
      const ref = await createSession(toOnnx(await buildPoint({ ...p, precision: 'fp32' }, opts.height, opts.width, opts.seed)), opts.threads ? { threads: opts.threads } : {});
      relErrVsFp32 = relRms(first, (await ref.run({ input })).output!.data as Float32Array);
      await ref.release();
    }
    const { summary } = await timeSession(session, { input }, {
      warmup: Math.max(0, opts.warmup - 1),
      trials: opts.trials,
      onTrial: (trial, ms) => opts.onEvent?.({ type: 'trial', index, trial, trials: opts.trials, ms }),
    });
    const gflops = (2 * base.macs) / 1e9 / (summary.median / 1e3);
    return { ...base, status: 'ok', summary, fps: 1e3 / summary.median, gflops, ...(relErrVsFp32 === undefined ? {} : { relErrVsFp32 }) };
  } catch (e) {
    return { ...base, status: 'unsupported', reason: oneLine(e) };
  } finally {
    await session?.release();
  }
}

/** Aggregate one config's per-layer time with onnxruntime's profiler. */
export async function profilePoint(p: SweepPoint, opts: { width: number; height: number; threads?: number; runs?: number; seed?: number; dir: string }): Promise<{ trace: string; summary: ProfileSummary }> {
  await mkdir(opts.dir, { recursive: true });
  const safe = p.name.replace(/[^\w.-]+/g, '_');
  const prefix = join(opts.dir, `trace-${safe}`);
  const graph = await buildPoint(p, opts.height, opts.width, opts.seed ?? 0, opts.threads);
  const session = await createSession(toOnnx(graph), { ...(opts.threads ? { threads: opts.threads } : {}), profilePrefix: prefix });
  try {
    const input = randomImage(opts.height, opts.width, opts.seed ?? 0);
    const runs = opts.runs ?? 5;
    for (let i = 0; i < runs + 1; i++) await session.run({ input });
    const raw = session.endProfiling();
    if (!raw) throw new Error(`profile of ${p.name}: onnxruntime wrote no trace`);
    const summary = await readProfile(raw, 1);
    // Keep one trace per config under a stable name; the aggregated summary goes in the report.
    const trace = `${prefix}.json`;
    await rm(trace, { force: true });
    await rename(raw, trace);
    return { trace, summary };
  } finally {
    await session.release();
  }
}

/**
 * Time every point on random weights: a 2048^3 MatMul peak first, then per config warm-up runs and
 * `trials` timed runs followed by a short peak measurement; throughput is reported against the peaks
 * measured around each config, so results from a loaded or different machine stay comparable.
 * Configs that fail are reported, not thrown.
 */
export async function runSweep(points: readonly SweepPoint[], options: SweepOptions = {}): Promise<SweepReport> {
  const opts = { width: 640, height: 480, trials: 100, warmup: 3, seed: 0, peakRuns: 10, ...options };
  if (!points.length) throw new Error('sweep: no configs to run');
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const peakOpts = { runs: opts.peakRuns, n: opts.peakSize ?? 2048, ...(opts.threads ? { threads: opts.threads } : {}) };
  const peakBefore = await measureMatmulPeak(peakOpts);
  opts.onEvent?.({ type: 'peak', when: 'before', peak: peakBefore });
  const input = randomImage(opts.height, opts.width, opts.seed);
  const between = opts.peakRunsBetween ?? 3;
  const timed: SweepResult[] = [];
  const local = async (last: boolean): Promise<Peak | undefined> => {
    if (between === 0 || last) return undefined;
    const peak = await measureMatmulPeak({ ...peakOpts, runs: between, warmup: 1 });
    opts.onEvent?.({ type: 'peak', when: 'between', peak });
    return peak;
  };
  let peakPrev = peakBefore;
  for (const [index, p] of points.entries()) {
    opts.onEvent?.({ type: 'config', index, total: points.length, point: p });
    const r = await timePoint(p, opts, index, input);
    const peakNext = (await local(index === points.length - 1)) ?? (await measureMatmulPeak(peakOpts));
    const peakGflops = between === 0 ? undefined : (peakPrev.gflops + peakNext.gflops) / 2;
    timed.push(peakGflops === undefined ? r : { ...r, peakGflops });
    opts.onEvent?.({ type: 'result', index, result: r });
    peakPrev = peakNext;
  }
  const peakAfter = peakPrev;
  opts.onEvent?.({ type: 'peak', when: 'after', peak: peakAfter });
  const peakGflops = (peakBefore.gflops + peakAfter.gflops) / 2;
  const results = markPareto(
    timed.map((r) => (r.gflops === undefined ? r : { ...r, peakGflops: r.peakGflops ?? peakGflops, peakRatio: r.gflops / (r.peakGflops ?? peakGflops) })),
  );

  const profiles: SweepReport['profiles'][number][] = [];
  const ok = results.filter((r) => r.status === 'ok');
  const fastest = ok.reduce<SweepResult | undefined>((a, r) => (!a || r.summary!.median < a.summary!.median ? r : a), undefined);
  const wanted = [...new Set((opts.profile ?? []).map((n) => (n === 'fastest' ? fastest?.name : n)).filter((n): n is string => !!n))];
  for (const name of wanted) {
    const p = points.find((q) => q.name === name);
    if (!p) throw new Error(`sweep: cannot profile '${name}', no such config`);
    const prof = await profilePoint(p, { width: opts.width, height: opts.height, seed: opts.seed, dir: opts.profileDir ?? '.', ...(opts.threads ? { threads: opts.threads } : {}) });
    profiles.push({ name, ...prof });
    opts.onEvent?.({ type: 'profile', name, profile: prof.summary });
  }
  return {
    ...(opts.command ? { command: opts.command } : {}),
    machine,
    startedAt,
    finishedAt: new Date().toISOString(),
    width: opts.width,
    height: opts.height,
    trials: opts.trials,
    warmup: opts.warmup,
    ...(opts.threads ? { threads: opts.threads } : {}),
    peakBefore,
    peakAfter,
    peakGflops,
    results,
    profiles,
  };
}
