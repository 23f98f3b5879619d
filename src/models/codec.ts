/**
 * The model file format (ONNX + stylecast metadata), encoded and decoded without Node APIs so the
 * browser entry decodes exactly what Node does. File I/O lives in modelfile.ts.
 */
import { parseOnnx, toOnnx } from '../graph/onnx.js';
import { dequantize, fromFloat16, PRECISIONS, quantizedNames, type Precision } from './precision.js';
import type { Tensor } from '../graph/tensor.js';
import { sha256 as sha256Digest } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { checkStyleNames, type StyleEntry } from './styles.js';
import { buildTransformer, checkWeights, minInputSide, paramSpecs, strideOf, validateConfig, type TransformerConfig, type Weights } from './transformer.js';

/** Descriptive metadata stored in every stylecast model file. */
export interface ModelInfo {
  /** Short stable name, e.g. 'candy'. */
  readonly name: string;
  /** Human-readable style, e.g. 'Candy (pytorch/examples)'. */
  readonly style: string;
  /** Where the weights came from (URL or description) and under which licence. */
  readonly source: string;
  readonly license: string;
  /** Input pixel range the network expects (RGB). */
  readonly inputRange: readonly [number, number];
  /** Free-form provenance: training command, data, steps, losses, style image hash... */
  readonly provenance?: Readonly<Record<string, unknown>>;
}

/**
 * The teacher a model was distilled from, as its provenance records it: a fine-tuned model keeps the
 * provenance of the model it started from under `base`, so the chain is followed to the first run.
 */
export function provenanceTeacher(info: Pick<ModelInfo, 'provenance'>): string | undefined {
  for (let p: Readonly<Record<string, unknown>> | undefined = info.provenance, depth = 0; p && depth < 32; p = p['base'] as Readonly<Record<string, unknown>> | undefined, depth++) {
    if (typeof p['teacher'] === 'string') return p['teacher'];
  }
  return undefined;
}

/** A style network: architecture, weights and metadata. */
export interface StyleModel {
  readonly config: TransformerConfig;
  readonly weights: Weights;
  readonly info: ModelInfo;
  /** A multi-style network's styles, one per row (config.styles of them); absent for a single-style one. */
  readonly styles?: readonly StyleEntry[];
}

/** How a quantized model file was made (metadata 'stylecast.quantization'). */
export interface QuantizationInfo {
  /** sha256 of the float32 model file it was quantized from. */
  readonly from: string;
  /** int8: what the activation ranges were measured on. */
  readonly calibration?: {
    /** Photos (or images in the given tensors) that ran through the network. */
    readonly photos: number;
    /** Folder they were read from; absent when tensors were given. */
    readonly folder?: string;
    /** Side of the square center crops they were resized to. */
    readonly size?: number;
    /** Unreadable photos left out. */
    readonly skipped?: number;
  };
  /** int8: bits of the weights (7 by default, see Int8Options) and the narrowest conv quantized. */
  readonly weightBits?: number;
  readonly minChannels?: number;
}

/** What a model file's bytes carry whatever network is inside. */
interface ModelFileFields {
  readonly info: ModelInfo;
  readonly onnx: Uint8Array;
  /** Numeric format of the graph in `onnx` (metadata 'stylecast.precision'; absent means fp32). */
  readonly precision: Precision;
  /** How it was quantized; absent for fp32. */
  readonly quantization?: QuantizationInfo;
  /** sha256 of the ONNX bytes: a cache key for sessions. */
  readonly sha256: string;
  /** Spatial multiple inputs are padded to. */
  readonly stride: number;
  /** Inputs are padded to at least this height and width. */
  readonly minSide: number;
}

/**
 * A stylecast transformer with its serialized ONNX bytes (what sessions are created from).
 *
 * `onnx` runs in `precision`; `weights` are always float32 so training, distillation and export work
 * on any model: for 'fp16' files they are the stored float16 values widened (exact), for 'int8' files
 * the dequantized integers of the quantized convs (within half a quantization step of the originals)
 * and the float32 initializers of the rest. {@link encodeModel} of such a model writes those weights
 * as a float32 model; to keep the quantized graph, write `onnx` itself.
 */
export interface TransformerModel extends StyleModel, ModelFileFields {
  readonly kind: 'transformer';
}

/** How an opaque model's wrapper graph runs the foreign network (metadata 'stylecast.opaque'). */
export interface OpaqueInfo {
  /** The foreign network's fixed [width, height]: frames are resized to it and back inside the graph. */
  readonly fixedSize?: readonly [number, number];
  /** Pixel range the foreign network takes and returns; the wrapper converts from and to 0..255. */
  readonly foreignRange: readonly [number, number];
  /** Spatial multiple a dynamic-size foreign network needs (1 when resized to a fixed size). */
  readonly stride: number;
  readonly minSide: number;
}

/**
 * A foreign network stylecast runs but does not understand (`stylecast import` of an architecture
 * that is not a Johnson et al. transformer): `onnx` is a wrapper graph with the usual `input` and
 * `output` (0..255 RGB, any size) around the foreign nodes. It stylizes and evaluates like any model;
 * what needs the architecture (export, training, compression, quantization) refuses it.
 */
export interface OpaqueModel extends ModelFileFields {
  readonly kind: 'opaque';
  readonly opaque: OpaqueInfo;
}

/** A decoded model file. */
export type LoadedModel = TransformerModel | OpaqueModel;

export type { StyleEntry, StyleMix } from './styles.js';

/** A multi-style model's styles (row order); undefined for a single-style or opaque model. */
export const stylesOf = (m: LoadedModel): readonly StyleEntry[] | undefined => (m.kind === 'transformer' ? m.styles : undefined);

/**
 * The model as a stylecast transformer, for what needs its architecture or weights; an opaque
 * model is refused in one line saying what `purpose` needed.
 */
export function transformerOf(m: LoadedModel, purpose: string): TransformerModel {
  if (m.kind === 'opaque') throw new Error(`${m.info.name} is an imported opaque network (not a stylecast transformer): ${purpose} needs the architecture and weights; it can only stylize and be evaluated`);
  return m;
}

const FORMAT = 'stylecast-model/1';

/**
 * The metadata every model file carries. Quantized files add 'stylecast.precision' and
 * 'stylecast.quantization' (src/models/quantize.ts).
 */
export function modelMetadata(m: StyleModel): Record<string, string> {
  return {
    'stylecast.format': FORMAT,
    'stylecast.config': JSON.stringify(m.config),
    'stylecast.info': JSON.stringify(m.info),
    ...(m.styles ? { 'stylecast.styles': JSON.stringify(m.styles) } : {}),
  };
}

/** Throws unless the style list matches the config: one entry per style row, valid distinct names. */
export function checkStyles(config: TransformerConfig, styles: readonly StyleEntry[] | undefined): void {
  if (config.styles === undefined && styles === undefined) return;
  if (config.styles === undefined) throw new Error(`a single-style network cannot list styles (${styles!.length} given)`);
  if (!Array.isArray(styles) || styles.length !== config.styles) throw new Error(`a network of ${config.styles} styles needs ${config.styles} style entries, got ${styles?.length ?? 0}`);
  checkStyleNames(styles.map((s) => (typeof s?.name === 'string' ? s.name : '')));
}

/**
 * Serialize to the project's model file: ONNX with initializers and metadata; loads back alone.
 * Always float32, whatever model it is given (see {@link LoadedModel} for quantized ones).
 */
export function encodeModel(m: StyleModel): Uint8Array {
  validateConfig(m.config);
  checkWeights(m.config, m.weights);
  checkStyles(m.config, m.styles);
  return toOnnx(buildTransformer(m.config, m.weights), { docString: `stylecast style network: ${m.info.style}`, metadata: modelMetadata(m) });
}

// Fields are picked, not spread: a quantized LoadedModel passed as a StyleModel must not lend its
// precision to float32 bytes.
function withBytes(m: StyleModel, onnx: Uint8Array, precision: Precision = 'fp32', quantization?: QuantizationInfo): TransformerModel {
  return withHash({ kind: 'transformer', config: m.config, weights: m.weights, info: m.info, ...(m.styles ? { styles: m.styles } : {}), onnx, precision, ...(quantization ? { quantization } : {}), stride: strideOf(m.config), minSide: minInputSide(m.config) });
}

/**
 * `m` with a lazy `sha256` of its bytes (a getter: spreading it would hash eagerly). Hashed on first
 * use: only session caches need it, and a teacher's bytes take ~150 ms.
 */
function withHash<M extends LoadedModel>(m: Omit<M, 'sha256'>): M {
  let sha256: string | undefined;
  return Object.defineProperty(m, 'sha256', {
    enumerable: true,
    // @noble/hashes: synchronous and the same in Node and the browser (WebCrypto's digest is async only).
    get: () => (sha256 ??= bytesToHex(sha256Digest(m.onnx))),
  }) as M;
}

/** Metadata of an opaque model file: the wrapper graph is the model, so there is no config. */
export function opaqueMetadata(info: ModelInfo, opaque: OpaqueInfo): Record<string, string> {
  return { 'stylecast.format': FORMAT, 'stylecast.kind': 'opaque', 'stylecast.info': JSON.stringify(info), 'stylecast.opaque': JSON.stringify(opaque) };
}

/** An opaque model over wrapper-graph bytes that already carry {@link opaqueMetadata}. */
export function opaqueModel(info: ModelInfo, opaque: OpaqueInfo, onnx: Uint8Array): OpaqueModel {
  return withHash<OpaqueModel>({ kind: 'opaque', opaque, info, onnx, precision: 'fp32', stride: opaque.stride, minSide: opaque.minSide });
}

/**
 * float32 weights from a file's initializers, whatever its precision: a float32 initializer by the
 * parameter's name, a float16 one widened, or the quantized integers and scales stored under
 * `quantizedNames(name)` dequantized. Missing ones are reported by checkWeights.
 */
function floatWeights(config: TransformerConfig, inits: ReadonlyMap<string, Tensor>): Map<string, Tensor<'float32'>> {
  const weights = new Map<string, Tensor<'float32'>>();
  for (const p of paramSpecs(config)) {
    const t = inits.get(p.name);
    if (t?.dtype === 'float32') weights.set(p.name, t as Tensor<'float32'>);
    else if (t?.dtype === 'float16') weights.set(p.name, fromFloat16(t as Tensor<'float16'>));
    else {
      const n = quantizedNames(p.name);
      const q = inits.get(n.q);
      const scale = inits.get(n.scale);
      const zp = inits.get(n.zeroPoint);
      if ((q?.dtype !== 'int8' && q?.dtype !== 'int32') || scale?.dtype !== 'float32' || (zp && zp.dtype !== 'int8')) continue;
      try {
        weights.set(p.name, dequantize(q as Tensor<'int8' | 'int32'>, scale as Tensor<'float32'>, zp as Tensor<'int8'> | undefined));
      } catch (e) {
        throw new Error(`parameter '${p.name}': ${(e as Error).message}`);
      }
    }
  }
  return weights;
}

export function toLoaded(m: StyleModel): TransformerModel {
  return withBytes(m, encodeModel(m));
}

/** Parse a model file's bytes; the error says what is wrong in one line. */
export function decodeModel(bytes: Uint8Array, origin = 'model'): LoadedModel {
  let parsed;
  try {
    parsed = parseOnnx(bytes);
  } catch (e) {
    throw new Error(`${origin}: ${(e as Error).message}`);
  }
  const md = parsed.metadata;
  if (md['stylecast.format'] !== FORMAT) {
    throw new Error(`${origin}: not a stylecast model (no '${FORMAT}' metadata); turn a foreign network into one with 'stylecast import'`);
  }
  if (md['stylecast.kind'] === 'opaque') return decodeOpaque(md, bytes, origin);
  let config: TransformerConfig;
  let info: ModelInfo;
  let quantization: QuantizationInfo | undefined;
  let styles: readonly StyleEntry[] | undefined;
  try {
    config = JSON.parse(md['stylecast.config'] ?? '') as TransformerConfig;
    info = JSON.parse(md['stylecast.info'] ?? '') as ModelInfo;
    const q = md['stylecast.quantization'];
    if (q !== undefined) quantization = JSON.parse(q) as QuantizationInfo;
    const s = md['stylecast.styles'];
    if (s !== undefined) styles = JSON.parse(s) as StyleEntry[];
  } catch {
    throw new Error(`${origin}: corrupt stylecast metadata`);
  }
  try {
    checkStyles(config, styles);
  } catch (e) {
    throw new Error(`${origin}: corrupt stylecast metadata (${(e as Error).message})`);
  }
  const precision = (md['stylecast.precision'] ?? 'fp32') as Precision;
  if (!PRECISIONS.includes(precision)) throw new Error(`${origin}: unknown precision '${precision}' (expected ${PRECISIONS.join(', ')})`);
  let weights;
  try {
    weights = floatWeights(config, parsed.initializers);
    checkWeights(config, weights);
  } catch (e) {
    throw new Error(`${origin}: ${(e as Error).message}`);
  }
  return withBytes({ config, weights, info, ...(styles ? { styles } : {}) }, bytes, precision, precision === 'fp32' ? undefined : quantization);
}

function decodeOpaque(md: Readonly<Record<string, string>>, bytes: Uint8Array, origin: string): OpaqueModel {
  let info: ModelInfo;
  let opaque: OpaqueInfo;
  try {
    info = JSON.parse(md['stylecast.info'] ?? '') as ModelInfo;
    opaque = JSON.parse(md['stylecast.opaque'] ?? '') as OpaqueInfo;
  } catch {
    throw new Error(`${origin}: corrupt stylecast metadata`);
  }
  const side = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!side(opaque.stride) || !side(opaque.minSide)) throw new Error(`${origin}: corrupt stylecast metadata (opaque stride/minSide)`);
  return opaqueModel(info, opaque, bytes);
}
