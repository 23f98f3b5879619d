import assert from 'node:assert/strict';
import { gradients } from '../../src/autodiff/reverse.js';
import { Graph, type Value } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import { f32, type Tensor } from '../../src/graph/tensor.js';
import { mul, reduceSum } from '../../src/ops/index.js';
import { rng } from '../../src/models/transformer.js';
import { createSession } from '../../src/runtime/ort.js';

/** Uniform values in [lo, hi) from a seeded PRNG. */
export function randomTensor(dims: readonly number[], seed: number, lo = -1, hi = 1): Tensor<'float32'> {
  const r = rng(seed);
  const t = f32(dims);
  for (let i = 0; i < t.data.length; i++) t.data[i] = lo + (hi - lo) * r();
  return t;
}

/**
 * Values that stay well apart (a shuffled grid with spacing `gap`), so that max and relu kinks are not
 * crossed by a finite-difference step.
 */
export function spacedTensor(dims: readonly number[], seed: number, gap = 0.1): Tensor<'float32'> {
  const t = f32(dims);
  const r = rng(seed);
  const idx = [...t.data.keys()];
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  idx.forEach((v, i) => (t.data[i] = (v - Math.floor(idx.length / 2)) * gap + gap / 2));
  return t;
}

export interface GradCheckOptions {
  /** Finite-difference step. Defaults to 1e-2. */
  readonly eps?: number;
  /** Largest accepted ||g - g_numeric|| / ||g_numeric|| per input. Defaults to 2e-3. */
  readonly tol?: number;
}

const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

/**
 * The one op-test helper: build `f(inputs)` in a tiny graph, take loss = sum(f * R) for a fixed random
 * R, and compare the reverse pass's gradient for every input (run in onnxruntime) with central finite
 * differences of the same loss (also run in onnxruntime). Returns the relative error per input.
 */
export async function checkGradients(
  f: (...xs: Value[]) => Value,
  inputs: Readonly<Record<string, Tensor<'float32'>>>,
  opts: GradCheckOptions = {},
): Promise<Record<string, number>> {
  const eps = opts.eps ?? 1e-2;
  const tol = opts.tol ?? 2e-3;
  const g = new Graph('gradcheck');
  const xs = Object.entries(inputs).map(([name, t]) => g.input(name, 'float32', t.dims));
  const y = f(...xs);
  const loss = reduceSum(mul(y, g.constant(randomTensor(y.dims(), 99), 'R')));
  g.output(loss, 'loss');
  const grads = gradients(loss, xs);
  grads.forEach((d, i) => g.output(d, `grad.${xs[i]!.name}`));
  const session = await createSession(toOnnx(g), { threads: 1 });
  const feeds: Record<string, Tensor<'float32'>> = {};
  for (const [k, t] of Object.entries(inputs)) feeds[k] = f32(t.dims, Float32Array.from(t.data));
  const analytic = await session.run(feeds);
  const lossAt = async () => (await session.run(feeds, ['loss'])).loss!.data[0] as number;
  const errors: Record<string, number> = {};
  for (const name of Object.keys(inputs)) {
    const x = feeds[name]!.data;
    const numeric = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const orig = x[i]!;
      x[i] = orig + eps;
      const up = await lossAt();
      x[i] = orig - eps;
      const down = await lossAt();
      x[i] = orig;
      numeric[i] = (up - down) / (2 * eps);
    }
    const a = analytic[`grad.${name}`]!.data as Float32Array;
    assert.equal(a.length, numeric.length);
    const diff = norm(Array.from(a, (v, i) => v - numeric[i]!));
    const ref = norm(numeric);
    assert.ok(ref > 1e-6, `${name}: numeric gradient is zero; the check would be vacuous`);
    errors[name] = diff / ref;
    assert.ok(errors[name]! <= tol, `${name}: relative gradient error ${errors[name]!.toExponential(2)} > ${tol}`);
  }
  await session.release();
  return errors;
}
