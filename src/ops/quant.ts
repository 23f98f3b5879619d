import type { OpDef, Value } from '../graph/graph.js';
import { req } from './infer.js';

/** Attributes of QuantizeLinear / DequantizeLinear (spec names): the per-channel axis. */
export interface QuantAttrs {
  readonly [k: string]: number | undefined;
  readonly axis?: number;
}

/**
 * ONNX QuantizeLinear: y = saturate(round(x / scale) + zero_point); the output type is the zero
 * point's (uint8 or int8). No gradient: quantized graphs are built for inference only.
 */
export const QUANTIZE_LINEAR: OpDef<QuantAttrs> = {
  type: 'QuantizeLinear',
  attrKinds: { axis: 'int' },
  infer: (inputs) => {
    const x = req('QuantizeLinear', inputs, 0);
    req('QuantizeLinear', inputs, 1);
    const zp = req('QuantizeLinear', inputs, 2);
    if (zp.dtype !== 'uint8' && zp.dtype !== 'int8') throw new Error(`QuantizeLinear: zero point must be uint8 or int8, got ${zp.dtype}`);
    return [{ dtype: zp.dtype, shape: x.shape }];
  },
};

/** ONNX DequantizeLinear: y = (x - zero_point) * scale, in the scale's float type. */
export const DEQUANTIZE_LINEAR: OpDef<QuantAttrs> = {
  type: 'DequantizeLinear',
  attrKinds: { axis: 'int' },
  infer: (inputs) => {
    const x = req('DequantizeLinear', inputs, 0);
    const scale = req('DequantizeLinear', inputs, 1);
    if (!['uint8', 'int8', 'int32'].includes(x.dtype)) throw new Error(`DequantizeLinear: input must be uint8, int8 or int32, got ${x.dtype}`);
    return [{ dtype: scale.dtype, shape: x.shape }];
  },
};

export function quantizeLinear(x: Value, scale: Value, zeroPoint: Value, axis?: number, hint?: string): Value {
  return x.graph.apply(QUANTIZE_LINEAR, [x, scale, zeroPoint], axis === undefined ? {} : { axis }, hint)[0]!;
}

export function dequantizeLinear(x: Value, scale: Value, zeroPoint: Value | undefined, axis?: number, hint?: string): Value {
  return x.graph.apply(DEQUANTIZE_LINEAR, zeroPoint ? [x, scale, zeroPoint] : [x, scale], axis === undefined ? {} : { axis }, hint)[0]!;
}
