import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { f32, type Tensor } from '../graph/tensor.js';
import { decodeImage } from '../io/decode.js';
import { loadModel } from '../models/load.js';
import { writeModelFile, type ModelInfo } from '../models/modelfile.js';
import { loadVgg } from '../models/importers/vgg.js';
import { checkWeights, PRESETS, paramSpecs, randomWeights, rng, type TransformerConfig, type Weights } from '../models/transformer.js';
import { defaultLayers, type VggWeights } from '../models/vgg.js';
import { imagesToTensor } from '../runtime/image.js';
import { createSession, type Session } from '../runtime/ort.js';
import { adamState, adamStep, DEFAULT_ADAM, globalNorm, scheduledLr, type AdamOptions, type AdamState, type LrSchedule } from './adam.js';
import { readCheckpoint, writeCheckpoint, type HistoryEntry } from './checkpoint.js';
import { writeLossChart } from './chart.js';
import { ImageLoader, listImages, type LoaderPosition } from './data.js';
import { buildGramGraph, buildTrainGraph, TRAIN_IO } from './graph.js';
import { defaultLossWeights, type LossWeights } from './losses.js';
import { Previewer } from './preview.js';
import { DEFAULT_MOTION, motionBatch, type MotionLimits } from '../temporal/stability.js';

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
  /** Loss weights; defaults from defaultLossWeights(vgg.preprocess). */
  readonly weights?: Partial<LossWeights>;
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

export type TrainEvent =
  | { type: 'start'; startStep: number; steps: number; files: number; params: number; graphNodes: number; resumed: boolean; paramsSha256: string }
  | { type: 'skip'; file: string; reason: string }
  | { type: 'step'; step: number; steps: number; losses: Record<string, number>; lr: number; gradNorm: number; stepMs: number; itPerSec: number; etaSeconds: number }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'preview'; step: number; path: string }
  | { type: 'done'; output: string; steps: number; skipped: readonly string[]; chart?: string; losses: Record<string, number> };

export interface TrainResult {
  readonly output: string;
  readonly steps: number;
  readonly skipped: readonly string[];
  readonly history: readonly HistoryEntry[];
}

/** sha256 over parameters in order: identifies exactly which weights a run starts from. */
export function paramsHash(params: ReadonlyMap<string, Float32Array>): string {
  const h = createHash('sha256');
  for (const [k, v] of params) h.update(k).update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return h.digest('hex');
}

async function fileExists(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
}

/**
 * The style image (file path or bytes) resized, keeping aspect, so its longer side is `side`, as a
 * [1, 3, H, W] RGB 0..255 tensor: what training (and eval) compute style Grams from. `path` names it in errors.
 */
export async function styleTensor(input: string | Buffer, side: number, path: string): Promise<Tensor<'float32'>> {
  // failOn 'warning', sharp's default, which style images have always been decoded with: stricter than for photos.
  const img = await decodeImage(input, { fit: { mode: 'inside', side, enlarge: true }, pixels: 'rgb', failOn: 'warning', name: `style image ${path}` });
  return imagesToTensor([img]);
}

function checkOptions(o: TrainOptions, size: number, batch: number): void {
  const positiveInt = (v: number | undefined, flag: string) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`${flag} must be a positive integer, got ${v}`);
  };
  positiveInt(size, '--size');
  if (size % 4 !== 0) throw new Error(`--size must be a multiple of 4 (the network downsamples twice by 2), got ${size}`);
  positiveInt(batch, '--batch');
  positiveInt(o.steps, '--steps');
  positiveInt(o.checkpointEvery, '--checkpoint-every');
  positiveInt(o.previewEvery, '--preview-every');
  positiveInt(o.styleSize, '--style-size');
  if (o.clipNorm !== undefined && !(o.clipNorm > 0)) throw new Error(`--clip-norm must be > 0, got ${o.clipNorm}`);
}

/**
 * Train a style network on a folder of photos with the perceptual losses (Johnson et al. 2016).
 * One ONNX training-step session (forward, losses, gradients) is built once and run every step;
 * Adam runs in JS. Progress arrives as {@link TrainEvent}s; nothing is printed here.
 */
export async function train(o: TrainOptions, onEvent: (e: TrainEvent) => void = () => {}): Promise<TrainResult> {
  const size = o.size ?? 256;
  const batch = o.batch ?? 4;
  checkOptions(o, size, batch);
  const styleBytes = await fileExists(o.style, 'style image');
  const files = await listImages(o.content);
  if (!files.length) throw new Error(`content folder ${o.content} has no JPEG, PNG or WebP photos`);
  if (o.weights?.distill && !o.teacher) throw new Error('a distillation weight needs --teacher <model>');
  const adamOpts: AdamOptions = { ...DEFAULT_ADAM, ...o.adam };
  const seed = o.seed ?? 0;
  const ckptPath = o.checkpoint ?? `${o.output}.ckpt`;
  const ckptEvery = o.checkpointEvery ?? 500;

  const resumed = o.resume ? await readCheckpoint(o.resume) : undefined;
  const config = resumed?.config ?? o.config ?? PRESETS.torch;
  if (resumed && o.config && JSON.stringify(o.config) !== JSON.stringify(resumed.config)) {
    throw new Error(`--resume ${o.resume}: the checkpoint's architecture differs from the one asked for`);
  }
  if (!o.vgg) throw new Error('no VGG weights: pass --vgg <dir|file.onnx> or set STYLECAST_MIRROR');
  const vgg = typeof o.vgg === 'string' ? await loadVgg(o.vgg) : o.vgg;
  const weights: LossWeights = { ...defaultLossWeights(vgg.preprocess), ...o.weights };
  const motion: MotionLimits = { ...DEFAULT_MOTION, ...o.motion };
  const layers = defaultLayers(vgg);
  const contentLayer = o.contentLayer ?? layers.content;
  const styleLayers = o.styleLayers ?? layers.style;

  // Parameters and optimizer state: fresh, or exactly the checkpoint's.
  const params = new Map<string, Float32Array>();
  let adam: AdamState;
  let step = 0;
  let position: LoaderPosition | undefined;
  let history: HistoryEntry[] = [];
  if (resumed) {
    for (const p of paramSpecs(config)) {
      const v = resumed.params.get(p.name);
      if (!v || v.length !== p.dims.reduce((a, b) => a * b, 1)) throw new Error(`--resume ${o.resume}: parameter ${p.name} is missing or has the wrong size`);
      params.set(p.name, v);
    }
    adam = resumed.adam;
    step = resumed.step;
    position = resumed.position;
    history = [...resumed.history];
  } else {
    if (o.init) checkWeights(config, o.init);
    // Copies: Adam updates parameters in place and the caller's weights must stay as given.
    for (const [k, t] of o.init ?? randomWeights(config, seed)) params.set(k, Float32Array.from(t.data));
    adam = adamState(params);
  }
  const dims = new Map(paramSpecs(config).map((p) => [p.name, p.dims]));

  const threads = o.threads ? { threads: o.threads } : {};
  const grams = await (async () => {
    const style = await styleTensor(styleBytes, o.styleSize ?? size, o.style);
    const s = await createSession(buildGramGraph(vgg, styleLayers, style.dims[2]!, style.dims[3]!), threads);
    const out = await s.run({ style });
    await s.release();
    return out;
  })();
  // With a teacher but no distillation weight, the distance to the teacher is still logged (outside the total).
  const graph = buildTrainGraph({ config, batch, height: size, width: size, vgg, contentLayer, styleLayers, weights, monitorDistill: Boolean(o.teacher) });
  const session = await createSession(graph.onnx, threads);
  const teacher: Session | undefined = o.teacher ? await createSession((await loadModel(o.teacher)).onnx, threads) : undefined;

  const loader = await ImageLoader.open(o.content, {
    size, batch, seed, prefetch: o.prefetch ?? 2, ...(position ? { start: position } : {}),
    onSkip: (file, reason) => onEvent({ type: 'skip', file, reason }),
  });
  const previewer = o.previewDir
    ? await Previewer.create(o.previewImages ?? files.slice(0, 2), config, size, o.threads)
    : undefined;
  if (o.previewDir) await mkdir(o.previewDir, { recursive: true });

  const paramCount = [...params.values()].reduce((s, p) => s + p.length, 0);
  onEvent({ type: 'start', startStep: step, steps: o.steps, files: loader.fileCount, params: paramCount, graphNodes: graph.nodes, resumed: Boolean(resumed), paramsSha256: paramsHash(params) });

  let lastGood = resumed ? { step, path: o.resume! } : undefined;
  const saveCheckpoint = async () => {
    await writeCheckpoint(ckptPath, { step, config, params, adam, position: position ?? { epoch: 0, index: 0 }, history, run: runInfo(o, size, batch, seed, weights) });
    lastGood = { step, path: ckptPath };
    onEvent({ type: 'checkpoint', step, path: ckptPath });
  };
  const started = performance.now();
  const firstStep = step;
  try {
    while (step < o.steps) {
      const t0 = performance.now();
      const b = await loader.next();
      const feeds: Record<string, Tensor> = { [TRAIN_IO.content]: b.tensor, ...grams };
      for (const [k, v] of params) feeds[k] = f32(dims.get(k)!, v);
      if (weights.temporal) {
        // Motions depend only on (seed, step): a resumed run draws exactly the motions it would have.
        const m = motionBatch(batch, size, size, motion, rng(seed * 1000003 + step * 7919 + 17));
        const io = TRAIN_IO.motion;
        Object.assign(feeds, { [io.index]: m.index, [io.weight]: m.weight, [io.mask]: m.mask, [io.noise]: m.noise });
      }
      if (teacher) feeds[TRAIN_IO.teacher] = (await teacher.run({ input: b.tensor }, ['output'])).output!;
      const out = await session.run(feeds);

      const losses: Record<string, number> = {};
      for (const term of [...graph.terms, ...graph.monitored, 'total' as const]) losses[term] = out[TRAIN_IO.loss(term)]!.data[0] as number;
      const grads = new Map(graph.params.map((p) => [p, out[TRAIN_IO.grad(p)]!.data as Float32Array]));
      const norm = globalNorm(grads.values());
      const badTerm = Object.entries(losses).find(([, v]) => !Number.isFinite(v));
      if (badTerm || !Number.isFinite(norm)) {
        const what = badTerm ? `loss '${badTerm[0]}' is ${badTerm[1]}` : `the gradient norm is ${norm}`;
        throw new Error(`step ${step + 1}: ${what}; training stopped, ${keepMessage(lastGood)}`);
      }
      const lr = scheduledLr(adamOpts.lr, o.schedule ?? 'constant', step, o.steps);
      adamStep(params, grads, adam, adamOpts, lr, o.clipNorm && norm > o.clipNorm ? o.clipNorm / norm : 1);
      if (!Number.isFinite(globalNorm(params.values()))) {
        throw new Error(`step ${step + 1}: the parameters are no longer finite after the update; training stopped, ${keepMessage(lastGood)}`);
      }
      step++;
      position = b.position;
      history.push({ step, losses });

      const stepMs = performance.now() - t0;
      const itPerSec = (step - firstStep) / ((performance.now() - started) / 1000);
      onEvent({ type: 'step', step, steps: o.steps, losses, lr, gradNorm: norm, stepMs, itPerSec, etaSeconds: (o.steps - step) / itPerSec });
      if (step % ckptEvery === 0 || step === o.steps) await saveCheckpoint();
      if (previewer && (step % (o.previewEvery ?? 500) === 0 || step === o.steps)) {
        const path = join(o.previewDir!, `step-${String(step).padStart(6, '0')}.png`);
        await previewer.write(path, params);
        onEvent({ type: 'preview', step, path });
      }
    }
  } finally {
    await session.release();
    await teacher?.release();
    await previewer?.release();
  }

  const last = history[history.length - 1]?.losses ?? {};
  const styleSha = createHash('sha256').update(styleBytes).digest('hex');
  await writeModelFile(o.output, {
    config,
    weights: new Map([...params].map(([k, v]) => [k, f32(dims.get(k)!, v)])),
    info: {
      name: basename(o.output).replace(/\.[^.]*$/, ''),
      style: basename(o.style),
      source: 'trained with stylecast train',
      license: 'as the style image and training photos',
      inputRange: [0, 255],
      ...o.info,
      provenance: {
        ...o.info?.provenance,
        styleImage: basename(o.style),
        styleSha256: styleSha,
        content: o.content,
        contentFiles: loader.fileCount,
        skippedFiles: loader.skipped.length,
        vgg: vgg.source,
        contentLayer,
        styleLayers,
        ...runInfo(o, size, batch, seed, weights),
        steps: step,
        finalLosses: last,
      },
    },
  });
  if (o.chart) await writeLossChart(o.chart, history);
  onEvent({ type: 'done', output: o.output, steps: step, skipped: loader.skipped, ...(o.chart ? { chart: o.chart } : {}), losses: last });
  return { output: o.output, steps: step, skipped: loader.skipped, history };
}

const keepMessage = (good: { step: number; path: string } | undefined) =>
  good ? `the last good checkpoint ${good.path} (step ${good.step}) is intact` : 'no checkpoint was written yet';

function runInfo(o: TrainOptions, size: number, batch: number, seed: number, weights: LossWeights): Record<string, unknown> {
  return {
    size, batch, seed,
    weights,
    adam: { ...DEFAULT_ADAM, ...o.adam },
    schedule: o.schedule ?? 'constant',
    ...(o.clipNorm ? { clipNorm: o.clipNorm } : {}),
    ...(weights.temporal ? { motion: { ...DEFAULT_MOTION, ...o.motion } } : {}),
    totalSteps: o.steps,
  };
}
