import { toOnnx } from '../graph/onnx.js';
import { INT8_DEFAULTS, toFloat16Graph, toInt8Graph, type Int8Options, type Precision } from '../models/precision.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { calibrate } from '../runtime/calibrate.js';
import { listImages, randomCrop } from '../train/data.js';
import { decodeModel, modelMetadata, toLoaded, transformerOf, type LoadedModel, type QuantizationInfo, type TransformerModel, type StyleModel } from '../models/modelfile.js';
import { buildTransformer, minInputSide, strideOf } from '../models/transformer.js';

/** The input sizes a network accepts: multiples of its stride, at least minSide. */
interface Grid {
  readonly stride: number;
  readonly minSide: number;
}

export type QuantizedPrecision = Exclude<Precision, 'fp32'>;

/** Photos to measure int8 activation ranges on. */
export interface CalibrationPhotos {
  /** Folder searched recursively for JPEG/PNG/WebP photos. */
  readonly folder: string;
  /** Photos used, evenly spaced over the sorted listing (so not all from one source). Defaults to 16. */
  readonly count?: number;
  /** Side of the square center crop each photo is resized to. Defaults to 256. */
  readonly size?: number;
}

export interface QuantizeOptions {
  /**
   * int8 only, required there: photos, or image batches (NCHW float32 RGB 0..255, sides multiples
   * of 4) that run through the float32 network to measure every conv's input and output range.
   */
  readonly calibration?: CalibrationPhotos | readonly Tensor<'float32'>[];
  /** onnxruntime intra-op threads for calibration; defaults to all cores. */
  readonly threads?: number;
  /** int8 only: weight bits and which convs stay float (defaults: 7 bits, RGB convs float). */
  readonly int8?: Int8Options;
  /** Called for each calibration photo that cannot be read (it is left out). */
  readonly onSkip?: (file: string, reason: string) => void;
}

/** Photos decoded per calibration run: activations of a 256 px teacher batch stay a few hundred MB. */
const CALIBRATION_BATCH = 4;

const isLoaded = (m: StyleModel | LoadedModel): m is LoadedModel => 'onnx' in m && 'precision' in m;
const oneLine = (e: unknown) => ((e as Error).message ?? String(e)).split('\n')[0]!;

/** Calibration photos as batches, decoded lazily; `stats` fills in as they are read. */
async function photoBatches(p: CalibrationPhotos, { stride, minSide }: Grid, onSkip?: QuantizeOptions['onSkip']) {
  const count = p.count ?? 16;
  const size = p.size ?? 256;
  if (!Number.isInteger(count) || count < 1) throw new Error(`calibration photo count must be a positive integer, got ${count}`);
  if (!Number.isInteger(size) || size < minSide || size % stride) throw new Error(`calibration size must be a multiple of ${stride} of at least ${minSide}, got ${size}`);
  const all = await listImages(p.folder);
  if (!all.length) throw new Error(`calibration folder ${p.folder} has no JPEG, PNG or WebP photos`);
  const files = Array.from({ length: Math.min(count, all.length) }, (_, i) => all[Math.floor(((i + 0.5) * all.length) / Math.min(count, all.length))]!);
  const stats = { photos: 0, skipped: 0 };
  async function* batches() {
    for (let i = 0; i < files.length; i += CALIBRATION_BATCH) {
      const chunk = files.slice(i, i + CALIBRATION_BATCH);
      // Center crops: the same photos give the same ranges on every run.
      const crops = await Promise.allSettled(chunk.map((f) => randomCrop(f, size, () => 0.5)));
      const good: Float32Array[] = [];
      crops.forEach((r, k) => {
        if (r.status === 'fulfilled') good.push(r.value);
        else {
          stats.skipped++;
          onSkip?.(chunk[k]!, oneLine(r.reason));
        }
      });
      if (!good.length) continue;
      const t = f32([good.length, 3, size, size]);
      good.forEach((g, k) => t.data.set(g, k * g.length));
      stats.photos += good.length;
      yield { input: t };
    }
  }
  return { batches: batches(), stats, size };
}

function checkTensors(ts: readonly Tensor<'float32'>[], { stride, minSide }: Grid): void {
  if (!ts.length) throw new Error('int8 calibration: no image tensors given');
  for (const t of ts) {
    const [n, c, h, w] = t.dims;
    if (t.dims.length !== 4 || c !== 3 || !n || !h || !w || h % stride || w % stride || h < minSide || w < minSide) {
      throw new Error(`int8 calibration: tensors must be [n, 3, h, w] with sides multiples of ${stride} of at least ${minSide}, got [${t.dims.join(', ')}]`);
    }
  }
}

/**
 * A float32 style model converted to run in float16 or int8, as a model file (`onnx`, with metadata
 * 'stylecast.precision' and 'stylecast.quantization': the source file's sha256 and, for int8, the
 * calibration photos). int8 is static QDQ quantization of the inner convs (see toInt8Graph): it needs
 * calibration photos, since ranges from a few photos are what the integer activations are fixed to.
 *
 * A model that is already quantized is refused: re-quantizing its recovered weights would stack a
 * second rounding (and int8 ranges would come from a degraded network); quantize the float32 file.
 * The result is decoded back from its own bytes, so its `weights` are exactly what reading the file
 * gives.
 *
 * @example
 * const q = await quantizeModel(await loadModel('candy'), 'int8', { calibration: { folder: 'photos/' } });
 * await writeFileAtomic('candy-int8.onnx', q.onnx);
 */
export async function quantizeModel(model: StyleModel | LoadedModel, precision: QuantizedPrecision, opts: QuantizeOptions = {}): Promise<TransformerModel> {
  const name = model.info.name;
  if (precision !== 'fp16' && precision !== 'int8') throw new Error(`quantize ${name}: precision must be fp16 or int8, got '${String(precision)}'`);
  if (isLoaded(model) && model.precision !== 'fp32') {
    throw new Error(`${name} is already ${model.precision}; quantize its float32 model instead (re-quantizing would round twice)`);
  }
  // The quantized graph is rebuilt from the architecture, which an opaque model does not expose.
  const base = isLoaded(model) ? transformerOf(model, `quantize ${precision}`) : toLoaded(model);
  const graph = buildTransformer(base.config, base.weights);
  let quantization: QuantizationInfo = { from: base.sha256 };
  let quantized;
  if (precision === 'fp16') quantized = toFloat16Graph(graph);
  else {
    // Calibrated ranges would hold for the styles the photos ran with, not for every mix.
    if (base.config.styles !== undefined) throw new Error(`int8 quantization of the multi-style network ${name} is not supported (its activation ranges change with the style); use fp16`);
    const cal = opts.calibration;
    if (!cal) throw new Error(`int8 quantization of ${name} needs calibration photos (a folder of photos or image tensors)`);
    const grid: Grid = { stride: strideOf(base.config), minSide: minInputSide(base.config) };
    let ranges;
    if ('folder' in cal) {
      const photos = await photoBatches(cal, grid, opts.onSkip);
      ranges = await calibrate(graph, photos.batches, opts.threads).catch((e: unknown) => {
        throw photos.stats.photos ? e : new Error(`calibration folder ${cal.folder}: none of the photos could be read`);
      });
      quantization = { ...quantization, calibration: { photos: photos.stats.photos, folder: cal.folder, size: photos.size, ...(photos.stats.skipped ? { skipped: photos.stats.skipped } : {}) } };
    } else {
      checkTensors(cal, grid);
      ranges = await calibrate(graph, cal.map((input) => ({ input })), opts.threads);
      quantization = { ...quantization, calibration: { photos: cal.reduce((s, t) => s + t.dims[0]!, 0) } };
    }
    const int8 = { weightBits: opts.int8?.weightBits ?? INT8_DEFAULTS.weightBits, minChannels: opts.int8?.minChannels ?? INT8_DEFAULTS.minChannels };
    quantized = toInt8Graph(graph, ranges, int8);
    quantization = { ...quantization, ...int8 };
  }
  const bytes = toOnnx(quantized, {
    docString: `stylecast style network (${precision}): ${base.info.style}`,
    metadata: { ...modelMetadata(base), 'stylecast.precision': precision, 'stylecast.quantization': JSON.stringify(quantization) },
  });
  return transformerOf(decodeModel(bytes, `${name} (${precision})`), 'quantize');
}
