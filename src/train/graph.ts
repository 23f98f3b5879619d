import { gradients, prune } from '../autodiff/reverse.js';
import { Graph, type Value } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { add, mul } from '../ops/index.js';
import { paramSpecs, transformerForward, type TransformerConfig } from '../models/transformer.js';
import { vggFeatures } from '../models/vgg.js';
import { TRAIN_IO } from './io.js';
import { BUILT_IN_TERMS, type ForwardPass, type GraphContext, type LossTermDef, type TermGraph } from './terms/index.js';

export { buildGramGraph } from './grams.js';
export { TRAIN_IO } from './io.js';

/** What a training step computes: the terms' graph context (a concrete batch shape: training graphs are built for one size) and more. */
export interface TrainGraphSpec extends Omit<GraphContext, 'graph'> {
  readonly config: TransformerConfig;
  /** Weight per term name; a term without one is off. */
  readonly weights: Readonly<Record<string, number>>;
  /** Defaults to BUILT_IN_TERMS. */
  readonly terms?: readonly LossTermDef[];
  /** Terms also output, unweighted and outside the total, when their weight is 0 (see LossTermDef.monitored). */
  readonly monitor?: readonly string[];
  /** Parameters to output gradients for; defaults to all. The others are inputs the step only reads. */
  readonly trainable?: readonly string[];
}

export interface TrainGraph {
  readonly onnx: Uint8Array;
  /** Parameter names (also the input names the parameters are fed under), in paramSpecs order. */
  readonly params: readonly string[];
  /** The parameters with a gradient output 'grad.<name>', in paramSpecs order. */
  readonly trained: readonly string[];
  /** Loss terms in the total, each an output 'loss.<term>', plus 'loss.total'. */
  readonly terms: readonly string[];
  /** Terms output for monitoring only (not in the total). */
  readonly monitored: readonly string[];
  readonly nodes: number;
}

interface Part {
  readonly name: string;
  /** Multiplies the loss into the total; undefined when only monitored. */
  readonly weight: number | undefined;
  readonly graph: TermGraph;
}

/**
 * One ONNX graph for a whole training step: inputs = parameters + content batch (RGB 0..255) + the
 * terms' inputs (style Grams, the teacher's output, motions...); outputs = each weighted loss term,
 * their total and the gradient of the total for every parameter. Parameters are graph inputs so one
 * session serves every step.
 */
export function buildTrainGraph(s: TrainGraphSpec, opts: { outputY?: boolean } = {}): TrainGraph {
  const g = new Graph('stylecast_train');
  const specs = paramSpecs(s.config);
  const params = new Map(specs.map((p) => [p.name, g.input(p.name, 'float32', p.dims)]));
  const x = g.input(TRAIN_IO.content, 'float32', [s.batch, 3, s.height, s.width]);
  const style = s.config.styles === undefined ? undefined : g.input(TRAIN_IO.style, 'float32', [s.config.styles]);
  const parts = termParts(s, { graph: g, batch: s.batch, height: s.height, width: s.width, vgg: s.vgg, contentLayer: s.contentLayer, styleLayers: s.styleLayers });
  // The first term's network hook is the outermost: it sees the content batch.
  const net = parts.reduceRight<(input: Value) => Value>(
    (inner, p) => (p.graph.network ? (input) => p.graph.network!(input, inner) : inner),
    (input) => transformerForward(input, s.config, params, style),
  );
  const y = net(x);
  const { terms, monitored } = lossOutputs(parts, forwardPass(s, x, y));
  if (!terms.size) throw new Error('training: every loss weight is zero');

  const total = [...terms.values()].reduce((a, b) => add(a, b));
  for (const [term, v] of terms) g.output(v, TRAIN_IO.loss(term));
  g.output(total, TRAIN_IO.loss('total'));
  if (opts.outputY) g.output(y, TRAIN_IO.output);
  const names = specs.map((p) => p.name);
  const trained = s.trainable ? names.filter((n) => s.trainable!.includes(n)) : names;
  gradients(total, trained.map((n) => params.get(n)!)).forEach((d, i) => g.output(d, TRAIN_IO.grad(trained[i]!)));
  prune(g);
  return { onnx: toOnnx(g), params: names, trained, terms: [...terms.keys()], monitored, nodes: g.nodes.length };
}

/** The graph parts of the terms that are weighted or monitored, in term order. */
function termParts(s: TrainGraphSpec, ctx: GraphContext): Part[] {
  return (s.terms ?? BUILT_IN_TERMS).flatMap((t): Part[] => {
    const weight = s.weights[t.name];
    if (weight || s.monitor?.includes(t.name)) return [{ name: t.name, weight: weight || undefined, graph: t.graph(ctx) }];
    return [];
  });
}

/**
 * The forward pass with VGG features built when a term first asks: node creation order decides the
 * order in which gradient contributions are summed, and the stability term's come before the perceptual ones.
 */
function forwardPass(s: TrainGraphSpec, x: Value, y: Value): ForwardPass {
  let features: ReadonlyMap<string, Value> | undefined;
  let teacher: Value | undefined;
  let teacherFeatures: ReadonlyMap<string, Value> | undefined;
  const taps = [...new Set([s.contentLayer, ...s.styleLayers])];
  const vgg = (v: Value) => (taps.length ? vggFeatures(v, s.vgg, taps) : new Map<string, Value>());
  return {
    x,
    y,
    get features() {
      return (features ??= vgg(y));
    },
    get teacher() {
      return (teacher ??= y.graph.input(TRAIN_IO.teacher, 'float32', y.dims()));
    },
    get teacherFeatures() {
      return (teacherFeatures ??= vgg(this.teacher));
    },
  };
}

/** Weighted losses (for the total) and monitored ones, output as they are built. */
function lossOutputs(parts: readonly Part[], f: ForwardPass): { terms: Map<string, Value>; monitored: string[] } {
  const terms = new Map<string, Value>();
  const monitored: string[] = [];
  for (const p of parts) {
    const loss = p.graph.loss(f);
    if (!loss) continue;
    if (p.weight !== undefined) terms.set(p.name, mul(loss, p.weight));
    else {
      loss.graph.output(loss, TRAIN_IO.loss(p.name));
      monitored.push(p.name);
    }
  }
  return { terms, monitored };
}
