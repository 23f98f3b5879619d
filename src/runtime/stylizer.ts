import type { LoadedModel } from '../models/modelfile.js';
import type { StyleMix } from '../models/styles.js';
import { layoutKey, pixelOnnx, type PixelLayout } from '../models/pixel-io.js';
import { createSession, type Session, type SessionOptions } from './ort.js';
import { bodyOptions, checkBatchSize, checkStyleOption, SessionStylizer, type PixelSessions, type SessionStylizerOptions } from './session-stylizer.js';

export interface StylizerOptions extends SessionOptions {
  /** Most images per network run. Defaults to 4. */
  readonly batchSize?: number;
  /**
   * Share sessions with every Stylizer of the same model and threads (the default). false: sessions of
   * its own, freed by {@link Stylizer.release} (for callers that run many models in turn).
   */
  readonly shared?: boolean;
  /**
   * A multi-style model's style or mix: a name ('candy') or weights by name ({ candy: 0.7, mosaic: 0.3 },
   * normalized). Defaults to its first style; change it later with setStyle() or per call.
   */
  readonly style?: StyleMix;
  /**
   * Pixels of mirrored context the network sees around every image, cut off its output: a teacher
   * that paints a frame along the borders paints it there instead (32 does for the built-in
   * teachers), at the cost of the extra area. Defaults to 0.
   */
  readonly context?: number;
}

// Sessions are expensive to create (graph optimization); share them per model bytes, threads and layout.
// A multi-style model's style is an input, so every style and mix shares them too.
const shared = new Map<string, Promise<Session>>();

function sharedSession(model: LoadedModel, opts: SessionOptions, layout: PixelLayout): Promise<Session> {
  const key = `${model.sha256}:${opts.threads ?? 0}:${layoutKey(layout)}`;
  let s = shared.get(key);
  if (!s) {
    s = createSession(pixelOnnx(model, layout), opts);
    s.catch(() => shared.delete(key));
    shared.set(key, s);
  }
  return s;
}

/**
 * Runs a style network on images of any size, in this thread: 8-bit RGB or RGBA in, the same size
 * and layout out (grey and 16-bit images are converted first). The session of each pixel layout is
 * created on first use.
 *
 * @example
 * const stylizer = await Stylizer.create(await loadModel('candy'));
 * const out = await stylizer.stylize({ width: 2, height: 2, channels: 3, data: new Uint8Array(12) });
 * // A multi-style model: pick or blend its styles, on the same session.
 * const multi = await Stylizer.create(await loadModel('multi.onnx'), { style: 'candy' });
 * const blend = await multi.stylize(image, { style: { candy: 0.7, mosaic: 0.3 } });
 */
export class Stylizer extends SessionStylizer {
  private constructor(model: LoadedModel, open: PixelSessions<Session>, opts: SessionStylizerOptions, private readonly owned: Promise<Session>[]) {
    super(model, open, opts);
  }

  static async create(model: LoadedModel, opts: StylizerOptions = {}): Promise<Stylizer> {
    const batchSize = checkBatchSize(opts.batchSize ?? 4);
    checkStyleOption(model, opts.style);
    // onnxruntime-node's run() blocks this thread, so there is nothing to overlap a second batch with.
    const body: SessionStylizerOptions = { batchSize, inFlight: 1, ...bodyOptions(opts) };
    if (!opts.profilePrefix && opts.shared !== false) return new Stylizer(model, (layout) => sharedSession(model, opts, layout), body, []);
    const owned: Promise<Session>[] = [];
    const open = (layout: PixelLayout) => {
      const s = createSession(pixelOnnx(model, layout), opts);
      owned.push(s);
      return s;
    };
    return new Stylizer(model, open, body, owned);
  }

  /** Free sessions of its own (`shared: false`); shared sessions live as long as the process. */
  async release(): Promise<void> {
    for (const s of this.owned.splice(0)) await (await s.catch(() => undefined))?.release();
  }
}
