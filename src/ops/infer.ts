import type { Dim, Shape, Value, ValueType } from '../graph/graph.js';

/** Non-null inputs or a clear error naming the op and the missing slot. */
export function req(op: string, inputs: readonly (Value | undefined)[], i: number): Value {
  const v = inputs[i];
  if (!v) throw new Error(`${op}: input ${i} is required`);
  return v;
}

/** Numpy-style broadcast of two shapes (symbolic dims must match by name). */
export function broadcast(op: string, a: Shape, b: Shape): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const ia = a.length - n + i;
    const ib = b.length - n + i;
    const x = ia >= 0 ? a[ia]! : 1;
    const y = ib >= 0 ? b[ib]! : 1;
    if (x === 1) out.push(y);
    else if (y === 1 || x === y) out.push(x);
    else if (x === null || y === null) out.push(x ?? y);
    else throw new Error(`${op}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
  }
  return out;
}

/** Output length of a sliding window along one axis; symbolic dims survive size-preserving windows. */
export function windowOut(dim: Dim, k: number, stride: number, padTotal: number, dilation = 1): Dim {
  const span = (k - 1) * dilation + 1;
  if (typeof dim === 'number') return Math.floor((dim + padTotal - span) / stride) + 1;
  return stride === 1 && padTotal === span - 1 ? dim : null;
}

export const same = (x: Value): ValueType => ({ dtype: x.dtype, shape: x.shape });

export function normAxes(op: string, axes: readonly number[], rank: number): number[] {
  return axes.map((a) => {
    const r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank) throw new Error(`${op}: axis ${a} is out of range for rank ${rank}`);
    return r;
  });
}
