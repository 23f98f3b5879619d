/**
 * The training-time stability term (compound regularization, Wang et al. AAAI 2020; the noise half
 * is Gupta et al. 2017's): for a photo x and a small random camera motion W with known displacement,
 * stylizing the moved, noisier photo should equal moving the stylized photo,
 *
 *   temporal = mean over kept pixels of (f(W(x) + noise) - W(f(x)))^2,
 *
 * on 0..255 outputs. Photos are enough: no video data set and no flow network are needed, and nothing
 * changes at inference time. Why this over ReCoNet-style flow losses is recorded in DESIGN.md.
 */
import type { Value } from '../graph/graph.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { div, mul, reduceSum, sub } from '../ops/index.js';
import { motionTaps, warpFeeds, type Motion, type WarpFeeds } from './warp.js';

/** How large the random motions and noise are, at the training crop's resolution. */
export interface MotionLimits {
  /** Largest shift per axis, in pixels. Defaults to 2. */
  readonly shift: number;
  /** Largest rotation, in degrees. Defaults to 1. */
  readonly angle: number;
  /** Largest relative zoom (0.02 = +-2%). Defaults to 0.02. */
  readonly zoom: number;
  /** Largest Gaussian noise std on 0..255 (each photo draws its own in [0, noise]). Defaults to 4. */
  readonly noise: number;
}

export const DEFAULT_MOTION: MotionLimits = Object.freeze({ shift: 2, angle: 1, zoom: 0.02, noise: 4 });

export function sampleMotion(r: () => number, l: MotionLimits): Motion {
  const u = () => 2 * r() - 1;
  return { dx: l.shift * u(), dy: l.shift * u(), angle: (l.angle * Math.PI / 180) * u(), zoom: 1 + l.zoom * u() };
}

/** One step's motions: warp taps for the batch plus the noise added to each moved photo. */
export interface MotionBatch extends WarpFeeds {
  /** [N, 3, H, W] on 0..255. */
  readonly noise: Tensor<'float32'>;
  readonly motions: readonly Motion[];
}

export function motionBatch(batch: number, height: number, width: number, l: MotionLimits, r: () => number): MotionBatch {
  const motions = Array.from({ length: batch }, () => sampleMotion(r, l));
  const feeds = warpFeeds(motions.map((m) => motionTaps(width, height, m)), 3);
  const noise = f32([batch, 3, height, width]);
  const plane = 3 * height * width;
  for (let b = 0; b < batch; b++) {
    const sigma = l.noise * r();
    for (let i = 0; i < plane; i += 2) {
      // Box-Muller: two normal samples per pair of uniforms.
      const rad = Math.sqrt(-2 * Math.log(1 - r()));
      const th = 2 * Math.PI * r();
      noise.data[b * plane + i] = sigma * rad * Math.cos(th);
      if (i + 1 < plane) noise.data[b * plane + i + 1] = sigma * rad * Math.sin(th);
    }
  }
  return { ...feeds, noise, motions };
}

/** mean over masked pixels and channels of (a - b)^2; mask [N, 1, H, W] broadcasts over channels. */
export function maskedMse(a: Value, b: Value, mask: Value): Value {
  const d = sub(a, b);
  const channels = a.dims()[1]!;
  return div(reduceSum(mul(mul(d, d), mask)), mul(reduceSum(mask), channels));
}
