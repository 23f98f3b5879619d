import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { exportOnnx } from '../../src/export/onnx.js';
import { f32, type Tensor } from '../../src/graph/tensor.js';
import { maxAbsError, readFixture } from '../../src/io/fixture.js';
import { transformerOf } from '../../src/models/codec.js';
import { importForeign } from '../../src/import/foreign.js';
import { PRESETS, randomWeights, type TransformerConfig } from '../../src/models/transformer.js';
import { createSession } from '../../src/runtime/ort.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { foreignTransformer, halvesSize, oneChannelOut, twoInputs } from '../helpers/foreign.js';
import { tinyModel } from '../helpers/models.js';

const FOREIGN = 'foreign/mosaic_pytorch_export';

async function run(onnx: Uint8Array, input: Tensor<'float32'>): Promise<Tensor<'float32'>> {
  const s = await createSession(onnx, { threads: 1 });
  try {
    return (await s.run({ input })).output as Tensor<'float32'>;
  } finally {
    await s.release();
  }
}

function photo(h: number, w: number): Tensor<'float32'> {
  const t = f32([1, 3, h, w]);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.round(((Math.sin(i * 0.29) + Math.cos(i * 0.013)) / 4 + 0.5) * 255);
  return t;
}

test('import: the PyTorch fast_neural_style export reproduces PyTorch\'s own output, and runs at other sizes', { skip: needsMirror(FOREIGN) }, async () => {
  const bytes = new Uint8Array(await readFile(mirrorPath(`${FOREIGN}/model.onnx`)));
  const r = await importForeign(bytes, 'model.onnx', { name: 'mosaic_pt', threads: 2 });
  assert.deepEqual(transformerOf(r.model, 'test').config, PRESETS.torch);
  assert.deepEqual(r.fixedSize, [256, 256]);
  assert.equal(r.model.info.name, 'mosaic_pt');
  assert.deepEqual(r.model.info.inputRange, [0, 255]);
  const fx = await readFixture(mirrorPath(`${FOREIGN}/reference`));
  const err = maxAbsError(await run(r.model.onnx, fx.tensors.get('input')!), fx.tensors.get('output')!, 'mosaic');
  console.log(`# imported mosaic_pytorch_export vs PyTorch's output (256x256): max abs error ${err.toExponential(2)} on 0..255`);
  assert.ok(err <= 0.05, `max abs error ${err}`);
  assert.deepEqual((await run(r.model.onnx, photo(64, 96))).dims, [1, 3, 64, 96]);
});

test('import: a prefixed, dynamic-size network on 0..1 is folded to 0..255; an engstrom-style one keeps its variant', async () => {
  const config: TransformerConfig = { ...PRESETS.torch, width: 4, blocks: 1, head: 'raw' };
  const weights = randomWeights(config, 7);
  const foreign = foreignTransformer(config, weights, { prefix: 'model.', range: [0, 1] });
  const r = await importForeign(foreign, 'zoo.onnx', { inputRange: '0..1' });
  assert.deepEqual(transformerOf(r.model, 'test').config, config);
  assert.equal(r.fixedSize, undefined);
  const ref = tinyModel({ width: 4, blocks: 1, head: 'raw' }, 7);
  const x = photo(32, 40);
  const err = maxAbsError(await run(r.model.onnx, x), await run(ref.onnx, x));
  assert.ok(err <= 0.05, `folded range: max abs error ${err}`);
  // A -1..1 network with zero padding cannot take the offset into its weights exactly: it is
  // wrapped as it is instead (an opaque model), which still computes the same.
  const same: TransformerConfig = { ...config, padding: 'same' };
  const zoo = foreignTransformer(same, randomWeights(same, 7), { range: [-1, 1] });
  const wrapped = await importForeign(zoo, 'zoo.onnx', { inputRange: '-1..1' });
  assert.equal(wrapped.model.kind, 'opaque');
  assert.equal(wrapped.opaqueBecause, "--input-range -1..1 needs an offset that zero ('same') padding does not keep uniform at the borders; not supported");
  // The foreign network run directly, with its pixel range converted by hand.
  const zs = await createSession(zoo, { threads: 1 });
  const direct = ((await zs.run({ image: f32(x.dims, x.data.map((v) => (v * 2) / 255 - 1)) })).styled as Tensor<'float32'>).data.map((v) => ((v + 1) * 255) / 2);
  await zs.release();
  assert.ok(maxAbsError(await run(wrapped.model.onnx, x), f32(x.dims, direct)) <= 0.05, '-1..1 wrapped');
  const m11 = await importForeign(foreignTransformer(config, weights, { range: [-1, 1] }), 'zoo.onnx', { inputRange: '-1..1' });
  assert.ok(maxAbsError(await run(m11.model.onnx, x), await run(ref.onnx, x)) <= 0.05, '-1..1 folded');

  const eng: TransformerConfig = { ...PRESETS.engstrom, width: 4, blocks: 2 };
  const engModel = tinyModel(eng, 4);
  const back = await importForeign(exportOnnx(engModel, { size: [36, 28] }), 'eng.onnx');
  assert.deepEqual(transformerOf(back.model, 'test').config, engModel.config);
  assert.deepEqual(back.fixedSize, [36, 28]);
  assert.equal(back.maxAbsError, 0);
});

test('import: initializers with arbitrary names are read by where the graph uses them', async () => {
  // Reversed numbering so the initializers' file order is no help either.
  const rename = (_: string, i: number) => `onnx::Conv_${900 - i}`;
  for (const config of [
    { ...PRESETS.engstrom, width: 4, blocks: 2 },
    { ...PRESETS.torch, width: 4, blocks: 1, residual: 'separable' as const, firstKernel: 5, lastKernel: 3 },
  ] satisfies TransformerConfig[]) {
    const weights = randomWeights(config, 11);
    const r = await importForeign(foreignTransformer(config, weights, { rename }), 'folded.onnx');
    const m = transformerOf(r.model, 'test');
    assert.deepEqual(m.config, config);
    assert.equal(r.maxAbsError, 0);
    for (const [k, t] of weights) assert.deepEqual(m.weights.get(k)!.data, t.data, k);
  }
});

test('import refuses what is not an image-to-image style network, in one line', async () => {
  const cases: [Uint8Array, RegExp][] = [
    [twoInputs(), /^Error: x\.onnx: not an image-to-image network: it has 2 inputs \('a', 'b'\); stylecast imports networks with one float image input \[N, 3, H, W\]$/],
    [oneChannelOut(), /^Error: x\.onnx: not an image-to-image network: its output 'mask' is float32 \[1, 1, 8, 8\], not an image \[N, 3, H, W\]$/],
    [halvesSize(), /^Error: x\.onnx: not an image-to-image network: a 64x64 image gives an output of shape \[1, 3, 32, 32\]$/],
    [tinyModel().onnx, /^Error: x\.onnx: already a stylecast model file; use it directly$/],
    [new TextEncoder().encode('not onnx at all'), /^Error: x\.onnx: not a valid ONNX model/],
  ];
  for (const [bytes, re] of cases) {
    await assert.rejects(importForeign(bytes, 'x.onnx'), (e: Error) => {
      assert.match(String(e), re);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
  }
});
