/**
 * The shapes of a training run: its options (TrainOptions, and ResolvedTrainOptions with every default
 * applied) and its loss terms as plug-ins (LossTermDef). They refer to each other (options list terms,
 * terms read options), so they live in one module; defaults and resolution are in options.ts.
 *
 * A loss term holds everything the graph builder, the training loop, the CLI and the run metadata need
 * to know about it, so adding a term is one new file plus its entry in the list passed to train()
 * (BUILT_IN_TERMS for the built-in ones).
 */
import type { Graph, Value } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';
import type { ModelInfo, StyleModel } from '../models/modelfile.js';
import type { TransformerConfig, Weights } from '../models/transformer.js';
import type { VggPreprocess, VggWeights } from '../models/vgg.js';
import type { MotionLimits } from '../temporal/stability.js';
import type { AdamOptions, LrSchedule } from './adam.js';
import type { LossWeights } from './losses.js';

/** One style of a multi-style run: its name, painting and teacher. */
export interface TrainStyle {
  /** What `--style` will call it in the trained model. */
  readonly name: string;
  /** Its style image (JPEG/PNG/WebP). */
  readonly image: string;
  /** Its teacher for the distillation terms (a registered name or a model file). */
  readonly teacher?: string;
}

/** Options of a training run. Defaults are those of pytorch/examples fast_neural_style where it has one. */
export interface TrainOptions {
  /** Style image (JPEG/PNG/WebP) of a single-style network; a multi-style one gives `styles` instead. */
  readonly style?: string;
  /**
   * A multi-style (conditional) network: one norm row per style, everything else shared. Steps go
   * round-robin (step k trains style k mod S with its painting and teacher, the `style` input one-hot),
   * so each step's teacher pass and style Grams are one style's. Replaces `style` and `teacher`;
   * `config.styles` must be absent or equal to its length.
   */
  readonly styles?: readonly TrainStyle[];
  /** Folder of content photos (searched recursively). */
  readonly content: string;
  /** Final model file (the project's ONNX format with training metadata). */
  readonly output: string;
  /** Training crop side; a multiple of 4. Defaults to 256. */
  readonly size?: number;
  /** Defaults to 4. */
  readonly batch?: number;
  /** Total steps (a resumed run continues to this number). */
  readonly steps: number;
  /** Architecture. Defaults to PRESETS.torch. */
  readonly config?: TransformerConfig;
  /** VGG weights: a TF.js layers folder, an ONNX file, or loaded weights. */
  readonly vgg: string | VggWeights;
  /** Defaults to relu2_2. */
  readonly contentLayer?: string;
  /** Defaults to relu1_2, relu2_2, relu3_3 (+ relu4_3 when the weights have it). */
  readonly styleLayers?: readonly string[];
  /** The loss terms. Defaults to BUILT_IN_TERMS; a new term is added by passing it here. */
  readonly terms?: readonly LossTermDef[];
  /** Loss weights by term name; each term's default (for the VGG's preprocessing) otherwise. */
  readonly weights?: Partial<LossWeights> & { readonly [term: string]: number | undefined };
  /** Teacher for the distillation term (needed when weights.distill > 0; with weight 0 its distance is only logged): a registered name or a model file. */
  readonly teacher?: string;
  /** Reflected context in pixels around each crop for the teacher's pass (see TRAIN_DEFAULTS.teacherMargin). Defaults to 32. */
  readonly teacherMargin?: number;
  /** Random camera motions and noise of the stability term (used when weights.temporal > 0). */
  readonly motion?: Partial<MotionLimits>;
  /** Starting parameters (e.g. transfer-initialized from a teacher); random from `seed` when omitted. */
  readonly init?: Weights;
  /**
   * The parameters to train; the others keep their starting values (no gradient is computed for them
   * and Adam never touches them). Defaults to all. learn-style trains a style's norms alone.
   */
  readonly trainable?: readonly string[];
  /**
   * Stop at the first step boundary after this many seconds of training, counted over resumed runs
   * too; `steps` is then a cap. The model file is written as for a run that reached its steps.
   */
  readonly budgetSeconds?: number;
  /**
   * The model file written at the end, made from the trained network (its weights, metadata and
   * provenance); defaults to that network itself. learn-style adds the trained norms to its base as a style row.
   */
  readonly finalModel?: (trained: StyleModel) => StyleModel;
  /** Metadata for the final model file: overrides the defaults and adds to the provenance. */
  readonly info?: Partial<Omit<ModelInfo, 'provenance'>> & { readonly provenance?: Readonly<Record<string, unknown>> };
  /** Longer side of the style image when its Grams are computed. Defaults to `size`. */
  readonly styleSize?: number;
  readonly adam?: Partial<AdamOptions>;
  /** Defaults to 'constant'. */
  readonly schedule?: LrSchedule;
  /** Clip the global gradient norm to this (off when undefined). */
  readonly clipNorm?: number;
  /** Seeds initialization, shuffling and crops. Defaults to 0. */
  readonly seed?: number;
  /** Checkpoint file. Defaults to `<output>.ckpt`. */
  readonly checkpoint?: string;
  /** Write a checkpoint every K steps (and at the end). Defaults to 500. */
  readonly checkpointEvery?: number;
  /** Continue from this checkpoint. */
  readonly resume?: string;
  /** Keep the checkpoint once the model file is written (a run that stops early always keeps it). Defaults to false. */
  readonly keepCheckpoint?: boolean;
  /**
   * What the run's inputs are beyond its options (learn-style: the painting's and the base's
   * sha256): recorded in checkpoints, and resuming from a checkpoint with another key is refused.
   */
  readonly resumeKey?: string;
  /** Folder for preview sheets; off when undefined. */
  readonly previewDir?: string;
  /** One preview file, replaced at each preview (instead of a sheet per step in previewDir). */
  readonly previewFile?: string;
  /** Defaults to 500. */
  readonly previewEvery?: number;
  /** Fixed photos for previews. Defaults to the first 2 content photos. */
  readonly previewImages?: readonly string[];
  /** Loss chart (.png or .svg) written at the end; off when undefined. */
  readonly chart?: string;
  /** onnxruntime intra-op threads; defaults to all cores. */
  readonly threads?: number;
  /** Decoded batches kept ahead of the trainer. Defaults to 2. */
  readonly prefetch?: number;
}

/** TrainOptions with every default applied; `vgg` loaded and `config` the one the run trains. */
export interface ResolvedTrainOptions extends Omit<TrainOptions, 'vgg' | 'weights' | 'motion' | 'adam' | 'styles'> {
  /** The run's styles: a single-style run's one (named after its image), or the multi-style run's, in row order. */
  readonly styles: readonly TrainStyle[];
  readonly size: number;
  readonly batch: number;
  readonly seed: number;
  readonly config: TransformerConfig;
  readonly vgg: VggWeights;
  readonly contentLayer: string;
  readonly styleLayers: readonly string[];
  readonly terms: readonly LossTermDef[];
  /** Every term's weight, in term order. */
  readonly weights: Readonly<Record<string, number>>;
  readonly motion: MotionLimits;
  readonly adam: AdamOptions;
  readonly schedule: LrSchedule;
  readonly styleSize: number;
  readonly checkpoint: string;
  readonly checkpointEvery: number;
  readonly previewEvery: number;
  readonly prefetch: number;
  readonly teacherMargin: number;
}

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
  /** The teacher's output for x: a graph input (TRAIN_IO.teacher), created when a term first asks, fed from RunContext.teacherOutput. */
  readonly teacher: Value;
  /** VGG features of the teacher's output at the content and style layers (built when first asked). */
  readonly teacherFeatures: ReadonlyMap<string, Value>;
}

/** What a term opens for one style of the run (a single-style run has one; a multi-style run one per style). */
export interface RunContext {
  readonly options: ResolvedTrainOptions;
  /** The style this context is for. */
  readonly style: TrainStyle;
  /** The style image at `styleSize`, [1, 3, H, W] RGB 0..255. */
  readonly styleImage: Tensor<'float32'>;
  /**
   * Opens this style's teacher and gives its output for a content batch. One session per teacher
   * and one teacher run per batch however many terms ask, so terms distilling from it share the work.
   */
  teacher(): Promise<(content: Tensor<'float32'>) => Promise<Tensor<'float32'>>>;
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
