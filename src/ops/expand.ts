import type { OpDef, Value } from '../graph/graph.js';
import { i64 } from '../graph/tensor.js';
import { broadcast, req } from './infer.js';
import { constInts } from './movement.js';
import { sumTo } from './reduce.js';

/** ONNX Expand with a constant target shape: numpy broadcasting of x to that shape. */
export const EXPAND: OpDef = {
  type: 'Expand',
  attrKinds: {},
  infer: (inputs) => {
    const x = req('Expand', inputs, 0);
    const shape = constInts('Expand', req('Expand', inputs, 1));
    return [{ dtype: x.dtype, shape: broadcast('Expand', x.shape, shape) }];
  },
  grad: ({ inputs, dOutputs }) => [sumTo(dOutputs[0]!, inputs[0]!), null],
};

export const expand = (x: Value, dims: readonly number[]) => x.graph.apply(EXPAND, [x, x.graph.constant(i64(dims), 'shape')], {})[0]!;
