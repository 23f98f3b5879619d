import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ortWeb from 'onnxruntime-web';
import { Graph } from '../../src/graph/graph.js';
import { parseOnnx, toOnnx } from '../../src/graph/onnx.js';
import { f32 } from '../../src/graph/tensor.js';
import { add, conv, instanceNorm, mul, pad2d, reduceMean, relu, upsampleNearest } from '../../src/ops/index.js';
import { createSession } from '../../src/runtime/ort.js';
import { tinyModel } from '../helpers/models.js';

test('a small graph serializes with symbolic dims and runs in onnxruntime-node', async () => {
  const g = new Graph('t');
  const x = g.input('x', 'float32', ['batch', 2, 'height', 'width']);
  const w = g.param('w', f32([2, 2, 1, 1], [1, 0, 0, 2]));
  const y = relu(add(mul(conv(x, w, undefined), 0.5), -1)); // (w*x)/2 - 1, then relu
  g.output(y, 'y');
  g.output(reduceMean(y, [2, 3], true), 'm');
  const bytes = toOnnx(g, { metadata: { k: 'v' } });
  const parsed = parseOnnx(bytes);
  assert.deepEqual(parsed.metadata, { k: 'v' });
  assert.deepEqual(parsed.inputs, [{ name: 'x', dtype: 'float32', shape: ['batch', 2, 'height', 'width'] }]);
  assert.deepEqual(parsed.outputs[0]!.shape, ['batch', 2, 'height', 'width']);
  assert.deepEqual(parsed.outputs[1]!.shape, ['batch', 2, 1, 1]);
  assert.equal(parsed.opset, 17);
  const s = await createSession(bytes);
  const out = await s.run({ x: f32([1, 2, 1, 2], [4, 6, 1, 3]) });
  assert.deepEqual(Array.from(out.y!.data as Float32Array), [1, 2, 0, 2]);
  assert.deepEqual(Array.from(out.m!.data as Float32Array), [1.5, 1]);
});

test('shape inference follows padding, strides and upsampling', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [1, 3, 63, 81]);
  const w = g.param('w', f32([8, 3, 3, 3]));
  assert.deepEqual(conv(x, w, undefined, { strides: [2, 2], auto_pad: 'SAME_UPPER' }).shape, [1, 8, 32, 41]);
  assert.deepEqual(conv(pad2d(x, [1, 1, 1, 1], 'reflect'), w, undefined, { strides: [2, 2] }).shape, [1, 8, 32, 41]);
  assert.deepEqual(upsampleNearest(x, 2).shape, [1, 3, 126, 162]);
  const s = g.input('s', 'float32', ['n', 3, 'h', 'w']);
  assert.deepEqual(conv(s, w, undefined, { pads: [1, 1, 1, 1] }).shape, ['n', 8, 'h', 'w']);
  assert.deepEqual(conv(s, w, undefined, { strides: [2, 2], pads: [1, 1, 1, 1] }).shape, ['n', 8, null, null]);
});

test('errors name the op and the shapes', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [1, 3, 8, 8]);
  assert.throws(() => conv(x, g.param('w', f32([8, 4, 3, 3])), undefined), /Conv: input has 3 channels but weights \[8, 4, 3, 3\] expect 4/);
  assert.throws(() => add(x, g.input('y', 'float32', [1, 2, 8, 8])), /Add: shapes \[1, 3, 8, 8\] and \[1, 2, 8, 8\] do not broadcast/);
  assert.throws(() => pad2d(x, [8, 0, 0, 0], 'reflect'), /Pad: reflect padding 8\/0 needs axis 2 longer than 8/);
  assert.throws(() => instanceNorm(x, g.param('s', f32([4])), g.param('b', f32([3])), 1e-5), /InstanceNormalization: scale \[4\] does not match 3 channels/);
  assert.throws(() => g.input('x', 'float32', [1]), /the name 'x' is already used/);
});

test('the model file also runs in onnxruntime-web (WASM) with the same output', async () => {
  const m = tinyModel({ padding: 'same', upsample: 'transpose', head: 'tanh', finalNorm: true, bias: false });
  const x = f32([1, 3, 16, 20]);
  x.data.forEach((_, i) => (x.data[i] = (i * 7) % 255));
  const native = (await (await createSession(m.onnx)).run({ input: x })).output!.data as Float32Array;
  ortWeb.env.wasm.numThreads = 1;
  const web = await ortWeb.InferenceSession.create(m.onnx, { executionProviders: ['wasm'] });
  const res = await web.run({ input: new ortWeb.Tensor('float32', x.data, x.dims) });
  const wasm = res.output!.data as Float32Array;
  assert.equal(wasm.length, native.length);
  const err = wasm.reduce((mx, v, i) => Math.max(mx, Math.abs(v - native[i]!)), 0);
  assert.ok(err < 1e-2, `max difference ${err}`);
});
