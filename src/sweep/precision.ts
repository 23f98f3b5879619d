import { Graph, type Initializer, type Node, type Value } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { f32, tensor, type Tensor } from '../graph/tensor.js';
import { cast } from '../ops/movement.js';
import { dequantizeLinear, quantizeLinear } from '../ops/quant.js';
import { createSession, type Feeds } from '../runtime/ort.js';

/** Numeric format of a network's weights and activations. */
export type Precision = 'fp32' | 'fp16' | 'int8';
export const PRECISIONS: readonly Precision[] = Object.freeze(['fp32', 'fp16', 'int8']);

// ---- float16 ----

const f32View = new Float32Array(1);
const u32View = new Uint32Array(f32View.buffer);

/** IEEE half-precision bits of a number, rounding to nearest even (overflow goes to infinity). */
export function float16Bits(x: number): number {
  f32View[0] = x;
  const b = u32View[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and reaches infinity at the top).
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** The number a float16 bit pattern stands for. */
export function float16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toFloat16(t: Tensor<'float32'>): Tensor<'float16'> {
  const out = new Uint16Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = float16Bits(t.data[i]!);
  return tensor('float16', t.dims, out);
}

// ---- graph rewriting ----

/**
 * Rebuild `src` node by node into a fresh graph. `emit` creates the new nodes for one old node from
 * its mapped inputs (default: the same op); initializers are copied as constants on first use unless
 * `initializer` maps them. Identity nodes are dropped: outputs are renamed at the end instead.
 */
function rebuild(
  src: Graph,
  hooks: {
    readonly input?: (dst: Graph, v: Value) => Value;
    readonly initializer?: (dst: Graph, init: Initializer, node: Node, slot: number) => Value | undefined;
    readonly emit?: (dst: Graph, node: Node, inputs: (Value | undefined)[]) => Value[];
    readonly output?: (dst: Graph, v: Value) => Value;
  },
  extraOutputs: readonly Value[] = [],
): { graph: Graph; map: Map<Value, Value> } {
  const dst = new Graph(src.name);
  const map = new Map<Value, Value>();
  const copies = new Map<string, Value>();
  for (const x of src.inputs) {
    const v = dst.input(x.name, x.dtype, x.shape);
    map.set(x, hooks.input ? hooks.input(dst, v) : v);
  }
  const lookup = (v: Value | undefined, node: Node, slot: number): Value | undefined => {
    if (!v) return undefined;
    const mapped = map.get(v);
    if (mapped) return mapped;
    const init = src.initializers.get(v.name);
    if (!init) throw new Error(`rebuild: value ${v.name} is used before it is produced`);
    const custom = hooks.initializer?.(dst, init, node, slot);
    if (custom) return custom;
    let copy = copies.get(v.name);
    if (!copy) copies.set(v.name, (copy = dst.constant(init.tensor, v.name)));
    return copy;
  };
  for (const node of src.nodes) {
    const inputs = node.inputs.map((v, i) => lookup(v, node, i));
    if (node.def.type === 'Identity') {
      map.set(node.outputs[0]!, inputs[0]!);
      continue;
    }
    const outs = hooks.emit ? hooks.emit(dst, node, inputs) : dst.apply(node.def, inputs, node.attrs, node.name);
    node.outputs.forEach((o, i) => map.set(o, outs[i]!));
  }
  for (const o of src.outputs) {
    const v = map.get(o)!;
    dst.output(hooks.output ? hooks.output(dst, v) : v, o.name);
  }
  extraOutputs.forEach((o, i) => dst.output(map.get(o)!, `extra_${i}`));
  return { graph: dst, map };
}

/** Inputs of Resize that the spec requires in float32 (roi, scales) whatever the data type. */
function float32Only(src: Graph): Set<string> {
  const keep = new Set<string>();
  for (const n of src.nodes) if (n.def.type === 'Resize') for (const v of n.inputs.slice(1)) if (v) keep.add(v.name);
  return keep;
}

/**
 * The same network computing in float16: float32 initializers become float16, the float32 input is
 * cast on entry and the output cast back, so callers feed and fetch float32 as before.
 */
export function toFloat16Graph(src: Graph): Graph {
  const keep = float32Only(src);
  return rebuild(src, {
    input: (_, v) => (v.dtype === 'float32' ? cast(v, 'float16') : v),
    initializer: (dst, init) =>
      init.tensor.dtype === 'float32' && !keep.has(init.value.name) ? dst.constant(toFloat16(init.tensor as Tensor<'float32'>), init.value.name) : undefined,
    output: (_, v) => (v.dtype === 'float16' ? cast(v, 'float32') : v),
  }).graph;
}

// ---- int8 (QDQ) ----

const isConv = (n: Node) => n.def.type === 'Conv' || n.def.type === 'ConvTranspose';

export type Ranges = ReadonlyMap<string, readonly [number, number]>;

/**
 * Activation ranges for static quantization: min and max of every conv's input and output on
 * `feeds`, keyed by the value's name in `src`. Calibrate on real images for a real model; for timing,
 * any input gives the same graph.
 */
export async function calibrate(src: Graph, feeds: Feeds, threads?: number): Promise<Ranges> {
  const watched: Value[] = [];
  for (const n of src.nodes) if (isConv(n)) watched.push(n.inputs[0]!, n.outputs[0]!);
  const { graph } = rebuild(src, {}, watched);
  const session = await createSession(toOnnx(graph), threads ? { threads } : {});
  try {
    const out = await session.run(feeds);
    const ranges = new Map<string, readonly [number, number]>();
    watched.forEach((v, i) => {
      const data = out[`extra_${i}`]!.data as Float32Array;
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = 0; j < data.length; j++) {
        const x = data[j]!;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      ranges.set(v.name, [lo, hi]);
    });
    return ranges;
  } finally {
    await session.release();
  }
}

/** uint8 asymmetric scale and zero point covering [lo, hi] and 0 (so zero padding stays exact). */
export function uint8Params(lo: number, hi: number): { scale: number; zeroPoint: number } {
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  const scale = max > min ? (max - min) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-min / scale))) };
}

/**
 * Symmetric int8 weights, one scale per slice along `axis` (per-tensor when axis is undefined), in
 * [-(2^(bits-1) - 1), 2^(bits-1) - 1].
 */
export function quantizeWeights(w: Tensor<'float32'>, axis?: number, bits = 8): { q: Tensor<'int8'>; scales: Float32Array } {
  const QMAX = 2 ** (bits - 1) - 1;
  const channels = axis === undefined ? 1 : w.dims[axis]!;
  const inner = axis === undefined ? w.data.length : w.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const chOf = (i: number) => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < w.data.length; i++) maxAbs[chOf(i)] = Math.max(maxAbs[chOf(i)]!, Math.abs(w.data[i]!));
  const scales = maxAbs.map((m) => (m > 0 ? m / QMAX : 1));
  const q = new Int8Array(w.data.length);
  for (let i = 0; i < q.length; i++) q[i] = Math.max(-QMAX, Math.min(QMAX, Math.round(w.data[i]! / scales[chOf(i)]!)));
  return { q: tensor('int8', w.dims, q), scales };
}

export interface Int8Options {
  /**
   * Weight bits. Defaults to 7: onnxruntime's uint8 x int8 kernels on AVX2 without VNNI add pairs
   * of products in int16 and saturate with full 8-bit weights (measured here: 63% output error at
   * 8 bits, 6% at 7); onnxruntime's own quantizer calls this `reduce_range`.
   */
  readonly weightBits?: 7 | 8;
  /**
   * Convs with fewer input or output channels stay float32. Defaults to 8: the RGB-in and RGB-out
   * convs, whose 3 channels onnxruntime's QLinearConv runs many times slower than float Conv
   * (measured: the 16->3 9x9 output conv at 640x480 took 1.1 s in int8 against 0.19 s in float32).
   */
  readonly minChannels?: number;
}

/**
 * Static int8 quantization in the QDQ form: QuantizeLinear/DequantizeLinear pairs around the convs
 * (uint8 activations, per-output-channel symmetric int8 weights, int32 bias), which onnxruntime's
 * graph optimizer fuses into QLinearConv. Other ops stay float32.
 */
export function toInt8Graph(src: Graph, ranges: Ranges, opts: Int8Options = {}): Graph {
  const bits = opts.weightBits ?? 7;
  const minChannels = opts.minChannels ?? 8;
  const quantized = (n: Node) => {
    if (!isConv(n)) return false;
    const cin = n.inputs[0]!.shape[1];
    const cout = n.outputs[0]!.shape[1];
    return typeof cin === 'number' && typeof cout === 'number' && cin >= minChannels && cout >= minChannels;
  };
  const qdq = (dst: Graph, v: Value, name: string): { v: Value; scale: number } => {
    const r = ranges.get(name);
    if (!r) throw new Error(`int8: no calibration range for ${name}`);
    const { scale, zeroPoint } = uint8Params(r[0], r[1]);
    const s = dst.constant(f32([], [scale]), `${name}_scale`);
    const z = dst.constant(tensor('uint8', [], Uint8Array.of(zeroPoint)), `${name}_zp`);
    return { v: dequantizeLinear(quantizeLinear(v, s, z), s, z), scale };
  };
  const param = (n: Node, slot: number): Tensor<'float32'> => {
    const init = src.initializers.get(n.inputs[slot]!.name);
    if (!init || init.tensor.dtype !== 'float32') throw new Error(`int8: ${n.name} input ${slot} must be a float32 initializer`);
    return init.tensor as Tensor<'float32'>;
  };
  return rebuild(src, {
    // Conv weights and biases are quantized in emit; a placeholder avoids copying their float32 data.
    initializer: (_, init, node, slot) => (quantized(node) && slot > 0 ? init.value : undefined),
    emit: (dst, n, inputs) => {
      if (!quantized(n)) return dst.apply(n.def, inputs, n.attrs, n.name);
      const x = qdq(dst, inputs[0]!, n.inputs[0]!.name);
      // Per-output-channel scales for Conv ([out, in, k, k]); ConvTranspose ([in, out, k, k]) per tensor.
      const axis = n.def.type === 'Conv' ? 0 : undefined;
      const { q, scales } = quantizeWeights(param(n, 1), axis, bits);
      const wDims = axis === undefined ? [] : [scales.length];
      const ws = dst.constant(f32(wDims, scales), `${n.name}_w_scale`);
      const wz = dst.constant(tensor('int8', wDims, new Int8Array(scales.length)), `${n.name}_w_zp`);
      const w = dequantizeLinear(dst.constant(q, `${n.name}_w_q`), ws, wz, axis);
      let b: Value | undefined;
      if (n.inputs[2]) {
        const bias = param(n, 2);
        const bScales = Float32Array.from(bias.data, (_, c) => x.scale * scales[scales.length === 1 ? 0 : c]!);
        const bq = Int32Array.from(bias.data, (v, c) => Math.round(v / bScales[c]!));
        b = dequantizeLinear(dst.constant(tensor('int32', bias.dims, bq), `${n.name}_b_q`), dst.constant(f32([bScales.length], bScales), `${n.name}_b_scale`), undefined, 0);
      }
      const [y] = dst.apply(n.def, b ? [x.v, w, b] : [x.v, w], n.attrs, n.name);
      return [qdq(dst, y!, n.outputs[0]!.name).v];
    },
  }).graph;
}
