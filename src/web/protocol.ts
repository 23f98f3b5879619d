/**
 * Messages between the page (Stylizer, LiveStylizer) and its inference worker. Pixel buffers are RGBA,
 * and they, camera frames and bitmaps are always transferred, never copied.
 */
import type { Backend, BackendRequest } from './backend.js';
import type { StyleMix } from '../models/styles.js';
import type { WireError } from './errors.js';
import type { Crop } from './stats.js';

export type ToWorker =
  | {
      readonly type: 'load';
      /** Echoed back so replies to a replaced style can be told apart. */
      readonly id: number;
      /** Built-in name, absolute URL, or model file bytes. */
      readonly source: string | ArrayBuffer;
      readonly backend: BackendRequest;
      /** The page's onnxruntime-web settings (a worker does not see the page's import map or env). */
      readonly ortUrls: Partial<Record<Backend, string>>;
      readonly wasmPaths?: string;
      readonly threads?: number;
      /** A multi-style model's style or mix to start with (else its first style). */
      readonly style?: StyleMix;
      /** Pixels of mirrored context around every frame, cut off the output (0 when absent). */
      readonly context?: number;
    }
  /** A multi-style model's new style or mix: the frames after it feed the same session another `style` input. */
  | { readonly type: 'mix'; readonly seq: number; readonly style: StyleMix }
  /** Stylizer: RGBA in, a 'result' with RGBA out. */
  | { readonly type: 'frame'; readonly seq: number; readonly width: number; readonly height: number; readonly pixels: ArrayBuffer }
  /**
   * LiveStylizer: a camera frame as the page got it (no pixels read there), whose `crop` the worker
   * draws scaled to width x height, then reads and stylizes; the worker closes it. A 'shown' answers.
   */
  | { readonly type: 'live'; readonly seq: number; readonly image: VideoFrame | ImageBitmap; readonly crop: Crop; readonly width: number; readonly height: number }
  | { readonly type: 'release' };

export type FromWorker =
  | {
      readonly type: 'ready';
      readonly id: number;
      readonly backend: Backend;
      readonly threads: number;
      readonly sessions: number;
      /** A multi-style model's style names (empty for a single-style one). */
      readonly styles: readonly string[];
    }
  | { readonly type: 'mixed'; readonly seq: number; readonly error?: WireError }
  | { readonly type: 'load-error'; readonly id: number; readonly error: WireError; readonly sessions: number }
  | { readonly type: 'run-error'; readonly id: number; readonly seq: number; readonly error: WireError }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly seq: number;
      readonly width: number;
      readonly height: number;
      /** Stylized RGBA. */
      readonly output: ArrayBuffer;
      /** session.run (the pixel graph's conversions are nodes of it), and the worker's whole step. */
      readonly runMs: number;
      readonly totalMs: number;
    }
  | {
      readonly type: 'shown';
      readonly id: number;
      readonly seq: number;
      /** The frame as stylized (cropped and scaled) and its stylized output, at width x height: the page draws them. */
      readonly input: ImageBitmap;
      readonly output: ImageBitmap;
      /** As in 'result'; totalMs includes drawing and reading the frame and making both bitmaps. */
      readonly runMs: number;
      readonly totalMs: number;
    }
  | { readonly type: 'released'; readonly sessions: number };
