import { readFixture, maxAbsError } from '../io/fixture.js';
import type { Tensor } from '../graph/tensor.js';
import { PRESETS, paramSpecs, type TransformerConfig } from '../models/transformer.js';
import { convNames, type VggConv, type VggWeights } from '../models/vgg.js';
import { createSession } from '../runtime/ort.js';
import { buildGramGraph, buildTrainGraph, TRAIN_IO } from '../train/graph.js';

/** Relative error ||a - b|| / ||b|| (NaN-safe: NaN compares as failing). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let r = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    r += b[i]! ** 2;
  }
  const e = Math.sqrt(d) / Math.sqrt(r || 1);
  return Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
}

export interface TermCheck {
  readonly name: string;
  readonly value: number;
  readonly reference: number;
  readonly relErr: number;
}

export interface GradCheck {
  readonly name: string;
  readonly relErr: number;
  /**
   * The reference is analytically zero (e.g. the bias of a conv followed by instance norm, which
   * removes per-channel constants): PyTorch's values there are rounding noise, so the error is
   * measured against {@link ZERO_FLOOR} x the norm of all reference gradients instead.
   */
  readonly zeroReference?: boolean;
}

export interface PerceptualReport {
  readonly terms: readonly TermCheck[];
  readonly grads: readonly GradCheck[];
  /** Style Grams computed here from the style image vs the fixture's, per layer. */
  readonly grams: readonly GradCheck[];
  /** Max abs error of the network output (0..255 scale). */
  readonly outputMaxAbsError: number;
  /** Largest relative error over loss terms and parameter gradients. */
  readonly maxRelErr: number;
  readonly tolerance: number;
  readonly ok: boolean;
}

export const PERCEPTUAL_TOLERANCE = 1e-3;
/** Denominator floor for per-tensor relative errors, as a fraction of the global reference gradient norm. */
export const ZERO_FLOOR = 1e-5;

const l2 = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! ** 2;
  return Math.sqrt(s);
};

interface Meta {
  transformer?: { width?: number; residual_blocks?: number };
  vgg?: { topology?: string; layer_indices?: Record<string, number> };
  loss?: Record<string, unknown>;
  values?: Record<string, number>;
}

/** Is this a perceptual-loss fixture (the format of `perceptual_loss_seed0`)? */
export const isPerceptualMeta = (meta: Readonly<Record<string, unknown>>) => Boolean((meta as Meta).loss && (meta as Meta).values);

/**
 * Rebuild the transformer and the VGG loss net from a perceptual-loss fixture's tensors and meta,
 * run one training step graph, and compare each loss term and each parameter gradient with
 * PyTorch's (relative error per tensor).
 */
export async function verifyPerceptualFixture(dir: string): Promise<PerceptualReport> {
  const fx = await readFixture(dir);
  const meta = fx.meta as Meta;
  if (!meta.loss || !meta.values) throw new Error(`${dir}: not a perceptual-loss fixture (meta.loss and meta.values are needed)`);
  const T = (name: string) => {
    const t = fx.tensors.get(name);
    if (!t) throw new Error(`${dir}: tensor '${name}' is missing`);
    return t;
  };
  const { config, vgg, styleLayers, weights } = fixtureSetup(dir, meta, fx.tensors, T);
  const x = T('x');
  const [batch, , height, width] = x.dims as [number, number, number, number];
  const graph = buildTrainGraph({ config, batch, height, width, vgg, contentLayer: 'relu2_2', styleLayers, weights }, { outputY: true });

  // Style Grams from the style image, as training computes them.
  const style = T('style');
  const gramSession = await createSession(buildGramGraph(vgg, styleLayers, style.dims[2]!, style.dims[3]!));
  const grams = await gramSession.run({ style });
  await gramSession.release();

  const feeds: Record<string, Tensor> = { [TRAIN_IO.content]: x, ...grams };
  for (const p of paramSpecs(config)) feeds[p.name] = T(`param.${p.name}`);
  if (graph.terms.includes('distill')) feeds[TRAIN_IO.teacher] = T('teacher_output');
  const session = await createSession(graph.onnx);
  const out = await session.run(feeds);
  await session.release();

  const terms: TermCheck[] = [...graph.terms, 'total'].map((name) => {
    const value = out[TRAIN_IO.loss(name)]!.data[0] as number;
    const reference = Number(meta.values![name]);
    return { name, value, reference, relErr: relError([value], [reference]) };
  });
  const gradChecks = checkGradients(graph.params, (p) => out[TRAIN_IO.grad(p)]!.data as Float32Array, (p) => T(`grad.${p}`).data);
  const gramChecks = styleLayers.map((l) => ({ name: l, relErr: relError(grams[TRAIN_IO.gram(l)]!.data as Float32Array, T(`gram_style.${l}`).data) }));
  const maxRelErr = Math.max(...terms.map((t) => t.relErr), ...gradChecks.map((g) => g.relErr));
  return {
    terms,
    grads: gradChecks,
    grams: gramChecks,
    outputMaxAbsError: maxAbsError(out[TRAIN_IO.output] as Tensor<'float32'>, T('y'), 'output'),
    maxRelErr,
    tolerance: PERCEPTUAL_TOLERANCE,
    ok: maxRelErr <= PERCEPTUAL_TOLERANCE,
  };
}

/** The fixture's transformer architecture, torchvision VGG, style layers and loss weights. */
function fixtureSetup(dir: string, meta: Meta, tensors: ReadonlyMap<string, unknown>, T: (name: string) => Tensor<'float32'>) {
  const config: TransformerConfig = { ...PRESETS.torch, width: meta.transformer?.width ?? 32, blocks: meta.transformer?.residual_blocks ?? 5 };
  // torchvision VGG features: convs at the listed indices, named conv<b>_<i> in order.
  const topology = /19/.test(meta.vgg?.topology ?? '') ? 'vgg19' : 'vgg16';
  const indices = [...tensors.keys()].filter((k) => /^vgg\.\d+\.weight$/.test(k)).map((k) => Number(k.split('.')[1])).sort((a, b) => a - b);
  const names = convNames(topology);
  const convs: VggConv[] = indices.map((i, j) => ({ name: names[j]!, weight: T(`vgg.${i}.weight`), bias: T(`vgg.${i}.bias`) }));
  const vgg: VggWeights = { topology, preprocess: 'torch', convs, source: dir };
  const styleLayers = Object.keys(meta.vgg?.layer_indices ?? {}).filter((l) => tensors.has(`gram_style.${l}`));
  const num = (k: string) => Number(meta.loss![k] ?? 0);
  const weights = { content: num('content_weight'), style: num('style_weight'), tv: num('tv_weight'), distill: num('distill_weight'), temporal: 0 };
  return { config, vgg, styleLayers, weights };
}

/** Relative error per parameter gradient; analytically-zero references are measured against a floor (see GradCheck). */
function checkGradients(params: readonly string[], mine: (p: string) => Float32Array, ref: (p: string) => ArrayLike<number>): GradCheck[] {
  const floor = ZERO_FLOOR * Math.hypot(...params.map((p) => l2(ref(p))));
  return params.map((p): GradCheck => {
    const [r, m] = [ref(p), mine(p)];
    if (l2(r) >= floor) return { name: p, relErr: relError(m, r) };
    const diff = l2(Array.from(r, (v, i) => m[i]! - v));
    return { name: p, relErr: Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff / floor, zeroReference: true };
  });
}
