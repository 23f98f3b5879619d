import type { OpDef, Value } from '../graph/graph.js';
import { add, div, mul, sqrt, sub } from './elementwise.js';
import { req, same } from './infer.js';
import { reshape } from './movement.js';
import { reduceMean, reduceSum, reduceSumSquare } from './reduce.js';

export interface InstanceNormAttrs {
  readonly [k: string]: number | undefined;
  readonly epsilon: number;
}

/** ONNX InstanceNormalization: per-sample, per-channel normalization with biased variance (Ulyanov et al. 2016). */
export const INSTANCE_NORM: OpDef<InstanceNormAttrs> = {
  type: 'InstanceNormalization',
  attrKinds: { epsilon: 'float' },
  infer: (inputs) => {
    const x = req('InstanceNormalization', inputs, 0);
    for (const i of [1, 2]) {
      const p = req('InstanceNormalization', inputs, i);
      if (p.shape.length !== 1 || (typeof x.shape[1] === 'number' && p.shape[0] !== x.shape[1])) {
        throw new Error(`InstanceNormalization: ${i === 1 ? 'scale' : 'bias'} [${p.shape.join(', ')}] does not match ${x.shape[1]} channels`);
      }
    }
    return [same(x)];
  },
  grad: ({ inputs: [x, scale], dOutputs: [dy], attrs }) => {
    // With xc = x - mean(x), rstd = 1/sqrt(mean(xc^2) + eps), a = scale * rstd and means over H, W:
    // dx = a * (dy - mean(dy) - xc * rstd^2 * mean(dy * xc)). xhat = xc * rstd is never formed and the
    // parameter gradients come from the per-(n, c) means, so the full-size passes are: xc, xc^2 (in
    // ReduceSumSquare), dy * xc, and four for dx.
    const [, c, h, w] = x!.dims() as [number, number, number, number];
    const hw = h * w;
    const xc = sub(x!, reduceMean(x!, [2, 3], true));
    const rstd = div(1, sqrt(add(div(reduceSumSquare(xc, [2, 3], true), hw), attrs.epsilon)));
    const mDy = reduceMean(dy!, [2, 3], true);
    const mDyXhat = mul(reduceMean(mul(dy!, xc), [2, 3], true), rstd);
    const a = mul(reshape(scale!, [1, c, 1, 1]), rstd);
    const dx = mul(sub(sub(dy!, mDy), mul(xc, mul(mDyXhat, rstd))), a);
    const perChannel = (m: Value) => reshape(reduceSum(m, [0]), [c]);
    return [dx, mul(perChannel(mDyXhat), hw), mul(perChannel(mDy), hw)];
  },
};

export function instanceNorm(x: Value, scale: Value, bias: Value, epsilon: number, hint?: string): Value {
  return x.graph.apply(INSTANCE_NORM, [x, scale, bias], { epsilon }, hint)[0]!;
}
