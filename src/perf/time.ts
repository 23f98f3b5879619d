import type { Feeds, Session } from '../runtime/ort.js';
import { summarize, type Summary } from './stats.js';

export interface TimeOptions {
  /** Untimed runs first (lets onnxruntime allocate its arenas and warm caches). Defaults to 3. */
  readonly warmup?: number;
  /** Timed runs. Defaults to 10. */
  readonly trials?: number;
  /** Called after each timed run with its index (0-based) and duration. */
  readonly onTrial?: (index: number, ms: number) => void;
}

export interface Timing {
  /** Wall-clock ms of each timed run, in order. */
  readonly samples: readonly number[];
  readonly summary: Summary;
}

/**
 * Time `session.run(feeds)` after warm-up runs: wall clock around each awaited run, one run at a
 * time, so samples include onnxruntime's per-run overhead as an application sees it.
 */
export async function timeSession(session: Pick<Session, 'run'>, feeds: Feeds, opts: TimeOptions = {}): Promise<Timing> {
  const warmup = opts.warmup ?? 3;
  const trials = opts.trials ?? 10;
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`timeSession: warmup must be a non-negative integer, got ${warmup}`);
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`timeSession: trials must be a positive integer, got ${trials}`);
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const samples: number[] = [];
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    const ms = performance.now() - t0;
    samples.push(ms);
    opts.onTrial?.(i, ms);
  }
  return { samples, summary: summarize(samples) };
}
