import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { f32, type Tensor } from '../graph/tensor.js';
import { decodeImage } from '../io/decode.js';
import { writeModelFile, type StyleModel } from '../models/modelfile.js';
import { loadVgg } from '../models/importers/vgg.js';
import { checkWeights, paramSpecs, randomWeights } from '../models/transformer.js';
import { imagesToTensor } from '../io/pixels.js';
import { createSession, type Session } from '../runtime/ort.js';
import { adamState, adamStep, globalNorm, scheduledLr, type AdamState } from './adam.js';
import { readCheckpoint, writeCheckpoint, type Checkpoint, type HistoryEntry } from './checkpoint.js';
import { writeLossChart } from './chart.js';
import { ImageLoader, listImages, type LoaderPosition } from './data.js';
import { buildTrainGraph, TRAIN_IO, type TrainGraph } from './graph.js';
import { checkOptions, checkTerms, resolveOptions, runInfo, TRAIN_DEFAULTS, trainedConfig, type ResolvedTrainOptions, type TrainOptions } from './options.js';
import { Previewer } from './preview.js';
import { teacherRunner } from './teacher.js';
import { sessionOptions, type TermFeeder } from './spec.js';

export type { TrainOptions } from './options.js';

export type TrainEvent =
  | {
      type: 'start'; startStep: number; steps: number; files: number; params: number; graphNodes: number; resumed: boolean; paramsSha256: string;
      /** A time-budgeted run: its budget and the seconds already spent (over resumed runs). */
      budgetSeconds?: number; elapsedSeconds: number;
    }
  | { type: 'skip'; file: string; reason: string }
  | {
      type: 'step'; step: number; steps: number; losses: Record<string, number>; lr: number; gradNorm: number; stepMs: number; itPerSec: number; etaSeconds: number;
      elapsedSeconds: number;
      /** The style this step trained (multi-style runs). */
      style?: string;
    }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'preview'; step: number; path: string }
  | { type: 'done'; output: string; steps: number; skipped: readonly string[]; chart?: string; losses: Record<string, number> };

export interface TrainResult {
  readonly output: string;
  readonly steps: number;
  readonly skipped: readonly string[];
  readonly history: readonly HistoryEntry[];
}

type OnEvent = (e: TrainEvent) => void;

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
export async function styleTensor(input: string | Buffer, side: number, path: string, what = 'style image'): Promise<Tensor<'float32'>> {
  // failOn 'warning', sharp's default, which style images have always been decoded with: stricter than for photos.
  // Any painting works: transparency is paper (white), a strip longer than 4:1 gives its middle (VGG
  // needs a few pixels on the shorter side), and over 100 megapixels is refused from the header.
  const img = await decodeImage(input, {
    fit: { mode: 'inside', side, enlarge: true, maxAspect: MAX_STYLE_ASPECT }, pixels: 'rgb', flatten: true, failOn: 'warning',
    maxPixels: MAX_STYLE_PIXELS, explain: true, name: `${what} ${path}`,
  });
  return imagesToTensor([img]);
}

/** Longest aspect of a style image used whole; a longer one is centre-cropped to it. */
const MAX_STYLE_ASPECT = 4;
/** Largest style image decoded (from its header): a painting scan at 100 MP is already far past any training size. */
const MAX_STYLE_PIXELS = 100e6;

/**
 * Train a style network on a folder of photos with the perceptual losses (Johnson et al. 2016).
 * One ONNX training-step session (forward, losses, gradients) is built once and run every step;
 * Adam runs in JS. Progress arrives as {@link TrainEvent}s; nothing is printed here.
 */
export async function train(options: TrainOptions, onEvent: OnEvent = () => {}): Promise<TrainResult> {
  const run = await prepare(options);
  const state = initialState(run);
  const s = await openSessions(run, state, onEvent);
  onEvent({
    type: 'start', startStep: state.step, steps: run.o.steps, files: s.loader.fileCount, params: [...state.params.values()].reduce((n, p) => n + p.length, 0),
    graphNodes: s.graph.nodes, resumed: Boolean(run.resumed), paramsSha256: paramsHash(state.params),
    ...(run.o.budgetSeconds ? { budgetSeconds: run.o.budgetSeconds } : {}), elapsedSeconds: state.elapsed,
  });
  try {
    await loop(run.o, state, s, onEvent);
  } finally {
    await s.release();
  }
  return finish(run, state, s.loader, onEvent);
}

/** Inputs read and options resolved: everything decided before any session exists. */
interface Prepared {
  readonly o: ResolvedTrainOptions;
  /** Each style's image bytes, in style order. */
  readonly styleBytes: readonly Buffer[];
  readonly files: readonly string[];
  readonly resumed: Checkpoint | undefined;
}

async function prepare(o: TrainOptions): Promise<Prepared> {
  checkOptions(o);
  const styleBytes = await Promise.all((o.styles?.map((st) => st.image) ?? [o.style!]).map((image) => fileExists(image, 'style image')));
  const files = await listImages(o.content);
  if (!files.length) throw new Error(`content folder ${o.content} has no JPEG, PNG or WebP photos`);
  checkTerms(o);
  const resumed = o.resume ? await readCheckpoint(o.resume) : undefined;
  if (resumed && o.config && JSON.stringify(trainedConfig(o)) !== JSON.stringify(resumed.config)) {
    throw new Error(`--resume ${o.resume}: the checkpoint's architecture differs from the one asked for`);
  }
  if (resumed && o.resumeKey !== undefined && resumed.run.resumeKey !== o.resumeKey) {
    throw new Error(`--resume ${o.resume}: the checkpoint is of another run (other inputs); remove it to start over`);
  }
  if (resumed && resumed.config.styles !== o.styles?.length) {
    throw new Error(`--resume ${o.resume}: the checkpoint is of a ${resumed.config.styles ?? 1}-style network, the run names ${o.styles?.length ?? 1}`);
  }
  if (!o.vgg) throw new Error('no VGG weights: pass --vgg <dir|file.onnx> or set STYLECAST_MIRROR');
  const vgg = typeof o.vgg === 'string' ? await loadVgg(o.vgg) : o.vgg;
  return { o: resolveOptions(o, vgg, resumed?.config), styleBytes, files, resumed };
}

/** Parameters, optimizer and progress: what the loop advances and checkpoints save. */
interface RunState {
  readonly params: Map<string, Float32Array>;
  /** The parameters Adam updates: all, or the run's trainable ones (the same arrays). */
  readonly trained: ReadonlyMap<string, Float32Array>;
  readonly adam: AdamState;
  step: number;
  /** Seconds of training so far, over resumed runs. */
  elapsed: number;
  position: LoaderPosition | undefined;
  readonly history: HistoryEntry[];
  /** The newest checkpoint known to be whole: named when a run stops on a non-finite value. */
  lastGood: { readonly step: number; readonly path: string } | undefined;
}

/** Fresh parameters (given or random), or exactly the checkpoint's with its optimizer state. */
function initialState({ o, resumed }: Prepared): RunState {
  const params = new Map<string, Float32Array>();
  if (resumed) {
    for (const p of paramSpecs(o.config)) {
      const v = resumed.params.get(p.name);
      if (!v || v.length !== p.dims.reduce((a, b) => a * b, 1)) throw new Error(`--resume ${o.resume}: parameter ${p.name} is missing or has the wrong size`);
      params.set(p.name, v);
    }
    const { adam, step, position, history } = resumed;
    return { params, trained: trainedOf(o, params), adam, step, elapsed: resumed.elapsedSeconds ?? 0, position, history: [...history], lastGood: { step, path: o.resume! } };
  }
  if (o.init) checkWeights(o.config, o.init);
  // Copies: Adam updates parameters in place and the caller's weights must stay as given.
  for (const [k, t] of o.init ?? randomWeights(o.config, o.seed)) params.set(k, Float32Array.from(t.data));
  const trained = trainedOf(o, params);
  return { params, trained, adam: adamState(trained), step: 0, elapsed: 0, position: undefined, history: [], lastGood: undefined };
}

/** The parameters a run trains, in parameter order. */
function trainedOf(o: ResolvedTrainOptions, params: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  return new Map([...params].filter(([k]) => !o.trainable || o.trainable.includes(k)));
}

/** The step graph's session, the terms' per-run feeders, the photo loader and the previewer. */
interface Sessions {
  readonly graph: TrainGraph;
  readonly session: Session;
  /** The terms' feeders for each style, in style order. */
  readonly feeders: readonly (readonly TermFeeder[])[];
  readonly loader: ImageLoader;
  readonly previewer: Previewer | undefined;
  readonly dims: ReadonlyMap<string, readonly number[]>;
  release(): Promise<void>;
}

async function openSessions({ o, styleBytes, files }: Prepared, state: RunState, onEvent: OnEvent): Promise<Sessions> {
  const monitor = o.terms.filter((t) => !o.weights[t.name] && t.monitored?.(o)).map((t) => t.name);
  const graph = buildTrainGraph({
    config: o.config, batch: o.batch, height: o.size, width: o.size, vgg: o.vgg,
    contentLayer: o.contentLayer, styleLayers: o.styleLayers, weights: o.weights, terms: o.terms, monitor,
    ...(o.trainable ? { trainable: o.trainable } : {}),
  });
  const session = await createSession(graph.onnx, sessionOptions(o));
  const inGraph = new Set([...graph.terms, ...graph.monitored]);
  // Each style opens the terms with its own painting and teacher; a step feeds its style's.
  const feeders: TermFeeder[][] = [];
  const teachers = o.styles.map((st) => teacherRunner(o, st.teacher));
  for (const [i, style] of o.styles.entries()) {
    const styleImage = await styleTensor(styleBytes[i]!, o.styleSize, style.image);
    const own: TermFeeder[] = [];
    for (const t of o.terms) if (inGraph.has(t.name) && t.open) own.push(await t.open({ options: o, style, styleImage, teacher: teachers[i]!.open }));
    feeders.push(own);
  }
  const loader = await ImageLoader.open(o.content, {
    size: o.size, batch: o.batch, seed: o.seed, prefetch: o.prefetch, ...(state.position ? { start: state.position } : {}),
    onSkip: (file, reason) => onEvent({ type: 'skip', file, reason }),
  });
  const previewer = o.previewDir || o.previewFile
    ? await Previewer.create(o.previewImages ?? files.slice(0, TRAIN_DEFAULTS.previewPhotos), o.config, o.size, o.threads)
    : undefined;
  if (o.previewDir) await mkdir(o.previewDir, { recursive: true });
  const release = async () => {
    await session.release();
    for (const f of feeders.flat()) await f.release?.();
    for (const t of teachers) await t.release();
    await previewer?.release();
  };
  return { graph, session, feeders, loader, previewer, dims: new Map(paramSpecs(o.config).map((p) => [p.name, p.dims])), release };
}

async function loop(o: ResolvedTrainOptions, state: RunState, s: Sessions, onEvent: OnEvent): Promise<void> {
  const started = performance.now();
  const firstStep = state.step;
  const spent = () => o.budgetSeconds !== undefined && state.elapsed >= o.budgetSeconds;
  while (state.step < o.steps && !spent()) {
    const t0 = performance.now();
    const style = o.config.styles === undefined ? undefined : o.styles[state.step % o.styles.length]!.name;
    const { losses, lr, gradNorm } = await trainStep(o, state, s);
    const stepMs = performance.now() - t0;
    state.elapsed += stepMs / 1000;
    const itPerSec = (state.step - firstStep) / ((performance.now() - started) / 1000);
    const eta = Math.min((o.steps - state.step) / itPerSec, o.budgetSeconds === undefined ? Infinity : Math.max(o.budgetSeconds - state.elapsed, 0));
    onEvent({ type: 'step', step: state.step, steps: o.steps, losses, lr, gradNorm, stepMs, itPerSec, etaSeconds: eta, elapsedSeconds: state.elapsed, ...(style ? { style } : {}) });
    const last = state.step === o.steps || spent();
    if (state.step % o.checkpointEvery === 0 || last) await saveCheckpoint(o, state, onEvent);
    if (s.previewer && (state.step % o.previewEvery === 0 || last)) {
      const path = o.previewFile ?? join(o.previewDir!, `step-${String(state.step).padStart(6, '0')}.png`);
      await s.previewer.write(path, state.params);
      onEvent({ type: 'preview', step: state.step, path });
    }
  }
}

/** One batch through the step graph, then one Adam update; a non-finite loss, gradient or parameter stops the run. */
async function trainStep(o: ResolvedTrainOptions, state: RunState, s: Sessions): Promise<{ losses: Record<string, number>; lr: number; gradNorm: number }> {
  const b = await s.loader.next();
  const feeds: Record<string, Tensor> = { [TRAIN_IO.content]: b.tensor };
  for (const [k, v] of state.params) feeds[k] = f32(s.dims.get(k)!, v);
  // Round-robin by step: a resumed run trains exactly the styles it would have.
  const style = state.step % o.styles.length;
  const S = o.config.styles;
  if (S !== undefined) feeds[TRAIN_IO.style] = f32([S], Float32Array.from({ length: S }, (_, k) => (k === style ? 1 : 0)));
  for (const f of s.feeders[style]!) Object.assign(feeds, await f.feeds({ step: state.step, content: b.tensor }));
  const out = await s.session.run(feeds);

  const losses: Record<string, number> = {};
  for (const term of [...s.graph.terms, ...s.graph.monitored, 'total']) losses[term] = out[TRAIN_IO.loss(term)]!.data[0] as number;
  const grads = new Map(s.graph.trained.map((p) => [p, out[TRAIN_IO.grad(p)]!.data as Float32Array]));
  const gradNorm = globalNorm(grads.values());
  const stop = (what: string) => new Error(`step ${state.step + 1}: ${what}; training stopped, ${keepMessage(state.lastGood)}`);
  const badTerm = Object.entries(losses).find(([, v]) => !Number.isFinite(v));
  if (badTerm) throw stop(`loss '${badTerm[0]}' is ${badTerm[1]}`);
  if (!Number.isFinite(gradNorm)) throw stop(`the gradient norm is ${gradNorm}`);
  const lr = scheduledLr(o.adam.lr, o.schedule, state.step, o.steps);
  adamStep(state.trained, grads, state.adam, o.adam, lr, o.clipNorm && gradNorm > o.clipNorm ? o.clipNorm / gradNorm : 1);
  if (!Number.isFinite(globalNorm(state.params.values()))) throw stop('the parameters are no longer finite after the update');
  state.step++;
  state.position = b.position;
  state.history.push({ step: state.step, losses, ...(S !== undefined ? { style: o.styles[style]!.name } : {}) });
  return { losses, lr, gradNorm };
}

async function saveCheckpoint(o: ResolvedTrainOptions, state: RunState, onEvent: OnEvent): Promise<void> {
  const { step, params, adam, position, history, elapsed } = state;
  await writeCheckpoint(o.checkpoint, { step, config: o.config, params, adam, position: position ?? { epoch: 0, index: 0 }, history, run: runInfo(o), elapsedSeconds: elapsed });
  state.lastGood = { step, path: o.checkpoint };
  onEvent({ type: 'checkpoint', step, path: o.checkpoint });
}

const keepMessage = (good: RunState['lastGood']) =>
  good ? `the last good checkpoint ${good.path} (step ${good.step}) is intact` : 'no checkpoint was written yet';

/** The model file (weights, metadata, provenance with the resolved run), the loss chart, the 'done' event. */
async function finish({ o, styleBytes }: Prepared, state: RunState, loader: ImageLoader, onEvent: OnEvent): Promise<TrainResult> {
  const last = state.history[state.history.length - 1]?.losses ?? {};
  const dims = new Map(paramSpecs(o.config).map((p) => [p.name, p.dims]));
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const multi = o.config.styles !== undefined;
  const images = o.styles.map((st, i) => ({ name: st.name, image: basename(st.image), imageSha256: sha256(styleBytes[i]!), ...(st.teacher ? { teacher: st.teacher } : {}) }));
  const trained: StyleModel = {
    config: o.config,
    weights: new Map([...state.params].map(([k, v]) => [k, f32(dims.get(k)!, v)])),
    ...(multi ? { styles: images.map(({ name, teacher, image, imageSha256 }) => ({ name, ...(teacher ? { teacher } : {}), image, imageSha256 })) } : {}),
    info: {
      name: basename(o.output).replace(/\.[^.]*$/, ''),
      style: multi ? o.styles.map((st) => st.name).join(', ') : basename(o.style!),
      source: 'trained with stylecast train',
      license: 'as the style image and training photos',
      inputRange: [0, 255],
      ...o.info,
      provenance: {
        ...o.info?.provenance,
        ...(multi ? { styleImages: images } : { styleImage: basename(o.style!), styleSha256: images[0]!.imageSha256 }),
        content: o.content,
        contentFiles: loader.fileCount,
        skippedFiles: loader.skipped.length,
        vgg: o.vgg.source,
        contentLayer: o.contentLayer,
        styleLayers: o.styleLayers,
        ...runInfo(o),
        steps: state.step,
        ...(o.budgetSeconds ? { trainingSeconds: Math.round(state.elapsed) } : {}),
        finalLosses: last,
      },
    },
  };
  await writeModelFile(o.output, o.finalModel ? o.finalModel(trained) : trained);
  if (o.chart) await writeLossChart(o.chart, state.history);
  // The model file holds everything the checkpoint did that a finished run needs.
  if (!o.keepCheckpoint) await rm(o.checkpoint, { force: true });
  onEvent({ type: 'done', output: o.output, steps: state.step, skipped: loader.skipped, ...(o.chart ? { chart: o.chart } : {}), losses: last });
  return { output: o.output, steps: state.step, skipped: loader.skipped, history: state.history };
}
