import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toOnnx } from '../../src/graph/onnx.js';
import { f32 } from '../../src/graph/tensor.js';
import { buildTransformer, PRESETS, randomWeights, type TransformerConfig } from '../../src/models/transformer.js';
import { createSession } from '../../src/runtime/ort.js';
import { float16Bits, float16Value, quantizeWeights, toFloat16, toFloat16Graph, toInt8Graph, uint8Params } from '../../src/models/precision.js';
import { calibrate } from '../../src/runtime/calibrate.js';
import { randomImage } from '../../src/sweep/sweep.js';

test('float16Bits rounds to nearest even and handles the edges', () => {
  const cases: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-Infinity, 0xfc00],
    [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [2 ** -14, 0x0400], [1e-9, 0], [-0, 0x8000],
    [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], // ties go to even
  ];
  for (const [x, bits] of cases) assert.equal(float16Bits(x), bits, `float16Bits(${x})`);
  assert.equal(float16Bits(NaN) & 0x7c00, 0x7c00);
  assert.ok(Number.isNaN(float16Value(float16Bits(NaN))));
  for (const x of [0.5, -3.25, 1024, 0.000123, 150, 127.5]) assert.ok(Math.abs(float16Value(float16Bits(x)) - x) <= Math.abs(x) * 2 ** -11);
  assert.deepEqual(Array.from(toFloat16(f32([2], [1, -2])).data), [0x3c00, 0xc000]);
});

test('quantizeWeights: symmetric per-channel int8 within the bit range; uint8Params covers zero', () => {
  const w = f32([2, 1, 1, 2], [0.25, -1, 4, 1]);
  const { q, scales } = quantizeWeights(w, 0, 8);
  assert.deepEqual(Array.from(scales, (s) => Number(s.toFixed(6))), [Number((1 / 127).toFixed(6)), Number((4 / 127).toFixed(6))]);
  assert.deepEqual(Array.from(q.data), [32, -127, 127, 32]);
  assert.deepEqual(Array.from(quantizeWeights(w, 0, 7).q.data), [16, -63, 63, 16]);
  assert.equal(quantizeWeights(w).scales.length, 1);
  assert.deepEqual(uint8Params(-1, 1), { scale: 2 / 255, zeroPoint: 128 });
  assert.deepEqual(uint8Params(2, 5.1), { scale: 5.1 / 255, zeroPoint: 0 });
  assert.deepEqual(uint8Params(0, 0), { scale: 1, zeroPoint: 0 });
});

const small: TransformerConfig = { ...PRESETS.torch, width: 8, blocks: 1, firstKernel: 3, lastKernel: 3 };

async function outputs(config: TransformerConfig) {
  const [h, w] = [32, 48];
  const g = buildTransformer(config, randomWeights(config, 1), { shape: [1, h, w] });
  const input = randomImage(h, w, 3);
  const run = async (bytes: Uint8Array) => (await (await createSession(bytes, { threads: 1 })).run({ input })).output!;
  const rel = (a: Float32Array, b: Float32Array) => {
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) [num, den] = [num + (a[i]! - b[i]!) ** 2, den + b[i]! ** 2];
    return Math.sqrt(num / den);
  };
  const ref = await run(toOnnx(g));
  const fp16 = toFloat16Graph(g);
  const int8 = toInt8Graph(g, await calibrate(g, { input }, 1));
  return { g, fp16, int8, ref, rel, half: await run(toOnnx(fp16)), quant: await run(toOnnx(int8)) };
}

test('the float16 graph keeps float32 I/O and matches float32 to half precision', async () => {
  for (const config of [small, { ...PRESETS.engstrom, width: 8, blocks: 1, firstKernel: 3, lastKernel: 3 }]) {
    const { fp16, ref, half, rel } = await outputs(config);
    assert.equal(fp16.inputs[0]!.dtype, 'float32');
    assert.equal(fp16.outputs[0]!.dtype, 'float32');
    assert.ok(fp16.nodes.some((n) => n.def.type === 'Conv' && n.inputs[1]!.dtype === 'float16'));
    // Resize's roi and scales must stay float32 (the spec says so whatever the data type).
    for (const n of fp16.nodes.filter((n) => n.def.type === 'Resize')) assert.equal(n.inputs[2]!.dtype, 'float32');
    assert.deepEqual(half.dims, ref.dims);
    const e = rel(half.data as Float32Array, ref.data as Float32Array);
    assert.ok(e < 1e-2, `fp16 relative error ${e}`);
  }
});

test('the int8 graph wraps inner convs in QDQ pairs, keeps RGB convs float, and stays close to float32', async () => {
  const { int8, ref, quant, rel } = await outputs(small);
  const convs = int8.nodes.filter((n) => n.def.type === 'Conv');
  const fed = (n: (typeof convs)[number]) => n.inputs[1]!.producer?.def.type;
  // 3 -> 8 and 8 -> 3 stay float32; the 4 inner convs and 2 residual convs take dequantized int8 weights.
  assert.deepEqual(convs.map(fed), [undefined, 'DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear', undefined]);
  assert.equal(int8.nodes.filter((n) => n.def.type === 'QuantizeLinear').length, 12);
  const w = convs[1]!.inputs[1]!.producer!.inputs[0]!;
  assert.equal(w.dtype, 'int8');
  const data = int8.initializers.get(w.name)!.tensor.data as Int8Array;
  assert.ok(data.every((v) => v >= -63 && v <= 63), 'weights use 7 bits by default');
  const e = rel(quant.data as Float32Array, ref.data as Float32Array);
  assert.ok(e < 0.15, `int8 relative error ${e}`);
});
