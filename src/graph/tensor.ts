/** Element types the graph builder knows, named as in onnxruntime's JS API. */
export type DType = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float16'
    ? Uint16Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'int8'
          ? Int8Array
          : Uint8Array;

/** A dense host tensor: row-major data plus concrete dims. */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly data: TypedArrayFor<D>;
}

export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function tensor<D extends DType>(dtype: D, dims: readonly number[], data: TypedArrayFor<D>): Tensor<D> {
  if (data.length !== numel(dims)) {
    throw new Error(`tensor: ${data.length} elements do not fill dims [${dims.join(', ')}] (${numel(dims)})`);
  }
  return { dtype, dims: [...dims], data };
}

export const f32 = (dims: readonly number[], data?: Float32Array | readonly number[]): Tensor<'float32'> =>
  tensor('float32', dims, data instanceof Float32Array ? data : data ? Float32Array.from(data) : new Float32Array(numel(dims)));

export const i64 = (values: readonly number[]): Tensor<'int64'> =>
  tensor('int64', [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
