import { Graph, type Value } from '../graph/graph.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { describeNetwork, layersParams, type ParamSpec } from './network.js';
import { layersMacs } from './network-cost.js';
import { lowerOnnx, ONNX_RULES } from './network-onnx.js';
import { validateConfig, type TransformerConfig, type Weights } from './config.js';

export type { ParamSpec } from './network.js';
export { PRESETS, STRIDE, levelWidths, minInputSide, strideOf, validateConfig, type TransformerConfig, type Weights } from './config.js';

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

/** Name of a conditional network's input of style mix weights, float32 [styles]. */
export const STYLE_INPUT = 'style';

/** A conditional network's `style` input, created in g; undefined for a single-style config. */
export function styleInput(g: Graph, c: TransformerConfig): Value | undefined {
  return c.styles === undefined ? undefined : g.input(STYLE_INPUT, 'float32', [c.styles]);
}

/**
 * The network's forward pass on an existing value (used by training graphs too); `style` is the mix
 * weights a conditional config needs (see {@link styleInput}).
 */
export function transformerForward(x: Value, c: TransformerConfig, params: ReadonlyMap<string, Value>, style?: Value): Value {
  const param = (name: string) => {
    const v = params.get(name);
    if (!v) throw new Error(`transformer: parameter '${name}' is missing`);
    return v;
  };
  return lowerOnnx(describeNetwork(c), x, { param, rules: ONNX_RULES, ...(style ? { style } : {}) });
}

/**
 * Inference graph: input 'input' [batch, 3, height, width] RGB 0..255 (and 'style' [styles] for a
 * conditional network) -> 'output' (0..255 scale, unclamped).
 */
export function buildTransformer(c: TransformerConfig, weights: Weights, opts: BuildOptions = {}): Graph {
  checkWeights(c, weights);
  const g = new Graph('stylecast_transformer');
  const [n, h, w] = opts.shape ?? ['batch', 'height', 'width'];
  const x = g.input('input', 'float32', [n, 3, h, w]);
  const style = styleInput(g, c);
  const params = new Map(paramSpecs(c).map((p) => [p.name, g.param(p.name, weights.get(p.name)!)]));
  g.output(transformerForward(x, c, params, style), 'output');
  return g;
}

/** Parameter count and multiply-accumulates of one forward pass at a given size (convs only, as is customary). */
export function countCost(c: TransformerConfig, height: number, width: number): { params: number; macs: number } {
  const params = paramSpecs(c).reduce((s, p) => s + p.dims.reduce((a, b) => a * b, 1), 0);
  return { params, macs: layersMacs(describeNetwork(c), height, width) };
}
