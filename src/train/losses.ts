import type { Value } from '../graph/graph.js';
import { add, div, matmul, mul, reduceMean, reduceSum, reshape, slice, sub, transpose } from '../ops/index.js';

/**
 * The perceptual losses of Johnson et al. 2016, with the conventions of pytorch/examples
 * fast_neural_style (and of the reference fixture `perceptual_loss_seed0`, meta.loss).
 */
export type LossWeights = {
  /** Feature reconstruction at the content layer. Defaults to 1e5. */
  readonly content: number;
  /** Gram-matrix style reconstruction summed over the style layers. Defaults to 1e10. */
  readonly style: number;
  /** Total variation of the output. Defaults to 1e-6. */
  readonly tv: number;
  /** Pixel distillation towards a teacher's output (0 = off). Defaults to 0. */
  readonly distill: number;
  /** Stability under small camera motions and noise (src/temporal/stability.ts; 0 = off). Defaults to 0. */
  readonly temporal: number;
};

export const DEFAULT_LOSS_WEIGHTS: LossWeights = Object.freeze({ content: 1e5, style: 1e10, tv: 1e-6, distill: 0, temporal: 0 });

/**
 * Defaults for a VGG's preprocessing. The torch defaults assume torchvision inputs (x/255 - mean)/std;
 * Keras 'caffe' VGGs see raw 0..255 values, about k = 255 * 0.226 times larger, so their features are
 * ~k times larger: content (squared features) is scaled by 1/k^2 and style (squared Grams) by 1/k^4.
 */
export function defaultLossWeights(preprocess: 'caffe' | 'torch'): LossWeights {
  if (preprocess === 'torch') return DEFAULT_LOSS_WEIGHTS;
  const k = 255 * 0.226;
  return Object.freeze({ ...DEFAULT_LOSS_WEIGHTS, content: DEFAULT_LOSS_WEIGHTS.content / k ** 2, style: DEFAULT_LOSS_WEIGHTS.style / k ** 4 });
}

const squaredError = (a: Value, b: Value) => {
  const d = sub(a, b);
  return mul(d, d);
};

/** Gram matrix per image: G = F F^T / (C*H*W), [N, C, C]. */
export function gram(f: Value): Value {
  const [n, c, h, w] = f.dims() as [number, number, number, number];
  const flat = reshape(f, [n, c, h * w]);
  return div(matmul(flat, transpose(flat, [0, 2, 1])), c * h * w);
}

/** content = mean((F_y - F_x)^2). */
export const contentLoss = (fy: Value, fx: Value) => reduceMean(squaredError(fy, fx));

/** style = sum over layers of mean((G(F_y) - G_style)^2); G_style [1, C, C] broadcasts over the batch. */
export function styleLoss(fy: ReadonlyMap<string, Value>, grams: ReadonlyMap<string, Value>): Value {
  const terms = [...grams].map(([layer, target]) => {
    const f = fy.get(layer);
    if (!f) throw new Error(`style loss: no features for layer ${layer}`);
    return reduceMean(squaredError(gram(f), target));
  });
  return terms.reduce((a, b) => add(a, b));
}

/** tv = sum of squared differences of vertical and horizontal neighbours. */
export function tvLoss(y: Value): Value {
  const [, , h, w] = y.dims() as [number, number, number, number];
  const dh = squaredError(slice(y, { starts: [1], ends: [h], axes: [2] }), slice(y, { starts: [0], ends: [h - 1], axes: [2] }));
  const dw = squaredError(slice(y, { starts: [1], ends: [w], axes: [3] }), slice(y, { starts: [0], ends: [w - 1], axes: [3] }));
  return add(reduceSum(dh), reduceSum(dw));
}

/** distill = mean((y - teacher)^2). */
export const distillLoss = (y: Value, teacher: Value) => reduceMean(squaredError(y, teacher));
