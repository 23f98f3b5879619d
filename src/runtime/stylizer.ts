import type { LoadedModel } from '../models/modelfile.js';
import { layoutKey, pixelOnnx, type PixelLayout } from '../models/pixel-io.js';
import { createSession, type Session, type SessionOptions } from './ort.js';
import { checkBatchSize, SessionStylizer, type PixelSessions } from './session-stylizer.js';

export interface StylizerOptions extends SessionOptions {
  /** Most images per network run. Defaults to 4. */
  readonly batchSize?: number;
  /**
   * Share sessions with every Stylizer of the same model and threads (the default). false: sessions of
   * its own, freed by {@link Stylizer.release} (for callers that run many models in turn).
   */
  readonly shared?: boolean;
}

// Sessions are expensive to create (graph optimization); share them per model bytes, threads and layout.
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
 */
export class Stylizer extends SessionStylizer {
  private constructor(model: LoadedModel, open: PixelSessions<Session>, batchSize: number, private readonly owned: Promise<Session>[]) {
    // onnxruntime-node's run() blocks this thread, so there is nothing to overlap a second batch with.
    super(model, open, { batchSize, inFlight: 1 });
  }

  static async create(model: LoadedModel, opts: StylizerOptions = {}): Promise<Stylizer> {
    const batchSize = checkBatchSize(opts.batchSize ?? 4);
    if (!opts.profilePrefix && opts.shared !== false) return new Stylizer(model, (layout) => sharedSession(model, opts, layout), batchSize, []);
    const owned: Promise<Session>[] = [];
    const open = (layout: PixelLayout) => {
      const s = createSession(pixelOnnx(model, layout), opts);
      owned.push(s);
      return s;
    };
    return new Stylizer(model, open, batchSize, owned);
  }

  /** Free sessions of its own (`shared: false`); shared sessions live as long as the process. */
  async release(): Promise<void> {
    for (const s of this.owned.splice(0)) await (await s.catch(() => undefined))?.release();
  }
}
