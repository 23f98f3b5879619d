/**
 * Training options: what a caller may give (TrainOptions), their defaults (TRAIN_DEFAULTS, the one
 * place they are applied), and the resolved options every later phase, the checkpoint's `run` and
 * the model's provenance read (resolveOptions, runInfo).
 */
import { basename, extname } from 'node:path';
import { checkStyleNames } from '../models/styles.js';
import { paramSpecs, PRESETS, strideOf, type TransformerConfig } from '../models/transformer.js';
import { defaultLayers, type VggWeights } from '../models/vgg.js';
import { DEFAULT_MOTION } from '../temporal/stability.js';
import { DEFAULT_ADAM, type LrSchedule } from './adam.js';
import type { ResolvedTrainOptions, TrainOptions } from './spec.js';
import { hasTeacher } from './teacher.js';
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
  /**
   * Reflected context (pixels per side) around each crop for the teacher's pass, cropped off its output.
   * Teachers paint along image borders (la_muse a coloured frame, candy a light band on the right
   * edge); with context the crop's border lies inside the teacher's picture, so a student does not
   * learn the frame. 32 removes both (docs/students/teacher-margin.jpg).
   */
  teacherMargin: 32,
});

/** Option errors that need no file: checked before any work. */
export function checkOptions(o: TrainOptions): void {
  checkStyleOptions(o);
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
  // Wider than the crop is still mirror images of it (reflectPad folds back and forth), so no upper bound.
  if (o.teacherMargin !== undefined && (!Number.isInteger(o.teacherMargin) || o.teacherMargin < 0)) throw new Error(`--teacher-margin must be a whole number of pixels >= 0, got ${o.teacherMargin}`);
  if (o.clipNorm !== undefined && !(o.clipNorm > 0)) throw new Error(`--clip-norm must be > 0, got ${o.clipNorm}`);
  if (o.budgetSeconds !== undefined && !(o.budgetSeconds > 0)) throw new Error(`the time budget must be > 0 seconds, got ${o.budgetSeconds}`);
  if (o.trainable !== undefined) {
    if (!o.trainable.length) throw new Error('nothing to train: the trainable parameter list is empty');
    const known = new Set(paramSpecs(trainedConfig(o)).map((p) => p.name));
    const unknown = o.trainable.find((n) => !known.has(n));
    if (unknown !== undefined) throw new Error(`trainable parameter '${unknown}' is not a parameter of the network`);
  }
}

/** A single-style run names a style image; a multi-style run lists styles (valid distinct names, one row each). */
function checkStyleOptions(o: TrainOptions): void {
  if (o.styles === undefined) {
    if (o.style === undefined) throw new Error('no style: pass a style image (--style)');
    if (o.config?.styles !== undefined) throw new Error(`the network has ${o.config.styles} style rows: name its styles (--style-names) and give one style image each`);
    return;
  }
  if (o.style !== undefined || o.teacher !== undefined) throw new Error('a multi-style run gives each style its image and teacher; drop the single style and teacher');
  checkStyleNames(o.styles.map((s) => s.name));
  if (o.config?.styles !== undefined && o.config.styles !== o.styles.length) throw new Error(`the network has ${o.config.styles} style rows but ${o.styles.length} styles are given`);
}

/** The config a run trains before any checkpoint is read: a multi-style run's has one row per style. */
export function trainedConfig(o: TrainOptions): TransformerConfig {
  const c = o.config ?? TRAIN_DEFAULTS.config;
  return o.styles ? { ...c, styles: o.styles.length } : c;
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
  // A single-style run is one style named after its image, so the loop has one shape for both.
  const styles = o.styles ?? [{ name: basename(o.style!, extname(o.style!)), image: o.style!, ...(o.teacher ? { teacher: o.teacher } : {}) }];
  return {
    ...o,
    styles,
    size,
    batch: o.batch ?? D.batch,
    seed: o.seed ?? D.seed,
    config: resumedConfig ?? trainedConfig(o),
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
    teacherMargin: o.teacherMargin ?? D.teacherMargin,
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
    ...(hasTeacher(o) ? { teacherMargin: o.teacherMargin } : {}),
    ...(o.config.styles !== undefined ? { styles: o.styles.map((s) => ({ name: s.name, image: basename(s.image), ...(s.teacher ? { teacher: s.teacher } : {}) })) } : {}),
    ...(o.trainable ? { trainable: o.trainable } : {}),
    ...(o.budgetSeconds ? { budgetSeconds: o.budgetSeconds } : {}),
    ...(o.resumeKey ? { resumeKey: o.resumeKey } : {}),
    ...Object.assign({}, ...weighted.map((t) => t.runInfo?.(o) ?? {})),
    totalSteps: o.steps,
  };
}
