import type { GradRule, OpDef, Value } from '../graph/graph.js';
import { f32, tensor, type DType } from '../graph/tensor.js';
import { broadcast, req, same } from './infer.js';
import { cast } from './movement.js';
import { sumTo } from './reduce.js';

/** Two same-dtype operands broadcast together; the result has `dtype` (the operands' when omitted). */
function broadcastInfer(type: string, dtype?: DType): OpDef['infer'] {
  return (inputs) => {
    const a = req(type, inputs, 0);
    const b = req(type, inputs, 1);
    if (a.dtype !== b.dtype) throw new Error(`${type}: dtypes ${a.dtype} and ${b.dtype} differ`);
    return [{ dtype: dtype ?? a.dtype, shape: broadcast(type, a.shape, b.shape) }];
  };
}

function binary(type: string, grad: GradRule): OpDef {
  return { type, attrKinds: {}, infer: broadcastInfer(type), grad };
}

function unary(type: string, grad: GradRule): OpDef {
  return { type, attrKinds: {}, infer: (inputs) => [same(req(type, inputs, 0))], grad };
}

// Gradient rules: binary ops sum their gradients back over broadcast axes (sumTo).
export const ADD = binary('Add', ({ inputs: [a, b], dOutputs: [dy] }) => [sumTo(dy!, a!), sumTo(dy!, b!)]);
export const SUB = binary('Sub', ({ inputs: [a, b], dOutputs: [dy] }) => [sumTo(dy!, a!), sumTo(neg(dy!), b!)]);
export const MUL = binary('Mul', ({ inputs: [a, b], dOutputs: [dy] }) => [sumTo(mul(dy!, b!), a!), sumTo(mul(dy!, a!), b!)]);
// d(a/b)/db = -(a/b)/b, written with the output so a is not needed again.
export const DIV = binary('Div', ({ inputs: [a, b], outputs: [y], dOutputs: [dy] }) => [sumTo(div(dy!, b!), a!), sumTo(neg(div(mul(dy!, y!), b!)), b!)]);
// The 0/1 mask of y > 0 (0 at x = 0, as PyTorch), as Greater + Cast: onnxruntime does not vectorize Sign.
export const RELU = unary('Relu', ({ outputs: [y], dOutputs: [dy] }) => [mul(dy!, positiveMask(y!))]);
export const TANH = unary('Tanh', ({ outputs: [y], dOutputs: [dy] }) => [mul(dy!, sub(1, mul(y!, y!)))]);
export const SQRT = unary('Sqrt', ({ outputs: [y], dOutputs: [dy] }) => [div(dy!, mul(y!, 2))]);
export const NEG = unary('Neg', ({ dOutputs: [dy] }) => [neg(dy!)]);
export const ABS = unary('Abs', ({ inputs: [x], dOutputs: [dy] }) => [mul(dy!, sign(x!))]);
// Piecewise constant: zero gradient almost everywhere.
export const SIGN = unary('Sign', () => [null]);
export const FLOOR = unary('Floor', () => [null]);

/** Operand: a value, or a number turned into a scalar constant (int64 beside an int64 value, else float32). */
export type Operand = Value | number;

function lift(ref: Value, x: Operand): Value {
  if (typeof x !== 'number') return x;
  const t = ref.dtype === 'int64' ? tensor('int64', [], BigInt64Array.of(BigInt(x))) : f32([], [x]);
  return ref.graph.constant(t, 'scalar');
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
export const floor = (x: Value) => x.graph.apply(FLOOR, [x], {})[0]!;
export const square = (x: Value) => mul(x, x);

export const CLIP: OpDef = {
  type: 'Clip',
  attrKinds: {},
  infer: (inputs) => [same(req('Clip', inputs, 0))],
  // Pass the gradient where min < x < max: relu(sign(.)) is the 0/1 mask of a positive difference.
  grad: ({ inputs: [x, lo, hi], dOutputs: [dy] }) => {
    let mask: Value | undefined;
    if (lo) mask = relu(sign(sub(x!, lo)));
    if (hi) {
      const upper = relu(sign(sub(hi, x!)));
      mask = mask ? mul(mask, upper) : upper;
    }
    return [mask ? mul(dy!, mask) : dy!, null, null];
  },
};
export const clip = (x: Value, min: number, max: number) =>
  x.graph.apply(CLIP, [x, lift(x, min), lift(x, max)], {})[0]!;

// ---- Comparisons: gradient rules turn them into 0/1 masks with Cast (onnxruntime does not vectorize
// Sign; Where measured slower than Cast + Mul). ----

function compare(type: string): OpDef {
  // Piecewise constant in both operands: no gradient.
  return { type, attrKinds: {}, infer: broadcastInfer(type, 'bool'), grad: () => [null, null] };
}

export const GREATER = compare('Greater');
export const LESS = compare('Less');
export const EQUAL = compare('Equal');

export const greater = (a: Operand, b: Operand) => bin(GREATER, a, b);
export const less = (a: Operand, b: Operand) => bin(LESS, a, b);
export const equal = (a: Operand, b: Operand) => bin(EQUAL, a, b);

// ---- Index arithmetic and selection, for graphs that work out sizes at run time (inference only). ----

/** Integer remainder with the divisor's sign (fmod = 0). */
export const MOD: OpDef = { type: 'Mod', attrKinds: {}, infer: broadcastInfer('Mod') };
export const mod = (a: Operand, b: Operand) => bin(MOD, a, b);

export const IS_NAN: OpDef = { type: 'IsNaN', attrKinds: {}, infer: (inputs) => [{ dtype: 'bool', shape: req('IsNaN', inputs, 0).shape }] };
export const isNan = (x: Value) => x.graph.apply(IS_NAN, [x], {})[0]!;

/** Where(cond, x, y): x where cond holds, else y; the three broadcast together. */
export const WHERE: OpDef = {
  type: 'Where',
  attrKinds: {},
  infer: (inputs) => {
    const cond = req('Where', inputs, 0);
    if (cond.dtype !== 'bool') throw new Error(`Where: the condition must be bool, got ${cond.dtype}`);
    const [x, y] = [req('Where', inputs, 1), req('Where', inputs, 2)];
    if (x.dtype !== y.dtype) throw new Error(`Where: dtypes ${x.dtype} and ${y.dtype} differ`);
    return [{ dtype: x.dtype, shape: broadcast('Where', cond.shape, broadcast('Where', x.shape, y.shape)) }];
  },
};
export function where(cond: Value, x: Operand, y: Operand): Value {
  const ref = typeof x === 'number' ? y : x;
  if (typeof ref === 'number') throw new Error('Where: at least one branch must be a value');
  return cond.graph.apply(WHERE, [cond, lift(ref, x), lift(ref, y)], {})[0]!;
}

/** 1 where x > 0, else 0 (float32). */
export const positiveMask = (x: Value) => cast(greater(x, 0), 'float32');
