import type { Value } from '../graph/graph.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { add, conv, maxPool, mul, relu } from '../ops/index.js';

/**
 * The VGG loss network of Johnson et al. (Simonyan & Zisserman 2014): 3x3 convs (pad 1) + ReLU in
 * five blocks separated by 2x2 max pools. Taps are named as in pytorch/examples: relu1_2 ... relu4_3.
 * Any prefix of the layers works: the net is built only up to the deepest tap asked for.
 */
export type VggTopology = 'vgg16' | 'vgg19';

/** Convs per block. */
export const VGG_BLOCKS: Readonly<Record<VggTopology, readonly number[]>> = Object.freeze({
  vgg16: Object.freeze([2, 2, 3, 3, 3]),
  vgg19: Object.freeze([2, 2, 4, 4, 4]),
});

/**
 * Input preprocessing the weights were trained with. 'caffe' (Keras): RGB->BGR, subtract
 * [103.939, 116.779, 123.68]. 'torch' (torchvision): (x/255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225].
 */
export type VggPreprocess = 'caffe' | 'torch';

export interface VggConv {
  /** 'conv<block>_<index>', 1-based as in the paper. */
  readonly name: string;
  /** [out, in, 3, 3] (ONNX/PyTorch layout), input channels in RGB order. */
  readonly weight: Tensor<'float32'>;
  readonly bias: Tensor<'float32'>;
}

export interface VggWeights {
  readonly topology: VggTopology;
  readonly preprocess: VggPreprocess;
  /** The convs the weights provide, in order (a prefix of the topology). */
  readonly convs: readonly VggConv[];
  /** Where they came from (for training metadata). */
  readonly source: string;
}

/** Conv names of a topology in order: conv1_1, conv1_2, conv2_1, ... */
export function convNames(topology: VggTopology): string[] {
  return VGG_BLOCKS[topology].flatMap((n, b) => Array.from({ length: n }, (_, i) => `conv${b + 1}_${i + 1}`));
}

/** The relu taps the weights provide, e.g. ['relu1_1', 'relu1_2', ..., 'relu3_4']. */
export function availableTaps(w: VggWeights): string[] {
  return w.convs.map((c) => c.name.replace('conv', 'relu'));
}

/** Check that the convs are a prefix of the topology with chained channel counts. */
export function checkVgg(w: VggWeights): void {
  const names = convNames(w.topology);
  if (!w.convs.length) throw new Error(`vgg: ${w.source} has no conv layers`);
  if (w.convs.length > names.length) throw new Error(`vgg: ${w.source} has ${w.convs.length} convs, more than ${w.topology} (${names.length})`);
  let cin = 3;
  w.convs.forEach((c, i) => {
    if (c.name !== names[i]) throw new Error(`vgg: layer ${i} of ${w.source} is ${c.name}, ${w.topology} expects ${names[i]}`);
    const [o, ci, kh, kw] = c.weight.dims;
    if (c.weight.dims.length !== 4 || ci !== cin || kh !== 3 || kw !== 3) {
      throw new Error(`vgg: ${c.name} weight [${c.weight.dims}] does not fit [out, ${cin}, 3, 3]`);
    }
    if (c.bias.dims.length !== 1 || c.bias.dims[0] !== o) throw new Error(`vgg: ${c.name} bias [${c.bias.dims}] does not match ${o} channels`);
    cin = o!;
  });
}

/** Default layers of the perceptual loss (Johnson et al.): content relu2_2; style relu1_2, relu2_2, relu3_3 (+ relu4_3 when present). */
export function defaultLayers(w: VggWeights): { content: string; style: string[] } {
  const taps = new Set(availableTaps(w));
  return { content: 'relu2_2', style: ['relu1_2', 'relu2_2', 'relu3_3', 'relu4_3'].filter((t) => taps.has(t)) };
}

/** Map an RGB 0..255 image to what the weights expect. */
function preprocess(x: Value, p: VggPreprocess): Value {
  const g = x.graph;
  const perChannel = (v: readonly number[], hint: string) => g.constant(f32([1, 3, 1, 1], v), hint);
  if (p === 'caffe') return add(x, perChannel([-123.68, -116.779, -103.939], 'vgg_mean')); // RGB order; BGR is folded into conv1_1
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  return add(mul(x, perChannel(std.map((s) => 1 / (255 * s)), 'vgg_scale')), perChannel(mean.map((m, i) => -m / std[i]!), 'vgg_shift'));
}

/** Swap input channels 0 and 2 of a [out, 3, kh, kw] kernel: a BGR-trained conv applied to RGB. */
function flipInputChannels(t: Tensor<'float32'>): Tensor<'float32'> {
  const [o, c, kh, kw] = t.dims as [number, number, number, number];
  const out = f32(t.dims);
  const plane = kh * kw;
  for (let i = 0; i < o; i++) for (let j = 0; j < c; j++) out.data.set(t.data.subarray((i * c + j) * plane, (i * c + j + 1) * plane), (i * c + (c - 1 - j)) * plane);
  return out;
}

/**
 * VGG features of an RGB 0..255 batch at the requested taps; weights become graph constants (frozen).
 * Built up to the deepest requested tap; the error names a tap the weights do not provide.
 */
export function vggFeatures(x: Value, w: VggWeights, taps: readonly string[]): Map<string, Value> {
  const available = availableTaps(w);
  for (const t of taps) {
    if (!available.includes(t)) throw new Error(`vgg: layer ${t} is not available in ${w.source} (has ${available[0]} .. ${available[available.length - 1]})`);
  }
  const deepest = Math.max(...taps.map((t) => available.indexOf(t)));
  const g = x.graph;
  const out = new Map<string, Value>();
  let h = preprocess(x, w.preprocess);
  let block = 1;
  for (let i = 0; i <= deepest; i++) {
    const c = w.convs[i]!;
    const b = Number(c.name.slice(4, c.name.indexOf('_')));
    if (b !== block) {
      h = maxPool(h, { kernel_shape: [2, 2], strides: [2, 2] });
      block = b;
    }
    const weight = i === 0 && w.preprocess === 'caffe' ? flipInputChannels(c.weight) : c.weight;
    h = relu(conv(h, g.constant(weight, `vgg.${c.name}.weight`), g.constant(c.bias, `vgg.${c.name}.bias`), { pads: [1, 1, 1, 1] }, `vgg_${c.name}`));
    const tap = c.name.replace('conv', 'relu');
    if (taps.includes(tap)) out.set(tap, h);
  }
  return out;
}
