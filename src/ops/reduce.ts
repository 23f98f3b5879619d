import type { OpDef, Value } from '../graph/graph.js';
import { i64 } from '../graph/tensor.js';
import { constInts } from './movement.js';
import { normAxes, req } from './infer.js';

export interface ReduceAttrs {
  readonly [k: string]: number | readonly number[] | undefined;
  readonly keepdims: number;
  /** ReduceMean (opset 17) takes axes as an attribute. */
  readonly axes?: readonly number[];
}

function reduced(op: string, x: Value, axes: readonly number[], keepdims: number) {
  const r = normAxes(op, axes, x.shape.length);
  const shape = keepdims ? x.shape.map((d, i) => (r.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !r.includes(i));
  return [{ dtype: x.dtype, shape }];
}

export const REDUCE_MEAN: OpDef<ReduceAttrs> = {
  type: 'ReduceMean',
  attrKinds: { axes: 'ints', keepdims: 'int' },
  infer: (inputs, a) => {
    const x = req('ReduceMean', inputs, 0);
    return reduced('ReduceMean', x, a.axes ?? x.shape.map((_, i) => i), a.keepdims);
  },
};

/** ReduceSum (opset 13+) takes axes as a constant int64 input. */
export const REDUCE_SUM: OpDef<ReduceAttrs> = {
  type: 'ReduceSum',
  attrKinds: { keepdims: 'int' },
  infer: (inputs, a) => {
    const x = req('ReduceSum', inputs, 0);
    const axes = inputs[1] ? constInts('ReduceSum', inputs[1]) : x.shape.map((_, i) => i);
    return reduced('ReduceSum', x, axes, a.keepdims);
  },
};

/** Mean over axes (all when omitted). */
export const reduceMean = (x: Value, axes?: readonly number[], keepdims = false) =>
  x.graph.apply(REDUCE_MEAN, [x], axes ? { axes, keepdims: keepdims ? 1 : 0 } : { keepdims: keepdims ? 1 : 0 })[0]!;

/** Sum over axes (all when omitted). */
export const reduceSum = (x: Value, axes?: readonly number[], keepdims = false) =>
  x.graph.apply(REDUCE_SUM, axes ? [x, x.graph.constant(i64(axes), 'axes')] : [x], { keepdims: keepdims ? 1 : 0 })[0]!;
