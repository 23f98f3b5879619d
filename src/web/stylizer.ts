import type { LoadedModel } from '../models/codec.js';
import { inferenceOnnx } from '../models/inference.js';
import { SessionStylizer } from '../runtime/session-stylizer.js';
import { chooseBackend, type Backend, type BackendRequest } from './backend.js';
import { createSession, type WebSession } from './ort.js';
import { toImageData, type ImageSource } from './source.js';

export interface StylizerOptions {
  /** 'auto' (default): WebGPU on a real GPU, else WASM (threaded on a cross-origin isolated page). */
  readonly backend?: BackendRequest;
}

/**
 * Runs a style network in the page, like Node's `Stylizer` (the same body, on an onnxruntime-web
 * session): any size in, the same size out (padding to the network's stride and cropping back happen inside).
 *
 * @example
 * const stylizer = await Stylizer.create(await loadModel('candy_rt'));
 * const out = await stylizer.stylize(document.querySelector('img'), canvas); // also drawn into canvas
 */
export class Stylizer {
  private readonly body: SessionStylizer<WebSession>;

  private constructor(
    readonly model: LoadedModel,
    private readonly session: WebSession,
  ) {
    // One frame per call; the session runs one call at a time anyway.
    this.body = new SessionStylizer(model, session, { batchSize: 1, inFlight: 1 });
  }

  static async create(model: LoadedModel, opts: StylizerOptions = {}): Promise<Stylizer> {
    const backend = await chooseBackend(opts.backend ?? 'auto');
    return new Stylizer(model, await createSession(inferenceOnnx(model), backend));
  }

  /** The backend chosen ('webgpu' or 'wasm'). */
  get backend(): Backend {
    return this.session.backend;
  }

  /** WASM threads in use (0 on WebGPU). */
  get threads(): number {
    return this.session.threads;
  }

  /** session.run time of the last stylize call, in ms (pre/post-processing excluded). */
  get lastRunMs(): number {
    return this.session.lastRunMs;
  }

  /** Stylize a source at its own size; with `canvas`, also draw the result into it (resized to fit). */
  async stylize(source: ImageSource, canvas?: HTMLCanvasElement | OffscreenCanvas): Promise<ImageData> {
    const input = toImageData(source);
    const out = new ImageData(await this.stylizeRgba(input.data, input.width, input.height), input.width, input.height);
    if (canvas) {
      if (canvas.width !== out.width || canvas.height !== out.height) Object.assign(canvas, { width: out.width, height: out.height });
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
      if (!ctx) throw new Error('canvas has no 2d context (is it already used for WebGL/WebGPU?)');
      ctx.putImageData(out, 0, 0);
    }
    return out;
  }

  /** RGBA pixels in, stylized RGBA out (alpha carried over). The live loop's worker calls this. */
  async stylizeRgba(rgba: Uint8ClampedArray, width: number, height: number): Promise<Uint8ClampedArray<ArrayBuffer>> {
    const out = await this.body.stylize({ width, height, channels: 4, data: rgba });
    return new Uint8ClampedArray(out.data.buffer as ArrayBuffer);
  }

  /** Free the session (and its GPU buffers); the stylizer cannot run afterwards. */
  release(): Promise<void> {
    return this.session.release();
  }
}
