import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Graph, type Value } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import type { Tensor } from '../../src/graph/tensor.js';
import { imagesToTensor } from '../../src/io/pixels.js';
import { decodeImage } from '../../src/io/decode.js';
import { readModelFile } from '../../src/models/modelfile.js';
import { PRESETS } from '../../src/models/transformer.js';
import { vggFeatures } from '../../src/models/vgg.js';
import { createSession } from '../../src/runtime/ort.js';
import { listImages } from '../../src/train/data.js';
import { contentLoss, gram, styleLoss } from '../../src/train/losses.js';
import type { ForwardPass } from '../../src/train/spec.js';
import { teacherContentTerm, teacherStyleTerm } from '../../src/train/terms/perceptual-distill.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';
import { checkGradients, randomTensor } from '../helpers/gradcheck.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';
import { tinyVgg, trainingSet } from '../helpers/train.js';

const vgg = tinyVgg();
const CONTENT = 'relu2_2';
const STYLE = ['relu1_2', 'relu2_2', 'relu3_3'];
const ctx = (graph: Graph) => ({ graph, batch: 2, height: 8, width: 8, vgg, contentLayer: CONTENT, styleLayers: STYLE });

/** The forward pass as a term sees it, with the teacher's output a plain value. */
function pass(y: Value, t: Value): ForwardPass {
  const taps = [...new Set([CONTENT, ...STYLE])];
  return { x: y, y, teacher: t, features: vggFeatures(y, vgg, taps), teacherFeatures: vggFeatures(t, vgg, taps) };
}

for (const term of [teacherContentTerm, teacherStyleTerm]) {
  test(`${term.name}: gradients with respect to the student's output match finite differences`, async () => {
    // 0..255 images, as the loss network sees them; a step of 0.05 levels rarely crosses a ReLU kink.
    const inputs = { y: randomTensor([2, 3, 8, 8], 3, 0, 255), t: randomTensor([2, 3, 8, 8], 4, 0, 255) };
    const errors = await checkGradients((y, t) => term.graph(ctx(y!.graph)).loss(pass(y!, t!))!, inputs, { eps: 0.05, tol: 5e-3 });
    assert.ok(errors.y! < 5e-3, `relative error ${errors.y}`);
  });
}

test('teacher-style compares each image with its own teacher image (per-image Grams), and is 0 for the teacher itself', async () => {
  const g = new Graph('t');
  const y = g.input('y', 'float32', [2, 3, 8, 8]);
  const t = g.input('t', 'float32', [2, 3, 8, 8]);
  g.output(teacherStyleTerm.graph(ctx(g)).loss(pass(y, t))!, 'loss');
  const s = await createSession(toOnnx(g), { threads: 1 });
  const a = randomTensor([2, 3, 8, 8], 5, 0, 255);
  const b = randomTensor([2, 3, 8, 8], 6, 0, 255);
  const loss = async (yy: Tensor, tt: Tensor) => (await s.run({ y: yy, t: tt })).loss!.data[0] as number;
  assert.equal(await loss(a, a), 0);
  // Swapping the two images of the batch in the target changes the loss: targets are per image, not pooled.
  const swapped = randomTensor([2, 3, 8, 8], 0);
  const half = 3 * 64;
  swapped.data.set(a.data.subarray(half), 0);
  swapped.data.set(a.data.subarray(0, half), half);
  assert.ok((await loss(a, swapped)) > 0);
  assert.ok((await loss(b, a)) > 0);
  await s.release();
});

test('a toy student distilled through the loss network ends closer to its teacher in feature space than with pixel MSE alone', async () => {
  const dir = tempDir('stylecast-pdistill-');
  const data = await trainingSet(dir, 6);
  // A wider teacher than the student can copy exactly.
  const teacherFile = join(dir, 'teacher.onnx');
  writeFileSync(teacherFile, tinyModel({ width: 8, blocks: 2, head: 'tanh' }, 11).onnx);
  const base: TrainOptions = {
    style: data.style, content: data.content, output: '', size: 32, batch: 2, steps: 40, seed: 2,
    config: { ...PRESETS.torch, width: 4, blocks: 1, firstKernel: 3, lastKernel: 3, head: 'tanh' }, vgg, threads: 1,
    teacher: teacherFile, checkpointEvery: 1000, adam: { lr: 5e-3 },
  };
  // Equal steps, equal data; only the distillation term differs. At the start the pixel term is ~5.8e3
  // here, the feature terms ~0.34 and ~0.003 unweighted: these weights put each at the pixel term's scale.
  const pixel = join(dir, 'pixel.onnx');
  const perceptual = join(dir, 'perceptual.onnx');
  await train({ ...base, output: pixel, weights: { content: 0, style: 0, tv: 0, distill: 1 } });
  await train({ ...base, output: perceptual, weights: { content: 0, style: 0, tv: 0, 'teacher-content': 1e4, 'teacher-style': 1e6 } });

  // Distances to the teacher on the training photos, measured outside training.
  const photos = await Promise.all((await listImages(data.content)).map((f) => decodeImage(f, { fit: { mode: 'cover', width: 32, height: 32 }, pixels: 'rgb' })));
  const x = imagesToTensor(photos);
  const run = async (file: string) => {
    const s = await createSession((await readModelFile(file)).onnx, { threads: 1 });
    const out = (await s.run({ input: x })).output as Tensor<'float32'>;
    await s.release();
    return out;
  };
  const g = new Graph('distance');
  const y = g.input('y', 'float32', x.dims);
  const t = g.input('t', 'float32', x.dims);
  const fy = vggFeatures(y, vgg, [CONTENT, ...STYLE]);
  const ft = vggFeatures(t, vgg, [CONTENT, ...STYLE]);
  g.output(contentLoss(fy.get(CONTENT)!, ft.get(CONTENT)!), 'features');
  g.output(styleLoss(fy, new Map(STYLE.map((l) => [l, gram(ft.get(l)!)]))), 'grams');
  const d = await createSession(toOnnx(g), { threads: 1 });
  const teacherOut = await run(teacherFile);
  const distance = async (file: string) => {
    const r = await d.run({ y: await run(file), t: teacherOut });
    return { features: r.features!.data[0] as number, grams: r.grams!.data[0] as number };
  };
  const [p, q] = [await distance(pixel), await distance(perceptual)];
  await d.release();
  assert.ok(q.grams < p.grams, `Gram distance: perceptual ${q.grams} vs pixel ${p.grams}`);
  assert.ok(q.features < p.features, `feature distance: perceptual ${q.features} vs pixel ${p.features}`);
});
