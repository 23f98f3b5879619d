import type { Dim, OpDef, Value } from '../graph/graph.js';
import { req, windowOut } from './infer.js';

/** Attributes of ONNX Conv (spec names). `pads` is [top, left, bottom, right]. */
export interface ConvAttrs {
  readonly [k: string]: number | string | readonly number[] | undefined;
  readonly strides?: readonly number[];
  readonly pads?: readonly number[];
  readonly dilations?: readonly number[];
  readonly group?: number;
  /** 'SAME_UPPER' reproduces TensorFlow's 'SAME' (the extra pad goes bottom/right). */
  readonly auto_pad?: 'NOTSET' | 'SAME_UPPER' | 'VALID';
  readonly kernel_shape?: readonly number[];
}

export interface ConvTransposeAttrs extends ConvAttrs {
  readonly output_padding?: readonly number[];
}

const CONV_KINDS = { strides: 'ints', pads: 'ints', dilations: 'ints', group: 'int', auto_pad: 'string', kernel_shape: 'ints' } as const;

function checkWeights(op: string, x: Value, w: Value, cinAxis: number, group: number) {
  if (x.shape.length !== 4 || w.shape.length !== 4) {
    throw new Error(`${op}: expects 4-D input and weights, got [${x.shape.join(', ')}] and [${w.shape.join(', ')}]`);
  }
  const cin = x.shape[1];
  const wcin = w.shape[cinAxis];
  const expected = cinAxis === 1 && typeof wcin === 'number' ? wcin * group : wcin;
  if (typeof cin === 'number' && typeof expected === 'number' && cin !== expected) {
    throw new Error(`${op}: input has ${cin} channels but weights [${w.shape.join(', ')}] expect ${expected}`);
  }
}

export const CONV: OpDef<ConvAttrs> = {
  type: 'Conv',
  attrKinds: CONV_KINDS,
  infer: (inputs, a) => {
    const x = req('Conv', inputs, 0);
    const w = req('Conv', inputs, 1);
    checkWeights('Conv', x, w, 1, a.group ?? 1);
    const [kh, kw] = w.dims().slice(2) as [number, number];
    const s = a.strides ?? [1, 1];
    const d = a.dilations ?? [1, 1];
    const p = a.pads ?? [0, 0, 0, 0];
    const spatial: Dim[] = [0, 1].map((i) => {
      const dim = x.shape[2 + i]!;
      if (a.auto_pad === 'SAME_UPPER') return typeof dim === 'number' ? Math.ceil(dim / s[i]!) : s[i] === 1 ? dim : null;
      return windowOut(dim, i === 0 ? kh : kw, s[i]!, p[i]! + p[i + 2]!, d[i]);
    });
    return [{ dtype: x.dtype, shape: [x.shape[0]!, w.shape[0]!, ...spatial] }];
  },
};

export const CONV_TRANSPOSE: OpDef<ConvTransposeAttrs> = {
  type: 'ConvTranspose',
  attrKinds: { ...CONV_KINDS, output_padding: 'ints' },
  infer: (inputs, a) => {
    const x = req('ConvTranspose', inputs, 0);
    const w = req('ConvTranspose', inputs, 1);
    checkWeights('ConvTranspose', x, w, 0, a.group ?? 1);
    const [cinW, coutPerGroup, kh, kw] = w.dims() as [number, number, number, number];
    void cinW;
    const s = a.strides ?? [1, 1];
    const p = a.pads ?? [0, 0, 0, 0];
    const op = a.output_padding ?? [0, 0];
    const spatial: Dim[] = [0, 1].map((i) => {
      const dim = x.shape[2 + i]!;
      const k = i === 0 ? kh : kw;
      if (typeof dim !== 'number') return null;
      return s[i]! * (dim - 1) + op[i]! + k - p[i]! - p[i + 2]!;
    });
    return [{ dtype: x.dtype, shape: [x.shape[0]!, coutPerGroup * (a.group ?? 1), ...spatial] }];
  },
};

export function conv(x: Value, w: Value, b: Value | undefined, attrs: ConvAttrs = {}, hint?: string): Value {
  return x.graph.apply(CONV, b ? [x, w, b] : [x, w], attrs, hint)[0]!;
}

export function convTranspose(x: Value, w: Value, b: Value | undefined, attrs: ConvTransposeAttrs = {}, hint?: string): Value {
  return x.graph.apply(CONV_TRANSPOSE, b ? [x, w, b] : [x, w], attrs, hint)[0]!;
}
