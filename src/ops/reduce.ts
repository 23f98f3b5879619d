import type { OpDef, Value } from '../graph/graph.js';
import { i64 } from '../graph/tensor.js';
import { expand } from './expand.js';
import { mul } from './elementwise.js';
import { constInts, reshape } from './movement.js';
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
  grad: ({ inputs, outputs, dOutputs }) => {
    const x = inputs[0]!;
    const count = x.dims().reduce((p, d) => p * d, 1) / outputs[0]!.dims().reduce((p, d) => p * d, 1);
    return [mul(spread(dOutputs[0]!, x, outputs[0]!), 1 / count)];
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
  grad: ({ inputs, outputs, dOutputs }) => [spread(dOutputs[0]!, inputs[0]!, outputs[0]!), null],
};

/** ReduceSumSquare (opset 17: axes as an attribute, as ReduceMean): sum of x^2 in one pass. */
export const REDUCE_SUM_SQUARE: OpDef<ReduceAttrs> = {
  type: 'ReduceSumSquare',
  attrKinds: { axes: 'ints', keepdims: 'int' },
  infer: (inputs, a) => {
    const x = req('ReduceSumSquare', inputs, 0);
    return reduced('ReduceSumSquare', x, a.axes ?? x.shape.map((_, i) => i), a.keepdims);
  },
  grad: ({ inputs, outputs, dOutputs }) => [mul(spread(dOutputs[0]!, inputs[0]!, outputs[0]!), mul(inputs[0]!, 2)), null],
};

/** Gradient of a reduction: the output gradient put back with keepdims, then broadcast over the reduced axes. */
function spread(dy: Value, x: Value, y: Value): Value {
  const xd = x.dims();
  const kept = reduced('grad', x, reducedAxes(x, y), 1)[0]!.shape as number[];
  const dk = dy.dims().join(',') === kept.join(',') ? dy : reshape(dy, kept);
  return expand(dk, xd);
}

// The producer node of y knows its axes; recover them from the node (attribute or constant input).
function reducedAxes(x: Value, y: Value): number[] {
  const node = y.producer!;
  const a = node.attrs as ReduceAttrs;
  const axes = node.def.type === 'ReduceSum' ? (node.inputs[1] ? constInts('ReduceSum', node.inputs[1]) : undefined) : a.axes;
  return normAxes(node.def.type, axes ?? x.shape.map((_, i) => i), x.shape.length);
}

/**
 * Sum a broadcast gradient back to the shape of `target` (the adjoint of numpy broadcasting):
 * reduce the leading extra axes and the axes where target has size 1.
 */
export function sumTo(dy: Value, target: Value): Value {
  const t = target.dims();
  const d = dy.dims();
  if (t.join(',') === d.join(',')) return dy;
  const lead = d.length - t.length;
  const axes = d.map((_, i) => i).filter((i) => i < lead || (t[i - lead] === 1 && d[i] !== 1));
  const summed = axes.length ? reduceSum(dy, axes, true) : dy;
  return reshape(summed, t);
}

/** Mean over axes (all when omitted). */
export const reduceMean = (x: Value, axes?: readonly number[], keepdims = false) =>
  x.graph.apply(REDUCE_MEAN, [x], axes ? { axes, keepdims: keepdims ? 1 : 0 } : { keepdims: keepdims ? 1 : 0 })[0]!;

/** Sum over axes (all when omitted). */
export const reduceSum = (x: Value, axes?: readonly number[], keepdims = false) =>
  x.graph.apply(REDUCE_SUM, axes ? [x, x.graph.constant(i64(axes), 'axes')] : [x], { keepdims: keepdims ? 1 : 0 })[0]!;

/** Sum of squares over axes (all when omitted). */
export const reduceSumSquare = (x: Value, axes?: readonly number[], keepdims = false) =>
  x.graph.apply(REDUCE_SUM_SQUARE, [x], axes ? { axes, keepdims: keepdims ? 1 : 0 } : { keepdims: keepdims ? 1 : 0 })[0]!;
