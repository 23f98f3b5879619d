import type { LoadedModel } from '../models/modelfile.js';
import type { StyleMix } from '../models/styles.js';
import { inferenceOnnx } from '../models/inference.js';
import { createSession, type Session, type SessionOptions } from './ort.js';
import { checkBatchSize, checkStyleOption, SessionStylizer, type SessionStylizerOptions } from './session-stylizer.js';

export interface StylizerOptions extends SessionOptions {
  /** Most images per network run. Defaults to 4. */
  readonly batchSize?: number;
  /**
   * Share the session with every Stylizer of the same model and threads (the default). false: a
   * session of its own, freed by {@link Stylizer.release} (for callers that run many models in turn).
   */
  readonly shared?: boolean;
  /**
   * A multi-style model's style or mix: a name ('candy') or weights by name ({ candy: 0.7, mosaic: 0.3 },
   * normalized). Defaults to its first style; change it later with setStyle() or per call.
   */
  readonly style?: StyleMix;
}


// Sessions are expensive to create (graph optimization); share them per model bytes and threads.
const sessions = new Map<string, Promise<Session>>();

function sessionFor(model: LoadedModel, opts: StylizerOptions): Promise<Session> {
  if (opts.profilePrefix || opts.shared === false) return createSession(inferenceOnnx(model), opts);
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
 * Runs a style network on images of any size, in this thread: pads each to the network's stride grid,
 * runs it, crops the output back, so the result has exactly the input's size.
 *
 * @example
 * const stylizer = await Stylizer.create(await loadModel('candy'));
 * const out = await stylizer.stylize({ width: 2, height: 2, channels: 3, data: new Uint8Array(12) });
 * // A multi-style model: pick or blend its styles, on the same session.
 * const multi = await Stylizer.create(await loadModel('multi.onnx'), { style: 'candy' });
 * const blend = await multi.stylize(image, { style: { candy: 0.7, mosaic: 0.3 } });
 */
export class Stylizer extends SessionStylizer {
  private constructor(model: LoadedModel, session: Session, opts: SessionStylizerOptions, private readonly owned: boolean) {
    super(model, session, opts);
  }

  static async create(model: LoadedModel, opts: StylizerOptions = {}): Promise<Stylizer> {
    const batchSize = checkBatchSize(opts.batchSize ?? 4);
    checkStyleOption(model, opts.style);
    // onnxruntime-node's run() blocks this thread, so there is nothing to overlap a second batch with.
    const style = opts.style === undefined ? {} : { style: opts.style };
    return new Stylizer(model, await sessionFor(model, opts), { batchSize, inFlight: 1, ...style }, opts.shared === false);
  }

  /** Free a session of its own (`shared: false`); shared sessions live as long as the process. */
  async release(): Promise<void> {
    if (this.owned) await this.session.release();
  }
}
