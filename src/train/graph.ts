import { gradients, prune } from '../autodiff/reverse.js';
import { Graph, type Value } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { add, concat, mul, slice } from '../ops/index.js';
import { maskedMse } from '../temporal/stability.js';
import { warpGraph } from '../temporal/warp.js';
import { paramSpecs, transformerForward, type TransformerConfig } from '../models/transformer.js';
import { vggFeatures, type VggWeights } from '../models/vgg.js';
import { contentLoss, distillLoss, gram, styleLoss, tvLoss, type LossTerm, type LossWeights } from './losses.js';

/** What a training step computes. */
export interface TrainGraphSpec {
  readonly config: TransformerConfig;
  /** Concrete batch shape: training graphs are built for one size. */
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly vgg: VggWeights;
  readonly contentLayer: string;
  readonly styleLayers: readonly string[];
  readonly weights: LossWeights;
  /** Also output the unweighted distillation loss when its weight is 0, outside the total: a teacher-distance curve for runs that do not distill. */
  readonly monitorDistill?: boolean;
}

/** Names of the training graph's inputs and outputs. */
export const TRAIN_IO = Object.freeze({
  content: 'content',
  teacher: 'teacher',
  gram: (layer: string) => `gram.${layer}`,
  loss: (term: LossTerm | 'total') => `loss.${term}`,
  grad: (param: string) => `grad.${param}`,
  output: 'output',
  /** The stability term's motion: warp taps, kept-pixel mask and noise (see MotionBatch). */
  motion: { index: 'motion.index', weight: 'motion.weight', mask: 'motion.mask', noise: 'motion.noise' },
});

export interface TrainGraph {
  readonly onnx: Uint8Array;
  /** Parameter names (also the input names the parameters are fed under), in paramSpecs order. */
  readonly params: readonly string[];
  /** Loss terms with a non-zero weight, each an output 'loss.<term>', plus 'loss.total'. */
  readonly terms: readonly LossTerm[];
  /** Terms output for monitoring only (not in the total). */
  readonly monitored: readonly LossTerm[];
  readonly distill: boolean;
  readonly nodes: number;
}

/**
 * One ONNX graph for a whole training step: inputs = parameters + content batch (RGB 0..255) +
 * precomputed style Grams (+ the teacher's output for distillation); outputs = each weighted loss
 * term, their total and the gradient of the total for every parameter. Parameters are graph inputs
 * so one session serves every step.
 */
export function buildTrainGraph(s: TrainGraphSpec, opts: { outputY?: boolean } = {}): TrainGraph {
  const g = new Graph('stylecast_train');
  const specs = paramSpecs(s.config);
  const params = new Map(specs.map((p) => [p.name, g.input(p.name, 'float32', p.dims)]));
  const x = g.input(TRAIN_IO.content, 'float32', [s.batch, 3, s.height, s.width]);
  const terms = new Map<LossTerm, Value>();
  let y: Value;
  if (s.weights.temporal) {
    // Stability: the moved, noisier photos go through the same network in the same batch (instance
    // norm keeps samples independent); perceptual losses see only the originals' outputs.
    const hw = s.height * s.width;
    const m = TRAIN_IO.motion;
    const index = g.input(m.index, 'int64', [s.batch, 3, 4 * hw]);
    const weight = g.input(m.weight, 'float32', [s.batch, 1, 4, hw]);
    const mask = g.input(m.mask, 'float32', [s.batch, 1, s.height, s.width]);
    const moved = add(warpGraph(x, index, weight), g.input(m.noise, 'float32', [s.batch, 3, s.height, s.width]));
    const both = transformerForward(concat([x, moved], 0), s.config, params);
    y = slice(both, { starts: [0], ends: [s.batch], axes: [0] });
    const yMoved = slice(both, { starts: [s.batch], ends: [2 * s.batch], axes: [0] });
    terms.set('temporal', mul(maskedMse(yMoved, warpGraph(y, index, weight), mask), s.weights.temporal));
  } else {
    y = transformerForward(x, s.config, params);
  }

  const taps = [...new Set([s.contentLayer, ...s.styleLayers])];
  const fy = taps.length ? vggFeatures(y, s.vgg, taps) : new Map<string, Value>();
  if (s.weights.content) terms.set('content', mul(contentLoss(fy.get(s.contentLayer)!, vggFeatures(x, s.vgg, [s.contentLayer]).get(s.contentLayer)!), s.weights.content));
  if (s.weights.style && s.styleLayers.length) {
    const grams = new Map(s.styleLayers.map((l) => {
      const c = fy.get(l)!.dims()[1]!;
      return [l, g.input(TRAIN_IO.gram(l), 'float32', [1, c, c])] as const;
    }));
    terms.set('style', mul(styleLoss(fy, grams), s.weights.style));
  }
  if (s.weights.tv) terms.set('tv', mul(tvLoss(y), s.weights.tv));
  const monitor = !s.weights.distill && s.monitorDistill;
  if (s.weights.distill || monitor) {
    const d = distillLoss(y, g.input(TRAIN_IO.teacher, 'float32', y.dims()));
    if (s.weights.distill) terms.set('distill', mul(d, s.weights.distill));
    else g.output(d, TRAIN_IO.loss('distill'));
  }
  if (!terms.size) throw new Error('training: every loss weight is zero');

  const total = [...terms.values()].reduce((a, b) => add(a, b));
  for (const [term, v] of terms) g.output(v, TRAIN_IO.loss(term));
  g.output(total, TRAIN_IO.loss('total'));
  if (opts.outputY) g.output(y, TRAIN_IO.output);
  const names = specs.map((p) => p.name);
  gradients(total, names.map((n) => params.get(n)!)).forEach((d, i) => g.output(d, TRAIN_IO.grad(names[i]!)));
  prune(g);
  return { onnx: toOnnx(g), params: names, terms: [...terms.keys()], monitored: monitor ? ['distill'] : [], distill: terms.has('distill') || Boolean(monitor), nodes: g.nodes.length };
}

/** A graph mapping a style image [1, 3, H, W] (RGB 0..255) to its Grams 'gram.<layer>' at the given layers. */
export function buildGramGraph(vgg: VggWeights, layers: readonly string[], height: number, width: number): Uint8Array {
  const g = new Graph('stylecast_style_grams');
  const x = g.input('style', 'float32', [1, 3, height, width]);
  const f = vggFeatures(x, vgg, layers);
  for (const l of layers) g.output(gram(f.get(l)!), TRAIN_IO.gram(l));
  return toOnnx(g);
}
