import assert from 'node:assert/strict';
import { test } from 'node:test';
import { float16Bits, float16Value } from '../../src/models/precision.js';
import { psnr } from '../../src/eval/metrics.js';
import { blob, evaluateCoreml, weightValues } from '../../src/export/coreml/evaluate.js';
import type { Layer } from '../../src/export/coreml/types.js';
import { COREML_OUTPUT, decodeCoreml, encodeCoreml } from '../../src/export/coreml/writer.js';
import { transformerOf } from '../../src/models/codec.js';
import { loadModel } from '../../src/models/load.js';
import { toLoaded, type TransformerModel } from '../../src/models/modelfile.js';
import { paramSpecs, PRESETS, randomWeights, type TransformerConfig } from '../../src/models/transformer.js';
import { createSession } from '../../src/runtime/ort.js';
import { needsMirror } from '../helpers/assets.js';

const random = (overrides: Partial<TransformerConfig>, seed = 3): TransformerModel => {
  const config = { ...PRESETS.torch, width: 4, blocks: 1, ...overrides };
  return toLoaded({ config, weights: randomWeights(config, seed), info: { name: 'rand', style: 'random weights', source: 'test', license: 'MIT', inputRange: [0, 255] } });
};

/** Every architecture option: both families' padding/upsampling/heads, separable blocks, odd kernels. */
const VARIANTS: Record<string, () => TransformerModel> = {
  'torch (reflect, nearest, raw)': () => random({}),
  'engstrom (same, transpose, final norm, tanh)': () => random({ ...PRESETS.engstrom, width: 4, blocks: 1 }),
  'separable residual, kernels 5/3': () => random({ residual: 'separable', firstKernel: 5, lastKernel: 3, head: 'tanh', blocks: 2 }),
};

const f16 = (v: number) => float16Value(float16Bits(v));

/**
 * Check a decoded model's layers against the source model's config and weights: every parameter is in
 * a layer of the right type with the right shape and values, and the layer counts match the config.
 */
function checkLayers(layers: readonly Layer[], m: TransformerModel, fp16: boolean): void {
  const c = m.config;
  const byName = new Map(layers.map((l) => [l.name, l]));
  const specs = paramSpecs(c);
  for (const p of specs) {
    const [layerName, field] = [p.name.slice(0, p.name.lastIndexOf('.')), p.name.slice(p.name.lastIndexOf('.') + 1)];
    const l = byName.get(layerName);
    assert.ok(l, `no layer for ${p.name}`);
    const src = m.weights.get(p.name)!.data;
    const isNorm = p.dims.length === 1 && l.layer === 'batchnorm';
    let got: Float64Array;
    if (isNorm) {
      assert.equal(l.batchnorm!.channels, p.dims[0]);
      assert.equal(l.batchnorm!.instanceNormalization, true);
      assert.equal(l.batchnorm!.computeMeanVar, true);
      assert.equal(l.batchnorm!.epsilon, Math.fround(c.normEpsilon));
      got = weightValues(field === 'weight' ? l.batchnorm!.gamma : l.batchnorm!.beta, p.name);
    } else {
      assert.equal(l.layer, 'convolution', `${p.name}: ${l.layer}`);
      const cv = l.convolution!;
      const transposed = c.upsample === 'transpose' && /^deconv[12]\./.test(p.name);
      assert.equal(cv.isDeconvolution ?? false, transposed, p.name);
      assert.equal(cv.hasBias ?? false, c.bias, p.name);
      if (field === 'weight') {
        const [a, b, kh, kw] = p.dims;
        assert.deepEqual(cv.kernelSize, [kh, kw], p.name);
        // Convolution weights are [C_out, C_in/groups, kH, kW]; deconvolution ones [C_in, C_out, kH, kW].
        assert.deepEqual([cv.outputChannels, cv.kernelChannels], transposed ? [b, a] : [a, b], p.name);
        const stride = /^conv[23]\./.test(p.name) || transposed ? 2 : 1;
        assert.deepEqual(cv.stride, [stride, stride], p.name);
        assert.equal(cv.nGroups, p.name.endsWith('depthwise.weight') ? a : 1, p.name);
        assert.ok(fp16 ? cv.weights!.float16Value?.length : cv.weights!.floatValue?.length, `${p.name}: weights stored as ${fp16 ? 'float16' : 'float32'}`);
      }
      got = weightValues(field === 'weight' ? cv.weights : cv.bias, p.name);
      // Padding: reflection layers before the convs (k > 1) of reflect networks, the conv's own SAME padding otherwise.
      const k = p.dims[2] ?? 1;
      if (field === 'weight' && !transposed) {
        if (c.padding === 'reflect') {
          assert.ok(cv.valid, p.name);
          const pad = byName.get(`${layerName}.pad`);
          if (k > 1) assert.deepEqual(pad?.padding?.reflection && pad.padding.paddingAmounts?.borderAmounts?.map((e) => [e.startEdgeSize, e.endEdgeSize]), [[(k - 1) / 2, (k - 1) / 2], [(k - 1) / 2, (k - 1) / 2]], p.name);
          else assert.equal(pad, undefined);
        } else assert.equal(cv.same?.asymmetryMode ?? 0, 0, p.name);
      }
    }
    assert.equal(got.length, src.length, p.name);
    const want = (i: number) => (fp16 && !isNorm ? f16(src[i]!) : src[i]!);
    for (let i = 0; i < src.length; i++) if (got[i] !== want(i)) assert.fail(`${p.name}[${i}]: ${got[i]} != ${want(i)}`);
  }
  const count = (kind: Layer['layer'], pred: (l: Layer) => boolean = () => true) => layers.filter((l) => l.layer === kind && pred(l)).length;
  const convs = specs.filter((p) => p.dims.length === 4).length;
  assert.equal(count('convolution'), convs);
  assert.equal(count('batchnorm'), specs.filter((p) => p.dims.length === 1 && !p.name.includes('conv')).length / 2);
  assert.equal(count('add'), c.blocks);
  assert.equal(count('activation', (l) => !!l.activation?.ReLU), 5 + c.blocks);
  assert.equal(count('upsample'), c.upsample === 'nearest' ? 2 : 0);
  assert.equal(count('activation', (l) => !!l.activation?.scaledTanh), c.head === 'tanh' ? 1 : 0);
  for (const l of layers.filter((x) => x.layer === 'add')) assert.equal(l.input.length, 2, `${l.name} adds the block input and its branch`);
  assert.deepEqual(layers[layers.length - 1]!.output, [COREML_OUTPUT]);
}

for (const [label, make] of Object.entries(VARIANTS)) {
  for (const fp16 of [false, true]) {
    test(`coreml round trip: ${label}${fp16 ? ', fp16' : ''}`, () => {
      const m = make();
      const d = decodeCoreml(encodeCoreml(m, { size: [16, 20], fp16 }));
      assert.equal(d.specificationVersion, fp16 ? 2 : 1);
      const [inp, out] = [d.description!.input![0]!, d.description!.output![0]!];
      for (const f of [inp, out]) assert.deepEqual({ w: f.type?.imageType?.width, h: f.type?.imageType?.height, rgb: f.type?.imageType?.colorSpace }, { w: 16, h: 20, rgb: 20 });
      assert.equal(d.description!.metadata!.userDefined!['stylecast.sourceSha256'], m.sha256);
      assert.equal(d.description!.metadata!.license, 'MIT');
      checkLayers(d.neuralNetwork!.layers!, m, fp16);
      // Shapes: every layer's output, from the evaluator's walk, ends at the declared image size.
      const values = evaluateCoreml(d, blob(3, 20, 16));
      const y = values.get(COREML_OUTPUT)!;
      assert.deepEqual([y.c, y.h, y.w], [3, 20, 16]);
      for (const l of d.neuralNetwork!.layers!) if (l.convolution) assert.equal(values.get(l.output[0]!)!.c, l.convolution.outputChannels, l.name);
    });
  }
}

test('coreml: a flexible model declares a size range (specification 3); sizes off the stride are refused', () => {
  const m = random({});
  const d = decodeCoreml(encodeCoreml(m));
  assert.equal(d.specificationVersion, 3);
  assert.deepEqual(d.description!.input![0]!.type!.imageType!.imageSizeRange, { widthRange: { lowerBound: m.minSide, upperBound: -1 }, heightRange: { lowerBound: m.minSide, upperBound: -1 } });
  assert.throws(() => encodeCoreml(m, { size: [17, 20] }), /^Error: size 17x20: width and height must be multiples of 4 \(the network's stride\)$/);
  assert.throws(() => decodeCoreml(new Uint8Array([0xff, 0xff, 0xff])), /not a valid CoreML model/);
});

/** A deterministic 0..255 test image. */
function image(h: number, w: number) {
  const x = blob(3, h, w);
  for (let i = 0; i < x.data.length; i++) x.data[i] = Math.round(((Math.sin(i * 0.37) + Math.cos(i * 0.011)) / 4 + 0.5) * 255);
  return x;
}

/** onnxruntime on the model file's own graph vs the reference evaluator on the decoded CoreML layers. */
async function compare(m: TransformerModel, h: number, w: number, fp16: boolean) {
  // Even sizes: the exported fixed-size model. Odd sizes are refused by export (stride 4), so the
  // layers of the flexible model are evaluated there: the output is the network's raw 4-multiple size.
  const d = decodeCoreml(encodeCoreml(m, { fp16, ...(h % 4 || w % 4 ? {} : { size: [w, h] as const }) }));
  const x = image(h, w);
  const got = evaluateCoreml(d, x).get(COREML_OUTPUT)!;
  const s = await createSession(m.onnx, { threads: 1 });
  try {
    const r = (await s.run({ input: { dtype: 'float32', dims: [1, 3, h, w], data: Float32Array.from(x.data) } })).output!;
    assert.deepEqual([got.c, got.h, got.w], r.dims.slice(1));
    let max = 0;
    for (let i = 0; i < got.data.length; i++) max = Math.max(max, Math.abs(got.data[i]! - (r.data[i] as number)));
    return { max, psnr: psnr(got.data, r.data as Float32Array) };
  } finally {
    await s.release();
  }
}

const NUMERIC: readonly (readonly [string, string | false])[] = [
  ['candy_rt', false],
  ['la_muse_rt', false],
  ['candy', needsMirror('teachers/pytorch-examples/candy')],
  ['la_muse', needsMirror('teachers/engstrom/la_muse')],
];

for (const [name, skip] of NUMERIC) {
  test(`coreml numerics: ${name}, reference evaluator vs onnxruntime at 16x20 and 17x21, fp32 and fp16`, { skip }, async () => {
    const m = transformerOf(await loadModel(name), 'test');
    for (const [h, w] of [[20, 16], [21, 17]] as const) {
      const fp32 = await compare(m, h, w, false);
      assert.ok(fp32.max <= 0.05, `${name} ${w}x${h} fp32: max abs error ${fp32.max}`);
      const half = await compare(m, h, w, true);
      assert.ok(half.psnr >= 45, `${name} ${w}x${h} fp16: PSNR ${half.psnr}`);
      console.log(`# ${name} ${w}x${h}: fp32 max abs error ${fp32.max.toExponential(2)} (PSNR ${fp32.psnr.toFixed(1)} dB), fp16 PSNR ${half.psnr.toFixed(1)} dB (max ${half.max.toExponential(2)})`);
    }
  });
}
