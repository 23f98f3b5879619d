/**
 * Training options: what a caller may give (TrainOptions), their defaults (TRAIN_DEFAULTS, the one
 * place they are applied), and the resolved options every later phase, the checkpoint's `run` and
 * the model's provenance read (resolveOptions, runInfo).
 */
import { PRESETS, strideOf, type TransformerConfig } from '../models/transformer.js';
import { defaultLayers, type VggWeights } from '../models/vgg.js';
import { DEFAULT_MOTION } from '../temporal/stability.js';
import { DEFAULT_ADAM, type LrSchedule } from './adam.js';
import type { ResolvedTrainOptions, TrainOptions } from './spec.js';
import { BUILT_IN_TERMS } from './terms/index.js';

export type { ResolvedTrainOptions, TrainOptions } from './spec.js';

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

/** Option errors that need no file: checked before any work. */
export function checkOptions(o: TrainOptions): void {
  const positiveInt = (v: number | undefined, flag: string) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`${flag} must be a positive integer, got ${v}`);
  };
  const size = o.size ?? TRAIN_DEFAULTS.size;
  positiveInt(size, '--size');
  const stride = strideOf(o.config ?? TRAIN_DEFAULTS.config);
  if (size % stride !== 0) throw new Error(`--size must be a multiple of ${stride} (the network's stride), got ${size}`);
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
