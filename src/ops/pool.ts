import type { OpDef, Value } from '../graph/graph.js';
import { req, windowOut } from './infer.js';

export interface MaxPoolAttrs {
  readonly [k: string]: readonly number[] | undefined;
  readonly kernel_shape: readonly number[];
  readonly strides?: readonly number[];
  readonly pads?: readonly number[];
}

export const MAX_POOL: OpDef<MaxPoolAttrs> = {
  type: 'MaxPool',
  attrKinds: { kernel_shape: 'ints', strides: 'ints', pads: 'ints' },
  infer: (inputs, a) => {
    const x = req('MaxPool', inputs, 0);
    const s = a.strides ?? [1, 1];
    const p = a.pads ?? [0, 0, 0, 0];
    const spatial = [0, 1].map((i) => windowOut(x.shape[2 + i]!, a.kernel_shape[i]!, s[i]!, p[i]! + p[i + 2]!));
    return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...spatial] }];
  },
};

export const maxPool = (x: Value, attrs: MaxPoolAttrs) => x.graph.apply(MAX_POOL, [x], attrs)[0]!;
