/**
 * Temporal flicker of a stylized video: the mean absolute change between consecutive output frames,
 * relative to the same measure on the source frames. 1 means the output changes as much as the input
 * did; a per-frame network with no temporal coupling usually scores well above 1 (the seed's open
 * problem), while a perfectly stable one would approach 1.
 */
import { decodeVideo, probeVideo } from '../io/video.js';
import type { RawImage } from '../runtime/image.js';

export interface FlickerResult {
  /** Frames compared (pairs = frames - 1). */
  readonly frames: number;
  /** Mean |frame_t - frame_t-1| of the stylized video, per 8-bit sample (0..255). */
  readonly output: number;
  /** The same for the source video. */
  readonly source: number;
  /** output / source (Infinity when the source never changes but the output does; 1 when neither changes). */
  readonly ratio: number;
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

/**
 * Flicker of two frame streams in lockstep (stylized, source); they must have the same frame count.
 *
 * @example
 * const r = await measureFlicker(stylizedFrames, sourceFrames); // { output, source, ratio, frames }
 */
export async function measureFlicker(stylized: AsyncIterable<RawImage>, source: AsyncIterable<RawImage>): Promise<FlickerResult> {
  const a = stylized[Symbol.asyncIterator]();
  const b = source[Symbol.asyncIterator]();
  const out = new ChangeMeter();
  const src = new ChangeMeter();
  try {
    for (;;) {
      const [x, y] = await Promise.all([a.next(), b.next()]);
      if (x.done !== y.done) {
        const more = x.done ? 'source' : 'stylized video';
        throw new Error(`frame counts differ: the ${more} has more than ${out.frames} frames (was the output made from this source?)`);
      }
      if (x.done) break;
      out.add(x.value);
      src.add(y.value);
    }
  } finally {
    await Promise.all([a.return?.(), b.return?.()]).catch(() => {});
  }
  if (out.frames < 2) throw new Error(`flicker needs at least 2 frames, got ${out.frames}`);
  return { frames: out.frames, output: out.mean, source: src.mean, ratio: ratioOf(out.mean, src.mean) };
}

/** Flicker of a stylized video file against its source file (decoded at the stylized video's size). */
export async function flickerOfFiles(stylized: string, source: string): Promise<FlickerResult> {
  const [si, oi] = await Promise.all([probeVideo(stylized), probeVideo(source)]);
  const size = { width: si.width, height: si.height };
  const a = decodeVideo(stylized, { sourceSize: size });
  const b = decodeVideo(source, { sourceSize: oi, ...(oi.width !== si.width || oi.height !== si.height ? { size } : {}) });
  try {
    return await measureFlicker(a, b);
  } catch (e) {
    a.abort();
    b.abort();
    throw e;
  }
}
