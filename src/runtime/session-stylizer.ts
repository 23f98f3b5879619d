/**
 * The Stylizer body both platforms share: Node's `Stylizer` and `WorkerStylizer` and the browser's
 * `Stylizer` differ only in the {@link Session} they hand it. Node-free.
 */
import type { Tensor } from '../graph/tensor.js';
import type { LoadedModel } from '../models/codec.js';
import { imagesToTensor, sizeBatches, tensorToImage, tensorToPlanes, type RawImage } from '../io/pixels.js';
import type { Session } from './session.js';

/** Anything that stylizes a list of frames, keeping order and sizes (Stylizer, WorkerStylizer, test fakes). */
export interface FrameStylizer {
  stylizeMany(images: readonly RawImage[]): Promise<RawImage[]>;
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
}

/** Refuse a batch size that is not a positive integer (every Stylizer factory checks this first). */
export function checkBatchSize(batch: number): number {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch size must be a positive integer, got ${batch}`);
  return batch;
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

  constructor(
    readonly model: LoadedModel,
    /** The session it runs (benchmarks time its runs alone). */
    readonly session: S,
    opts: SessionStylizerOptions,
  ) {
    this.batchSize = checkBatchSize(opts.batchSize);
    this.inFlight = opts.inFlight;
  }

  /** Stylize one image; the output is RGB (RGBA when the input has alpha) at the input's size. */
  async stylize(image: RawImage): Promise<RawImage> {
    const [out] = await this.stylizeMany([image]);
    return out!;
  }

  /** Stylize many images, batching those of equal size; results keep the input order. */
  async stylizeMany(images: readonly RawImage[]): Promise<RawImage[]> {
    const results: RawImage[] = new Array(images.length);
    const running = new Set<Promise<void>>();
    for (const chunk of sizeBatches(images, this.batchSize)) {
      if (running.size >= this.inFlight) await Promise.race(running);
      const batch = chunk.map((i) => images[i]!);
      const t0 = performance.now();
      const input = imagesToTensor(batch, this.model.stride, this.model.minSide);
      this.packTiming.pre += performance.now() - t0;
      const done = this.run(input).then((out) => {
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
  async stylizeFloat(image: RawImage): Promise<Float32Array> {
    const out = await this.run(imagesToTensor([image], this.model.stride, this.model.minSide));
    return tensorToPlanes(out, image.width, image.height);
  }

  private async run(input: Tensor<'float32'>): Promise<Tensor<'float32'>> {
    const out = (await this.session.run({ input })).output;
    if (!out || out.dtype !== 'float32') throw new Error(`model ${this.model.info.name} returned no float32 'output'`);
    return out as Tensor<'float32'>;
  }
}
