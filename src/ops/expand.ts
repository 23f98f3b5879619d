import type { OpDef, Value } from '../graph/graph.js';
import { i64 } from '../graph/tensor.js';
import { broadcast, req } from './infer.js';
import { constInts, isConstant } from './movement.js';
import { sumTo } from './reduce.js';

/** ONNX Expand: numpy broadcasting of x to a target shape, constant (expand) or computed at run time (expandTo). */
export const EXPAND: OpDef = {
  type: 'Expand',
  attrKinds: {},
  infer: (inputs) => {
    const x = req('Expand', inputs, 0);
    const target = req('Expand', inputs, 1);
    const rank = target.shape[0];
    if (typeof rank !== 'number') throw new Error('Expand: the target shape needs a known length');
    const shape = isConstant(target) ? constInts('Expand', target) : new Array<null>(rank).fill(null);
    return [{ dtype: x.dtype, shape: broadcast('Expand', x.shape, shape) }];
  },
  grad: ({ inputs, dOutputs }) => [sumTo(dOutputs[0]!, inputs[0]!), null],
};

export const expand = (x: Value, dims: readonly number[]) => x.graph.apply(EXPAND, [x, x.graph.constant(i64(dims), 'shape')], {})[0]!;

/** Broadcast x to a shape computed at run time (an int64 vector). */
export const expandTo = (x: Value, shape: Value) => x.graph.apply(EXPAND, [x, shape], {})[0]!;
