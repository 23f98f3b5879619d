import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  abs, add, clip, concat, conv, convTranspose, div, expand, instanceNorm, matmul, maxPool, mul, neg, pad2d,
  reduceMean, reduceSum, relu, reshape, slice, sqrt, sub, tanh, transpose, upsampleNearest,
} from '../../src/ops/index.js';
import { checkGradients, randomTensor as rand, spacedTensor } from '../helpers/gradcheck.js';

// Every gradient rule against central finite differences on tiny shapes (run in onnxruntime).

test('Add/Sub/Mul/Div with broadcasting', async () => {
  const a = rand([2, 3, 4], 1);
  const b = rand([3, 1], 2, 0.5, 1.5);
  await checkGradients((x, y) => add(x, y), { a, b });
  await checkGradients((x, y) => sub(x, y), { a, b });
  await checkGradients((x, y) => mul(x, y), { a, b });
  await checkGradients((x, y) => div(x, y), { a, b }, { eps: 1e-3 });
});

test('Relu, Abs, Neg, Clip away from their kinks', async () => {
  const x = spacedTensor([2, 3, 4], 3, 0.1);
  await checkGradients((v) => relu(v), { x });
  await checkGradients((v) => abs(v), { x });
  await checkGradients((v) => neg(v), { x });
  await checkGradients((v) => clip(v, -0.52, 0.48), { x });
});

test('Relu passes no gradient at exactly 0 (as PyTorch)', async () => {
  const { Graph } = await import('../../src/graph/graph.js');
  const { toOnnx } = await import('../../src/graph/onnx.js');
  const { gradients } = await import('../../src/autodiff/reverse.js');
  const { createSession } = await import('../../src/runtime/ort.js');
  const { f32 } = await import('../../src/graph/tensor.js');
  const g = new Graph('relu0');
  const x = g.input('x', 'float32', [4]);
  g.output(gradients(reduceSum(relu(x)), [x])[0]!, 'dx');
  const s = await createSession(toOnnx(g));
  const out = await s.run({ x: f32([4], [-1, 0, 2, 0]) });
  assert.deepEqual(Array.from(out.dx!.data as Float32Array), [0, 0, 1, 0]);
  await s.release();
});

test('Tanh and Sqrt', async () => {
  await checkGradients((v) => tanh(v), { x: rand([3, 5], 4, -2, 2) }, { eps: 1e-3 });
  await checkGradients((v) => sqrt(v), { x: rand([3, 5], 5, 0.5, 2) }, { eps: 1e-3 });
});

test('Conv: stride 1 and 2, explicit and SAME_UPPER pads, bias, depthwise', async () => {
  const x = rand([2, 3, 7, 6], 6);
  const w = rand([4, 3, 3, 3], 7);
  const b = rand([4], 8);
  await checkGradients((a, k, c) => conv(a, k, c, { pads: [1, 1, 1, 1] }), { x, w, b });
  await checkGradients((a, k, c) => conv(a, k, c, { strides: [2, 2], pads: [1, 0, 1, 1] }), { x, w, b });
  await checkGradients((a, k) => conv(a, k, undefined, { strides: [2, 2], auto_pad: 'SAME_UPPER' }), { x, w });
  await checkGradients((a, k) => conv(a, k, undefined, {}), { x, w: rand([2, 3, 5, 5], 9) });
  await checkGradients((a, k) => conv(a, k, undefined, { pads: [1, 1, 1, 1], group: 3 }), { x, w: rand([3, 1, 3, 3], 10) });
});

test('Conv with a large kernel: weight gradient as one Conv (thin input side, thin output side, strided)', async () => {
  const x = rand([2, 3, 11, 10], 30);
  await checkGradients((a, k, c) => conv(a, k, c, { pads: [2, 2, 2, 2] }), { x, w: rand([4, 3, 5, 5], 31), b: rand([4], 32) });
  await checkGradients((a, k) => conv(a, k, undefined, {}), { x: rand([2, 5, 9, 9], 33), w: rand([2, 5, 5, 5], 34) });
  await checkGradients((a, k) => conv(a, k, undefined, { strides: [2, 2], pads: [1, 2, 1, 1] }), { x, w: rand([2, 3, 5, 5], 35) });
});

test('ConvTranspose: stride 2 with cropping pads and output padding, bias', async () => {
  const x = rand([2, 4, 3, 4], 11);
  const w = rand([4, 3, 3, 3], 12);
  const b = rand([3], 13);
  await checkGradients((a, k, c) => convTranspose(a, k, c, { strides: [2, 2], pads: [0, 0, 1, 1] }), { x, w, b });
  await checkGradients((a, k) => convTranspose(a, k, undefined, { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }), { x, w });
});

test('InstanceNormalization', async () => {
  const x = rand([2, 3, 4, 5], 14, -2, 2);
  await checkGradients((a, s, b) => instanceNorm(a, s, b, 1e-5), { x, s: rand([3], 15, 0.5, 1.5), b: rand([3], 16) }, { eps: 1e-3, tol: 5e-3 });
});

test('Pad: reflect, constant, edge', async () => {
  const x = rand([1, 2, 5, 6], 17);
  await checkGradients((a) => pad2d(a, [2, 3, 4, 1], 'reflect'), { x });
  // Strips that fold onto disjoint rows (the concat path), including a one-sided pad.
  await checkGradients((a) => pad2d(a, [1, 2, 3, 1], 'reflect'), { x: rand([1, 2, 7, 8], 36) });
  await checkGradients((a) => pad2d(a, [0, 1, 2, 0], 'reflect'), { x: rand([1, 2, 7, 8], 37) });
  await checkGradients((a) => pad2d(a, [1, 0, 2, 3], 'constant'), { x });
  await checkGradients((a) => pad2d(a, [2, 1, 0, 3], 'edge'), { x });
});

test('Resize nearest x2, Transpose, Reshape, Slice, Concat, Expand', async () => {
  const x = rand([2, 3, 3, 4], 18);
  await checkGradients((a) => upsampleNearest(a, 2), { x });
  await checkGradients((a) => transpose(a, [2, 0, 3, 1]), { x });
  await checkGradients((a) => reshape(a, [6, 12]), { x });
  await checkGradients((a) => slice(a, { starts: [1, 0], ends: [3, -1], axes: [2, 3] }), { x });
  await checkGradients((a, b) => concat([a, b], 1), { x, y: rand([2, 2, 3, 4], 19) });
  await checkGradients((a) => expand(a, [2, 3, 4, 5]), { x: rand([3, 1, 5], 20) });
});

test('ReduceMean and ReduceSum, with and without keepdims', async () => {
  const x = rand([2, 3, 4], 21);
  await checkGradients((a) => reduceMean(a, [1, 2], true), { x });
  await checkGradients((a) => reduceMean(a), { x });
  await checkGradients((a) => reduceSum(a, [0]), { x });
  await checkGradients((a) => reduceSum(a, [2], true), { x });
});

test('MatMul with batch broadcasting (the Gram matrix pattern)', async () => {
  await checkGradients((a, b) => matmul(a, b), { a: rand([2, 3, 4], 22), b: rand([4, 5], 23) });
  await checkGradients((f) => matmul(f, transpose(f, [0, 2, 1])), { f: rand([2, 3, 6], 24) });
});

test('MaxPool 2x2 stride 2, even and odd sizes', async () => {
  await checkGradients((a) => maxPool(a, { kernel_shape: [2, 2], strides: [2, 2] }), { x: spacedTensor([2, 2, 4, 6], 25) });
  await checkGradients((a) => maxPool(a, { kernel_shape: [2, 2], strides: [2, 2] }), { x: spacedTensor([1, 2, 5, 3], 26) });
});

test('overlapping MaxPool has no rule and says so', async () => {
  await assert.rejects(
    checkGradients((a) => maxPool(a, { kernel_shape: [3, 3], strides: [1, 1] }), { x: spacedTensor([1, 1, 5, 5], 27) }),
    /MaxPool: gradient needs square non-overlapping windows/,
  );
});
