/**
 * A loss term as a plug-in: everything the graph builder, the training loop, the CLI and the run
 * metadata need to know about one term lives in one object, so adding a term is one new file plus
 * its entry in the list passed to train() (BUILT_IN_TERMS for the built-in ones).
 */
import type { Graph, Value } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import type { VggPreprocess, VggWeights } from '../../models/vgg.js';
import type { ResolvedTrainOptions, TrainOptions } from '../options.js';

export interface LossTermDef {
  /** Loss output 'loss.<name>', key in logs, in TrainOptions.weights and in the run's `weights`. */
  readonly name: string;
  readonly weight: WeightFlag;
  /** Computed and logged, outside the total, when its weight is 0 (e.g. the distance to a given teacher). */
  monitored?(o: ResolvedTrainOptions): boolean;
  /** Option errors found before any work starts. */
  check?(o: TrainOptions): void;
  /** Builds the term's part of one training graph; called once per graph, so state may live in the closure. */
  graph(ctx: GraphContext): TermGraph;
  /** Per-run resources (sessions, precomputed tensors) and the extra inputs they feed every step. */
  open?(run: RunContext): Promise<TermFeeder>;
  /** What the term adds to the run metadata (checkpoint `run` and model provenance) when weighted. */
  runInfo?(o: ResolvedTrainOptions): Readonly<Record<string, unknown>>;
}

/** The term's weight: its CLI flag and default. */
export interface WeightFlag {
  /** Long flag without dashes, e.g. 'tv-weight'. */
  readonly flag: string;
  readonly help: string;
  /** Default for the loss network's preprocessing (feature scales differ between caffe and torch VGGs). */
  default(preprocess: VggPreprocess): number;
}

/** What a term's graph part is built in. */
export interface GraphContext {
  readonly graph: Graph;
  /** The content batch shape [batch, 3, height, width]. */
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly vgg: VggWeights;
  readonly contentLayer: string;
  readonly styleLayers: readonly string[];
}

export interface TermGraph {
  /**
   * Wraps the network pass: given the content batch and the network, returns the network's output
   * for that batch. A term may run the network on more samples (e.g. moved copies sharing the batch)
   * and keep their outputs for its loss. Hooks of several terms nest in term order.
   */
  readonly network?: (x: Value, net: (input: Value) => Value) => Value;
  /** The unweighted scalar loss, or undefined when there is nothing to compare (style without style layers). */
  loss(f: ForwardPass): Value | undefined;
}

/** The forward pass as the loss terms see it. */
export interface ForwardPass {
  /** Content batch, RGB 0..255. */
  readonly x: Value;
  /** The network's output for x. */
  readonly y: Value;
  /** VGG features of y at the content and style layers. */
  readonly features: ReadonlyMap<string, Value>;
}

export interface RunContext {
  readonly options: ResolvedTrainOptions;
  /** The style image at `styleSize`, [1, 3, H, W] RGB 0..255. */
  readonly styleImage: Tensor<'float32'>;
}

export interface TermFeeder {
  /** The term's graph inputs for one step. */
  feeds(step: StepInput): Promise<Readonly<Record<string, Tensor>>> | Readonly<Record<string, Tensor>>;
  release?(): Promise<void>;
}

export interface StepInput {
  /** Steps done before this one. */
  readonly step: number;
  /** The content batch, RGB 0..255. */
  readonly content: Tensor<'float32'>;
}

/** Session options for a run's extra sessions: its thread count when one is given. */
export const sessionOptions = (o: ResolvedTrainOptions) => (o.threads ? { threads: o.threads } : {});
