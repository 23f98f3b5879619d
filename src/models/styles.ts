/**
 * Multi-style (conditional) networks: the style list a model file carries, style selections and
 * mixes, and the weight-level moves between single-style and conditional networks. Node-free: the
 * browser entry selects and blends styles with the same code.
 */
import { f32, type Tensor } from '../graph/tensor.js';
import type { TransformerConfig, Weights } from './config.js';
import { describeNetwork, isNorm, type CondNormLayer, type NetworkLayer, type NormLayer } from './network.js';

/** One style row of a conditional network (metadata 'stylecast.styles', in row order). */
export interface StyleEntry {
  /** What `--style` and `setStyle` call it: letters, digits, '_', '-', '.'. */
  readonly name: string;
  /** The teacher it was distilled from (registered name or model file name); absent for a style learned from a painting alone. */
  readonly teacher?: string;
  /** The painting's file name and the sha256 of its bytes. */
  readonly image?: string;
  readonly imageSha256?: string;
}

/**
 * Which style a multi-style network paints: one style's name, or weights by style name (any
 * non-negative numbers, normalized to sum to 1; styles left out weigh 0).
 */
export type StyleMix = string | Readonly<Record<string, number>>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Throws unless the names can be styles of one network: valid, and no two alike. */
export function checkStyleNames(names: readonly string[]): void {
  if (!names.length) throw new Error('a multi-style network needs at least one style');
  const seen = new Set<string>();
  for (const n of names) {
    if (!NAME.test(n)) throw new Error(`style name '${n}': use letters, digits, '_', '-' and '.'`);
    if (seen.has(n)) throw new Error(`style name '${n}' is used twice`);
    seen.add(n);
  }
}

/**
 * The text form of a mix, as `--style` takes it: `candy`, or `candy=0.7,mosaic=0.3` (a name without
 * a weight weighs 1, so `candy,mosaic` is an even blend). Checks the syntax only; the names are
 * checked against a model by {@link mixWeights}.
 */
export function parseStyleMix(text: string): StyleMix {
  const malformed = () => new Error(`malformed style '${text}': expected a style name or name=weight pairs, e.g. candy or candy=0.7,mosaic=0.3`);
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 1 && NAME.test(items[0]!)) return items[0]!;
  const mix: Record<string, number> = {};
  for (const item of items) {
    const m = /^([^=\s]+)(?:\s*=\s*(\S+))?$/.exec(item);
    if (!m || !NAME.test(m[1]!)) throw malformed();
    const w = m[2] === undefined ? 1 : Number(m[2]);
    if (!Number.isFinite(w)) throw malformed();
    if (Object.hasOwn(mix, m[1]!)) throw new Error(`style '${m[1]}' is given twice in '${text}'`);
    mix[m[1]!] = w;
  }
  return mix;
}

/** A mix as text (the inverse of {@link parseStyleMix} up to number formatting). */
export function formatStyleMix(mix: StyleMix): string {
  return typeof mix === 'string' ? mix : Object.entries(mix).map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * The `style` input for a mix: one weight per style row, summing to 1. No mix means the first style.
 * Errors (one line): a model without styles, an unknown name (listing the known ones), a negative or
 * non-finite weight, weights that are all zero.
 */
export function mixWeights(styles: readonly StyleEntry[] | undefined, mix: StyleMix | undefined, model = 'the model'): Float32Array {
  if (!styles) {
    if (mix === undefined) return new Float32Array(0);
    throw new Error(`${model} is a single-style network: it takes no style selection (drop --style)`);
  }
  const names = styles.map((s) => s.name);
  const w = new Float32Array(names.length);
  const entries: [string, number][] = mix === undefined ? [[names[0]!, 1]] : typeof mix === 'string' ? [[mix, 1]] : Object.entries(mix);
  if (!entries.length) throw new Error('empty style mix: name at least one style');
  let sum = 0;
  for (const [name, weight] of entries) {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`unknown style '${name}'; ${model}'s styles are ${names.join(', ')}`);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) throw new Error(`style weight of '${name}' must be a number >= 0, got ${weight}`);
    w[i] = weight;
    sum += weight;
  }
  if (!(sum > 0)) throw new Error('style weights are all zero: give at least one style a positive weight');
  for (let i = 0; i < w.length; i++) w[i]! /= sum;
  return w;
}

/** The `style` input tensor of a mix (see {@link mixWeights}). */
export function styleFeed(styles: readonly StyleEntry[], mix: StyleMix | undefined, model?: string): Tensor<'float32'> {
  return f32([styles.length], mixWeights(styles, mix, model));
}

/** The norm layers of a network, in order (plain or conditional). */
function norms(layers: readonly NetworkLayer[]): (NormLayer | CondNormLayer)[] {
  return layers.flatMap((l) => (l.kind === 'residual' ? norms(l.body) : isNorm(l) ? [l] : []));
}

/** Names of a config's norm parameters (scales and shifts): all a conditional network keeps per style. */
export function normParamNames(c: TransformerConfig): string[] {
  return norms(describeNetwork(c)).flatMap((l) => [`${l.name}.weight`, `${l.name}.bias`]);
}

/** A network as plain tensors: what the moves below take and give. */
export interface NetworkWeights {
  readonly config: TransformerConfig;
  readonly weights: Weights;
}

const single = (c: TransformerConfig): TransformerConfig => {
  const { styles: _styles, ...rest } = c;
  return rest;
};

/**
 * The single-style network a conditional one computes at mix `w`: each norm's scale and shift is
 * w @ rows, exactly what the graph's MatMul feeds InstanceNormalization. For one-hot weights it is
 * that style's network, bit for bit. What CoreML export writes, and where learn-style starts.
 */
export function bakeStyle(n: NetworkWeights, w: Float32Array): NetworkWeights {
  const S = n.config.styles;
  if (S === undefined) throw new Error('bakeStyle: the network is not a multi-style network');
  if (w.length !== S) throw new Error(`bakeStyle: ${w.length} weights for ${S} styles`);
  const rows = new Set(normParamNames(n.config));
  const weights = new Map<string, Tensor<'float32'>>();
  for (const [name, t] of n.weights) {
    if (!rows.has(name)) {
      weights.set(name, t);
      continue;
    }
    const C = t.dims[1]!;
    const out = f32([C]);
    // Summed in float32 in row order, as MatMul does: one-hot weights give the row exactly.
    for (let s = 0; s < S; s++) if (w[s]) for (let c = 0; c < C; c++) out.data[c] = Math.fround(out.data[c]! + Math.fround(w[s]! * t.data[s * C + c]!));
    weights.set(name, out);
  }
  return { config: single(n.config), weights };
}

/**
 * A conditional network of `styles` rows made from a single-style one, every row its norms: the same
 * function for each style to start from (e.g. a trained single-style student as the shared start of a
 * multi-style one).
 */
export function replicateStyle(n: NetworkWeights, styles: number): NetworkWeights {
  if (n.config.styles !== undefined) throw new Error('replicateStyle: the network already has styles');
  const config = { ...n.config, styles };
  const rows = new Set(normParamNames(config));
  const weights = new Map<string, Tensor<'float32'>>();
  for (const [name, t] of n.weights) {
    if (!rows.has(name)) {
      weights.set(name, t);
      continue;
    }
    const out = f32([styles, t.data.length]);
    for (let s = 0; s < styles; s++) out.data.set(t.data, s * t.data.length);
    weights.set(name, out);
  }
  return { config, weights };
}

/**
 * The conditional network `base` with one more style row: `learned` is a single-style network whose
 * every weight but the norms is base's (learn-style trains the norms alone), and its norms become the
 * new row. Anything else shared that differs is refused: the row would paint with other weights.
 */
export function appendStyle(base: NetworkWeights, learned: NetworkWeights): NetworkWeights {
  const S = base.config.styles;
  if (S === undefined) throw new Error('appendStyle: the base is not a multi-style network');
  if (JSON.stringify(single(base.config)) !== JSON.stringify(learned.config)) throw new Error('appendStyle: the learned network is not the base\'s architecture');
  const config = { ...base.config, styles: S + 1 };
  const rows = new Set(normParamNames(config));
  const weights = new Map<string, Tensor<'float32'>>();
  for (const [name, t] of base.weights) {
    const l = learned.weights.get(name);
    if (!l) throw new Error(`appendStyle: the learned network has no '${name}'`);
    if (!rows.has(name)) {
      if (l.data.length !== t.data.length || l.data.some((v, i) => v !== t.data[i])) throw new Error(`appendStyle: shared weight '${name}' differs from the base's`);
      weights.set(name, t);
      continue;
    }
    const C = t.dims[1]!;
    const out = f32([S + 1, C]);
    out.data.set(t.data);
    out.data.set(l.data, S * C);
    weights.set(name, out);
  }
  return { config, weights };
}
