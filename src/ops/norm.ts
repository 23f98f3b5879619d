import type { OpDef, Value } from '../graph/graph.js';
import { add, div, mul, sqrt, sub } from './elementwise.js';
import { req, same } from './infer.js';
import { reshape } from './movement.js';
import { reduceMean, reduceSum } from './reduce.js';

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
    // Recompute xhat = (x - mean) * rstd per (n, c); then, with means over H, W:
    // dx = scale * rstd * (dy - mean(dy) - xhat * mean(dy * xhat)).
    const c = x!.dims()[1]!;
    const xc = sub(x!, reduceMean(x!, [2, 3], true));
    const rstd = div(1, sqrt(add(reduceMean(mul(xc, xc), [2, 3], true), attrs.epsilon)));
    const xhat = mul(xc, rstd);
    const dyXhat = mul(dy!, xhat);
    const a = mul(reshape(scale!, [1, c, 1, 1]), rstd);
    const dx = sub(mul(dy!, a), add(mul(reduceMean(dy!, [2, 3], true), a), mul(xhat, mul(reduceMean(dyXhat, [2, 3], true), a))));
    return [dx, reduceSum(dyXhat, [0, 2, 3]), reduceSum(dy!, [0, 2, 3])];
  },
};

export function instanceNorm(x: Value, scale: Value, bias: Value, epsilon: number, hint?: string): Value {
  return x.graph.apply(INSTANCE_NORM, [x, scale, bias], { epsilon }, hint)[0]!;
}
