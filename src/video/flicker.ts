/**
 * Temporal flicker of a stylized video: the mean absolute change between consecutive output frames,
 * relative to the same measure on the source frames. 1 means the output changes as much as the input
 * did; a per-frame network with no temporal coupling usually scores well above 1 (the seed's open
 * problem), while a perfectly stable one would approach 1. Next to it, the warping error
 * (src/temporal/warp-error.ts), which follows the source's motion instead of punishing it.
 */
import { decodeVideo, probeVideo } from '../io/video.js';
import type { RawImage } from '../io/pixels.js';
import { FlowEstimator } from '../temporal/flow.js';
import { flowWarpTaps, pairWarpError } from '../temporal/warp-error.js';

export interface FlickerResult {
  /** Frames compared (pairs = frames - 1). */
  readonly frames: number;
  /** Mean |frame_t - frame_t-1| of the stylized video, per 8-bit sample (0..255). */
  readonly output: number;
  /** The same for the source video. */
  readonly source: number;
  /** output / source (Infinity when the source never changes but the output does; 1 when neither changes). */
  readonly ratio: number;
  /** Warping error of the stylized frames along the source's optical flow (MSE on 0..1 RGB); absent when not asked for. */
  readonly warpError?: number;
  /** The same on the source frames: what flow errors and lighting changes alone contribute. */
  readonly sourceWarpError?: number;
}

/** Mean absolute difference per sample of two same-shaped images. */
export function meanAbsDiff(a: RawImage, b: RawImage): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(`frames differ in shape: ${a.width}x${a.height}x${a.channels} and ${b.width}x${b.height}x${b.channels}`);
  }
  const x = a.data;
  const y = b.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]! - y[i]!);
  return s / x.length;
}

/** Accumulates consecutive-frame change for one stream. */
export class ChangeMeter {
  private prev: RawImage | undefined;
  private sum = 0;
  frames = 0;

  add(frame: RawImage): void {
    if (this.prev) this.sum += meanAbsDiff(this.prev, frame);
    this.prev = frame;
    this.frames++;
  }

  /** Mean change per consecutive pair (0 with fewer than two frames). */
  get mean(): number {
    return this.frames > 1 ? this.sum / (this.frames - 1) : 0;
  }
}

const ratioOf = (out: number, src: number) => (src > 0 ? out / src : out > 0 ? Infinity : 1);

/** Accumulates the warping error of a stylized stream and of its source, flows computed on the source. */
export class WarpErrorMeter {
  private prev: { out: RawImage; src: RawImage } | undefined;
  private sum = 0;
  private srcSum = 0;
  private pairs = 0;

  constructor(private readonly flow: FlowEstimator) {}

  add(out: RawImage, src: RawImage): void {
    if (this.prev) {
      const taps = flowWarpTaps(this.flow.flow(src, this.prev.src), this.flow.flow(this.prev.src, src));
      this.sum += pairWarpError(this.prev.out, out, taps);
      this.srcSum += pairWarpError(this.prev.src, src, taps);
      this.pairs++;
    }
    this.prev = { out, src };
  }

  get output(): number {
    return this.pairs ? this.sum / this.pairs : 0;
  }

  get source(): number {
    return this.pairs ? this.srcSum / this.pairs : 0;
  }
}

/**
 * Flicker of two frame streams in lockstep (stylized, source); they must have the same frame count.
 * With `warp`, also the warping error (optical flow on the source frames: slower).
 *
 * @example
 * const r = await measureFlicker(stylizedFrames, sourceFrames, { warp: true }); // { ratio, warpError, ... }
 */
export async function measureFlicker(stylized: AsyncIterable<RawImage>, source: AsyncIterable<RawImage>, opts: { warp?: boolean } = {}): Promise<FlickerResult> {
  const a = stylized[Symbol.asyncIterator]();
  const b = source[Symbol.asyncIterator]();
  const out = new ChangeMeter();
  const src = new ChangeMeter();
  const warp = opts.warp ? new WarpErrorMeter(await FlowEstimator.create()) : undefined;
  try {
    for (;;) {
      const [x, y] = await Promise.all([a.next(), b.next()]);
      if (x.done !== y.done) {
        const more = x.done ? 'source' : 'stylized video';
        throw new Error(`frame counts differ: the ${more} has more than ${out.frames} frames (was the output made from this source?)`);
      }
      if (x.done) break;
      if (x.value.width !== y.value.width || x.value.height !== y.value.height) {
        throw new Error(`frame ${out.frames + 1}: the stylized frame is ${x.value.width}x${x.value.height}, the source ${y.value.width}x${y.value.height}`);
      }
      out.add(x.value);
      src.add(y.value);
      warp?.add(x.value, y.value);
    }
  } finally {
    await Promise.all([a.return?.(), b.return?.()]).catch(() => {});
  }
  if (out.frames < 2) throw new Error(`flicker needs at least 2 frames, got ${out.frames}`);
  return {
    frames: out.frames, output: out.mean, source: src.mean, ratio: ratioOf(out.mean, src.mean),
    ...(warp ? { warpError: warp.output, sourceWarpError: warp.source } : {}),
  };
}

/** Flicker of a stylized video file against its source file (decoded at the stylized video's size). */
export async function flickerOfFiles(stylized: string, source: string, opts: { warp?: boolean } = {}): Promise<FlickerResult> {
  const [si, oi] = await Promise.all([probeVideo(stylized), probeVideo(source)]);
  const size = { width: si.width, height: si.height };
  const a = decodeVideo(stylized, { sourceSize: size });
  const b = decodeVideo(source, { sourceSize: oi, ...(oi.width !== si.width || oi.height !== si.height ? { size } : {}) });
  try {
    return await measureFlicker(a, b, opts);
  } catch (e) {
    a.abort();
    b.abort();
    throw e;
  }
}
