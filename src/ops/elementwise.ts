import type { OpDef, Value } from '../graph/graph.js';
import { f32 } from '../graph/tensor.js';
import { broadcast, req, same } from './infer.js';

function binary(type: string): OpDef {
  return {
    type,
    attrKinds: {},
    infer: (inputs) => {
      const a = req(type, inputs, 0);
      const b = req(type, inputs, 1);
      if (a.dtype !== b.dtype) throw new Error(`${type}: dtypes ${a.dtype} and ${b.dtype} differ`);
      return [{ dtype: a.dtype, shape: broadcast(type, a.shape, b.shape) }];
    },
  };
}

function unary(type: string): OpDef {
  return { type, attrKinds: {}, infer: (inputs) => [same(req(type, inputs, 0))] };
}

export const ADD = binary('Add');
export const SUB = binary('Sub');
export const MUL = binary('Mul');
export const DIV = binary('Div');
export const RELU = unary('Relu');
export const TANH = unary('Tanh');
export const SQRT = unary('Sqrt');
export const NEG = unary('Neg');
export const ABS = unary('Abs');
export const SIGN = unary('Sign');

/** Operand: a value, or a number turned into a float32 scalar constant. */
export type Operand = Value | number;

function lift(ref: Value, x: Operand): Value {
  return typeof x === 'number' ? ref.graph.constant(f32([], [x]), 'scalar') : x;
}

function bin(def: OpDef, a: Operand, b: Operand): Value {
  const ref = typeof a === 'number' ? (b as Value) : a;
  return ref.graph.apply(def, [lift(ref, a), lift(ref, b)], {})[0]!;
}

export const add = (a: Operand, b: Operand) => bin(ADD, a, b);
export const sub = (a: Operand, b: Operand) => bin(SUB, a, b);
export const mul = (a: Operand, b: Operand) => bin(MUL, a, b);
export const div = (a: Operand, b: Operand) => bin(DIV, a, b);
export const relu = (x: Value) => x.graph.apply(RELU, [x], {})[0]!;
export const tanh = (x: Value) => x.graph.apply(TANH, [x], {})[0]!;
export const sqrt = (x: Value) => x.graph.apply(SQRT, [x], {})[0]!;
export const neg = (x: Value) => x.graph.apply(NEG, [x], {})[0]!;
export const abs = (x: Value) => x.graph.apply(ABS, [x], {})[0]!;
export const sign = (x: Value) => x.graph.apply(SIGN, [x], {})[0]!;
export const square = (x: Value) => mul(x, x);

export const CLIP: OpDef = {
  type: 'Clip',
  attrKinds: {},
  infer: (inputs) => [same(req('Clip', inputs, 0))],
};
export const clip = (x: Value, min: number, max: number) =>
  x.graph.apply(CLIP, [x, lift(x, min), lift(x, max)], {})[0]!;
