/**
 * The live loop: camera (or a video element) -> bounded drop-oldest queue -> inference worker ->
 * canvas. The main thread only hands camera frames over and draws the worker's bitmaps (the worker
 * reads and paints the pixels); at most one frame is in the worker at a time, and while it is busy
 * new frames wait in the queue, the oldest dropped first.
 */
import { stylesOf, type LoadedModel } from '../models/codec.js';
import { checkContext } from '../models/context.js';
import { mixWeights, type StyleMix } from '../models/styles.js';
import { checkTargetFps, ladderFor, scaledSize, ScaleController } from '../runtime/adaptive.js';
import { Fifo } from '../runtime/fifo.js';
import type { Backend, BackendRequest } from './backend.js';
import { openCamera } from './camera.js';
import { CameraLostError, fromWire, type WorkerFailedError } from './errors.js';
import { capture, captureUnsupported, PixelReader, ShownFrame, type Capture, type LiveFrame } from './frame.js';
import { WorkerLink } from './link.js';
import type { ModelSource } from './model.js';
import { ortSettings } from './ort.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { Ema, planFrame, RateMeter, type Crop, type FrameSize } from './stats.js';

export interface LiveOptions {
  /** Size frames are stylized (and shown) at; other camera sizes are centre-cropped and scaled. Defaults to 640x480. */
  readonly size?: FrameSize;
  /** Frames that may wait for the worker; the oldest is dropped beyond. Defaults to 2. */
  readonly queue?: number;
  /** Defaults to 'auto' (see Stylizer). */
  readonly backend?: BackendRequest;
  /** Milliseconds between 'stats' events. Defaults to 500. */
  readonly statsInterval?: number;
  /**
   * Frames per second to hold: when the model cannot keep up, frames are stylized at a lower
   * resolution (in steps of the scale ladder, aspect kept) and drawn upsampled at `size`; the
   * resolution comes back when there is headroom. Change it live with `setTargetFps`. Defaults to
   * none: every frame at `size`.
   */
  readonly targetFps?: number;
}

export interface LiveStats {
  /** Frames the camera (or video) delivered per second. */
  readonly captureFps: number;
  /** Worker time per frame including pre/post-processing (moving average), and session.run alone. */
  readonly inferenceMs: number;
  readonly runMs: number;
  /** Stylized frames drawn per second. */
  readonly shownFps: number;
  /**
   * Frames never shown: not read because the worker was far from done (see `skipped`), dropped by the
   * queue, rejected by the shape check, or finished after a style switch.
   */
  readonly dropped: number;
  /** Camera frames not even read: the worker was busy and would not need a frame before a fresher one arrived. */
  readonly skipped: number;
  readonly shown: number;
  /**
   * Frames stylized but not shown: finished for a model that setStyle(model) had replaced meanwhile, or
   * failed. A change of style or mix within a multi-style model discards none (the same session goes on).
   */
  readonly stale: number;
  /** Frames rejected by the shape check, and frames cropped/scaled to the loop's size. */
  readonly rejected: number;
  readonly resized: number;
  readonly backend: Backend | undefined;
  readonly threads: number;
  /** Inference sessions alive in the worker (1 while a style is loaded, 0 after stop). */
  readonly sessions: number;
  /** Share of `size` (per side) frames are stylized at now: 1, or a rung of the ladder below it with `targetFps`. */
  readonly scale: number;
  /** The frame rate being held, if any. */
  readonly targetFps: number | undefined;
  /**
   * Main-thread milliseconds per shown frame (moving average): taking camera frames (dropped ones
   * included, and the callbacks of asynchronous captures), handing them to the worker, drawing the
   * result and the 'frame' listeners (with any pixels they read). What the loop's JavaScript takes
   * from the page; the network, and reading and painting pixels, run in the worker, and the browser
   * composites the canvas on its own.
   */
  readonly mainThreadMs: number;
}

/** A frame waiting for the worker: its crop is drawn at width x height there. */
interface Queued {
  readonly seq: number;
  readonly image: Capture;
  readonly crop: Crop;
  readonly width: number;
  readonly height: number;
  readonly scale: number;
}

/** How setStyle() runs a model. */
export interface ModelOptions {
  /**
   * Pixels of mirrored context the network sees around every frame, cut off its output: a teacher
   * that paints a frame along the borders paints it there instead (32 does for the built-in
   * teachers; the app's model list says which), at the cost of the extra area. Defaults to 0.
   */
  readonly context?: number;
}

export interface StyleInfo {
  readonly backend: Backend;
  readonly threads: number;
  /** A multi-style model's style names, which setStyle() selects and blends (empty for a single-style one). */
  readonly styles: readonly string[];
}

export interface LiveEvents {
  stats: CustomEvent<LiveStats>;
  frame: CustomEvent<LiveFrame>;
  /** Camera lost (CameraLostError), a frame that failed to run, or the worker died (WorkerFailedError). */
  error: CustomEvent<Error>;
}

const isLoaded = (m: unknown): m is LoadedModel => typeof m === 'object' && m !== null && 'onnx' in m && 'config' in m;

/** Weights by style name: a plain object that is not a loaded model. */
const isMixObject = (m: unknown): m is Readonly<Record<string, number>> =>
  typeof m === 'object' && m !== null && !isLoaded(m) && [Object.prototype, null].includes(Object.getPrototypeOf(m));

/**
 * @example
 * const live = new LiveStylizer(canvas);
 * live.addEventListener('stats', (e) => console.log(e.detail.shownFps));
 * await live.setStyle('candy_rt');
 * await live.start(); // the camera; or live.start(videoElement)
 * // A multi-style model: pick or blend its styles on the next frame, with no session reload.
 * await live.setStyle('/models/multi.onnx');
 * await live.setStyle('mosaic');
 * await live.setStyle({ candy: 0.7, mosaic: 0.3 });
 */
export class LiveStylizer extends EventTarget {
  readonly size: FrameSize;
  private readonly backendRequest: BackendRequest;
  private readonly queue: Fifo<Queued>;
  private readonly viewCtx: CanvasRenderingContext2D;
  private readonly reader = new PixelReader();
  private scaler: ScaleController | undefined;
  /** Scale of the frame in the worker. */
  private sentScale = 1;
  private link: WorkerLink | undefined;
  private style: ModelSource | LoadedModel | undefined;
  /** Mirrored context the model runs with (see ModelOptions). */
  private context = 0;
  private styleId = 0;
  /** Style names of the model in `style`: undefined while a model named by source loads. */
  private styleNames: readonly string[] | undefined = [];
  /** The mix set on the current model, resent when the model comes back after stop(). */
  private mix: StyleMix | undefined;
  private mixSeq = 0;
  private loading: Promise<unknown> | undefined;
  private ready: StyleInfo | undefined;
  /** The last model's info, kept across stop(). */
  private info: StyleInfo | undefined;
  private busy = false;
  private seq = 0;
  private source: HTMLVideoElement | undefined;
  private ownVideo = false;
  private cameraStream: MediaStream | undefined;
  /** The stream came from getUserMedia here, so stop() closes it; a caller's stream is left running. */
  private ownStream = false;
  private starting: Promise<void> | undefined;
  private captureGeneration = 0;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private last: LiveFrame | undefined;
  private sessions = 0;
  private readonly captureRate = new RateMeter();
  private readonly shownRate = new RateMeter();
  private readonly inferMs = new Ema();
  private readonly runMs = new Ema();
  /** Time from handing a frame to the worker to its result, as the page sees it, and between camera frames. */
  private readonly cycleMs = new Ema();
  private readonly frameGapMs = new Ema();
  /** Main-thread work since the last shown frame, and its average per shown frame. */
  private mainPendingMs = 0;
  private readonly mainMs = new Ema();
  private sentAt = 0;
  private lastCameraFrame = 0;
  private counts = { shown: 0, rejected: 0, resized: 0, stale: 0, skipped: 0 };

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly opts: LiveOptions = {},
  ) {
    super();
    this.size = opts.size ?? { width: 640, height: 480 };
    this.backendRequest = opts.backend ?? 'auto';
    // A dropped VideoFrame is closed at once: it holds one of the camera's few buffers.
    this.queue = new Fifo(opts.queue ?? 2, 'drop-oldest', (f) => f.image.close());
    canvas.width = this.size.width;
    canvas.height = this.size.height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('the canvas already has a non-2d context (WebGL/WebGPU); give LiveStylizer its own canvas');
    this.viewCtx = ctx;
    this.setTargetFps(opts.targetFps);
  }

  /**
   * Hold `fps` frames per second by lowering the processing resolution when needed, or with
   * `undefined` stylize every frame at full size again. Takes effect from the next frame; a new target
   * keeps the current scale and measures afresh. Throws a RangeError unless `fps` is a positive number.
   */
  setTargetFps(fps: number | undefined): void {
    if (fps === undefined) {
      this.scaler = undefined;
      return;
    }
    checkTargetFps(fps, 'targetFps');
    if (this.scaler) this.scaler.targetFps = fps;
    // Stride 4 is the built-in family's; a model with a larger one pads a little (the page does not see its config).
    else this.scaler = new ScaleController({ targetFps: fps, ladder: ladderFor(this.size) });
  }

  override addEventListener<K extends keyof LiveEvents>(type: K, listener: (ev: LiveEvents[K]) => void, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options);
  }

  /** The stream while the loop runs from a camera or a MediaStream. */
  get stream(): MediaStream | undefined {
    return this.cameraStream;
  }

  get running(): boolean {
    return this.source !== undefined;
  }

  /** The style in use, once loaded. */
  get styleInfo(): StyleInfo | undefined {
    return this.ready;
  }

  /**
   * Load a style model (name, URL, bytes or a loaded model) in the worker, replacing the current one;
   * its session is released first. Rejects with ModelNotFoundError, ModelCorruptError,
   * BackendUnavailableError or WorkerFailedError.
   *
   * With a multi-style model loaded, a style name ('candy') or weights by name ({ candy: 0.7,
   * mosaic: 0.3 }, normalized) select or blend its styles instead: the next frame feeds the same
   * session another `style` input, so nothing reloads and no frame is dropped. Rejects on an unknown
   * name (listing the model's), a negative or all-zero mix, or weights for a single-style model.
   *
   * `opts.context` (with a model): see {@link ModelOptions}; a style or mix keeps the model's.
   */
  setStyle(style: ModelSource | LoadedModel | StyleMix, opts: ModelOptions = {}): Promise<StyleInfo> {
    if (isMixObject(style)) return this.setMix(style);
    if (typeof style === 'string' && /^[\w.-]+$/.test(style)) {
      // A style of the model, else a model name; while a model named by source loads, its styles are not known yet.
      if (this.styleNames === undefined) return Promise.resolve(this.loading).catch(() => undefined).then(() => this.setStyle(style, opts));
      if (this.styleNames.includes(style)) return this.setMix(style);
    }
    try {
      this.context = checkContext(opts.context ?? 0);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.load(style as ModelSource | LoadedModel);
  }

  private load(model: ModelSource | LoadedModel): Promise<StyleInfo> {
    this.style = model;
    this.mix = undefined;
    this.info = undefined;
    this.styleNames = isLoaded(model) ? (stylesOf(model) ?? []).map((s) => s.name) : undefined;
    return this.reload();
  }

  /** Load `style` (with the mix set on it) in the worker. */
  private reload(): Promise<StyleInfo> {
    const model = this.style!;
    const id = ++this.styleId;
    this.ready = undefined;
    this.inferMs.reset();
    this.runMs.reset();
    this.cycleMs.reset();
    // Another model costs differently: measure it afresh from the scale in use.
    this.scaler?.restart();
    const source = this.wireSource(model);
    const msg: ToWorker = { type: 'load', id, source: source.value, backend: this.backendRequest, ...ortSettings(), ...(this.mix === undefined ? {} : { style: this.mix }), ...(this.context ? { context: this.context } : {}) };
    const loading = this.ensureLink().request<StyleInfo>(msg, source.transfer, (m) => {
      if (m.type === 'ready' && m.id === id) return { value: { backend: m.backend, threads: m.threads, styles: m.styles } };
      if (m.type === 'load-error' && m.id === id) return { error: fromWire(m.error) };
      return undefined;
    });
    this.loading = loading;
    return loading.then(
      (info) => {
        if (id === this.styleId) this.styleNames = info.styles;
        return info;
      },
      (e: unknown) => {
        if (id === this.styleId) this.styleNames = [];
        throw e;
      },
    );
  }

  /** A new style or mix for the loaded multi-style model, from the next frame on. */
  private setMix(style: StyleMix): Promise<StyleInfo> {
    if (!this.style) return Promise.reject(new Error('no style model loaded: setStyle(model) first'));
    if (!this.link && this.info) {
      // Stopped: checked here, sent with the model when start() brings it back.
      try {
        mixWeights(this.info.styles.length ? this.info.styles.map((name) => ({ name })) : undefined, style);
      } catch (e) {
        return Promise.reject(e as Error);
      }
      this.mix = style;
      return Promise.resolve(this.info);
    }
    const seq = ++this.mixSeq;
    const previous = this.mix;
    this.mix = style;
    // Messages reach the worker in order: a mix sent behind a load applies to that model.
    return this.ensureLink()
      .request<void>({ type: 'mix', seq, style }, [], (m) => (m.type === 'mixed' && m.seq === seq ? (m.error ? { error: fromWire(m.error) } : { value: undefined }) : undefined))
      .then(
        () => Promise.resolve(this.ready ?? this.loading).then(() => this.ready!),
        (e: unknown) => {
          if (this.mixSeq === seq) this.mix = previous;
          throw e;
        },
      );
  }

  /**
   * Start capturing from `source` (a playing video element or a MediaStream) or, by default, the
   * camera. Rejects with NoCameraError or CameraPermissionError, or an Error where the browser cannot
   * hand frames to a worker (no OffscreenCanvas, or neither VideoFrame nor createImageBitmap); a second
   * call while one is starting waits for that one.
   */
  start(source?: HTMLVideoElement | MediaStream): Promise<void> {
    this.starting ??= this.begin(source).finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async begin(source?: HTMLVideoElement | MediaStream): Promise<void> {
    if (this.source) throw new Error('the live loop is already running; stop() it first');
    const unsupported = captureUnsupported();
    if (unsupported) throw new Error(unsupported);
    const generation = ++this.captureGeneration;
    let video: HTMLVideoElement;
    if (source instanceof HTMLVideoElement) {
      video = source;
      this.ownVideo = false;
    } else {
      const stream = source ?? (await openCamera(this.size));
      this.cameraStream = stream;
      this.ownStream = !source;
      video = Object.assign(document.createElement('video'), { muted: true, playsInline: true, srcObject: stream });
      this.ownVideo = true;
      for (const t of stream.getVideoTracks()) t.addEventListener('ended', () => this.lost(stream));
      await video.play();
    }
    this.source = video;
    // stop() was called while the camera opened: undo what was just set up.
    if (generation !== this.captureGeneration) return this.stopCapture();
    this.captureRate.reset();
    this.lastCameraFrame = 0;
    // Stopped before: bring the style back (its failure reaches the page as an 'error' event).
    if (!this.link && this.style !== undefined) this.reload().catch((e: Error) => this.dispatchEvent(new CustomEvent('error', { detail: e })));
    this.statsTimer ??= setInterval(() => this.dispatchEvent(new CustomEvent('stats', { detail: this.stats() })), this.opts.statsInterval ?? 500);
    this.scheduleCapture(video, generation);
  }

  /** Stop capturing, close the camera and release the style's session (and the worker). start() resumes. */
  async stop(): Promise<void> {
    this.stopCapture();
    clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    const link = this.link;
    if (!link) return;
    // The worker releases its session (and GPU buffers) before it goes; a hung worker gets 5 s.
    const released = link.request<void>({ type: 'release' }, [], (m) => (m.type === 'released' ? { value: undefined } : undefined));
    await Promise.race([released.catch(() => undefined), new Promise((ok) => setTimeout(ok, 5000))]);
    link.terminate(new Error('the live loop was stopped'));
    this.link = undefined;
    this.ready = undefined;
    this.busy = false;
  }

  stats(): LiveStats {
    const now = performance.now();
    return {
      captureFps: this.captureRate.rate(now),
      inferenceMs: this.inferMs.value,
      runMs: this.runMs.value,
      shownFps: this.shownRate.rate(now),
      dropped: this.queue.stats.dropped + this.counts.rejected + this.counts.stale + this.counts.skipped,
      skipped: this.counts.skipped,
      stale: this.counts.stale,
      shown: this.counts.shown,
      rejected: this.counts.rejected,
      resized: this.counts.resized,
      backend: this.ready?.backend,
      threads: this.ready?.threads ?? 0,
      sessions: this.sessions,
      scale: this.scaler?.scale ?? 1,
      targetFps: this.scaler?.targetFps,
      mainThreadMs: this.mainMs.value,
    };
  }

  /** The last frame shown, with its input. */
  lastFrame(): LiveFrame | undefined {
    return this.last;
  }

  private wireSource(model: ModelSource | LoadedModel): { value: string | ArrayBuffer; transfer: Transferable[] } {
    if (isLoaded(model)) return bytes(model.onnx);
    if (model instanceof ArrayBuffer) return bytes(new Uint8Array(model));
    if (ArrayBuffer.isView(model)) return bytes(new Uint8Array(model.buffer, model.byteOffset, model.byteLength));
    if (typeof Blob !== 'undefined' && model instanceof Blob) throw new TypeError('pass a Blob to loadModel() first, then its result to setStyle()');
    const s = String(model);
    // Names resolve in the worker (next to this module); URLs against the page, which the worker cannot see.
    return { value: /^[\w-]+$/.test(s) ? s : new URL(s, document.baseURI).href, transfer: [] };
  }

  private ensureLink(): WorkerLink {
    this.link ??= new WorkerLink(
      (msg) => this.onWorker(msg),
      (e) => this.onWorkerFailed(e),
    );
    return this.link;
  }

  /** The worker died: its style is gone; the next setStyle() (or start() after stop()) starts a new one. */
  private onWorkerFailed(e: WorkerFailedError): void {
    this.link = undefined;
    this.ready = undefined;
    this.busy = false;
    this.sessions = 0;
    this.dispatchEvent(new CustomEvent('error', { detail: e }));
  }

  private onWorker(msg: FromWorker): void {
    switch (msg.type) {
      case 'ready': {
        this.sessions = msg.sessions;
        if (msg.id === this.styleId) this.ready = this.info = { backend: msg.backend, threads: msg.threads, styles: msg.styles };
        this.pump();
        return;
      }
      case 'load-error':
      case 'released':
        this.sessions = msg.sessions;
        return;
      case 'run-error':
        this.busy = false;
        this.counts.stale++;
        if (msg.id === this.styleId) this.dispatchEvent(new CustomEvent('error', { detail: fromWire(msg.error) }));
        this.pump();
        return;
      case 'shown': {
        this.busy = false;
        const now = performance.now();
        const shown = msg.id === this.styleId;
        const scale = this.sentScale;
        if (msg.id === this.styleId) {
          this.cycleMs.add(now - this.sentAt);
          // Hand-off to result, as the page sees it: with one frame in flight this is what bounds the frame rate.
          this.scaler?.observe(now - this.sentAt, scale, now);
        }
        // The next frame goes first, so the worker is not idle while this one is drawn.
        this.pump();
        // Finished by the previous style just before a switch: not worth showing.
        if (shown) this.present(msg, scale);
        else {
          this.counts.stale++;
          msg.input.close();
          msg.output.close();
        }
        this.mainWork(now, shown);
        return;
      }
    }
  }

  private present(msg: Extract<FromWorker, { type: 'shown' }>, scale: number): void {
    // Upsampled when it was stylized smaller.
    this.viewCtx.drawImage(msg.output, 0, 0, this.size.width, this.size.height);
    // The previous frame's bitmaps stay open: a caller may still hold it and read its pixels.
    this.last = new ShownFrame(msg.seq, scale, msg.input, msg.output, this.reader);
    this.counts.shown++;
    this.shownRate.tick(performance.now());
    this.inferMs.add(msg.totalMs);
    this.runMs.add(msg.runMs);
    this.dispatchEvent(new CustomEvent('frame', { detail: this.last }));
  }

  /** Send the oldest queued frame when the worker is idle: at most one frame in flight. */
  private pump(): void {
    if (this.busy || !this.ready || !this.link) return;
    const [f] = this.queue.popAvailable(1);
    if (!f) return;
    this.busy = true;
    this.sentAt = performance.now();
    this.sentScale = f.scale;
    const msg: ToWorker = { type: 'live', seq: f.seq, image: f.image, crop: f.crop, width: f.width, height: f.height };
    this.link.post(msg, [f.image]);
  }

  private scheduleCapture(video: HTMLVideoElement, generation: number): void {
    // Without requestVideoFrameCallback, poll each animation frame and skip repeats of the same frame.
    const perFrame = 'requestVideoFrameCallback' in HTMLVideoElement.prototype;
    let lastTime = -1;
    const next = () => (perFrame ? video.requestVideoFrameCallback(step) : requestAnimationFrame(step));
    const step = () => {
      if (generation !== this.captureGeneration) return;
      if (perFrame || video.currentTime !== lastTime) {
        lastTime = video.currentTime;
        this.onCameraFrame(video);
      }
      next();
    };
    next();
  }

  private onCameraFrame(video: HTMLVideoElement): void {
    const now = performance.now();
    if (this.lastCameraFrame) this.frameGapMs.add(now - this.lastCameraFrame);
    this.lastCameraFrame = now;
    this.captureRate.tick(now);
    if (this.needless(now)) this.counts.skipped++;
    else this.grab(video);
    this.mainWork(now, false);
  }

  /** Count main-thread work that began at `start`; a shown frame closes its share. */
  private mainWork(start: number, shown: boolean): void {
    this.mainPendingMs += performance.now() - start;
    if (!shown) return;
    this.mainMs.add(this.mainPendingMs);
    this.mainPendingMs = 0;
  }

  /**
   * A frame taken holds one of the camera's few buffers until it is stylized or dropped (and where
   * there is no VideoFrame, createImageBitmap copies it). While the worker is busy, a frame taken now
   * would only be replaced by a fresher one before the worker is free, unless the worker is due within
   * two camera frames: skip those. The queue still drops its oldest frame when it is full.
   */
  private needless(now: number): boolean {
    if (!this.ready || !this.busy || !this.cycleMs.value || !this.frameGapMs.value) return false;
    return now + 2 * this.frameGapMs.value < this.sentAt + this.cycleMs.value;
  }

  private grab(video: HTMLVideoElement): void {
    const plan = planFrame({ width: video.videoWidth, height: video.videoHeight }, this.size);
    // Without a current frame (still loading, or emptied) there is nothing to take: VideoFrame would throw.
    if (plan.kind === 'reject' || video.readyState < video.HAVE_CURRENT_DATA) {
      this.counts.rejected++;
      return;
    }
    if (plan.kind === 'resize') this.counts.resized++;
    const { sx, sy, sw, sh } = plan;
    if (!this.ready) {
      // No style yet (loading or failed): the live picture is shown as it is.
      this.viewCtx.drawImage(video, sx, sy, sw, sh, 0, 0, this.size.width, this.size.height);
      return;
    }
    const scale = this.scaler?.scale ?? 1;
    // The worker scales while it draws the crop, so a smaller frame costs no extra pass.
    const frame = { crop: { sx, sy, sw, sh }, ...scaledSize(this.size, scale), scale };
    const image = capture(video);
    if (!(image instanceof Promise)) return this.enqueue({ ...frame, image });
    const generation = this.captureGeneration;
    void image.then(
      (bitmap) => {
        const start = performance.now();
        // Stopped meanwhile: nobody will send it.
        if (generation !== this.captureGeneration) bitmap.close();
        else this.enqueue({ ...frame, image: bitmap });
        this.mainWork(start, false);
      },
      // The video lost its frame meanwhile (emptied or errored): counted like a frame the shape check rejects.
      () => this.counts.rejected++,
    );
  }

  private enqueue(frame: Omit<Queued, 'seq'>): void {
    // Never waits (drop-oldest) and never rejects (the queue is never closed).
    void this.queue.push({ ...frame, seq: this.seq++ });
    this.pump();
  }

  private stopCapture(): void {
    this.captureGeneration++;
    const video = this.source;
    this.source = undefined;
    if (video && this.ownVideo) {
      video.pause();
      video.srcObject = null;
    }
    if (this.ownStream) this.cameraStream?.getTracks().forEach((t) => t.stop());
    this.cameraStream = undefined;
    this.queue.clear();
  }

  private lost(stream: MediaStream): void {
    if (stream !== this.cameraStream) return;
    this.stopCapture();
    this.dispatchEvent(new CustomEvent('error', { detail: new CameraLostError('the camera stopped delivering frames (unplugged or taken by another application); call start() to reopen it') }));
  }
}

function bytes(b: Uint8Array): { value: ArrayBuffer; transfer: Transferable[] } {
  // A copy: the caller keeps its model, and the copy can be moved to the worker without a second one.
  const value = b.slice().buffer as ArrayBuffer;
  return { value, transfer: [value] };
}
