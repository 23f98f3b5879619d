/**
 * Training options: what a caller may give (TrainOptions), their defaults (TRAIN_DEFAULTS, the one
 * place they are applied), and the resolved options every later phase, the checkpoint's `run` and
 * the model's provenance read (resolveOptions, runInfo).
 */
import type { ModelInfo } from '../models/modelfile.js';
import { PRESETS, type TransformerConfig, type Weights } from '../models/transformer.js';
import { defaultLayers, type VggWeights } from '../models/vgg.js';
import { DEFAULT_MOTION, type MotionLimits } from '../temporal/stability.js';
import { DEFAULT_ADAM, type AdamOptions, type LrSchedule } from './adam.js';
import type { LossWeights } from './losses.js';
import { BUILT_IN_TERMS, type LossTermDef } from './terms/index.js';

/** Options of a training run. Defaults are those of pytorch/examples fast_neural_style where it has one. */
export interface TrainOptions {
  /** Style image (JPEG/PNG/WebP). */
  readonly style: string;
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
  /** Random camera motions and noise of the stability term (used when weights.temporal > 0). */
  readonly motion?: Partial<MotionLimits>;
  /** Starting parameters (e.g. transfer-initialized from a teacher); random from `seed` when omitted. */
  readonly init?: Weights;
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
  /** Folder for preview sheets; off when undefined. */
  readonly previewDir?: string;
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

export const TRAIN_DEFAULTS = Object.freeze({
  size: 256,
  batch: 4,
  seed: 0,
  config: PRESETS.torch,
  adam: DEFAULT_ADAM,
  schedule: 'constant' as LrSchedule,
  motion: DEFAULT_MOTION,
  checkpointEvery: 500,
  previewEvery: 500,
  /** How many content photos preview when no preview photos are given. */
  previewPhotos: 2,
  prefetch: 2,
});

/** TrainOptions with every default applied; `vgg` loaded and `config` the one the run trains. */
export interface ResolvedTrainOptions extends Omit<TrainOptions, 'vgg' | 'weights' | 'motion' | 'adam'> {
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
}

/** Option errors that need no file: checked before any work. */
export function checkOptions(o: TrainOptions): void {
  const positiveInt = (v: number | undefined, flag: string) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`${flag} must be a positive integer, got ${v}`);
  };
  const size = o.size ?? TRAIN_DEFAULTS.size;
  positiveInt(size, '--size');
  if (size % 4 !== 0) throw new Error(`--size must be a multiple of 4 (the network downsamples twice by 2), got ${size}`);
  positiveInt(o.batch, '--batch');
  positiveInt(o.steps, '--steps');
  positiveInt(o.checkpointEvery, '--checkpoint-every');
  positiveInt(o.previewEvery, '--preview-every');
  positiveInt(o.styleSize, '--style-size');
  if (o.clipNorm !== undefined && !(o.clipNorm > 0)) throw new Error(`--clip-norm must be > 0, got ${o.clipNorm}`);
}

/** Weights name known terms, and each term's own option checks. */
export function checkTerms(o: TrainOptions): void {
  const terms = o.terms ?? BUILT_IN_TERMS;
  const unknown = Object.keys(o.weights ?? {}).filter((k) => o.weights![k] !== undefined && !terms.some((t) => t.name === k));
  if (unknown.length) throw new Error(`weights for unknown loss terms: ${unknown.join(', ')} (terms: ${terms.map((t) => t.name).join(', ')})`);
  for (const t of terms) t.check?.(o);
}

/** Every default applied; `config` is the resumed checkpoint's when there is one. */
export function resolveOptions(o: TrainOptions, vgg: VggWeights, resumedConfig?: TransformerConfig): ResolvedTrainOptions {
  const D = TRAIN_DEFAULTS;
  const layers = defaultLayers(vgg);
  const terms = o.terms ?? BUILT_IN_TERMS;
  const size = o.size ?? D.size;
  return {
    ...o,
    size,
    batch: o.batch ?? D.batch,
    seed: o.seed ?? D.seed,
    config: resumedConfig ?? o.config ?? D.config,
    vgg,
    contentLayer: o.contentLayer ?? layers.content,
    styleLayers: o.styleLayers ?? layers.style,
    terms,
    weights: Object.fromEntries(terms.map((t) => [t.name, o.weights?.[t.name] ?? t.weight.default(vgg.preprocess)])),
    motion: { ...D.motion, ...o.motion },
    adam: { ...D.adam, ...o.adam },
    schedule: o.schedule ?? D.schedule,
    styleSize: o.styleSize ?? size,
    checkpoint: o.checkpoint ?? `${o.output}.ckpt`,
    checkpointEvery: o.checkpointEvery ?? D.checkpointEvery,
    previewEvery: o.previewEvery ?? D.previewEvery,
    prefetch: o.prefetch ?? D.prefetch,
  };
}

/** The run's settings as recorded in its checkpoints (`run`) and in the model's provenance. */
export function runInfo(o: ResolvedTrainOptions): Record<string, unknown> {
  const weighted = o.terms.filter((t) => o.weights[t.name]);
  return {
    size: o.size,
    batch: o.batch,
    seed: o.seed,
    weights: o.weights,
    adam: o.adam,
    schedule: o.schedule,
    ...(o.clipNorm ? { clipNorm: o.clipNorm } : {}),
    ...Object.assign({}, ...weighted.map((t) => t.runInfo?.(o) ?? {})),
    totalSteps: o.steps,
  };
}
