import type { RawImage } from '../io/pixels.js';
import { checkTargetFps, ladderFor, scaledSize, ScaleController, type ScaleChange, type ScaleControllerOptions, type ScaleState } from './adaptive.js';
import { resizeBilinear } from './pipeline.js';
import type { FrameStylizer, StylizeOptions } from './session-stylizer.js';

export interface ScaledStylizerOptions extends ScaleControllerOptions {
  /** The network's stride and minimum side, so scaled sizes need no padding. Default to 4 and 1. */
  readonly stride?: number;
  readonly minSide?: number;
  /** Clock in ms. Defaults to performance.now (tests pass a simulated one). */
  readonly now?: () => number;
  readonly onChange?: (change: ScaleChange) => void;
}

/**
 * A FrameStylizer that holds a target frame rate: frames go to `inner` at the scale a ScaleController
 * picks and come back bilinear-upsampled to their own size. Each call's busy time is what the
 * controller sees: from the call (or the previous call's end, when calls overlap) to its end, resizing
 * included, so with several calls in flight it measures throughput, and a slow source (the stylizer
 * idle between frames) does not count as slowness.
 *
 * @example
 * const s = new ScaledStylizer(await WorkerStylizer.create(model), { targetFps: 15, stride: model.stride });
 * await runPipeline(frames, s, sink);
 */
export class ScaledStylizer implements FrameStylizer {
  private controller: ScaleController | undefined;
  private lastEnd = -Infinity;
  private readonly now: () => number;

  constructor(
    private readonly inner: FrameStylizer,
    private readonly opts: ScaledStylizerOptions,
  ) {
    checkTargetFps(opts.targetFps);
    this.now = opts.now ?? (() => performance.now());
  }

  /** The scale frames are stylized at now (1 until the first frame). */
  get scale(): number {
    return this.controller?.scale ?? 1;
  }

  get state(): ScaleState {
    return this.controller?.state ?? { scale: 1, targetFps: this.opts.targetFps, budgetMs: 1000 / this.opts.targetFps, smoothedMs: undefined, changes: 0 };
  }

  /** `opts` (a style, frames to move) go to `inner` with the scaled frames. */
  async stylizeMany(images: readonly RawImage[], opts: StylizeOptions = {}): Promise<RawImage[]> {
    if (images.length === 0) return [];
    const start = this.now();
    const { stride = 4, minSide = 1 } = this.opts;
    // The ladder is fixed by the first frame's size (the pipeline gives every frame one size).
    this.controller ??= new ScaleController({ ...this.opts, ladder: ladderFor(images[0]!, this.opts.ladder, stride, minSide) });
    const scale = this.controller.scale;
    const small = scale === 1 ? images : images.map((im) => resized(im, scaledSize(im, scale, stride, minSide)));
    const out = await this.inner.stylizeMany(small, opts);
    const full = scale === 1 ? out : out.map((o, k) => resized(o, images[k]!));
    const end = this.now();
    const busy = end - Math.max(start, this.lastEnd);
    this.lastEnd = Math.max(end, this.lastEnd);
    const change = this.controller.observe(busy / images.length, scale, end);
    if (change) this.opts.onChange?.(change);
    return full;
  }
}

function resized(img: RawImage, size: { readonly width: number; readonly height: number }): RawImage {
  if (img.width === size.width && img.height === size.height) return img;
  // resizeBilinear writes 8-bit samples; the pipeline only hands over 8-bit RGB.
  if (img.data instanceof Uint16Array) throw new Error('a target frame rate needs 8-bit frames, got 16-bit');
  return resizeBilinear(img, size.width, size.height);
}
