import { join } from 'node:path';
import { f32, numel, type Tensor } from '../graph/tensor.js';
import { readBytes, readJsonFile } from './read.js';

/** Read a raw little-endian float32 file and check it holds exactly the elements of `dims`. */
export async function readFloat32(dir: string, file: string, dims: readonly number[]): Promise<Tensor<'float32'>> {
  const path = join(dir, file);
  const buf = await readBytes(path, 'weights: cannot read');
  const expected = numel(dims) * 4;
  if (buf.byteLength !== expected) {
    throw new Error(`weights: ${path} has ${buf.byteLength} bytes, but shape [${dims.join(', ')}] needs ${expected}`);
  }
  const data = new Float32Array(numel(dims));
  new Uint8Array(data.buffer).set(buf);
  return f32(dims, data);
}

export const readJson = <T>(path: string): Promise<T> => readJsonFile<T>(path, 'weights');

/** Permute a 4-D tensor: out[i0,i1,i2,i3] = in at the positions given by `perm` (as numpy.transpose). */
export function permute4(t: Tensor<'float32'>, perm: readonly [number, number, number, number]): Tensor<'float32'> {
  const src = t.dims;
  const dims = perm.map((p) => src[p]!);
  const strides = [src[1]! * src[2]! * src[3]!, src[2]! * src[3]!, src[3]!, 1];
  const ps = perm.map((p) => strides[p]!);
  const out = new Float32Array(t.data.length);
  let o = 0;
  for (let a = 0; a < dims[0]!; a++)
    for (let b = 0; b < dims[1]!; b++)
      for (let c = 0; c < dims[2]!; c++)
        for (let d = 0; d < dims[3]!; d++) out[o++] = t.data[a * ps[0]! + b * ps[1]! + c * ps[2]! + d * ps[3]!]!;
  return f32(dims, out);
}
