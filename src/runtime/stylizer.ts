import type { LoadedModel } from '../models/modelfile.js';
import { inferenceOnnx } from '../models/inference.js';
import { imagesToTensor, sizeBatches, tensorToImage, type RawImage } from './image.js';
import { createSession, type Session, type SessionOptions } from './ort.js';

export interface StylizerOptions extends SessionOptions {
  /** Most images per network run. Defaults to 4. */
  readonly batchSize?: number;
}

// Sessions are expensive to create (graph optimization); share them per model bytes and threads.
const sessions = new Map<string, Promise<Session>>();

function sessionFor(model: LoadedModel, opts: SessionOptions): Promise<Session> {
  if (opts.profilePrefix) return createSession(inferenceOnnx(model), opts);
  const key = `${model.sha256}:${opts.threads ?? 0}`;
  let s = sessions.get(key);
  if (!s) {
    s = createSession(inferenceOnnx(model), opts);
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

/**
 * Runs a style network on images of any size: pads each to the network's stride grid, runs it, crops
 * the output back, so the result has exactly the input's size.
 *
 * @example
 * const stylizer = await Stylizer.create(await loadModel('candy'));
 * const out = await stylizer.stylize({ width: 2, height: 2, channels: 3, data: new Uint8Array(12) });
 */
export class Stylizer {
  private constructor(
    readonly model: LoadedModel,
    private readonly session: Session,
    private readonly batchSize: number,
  ) {}

  static async create(model: LoadedModel, opts: StylizerOptions = {}): Promise<Stylizer> {
    const batch = opts.batchSize ?? 4;
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch size must be a positive integer, got ${batch}`);
    return new Stylizer(model, await sessionFor(model, opts), batch);
  }

  /** Stylize one image; the output is RGB (RGBA when the input has alpha) at the input's size. */
  async stylize(image: RawImage): Promise<RawImage> {
    const [out] = await this.stylizeMany([image]);
    return out!;
  }

  /** Stylize many images, batching those of equal size; results keep the input order. */
  async stylizeMany(images: readonly RawImage[]): Promise<RawImage[]> {
    const results: RawImage[] = new Array(images.length);
    for (const chunk of sizeBatches(images, this.batchSize)) {
      const batch = chunk.map((i) => images[i]!);
      const out = await this.run(batch);
      chunk.forEach((i, k) => (results[i] = tensorToImage(out, k, batch[k]!.width, batch[k]!.height, batch[k])));
    }
    return results;
  }

  private async run(batch: readonly RawImage[]) {
    const input = imagesToTensor(batch, this.model.stride, this.model.minSide);
    const res = await this.session.run({ input });
    const out = res.output;
    if (!out || out.dtype !== 'float32') throw new Error(`model ${this.model.info.name} returned no float32 'output'`);
    return out as typeof input;
  }
}
