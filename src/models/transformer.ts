import { Graph, type Value } from '../graph/graph.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { describeNetwork, layersParams, type ParamSpec } from './network.js';
import { layersMacs } from './network-cost.js';
import { lowerOnnx, ONNX_RULES } from './network-onnx.js';

export type { ParamSpec } from './network.js';

/**
 * The image-transformation network family of Johnson et al. 2016 ("Perceptual Losses for Real-Time
 * Style Transfer and Super-Resolution"): conv(firstKernel) -> two stride-2 convs -> residual blocks ->
 * two x2 upsampling convs -> conv(lastKernel). Both published teacher families are points of this
 * space ({@link PRESETS}); students shrink `width` and `blocks`. The layers themselves are listed once,
 * in src/models/network.ts (describeNetwork); what this module builds is lowered from that list.
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
  return layersParams(describeNetwork(c));
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

/** The network's forward pass on an existing value (used by training graphs too). */
export function transformerForward(x: Value, c: TransformerConfig, params: ReadonlyMap<string, Value>): Value {
  const param = (name: string) => {
    const v = params.get(name);
    if (!v) throw new Error(`transformer: parameter '${name}' is missing`);
    return v;
  };
  return lowerOnnx(describeNetwork(c), x, { param, rules: ONNX_RULES });
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
  const params = paramSpecs(c).reduce((s, p) => s + p.dims.reduce((a, b) => a * b, 1), 0);
  return { params, macs: layersMacs(describeNetwork(c), height, width) };
}
