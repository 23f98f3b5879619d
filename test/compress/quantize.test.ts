import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { toOnnx, parseOnnx } from '../../src/graph/onnx.js';
import { float16Bits, float16Value, quantizedNames } from '../../src/models/precision.js';
import type { Tensor } from '../../src/graph/tensor.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { readImage } from '../../src/io/image.js';
import { decodeModel, modelMetadata, readModelFile, toLoaded, transformerOf, type TransformerModel } from '../../src/models/modelfile.js';
import { quantizeModel } from '../../src/compress/quantize.js';
import { buildTransformer, paramSpecs, PRESETS, randomWeights, rng, type TransformerConfig } from '../../src/models/transformer.js';
import { calibrate } from '../../src/runtime/calibrate.js';
import type { RawImage } from '../../src/io/pixels.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { randomImage } from '../../src/sweep/sweep.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';
import { trainingSet } from '../helpers/train.js';

const dir = tempDir('stylecast-quantize-');
const photos = (await trainingSet(dir, 6)).content;
const calibration = { folder: photos, count: 6, size: 64 };

// tanh heads so random weights span 0..255 and PSNR on 8-bit output means something.
const CONFIGS: Record<string, TransformerConfig> = {
  torch: { ...PRESETS.torch, width: 8, blocks: 2, head: 'tanh' },
  engstrom: { ...PRESETS.engstrom, width: 8, blocks: 2 },
};
const model = (config: TransformerConfig, seed = 1): TransformerModel =>
  toLoaded({ config, weights: randomWeights(config, seed), info: { name: 'rand', style: 'random weights', source: 'test', license: 'MIT', inputRange: [0, 255] } });

/** A smooth photo not among the calibration photos. */
async function evalPhoto(): Promise<RawImage> {
  const r = rng(42);
  const small = Buffer.from(Array.from({ length: 5 * 5 * 3 }, () => Math.floor(r() * 256)));
  return readImage(await sharp(small, { raw: { width: 5, height: 5, channels: 3 } }).resize(96, 72, { kernel: 'cubic' }).png().toBuffer());
}

/** PSNR of the quantized model's 8-bit output against the float32 model's, through the Stylizer. */
async function psnr(q: TransformerModel, ref: TransformerModel): Promise<number> {
  const img = await evalPhoto();
  const a = (await (await Stylizer.create(q, { threads: 1 })).stylize(img)).data;
  const b = (await (await Stylizer.create(ref, { threads: 1 })).stylize(img)).data;
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10(255 ** 2 / Math.max(se / a.length, 1e-12));
}

/** Write atomically and read back, as the CLI and loadModel do. */
async function roundTrip(m: TransformerModel, name: string): Promise<TransformerModel> {
  const path = join(dir, name);
  await writeFileAtomic(path, m.onnx);
  return transformerOf(await readModelFile(path), 'test');
}

test('fp16: the file decodes to exactly float16-rounded weights and runs within 40 dB of float32', async () => {
  for (const [label, config] of Object.entries(CONFIGS)) {
    const m = model(config);
    const back = await roundTrip(await quantizeModel(m, 'fp16'), `${label}-fp16.onnx`);
    assert.equal(back.precision, 'fp16');
    assert.deepEqual(back.quantization, { from: m.sha256 });
    assert.deepEqual(back.config, m.config);
    assert.deepEqual(back.info, m.info);
    // The graph sessions run really is float16, under the parameters' own names.
    const inits = parseOnnx(back.onnx).initializers;
    assert.equal(inits.get('res.0.conv1.conv2d.weight')?.dtype, 'float16');
    for (const p of paramSpecs(config)) {
      const want = Float32Array.from(m.weights.get(p.name)!.data, (x) => float16Value(float16Bits(x)));
      assert.deepEqual(back.weights.get(p.name)!.data, want, p.name);
    }
    assert.ok(back.onnx.length < 0.55 * m.onnx.length, `${label}: ${back.onnx.length} vs ${m.onnx.length} bytes`);
    const db = await psnr(back, m);
    assert.ok(db > 40, `${label} fp16 PSNR ${db.toFixed(1)} dB`);
  }
});

test('int8: inner convs are stored as integers, weights come back within half a step, output stays close', async () => {
  // Measured (random weights, seeds 1-3, 96x72 photo): torch-like 33.4-33.8 dB, engstrom-like
  // 27.2-29.2 dB (its final instance norm feeds tanh * 150, which magnifies errors at mid-grey, and
  // its transposed convs have one weight scale per tensor). Bounds sit ~3 dB under the worst seed.
  const bounds: Record<string, number> = { torch: 30, engstrom: 24 };
  for (const [label, config] of Object.entries(CONFIGS)) {
    const m = model(config);
    const q = await quantizeModel(m, 'int8', { calibration, threads: 1 });
    const back = await roundTrip(q, `${label}-int8.onnx`);
    assert.equal(back.precision, 'int8');
    assert.deepEqual(back.quantization, { from: m.sha256, calibration: { photos: 6, folder: photos, size: 64 }, weightBits: 7, minChannels: 8 });
    const inits = parseOnnx(back.onnx).initializers;
    let quantized = 0;
    for (const p of paramSpecs(config)) {
      const orig = m.weights.get(p.name)!.data;
      const got = back.weights.get(p.name)!.data;
      const n = quantizedNames(p.name);
      const ints = inits.get(n.q);
      if (!ints) {
        // The RGB convs and the instance norms stay float32, untouched.
        assert.equal(inits.get(p.name)?.dtype, 'float32', p.name);
        assert.deepEqual(got, orig, p.name);
        continue;
      }
      quantized++;
      assert.equal(ints.dtype, p.name.endsWith('.bias') ? 'int32' : 'int8', p.name);
      const scale = inits.get(n.scale)!.data as Float32Array;
      const inner = orig.length / (scale.length === 1 ? 1 : p.dims[0]!);
      for (let i = 0; i < orig.length; i++) {
        const step = scale[scale.length === 1 ? 0 : Math.floor(i / inner)]!;
        assert.ok(Math.abs(got[i]! - orig[i]!) <= step / 2 + 1e-6 * Math.abs(orig[i]!), `${p.name}[${i}]: ${got[i]} vs ${orig[i]} (step ${step})`);
      }
    }
    // conv2, conv3, 2 blocks x 2 convs, deconv1, deconv2: weights, plus biases for the torch preset.
    assert.equal(quantized, config.bias ? 16 : 8, label);
    assert.equal(inits.get('conv1.conv2d.weight')?.dtype, 'float32');
    assert.ok(back.onnx.length < 0.45 * m.onnx.length, `${label}: ${back.onnx.length} vs ${m.onnx.length} bytes`);
    const db = await psnr(back, m);
    assert.ok(db > bounds[label]!, `${label} int8 PSNR ${db.toFixed(1)} dB`);
  }
});

test('int8 calibrated on image tensors records how many images it saw', async () => {
  const m = model(CONFIGS.torch!);
  const q = await quantizeModel(m, 'int8', { calibration: [randomImage(32, 48, 1), randomImage(32, 48, 2)], threads: 1 });
  assert.equal(q.precision, 'int8');
  assert.deepEqual(q.quantization?.calibration, { photos: 2 });
  await assert.rejects(quantizeModel(m, 'int8', { calibration: [randomImage(30, 48, 1)] }), /int8 calibration: tensors must be \[n, 3, h, w\] with sides multiples of 4 .* got \[1, 3, 30, 48\]/);
});

test('calibrate accumulates min and max over several feeds', async () => {
  const config = CONFIGS.torch!;
  const g = buildTransformer(config, randomWeights(config, 1), { shape: [1, 32, 32] });
  const a = randomImage(32, 32, 1);
  const b = f32Scaled(randomImage(32, 32, 2), 0.3);
  const [ra, rb, both] = [await calibrate(g, { input: a }, 1), await calibrate(g, { input: b }, 1), await calibrate(g, [{ input: a }, { input: b }], 1)];
  assert.equal(both.size, ra.size);
  for (const [name, [lo, hi]] of both) {
    assert.equal(lo, Math.min(ra.get(name)![0], rb.get(name)![0]), name);
    assert.equal(hi, Math.max(ra.get(name)![1], rb.get(name)![1]), name);
  }
  await assert.rejects(calibrate(g, [], 1), /calibrate: no calibration data/);
});

function f32Scaled(t: Tensor<'float32'>, k: number): Tensor<'float32'> {
  return { ...t, data: t.data.map((x) => x * k) };
}

test('fp32 files decode as fp32; unknown precisions are refused', () => {
  const m = tinyModel();
  const back = decodeModel(m.onnx);
  assert.equal(back.precision, 'fp32');
  assert.equal(back.quantization, undefined);
  const bytes = toOnnx(buildTransformer(m.config, m.weights), { metadata: { ...modelMetadata(m), 'stylecast.precision': 'int4' } });
  assert.throws(() => decodeModel(bytes, 'odd.onnx'), /^Error: odd\.onnx: unknown precision 'int4' \(expected fp32, fp16, int8\)$/);
});

test('re-quantizing, int8 without photos and empty photo folders are one-line errors', async () => {
  const m = model(CONFIGS.torch!);
  const half = await quantizeModel(m, 'fp16');
  await assert.rejects(quantizeModel(half, 'int8', { calibration }), /^Error: rand is already fp16; quantize its float32 model instead/);
  await assert.rejects(quantizeModel(m, 'int8'), /^Error: int8 quantization of rand needs calibration photos/);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  await assert.rejects(quantizeModel(m, 'int8', { calibration: { folder: empty } }), /calibration folder .*empty has no JPEG, PNG or WebP photos/);
  await assert.rejects(quantizeModel(m, 'int8', { calibration: { folder: photos, size: 30 } }), /calibration size must be a multiple of 4 of at least 8, got 30/);
  // Re-encoding a quantized model's recovered weights is an explicit float32 model again.
  assert.equal(toLoaded(half).precision, 'fp32');
});
