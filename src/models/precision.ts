import { Graph, type Initializer, type Node, type Value } from '../graph/graph.js';
import { f32, tensor, type Tensor } from '../graph/tensor.js';
import { cast } from '../ops/movement.js';
import { dequantizeLinear, quantizeLinear } from '../ops/quant.js';

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

/** Exact inverse of {@link toFloat16} on its range: every float16 is a float32. */
export function fromFloat16(t: Tensor<'float16'>): Tensor<'float32'> {
  return f32(t.dims, Float32Array.from(t.data, float16Value));
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

/** Activation [min, max] by value name in the float32 graph: what static quantization needs. */
export type Ranges = ReadonlyMap<string, readonly [number, number]>;

/**
 * `src` with every conv's input and output also fetched, as outputs named `watched[i].output`
 * (`extra_<i>`): one run gives what {@link toInt8Graph} needs ranges for, keyed by `watched[i].name`.
 */
export function withConvActivations(src: Graph): { graph: Graph; watched: { readonly name: string; readonly output: string }[] } {
  const values: Value[] = [];
  for (const n of src.nodes) if (isConv(n)) values.push(n.inputs[0]!, n.outputs[0]!);
  const { graph } = rebuild(src, {}, values);
  return { graph, watched: values.map((v, i) => ({ name: v.name, output: `extra_${i}` })) };
}

/**
 * Names of the constants {@link toInt8Graph} stores for a quantized conv parameter `param` (its
 * initializer name in the float32 graph, e.g. 'conv2.conv2d.weight'): the integers (int8 weight or
 * int32 bias), their float32 scale (one per output channel, or a scalar) and, for weights, the int8
 * zero point (always 0: symmetric). Deriving them from the parameter name is the contract that lets
 * a model file map them back to its parameters ({@link dequantize}).
 */
export const quantizedNames = (param: string) => ({ q: `${param}_q`, scale: `${param}_scale`, zeroPoint: `${param}_zp` }) as const;

/**
 * float32 values of an int8/int32 tensor quantized per tensor (one scale) or per slice along axis 0
 * (one scale per slice): (q - zeroPoint) * scale, as ONNX DequantizeLinear computes.
 */
export function dequantize(q: Tensor<'int8' | 'int32'>, scale: Tensor<'float32'>, zeroPoint?: Tensor<'int8'>): Tensor<'float32'> {
  const channels = scale.data.length;
  if (channels !== 1 && channels !== q.dims[0]) throw new Error(`dequantize: ${channels} scales for dims [${q.dims.join(', ')}]`);
  if (zeroPoint && zeroPoint.data.length !== channels) throw new Error(`dequantize: ${zeroPoint.data.length} zero points for ${channels} scales`);
  const inner = channels === 1 ? q.data.length : q.data.length / channels;
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / inner);
    out[i] = (q.data[i]! - (zeroPoint?.data[c] ?? 0)) * scale.data[c]!;
  }
  return f32(q.dims, out);
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

const INT32_MAX = 2 ** 31 - 1;

export const INT8_DEFAULTS: Required<Int8Options> = Object.freeze({ weightBits: 7, minChannels: 8 });

/**
 * Static int8 quantization in the QDQ form: QuantizeLinear/DequantizeLinear pairs around the convs
 * (uint8 activations, per-output-channel symmetric int8 weights, int32 bias), which onnxruntime's
 * graph optimizer fuses into QLinearConv. Other ops stay float32. The integer weights and biases are
 * stored under {@link quantizedNames} of their float32 initializer; everything else keeps its name.
 */
export function toInt8Graph(src: Graph, ranges: Ranges, opts: Int8Options = {}): Graph {
  const bits = opts.weightBits ?? INT8_DEFAULTS.weightBits;
  const minChannels = opts.minChannels ?? INT8_DEFAULTS.minChannels;
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
  // Exact names (not uniquified) so a model file can find each parameter's integers again.
  const named = (dst: Graph, t: Tensor, name: string): Value => {
    const v = dst.constant(t, name);
    if (v.name !== name) throw new Error(`int8: constant name '${name}' is taken (is a weight shared by two convs?)`);
    return v;
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
      const wn = quantizedNames(n.inputs[1]!.name);
      const ws = named(dst, f32(wDims, scales), wn.scale);
      const wz = named(dst, tensor('int8', wDims, new Int8Array(scales.length)), wn.zeroPoint);
      const w = dequantizeLinear(named(dst, q, wn.q), ws, wz, axis);
      let b: Value | undefined;
      if (n.inputs[2]) {
        // The bias is added to the int32 accumulator, so its scale is input scale x weight scale.
        const bias = param(n, 2);
        const bn = quantizedNames(n.inputs[2].name);
        const bScales = Float32Array.from(bias.data, (_, c) => x.scale * scales[scales.length === 1 ? 0 : c]!);
        const bq = Int32Array.from(bias.data, (v, c) => Math.max(-INT32_MAX, Math.min(INT32_MAX, Math.round(v / bScales[c]!))));
        b = dequantizeLinear(named(dst, tensor('int32', bias.dims, bq), bn.q), named(dst, f32([bScales.length], bScales), bn.scale), undefined, 0);
      }
      const [y] = dst.apply(n.def, b ? [x.v, w, b] : [x.v, w], n.attrs, n.name);
      return [qdq(dst, y!, n.outputs[0]!.name).v];
    },
  }).graph;
}
