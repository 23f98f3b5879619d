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

/** One contestant of {@link timeInTurn}: a session and what each of its runs feeds. */
export interface TimedRun {
  readonly session: Pick<Session, 'run'>;
  readonly feeds: Feeds;
}

export interface InTurnOptions {
  /** Rounds: one timed run of every contestant each. */
  readonly trials: number;
  /** Untimed runs of each contestant before the first round. Defaults to 3. */
  readonly warmup?: number;
  /** Called after each round with its index (0-based). */
  readonly onTrial?: (trial: number) => void;
}

/**
 * Time sessions at batch 1 in turn (the order rotating every round), so that load changes on the
 * machine hit all of them alike and their ratio stays meaningful; samples[t] of every result is from
 * the same round t, so per-round ratios pair runs taken seconds apart. Each timed run follows an
 * untimed run of the same session, as a frame follows a frame in video: a run straight after another
 * model's is cold (its weights and arenas evicted from cache, its threads parked), which cost a
 * width-8 student 35-70% at 640x480 and a teacher under 10%, so cold runs would misstate their ratio.
 */
export async function timeInTurn(runs: readonly TimedRun[], opts: InTurnOptions): Promise<Timing[]> {
  const warmup = opts.warmup ?? 3;
  if (!Number.isInteger(opts.trials) || opts.trials < 1) throw new Error(`timeInTurn: trials must be a positive integer, got ${opts.trials}`);
  for (const r of runs) await timeSession(r.session, r.feeds, { warmup, trials: 1 });
  const samples = runs.map((): number[] => []);
  for (let t = 0; t < opts.trials; t++) {
    for (let j = 0; j < runs.length; j++) {
      const i = (j + t) % runs.length;
      const { samples: s } = await timeSession(runs[i]!.session, runs[i]!.feeds, { warmup: 1, trials: 1 });
      samples[i]!.push(...s);
    }
    opts.onTrial?.(t);
  }
  return samples.map((s) => ({ samples: s, summary: summarize(s) }));
}
