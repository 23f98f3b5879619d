/**
 * Events per second over a sliding window; times come from the caller so tests need no clock.
 * The window is long enough to see slow models (a frame every second or two) as a rate, not zero.
 */
export class RateMeter {
  private times: number[] = [];

  constructor(private readonly windowMs = 4000) {}

  tick(now: number): void {
    this.times.push(now);
    this.prune(now);
  }

  /** Rate at `now`; 0 until two events fall in the window (one event has no interval). */
  rate(now: number): number {
    this.prune(now);
    const n = this.times.length;
    if (n < 2) return 0;
    const first = this.times[0]!;
    const span = this.times[n - 1]! - first;
    if (span <= 0) return 0;
    // When events stop, let the rate decay instead of holding the last value for a whole window.
    const quiet = now - this.times[n - 1]!;
    return ((n - 1) * 1000) / (quiet > (3 * span) / (n - 1) ? now - first : span);
  }

  reset(): void {
    this.times = [];
  }

  private prune(now: number): void {
    const from = now - this.windowMs;
    let i = 0;
    while (i < this.times.length && this.times[i]! < from) i++;
    if (i) this.times.splice(0, i);
  }
}

/** Exponential moving average; the first sample seeds it. */
export class Ema {
  private v: number | undefined;

  constructor(private readonly alpha = 0.2) {}

  add(x: number): number {
    this.v = this.v === undefined ? x : this.v + this.alpha * (x - this.v);
    return this.v;
  }

  get value(): number {
    return this.v ?? 0;
  }

  reset(): void {
    this.v = undefined;
  }
}

export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

/** A source rectangle, in the frame's pixels. */
export interface Crop {
  readonly sx: number;
  readonly sy: number;
  readonly sw: number;
  readonly sh: number;
}

/** Source rectangle that fills `dst` without distortion (centre crop), or why the frame is unusable. */
export type FramePlan =
  | ({ readonly kind: 'exact' | 'resize' } & Crop)
  | { readonly kind: 'reject'; readonly reason: string };

/**
 * Shape check for a camera frame: the expected size passes as is; other sizes are centre-cropped to
 * the expected aspect and scaled; empty or absurdly thin frames (a camera mid-renegotiation) are rejected.
 */
export function planFrame(src: FrameSize, dst: FrameSize): FramePlan {
  const { width: w, height: h } = src;
  if (!(w > 0 && h > 0) || !Number.isFinite(w) || !Number.isFinite(h)) return { kind: 'reject', reason: `empty frame ${w}x${h}` };
  if (w === dst.width && h === dst.height) return { kind: 'exact', sx: 0, sy: 0, sw: w, sh: h };
  const want = dst.width / dst.height;
  const have = w / h;
  if (have > want * 4 || have < want / 4) return { kind: 'reject', reason: `frame ${w}x${h} is far from the ${dst.width}x${dst.height} aspect` };
  let sw = w;
  let sh = h;
  if (have > want) sw = Math.round(h * want);
  else sh = Math.round(w / want);
  return { kind: 'resize', sx: Math.floor((w - sw) / 2), sy: Math.floor((h - sh) / 2), sw, sh };
}

/** Parse 'WIDTHxHEIGHT' (e.g. '640x480'); throws a one-line error naming the bad value. */
export function parseSize(s: string): FrameSize {
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(s.trim());
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!(width >= 16 && height >= 16 && width <= 4096 && height <= 4096)) throw new Error(`frame size '${s}' is not WIDTHxHEIGHT between 16 and 4096`);
  return { width, height };
}
