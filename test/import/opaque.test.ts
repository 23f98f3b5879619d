import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { compress } from '../../src/compress/index.js';
import { exportModel } from '../../src/export/index.js';
import { f32, type Tensor } from '../../src/graph/tensor.js';
import { decodeModel, transformerOf, type OpaqueModel } from '../../src/models/codec.js';
import { importForeign } from '../../src/import/foreign.js';
import { inferenceOnnx } from '../../src/models/inference.js';
import { quantizeModel } from '../../src/compress/quantize.js';
import { PRESETS } from '../../src/models/transformer.js';
import type { RawImage } from '../../src/io/pixels.js';
import { createSession } from '../../src/runtime/ort.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { train } from '../../src/train/trainer.js';
import { loadModel as webLoadModel } from '../../src/web/model.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { notATransformer, opaqueNet } from '../helpers/foreign.js';
import { tempDir } from '../helpers/tmp.js';
import { tinyVgg, trainingSet } from '../helpers/train.js';

/** A smooth RGB test photo. */
function photo(w: number, h: number, seed = 0): RawImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(127.5 + 120 * Math.sin(i * 0.037 + seed) * Math.cos(i * 0.0011));
  return { width: w, height: h, channels: 3, data };
}

/**
 * What the foreign network itself makes of a photo, run directly in onnxruntime-node: pixels mapped
 * by hand to its range lo..hi, its output mapped back and rounded to 0..255 like stylecast's output.
 */
async function foreignDirect(bytes: Uint8Array, img: RawImage, [lo, hi]: readonly [number, number]): Promise<Uint8Array> {
  const { width: w, height: h } = img;
  const a = (hi - lo) / 255;
  const x = f32([1, 3, h, w]);
  for (let c = 0; c < 3; c++) for (let p = 0; p < w * h; p++) x.data[c * w * h + p] = img.data[p * 3 + c]! * a + lo;
  const s = await createSession(bytes, { threads: 1 });
  try {
    const y = (await s.run({ input: x })).output as Tensor<'float32'>;
    const out = new Uint8Array(w * h * 3);
    for (let c = 0; c < 3; c++) for (let p = 0; p < w * h; p++) out[p * 3 + c] = Math.min(255, Math.max(0, Math.round((y.data[c * w * h + p]! - lo) / a)));
    return out;
  } finally {
    await s.release();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function stylize(model: OpaqueModel, images: RawImage[]): Promise<RawImage[]> {
  return (await Stylizer.create(model, { threads: 1 })).stylizeMany(images);
}

test('an image-to-image network that is not a transformer is wrapped: at its fixed size the Stylizer gives its own output; other sizes are resized in and out', async () => {
  const foreign = opaqueNet({ shape: [1, 32, 32] });
  const r = await importForeign(foreign, 'blur.onnx', { inputRange: '0..1', threads: 1 });
  assert.equal(r.model.kind, 'opaque');
  const model = r.model as OpaqueModel;
  assert.deepEqual(r.fixedSize, [32, 32]);
  assert.match(r.opaqueBecause!, /not a fast_neural_style transformer's/);
  assert.ok(r.maxAbsError <= 1e-3, `wrapper vs foreign: ${r.maxAbsError}`);
  assert.deepEqual(model.opaque, { fixedSize: [32, 32], foreignRange: [0, 1], stride: 1, minSide: 1 });
  assert.equal(inferenceOnnx(model), model.onnx, 'sessions run the stored wrapper');

  // The file decodes back to the same opaque model.
  const back = decodeModel(model.onnx, 'blur-wrapped.onnx');
  assert.equal(back.kind, 'opaque');
  assert.deepEqual((back as OpaqueModel).opaque, model.opaque);
  assert.deepEqual(back.info, model.info);
  // The browser entry decodes with the same codec and runs the same graph.
  const web = await webLoadModel(model.onnx);
  assert.equal(web.kind, 'opaque');
  assert.equal(inferenceOnnx(web), web.onnx);
  assert.deepEqual([web.stride, web.minSide], [1, 1]);

  const img = photo(32, 32);
  const [same] = await stylize(model, [img]);
  assert.ok(maxDiff(same!.data, await foreignDirect(foreign, img, [0, 1])) <= 1, 'Stylizer at 32x32 = the foreign network');

  // A batch of two at another size: each output has its input's size and is the resize of the
  // 32x32 result of the resized input, so a flat photo stays close to the flat output it maps to.
  const [a, b] = await stylize(model, [photo(48, 40, 1), photo(48, 40, 2)]);
  assert.deepEqual([a!.width, a!.height, b!.width, b!.height], [48, 40, 48, 40]);
  const flat = (w: number, h: number): RawImage => ({ width: w, height: h, channels: 3, data: new Uint8Array(w * h * 3).fill(90) });
  const [big] = await stylize(model, [flat(50, 30)]);
  const want = await foreignDirect(foreign, flat(32, 32), [0, 1]);
  // Away from the borders (where the convs' zero padding differs by size) a flat image's output is flat.
  const centre = (img: RawImage) => Array.from(img.data.subarray(((img.height >> 1) * img.width + (img.width >> 1)) * 3, ((img.height >> 1) * img.width + (img.width >> 1)) * 3 + 3));
  assert.ok(maxDiff(centre(big!), centre({ width: 32, height: 32, channels: 3, data: want })) <= 1, 'resized in and out');
});

test('a dynamic-size network is wrapped without resizing; the stride it needs is found, and odd sizes are padded to it', async () => {
  const foreign = opaqueNet({ downsample: true });
  const r = await importForeign(foreign, 'down.onnx', { inputRange: '-1..1', threads: 1 });
  const model = r.model as OpaqueModel;
  assert.equal(model.kind, 'opaque');
  assert.equal(r.fixedSize, undefined);
  assert.deepEqual(model.opaque, { foreignRange: [-1, 1], stride: 2, minSide: 8 });
  assert.deepEqual([model.stride, model.minSide], [2, 8]);
  const img = photo(40, 24, 3);
  const [out] = await stylize(model, [img]);
  assert.ok(maxDiff(out!.data, await foreignDirect(foreign, img, [-1, 1])) <= 1, 'Stylizer = the foreign network');
  const [odd] = await stylize(model, [photo(33, 21)]);
  assert.deepEqual([odd!.width, odd!.height], [33, 21]);
});

test('what needs the architecture refuses an opaque model in one line', async () => {
  const { model } = await importForeign(notATransformer(), 'mix.onnx', { threads: 1 });
  assert.equal(model.kind, 'opaque');
  const oneLine = (re: RegExp) => (e: Error) => {
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'));
    return true;
  };
  assert.throws(() => exportModel(model, { format: 'coreml' }), oneLine(/^mix is an imported opaque network \(not a stylecast transformer\): export --format coreml needs the architecture and weights; it can only stylize and be evaluated$/));
  assert.throws(() => exportModel(model, { format: 'onnx' }), oneLine(/export --format onnx needs the architecture/));
  await assert.rejects(quantizeModel(model, 'fp16'), oneLine(/^mix is an imported opaque network .*: quantize fp16 needs the architecture/));
  assert.throws(() => transformerOf(model, 'train --init mix'), oneLine(/train --init mix needs the architecture/));
  const file = join(tempDir('stylecast-opaque-'), 'mix.onnx');
  await writeFileAtomic(file, model.onnx);
  const student = join(dirname(file), 'student.onnx');
  await assert.rejects(compress({ teacher: file, content: dirname(file), output: student, steps: 1, vgg: 'vgg19' }), oneLine(/^mix is an imported opaque network .*: compress --teacher .*mix\.onnx needs the architecture/));
  assert.ok(!existsSync(student));
});

test('an opaque model can still teach: distillation only needs its outputs', async () => {
  const { model } = await importForeign(opaqueNet({ shape: [1, 32, 32] }), 'teach.onnx', { inputRange: '0..1', threads: 1 });
  const dir = tempDir('stylecast-opaque-teacher-');
  const data = await trainingSet(dir, 2);
  const teacher = join(dir, 'teacher.onnx');
  await writeFileAtomic(teacher, model.onnx);
  const output = join(dir, 'student.onnx');
  const losses: number[] = [];
  await train(
    { style: data.style, content: data.content, output, steps: 2, size: 32, batch: 2, vgg: tinyVgg(), teacher, weights: { distill: 1 }, config: { ...PRESETS.torch, width: 4, blocks: 1 }, threads: 1 },
    (e) => {
      if (e.type === 'step') losses.push(e.losses['distill']!);
    },
  );
  assert.equal(losses.length, 2);
  assert.ok(losses.every((l) => Number.isFinite(l) && l > 0), `distill losses ${losses}`);
  assert.equal(transformerOf(decodeModel(new Uint8Array(readFileSync(output))), 'test').config.width, 4);
});
