import type { OpDef, Value } from '../graph/graph.js';
import { broadcast, req } from './infer.js';
import { transpose } from './movement.js';
import { sumTo } from './reduce.js';

/** Swap the last two axes. */
const mT = (v: Value) => transpose(v, v.shape.map((_, i) => (i < v.shape.length - 2 ? i : 2 * v.shape.length - 3 - i)));

/** Batched matrix product with numpy broadcasting of the batch dims. */
export const MATMUL: OpDef = {
  type: 'MatMul',
  attrKinds: {},
  infer: (inputs) => {
    const a = req('MatMul', inputs, 0);
    const b = req('MatMul', inputs, 1);
    if (a.shape.length < 2 || b.shape.length < 2) throw new Error('MatMul: operands must be at least 2-D');
    const [m, k1] = a.shape.slice(-2);
    const [k2, n] = b.shape.slice(-2);
    if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
      throw new Error(`MatMul: inner dims differ, [${a.shape.join(', ')}] x [${b.shape.join(', ')}]`);
    }
    const batch = broadcast('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    return [{ dtype: a.dtype, shape: [...batch, m!, n!] }];
  },
  // dA = dY B^T, dB = A^T dY, summed over broadcast batch dims.
  grad: ({ inputs: [a, b], dOutputs: [dy] }) => [sumTo(matmul(dy!, mT(b!)), a!), sumTo(matmul(mT(a!), dy!), b!)],
};

export const matmul = (a: Value, b: Value) => a.graph.apply(MATMUL, [a, b], {})[0]!;
