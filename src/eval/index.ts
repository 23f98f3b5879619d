import { cpus, loadavg } from 'node:os';
import type { Tensor } from '../graph/tensor.js';
import { decodeImage } from '../io/decode.js';
import { REGISTRY, type AssetEntry } from '../io/registry.js';
import { defaultStore, resolveStyleImage, type StoreOptions } from '../io/store.js';
import { loadVgg } from '../models/importers/vgg.js';
import { inferenceOnnx } from '../models/inference.js';
import { isModelPath, loadModel } from '../models/load.js';
import type { LoadedModel } from '../models/modelfile.js';
import { countCost, STYLE_INPUT } from '../models/transformer.js';
import type { VggWeights } from '../models/vgg.js';
import { formatMachine, machineInfo, type MachineInfo } from '../perf/machine.js';
import { measureMatmulPeak, type PeakOptions } from '../perf/peak.js';
import type { Summary } from '../perf/stats.js';
import { timeInTurn } from '../perf/time.js';
import { imagesToTensor, type RawImage } from '../io/pixels.js';
import { createSession, type Session } from '../runtime/ort.js';
import { Stylizer } from '../runtime/stylizer.js';
import { scaledSize } from '../runtime/adaptive.js';
import { resizeBilinear } from '../runtime/pipeline.js';
import type { Feeds } from '../runtime/session.js';
import { provenanceTeacher, stylesOf } from '../models/codec.js';
import { styleFeed, type StyleMix } from '../models/styles.js';
import { listImages } from '../train/data.js';
import { LossMeter, readStyleTensor, type PerceptualLosses } from './losses.js';
import { psnr, ssim } from './metrics.js';

export { psnr, ssim, type SsimOptions } from './metrics.js';
export { LossMeter, buildLossGraph, readStyleTensor, type PerceptualLosses, type LossMeterOptions } from './losses.js';

/** SSIM's window: the smallest image it can score. */
const MIN_SIDE = 11;

export interface EvalOptions {
  /** Registered names or stylecast model files; one table row each. */
  readonly models: readonly string[];
  /** What PSNR/SSIM compare against; defaults to the models' registered `provenance.teacher`. */
  readonly reference?: string;
  /** Folder of JPEG/PNG/WebP photos (searched recursively). */
  readonly photos: string;
  /** Photos are cover-resized and centre-cropped to exactly this. Defaults to 640x480. */
  readonly width?: number;
  readonly height?: number;
  /** Use only the first N photos (in sorted order). */
  readonly limit?: number;
  /** Timed runs per model. Defaults to 100. */
  readonly trials?: number;
  /** Untimed runs per model first. Defaults to 3. */
  readonly warmup?: number;
  /** onnxruntime intra-op threads. Defaults to all cores. */
  readonly threads?: number;
  /** Style image for the style loss; defaults to the reference's (or the models' teacher's) registered one. */
  readonly style?: string;
  /** The style or mix multi-style models (model or reference) paint in; defaults to each one's first style. */
  readonly modelStyle?: StyleMix;
  /** Longer side of the style image for its Grams. Defaults to 512. */
  readonly styleSize?: number;
  /**
   * Render scales of the models (not the reference): one for all, or one per model, each in (0, 1]. A
   * model at scale s < 1 stylizes the photo resized to s of its size and its output is resized back
   * bilinearly (8-bit, as `--target-fps` does), so its losses are judged at full size; its time is the
   * network's at the smaller size. Defaults to 1.
   */
  readonly renderScales?: readonly number[];
  /** Loss network. Defaults to the registered 'vgg19-block1-3'. */
  readonly vgg?: string | VggWeights;
  /** MatMul peak measurement (n, runs, warmup), or false to skip it. Defaults to 2048^3, 10 runs. */
  readonly peak?: false | Omit<PeakOptions, 'threads'>;
  readonly store?: StoreOptions;
  /** The command line, for the report header. */
  readonly command?: string;
}

export type EvalEvent =
  | { readonly type: 'start'; readonly photos: number; readonly models: number; readonly losses: boolean }
  | { readonly type: 'photo'; readonly index: number; readonly total: number; readonly file: string }
  | { readonly type: 'peak'; readonly when: 'before' | 'after' }
  | { readonly type: 'trial'; readonly trial: number; readonly trials: number }
  | { readonly type: 'note'; readonly message: string };

/** One table row. Fields that need a reference (or losses) are null without one. */
export interface EvalRow {
  /** As given: a registered name or a file path. */
  readonly spec: string;
  /** The model file's info.name. */
  readonly name: string;
  readonly role: 'model' | 'reference';
  /** The render scale it ran at (1: full size). */
  readonly renderScale: number;
  /** null for an opaque model (an imported foreign network): its architecture is not known. */
  readonly params: number | null;
  /** Conv multiply-accumulates per frame at the (stride-padded) input size; null for an opaque model. */
  readonly macs: number | null;
  /** ms per frame. */
  readonly time: Summary;
  /** 1000 / median ms. */
  readonly fps: number;
  /** median ms / the reference's median ms. */
  readonly timeRatio: number | null;
  /** dB against the reference's output, mean over photos (Infinity when identical). */
  readonly psnr: number | null;
  readonly ssim: number | null;
  /** Unweighted losses, mean over photos. */
  readonly content: number | null;
  readonly style: number | null;
  readonly contentRatio: number | null;
  readonly styleRatio: number | null;
}

export interface EvalReport {
  readonly command: string | null;
  readonly photos: { readonly dir: string; readonly files: readonly string[] };
  readonly width: number;
  readonly height: number;
  readonly trials: number;
  readonly warmup: number;
  readonly threads: number;
  readonly machine: MachineInfo;
  /** os.loadavg() when the evaluation started, before its own work: 1, 5, 15 minutes. */
  readonly loadavg: readonly [number, number, number];
  /** 2048^3 float32 MatMul GFLOP/s before and after the timing; null when skipped. */
  readonly peak: { readonly n: number; readonly before: number; readonly after: number } | null;
  readonly reference: { readonly spec: string; readonly from: 'option' | 'teacher' } | null;
  /** Style image of the losses and its size after resizing; null when losses are omitted. */
  readonly style: { readonly image: string; readonly side: number; readonly width: number; readonly height: number } | null;
  /** Why something is missing (no reference, no style image...). */
  readonly notes: readonly string[];
  /** The models in order, then the reference. */
  readonly rows: readonly EvalRow[];
}

/** A registered style model (teacher or student) by that name, if any. */
const registeredModel = (name: unknown): AssetEntry | undefined =>
  typeof name === 'string' ? REGISTRY.find((e) => e.name === name && e.kind !== 'loss-network') : undefined;

const teacherOf = (m: LoadedModel): string | undefined => {
  const t = provenanceTeacher(m.info);
  return registeredModel(t) ? (t as string) : undefined;
};

/** --reference, else the one registered teacher the models were made from. */
function chooseReference(models: readonly LoadedModel[], explicit: string | undefined): EvalReport['reference'] {
  if (explicit) return { spec: explicit, from: 'option' };
  const teachers = [...new Set(models.map(teacherOf).filter((t): t is string => !!t))];
  if (teachers.length > 1) throw new Error(`the models were made from different teachers (${teachers.join(', ')}); pass --reference`);
  return teachers.length ? { spec: teachers[0]!, from: 'teacher' } : null;
}

/** The style image: --style, else the registered one of the reference, else of the models' teacher. */
async function chooseStyleImage(o: EvalOptions, reference: string | undefined, models: readonly LoadedModel[], store: StoreOptions): Promise<{ path?: string; note?: string }> {
  if (o.style) return { path: o.style };
  const candidates = [reference && !(await isModelPath(reference)) ? reference : undefined, ...models.map(teacherOf)];
  const entry = candidates.map(registeredModel).find((e) => e?.styleImage);
  if (!entry) return { note: 'no registered style image for the reference or the models\' teacher; pass --style <image> for content and style losses' };
  try {
    return { path: await resolveStyleImage(entry, store) };
  } catch (e) {
    return { note: `content and style losses omitted: ${(e as Error).message}` };
  }
}

/** Decode a photo, cover-resize and centre-crop it to exactly width x height, RGB 8-bit. */
export function loadPhoto(file: string, width: number, height: number): Promise<RawImage> {
  return decodeImage(file, { fit: { mode: 'cover', width, height }, pixels: 'rgb', name: `photo ${file}` });
}

interface Entry {
  readonly spec: string;
  readonly role: 'model' | 'reference';
  readonly model: LoadedModel;
  /** The user's path, whose outputs before rounding the metrics read. */
  readonly stylizer: Stylizer;
  /** The network alone on a padded float input (what the time columns measure). */
  readonly network: Session;
  /** What a timed run of `network` feeds besides the input: a multi-style model's `style`. */
  readonly extra: Feeds;
  /** Render scale (1: full size). */
  readonly scale: number;
}

function checkInt(v: number | undefined, flag: string, min = 1): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new Error(`${flag} must be an integer >= ${min}, got ${v}`);
}

async function photoList(dir: string, limit: number | undefined): Promise<string[]> {
  const files = await listImages(dir).catch((e: Error) => {
    throw new Error(e.message.replace(/^content folder/, 'photo folder'));
  });
  if (!files.length) throw new Error(`photo folder ${dir} has no JPEG, PNG or WebP photos`);
  return limit ? files.slice(0, limit) : files;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * Evaluate style models on a folder of photos: speed (batch 1, alternating with the reference),
 * PSNR/SSIM of each model's output against the reference's, and unweighted content/style losses.
 *
 * @example
 * const report = await evaluate({ models: ['student.onnx'], reference: 'candy', photos: 'photos/' });
 * console.log(formatEvalMarkdown(report));
 */
export async function evaluate(o: EvalOptions, onEvent: (e: EvalEvent) => void = () => {}): Promise<EvalReport> {
  // Before any work of ours: what else was using the machine (later samples would count our own threads).
  const load = loadavg().map((v) => Math.round(v * 100) / 100) as [number, number, number];
  const machine = machineInfo();
  const r = resolveEval(o);
  const notes: string[] = [];
  const note = (message: string) => {
    notes.push(message);
    onEvent({ type: 'note', message });
  };

  const files = await photoList(o.photos, o.limit);
  const models = await Promise.all(o.models.map((m) => loadModel(m, r.store)));
  const reference = chooseReference(models, o.reference);
  const refModel = reference ? await loadModel(reference.spec, r.store) : undefined;
  if (!reference) note('no reference: pass --reference <teacher> (or evaluate students whose provenance names a registered teacher) for PSNR, SSIM and ratios');
  const { meter, style } = await openMeter(o, r, reference?.spec, models, note);

  const entries: Entry[] = [];
  try {
    const specs = [
      ...o.models.map((spec, i) => ({ spec, role: 'model' as const, model: models[i]!, scale: r.scales[i]! })),
      ...(refModel ? [{ spec: reference!.spec, role: 'reference' as const, model: refModel, scale: 1 }] : []),
    ];
    // The user's path (Stylizer), its outputs taken before rounding for the metrics; the timing runs
    // the network alone on a padded float input, as it always has (padding and 8-bit conversions are
    // not the network's time).
    for (const s of specs) {
      // A multi-style model paints the asked style (or its first), in both; single-style ones are as they are.
      const styles = stylesOf(s.model);
      const style = styles && o.modelStyle !== undefined ? { style: o.modelStyle } : {};
      const extra: Feeds = styles ? { [STYLE_INPUT]: styleFeed(styles, o.modelStyle, s.model.info.name) } : {};
      const network = await createSession(inferenceOnnx(s.model), { threads: r.threads });
      entries.push({ ...s, stylizer: await Stylizer.create(s.model, { threads: r.threads, shared: false, ...style }), network, extra });
    }
    onEvent({ type: 'start', photos: files.length, models: o.models.length, losses: !!meter });
    const { sums, timingInputs } = await measurePhotos(entries, files, r, meter, onEvent);

    const peakOpts = o.peak === false ? undefined : { ...o.peak, threads: r.threads };
    onEvent({ type: 'peak', when: 'before' });
    const before = peakOpts ? await measureMatmulPeak(peakOpts) : undefined;
    // The network alone on its padded float input, the models and the reference in turn (see timeInTurn).
    const runs = entries.map((e, i) => ({ session: e.network, feeds: { input: timingInputs[i]!, ...e.extra } }));
    const times = (await timeInTurn(runs, { trials: r.trials, warmup: r.warmup, onTrial: (trial) => onEvent({ type: 'trial', trial, trials: r.trials }) })).map((t) => t.summary);
    onEvent({ type: 'peak', when: 'after' });
    const after = peakOpts ? await measureMatmulPeak(peakOpts) : undefined;

    return {
      command: o.command ?? null,
      photos: { dir: o.photos, files },
      width: r.width,
      height: r.height,
      trials: r.trials,
      warmup: r.warmup,
      threads: r.threads,
      machine,
      loadavg: load,
      peak: before && after ? { n: before.n, before: before.gflops, after: after.gflops } : null,
      reference,
      style,
      notes,
      rows: toRows(entries, sums, times, timingInputs, Boolean(meter)),
    };
  } finally {
    for (const e of entries) await Promise.all([e.stylizer.release(), e.network.release()]);
    await meter?.release();
  }
}

interface ResolvedEval {
  readonly width: number;
  readonly height: number;
  readonly trials: number;
  readonly warmup: number;
  readonly threads: number;
  readonly styleSide: number;
  /** One per model. */
  readonly scales: readonly number[];
  readonly store: StoreOptions;
}

/** Option errors first, then every default. */
function resolveEval(o: EvalOptions): ResolvedEval {
  const width = o.width ?? 640;
  const height = o.height ?? 480;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < MIN_SIDE || height < MIN_SIDE) {
    throw new Error(`--size must be at least ${MIN_SIDE}x${MIN_SIDE} (the SSIM window), got ${width}x${height}`);
  }
  checkInt(o.limit, '--limit');
  checkInt(o.trials, '--trials');
  checkInt(o.warmup, 'warmup', 0);
  checkInt(o.threads, '--threads');
  checkInt(o.styleSize, '--style-size');
  if (!o.models.length) throw new Error('no model to evaluate; pass --model <name|file.onnx>');
  const given = o.renderScales ?? [1];
  if (given.length !== 1 && given.length !== o.models.length) throw new Error(`--render-scale takes one scale or one per model (${o.models.length}), got ${given.length}`);
  for (const s of given) if (!(s > 0 && s <= 1)) throw new Error(`a render scale must be in (0, 1], got ${s}`);
  const scales = o.models.map((_, i) => given[given.length === 1 ? 0 : i]!);
  return { width, height, trials: o.trials ?? 100, warmup: o.warmup ?? 3, threads: o.threads ?? cpus().length, styleSide: o.styleSize ?? 512, scales, store: o.store ?? defaultStore() };
}

/** The loss meter: an explicit --style must work (its errors are the user's to fix); an implied one may be missing. */
async function openMeter(o: EvalOptions, r: ResolvedEval, reference: string | undefined, models: readonly LoadedModel[], note: (m: string) => void): Promise<{ meter?: LossMeter; style: EvalReport['style'] }> {
  const choice = await chooseStyleImage(o, reference, models, r.store);
  if (choice.note) note(choice.note);
  if (!choice.path) return { style: null };
  try {
    const vgg = typeof o.vgg === 'object' ? o.vgg : await loadVgg(o.vgg ?? 'vgg19-block1-3', undefined, r.store);
    const tensor = await readStyleTensor(choice.path, r.styleSide);
    const meter = await LossMeter.create({ vgg, style: tensor, width: r.width, height: r.height, threads: r.threads });
    return { meter, style: { image: choice.path, side: r.styleSide, width: tensor.dims[3]!, height: tensor.dims[2]! } };
  } catch (e) {
    if (o.style) throw e;
    note(`content and style losses omitted: ${(e as Error).message}`);
    return { style: null };
  }
}

type Sums = Map<Entry, { psnr: number[]; ssim: number[]; losses: PerceptualLosses[] }>;

/** Every model on every photo: PSNR/SSIM against the reference's output and the perceptual losses. */
async function measurePhotos(entries: readonly Entry[], files: readonly string[], r: ResolvedEval, meter: LossMeter | undefined, onEvent: (e: EvalEvent) => void): Promise<{ sums: Sums; timingInputs: Tensor[] }> {
  const sums: Sums = new Map(entries.map((e) => [e, { psnr: [], ssim: [], losses: [] }]));
  const hasRef = entries.some((e) => e.role === 'reference');
  let timingInputs: Tensor[] = [];
  for (const [index, file] of files.entries()) {
    onEvent({ type: 'photo', index, total: files.length, file });
    const photo = await loadPhoto(file, r.width, r.height);
    const x = imagesToTensor([photo]).data;
    const inputs = entries.map((e) => (e.scale === 1 ? photo : resizeBilinear(photo, ...sides(scaledSize(photo, e.scale, e.model.stride, e.model.minSide)))));
    if (index === 0) timingInputs = entries.map((e, i) => imagesToTensor([inputs[i]!], e.model.stride, e.model.minSide));
    const outputs: Float32Array[] = [];
    for (const [i, e] of entries.entries()) {
      outputs.push(e.scale === 1 ? await e.stylizer.stylizeFloat(photo) : imagesToTensor([resizeBilinear(await e.stylizer.stylize(inputs[i]!), r.width, r.height)]).data);
    }
    const ref = hasRef ? outputs[outputs.length - 1]! : undefined;
    for (const [i, e] of entries.entries()) {
      const s = sums.get(e)!;
      if (ref && e.role === 'model') {
        s.psnr.push(psnr(outputs[i]!, ref));
        s.ssim.push(ssim(outputs[i]!, ref, r.width, r.height));
      }
      if (meter) s.losses.push(await meter.measure(outputs[i]!, x));
    }
  }
  return { sums, timingInputs };
}

const sides = (s: { readonly width: number; readonly height: number }): [number, number] => [s.width, s.height];

/** One row per model and the reference (last), with ratios to the reference. */
function toRows(entries: readonly Entry[], sums: Sums, times: readonly Summary[], timingInputs: readonly Tensor[], losses: boolean): EvalRow[] {
  const refIndex = entries.findIndex((e) => e.role === 'reference');
  const refTime = refIndex >= 0 ? times[refIndex]!.median : undefined;
  const refLoss = refIndex >= 0 && losses ? sums.get(entries[refIndex]!)!.losses : undefined;
  const refContent = refLoss ? mean(refLoss.map((l) => l.content)) : undefined;
  const refStyle = refLoss ? mean(refLoss.map((l) => l.style)) : undefined;
  return entries.map((e, i): EvalRow => {
    const s = sums.get(e)!;
    const [, , H, W] = timingInputs[i]!.dims as [number, number, number, number];
    const cost = e.model.kind === 'transformer' ? countCost(e.model.config, H, W) : { params: null, macs: null };
    const content = losses ? mean(s.losses.map((l) => l.content)) : null;
    const styleLoss = losses ? mean(s.losses.map((l) => l.style)) : null;
    return {
      spec: e.spec,
      name: e.model.info.name,
      role: e.role,
      renderScale: e.scale,
      params: cost.params,
      macs: cost.macs,
      time: times[i]!,
      fps: 1000 / times[i]!.median,
      timeRatio: refTime ? times[i]!.median / refTime : null,
      psnr: s.psnr.length ? mean(s.psnr) : null,
      ssim: s.ssim.length ? mean(s.ssim) : null,
      content,
      style: styleLoss,
      contentRatio: content !== null && refContent ? content / refContent : null,
      styleRatio: styleLoss !== null && refStyle ? styleLoss / refStyle : null,
    };
  });
}

const dash = '—';
const plural = (n: number) => (n === 1 ? '' : 's');
const fixed = (v: number | null, d: number) => (v === null ? dash : v === Infinity ? '∞' : v.toFixed(d));
const sig = (v: number | null) => (v === null ? dash : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(3) : v.toPrecision(4));
const millions = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}k`);

/** The report as Markdown: a header saying how it was measured, then one row per model and the reference. */
export function formatEvalMarkdown(r: EvalReport): string {
  const ref = r.reference ? `\`${r.reference.spec}\`${r.reference.from === 'teacher' ? " (the models' teacher)" : ''}` : 'none';
  const styleLine = r.style ? `\`${r.style.image}\`, longer side ${r.style.side} (${r.style.width}x${r.style.height})` : 'none (losses omitted)';
  const peak = r.peak ? `${r.peak.n}^3 float32 MatMul peak: ${r.peak.before.toFixed(1)} GFLOP/s before, ${r.peak.after.toFixed(1)} GFLOP/s after the timing` : 'MatMul peak: not measured';
  const rows = r.rows.map((x) =>
    [
      x.role === 'reference' ? `${x.spec} (reference)` : x.renderScale === 1 ? x.spec : `${x.spec} at ${x.renderScale}`,
      fixed(x.styleRatio, 3),
      fixed(x.contentRatio, 3),
      fixed(x.timeRatio, 3),
      x.role === 'reference' ? dash : fixed(x.psnr, 2),
      x.role === 'reference' ? dash : fixed(x.ssim, 4),
      sig(x.style),
      sig(x.content),
      x.params === null ? 'n/a' : millions(x.params),
      x.macs === null ? 'n/a' : (x.macs / 1e9).toFixed(2),
      x.time.median.toFixed(1),
      x.time.p95.toFixed(1),
      x.fps.toFixed(1),
    ].join(' | '),
  );
  return [
    '# stylecast eval',
    '',
    ...(r.command ? [`Command: \`${r.command}\`  `] : []),
    `Photos: ${r.photos.files.length} from \`${r.photos.dir}\`, cover-resized and centre-cropped to ${r.width}x${r.height}  `,
    `Reference: ${ref}; style image: ${styleLine}  `,
    `Timing: batch 1, ${r.trials} timed run${plural(r.trials)} per model after ${r.warmup} warm-up run${plural(r.warmup)}, ${r.threads} thread${plural(r.threads)}, the models and the reference in turn, each timed run right after an untimed run of the same model  `,
    `Machine: ${formatMachine(r.machine)}; load average ${r.loadavg.join(' / ')} (1/5/15 min) before the evaluation started  `,
    peak,
    '',
    '| model | style x ref | content x ref | x ref time | PSNR dB | SSIM | style | content | params | GMACs | median ms | p95 ms | fps |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
    '',
    'Style and content are the unweighted training losses (sum over the style layers of VGG Gram MSE against the style image; relu2_2 feature MSE against the photo), means over the photos; ' +
      '"x ref" divides them by the reference\'s: how a person judges a student (the painting\'s texture and colours, the photo\'s content) is closer to these than to pixels. ' +
      'PSNR and SSIM compare each model\'s output with the reference\'s on the same photo (outputs clamped to 0..255; SSIM: 11x11 Gaussian, sigma 1.5, per RGB channel); they reward a blurred average of the reference\'s texture, so they come second.',
    ...(r.rows.some((x) => x.renderScale !== 1)
      ? ['', 'A model "at s" stylized each photo resized to s of its size (bilinear), and its 8-bit output was resized back the same way (as `--target-fps` does), so its losses are judged at full size; its time is the network\'s at the smaller size, without the two resizes.']
      : []),
    ...(r.notes.length ? ['', ...r.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
}

/** The report as JSON; Infinity (PSNR of identical outputs) is written as the string "Infinity". */
export function formatEvalJson(r: EvalReport): string {
  return `${JSON.stringify(r, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 2)}\n`;
}
