import { join } from 'node:path';
import type { Tensor } from '../graph/tensor.js';
import { readFloat32, readJson } from './raw-tensors.js';

/** A reference fixture folder: manifest.json {tensors: {name: {file, shape, dtype}}, meta} + raw float32 files. */
export interface Fixture {
  readonly dir: string;
  readonly tensors: ReadonlyMap<string, Tensor<'float32'>>;
  readonly meta: Readonly<Record<string, unknown>>;
}

interface Manifest {
  tensors?: Record<string, { file: string; shape: number[]; dtype?: string }>;
  meta?: Record<string, unknown>;
}

export async function readFixture(dir: string): Promise<Fixture> {
  const m = await readJson<Manifest>(join(dir, 'manifest.json'));
  if (!m.tensors) throw new Error(`${dir}: manifest.json has no 'tensors'`);
  const tensors = new Map<string, Tensor<'float32'>>();
  for (const [name, t] of Object.entries(m.tensors)) {
    if (t.dtype && t.dtype !== 'float32') throw new Error(`${dir}: tensor ${name} is ${t.dtype}; only float32 is supported`);
    tensors.set(name, await readFloat32(dir, t.file, t.shape));
  }
  return { dir, tensors, meta: m.meta ?? {} };
}

/** Largest absolute difference; throws when the shapes differ. */
export function maxAbsError(a: Tensor<'float32'>, b: Tensor<'float32'>, what = 'tensor'): number {
  if (a.dims.join('x') !== b.dims.join('x')) throw new Error(`${what}: shape [${a.dims.join(', ')}] differs from reference [${b.dims.join(', ')}]`);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    if (!(d <= m)) m = d; // NaN propagates as the maximum
  }
  return m;
}
