import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradients, prune } from '../../src/autodiff/reverse.js';
import { Graph, type OpDef } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import { f32 } from '../../src/graph/tensor.js';
import { add, conv, mul, reduceSum, relu, tanh } from '../../src/ops/index.js';
import { createSession } from '../../src/runtime/ort.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';

test('fan-out: gradients of a value used several times are summed', async () => {
  // loss = sum(x*x + 3x) -> dloss/dx = 2x + 3
  const g = new Graph('fanout');
  const x = g.input('x', 'float32', [4]);
  const loss = reduceSum(add(mul(x, x), mul(x, 3)));
  g.output(loss, 'loss');
  g.output(gradients(loss, [x])[0]!, 'dx');
  const s = await createSession(toOnnx(g));
  const out = await s.run({ x: f32([4], [1, -2, 0.5, 4]) });
  assert.deepEqual(Array.from(out.dx!.data as Float32Array), [5, -1, 4, 11]);
});

test('a chain through a small conv net matches finite differences', async () => {
  await checkGradients(
    (x, w1, w2) => tanh(conv(relu(conv(x, w1, undefined, { pads: [1, 1, 1, 1] })), w2, undefined, { strides: [2, 2], pads: [1, 1, 1, 1] })),
    { x: randomTensor([1, 2, 6, 6], 1), w1: randomTensor([3, 2, 3, 3], 2), w2: randomTensor([2, 3, 3, 3], 3) },
    { eps: 1e-3, tol: 5e-3 },
  );
});

test('an op without a gradient rule is named in the error', () => {
  const NOGRAD: OpDef = { type: 'Erf', attrKinds: {}, infer: ([x]) => [{ dtype: x!.dtype, shape: x!.shape }] };
  const g = new Graph('nograd');
  const x = g.input('x', 'float32', [3]);
  const loss = reduceSum(g.apply(NOGRAD, [x], {}, 'my_erf')[0]!);
  assert.throws(() => gradients(loss, [x]), /no gradient rule for op Erf \(node my_erf\)/);
});

test('frozen weights get no gradient nodes after pruning, and unreached wrt values get zeros', async () => {
  const g = new Graph('frozen');
  const x = g.input('x', 'float32', [1, 2, 4, 4]);
  const frozen = g.constant(randomTensor([2, 2, 3, 3], 4), 'frozen_w');
  const unused = g.input('unused', 'float32', [2]);
  const loss = reduceSum(conv(x, frozen, undefined, { pads: [1, 1, 1, 1] }));
  g.output(loss, 'loss');
  const [dx, du] = gradients(loss, [x, unused]);
  g.output(dx!, 'dx');
  g.output(du!, 'du');
  prune(g);
  // Only the input gradient (a Conv with the flipped kernel) survives: none of the weight gradient's
  // per-offset strided slices.
  assert.equal(g.nodes.filter((n) => n.def.type === 'Slice').length, 0);
  assert.equal(g.nodes.filter((n) => n.def.type === 'Conv').length, 2);
  const s = await createSession(toOnnx(g));
  const out = await s.run({ x: randomTensor([1, 2, 4, 4], 5), unused: f32([2], [1, 2]) });
  assert.deepEqual(Array.from(out.du!.data as Float32Array), [0, 0]);
});
