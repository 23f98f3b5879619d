import type { LoadedModel } from '../models/modelfile.js';
import { inferenceOnnx } from '../models/inference.js';
import { createSession, type Session, type SessionOptions } from './ort.js';
import { checkBatchSize, SessionStylizer, type SessionStylizerOptions } from './session-stylizer.js';

export interface StylizerOptions extends SessionOptions {
  /** Most images per network run. Defaults to 4. */
  readonly batchSize?: number;
  /**
   * Share the session with every Stylizer of the same model and threads (the default). false: a
   * session of its own, freed by {@link Stylizer.release} (for callers that run many models in turn).
   */
  readonly shared?: boolean;
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
 */
export class Stylizer extends SessionStylizer {
  private constructor(model: LoadedModel, session: Session, opts: SessionStylizerOptions, private readonly owned: boolean) {
    super(model, session, opts);
  }

  static async create(model: LoadedModel, opts: StylizerOptions = {}): Promise<Stylizer> {
    const batchSize = checkBatchSize(opts.batchSize ?? 4);
    // onnxruntime-node's run() blocks this thread, so there is nothing to overlap a second batch with.
    return new Stylizer(model, await sessionFor(model, opts), { batchSize, inFlight: 1 }, opts.shared === false);
  }

  /** Free a session of its own (`shared: false`); shared sessions live as long as the process. */
  async release(): Promise<void> {
    if (this.owned) await this.session.release();
  }
}
