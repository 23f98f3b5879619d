import type { LoadedModel } from '../models/codec.js';
import type { StyleMix } from '../models/styles.js';
import type { Backend, BackendRequest } from './backend.js';
import { fromWire } from './errors.js';
import { WorkerLink } from './link.js';
import { ortSettings } from './ort.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { toImageData, type ImageSource } from './source.js';

export interface StylizerOptions {
  /** 'auto' (default): WebGPU on a real GPU, else WASM (threaded on a cross-origin isolated page). */
  readonly backend?: BackendRequest;
  /** A multi-style model's style or mix ('candy', { candy: 0.7, mosaic: 0.3 }); defaults to its first style. */
  readonly style?: StyleMix;
  /**
   * Pixels of mirrored context the network sees around every image, cut off its output: a teacher
   * that paints a frame along the borders paints it there instead (32 does for the built-in
   * teachers), at the cost of the extra area. Defaults to 0.
   */
  readonly context?: number;
}

/**
 * Runs a style network like Node's `Stylizer` (the same body, on an onnxruntime-web session in a Web
 * Worker, so the page stays responsive): any size in, the same size out (padding to the network's
 * stride and cropping back happen inside). If the worker fails, pending and later calls reject with
 * WorkerFailedError.
 *
 * @example
 * const stylizer = await Stylizer.create(await loadModel('candy_rt'));
 * const out = await stylizer.stylize(document.querySelector('img'), canvas); // also drawn into canvas
 */
export class Stylizer {
  private seq = 0;
  private mixSeq = 0;
  private runMs = 0;

  private constructor(
    readonly model: LoadedModel,
    private readonly link: WorkerLink,
    /** The backend chosen ('webgpu' or 'wasm'). */
    readonly backend: Backend,
    /** WASM threads in use (0 on WebGPU). */
    readonly threads: number,
    /** A multi-style model's style names (empty for a single-style one). */
    readonly styles: readonly string[],
  ) {}

  static async create(model: LoadedModel, opts: StylizerOptions = {}): Promise<Stylizer> {
    const link = new WorkerLink();
    // A copy: the caller keeps its model, and the copy moves to the worker.
    const bytes = model.onnx.slice().buffer as ArrayBuffer;
    const msg: ToWorker = { type: 'load', id: 0, source: bytes, backend: opts.backend ?? 'auto', ...ortSettings(), ...(opts.style === undefined ? {} : { style: opts.style }), ...(opts.context === undefined ? {} : { context: opts.context }) };
    try {
      const info = await link.request<Extract<FromWorker, { type: 'ready' }>>(msg, [bytes], (m) =>
        m.type === 'ready' ? { value: m } : m.type === 'load-error' ? { error: fromWire(m.error) } : undefined,
      );
      return new Stylizer(model, link, info.backend, info.threads, info.styles);
    } catch (e) {
      link.terminate(e as Error);
      throw e;
    }
  }

  /** session.run time of the last stylize call, in ms (pre/post-processing excluded). */
  get lastRunMs(): number {
    return this.runMs;
  }

  /**
   * Paint the next calls in another style or mix of a multi-style model ('candy', or { candy: 0.7,
   * mosaic: 0.3 }, normalized): the same session, fed another `style` input. Rejects on an unknown
   * name, a negative or all-zero mix, or any style for a single-style model.
   */
  setStyle(style: StyleMix): Promise<void> {
    const seq = this.mixSeq++;
    return this.link.request<void>({ type: 'mix', seq, style }, [], (m) =>
      m.type === 'mixed' && m.seq === seq ? (m.error ? { error: fromWire(m.error) } : { value: undefined }) : undefined,
    );
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

  /** RGBA pixels in, stylized RGBA out (alpha carried over). */
  async stylizeRgba(rgba: Uint8ClampedArray, width: number, height: number): Promise<Uint8ClampedArray<ArrayBuffer>> {
    const seq = this.seq++;
    // A copy, moved to the worker: the caller's pixels stay usable.
    const pixels = rgba.slice().buffer as ArrayBuffer;
    const res = await this.link.request<Extract<FromWorker, { type: 'result' }>>({ type: 'frame', seq, width, height, pixels }, [pixels], (m) =>
      m.type === 'result' && m.seq === seq ? { value: m } : m.type === 'run-error' && m.seq === seq ? { error: fromWire(m.error) } : undefined,
    );
    this.runMs = res.runMs;
    return new Uint8ClampedArray(res.output);
  }

  /** Free the session (and its GPU buffers) and the worker; the stylizer cannot run afterwards. */
  async release(): Promise<void> {
    if (this.link.closed) return;
    await this.link.request<void>({ type: 'release' }, [], (m) => (m.type === 'released' ? { value: undefined } : undefined)).catch(() => undefined);
    this.link.terminate(new Error('the stylizer was released'));
  }
}
