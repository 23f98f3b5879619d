/**
 * The Stylizer body both platforms share: Node's `Stylizer` and `WorkerStylizer` and the browser's
 * `Stylizer` differ only in the {@link Session}s they hand it. Node-free.
 */
import { f32, tensor, type Tensor } from '../graph/tensor.js';
import { stylesOf, type LoadedModel } from '../models/codec.js';
import { checkContext, layoutKey, PIXELS_INPUT, PIXELS_OUTPUT, type PixelChannels, type PixelLayout } from '../models/pixel-io.js';
import { mixWeights, type StyleMix } from '../models/styles.js';
import { STYLE_INPUT } from '../models/transformer.js';
import { checkImage, colorChannels, sizeBatches, toColor8, type RawImage } from '../io/pixels.js';
import type { Feeds, Session } from './session.js';

export interface StylizeOptions {
  /**
   * The images are the caller's to give away: a session on another thread may take their buffers
   * (detached afterwards) instead of a copy. Defaults to false.
   */
  readonly transfer?: boolean;
  /** A multi-style model's style or mix for this call only (see {@link SessionStylizer.setStyle}). */
  readonly style?: StyleMix;
}

/** Anything that stylizes a list of frames, keeping order and sizes (Stylizer, WorkerStylizer, test fakes). */
export interface FrameStylizer {
  stylizeMany(images: readonly RawImage[], opts?: StylizeOptions): Promise<RawImage[]>;
  /** Time spent so far, where the stylizer keeps count. */
  readonly timing?: StylizerTiming;
}

/** Time spent per step, in milliseconds, summed over all calls. */
export interface StylizerTiming {
  /** Calling thread: converting odd formats (grey, 16-bit), joining batches and copying frames that cannot be moved. */
  readonly copy: number;
  /** Network runs, pre/post-processing graph nodes included. */
  readonly run: number;
  readonly frames: number;
}

/** The session for one pixel layout of the model (see models/pixel-io.ts). */
export type PixelSessions<S extends Session> = (layout: PixelLayout) => Promise<S>;

export interface SessionStylizerOptions {
  /** Most images per network run. */
  readonly batchSize: number;
  /**
   * Batches handed to the session before the first returns. 1 when run() blocks this thread anyway
   * (onnxruntime-node in-thread); more when the session runs elsewhere, so the next batch is ready.
   */
  readonly inFlight: number;
  /** A multi-style model's style or mix (a name, or weights by name); defaults to its first style. */
  readonly style?: StyleMix;
  /** Pixels of mirrored context around every image, cut off the output (see PixelLayout.context). Defaults to 0. */
  readonly context?: number;
}

/** The body options a Stylizer factory passes on from its own: the style and the context, where given. */
export function bodyOptions(opts: Pick<SessionStylizerOptions, 'style' | 'context'>): Pick<SessionStylizerOptions, 'style' | 'context'> {
  return { ...(opts.style === undefined ? {} : { style: opts.style }), ...(opts.context === undefined ? {} : { context: opts.context }) };
}

/** Refuse a batch size that is not a positive integer (every Stylizer factory checks this first). */
export function checkBatchSize(batch: number): number {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch size must be a positive integer, got ${batch}`);
  return batch;
}

/** A style option checked against the model before any session is made (one-line errors). */
export function checkStyleOption(model: LoadedModel, style: StyleMix | undefined): void {
  if (style !== undefined) mixWeights(stylesOf(model), style, model.info.name);
}

/** The bytes of 8-bit samples, as a view (a Uint8ClampedArray would be copied by onnxruntime). */
const bytesOf = (d: RawImage['data']) => (d instanceof Uint8Array ? d : new Uint8Array(d.buffer, d.byteOffset, d.byteLength));

/** Whether a view covers its whole buffer, so moving the buffer moves nothing else. */
export const ownsBuffer = (d: ArrayBufferView) => d.byteOffset === 0 && d.byteLength === d.buffer.byteLength;

/**
 * Runs a style network on images of any size through its pixel graphs: 8-bit RGB or RGBA frames go
 * in as they are and come out at their own size (padding, cropping and the conversions are graph
 * nodes). Images of one size and layout are batched.
 */
export class SessionStylizer<S extends Session = Session> implements FrameStylizer {
  private readonly spent = { copy: 0, run: 0, frames: 0 };
  private readonly batchSize: number;
  private readonly inFlight: number;
  private readonly sessions = new Map<string, Promise<S>>();
  /** The `style` input of a multi-style model (mix weights, summing to 1); empty for a single-style one. */
  private mix: Float32Array;
  /** Mirrored context around every image, in pixels (part of each session's layout). */
  readonly context: number;

  constructor(
    readonly model: LoadedModel,
    private readonly open: PixelSessions<S>,
    opts: SessionStylizerOptions,
  ) {
    this.batchSize = checkBatchSize(opts.batchSize);
    this.inFlight = opts.inFlight;
    this.context = checkContext(opts.context ?? 0);
    this.mix = this.weightsOf(opts.style);
  }

  /**
   * Paint the following calls in another style or mix of a multi-style model: only the `style` input
   * fed to the same session changes. Throws (one line) on an unknown name, a negative or all-zero
   * mix, or any style for a single-style model.
   */
  setStyle(style: StyleMix): void {
    this.mix = this.weightsOf(style);
  }

  /**
   * Time spent so far. `run` is as long as this thread waits for session.run: for a session on another
   * thread, waiting behind earlier runs is included (WorkerStylizer reports the thread's own time).
   */
  get timing(): StylizerTiming {
    return { ...this.spent };
  }

  /** The session for `layout`, created on first use and kept. */
  session(layout: PixelLayout): Promise<S> {
    const key = layoutKey(layout);
    let s = this.sessions.get(key);
    if (!s) {
      s = this.open(layout);
      // A failed start is not kept: the next call tries again.
      s.catch(() => this.sessions.delete(key));
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Stylize one image; the output is RGB (RGBA with the input's alpha when it has alpha) at the input's size. */
  async stylize(image: RawImage, opts: StylizeOptions = {}): Promise<RawImage> {
    const [out] = await this.stylizeMany([image], opts);
    return out!;
  }

  /** Stylize many images, batching those of equal size and layout; results keep the input order. */
  async stylizeMany(images: readonly RawImage[], opts: StylizeOptions = {}): Promise<RawImage[]> {
    const mix = this.mixFor(opts);
    const results: RawImage[] = new Array(images.length);
    const running = new Set<Promise<void>>();
    for (const chunk of sizeBatches(images, this.batchSize)) {
      if (running.size >= this.inFlight) await Promise.race(running);
      const batch = chunk.map((i) => images[i]!);
      const c = colorChannels(batch[0]!);
      const done = this.run(batch, this.layout(c, c), mix, opts.transfer ?? false).then((out) => {
        const size = out.data.length / chunk.length;
        // Views into the batch's output, no copy.
        chunk.forEach((i, k) => (results[i] = { width: batch[k]!.width, height: batch[k]!.height, channels: c, data: out.data.subarray(k * size, (k + 1) * size) as Uint8Array }));
        this.spent.frames += chunk.length;
      });
      running.add(done);
      // Handled here so a batch failing while another is awaited is not an unhandled rejection.
      done.then(
        () => running.delete(done),
        () => undefined,
      );
    }
    await Promise.all(running);
    return results;
  }

  /**
   * One image's output before rounding: RGB planes [3 * height * width] on 0..255 (clamped, NaN -> 0)
   * at the input's size, from the same network as {@link stylize}. PSNR, SSIM and the VGG losses are
   * measured on these rather than on 8-bit images.
   */
  async stylizeFloat(image: RawImage, opts: Pick<StylizeOptions, 'style'> = {}): Promise<Float32Array> {
    return (await this.run([image], this.layout(colorChannels(image), 'planes'), this.mixFor(opts), false)).data as Float32Array;
  }

  private layout(input: PixelChannels, output: PixelLayout['output']): PixelLayout {
    return this.context ? { input, output, context: this.context } : { input, output };
  }

  /** The `style` feed of a call: its own style, else the one set (empty for a single-style model). */
  private mixFor(opts: Pick<StylizeOptions, 'style'>): Float32Array {
    return opts.style === undefined ? this.mix : this.weightsOf(opts.style);
  }

  private weightsOf(style: StyleMix | undefined): Float32Array {
    return mixWeights(stylesOf(this.model), style, this.model.info.name);
  }

  /** One batch of equal-sized images through the layout's session, with the style input beside the pixels. */
  private async run(batch: readonly RawImage[], layout: PixelLayout, mix: Float32Array, transfer: boolean): Promise<Tensor> {
    const session = await this.session(layout);
    const t0 = performance.now();
    const pixels = feed(batch, layout.input, !!session.movesFeeds, transfer);
    // The pixel graph passes the network's `style` input through. A copy per run: a session on
    // another thread moves the feeds' buffers away, and the mix stays ours.
    const feeds: Feeds = mix.length ? { [PIXELS_INPUT]: pixels, [STYLE_INPUT]: f32([mix.length], mix.slice()) } : { [PIXELS_INPUT]: pixels };
    const t1 = performance.now();
    this.spent.copy += t1 - t0;
    const out = (await session.run(feeds))[PIXELS_OUTPUT];
    this.spent.run += performance.now() - t1;
    const dtype = layout.output === 'planes' ? 'float32' : 'uint8';
    if (out?.dtype !== dtype) throw new Error(`model ${this.model.info.name} returned no ${dtype} '${PIXELS_OUTPUT}'`);
    return out;
  }
}

/**
 * Equal-sized images as one uint8 [N, H, W, C] tensor. A single frame goes in as it is, except when
 * the session moves its buffer to another thread (`moves`) and that buffer is not ours or the
 * caller's to give (`transfer`), or holds more than the frame: then it is copied once.
 */
function feed(batch: readonly RawImage[], channels: PixelChannels, moves: boolean, transfer: boolean): Tensor<'uint8'> {
  const { width, height } = batch[0]!;
  const frames = batch.map((img) => {
    checkImage(img);
    const color = toColor8(img, true);
    return { data: bytesOf(color.data), ours: color !== img };
  });
  const dims = [batch.length, height, width, channels];
  if (frames.length === 1) {
    const { data, ours } = frames[0]!;
    const keep = !moves || ((ours || transfer) && ownsBuffer(data));
    return tensor('uint8', dims, keep ? data : data.slice());
  }
  const size = frames[0]!.data.length;
  const joined = new Uint8Array(size * frames.length);
  frames.forEach((f, k) => joined.set(f.data, k * size));
  return tensor('uint8', dims, joined);
}
