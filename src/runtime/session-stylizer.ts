/**
 * The Stylizer body both platforms share: Node's `Stylizer` and `WorkerStylizer` and the browser's
 * `Stylizer` differ only in the {@link Session} they hand it. Node-free.
 */
import { f32, type Tensor } from '../graph/tensor.js';
import { stylesOf, type LoadedModel } from '../models/codec.js';
import { mixWeights, type StyleMix } from '../models/styles.js';
import { STYLE_INPUT } from '../models/transformer.js';
import { imagesToTensor, sizeBatches, tensorToImage, tensorToPlanes, type RawImage } from '../io/pixels.js';
import type { Feeds, Session } from './session.js';

/** Anything that stylizes a list of frames, keeping order and sizes (Stylizer, WorkerStylizer, test fakes). */
export interface FrameStylizer {
  stylizeMany(images: readonly RawImage[]): Promise<RawImage[]>;
}

/** Per-call settings of a stylize call. */
export interface StylizeCall {
  /** A multi-style model's style or mix for this call only (see {@link SessionStylizer.setStyle}). */
  readonly style?: StyleMix;
}

/** Time spent per step, in milliseconds, summed over all calls. */
export interface StylizerTiming {
  /** Packing frames into tensors (calling thread). */
  pre: number;
  /** Network runs. */
  run: number;
  /** Unpacking outputs into frames (calling thread). */
  post: number;
  frames: number;
}

/** The calling thread's share of {@link StylizerTiming}; how long runs take is the session's to say. */
export type PackTiming = Omit<StylizerTiming, 'run'>;

export interface SessionStylizerOptions {
  /** Most images per network run. */
  readonly batchSize: number;
  /**
   * Batches handed to the session before the first returns. 1 when run() blocks this thread anyway
   * (onnxruntime-node in-thread: packing ahead would only hold more tensors); more when the session
   * runs elsewhere, so the next batch is packed while one runs.
   */
  readonly inFlight: number;
  /** A multi-style model's style or mix (a name, or weights by name); defaults to its first style. */
  readonly style?: StyleMix;
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

/**
 * Runs a style network's session on images of any size: pads each to the network's stride grid,
 * batches those of equal size, runs them and crops the outputs back, so every result has exactly its
 * input's size.
 */
export class SessionStylizer<S extends Session = Session> implements FrameStylizer {
  readonly packTiming: PackTiming = { pre: 0, post: 0, frames: 0 };
  private readonly batchSize: number;
  private readonly inFlight: number;
  /** The `style` input of a multi-style model (mix weights, summing to 1); empty for a single-style one. */
  private mix: Float32Array;

  constructor(
    readonly model: LoadedModel,
    /** The session it runs (benchmarks time its runs alone). */
    readonly session: S,
    opts: SessionStylizerOptions,
  ) {
    this.batchSize = checkBatchSize(opts.batchSize);
    this.inFlight = opts.inFlight;
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

  /** Stylize one image; the output is RGB (RGBA when the input has alpha) at the input's size. */
  async stylize(image: RawImage, call: StylizeCall = {}): Promise<RawImage> {
    const [out] = await this.stylizeMany([image], call);
    return out!;
  }

  /** Stylize many images, batching those of equal size; results keep the input order. */
  async stylizeMany(images: readonly RawImage[], call: StylizeCall = {}): Promise<RawImage[]> {
    const mix = call.style === undefined ? this.mix : this.weightsOf(call.style);
    const results: RawImage[] = new Array(images.length);
    const running = new Set<Promise<void>>();
    for (const chunk of sizeBatches(images, this.batchSize)) {
      if (running.size >= this.inFlight) await Promise.race(running);
      const batch = chunk.map((i) => images[i]!);
      const t0 = performance.now();
      const input = imagesToTensor(batch, this.model.stride, this.model.minSide);
      this.packTiming.pre += performance.now() - t0;
      const done = this.run(input, mix).then((out) => {
        const t1 = performance.now();
        chunk.forEach((i, k) => (results[i] = tensorToImage(out, k, batch[k]!.width, batch[k]!.height, batch[k])));
        this.packTiming.post += performance.now() - t1;
        this.packTiming.frames += chunk.length;
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
   * at the input's size, computed exactly as {@link stylize} computes it. PSNR, SSIM and the VGG
   * losses are measured on these rather than on 8-bit images.
   */
  async stylizeFloat(image: RawImage, call: StylizeCall = {}): Promise<Float32Array> {
    const mix = call.style === undefined ? this.mix : this.weightsOf(call.style);
    const out = await this.run(imagesToTensor([image], this.model.stride, this.model.minSide), mix);
    return tensorToPlanes(out, image.width, image.height);
  }

  private weightsOf(style: StyleMix | undefined): Float32Array {
    return mixWeights(stylesOf(this.model), style, this.model.info.name);
  }

  private async run(input: Tensor<'float32'>, mix: Float32Array): Promise<Tensor<'float32'>> {
    // A copy per run: a worker session moves the feeds' buffers away.
    const feeds: Feeds = mix.length ? { input, [STYLE_INPUT]: f32([mix.length], mix.slice()) } : { input };
    const out = (await this.session.run(feeds)).output;
    if (!out || out.dtype !== 'float32') throw new Error(`model ${this.model.info.name} returned no float32 'output'`);
    return out as Tensor<'float32'>;
  }
}
