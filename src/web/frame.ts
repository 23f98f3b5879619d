/**
 * The live loop's frames on the page: handed to the worker without reading a pixel, and shown from
 * the bitmaps the worker paints. Pixels are read back only for a caller that asks.
 */

/** A camera frame that moves to the worker as it is (transferred; the worker draws and closes it). */
export type Capture = VideoFrame | ImageBitmap;

/**
 * The video's current frame. A VideoFrame wraps the camera's buffer (no copy, no colour conversion
 * here); without WebCodecs, createImageBitmap makes a bitmap of it (resolved later).
 */
export function capture(video: HTMLVideoElement): Capture | Promise<ImageBitmap> {
  if (typeof VideoFrame === 'function') return new VideoFrame(video);
  return createImageBitmap(video);
}

/** Why the live loop cannot run in this browser, if it cannot. */
export function captureUnsupported(): string | undefined {
  if (typeof OffscreenCanvas === 'undefined') return 'this browser has no OffscreenCanvas, which the live loop draws frames with';
  if (typeof VideoFrame !== 'function' && typeof createImageBitmap !== 'function') return 'this browser can hand no video frame to a worker (neither VideoFrame nor createImageBitmap)';
  return undefined;
}

/**
 * A shown frame: what went in and what came out, at the size it was stylized at (the loop's size
 * times `scale`; the canvas shows the output upsampled to the loop's size).
 */
export interface LiveFrame {
  readonly seq: number;
  readonly scale: number;
  /** The frame as stylized and its output, for drawImage: no pixel is read. The loop never closes them; do not close them either. */
  readonly inputBitmap: ImageBitmap;
  readonly outputBitmap: ImageBitmap;
  /** Their RGBA, read from the bitmaps on first access (a few ms on the main thread at 640x480), then kept. */
  readonly input: ImageData;
  readonly output: ImageData;
}

/** Reads bitmaps back to RGBA through one scratch canvas. */
export class PixelReader {
  private ctx: OffscreenCanvasRenderingContext2D | undefined;

  read(bitmap: ImageBitmap): ImageData {
    const { width, height } = bitmap;
    this.ctx ??= new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
    const ctx = this.ctx;
    if (ctx.canvas.width !== width || ctx.canvas.height !== height) Object.assign(ctx.canvas, { width, height });
    // Replace, not blend over the previous frame (matters where alpha < 255); resizing resets this.
    ctx.globalCompositeOperation = 'copy';
    ctx.drawImage(bitmap, 0, 0);
    return ctx.getImageData(0, 0, width, height);
  }
}

export class ShownFrame implements LiveFrame {
  private pixels: { input?: ImageData; output?: ImageData } = {};

  constructor(
    readonly seq: number,
    readonly scale: number,
    readonly inputBitmap: ImageBitmap,
    readonly outputBitmap: ImageBitmap,
    private readonly reader: PixelReader,
  ) {}

  get input(): ImageData {
    return (this.pixels.input ??= this.reader.read(this.inputBitmap));
  }

  get output(): ImageData {
    return (this.pixels.output ??= this.reader.read(this.outputBitmap));
  }
}
