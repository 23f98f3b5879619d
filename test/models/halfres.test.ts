import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toOnnx } from '../../src/graph/onnx.js';
import { f32 } from '../../src/graph/tensor.js';
import { buildHalfResTransformer, convTaps, crd, halfResUnsupported, nearestUpTaps, phaseWeights, type HalfResOptions } from '../../src/models/halfres.js';
import { buildTransformer, PRESETS, randomWeights, rng, type TransformerConfig } from '../../src/models/transformer.js';
import { createSession } from '../../src/runtime/ort.js';

/** Random weights with non-trivial instance-norm scales and shifts (fresh ones are 1 and 0). */
function weightsFor(c: TransformerConfig, seed: number) {
  const w = randomWeights(c, seed);
  const rand = rng(seed + 100);
  for (const [name, t] of w) {
    if (!/(^|\.)in\d\.(weight|bias)$/.test(name)) continue;
    for (let i = 0; i < t.data.length; i++) t.data[i] = (name.endsWith('weight') ? 1 : 0) + (rand() - 0.5) * 0.6;
  }
  return w;
}

function image(n: number, h: number, w: number, seed = 5) {
  const rand = rng(seed);
  return f32([n, 3, h, w], Float32Array.from({ length: n * 3 * h * w }, () => Math.floor(rand() * 256)));
}

async function run(model: Uint8Array, input: ReturnType<typeof image>) {
  const s = await createSession(model, { threads: 1 });
  try {
    return (await s.run({ input })).output!;
  } finally {
    await s.release();
  }
}

/** max |a - b| / max |b|. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

const student = (family: 'torch' | 'engstrom', extra: Partial<TransformerConfig> = {}): TransformerConfig => ({ ...PRESETS[family], width: 8, blocks: 2, firstKernel: 3, lastKernel: 3, ...extra });

const CASES: readonly [string, TransformerConfig, HalfResOptions][] = [
  ['torch student', student('torch'), {}],
  ['torch student, biases before norms dropped, first upsampling as a phase conv', student('torch'), { dropNormBias: true, phaseDeconv1: true }],
  ['engstrom student', student('engstrom'), {}],
  ['engstrom student, first upsampling as a phase conv', student('engstrom'), { phaseDeconv1: true }],
  ['engstrom 9x9/9x9 end kernels (zero padding allows any kernel)', student('engstrom', { width: 4, blocks: 1, firstKernel: 9, lastKernel: 9 }), {}],
  ['torch 1x1 first kernel, separable residuals', student('torch', { width: 4, blocks: 1, firstKernel: 1, residual: 'separable' }), {}],
  ['reflect padding with transposed upsampling', student('torch', { width: 4, blocks: 1, upsample: 'transpose' }), { phaseDeconv1: true }],
  ['zero padding with nearest upsampling and a bias', student('engstrom', { width: 4, blocks: 1, upsample: 'nearest', bias: true, head: 'raw' }), { phaseDeconv1: true }],
];

for (const [name, config, opts] of CASES) {
  test(`half-resolution rewrite equals buildTransformer: ${name}`, async () => {
    const w = weightsFor(config, 3);
    const input = image(2, 20, 28);
    const ref = await run(toOnnx(buildTransformer(config, w)), input);
    const out = await run(toOnnx(buildHalfResTransformer(config, w, opts)), input);
    assert.deepEqual(out.dims, ref.dims);
    const rel = relDiff(out.data as Float32Array, ref.data as Float32Array);
    assert.ok(rel < 1e-5, `max |diff| / max |output| = ${rel}`);
  });
}

test('half-resolution rewrite with a fixed shape; odd sizes are refused', async () => {
  const c = student('torch');
  const w = weightsFor(c, 4);
  const input = image(1, 24, 16);
  const ref = await run(toOnnx(buildTransformer(c, w)), input);
  const out = await run(toOnnx(buildHalfResTransformer(c, w, { shape: [1, 24, 16] })), input);
  assert.ok(relDiff(out.data as Float32Array, ref.data as Float32Array) < 1e-5);
  assert.throws(() => buildHalfResTransformer(c, w, { shape: [1, 25, 16] }), /SpaceToDepth: spatial size 25 is not a multiple of 2/);
});

test('reflect padding with end kernels above 3 is refused with the reason', () => {
  assert.match(halfResUnsupported(PRESETS.torch) ?? '', /reflect padding with 9x9\/9x9 end kernels/);
  assert.equal(halfResUnsupported(PRESETS.engstrom), undefined);
  assert.equal(halfResUnsupported(student('torch')), undefined);
  assert.throws(() => buildHalfResTransformer(PRESETS.torch, randomWeights(PRESETS.torch)), /half-resolution rewrite: reflect padding/);
});

test('phase kernels hold every original tap once per output phase; nearest upsampling sums repeated taps', () => {
  const w = f32([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Stride-1 3x3 conv between phase tensors: a 3x3 kernel per (output phase, input phase) pair.
  const same = phaseWeights(w, f32([1], [0.5]), { pIn: 2, pOut: 2, taps: convTaps(1, 1, 2), inIndex: crd(2), outIndex: crd(2) });
  assert.deepEqual(same.weight.dims, [4, 4, 3, 3]);
  assert.deepEqual([same.before, same.after], [1, 1]);
  assert.deepEqual(Array.from(same.bias!.data), [0.5, 0.5, 0.5, 0.5]);
  for (let o = 0; o < 4; o++) {
    const perPhase = same.weight.data.slice(o * 36, (o + 1) * 36);
    assert.equal(perPhase.reduce((a, b) => a + b, 0), 45);
    assert.equal(perPhase.filter((v) => v !== 0).length, 9);
  }
  // Output phase (0, 0) of nearest x2 + 3x3: rows -1 <- tap 0, 0 <- taps 1 + 2; same for columns.
  const up = phaseWeights(w, undefined, { pIn: 1, pOut: 2, taps: nearestUpTaps, inIndex: crd(1), outIndex: crd(2) });
  assert.deepEqual(up.weight.dims, [4, 1, 3, 3]);
  assert.deepEqual(Array.from(up.weight.data.slice(0, 9)), [1, 2 + 3, 0, 4 + 7, 5 + 6 + 8 + 9, 0, 0, 0, 0]);
  assert.equal(up.bias, undefined);
});
