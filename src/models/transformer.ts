import { Graph, type Value } from '../graph/graph.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { add, conv, convTranspose, instanceNorm, mul, pad2d, relu, tanh, upsampleNearest } from '../ops/index.js';

/**
 * The image-transformation network family of Johnson et al. 2016 ("Perceptual Losses for Real-Time
 * Style Transfer and Super-Resolution"): conv(firstKernel) -> two stride-2 convs -> residual blocks ->
 * two x2 upsampling convs -> conv(lastKernel). Both published teacher families are points of this
 * space ({@link PRESETS}); students shrink `width` and `blocks`.
 */
export interface TransformerConfig {
  /** Channels of the first conv; they double at each of the two downsamplings. Defaults to 32. */
  readonly width: number;
  /** Residual blocks at the bottleneck. Defaults to 5. */
  readonly blocks: number;
  /** Kernel of the first conv. Defaults to 9. */
  readonly firstKernel: number;
  /** Kernel of the last conv. Defaults to 9. */
  readonly lastKernel: number;
  /** 'reflect' (pytorch/examples) or 'same': TensorFlow SAME zero padding (Engstrom). */
  readonly padding: 'reflect' | 'same';
  /** 'nearest': nearest x2 then a 3x3 conv (avoids checkerboard artifacts, Odena et al. 2016); 'transpose': stride-2 transposed conv. */
  readonly upsample: 'nearest' | 'transpose';
  /** Instance-norm epsilon: 1e-5 (PyTorch) or 1e-3 (Engstrom). */
  readonly normEpsilon: number;
  /** Convs carry a bias (redundant before instance norm, but the PyTorch teachers have one). */
  readonly bias: boolean;
  /** Instance norm after the last conv too (Engstrom). */
  readonly finalNorm: boolean;
  /** 'raw' output, or 'tanh': tanh(y) * 150 + 127.5. */
  readonly head: 'raw' | 'tanh';
  /** Residual-block convs: 'full' 3x3, or 'separable' (depthwise 3x3 then pointwise 1x1, as in MobileNet). */
  readonly residual: 'full' | 'separable';
}

export const PRESETS = Object.freeze({
  /** pytorch/examples fast_neural_style TransformerNet. */
  torch: Object.freeze<TransformerConfig>({
    width: 32, blocks: 5, firstKernel: 9, lastKernel: 9, padding: 'reflect', upsample: 'nearest',
    normEpsilon: 1e-5, bias: true, finalNorm: false, head: 'raw', residual: 'full',
  }),
  /** lengstrom/fast-style-transfer (TensorFlow). */
  engstrom: Object.freeze<TransformerConfig>({
    width: 32, blocks: 5, firstKernel: 9, lastKernel: 9, padding: 'same', upsample: 'transpose',
    normEpsilon: 1e-3, bias: false, finalNorm: true, head: 'tanh', residual: 'full',
  }),
});

/** Spatial stride of the bottleneck: inputs are padded to a multiple of this. */
export const STRIDE = 4;

/**
 * Smallest padded input side the network accepts: reflection padding of k/2 needs an axis longer than
 * k/2 at every layer (the bottleneck is 1/4 of the input and its 3x3 convs pad 1).
 */
export function minInputSide(c: TransformerConfig): number {
  if (c.padding !== 'reflect') return STRIDE;
  const need = Math.max((c.firstKernel - 1) / 2 + 1, (c.lastKernel - 1) / 2 + 1, 2 * STRIDE);
  return Math.ceil(need / STRIDE) * STRIDE;
}

export type Weights = ReadonlyMap<string, Tensor<'float32'>>;

export interface ParamSpec {
  readonly name: string;
  readonly dims: readonly number[];
  /** How it is initialized from scratch. */
  readonly init: 'conv' | 'bias' | 'ones' | 'zeros';
  /** Fan-in of the conv it belongs to (for initialization). */
  readonly fanIn: number;
}

export function validateConfig(c: TransformerConfig): void {
  const bad = (msg: string) => {
    throw new Error(`invalid architecture: ${msg}`);
  };
  if (!Number.isInteger(c.width) || c.width < 1) bad(`width must be a positive integer, got ${c.width}`);
  if (!Number.isInteger(c.blocks) || c.blocks < 0) bad(`blocks must be a non-negative integer, got ${c.blocks}`);
  for (const k of [c.firstKernel, c.lastKernel]) if (!Number.isInteger(k) || k < 1 || k % 2 === 0) bad(`kernels must be odd positive integers, got ${k}`);
  if (!['reflect', 'same'].includes(c.padding)) bad(`padding must be reflect or same, got ${c.padding}`);
  if (!['nearest', 'transpose'].includes(c.upsample)) bad(`upsample must be nearest or transpose, got ${c.upsample}`);
  if (!['raw', 'tanh'].includes(c.head)) bad(`head must be raw or tanh, got ${c.head}`);
  if (!['full', 'separable'].includes(c.residual)) bad(`residual must be full or separable, got ${c.residual}`);
  if (!(c.normEpsilon > 0)) bad(`normEpsilon must be > 0, got ${c.normEpsilon}`);
}

/** Every parameter of a config, in a fixed order, with PyTorch state_dict-style names. */
export function paramSpecs(c: TransformerConfig): ParamSpec[] {
  validateConfig(c);
  const specs: ParamSpec[] = [];
  const convP = (name: string, cout: number, cin: number, k: number, group = 1, transposed = false) => {
    const fanIn = (cin / group) * k * k;
    specs.push({ name: `${name}.weight`, dims: transposed ? [cin, cout, k, k] : [cout, cin / group, k, k], init: 'conv', fanIn });
    if (c.bias) specs.push({ name: `${name}.bias`, dims: [cout], init: 'bias', fanIn });
  };
  const normP = (name: string, ch: number) => {
    specs.push({ name: `${name}.weight`, dims: [ch], init: 'ones', fanIn: ch });
    specs.push({ name: `${name}.bias`, dims: [ch], init: 'zeros', fanIn: ch });
  };
  const [w1, w2, w3] = [c.width, c.width * 2, c.width * 4];
  convP('conv1.conv2d', w1, 3, c.firstKernel);
  normP('in1', w1);
  convP('conv2.conv2d', w2, w1, 3);
  normP('in2', w2);
  convP('conv3.conv2d', w3, w2, 3);
  normP('in3', w3);
  for (let i = 0; i < c.blocks; i++) {
    for (const j of [1, 2]) {
      if (c.residual === 'separable') {
        convP(`res.${i}.conv${j}.depthwise`, w3, w3, 3, w3);
        convP(`res.${i}.conv${j}.pointwise`, w3, w3, 1);
      } else {
        convP(`res.${i}.conv${j}.conv2d`, w3, w3, 3);
      }
      normP(`res.${i}.in${j}`, w3);
    }
  }
  convP('deconv1.conv2d', w2, w3, 3, 1, c.upsample === 'transpose');
  normP('in4', w2);
  convP('deconv2.conv2d', w1, w2, 3, 1, c.upsample === 'transpose');
  normP('in5', w1);
  convP('deconv3.conv2d', 3, w1, c.lastKernel);
  if (c.finalNorm) normP('in6', 3);
  return specs;
}

/** Deterministic PRNG (mulberry32) so random-weight models are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fresh weights, initialized as PyTorch initializes Conv2d (uniform +-1/sqrt(fan_in)) and InstanceNorm2d. */
export function randomWeights(c: TransformerConfig, seed = 0): Map<string, Tensor<'float32'>> {
  const rand = rng(seed);
  const out = new Map<string, Tensor<'float32'>>();
  for (const p of paramSpecs(c)) {
    const t = f32(p.dims);
    const bound = 1 / Math.sqrt(p.fanIn);
    for (let i = 0; i < t.data.length; i++) {
      t.data[i] = p.init === 'ones' ? 1 : p.init === 'zeros' ? 0 : (rand() * 2 - 1) * bound;
    }
    out.set(p.name, t);
  }
  return out;
}

/** Check that weights match a config exactly (names and shapes); the error names the first mismatch. */
export function checkWeights(c: TransformerConfig, w: Weights): void {
  const specs = paramSpecs(c);
  for (const p of specs) {
    const t = w.get(p.name);
    if (!t) throw new Error(`weights: missing parameter '${p.name}' [${p.dims.join(', ')}]`);
    if (t.dims.length !== p.dims.length || t.dims.some((d, i) => d !== p.dims[i])) {
      throw new Error(`weights: '${p.name}' has shape [${t.dims.join(', ')}] but the architecture needs [${p.dims.join(', ')}]`);
    }
  }
  const known = new Set(specs.map((p) => p.name));
  const extra = [...w.keys()].filter((k) => !known.has(k));
  if (extra.length) throw new Error(`weights: unexpected parameter '${extra[0]}' (${extra.length} in all) for this architecture`);
}

export interface BuildOptions {
  /** Concrete input shape [batch, height, width]; symbolic when omitted. */
  readonly shape?: readonly [number, number, number];
}

/** The family's layers over a parameter source: shared by the forward pass and its rewrites (halfres). */
export function transformerLayers(c: TransformerConfig, P: (name: string) => Value, B: (layer: string) => Value | undefined) {
  // ConvLayer: padding, then conv.
  const convLayer = (h: Value, name: string, k: number, stride: number, group = 1): Value => {
    const w = P(`${name}.weight`);
    const half = (k - 1) / 2;
    if (c.padding === 'reflect' && half > 0) {
      return conv(pad2d(h, [half, half, half, half], 'reflect'), w, B(name), { strides: [stride, stride], group }, name);
    }
    const attrs = stride === 1 ? { pads: [half, half, half, half], group } : { strides: [stride, stride], auto_pad: 'SAME_UPPER' as const, group };
    return conv(h, w, B(name), attrs, name);
  };
  const norm = (h: Value, name: string) => instanceNorm(h, P(`${name}.weight`), P(`${name}.bias`), c.normEpsilon, name);
  const resConv = (h: Value, name: string): Value =>
    c.residual === 'separable'
      ? convLayer(convLayer(h, `${name}.depthwise`, 3, 1, h.shape[1] as number), `${name}.pointwise`, 1, 1)
      : convLayer(h, `${name}.conv2d`, 3, 1);
  // UpsampleConvLayer: nearest x2 then conv, or a stride-2 transposed conv with TF 'SAME' cropping (extra row/col at the end).
  const upLayer = (h: Value, name: string): Value =>
    c.upsample === 'nearest'
      ? convLayer(upsampleNearest(h, 2), name, 3, 1)
      : convTranspose(h, P(`${name}.weight`), B(name), { strides: [2, 2], pads: [0, 0, 1, 1] }, name);
  /** conv3 and the residual blocks: the quarter-resolution middle. */
  const middle = (h: Value): Value => {
    h = relu(norm(convLayer(h, 'conv3.conv2d', 3, 2), 'in3'));
    for (let i = 0; i < c.blocks; i++) {
      const r = relu(norm(resConv(h, `res.${i}.conv1`), `res.${i}.in1`));
      h = add(h, norm(resConv(r, `res.${i}.conv2`), `res.${i}.in2`));
    }
    return h;
  };
  return { convLayer, norm, upLayer, middle };
}

/** The network's forward pass on an existing value (used by training graphs too). */
export function transformerForward(x: Value, c: TransformerConfig, params: ReadonlyMap<string, Value>): Value {
  const P = (name: string) => {
    const v = params.get(name);
    if (!v) throw new Error(`transformer: parameter '${name}' is missing`);
    return v;
  };
  const { convLayer, norm, upLayer, middle } = transformerLayers(c, P, (layer) => (c.bias ? P(`${layer}.bias`) : undefined));

  let h = relu(norm(convLayer(x, 'conv1.conv2d', c.firstKernel, 1), 'in1'));
  h = relu(norm(convLayer(h, 'conv2.conv2d', 3, 2), 'in2'));
  h = middle(h);
  h = relu(norm(upLayer(h, 'deconv1.conv2d'), 'in4'));
  h = relu(norm(upLayer(h, 'deconv2.conv2d'), 'in5'));
  h = convLayer(h, 'deconv3.conv2d', c.lastKernel, 1);
  if (c.finalNorm) h = norm(h, 'in6');
  return c.head === 'tanh' ? add(mul(tanh(h), 150), 127.5) : h;
}

/** Inference graph: input 'input' [batch, 3, height, width] RGB 0..255 -> 'output' (0..255 scale, unclamped). */
export function buildTransformer(c: TransformerConfig, weights: Weights, opts: BuildOptions = {}): Graph {
  checkWeights(c, weights);
  const g = new Graph('stylecast_transformer');
  const [n, h, w] = opts.shape ?? ['batch', 'height', 'width'];
  const x = g.input('input', 'float32', [n, 3, h, w]);
  const params = new Map(paramSpecs(c).map((p) => [p.name, g.param(p.name, weights.get(p.name)!)]));
  g.output(transformerForward(x, c, params), 'output');
  return g;
}

/** Parameter count and multiply-accumulates of one forward pass at a given size (convs only, as is customary). */
export function countCost(c: TransformerConfig, height: number, width: number): { params: number; macs: number } {
  const specs = paramSpecs(c);
  const params = specs.reduce((s, p) => s + p.dims.reduce((a, b) => a * b, 1), 0);
  const g = buildTransformer(c, randomWeights(c), { shape: [1, height, width] });
  let macs = 0;
  for (const node of g.nodes) {
    if (node.def.type !== 'Conv' && node.def.type !== 'ConvTranspose') continue;
    const w = node.inputs[1]!.dims();
    const wElems = w.reduce((a, b) => a * b, 1);
    // Conv: each output pixel costs |W| / 1 MACs per batch item; ConvTranspose: each input pixel does.
    const spatial = node.def.type === 'Conv' ? node.outputs[0]!.dims().slice(2) : node.inputs[0]!.dims().slice(2);
    macs += wElems * spatial[0]! * spatial[1]!;
  }
  return { params, macs };
}
