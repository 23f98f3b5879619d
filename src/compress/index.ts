import { basename } from 'node:path';
import { findEntry } from '../io/registry.js';
import { defaultStore, resolveStyleImage } from '../io/store.js';
import { transformerOf } from '../models/codec.js';
import { isModelPath, loadModel } from '../models/load.js';
import { randomWeights, type TransformerConfig } from '../models/transformer.js';
import { TRAIN_DEFAULTS } from '../train/options.js';
import { train, type TrainEvent, type TrainOptions, type TrainResult } from '../train/trainer.js';
import { studentConfig, transferWeights, type TransferReport } from './transfer.js';

export { channelImportance, defaultDropBlocks, studentConfig, transferWeights, type CompressSpec, type TransferReport } from './transfer.js';

/** A compression run: a student derived from a teacher, then distillation training. */
export interface CompressOptions extends Omit<TrainOptions, 'style' | 'styles' | 'config' | 'init' | 'teacher'> {
  /** Registered teacher name or stylecast model file. */
  readonly teacher: string;
  /** Style image for the style loss; defaults to the registered teacher's (from the mirror). */
  readonly style?: string;
  /** Teacher residual blocks to remove (0-based); defaults to the middle three. */
  readonly dropBlocks?: readonly number[];
  /** Other architecture changes: width, kernels, head... */
  readonly changes?: Partial<Omit<TransformerConfig, 'blocks'>>;
  /** 'transfer' (default): start from the teacher's weights; 'random': from scratch, for comparison. */
  readonly initFrom?: 'transfer' | 'random';
}

/** Distillation on by default: the student learns the teacher's output as well as the perceptual losses. */
export const DEFAULT_DISTILL_WEIGHT = 1;

/** Compression's own defaults; every other option takes training's (TRAIN_DEFAULTS, applied by train()). */
export const COMPRESS_DEFAULTS = Object.freeze({ initFrom: 'transfer' as const, weights: Object.freeze({ distill: DEFAULT_DISTILL_WEIGHT }) });

/**
 * Compress a teacher into a student (Baumli et al.): drop residual blocks (and narrow, shrink kernels
 * as asked), initialize from the teacher, then train with distillation + content + style (+ TV).
 */
export async function compress(
  o: CompressOptions,
  onEvent: (e: TrainEvent | { type: 'transfer'; config: TransformerConfig; report: TransferReport }) => void = () => {},
): Promise<TrainResult> {
  // The student is cut from the teacher's layers, so the teacher must be a stylecast transformer.
  const teacher = transformerOf(await loadModel(o.teacher), `compress --teacher ${o.teacher}`);
  const style = o.style ?? (await isModelPath(o.teacher) ? undefined : await resolveStyleImage(findEntry(o.teacher), defaultStore()));
  if (!style) throw new Error(`--teacher ${o.teacher}: a model file names no style image; pass --style <image>`);
  const { config, keptBlocks } = studentConfig(teacher.config, { ...(o.dropBlocks ? { dropBlocks: o.dropBlocks } : {}), ...(o.changes ? { changes: o.changes } : {}) });
  // The seed train() will resolve: transfer's fresh tensors and a random init draw from it too.
  const seed = o.seed ?? TRAIN_DEFAULTS.seed;
  const initFrom = o.initFrom ?? COMPRESS_DEFAULTS.initFrom;
  let init;
  let report: TransferReport | undefined;
  if (!o.resume) {
    if (initFrom === 'transfer') {
      ({ weights: init, report } = transferWeights(teacher.config, teacher.weights, config, keptBlocks, seed));
      onEvent({ type: 'transfer', config, report });
    } else {
      init = randomWeights(config, seed);
    }
  }
  const name = basename(o.output).replace(/\.[^.]*$/, '');
  return train(
    {
      ...o,
      style,
      config,
      teacher: o.teacher,
      weights: { ...COMPRESS_DEFAULTS.weights, ...o.weights },
      ...(init ? { init } : {}),
      info: {
        name,
        style: teacher.info.style,
        source: `compressed from ${teacher.info.name} by stylecast compress (${initFrom} init, distillation)`,
        license: teacher.info.license,
        provenance: {
          teacher: teacher.info.name,
          teacherSha256: teacher.sha256,
          init: initFrom,
          keptBlocks,
          ...(report ? { channels: Object.fromEntries(report.channels), freshTensors: report.fresh } : {}),
        },
      },
    },
    onEvent,
  );
}
