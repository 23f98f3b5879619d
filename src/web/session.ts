import { stylesOf, type LoadedModel } from '../models/codec.js';
import { checkContext, pixelOnnx, type PixelLayout } from '../models/pixel-io.js';
import type { StyleMix } from '../models/styles.js';
import { checkStyleOption, SessionStylizer } from '../runtime/session-stylizer.js';
import { chooseBackend, type Backend, type BackendRequest } from './backend.js';
import { createSession, type WebSession } from './ort.js';

/** What pages hand over: ImageData's RGBA, and RGBA back for the canvas. */
const RGBA: PixelLayout = { input: 4, output: 4 };

/**
 * A style network on an onnxruntime-web session in the current thread, with Node's `Stylizer` body:
 * RGBA in, RGBA out at the same size, every conversion a node of the pixel graph. Only the inference
 * worker runs it: onnxruntime-web's WASM threads load the module it was bundled into, which in a
 * page's bundle can be the page's own code (see worker.ts).
 */
export class ThreadStylizer {
  private readonly body: SessionStylizer<WebSession>;

  private constructor(
    readonly model: LoadedModel,
    private readonly session: WebSession,
    style: StyleMix | undefined,
    context: number,
  ) {
    // One frame per call; the session runs one call at a time anyway.
    this.body = new SessionStylizer(model, async () => session, { batchSize: 1, inFlight: 1, ...(style === undefined ? {} : { style }), context });
  }

  /** `context`: pixels of mirrored context around every frame, cut off the output (see PixelLayout.context). */
  static async create(model: LoadedModel, request: BackendRequest, style?: StyleMix, context = 0): Promise<ThreadStylizer> {
    checkStyleOption(model, style);
    checkContext(context);
    const backend = await chooseBackend(request);
    return new ThreadStylizer(model, await createSession(pixelOnnx(model, { ...RGBA, context }), backend), style, context);
  }

  /** A multi-style model's style names, in row order (empty for a single-style one). */
  get styles(): string[] {
    return (stylesOf(this.model) ?? []).map((s) => s.name);
  }

  /** Another style or mix for the next frames, on the same session (throws on a bad one). */
  setStyle(style: StyleMix): void {
    this.body.setStyle(style);
  }

  /** The backend chosen ('webgpu' or 'wasm'). */
  get backend(): Backend {
    return this.session.backend;
  }

  /** WASM threads in use (0 on WebGPU). */
  get threads(): number {
    return this.session.threads;
  }

  /** session.run time of the last stylize call, in ms (the pixel graph's conversions included). */
  get lastRunMs(): number {
    return this.session.lastRunMs;
  }

  /** RGBA pixels in (read in place), stylized RGBA out (alpha carried over). */
  async stylizeRgba(rgba: Uint8ClampedArray, width: number, height: number): Promise<Uint8Array> {
    return (await this.body.stylize({ width, height, channels: 4, data: rgba })).data as Uint8Array;
  }

  /** Free the session (and its GPU buffers); the stylizer cannot run afterwards. */
  release(): Promise<void> {
    return this.session.release();
  }
}
