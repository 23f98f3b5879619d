/**
 * `stylecast learn-style`: a new style for a multi-style (conditional) network from a painting alone,
 * by training only that style's norm scales and shifts (Dumoulin et al. 2017, section 4: the shared
 * weights already know how to paint; a style is its norms). No teacher: the painting's style loss
 * and the photo's content loss on the training photos, as in Johnson et al.
 */
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { loadModel } from '../models/load.js';
import { transformerOf, type LoadedModel, type StyleModel } from '../models/modelfile.js';
import { appendStyle, bakeStyle, checkStyleNames, normParamNames, type StyleEntry } from '../models/styles.js';
import type { VggWeights } from '../models/vgg.js';
import type { AdamOptions } from './adam.js';
import type { LossWeights } from './losses.js';
import { styleTensor, train, type TrainEvent, type TrainResult } from './trainer.js';

export interface LearnStyleOptions {
  /** The painting (any image: photos of art, textures, line drawings, small or thin ones). */
  readonly painting: string;
  /** The multi-style network the style is added to: a model file or registered name, or the loaded model. */
  readonly base: string | LoadedModel;
  /** The base with the new style added, written when the budget is spent. */
  readonly output: string;
  /** The new style's name. Defaults to the painting's file name (letters, digits, '_', '-', '.'). */
  readonly name?: string;
  /** Training time in minutes, over resumed runs too. Defaults to 10. */
  readonly minutes?: number;
  /** Folder of training photos. */
  readonly content: string;
  readonly vgg: string | VggWeights;
  /** Crop side, batch, Adam and loss weights: train's, except the learning rate (see LEARN_STYLE_DEFAULTS). */
  readonly size?: number;
  readonly batch?: number;
  readonly styleSize?: number;
  readonly weights?: Partial<Pick<LossWeights, 'content' | 'style' | 'tv'>>;
  readonly adam?: Partial<AdamOptions>;
  readonly seed?: number;
  readonly threads?: number;
  /** Checkpoint; defaults to `<output>.ckpt`. A run finds and resumes it by itself. */
  readonly checkpoint?: string;
  readonly checkpointEvery?: number;
  /** One preview sheet (photos, then the new style), replaced every `previewEvery` steps; defaults to `<output>.preview.png`. */
  readonly preview?: string;
  readonly previewEvery?: number;
}

export const LEARN_STYLE_DEFAULTS = Object.freeze({
  minutes: 10,
  /**
   * Norm scales and shifts sit near 1 and 0 and are a few hundred numbers: Adam at 1e-3 (train's
   * default, for conv weights) would move them by at most ~0.5 in a 10-minute run of a few hundred steps.
   */
  lr: 1e-2,
  /** About every 10-20 s on two cores at the default crop: a kill -9 loses little. */
  checkpointEvery: 10,
  previewEvery: 50,
  /** A cap only: the time budget ends the run. */
  steps: 1_000_000,
});

/** A style name from a file name: its stem with anything but letters, digits, '_', '-', '.' as '_'. */
export function styleNameOf(path: string): string {
  const stem = basename(path, extname(path)).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return stem || 'painting';
}

export type LearnStyleEvent = TrainEvent | { type: 'learn'; base: string; name: string; styles: readonly string[]; resumed: boolean };

/**
 * Learn a new style row for `base` from `painting`: the shared weights are frozen, the new row's
 * scales and shifts start at the mean of the base's rows (its 1/S mix, a reasonable image from the
 * first step) and are trained for `minutes`. Writes the base with the style appended (the same
 * network file stylize, video, the web library and export take, with one more `--style`), atomically
 * once the budget is spent; `<output>.ckpt` holds the run until then, and rerunning the same command
 * after an interruption resumes it.
 */
export async function learnStyle(o: LearnStyleOptions, onEvent: (e: LearnStyleEvent) => void = () => {}): Promise<TrainResult> {
  const minutes = o.minutes ?? LEARN_STYLE_DEFAULTS.minutes;
  if (!Number.isFinite(minutes) || !(minutes > 0)) throw new Error(`--minutes must be a number > 0 (the training time), got ${o.minutes}`);
  const base = transformerOf(typeof o.base === 'string' ? await loadModel(o.base) : o.base, 'learn-style --base');
  if (base.precision !== 'fp32') throw new Error(`--base ${base.info.name}: a ${base.precision} model cannot be trained; use its float32 file`);
  if (!base.styles) throw new Error(`--base ${base.info.name} is a single-style network: learn-style adds a style row to a multi-style one`);
  const name = o.name ?? styleNameOf(o.painting);
  checkStyleNames([name]);
  if (base.styles.some((s) => s.name === name)) throw new Error(`the base already has a style '${name}'; pass --name <another>`);
  const styleSize = o.styleSize ?? o.size ?? 256;
  // The painting is read and checked before any training session exists: a bad one is one line, nothing written.
  const painting = await readFile(o.painting).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`painting ${o.painting}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message}`);
  });
  await styleTensor(painting, styleSize, o.painting, 'painting');
  const paintingSha = createHash('sha256').update(painting).digest('hex');

  // The single-style network the new row is, starting at the base's mean style.
  const S = base.styles.length;
  const start = bakeStyle(base, new Float32Array(S).fill(1 / S));
  const checkpoint = o.checkpoint ?? `${o.output}.ckpt`;
  const resume = await access(checkpoint).then(() => true, () => false);
  onEvent({ type: 'learn', base: base.info.name, name, styles: [...base.styles.map((s) => s.name), name], resumed: resume });
  const entry: StyleEntry = { name, image: basename(o.painting), imageSha256: paintingSha };
  const finalModel = (learned: StyleModel): StyleModel => {
    const grown = appendStyle(base, learned);
    const p = learned.info.provenance ?? {};
    return {
      ...grown,
      styles: [...base.styles!, entry],
      info: {
        ...base.info,
        name: basename(o.output).replace(/\.[^.]*$/, ''),
        style: `${base.info.style}, ${name}`,
        provenance: {
          ...base.info.provenance,
          learnedStyles: [...((base.info.provenance?.learnedStyles as unknown[]) ?? []), { name, base: base.info.name, baseSha256: base.sha256, painting: entry.image, paintingSha256: paintingSha, ...p }],
        },
      },
    };
  };
  return train(
    {
      style: o.painting,
      content: o.content,
      output: o.output,
      vgg: o.vgg,
      config: start.config,
      init: start.weights,
      trainable: normParamNames(start.config),
      budgetSeconds: minutes * 60,
      steps: LEARN_STYLE_DEFAULTS.steps,
      // The painting's style and the photo's content: no teacher exists for a new painting.
      weights: { temporal: 0, distill: 0, 'teacher-content': 0, 'teacher-style': 0, ...o.weights },
      adam: { lr: LEARN_STYLE_DEFAULTS.lr, ...o.adam },
      styleSize,
      checkpoint,
      checkpointEvery: o.checkpointEvery ?? LEARN_STYLE_DEFAULTS.checkpointEvery,
      ...(resume ? { resume: checkpoint } : {}),
      resumeKey: `painting ${paintingSha}, base ${base.sha256}, name ${name}`,
      previewFile: o.preview ?? `${o.output}.preview.png`,
      previewEvery: o.previewEvery ?? LEARN_STYLE_DEFAULTS.previewEvery,
      finalModel,
      info: { source: `${base.info.source}; style '${name}' learned by stylecast learn-style`, provenance: { learnedFrom: basename(o.painting) } },
      ...(o.size ? { size: o.size } : {}),
      ...(o.batch ? { batch: o.batch } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.threads ? { threads: o.threads } : {}),
    },
    onEvent,
  );
}
