import type { OpDef, Value } from '../graph/graph.js';
import { f32 } from '../graph/tensor.js';
import { normAxes, req } from './infer.js';

export interface AxisAttrs {
  readonly [k: string]: number | undefined;
  readonly axis: number;
}

export interface ScatterAttrs {
  readonly [k: string]: number | string | undefined;
  readonly axis: number;
  readonly reduction: 'add';
}

function checkIndices(op: string, data: Value, indices: Value): void {
  if (indices.dtype !== 'int64') throw new Error(`${op}: indices must be int64, got ${indices.dtype}`);
  if (indices.shape.length !== data.shape.length) throw new Error(`${op}: indices have rank ${indices.shape.length}, data ${data.shape.length}`);
}

/**
 * ScatterElements with reduction 'add': data plus updates summed into the indexed places (repeated
 * indices accumulate). Used as the adjoint of GatherElements; it needs no gradient of its own here.
 */
export const SCATTER_ELEMENTS: OpDef<ScatterAttrs> = {
  type: 'ScatterElements',
  attrKinds: { axis: 'int', reduction: 'string' },
  infer: (inputs) => {
    const data = req('ScatterElements', inputs, 0);
    checkIndices('ScatterElements', data, req('ScatterElements', inputs, 1));
    return [{ dtype: data.dtype, shape: data.shape }];
  },
};

/**
 * GatherElements: out[..i..] = data[..indices[..i..]..] along one axis; the output has the indices'
 * shape. Its gradient scatters (adds) dy back to where each element came from, so any fixed
 * resampling (a warp with bilinear taps) is differentiable with respect to the image it samples.
 */
export const GATHER_ELEMENTS: OpDef<AxisAttrs> = {
  type: 'GatherElements',
  attrKinds: { axis: 'int' },
  infer: (inputs, a) => {
    const data = req('GatherElements', inputs, 0);
    const indices = req('GatherElements', inputs, 1);
    checkIndices('GatherElements', data, indices);
    normAxes('GatherElements', [a.axis], data.shape.length);
    return [{ dtype: data.dtype, shape: indices.shape }];
  },
  grad: ({ inputs: [data, indices], dOutputs: [dy], attrs }) => {
    const zeros = data!.graph.constant(f32(data!.dims()), 'zeros');
    const dx = data!.graph.apply(SCATTER_ELEMENTS, [zeros, indices!, dy!], { axis: attrs.axis, reduction: 'add' as const })[0]!;
    return [dx, null];
  },
};

export const gatherElements = (data: Value, indices: Value, axis: number) =>
  data.graph.apply(GATHER_ELEMENTS, [data, indices], { axis })[0]!;
