import type { Dim, OpDef, Value } from '../graph/graph.js';
import { f32, i64, numel, type DType } from '../graph/tensor.js';
import { normAxes, req } from './infer.js';

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
  },
};

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
      const rest = numel(shape.filter((d, i) => i !== hole) as number[]);
      shape[hole] = numel(x.shape as number[]) / rest;
    }
    if (known && shape.every((d) => typeof d === 'number') && numel(shape as number[]) !== numel(x.shape as number[])) {
      throw new Error(`Reshape: cannot reshape [${x.shape.join(', ')}] to [${target.join(', ')}]`);
    }
    return [{ dtype: x.dtype, shape }];
  },
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
  },
};

export const cast = (x: Value, dtype: DType) => x.graph.apply(CAST, [x], { to: ONNX_DTYPE[dtype] })[0]!;

export interface SliceSpec {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly axes: readonly number[];
  readonly steps?: readonly number[];
}

/** Slice with constant starts/ends/axes/steps (clamped as in the spec). */
export const SLICE: OpDef = {
  type: 'Slice',
  attrKinds: {},
  infer: (inputs) => {
    const x = req('Slice', inputs, 0);
    const [starts, ends, axes] = [1, 2, 3].map((i) => constInts('Slice', req('Slice', inputs, i)));
    const steps = inputs[4] ? constInts('Slice', inputs[4]) : axes!.map(() => 1);
    const shape = [...x.shape];
    normAxes('Slice', axes!, x.shape.length).forEach((ax, j) => {
      const d = x.shape[ax];
      if (typeof d !== 'number') {
        shape[ax] = null;
        return;
      }
      const st = steps[j]!;
      if (st <= 0) throw new Error('Slice: only positive steps are supported');
      const clampI = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      shape[ax] = Math.max(0, Math.ceil((clampI(ends![j]!) - clampI(starts![j]!)) / st));
    });
    return [{ dtype: x.dtype, shape }];
  },
};

export function slice(x: Value, s: SliceSpec): Value {
  const g = x.graph;
  const ins = [x, g.constant(i64(s.starts), 'starts'), g.constant(i64(s.ends), 'ends'), g.constant(i64(s.axes), 'axes')];
  if (s.steps) ins.push(g.constant(i64(s.steps), 'steps'));
  return g.apply(SLICE, ins, {})[0]!;
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
  },
};

export const concat = (xs: readonly Value[], axis: number) => xs[0]!.graph.apply(CONCAT, xs, { axis })[0]!;
