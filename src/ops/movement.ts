import type { Dim, OpDef, Value } from '../graph/graph.js';
import { f32, i64, numel, type DType } from '../graph/tensor.js';
import { normAxes, req } from './infer.js';
import { add } from './elementwise.js';
import { reduceSum } from './reduce.js';
import { shapeOf } from './shape.js';

export type PadMode = 'constant' | 'reflect' | 'edge';

export interface PadAttrs {
  readonly [k: string]: string | undefined;
  readonly mode: PadMode;
}

/** Pad with the pads as a constant int64 input (ONNX layout: all begins, then all ends). */
export const PAD: OpDef<PadAttrs> = {
  type: 'Pad',
  attrKinds: { mode: 'string' },
  infer: (inputs, a) => {
    const x = req('Pad', inputs, 0);
    const pads = constInts('Pad', req('Pad', inputs, 1));
    const r = x.shape.length;
    if (pads.length !== 2 * r) throw new Error(`Pad: ${pads.length} pads for rank ${r}`);
    const shape = x.shape.map((d, i) => {
      if (typeof d !== 'number') return pads[i] === 0 && pads[i + r] === 0 ? d : null;
      if (a.mode === 'reflect' && (pads[i]! >= d || pads[i + r]! >= d)) {
        throw new Error(`Pad: reflect padding ${pads[i]}/${pads[i + r]} needs axis ${i} longer than ${d}`);
      }
      return d + pads[i]! + pads[i + r]!;
    });
    return [{ dtype: x.dtype, shape }];
  },  grad: ({ inputs: [x, p], dOutputs: [dy], attrs }) => [padGrad(dy!, x!.dims(), constInts('Pad', p!), attrs.mode), null],
};

/** Whether a value is a constant initializer (its ints can be read while building). */
export const isConstant = (v: Value): boolean => v.graph.initializers.get(v.name)?.trainable === false;

/** Read the ints of a constant initializer (shape-like inputs must be constants in our graphs). */
export function constInts(op: string, v: Value): number[] {
  const init = v.graph.initializers.get(v.name);
  if (!init || init.trainable) throw new Error(`${op}: ${v.name} must be a constant`);
  return Array.from(init.tensor.data as ArrayLike<number | bigint>, Number);
}

/** Pad spatial dims of an NCHW tensor by [top, left, bottom, right]. */
export function pad2d(x: Value, [t, l, b, r]: readonly number[], mode: PadMode, hint?: string): Value {
  const pads = x.graph.constant(i64([0, 0, t!, l!, 0, 0, b!, r!]), 'pads');
  return x.graph.apply(PAD, [x, pads], { mode }, hint)[0]!;
}

/** Resize in 'nearest' mode with floor rounding and asymmetric coordinates: PyTorch's F.interpolate(mode='nearest'). */
export interface ResizeAttrs {
  readonly [k: string]: string | undefined;
  readonly mode: 'nearest';
  readonly coordinate_transformation_mode: 'asymmetric';
  readonly nearest_mode: 'floor';
}

export const RESIZE: OpDef<ResizeAttrs> = {
  type: 'Resize',
  attrKinds: { mode: 'string', coordinate_transformation_mode: 'string', nearest_mode: 'string' },
  infer: (inputs) => {
    const x = req('Resize', inputs, 0);
    const init = x.graph.initializers.get(req('Resize', inputs, 2).name);
    if (!init) throw new Error('Resize: scales must be a constant');
    const scales = Array.from(init.tensor.data as Float32Array);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (typeof d === 'number' ? Math.floor(d * scales[i]!) : scales[i] === 1 ? d : null)) }];
  },  grad: ({ inputs: [x], outputs: [y], dOutputs: [dy] }) => {
    // Nearest upsampling by integer factors copies each pixel into an f x f block: sum the blocks.
    const [n, c, h, w] = x!.dims() as [number, number, number, number];
    const [yn, yc, yh, yw] = y!.dims() as [number, number, number, number];
    const fh = yh / h;
    const fw = yw / w;
    if (yn !== n || yc !== c || !Number.isInteger(fh) || !Number.isInteger(fw)) {
      throw new Error(`Resize: gradient needs integer spatial scales, got [${x!.dims()}] -> [${y!.dims()}]`);
    }
    return [reshape(reduceSum(reshape(dy!, [n, c, h, fh, w, fw]), [3, 5]), [n, c, h, w]), null, null];
  },
};

export function upsampleNearest(x: Value, factor: number, hint?: string): Value {
  const g = x.graph;
  const roi = g.constant(f32([0], []), 'roi');
  const scales = g.constant(f32([4], [1, 1, factor, factor]), 'scales');
  const attrs: ResizeAttrs = { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
  return g.apply(RESIZE, [x, roi, scales], attrs, hint)[0]!;
}

export interface TransposeAttrs {
  readonly [k: string]: readonly number[] | undefined;
  readonly perm: readonly number[];
}

export const TRANSPOSE: OpDef<TransposeAttrs> = {
  type: 'Transpose',
  attrKinds: { perm: 'ints' },
  infer: (inputs, a) => {
    const x = req('Transpose', inputs, 0);
    if (a.perm.length !== x.shape.length) throw new Error(`Transpose: perm [${a.perm}] for rank ${x.shape.length}`);
    return [{ dtype: x.dtype, shape: a.perm.map((p) => x.shape[p]!) }];
  },  grad: ({ dOutputs: [dy], attrs }) => {
    const inverse = attrs.perm.map((_, i) => attrs.perm.indexOf(i));
    return [transpose(dy!, inverse)];
  },
};

export const transpose = (x: Value, perm: readonly number[]) => x.graph.apply(TRANSPOSE, [x], { perm })[0]!;

/** Reshape to a constant shape (ONNX semantics: 0 copies the input dim, -1 is inferred). */
export const RESHAPE: OpDef = {
  type: 'Reshape',
  attrKinds: {},
  infer: (inputs) => {
    const x = req('Reshape', inputs, 0);
    const target = constInts('Reshape', req('Reshape', inputs, 1));
    const shape: Dim[] = target.map((t, i) => (t === 0 ? x.shape[i]! : t === -1 ? null : t));
    const known = x.shape.every((d) => typeof d === 'number');
    const hole = shape.indexOf(null);
    if (known && hole >= 0) {
      const rest = numel(shape.filter((_, i) => i !== hole) as number[]);
      shape[hole] = numel(x.shape as number[]) / rest;
    }
    if (known && shape.every((d) => typeof d === 'number') && numel(shape as number[]) !== numel(x.shape as number[])) {
      throw new Error(`Reshape: cannot reshape [${x.shape.join(', ')}] to [${target.join(', ')}]`);
    }
    return [{ dtype: x.dtype, shape }];
  },  grad: ({ inputs: [x], dOutputs: [dy] }) => [reshape(dy!, x!.dims()), null],
};

export const reshape = (x: Value, shape: readonly number[]) =>
  x.graph.apply(RESHAPE, [x, x.graph.constant(i64(shape), 'shape')], {})[0]!;

export interface CastAttrs {
  readonly [k: string]: number | undefined;
  readonly to: number;
}

/** ONNX TensorProto.DataType codes for Cast's `to`. */
export const ONNX_DTYPE: Readonly<Record<DType, number>> = Object.freeze({
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10,
});

export const CAST: OpDef<CastAttrs> = {
  type: 'Cast',
  attrKinds: { to: 'int' },
  infer: (inputs, a) => {
    const x = req('Cast', inputs, 0);
    const dtype = (Object.keys(ONNX_DTYPE) as DType[]).find((k) => ONNX_DTYPE[k] === a.to);
    if (!dtype) throw new Error(`Cast: unsupported target type ${a.to}`);
    return [{ dtype, shape: x.shape }];
  },  // Only float-to-float casts carry a gradient.
  grad: ({ inputs: [x], outputs: [y], dOutputs: [dy] }) =>
    [isFloat(x!.dtype) && isFloat(y!.dtype) ? cast(dy!, x!.dtype) : null],
};

export const cast = (x: Value, dtype: DType) => x.graph.apply(CAST, [x], { to: ONNX_DTYPE[dtype] })[0]!;

export interface SliceSpec {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly axes: readonly number[];
  readonly steps?: readonly number[];
}

/** Slice with constant axes and steps; starts and ends constant (slice) or computed at run time (cropTo). Clamped as in the spec. */
export const SLICE: OpDef = {
  type: 'Slice',
  attrKinds: {},
  infer: (inputs) => {
    const x = req('Slice', inputs, 0);
    const axes = constInts('Slice', req('Slice', inputs, 3));
    // Starts and ends computed at run time (cropTo) leave the sliced dims unknown.
    const [starts, ends] = [1, 2].map((i) => (isConstant(req('Slice', inputs, i)) ? constInts('Slice', inputs[i]!) : undefined));
    const steps = inputs[4] ? constInts('Slice', inputs[4]) : axes.map(() => 1);
    const shape = [...x.shape];
    normAxes('Slice', axes, x.shape.length).forEach((ax, j) => {
      const d = x.shape[ax];
      if (typeof d !== 'number' || !starts || !ends) {
        shape[ax] = null;
        return;
      }
      const st = steps[j]!;
      if (st <= 0) throw new Error('Slice: only positive steps are supported');
      const clampI = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      shape[ax] = Math.max(0, Math.ceil((clampI(ends[j]!) - clampI(starts[j]!)) / st));
    });
    return [{ dtype: x.dtype, shape }];
  },  grad: ({ inputs, dOutputs: [dy] }) => [sliceGrad(dy!, inputs), null, null, null, null],
};

export function slice(x: Value, s: SliceSpec): Value {
  const g = x.graph;
  const ins = [x, g.constant(i64(s.starts), 'starts'), g.constant(i64(s.ends), 'ends'), g.constant(i64(s.axes), 'axes')];
  if (s.steps) ins.push(g.constant(i64(s.steps), 'steps'));
  return g.apply(SLICE, ins, {})[0]!;
}

/** Entries `start` .. ends[i] - 1 of x along axes[i], with `ends` (int64, one per axis) known only at run time. */
export function cropTo(x: Value, ends: Value, axes: readonly number[], start = 0): Value {
  const g = x.graph;
  return g.apply(SLICE, [x, g.constant(i64(axes.map(() => start)), 'starts'), ends, g.constant(i64(axes), 'axes')], {})[0]!;
}

export interface ConcatAttrs {
  readonly [k: string]: number | undefined;
  readonly axis: number;
}

export const CONCAT: OpDef<ConcatAttrs> = {
  type: 'Concat',
  attrKinds: { axis: 'int' },
  infer: (inputs, a) => {
    const xs = inputs.map((_, i) => req('Concat', inputs, i));
    const ax = normAxes('Concat', [a.axis], xs[0]!.shape.length)[0]!;
    const shape = [...xs[0]!.shape];
    const dims = xs.map((v) => v.shape[ax]);
    shape[ax] = dims.every((d) => typeof d === 'number') ? (dims as number[]).reduce((p, c) => p + c, 0) : null;
    return [{ dtype: xs[0]!.dtype, shape }];
  },  grad: ({ inputs, dOutputs: [dy], attrs }) => {
    const ax = normAxes('Concat', [attrs.axis], dy!.shape.length)[0]!;
    let start = 0;
    return inputs.map((v) => {
      const len = v!.dims()[ax]!;
      start += len;
      return slice(dy!, { starts: [start - len], ends: [start], axes: [ax] });
    });
  },
};

export const concat = (xs: readonly Value[], axis: number) => xs[0]!.graph.apply(CONCAT, xs, { axis })[0]!;

// ---- Gradient helpers ----

const isFloat = (d: DType) => d === 'float32' || d === 'float16';

/** Zero-pad one axis (a building block of the gradients of Pad and Slice). */
function padAxis(x: Value, axis: number, before: number, after: number): Value {
  if (before === 0 && after === 0) return x;
  const r = x.shape.length;
  const pads = new Array<number>(2 * r).fill(0);
  pads[axis] = before;
  pads[axis + r] = after;
  return x.graph.apply(PAD, [x, x.graph.constant(i64(pads), 'pads')], { mode: 'constant' as PadMode })[0]!;
}

const rows = (x: Value, axis: number, start: number, end: number) => slice(x, { starts: [start], ends: [end], axes: [axis] });

/** Rows [start, end) of one axis in reverse order, as a concat of single rows (Slice with negative steps is avoided). */
function reversedRows(x: Value, axis: number, start: number, end: number): Value {
  const parts: Value[] = [];
  for (let i = end - 1; i >= start; i--) parts.push(rows(x, axis, i, i + 1));
  return parts.length === 1 ? parts[0]! : concat(parts, axis);
}

/**
 * Adjoint of Pad, one axis at a time: keep the centre and fold each padded strip back onto the input
 * rows it was copied from (mirrored for 'reflect', summed onto the border row for 'edge').
 */
export function padGrad(dy: Value, xDims: readonly number[], pads: readonly number[], mode: PadMode): Value {
  const r = xDims.length;
  let g = dy;
  for (let ax = 0; ax < r; ax++) {
    const [b, e, len] = [pads[ax]!, pads[ax + r]!, xDims[ax]!];
    if (b < 0 || e < 0) throw new Error(`Pad: gradient with negative pads [${pads}] is not supported`);
    if (b === 0 && e === 0) continue;
    if (mode === 'reflect' && b + e + 2 <= len) {
      g = reflectFold(g, ax, b, e, len);
      continue;
    }
    let centre = rows(g, ax, b, b + len);
    if (mode === 'reflect') {
      // Pad row b-1-k copies input row k+1; pad row b+len+k copies input row len-2-k.
      if (b > 0) centre = add(centre, padAxis(reversedRows(g, ax, 0, b), ax, 1, len - 1 - b));
      if (e > 0) centre = add(centre, padAxis(reversedRows(g, ax, b + len, b + len + e), ax, len - 1 - e, 1));
    } else if (mode === 'edge') {
      if (b > 0) centre = add(centre, padAxis(reduceSum(rows(g, ax, 0, b), [ax], true), ax, 0, len - 1));
      if (e > 0) centre = add(centre, padAxis(reduceSum(rows(g, ax, b + len, b + len + e), [ax], true), ax, len - 1, 0));
    }
    g = centre;
  }
  return g;
}

/**
 * Reflect-pad adjoint on one axis when the two folded strips do not overlap (b + e + 2 <= len): only
 * input rows 1..b and len-1-e..len-2 receive pad rows, so add the mirrored strips to those thin slices
 * and concatenate them with the untouched rows: two full-size passes (middle slice, concat) instead of
 * zero-padding each strip to full size and adding it.
 */
function reflectFold(g: Value, ax: number, b: number, e: number, len: number): Value {
  const parts: Value[] = [];
  const keep = (start: number, end: number) => {
    if (end > start) parts.push(rows(g, ax, b + start, b + end));
  };
  keep(0, 1);
  if (b > 0) parts.push(add(rows(g, ax, b + 1, b + 1 + b), reversedRows(g, ax, 0, b)));
  keep(1 + b, len - 1 - e);
  if (e > 0) parts.push(add(rows(g, ax, b + len - 1 - e, b + len - 1), reversedRows(g, ax, b + len, b + len + e)));
  keep(len - 1, len);
  return parts.length === 1 ? parts[0]! : concat(parts, ax);
}

/** Adjoint of a unit-step Slice: zero-pad the gradient back to the input's extent. */
function sliceGrad(dy: Value, inputs: readonly (Value | undefined)[]): Value {
  const x = inputs[0]!;
  const dims = x.dims();
  const [starts, ends, axes] = [1, 2, 3].map((i) => constInts('Slice', inputs[i]!));
  const steps = inputs[4] ? constInts('Slice', inputs[4]) : axes!.map(() => 1);
  if (steps.some((s) => s !== 1)) throw new Error(`Slice: gradient with steps [${steps}] is not supported`);
  let g = dy;
  normAxes('Slice', axes!, dims.length).forEach((ax, j) => {
    const d = dims[ax]!;
    const clampI = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    const s = clampI(starts![j]!);
    const e = Math.max(s, clampI(ends![j]!));
    g = padAxis(g, ax, s, d - e);
  });
  return g;
}

// ---- Space <-> depth (standard ONNX; inference only: no gradient rules) ----

const DEPTH_TO_SPACE: OpDef<{ readonly blocksize: number; readonly mode: string }> = {
  type: 'DepthToSpace',
  attrKinds: { blocksize: 'int', mode: 'string' },
  infer: ([x], a) => {
    const [n, c, h, w] = x!.shape;
    const b = a.blocksize;
    const up = (d: typeof h) => (typeof d === 'number' ? d * b : null);
    return [{ dtype: x!.dtype, shape: [n!, typeof c === 'number' ? c / (b * b) : null, up(h), up(w)] }];
  },
};

const SPACE_TO_DEPTH: OpDef<{ readonly blocksize: number }> = {
  type: 'SpaceToDepth',
  attrKinds: { blocksize: 'int' },
  infer: ([x], a) => {
    const [n, c, h, w] = x!.shape;
    const b = a.blocksize;
    for (const d of [h, w]) if (typeof d === 'number' && d % b) throw new Error(`SpaceToDepth: spatial size ${d} is not a multiple of ${b}`);
    const down = (d: typeof h) => (typeof d === 'number' ? d / b : null);
    return [{ dtype: x!.dtype, shape: [n!, typeof c === 'number' ? c * b * b : null, down(h), down(w)] }];
  },
};

/** Phase tensor -> full resolution: channel 4c + 2i + j goes to pixel (2h + i, 2w + j) of channel c (mode CRD). */
export const depthToSpace = (x: Value): Value => x.graph.apply(DEPTH_TO_SPACE, [x], { blocksize: 2, mode: 'CRD' })[0]!;

/** Full resolution -> phase tensor in ONNX SpaceToDepth's order: pixel (2h + i, 2w + j) of channel c goes to channel (2i + j) C + c. */
export const spaceToDepth = (x: Value): Value => x.graph.apply(SPACE_TO_DEPTH, [x], { blocksize: 2 })[0]!;

/** Reshape x to ref's runtime shape (symbolic dims stay symbolic). */
export function reshapeLike(x: Value, ref: Value): Value {
  const shape = shapeOf(ref);
  const def: OpDef = { type: 'Reshape', attrKinds: {}, infer: () => [{ dtype: x.dtype, shape: ref.shape }] };
  return x.graph.apply(def, [x, shape], {})[0]!;
}
