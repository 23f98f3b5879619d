import type { OpDef, Value } from '../graph/graph.js';
import { equal, mul } from './elementwise.js';
import { req, windowOut } from './infer.js';
import { cast, pad2d, slice, upsampleNearest } from './movement.js';

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
  grad: ({ inputs: [x], outputs: [y], dOutputs: [dy], attrs: a }) => {
    // Non-overlapping square windows (VGG's 2x2/2): route each window's gradient to the element(s)
    // equal to its max (a 0/1 mask from Equal: fewer passes than 1 - sign(max - x), and onnxruntime
    // does not vectorize Sign). Exact ties share the gradient (PyTorch picks one); after a ReLU they
    // are zeros whose gradient the ReLU stops.
    const [k, k2] = a.kernel_shape;
    const s = a.strides ?? [1, 1];
    if (k !== k2 || s[0] !== k || s[1] !== k || (a.pads ?? []).some((p) => p !== 0)) {
      throw new Error(`MaxPool: gradient needs square non-overlapping windows without pads, got kernel [${a.kernel_shape}] strides [${s}]`);
    }
    const [h, w] = x!.dims().slice(2) as [number, number];
    const [p, q] = y!.dims().slice(2) as [number, number];
    const covered = p * k! === h && q * k! === w ? x! : slice(x!, { starts: [0, 0], ends: [p * k!, q * k!], axes: [2, 3] });
    const mask = cast(equal(upsampleNearest(y!, k!), covered), 'float32');
    const dx = mul(upsampleNearest(dy!, k!), mask);
    return [p * k! === h && q * k! === w ? dx : pad2d(dx, [0, 0, h - p * k!, w - q * k!], 'constant')];
  },
};

export const maxPool = (x: Value, attrs: MaxPoolAttrs) => x.graph.apply(MAX_POOL, [x], attrs)[0]!;

