/**
 * Dense optical flow between video frames: OpenCV's Farnebäck method through OpenCV's own
 * WebAssembly build (@techstark/opencv-js), a well-kept implementation rather than one of our own.
 * Used only to measure temporal consistency (never at inference time).
 */
import type { RawImage } from '../io/pixels.js';

type CV = typeof import('@techstark/opencv-js');

let loading: Promise<{ readonly cv: CV }> | undefined;

/**
 * The OpenCV runtime, loaded once (about a second: the module embeds its WebAssembly). It is handed
 * out in a box because the Emscripten module is a thenable: resolving a promise with it directly
 * would chain on its `then` forever.
 */
function opencv(): Promise<{ readonly cv: CV }> {
  loading ??= (async () => {
    const mod = (await import('@techstark/opencv-js')) as unknown as { default?: unknown };
    const cv = (mod.default ?? mod) as CV & { onRuntimeInitialized?: () => void };
    if (typeof (cv as { Mat?: unknown }).Mat !== 'function') await new Promise<void>((resolve) => (cv.onRuntimeInitialized = resolve));
    return { cv };
  })();
  return loading;
}

function grey(img: RawImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const c = img.channels;
  for (let i = 0; i < n; i++) {
    const p = i * c;
    // ITU-R BT.601 luma, as OpenCV's RGB2GRAY.
    out[i] = c >= 3 ? Math.round(0.299 * img.data[p]! + 0.587 * img.data[p + 1]! + 0.114 * img.data[p + 2]!) : img.data[p]!;
  }
  return out;
}

/** A flow field: for each pixel p of `from`, (dx, dy) interleaved, with from(p) ~ to(p + flow(p)). */
export interface Flow {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Estimates dense flow with Farnebäck's polynomial expansion (OpenCV's defaults for video). */
export class FlowEstimator {
  private constructor(private readonly cv: CV) {}

  static async create(): Promise<FlowEstimator> {
    return new FlowEstimator((await opencv()).cv);
  }

  flow(from: RawImage, to: RawImage): Flow {
    if (from.width !== to.width || from.height !== to.height) throw new Error(`flow: frames differ in size (${from.width}x${from.height} and ${to.width}x${to.height})`);
    const { cv } = this;
    const a = new cv.Mat(from.height, from.width, cv.CV_8UC1);
    const b = new cv.Mat(to.height, to.width, cv.CV_8UC1);
    const f = new cv.Mat();
    try {
      a.data.set(grey(from));
      b.data.set(grey(to));
      // Pyramid 0.5 x 3 levels, 15 px windows, 3 iterations, 5-neighbour polynomials (sigma 1.2).
      cv.calcOpticalFlowFarneback(a, b, f, 0.5, 3, 15, 3, 5, 1.2, 0);
      return { width: from.width, height: from.height, data: Float32Array.from(f.data32F) };
    } finally {
      a.delete();
      b.delete();
      f.delete();
    }
  }
}
