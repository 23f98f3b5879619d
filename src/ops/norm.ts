import type { OpDef, Value } from '../graph/graph.js';
import { req, same } from './infer.js';

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
};

export function instanceNorm(x: Value, scale: Value, bias: Value, epsilon: number, hint?: string): Value {
  return x.graph.apply(INSTANCE_NORM, [x, scale, bias], { epsilon }, hint)[0]!;
}
