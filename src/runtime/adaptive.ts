/**
 * Picks the processing scale that lets a frame loop hold a frame rate the user asked for: fewer pixels
 * when frames take too long, more again when there is room. Pure (no clock, DOM or onnxruntime): the
 * caller reports each frame's processing time and the time it finished, so the live loop in the
 * browser, the Node video pipeline and a simulated clock in the tests all drive the same code.
 *
 * - A fixed ladder of scales, so the size changes in visible, comparable steps and never drifts.
 * - Frames are judged in windows of `window` frames at the current scale, by their mean without the
 *   slowest quarter: the frame rate follows the mean, but a GC pause or a short burst of load must not
 *   move the scale.
 * - Hysteresis in cost: step down when the target is missed, to the largest scale whose predicted time
 *   fits the budget (1000 / targetFps ms); step up one rung only when the predicted time there is under
 *   `headroom` x budget. Predictions scale the measured time by the pixel ratio: per-frame overheads do
 *   not shrink with the image, so this overestimates the time above (a step up is conservative) and
 *   underestimates it below (a step down never goes further than needed).
 * - Hysteresis in time: a step down needs two windows in a row over the budget (one may be a burst);
 *   after any change the first `settle` frames are ignored (the first run at a new shape is slow);
 *   a step up waits `upDelayMs` since the last change. A step up that has to be undone before it has
 *   held doubles that wait for that rung (up to 2^maxBackoff), so a cost the prediction misjudges is
 *   probed ever more rarely instead of oscillating.
 */

/** Scales tried, largest first: 640x480 goes down to 240x180 (about 1/7 of the pixels) in 80-pixel steps. */
export const SCALE_LADDER: readonly number[] = Object.freeze([1, 0.875, 0.75, 0.625, 0.5, 0.375]);

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** A frame rate the user asked for: a positive finite number, or a one-line error naming it. */
export function checkTargetFps(fps: number, what = 'target frame rate'): number {
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0) throw new RangeError(`${what} must be a positive number of frames per second, got ${String(fps)}`);
  return fps;
}

/**
 * The processing size of a `size` frame at `scale`: each side scaled and rounded to a multiple of the
 * network's `stride` (so the Stylizer pads nothing), at least `minSide`, never above the frame's own.
 * Scale 1 is the frame's size exactly. The aspect ratio moves by under stride/2 pixels per side.
 */
export function scaledSize(size: Size, scale: number, stride = 4, minSide = 1): Size {
  if (scale >= 1) return { width: size.width, height: size.height };
  const side = (n: number) => Math.min(n, Math.max(Math.round((n * scale) / stride) * stride, Math.ceil(minSide / stride) * stride, stride));
  return { width: side(size.width), height: side(size.height) };
}

/** The ladder's scales that give `size` distinct processing sizes (small frames have fewer rungs). */
export function ladderFor(size: Size, ladder: readonly number[] = SCALE_LADDER, stride = 4, minSide = 1): number[] {
  const seen = new Set<string>();
  return ladder.filter((s) => {
    const { width, height } = scaledSize(size, s, stride, minSide);
    const key = `${width}x${height}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface ScaleControllerOptions {
  readonly targetFps: number;
  /** Scales, strictly decreasing from 1. Defaults to SCALE_LADDER. */
  readonly ladder?: readonly number[];
  /** Scale to start at (a rung of the ladder). Defaults to 1: start sharp, step down within a window. */
  readonly initialScale?: number;
  /** Frames per window; a decision follows each. Defaults to 8. */
  readonly window?: number;
  /** Frames ignored after each change. Defaults to 2. */
  readonly settle?: number;
  /** Step up only when the predicted time there is below this share of the budget. Defaults to 0.85. */
  readonly headroom?: number;
  /** Least time since the last change before stepping up, ms. Defaults to 2000. */
  readonly upDelayMs?: number;
  /** Most doublings of `upDelayMs` for a rung whose step up failed. Defaults to 4 (32 s with the defaults). */
  readonly maxBackoff?: number;
  /**
   * A failed step up is forgotten after this long, ms (the load may have changed). Longer than the
   * longest wait, or the backoff would be forgotten before it is used. Defaults to 120000.
   */
  readonly forgetMs?: number;
}

export interface ScaleChange {
  readonly from: number;
  readonly to: number;
  /** 'slow': the target was missed; 'headroom': the next scale up is predicted to hold it with room. */
  readonly reason: 'slow' | 'headroom';
  /** The smoothed time per frame that decided it, ms. */
  readonly smoothedMs: number;
}

export interface ScaleState {
  readonly scale: number;
  readonly targetFps: number;
  /** 1000 / targetFps. */
  readonly budgetMs: number;
  /** Mean time per frame of the last window at this scale (slowest quarter left out), ms. */
  readonly smoothedMs: number | undefined;
  /** Scale changes so far. */
  readonly changes: number;
}

interface Failure {
  readonly count: number;
  readonly at: number;
}

/**
 * @example
 * const c = new ScaleController({ targetFps: 15 });
 * // after each frame processed at c.scale:
 * const change = c.observe(frameMs, scaleItRanAt, performance.now());
 * if (change) console.log(`now at ${change.to}`);
 */
export class ScaleController {
  readonly ladder: readonly number[];
  private readonly window: number;
  private readonly settle: number;
  private readonly headroom: number;
  private readonly upDelayMs: number;
  private readonly maxBackoff: number;
  private readonly forgetMs: number;
  private fps: number;
  private rung: number;
  private samples: number[] = [];
  private skip: number;
  private smoothed: number | undefined;
  /** The previous window's mean when it missed the budget. */
  private slow: number | undefined;
  /** When the current scale was entered (undefined until the first frame after a (re)start). */
  private since: number | undefined;
  /** Windows left before a step up into the current rung counts as held; 0 when not probing. */
  private probing = 0;
  private readonly failures = new Map<number, Failure>();
  private count = 0;

  constructor(opts: ScaleControllerOptions) {
    this.fps = checkTargetFps(opts.targetFps);
    const ladder = opts.ladder ?? SCALE_LADDER;
    if (ladder.length === 0 || ladder[0] !== 1 || ladder.some((s, i) => !(s > 0) || (i > 0 && s >= ladder[i - 1]!))) {
      throw new RangeError(`scale ladder must start at 1 and decrease strictly to above 0, got [${ladder.join(', ')}]`);
    }
    this.ladder = [...ladder];
    this.window = positive(opts.window ?? 8, 'window');
    this.settle = opts.settle ?? 2;
    this.headroom = opts.headroom ?? 0.85;
    this.upDelayMs = opts.upDelayMs ?? 2000;
    this.maxBackoff = opts.maxBackoff ?? 4;
    this.forgetMs = opts.forgetMs ?? 120_000;
    const start = this.ladder.indexOf(opts.initialScale ?? 1);
    if (start < 0) throw new RangeError(`initial scale ${opts.initialScale} is not on the ladder [${this.ladder.join(', ')}]`);
    this.rung = start;
    this.skip = this.settle;
  }

  get scale(): number {
    return this.ladder[this.rung]!;
  }

  get targetFps(): number {
    return this.fps;
  }

  /** A new target: keeps the scale, forgets the measurements and failed steps, and cools down again. */
  set targetFps(fps: number) {
    this.fps = checkTargetFps(fps);
    this.restart();
  }

  /** Measure afresh from the current scale (a new model, or the loop resumed): what was measured no longer applies. */
  restart(): void {
    this.samples = [];
    this.smoothed = undefined;
    this.slow = undefined;
    this.skip = this.settle;
    this.since = undefined;
    this.probing = 0;
    this.failures.clear();
  }

  get state(): ScaleState {
    return { scale: this.scale, targetFps: this.fps, budgetMs: 1000 / this.fps, smoothedMs: this.smoothed, changes: this.count };
  }

  /**
   * One frame's processing time `ms` at `scale` (the scale it ran at: frames started before a change
   * are ignored), finished at `now` (ms, any monotonic clock). Returns the change it decided, if any.
   */
  observe(ms: number, scale: number, now: number): ScaleChange | undefined {
    if (scale !== this.scale || !(ms >= 0) || !Number.isFinite(ms)) return undefined;
    this.since ??= now;
    if (this.skip > 0) {
      this.skip--;
      return undefined;
    }
    this.samples.push(ms);
    if (this.samples.length < this.window) return undefined;
    // Windows do not overlap: each frame counts in one decision, so noise gets few chances to decide.
    const m = trimmedMean(this.samples);
    this.samples = [];
    const previous = this.slow;
    this.smoothed = m;
    const budget = 1000 / this.fps;
    const area = (i: number) => this.ladder[i]! ** 2;
    if (m > budget) {
      this.slow = m;
      if (previous === undefined || this.rung === this.ladder.length - 1) return undefined;
      // Sized on the lower of the two windows, so a burst in one of them does not overshoot.
      const cost = Math.min(previous, m);
      let to = this.rung + 1;
      while (to < this.ladder.length - 1 && (cost * area(to)) / area(this.rung) > budget) to++;
      if (this.probing > 0) this.failures.set(this.rung, { count: (this.failure(this.rung, now)?.count ?? 0) + 1, at: now });
      return this.change(to, 'slow', m, now);
    }
    this.slow = undefined;
    if (this.probing > 0 && --this.probing === 0) this.failures.delete(this.rung);
    if (this.rung === 0) return undefined;
    const up = this.rung - 1;
    const predicted = (m * area(up)) / area(this.rung);
    const wait = this.upDelayMs * 2 ** Math.min(this.failure(up, now)?.count ?? 0, this.maxBackoff);
    if (predicted <= this.headroom * budget && now - this.since >= wait) return this.change(up, 'headroom', m, now);
    return undefined;
  }

  private failure(rung: number, now: number): Failure | undefined {
    const f = this.failures.get(rung);
    if (f && now - f.at > this.forgetMs) {
      this.failures.delete(rung);
      return undefined;
    }
    return f;
  }

  private change(to: number, reason: ScaleChange['reason'], smoothedMs: number, now: number): ScaleChange {
    const from = this.scale;
    // A step up has held once two windows (what a step down needs) came in under the budget.
    this.probing = reason === 'headroom' ? 2 : 0;
    this.rung = to;
    this.samples = [];
    this.slow = undefined;
    this.skip = this.settle;
    this.since = now;
    this.count++;
    return { from, to: this.scale, reason, smoothedMs };
  }
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`);
  return n;
}

/**
 * Mean without the slowest quarter: a burst of slow frames (GC, another process) that fills under a
 * quarter of the window does not move the scale.
 */
function trimmedMean(xs: readonly number[]): number {
  const kept = [...xs].sort((a, b) => a - b).slice(0, xs.length - Math.floor(xs.length / 4));
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}
