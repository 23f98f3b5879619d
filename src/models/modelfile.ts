import { createHash } from 'node:crypto';
import { parseOnnx, toOnnx } from '../graph/onnx.js';
import type { Tensor } from '../graph/tensor.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readBytes } from '../io/read.js';
import { buildTransformer, checkWeights, minInputSide, paramSpecs, STRIDE, validateConfig, type TransformerConfig, type Weights } from './transformer.js';

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

/** A style network: architecture, weights and metadata. */
export interface StyleModel {
  readonly config: TransformerConfig;
  readonly weights: Weights;
  readonly info: ModelInfo;
}

/** A model with its serialized ONNX bytes (what sessions are created from). */
export interface LoadedModel extends StyleModel {
  readonly onnx: Uint8Array;
  /** sha256 of the ONNX bytes: a cache key for sessions. */
  readonly sha256: string;
  /** Spatial multiple inputs are padded to. */
  readonly stride: number;
  /** Inputs are padded to at least this height and width. */
  readonly minSide: number;
}

const FORMAT = 'stylecast-model/1';

/** Serialize to the project's model file: ONNX with initializers and metadata; loads back alone. */
export function encodeModel(m: StyleModel): Uint8Array {
  validateConfig(m.config);
  checkWeights(m.config, m.weights);
  return toOnnx(buildTransformer(m.config, m.weights), {
    docString: `stylecast style network: ${m.info.style}`,
    metadata: {
      'stylecast.format': FORMAT,
      'stylecast.config': JSON.stringify(m.config),
      'stylecast.info': JSON.stringify(m.info),
    },
  });
}

function withBytes(m: StyleModel, onnx: Uint8Array): LoadedModel {
  return { ...m, onnx, sha256: createHash('sha256').update(onnx).digest('hex'), stride: STRIDE, minSide: minInputSide(m.config) };
}

export function toLoaded(m: StyleModel): LoadedModel {
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
    throw new Error(`${origin}: not a stylecast model (no '${FORMAT}' metadata); export it with stylecast or wrap it`);
  }
  let config: TransformerConfig;
  let info: ModelInfo;
  try {
    config = JSON.parse(md['stylecast.config'] ?? '') as TransformerConfig;
    info = JSON.parse(md['stylecast.info'] ?? '') as ModelInfo;
  } catch {
    throw new Error(`${origin}: corrupt stylecast metadata`);
  }
  const weights = new Map<string, Tensor<'float32'>>();
  for (const p of paramSpecs(config)) {
    const t = parsed.initializers.get(p.name);
    if (t?.dtype === 'float32') weights.set(p.name, t as Tensor<'float32'>);
  }
  try {
    checkWeights(config, weights);
  } catch (e) {
    throw new Error(`${origin}: ${(e as Error).message}`);
  }
  return withBytes({ config, weights, info }, bytes);
}

export async function readModelFile(path: string): Promise<LoadedModel> {
  return decodeModel(await readBytes(path, 'cannot read model'), path);
}

/** Write a model file atomically (temp file + rename), so a crash never leaves half a model. */
export async function writeModelFile(path: string, m: StyleModel): Promise<void> {
  await writeFileAtomic(path, encodeModel(m));
}
