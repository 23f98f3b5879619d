import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blob, evaluateCoreml } from '../../src/export/coreml/evaluate.js';
import { COREML_OUTPUT, decodeCoreml, encodeCoreml } from '../../src/export/coreml/writer.js';
import { exportModel } from '../../src/export/index.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { parseOnnx } from '../../src/graph/onnx.js';
import { f32, type Tensor } from '../../src/graph/tensor.js';
import { toLoaded, type TransformerModel } from '../../src/models/modelfile.js';
import { mixWeights, normParamNames, type StyleEntry, type StyleMix } from '../../src/models/styles.js';
import { PRESETS, randomWeights, rng, type TransformerConfig } from '../../src/models/transformer.js';
import { createSession } from '../../src/runtime/ort.js';

const STYLES: StyleEntry[] = [{ name: 'candy', teacher: 'candy' }, { name: 'mosaic', teacher: 'mosaic' }, { name: 'wave', teacher: 'wave' }];

function multiModel(family: 'torch' | 'engstrom'): TransformerModel {
  const config: TransformerConfig = { ...PRESETS[family], width: 4, blocks: 1, firstKernel: 3, lastKernel: 3, head: 'tanh', styles: STYLES.length };
  const weights = randomWeights(config, 6);
  const rand = rng(8);
  for (const name of normParamNames(config)) {
    const t = weights.get(name)!;
    for (let i = 0; i < t.data.length; i++) t.data[i] = (name.endsWith('weight') ? 1 : 0) + (rand() - 0.5);
  }
  return toLoaded({ config, weights, styles: STYLES, info: { name: 'multi', style: 'three styles', source: 'test', license: 'MIT', inputRange: [0, 255] } });
}

function photo(h: number, w: number): Tensor<'float32'> {
  const t = f32([1, 3, h, w]);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.round(((Math.sin(i * 0.37) + Math.cos(i * 0.011)) / 4 + 0.5) * 255);
  return t;
}

/** The model file's own graph in onnxruntime at a style or mix. */
async function reference(m: TransformerModel, x: Tensor<'float32'>, style: StyleMix): Promise<Float32Array> {
  const s = await createSession(m.onnx, { threads: 1 });
  try {
    return (await s.run({ input: x, style: f32([STYLES.length], mixWeights(m.styles, style)) })).output!.data as Float32Array;
  } finally {
    await s.release();
  }
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

for (const family of ['torch', 'engstrom'] as const) {
  test(`coreml export of a multi-style ${family} network bakes one style or mix; the reference evaluator matches onnxruntime fed that mix`, async () => {
    const m = multiModel(family);
    const x = photo(20, 16);
    for (const style of ['mosaic', { candy: 0.7, wave: 0.3 }] as const) {
      const d = decodeCoreml(encodeCoreml(m, { size: [16, 20], style }));
      const got = evaluateCoreml(d, Object.assign(blob(3, 20, 16), { data: Float64Array.from(x.data) })).get(COREML_OUTPUT)!;
      const want = await reference(m, x, style);
      assert.ok(maxAbs(got.data, want) <= 0.05, `${JSON.stringify(style)}: ${maxAbs(got.data, want)}`);
      assert.equal(d.description!.metadata!.userDefined!['stylecast.styleMix'], typeof style === 'string' ? 'mosaic=1' : 'candy=0.7,wave=0.3');
      assert.equal(JSON.parse(d.description!.metadata!.userDefined!['stylecast.config']!).styles, undefined);
    }
    assert.throws(() => encodeCoreml(m), /^Error: coreml export of the multi-style network multi bakes one style or mix in: pass --style \(one of candy, mosaic, wave/);
    assert.throws(() => encodeCoreml(m, { style: 'scream' }), /unknown style 'scream'; multi's styles are candy, mosaic, wave/);
  });
}

test('onnx export of a multi-style network keeps the style input (and every style) or bakes one in', async () => {
  const m = multiModel('torch');
  const x = photo(16, 24);
  const all = exportOnnx(m);
  const p = parseOnnx(all);
  assert.deepEqual(p.inputs.map((i) => [i.name, i.shape]), [['input', ['batch', 3, 'height', 'width']], ['style', [3]]]);
  assert.match(p.metadata['io.style']!, /style: float32 \[3\], one weight per style \(candy, mosaic, wave\)/);
  assert.deepEqual(JSON.parse(p.metadata['stylecast.styles']!), STYLES);
  const s = await createSession(all, { threads: 1 });
  try {
    const mix = { mosaic: 1, wave: 1 };
    const out = (await s.run({ input: x, style: f32([3], mixWeights(STYLES, mix)) })).output!.data as Float32Array;
    assert.equal(maxAbs(out, await reference(m, x, mix)), 0);
  } finally {
    await s.release();
  }
  const baked = exportModel(m, { format: 'onnx', style: 'wave' });
  const b = parseOnnx(baked);
  assert.deepEqual(b.inputs.map((i) => i.name), ['input']);
  assert.equal(b.metadata['stylecast.styleMix'], 'wave=1');
  const bs = await createSession(baked, { threads: 1 });
  try {
    const out = (await bs.run({ input: x })).output!.data as Float32Array;
    assert.ok(maxAbs(out, await reference(m, x, 'wave')) < 1e-3);
  } finally {
    await bs.release();
  }
});
