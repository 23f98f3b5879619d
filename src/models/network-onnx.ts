import type { Value } from '../graph/graph.js';
import { add, conv, convTranspose, instanceNorm, matmul, mul, pad2d, relu, reshape, tanh, upsampleNearest } from '../ops/index.js';
import { lower, separableParts, type ConvLayer, type NetworkLayer, type Rules } from './network.js';

/** What lowering to ONNX needs besides the layers: parameter values and the rule table (variants override rules). */
export interface OnnxLowering {
  readonly param: (name: string) => Value;
  readonly rules: OnnxRules;
  /** The mix weights of a conditional network, float32 [styles] (the graph input `style`). */
  readonly style?: Value;
}

export type OnnxRules = Rules<[h: Value, at: OnnxLowering], Value>;

/** A conv's bias value, or undefined when the layer has none. */
export const biasOf = (l: { readonly name: string; readonly bias: boolean }, at: OnnxLowering): Value | undefined => (l.bias ? at.param(`${l.name}.bias`) : undefined);

/**
 * Padding, then conv: reflection padding as a Pad node before the conv; TensorFlow SAME as the conv's
 * own pads (stride 1) or SAME_UPPER (stride 2: the extra row/column at the end).
 */
function convOp(h: Value, l: ConvLayer, at: OnnxLowering, group = 1): Value {
  const w = at.param(`${l.name}.weight`);
  const half = (l.kernel - 1) / 2;
  if (l.padding === 'reflect' && half > 0) {
    return conv(pad2d(h, [half, half, half, half], 'reflect'), w, biasOf(l, at), { strides: [l.stride, l.stride], group }, l.name);
  }
  const attrs = l.stride === 1 ? { pads: [half, half, half, half], group } : { strides: [l.stride, l.stride], auto_pad: 'SAME_UPPER' as const, group };
  return conv(h, w, biasOf(l, at), attrs, l.name);
}

export const ONNX_RULES: OnnxRules = {
  conv: (l, h, at) => convOp(h, l, at),
  separable: (l, h, at) => {
    const [dw, pw] = separableParts(l);
    return convOp(convOp(h, dw, at, dw.groups), pw, at);
  },
  // Nearest x2 then conv (UpsampleConvLayer), or a stride-2 transposed conv with TF 'SAME' cropping (extra row/col at the end).
  upsample: (l, h, at) =>
    l.mode === 'nearest'
      ? convOp(upsampleNearest(h, 2), { ...l, kind: 'conv', stride: 1 }, at)
      : convTranspose(h, at.param(`${l.name}.weight`), biasOf(l, at), { strides: [2, 2], pads: [0, 0, 1, 1] }, l.name),
  norm: (l, h, at) => instanceNorm(h, at.param(`${l.name}.weight`), at.param(`${l.name}.bias`), l.epsilon, l.name),
  // The mix of the style rows ([1, S] x [S, C]) is the scale and shift; one-hot weights pick a row exactly.
  condNorm: (l, h, at) => {
    if (!at.style) throw new Error(`${l.name}: a conditional norm needs the 'style' input`);
    const w = reshape(at.style, [1, l.styles]);
    const row = (p: string) => reshape(matmul(w, at.param(`${l.name}.${p}`)), [l.channels]);
    return instanceNorm(h, row('weight'), row('bias'), l.epsilon, l.name);
  },
  relu: (_, h) => relu(h),
  residual: (l, h, at) => add(h, lowerOnnx(l.body, h, at)),
  tanhHead: (_, h) => add(mul(tanh(h), 150), 127.5),
};

/** The layers applied to h, each by its rule. */
export function lowerOnnx(layers: readonly NetworkLayer[], h: Value, at: OnnxLowering): Value {
  return layers.reduce((v, l) => lower(at.rules, l, v, at), h);
}
