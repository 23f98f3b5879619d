/**
 * Ops over run-time shapes and indices, so that one graph serves every input size (the pixel I/O
 * wrapper pads frames to the network's stride grid and crops them back in-graph). Inference only:
 * none has a gradient rule.
 */
import type { OpDef, Value } from '../graph/graph.js';
import { normAxes, req } from './infer.js';
import type { AxisAttrs } from './gather.js';

export const SHAPE: OpDef = { type: 'Shape', attrKinds: {}, infer: ([x]) => [{ dtype: 'int64', shape: [x!.shape.length] }] };

/** The run-time shape of x as an int64 vector. */
export const shapeOf = (x: Value) => x.graph.apply(SHAPE, [x], {})[0]!;

/** Gather: whole slices of `data` along `axis`, picked by int64 indices (a scalar index drops the axis). */
export const GATHER: OpDef<AxisAttrs> = {
  type: 'Gather',
  attrKinds: { axis: 'int' },
  infer: (inputs, a) => {
    const data = req('Gather', inputs, 0);
    const indices = req('Gather', inputs, 1);
    if (indices.dtype !== 'int64') throw new Error(`Gather: indices must be int64, got ${indices.dtype}`);
    const [ax] = normAxes('Gather', [a.axis], data.shape.length);
    return [{ dtype: data.dtype, shape: [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax! + 1)] }];
  },
};

export const gather = (data: Value, indices: Value, axis: number) => data.graph.apply(GATHER, [data, indices], { axis })[0]!;

/** Range(start, limit, delta) of three scalars: start, start + delta, ... up to but excluding limit. */
export const RANGE: OpDef = {
  type: 'Range',
  attrKinds: {},
  infer: (inputs) => {
    const parts = [0, 1, 2].map((i) => req('Range', inputs, i));
    if (parts.some((v) => v.shape.length !== 0 || v.dtype !== parts[0]!.dtype)) throw new Error('Range: start, limit and delta must be scalars of one dtype');
    return [{ dtype: parts[0]!.dtype, shape: [null] }];
  },
};

export const range = (start: Value, limit: Value, delta: Value) => start.graph.apply(RANGE, [start, limit, delta], {})[0]!;
