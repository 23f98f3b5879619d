import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import onnxProto from 'onnx-proto';
import { parseOnnx, toOnnx, type ValueSignature } from '../graph/onnx.js';
import { fromFloat16 } from '../models/precision.js';
import { f32, type Tensor } from '../graph/tensor.js';
import { createSession } from '../runtime/ort.js';
import { opaqueMetadata, opaqueModel, toLoaded, type LoadedModel, type ModelInfo, type OpaqueInfo } from '../models/modelfile.js';
import { wrapForeign } from './wrap.js';
import { buildTransformer, checkWeights, paramSpecs, validateConfig, type TransformerConfig } from '../models/transformer.js';

/** Pixel ranges a foreign network may expect (its output is taken to be in the same range). */
export const INPUT_RANGES = Object.freeze({ '0..255': [0, 255], '0..1': [0, 1], '-1..1': [-1, 1] } as const);
export type InputRange = keyof typeof INPUT_RANGES;

export interface ForeignImportOptions {
  /** Short name of the imported model; defaults to the file's base name. */
  readonly name?: string;
  /** Range the foreign network takes and returns pixels in; defaults to 0..255. */
  readonly inputRange?: InputRange;
  /** The style image it was trained on: recorded (name and sha256) in the model's provenance. */
  readonly styleImage?: { readonly path: string; readonly bytes: Uint8Array };
  readonly threads?: number;
}

export interface ForeignImport {
  readonly model: LoadedModel;
  /** The foreign input's fixed [width, height], when it had one. */
  readonly fixedSize?: readonly [number, number];
  /** Largest difference between the foreign network's output and the imported model's, on 0..255. */
  readonly maxAbsError: number;
  /** The size that comparison ran at. */
  readonly checkedAt: readonly [number, number];
  /** Why it was not converted to a stylecast transformer, for an opaque model. */
  readonly opaqueBecause?: string;
}

/** Largest absolute difference, on 0..255, between the two networks' outputs for the import to hold. */
const TOLERANCE = 0.1;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fmt = (s: readonly (string | number | null)[]) => `[${s.map((d) => d ?? '?').join(', ')}]`;

/** One float image in, one image out: else a one-line reason. */
function checkImageToImage(inputs: readonly ValueSignature[], outputs: readonly ValueSignature[]): void {
  const names = (vs: readonly ValueSignature[]) => vs.map((v) => `'${v.name}'`).join(', ');
  if (inputs.length !== 1) throw new Error(`not an image-to-image network: it has ${inputs.length} inputs (${names(inputs)}); stylecast imports networks with one float image input [N, 3, H, W]`);
  if (outputs.length !== 1) throw new Error(`not an image-to-image network: it has ${outputs.length} outputs (${names(outputs)}); stylecast imports networks with one image output [N, 3, H, W]`);
  const isImage = (v: ValueSignature) => v.shape.length === 4 && (v.shape[1] === 3 || typeof v.shape[1] !== 'number') && (v.dtype === 'float32' || v.dtype === 'float16');
  const [x, y] = [inputs[0]!, outputs[0]!];
  if (!isImage(x)) throw new Error(`not an image-to-image network: its input '${x.name}' is ${x.dtype} ${fmt(x.shape)}, not a float image [N, 3, H, W]`);
  if (!isImage(y)) throw new Error(`not an image-to-image network: its output '${y.name}' is ${y.dtype} ${fmt(y.shape)}, not an image [N, 3, H, W]`);
}

/** What the graph's nodes say about the architecture choices the weights cannot show. */
function graphHints(bytes: Uint8Array): { reflect: boolean; tanh: boolean; epsilon?: number } {
  const g = onnxProto.onnx.ModelProto.decode(bytes).graph;
  const nodes = g?.node ?? [];
  const attr = (n: onnxProto.onnx.INodeProto, name: string) => n.attribute?.find((a) => a.name === name);
  const reflect = nodes.some((n) => n.opType === 'Pad' && new TextDecoder().decode(attr(n, 'mode')?.s ?? new Uint8Array()) === 'reflect');
  const norm = nodes.find((n) => n.opType === 'InstanceNormalization');
  // Stored as float32 (1e-5 reads 9.99999975e-6): six digits give the value the exporter wrote.
  const f = norm ? attr(norm, 'epsilon')?.f : undefined;
  const eps = f ? Number(f.toPrecision(6)) : undefined;
  return { reflect, tanh: nodes.some((n) => n.opType === 'Tanh'), ...(eps ? { epsilon: eps } : {}) };
}

/**
 * The foreign initializers under our parameter names: PyTorch TransformerNet state_dict names
 * ('conv1.conv2d.weight', ...), possibly under a common prefix ('model.', 'transformer.').
 */
function namedWeights(inits: ReadonlyMap<string, Tensor>): Map<string, Tensor<'float32'>> | undefined {
  const anchor = [...inits.keys()].find((k) => k.endsWith('conv1.conv2d.weight') && !k.includes('res.'));
  if (anchor === undefined) return undefined;
  const prefix = anchor.slice(0, anchor.length - 'conv1.conv2d.weight'.length);
  const out = new Map<string, Tensor<'float32'>>();
  for (const [k, t] of inits) {
    if (!k.startsWith(prefix)) continue;
    if (t.dtype === 'float32') out.set(k.slice(prefix.length), t as Tensor<'float32'>);
    else if (t.dtype === 'float16') out.set(k.slice(prefix.length), fromFloat16(t as Tensor<'float16'>));
  }
  return out;
}

/**
 * Parameters named by where the graph uses them, for files whose initializer names are not the
 * state_dict's (e.g. 'onnx::Conv_123' after constant folding): the weights and biases of Conv and
 * ConvTranspose and the scales and biases of InstanceNormalization, in node order, are the family's
 * parameters in paramSpecs order. The counts give the depth; shapes and the output check do the rest.
 */
function weightsByUse(bytes: Uint8Array, inits: ReadonlyMap<string, Tensor>): Map<string, Tensor<'float32'>> | undefined {
  const layers: { kind: 'conv' | 'convT' | 'norm'; group: number; tensors: Tensor<'float32'>[] }[] = [];
  for (const n of onnxProto.onnx.ModelProto.decode(bytes).graph?.node ?? []) {
    const kind = n.opType === 'Conv' ? 'conv' : n.opType === 'ConvTranspose' ? 'convT' : n.opType === 'InstanceNormalization' ? 'norm' : undefined;
    if (!kind) continue;
    const tensors: Tensor<'float32'>[] = [];
    for (const name of (n.input ?? []).slice(1).filter(Boolean)) {
      const t = inits.get(name);
      if (t?.dtype === 'float32') tensors.push(t as Tensor<'float32'>);
      else if (t?.dtype === 'float16') tensors.push(fromFloat16(t as Tensor<'float16'>));
      else return undefined; // computed in the graph (a cast, a dequantization): not plain weights
    }
    layers.push({ kind, group: Number(n.attribute?.find((a) => a.name === 'group')?.i ?? 1), tensors });
  }
  const convs = layers.filter((l) => l.kind !== 'norm');
  const first = convs[0]?.tensors[0];
  const last = convs[convs.length - 1]?.tensors[0];
  if (convs.length < 6 || first?.dims.length !== 4 || last?.dims.length !== 4) return undefined;
  const residual = convs.some((l) => l.group > 1) ? ('separable' as const) : ('full' as const);
  const blocks = (convs.length - 6) / (residual === 'separable' ? 4 : 2);
  const config: TransformerConfig = {
    width: first.dims[0]!,
    blocks,
    firstKernel: first.dims[2]!,
    lastKernel: last.dims[2]!,
    padding: 'reflect',
    upsample: convs.some((l) => l.kind === 'convT') ? 'transpose' : 'nearest',
    normEpsilon: 1e-5,
    bias: convs[0]!.tensors.length === 2,
    finalNorm: layers.filter((l) => l.kind === 'norm').length === 6 + 2 * blocks,
    head: 'raw',
    residual,
  };
  try {
    validateConfig(config);
  } catch {
    return undefined;
  }
  const specs = paramSpecs(config);
  const flat = layers.flatMap((l) => l.tensors);
  return flat.length === specs.length ? new Map(specs.map((p, i) => [p.name, flat[i]!])) : undefined;
}

/** Architectures the weights fit, most likely first (the graph's hints decide the order). */
function candidates(w: ReadonlyMap<string, Tensor<'float32'>>, hints: ReturnType<typeof graphHints>): { config: TransformerConfig; weights: Map<string, Tensor<'float32'>> }[] {
  const conv1 = w.get('conv1.conv2d.weight')!;
  const last = w.get('deconv3.conv2d.weight');
  const up = w.get('deconv1.conv2d.weight');
  if (!last || !up || conv1.dims.length !== 4) return [];
  let blocks = 0;
  while (w.has(`res.${blocks}.in1.weight`)) blocks++;
  const width = conv1.dims[0]!;
  const base = {
    width,
    blocks,
    firstKernel: conv1.dims[2]!,
    lastKernel: last.dims[2]!,
    // A transposed conv's weight is [C_in, C_out, k, k]: C_in is the bottleneck's 4 * width.
    upsample: up.dims[0] === width * 4 ? ('transpose' as const) : ('nearest' as const),
    bias: w.has('conv1.conv2d.bias'),
    finalNorm: w.has('in6.weight'),
    residual: w.has('res.0.conv1.depthwise.weight') ? ('separable' as const) : ('full' as const),
  };
  const out: TransformerConfig[] = [];
  const paddings = hints.reflect ? (['reflect', 'same'] as const) : (['same', 'reflect'] as const);
  const heads = hints.tanh ? (['tanh', 'raw'] as const) : (['raw', 'tanh'] as const);
  const epsilons = [...new Set([hints.epsilon ?? 1e-5, 1e-5, 1e-3])];
  for (const padding of paddings) for (const head of heads) for (const normEpsilon of epsilons) out.push({ ...base, padding, head, normEpsilon });
  // Other float initializers (graph constants) are not parameters: each candidate takes only its own.
  return out.flatMap((config) => {
    try {
      validateConfig(config);
      const weights = new Map(paramSpecs(config).flatMap((p) => (w.has(p.name) ? [[p.name, w.get(p.name)!] as const] : [])));
      checkWeights(config, weights);
      return [{ config, weights }];
    } catch {
      return [];
    }
  });
}

/**
 * Fold a foreign pixel range into the weights so the imported model takes and returns 0..255 as every
 * stylecast model does: x_foreign = a * x + b feeds conv1 (reflection padding keeps the offset uniform,
 * so it becomes a bias), and y = (y_foreign - b) / a is the last layer's scale and shift.
 */
function foldRange(c: TransformerConfig, w: Map<string, Tensor<'float32'>>, range: readonly [number, number]): Map<string, Tensor<'float32'>> {
  const [lo, hi] = range;
  const a = (hi - lo) / 255;
  const b = lo;
  if (a === 1 && b === 0) return w;
  if (c.head === 'tanh') throw new Error(`a tanh head produces 0..255; --input-range ${lo}..${hi} does not apply to this network`);
  const out = new Map(w);
  const scaled = (name: string, f: (v: number, i: number) => number) => {
    const t = w.get(name)!;
    out.set(name, f32(t.dims, Float32Array.from(t.data, f)));
  };
  const k = w.get('conv1.conv2d.weight')!;
  const per = k.data.length / k.dims[0]!;
  if (b !== 0) {
    if (c.padding !== 'reflect') throw new Error(`--input-range ${lo}..${hi} needs an offset that zero ('same') padding does not keep uniform at the borders; not supported`);
    if (!c.bias) throw new Error(`--input-range ${lo}..${hi}: the network's convs have no bias to take the offset`);
    scaled('conv1.conv2d.bias', (v, o) => v + b * k.data.subarray(o * per, (o + 1) * per).reduce((s, x) => s + x, 0));
  }
  scaled('conv1.conv2d.weight', (v) => v * a);
  const [wName, bName] = c.finalNorm ? ['in6.weight', 'in6.bias'] : ['deconv3.conv2d.weight', 'deconv3.conv2d.bias'];
  if (!out.has(bName)) throw new Error(`--input-range ${lo}..${hi}: the last layer has no bias to take the offset`);
  scaled(wName, (v) => v / a);
  scaled(bName, (v) => (v - b) / a);
  return out;
}

/** A smooth deterministic test image on 0..255 ([1, 3, h, w]). */
function probe(h: number, w: number): Tensor<'float32'> {
  const t = f32([1, 3, h, w]);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) t.data[(c * h + y) * w + x] = 127.5 + 110 * Math.sin(x / (7 + c) + y / 11) * Math.cos(y / (5 + c) - x / 13);
  return t;
}

/** A Johnson et al. transformer computing what the foreign network computes, or why there is none. */
async function asTransformer(
  bytes: Uint8Array,
  inits: ReadonlyMap<string, Tensor>,
  range: readonly [number, number],
  input: Tensor<'float32'>,
  want: Float32Array,
  threads: number | undefined,
): Promise<{ config: TransformerConfig; weights: Map<string, Tensor<'float32'>>; err: number } | { reason: string }> {
  const named = namedWeights(inits) ?? weightsByUse(bytes, inits);
  if (!named) return { reason: `its weights are not a fast_neural_style transformer's, by name or by use` };
  const configs = candidates(named, graphHints(bytes));
  if (!configs.length) return { reason: `its weights do not fit any Johnson et al. transformer (${named.size} tensors)` };
  const [, , h, w] = input.dims as [number, number, number, number];
  let best = { err: Infinity, ...configs[0]! };
  let refusal: string | undefined;
  for (const c of configs) {
    const config = c.config;
    let weights;
    try {
      weights = foldRange(config, c.weights, range);
    } catch (e) {
      refusal ??= (e as Error).message;
      continue;
    }
    const s = await createSession(toOnnx(buildTransformer(config, weights, { shape: [1, h, w] })), threads ? { threads } : {});
    try {
      const got = (await s.run({ input }))['output']!.data as Float32Array;
      let err = 0;
      for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
      if (err < best.err) best = { err, config, weights };
    } finally {
      await s.release();
    }
    if (best.err <= TOLERANCE) return best;
  }
  // A variant the range could not be folded into explains the failure better than the others' misfit.
  return { reason: refusal ?? `its weights fit a Johnson et al. transformer, but no variant of it reproduces the network's output (closest: max abs error ${best.err.toPrecision(3)} on 0..255)` };
}

/** Sides tried for a dynamic-size network's stride (64 + s works first for s = its stride) and minimum side. */
const STRIDES = [1, 2, 4, 8, 16, 32] as const;
const MIN_SIDES = [8, 16, 32, 64] as const;

/** Whether the graph maps a [n, 3, h, w] image to one of the same shape. */
async function runsAt(s: Awaited<ReturnType<typeof createSession>>, n: number, h: number, w: number): Promise<boolean> {
  try {
    const out = (await s.run({ input: f32([n, 3, h, w]) }))['output'];
    return out?.dims.join('x') === [n, 3, h, w].join('x');
  } catch {
    return false;
  }
}

/**
 * Import a foreign ONNX style network (e.g. pytorch/examples fast_neural_style `--export_onnx`, or the
 * ONNX Model Zoo's fast neural style models) as a stylecast model. When its weights are recognized as
 * a Johnson et al. transformer, the architecture variant that reproduces the foreign network's own
 * output (run in onnxruntime) is kept and the pixel range is folded into the weights: a regular
 * stylecast model that runs at any size whatever the foreign input's fixed size was. Any other
 * image-to-image network becomes an opaque model: its graph inside a wrapper that converts the pixel
 * range and, for a fixed input size, resizes frames in and out (see wrapForeign).
 */
export async function importForeign(bytes: Uint8Array, origin: string, opts: ForeignImportOptions = {}): Promise<ForeignImport> {
  const fail = (msg: string): never => {
    throw new Error(`${origin}: ${msg}`);
  };
  let parsed;
  try {
    parsed = parseOnnx(bytes);
  } catch (e) {
    return fail((e as Error).message);
  }
  if (parsed.metadata['stylecast.format']) fail('already a stylecast model file; use it directly');
  try {
    checkImageToImage(parsed.inputs, parsed.outputs);
  } catch (e) {
    fail((e as Error).message);
  }

  const range = INPUT_RANGES[opts.inputRange ?? '0..255'];
  const x = parsed.inputs[0]!;
  if (x.dtype !== 'float32') fail(`its input '${x.name}' is ${x.dtype}; import its float32 export`);
  const fixed = typeof x.shape[2] === 'number' && typeof x.shape[3] === 'number' ? ([x.shape[3], x.shape[2]] as const) : undefined;
  const [w, h] = fixed ?? [64, 64];
  const input = probe(h, w);
  const [lo, hi] = range;
  const a = (hi - lo) / 255;
  const foreignIn = f32(input.dims, Float32Array.from(input.data, (v) => a * v + lo));
  const threads = opts.threads ? { threads: opts.threads } : {};

  const foreign = await createSession(bytes, threads).catch((e: Error) => fail(e.message));
  let want: Float32Array;
  try {
    const out = (await foreign.run({ [x.name]: foreignIn }))[parsed.outputs[0]!.name]!;
    if (out.dims.join('x') !== input.dims.join('x')) fail(`not an image-to-image network: a ${w}x${h} image gives an output of shape ${fmt(out.dims)}`);
    if (out.dtype !== 'float32') fail(`its output '${parsed.outputs[0]!.name}' is ${out.dtype}; import its float32 export`);
    want = Float32Array.from(out.data as Float32Array, (v) => (v - lo) / a);
  } catch (e) {
    return fail((e as Error).message.replace(`${origin}: `, ''));
  } finally {
    await foreign.release();
  }

  const file = basename(origin);
  const name = opts.name ?? basename(file, extname(file));
  const provenance = {
    imported: 'foreign-onnx',
    file,
    sha256: sha256(bytes),
    // Left out when absent, so the provenance reads back from the file's JSON unchanged.
    ...(parsed.metadata['producer'] ? { producer: parsed.metadata['producer'] } : {}),
    opset: parsed.opset,
    foreignInputRange: `${lo}..${hi}`,
    ...(fixed ? { foreignFixedSize: `${fixed[0]}x${fixed[1]}` } : {}),
    ...(opts.styleImage ? { styleImage: { file: basename(opts.styleImage.path), sha256: sha256(opts.styleImage.bytes) } } : {}),
  };
  // A model `stylecast export --format onnx` wrote says its style and licence in its metadata: they come back.
  const style = parsed.metadata['stylecast.style'] ?? name;
  const info = (verified: Record<string, unknown>): ModelInfo => ({
    name,
    style: opts.styleImage ? `${style} (style image ${basename(opts.styleImage.path)})` : style,
    source: `imported from ${file} (sha256 ${sha256(bytes)}) by stylecast import`,
    license: parsed.metadata['stylecast.license'] ?? 'unknown: the foreign model carries none; check where it came from',
    inputRange: [0, 255],
    provenance: { ...provenance, verified },
  });
  const sizes = { ...(fixed ? { fixedSize: fixed } : {}), checkedAt: [w, h] as const };

  const t = await asTransformer(bytes, parsed.initializers, range, input, want, opts.threads);
  if ('config' in t) {
    const model = toLoaded({ config: t.config, weights: t.weights, info: info({ size: `${w}x${h}`, maxAbsError: t.err }) });
    return { model, maxAbsError: t.err, ...sizes };
  }

  // Not a transformer stylecast can rebuild: run the foreign graph itself inside a wrapper.
  const wrap = (metadata: Record<string, string>) => {
    try {
      return wrapForeign(bytes, { input: x.name, output: parsed.outputs[0]!.name, range, ...(fixed ? { fixedSize: fixed } : {}), metadata, docString: `stylecast wrapper around ${file}` });
    } catch (e) {
      return fail(`cannot wrap it (not a Johnson et al. transformer: ${t.reason}): ${(e as Error).message}`);
    }
  };
  let stride = 1;
  let minSide = 1;
  let err = Infinity;
  const probeSession = await createSession(wrap({}), { ...threads, quiet: true }).catch((e: Error) => fail(`the wrapped network does not load in onnxruntime: ${e.message.split('\n')[0]}`));
  try {
    const got = (await probeSession.run({ input }).catch((e: Error) => fail(`the wrapped network does not run: ${e.message.split('\n')[0]}`)))['output']!.data as Float32Array;
    err = 0;
    for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
    if (!fixed) {
      // The smallest multiple and side a dynamic network takes without changing the output's size.
      const s = await (async () => {
        for (const s of STRIDES) if (await runsAt(probeSession, 1, 64 + s, 64 + s)) return s;
        return undefined;
      })();
      if (s === undefined) fail(`its output does not keep the input's size at any of ${STRIDES.map((s) => `${64 + s}x${64 + s}`).join(', ')}; stylecast runs image-to-image networks at any size`);
      stride = s!;
      for (const side of MIN_SIDES) {
        minSide = Math.ceil(side / stride) * stride;
        if (await runsAt(probeSession, 1, minSide, minSide)) break;
      }
    }
    // Stylizers batch frames of one size: the foreign graph must take any batch and size the wrapper feeds it.
    const [bh, bw] = [Math.max(minSide, Math.ceil(37 / stride) * stride), Math.max(minSide, Math.ceil(45 / stride) * stride)];
    if (!(await runsAt(probeSession, 2, bh, bw))) fail(`the wrapped network does not run a batch of two ${bw}x${bh} images (a batch size or shape fixed inside its graph); stylecast cannot wrap it`);
  } finally {
    await probeSession.release();
  }
  if (!(err <= TOLERANCE)) fail(`the wrapped network does not reproduce the network's output (max abs error ${err.toPrecision(3)} on 0..255)`);
  const opaque: OpaqueInfo = { ...(fixed ? { fixedSize: fixed } : {}), foreignRange: [lo, hi], stride, minSide };
  const opaqueInfo = info({ size: `${w}x${h}`, maxAbsError: err, opaque: `not a Johnson et al. transformer: ${t.reason}` });
  const model = opaqueModel(opaqueInfo, opaque, wrap(opaqueMetadata(opaqueInfo, opaque)));
  return { model, maxAbsError: err, opaqueBecause: t.reason, ...sizes };
}
