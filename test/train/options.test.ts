import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readModelFile, transformerOf } from '../../src/models/modelfile.js';
import { PRESETS } from '../../src/models/transformer.js';
import { DEFAULT_MOTION } from '../../src/temporal/stability.js';
import { DEFAULT_ADAM } from '../../src/train/adam.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { resolveOptions, runInfo, TRAIN_DEFAULTS, type TrainOptions } from '../../src/train/options.js';
import { BUILT_IN_TERMS } from '../../src/train/terms/index.js';
import { train } from '../../src/train/trainer.js';
import { tempDir } from '../helpers/tmp.js';
import { tinyVgg, trainingSet } from '../helpers/train.js';

test('every default is applied by resolveOptions, from TRAIN_DEFAULTS and the terms', () => {
  const vgg = tinyVgg();
  const r = resolveOptions({ style: 's.png', content: 'photos', output: 'out/m.onnx', steps: 10, vgg }, vgg);
  assert.equal(r.size, TRAIN_DEFAULTS.size);
  assert.equal(r.batch, TRAIN_DEFAULTS.batch);
  assert.equal(r.seed, TRAIN_DEFAULTS.seed);
  assert.equal(r.styleSize, TRAIN_DEFAULTS.size);
  assert.deepEqual(r.config, PRESETS.torch);
  assert.deepEqual(r.adam, DEFAULT_ADAM);
  assert.deepEqual(r.motion, DEFAULT_MOTION);
  assert.equal(r.schedule, 'constant');
  assert.equal(r.checkpoint, 'out/m.onnx.ckpt');
  assert.equal(r.terms, BUILT_IN_TERMS);
  assert.deepEqual(r.weights, { temporal: 0, content: 1e5, style: 1e10, tv: 1e-6, distill: 0, 'teacher-content': 0, 'teacher-style': 0 });
  assert.deepEqual([r.contentLayer, r.styleLayers], ['relu2_2', ['relu1_2', 'relu2_2', 'relu3_3']]);

  const caffe = resolveOptions({ style: 's', content: 'c', output: 'o', steps: 1, vgg, weights: { tv: 2 }, adam: { lr: 0.1 }, motion: { shift: 1 } }, { ...vgg, preprocess: 'caffe' });
  assert.ok(caffe.weights.content! < 1e5 && caffe.weights.style! < 1e10, 'caffe VGGs scale the perceptual defaults');
  assert.equal(caffe.weights.tv, 2);
  assert.deepEqual(caffe.adam, { ...DEFAULT_ADAM, lr: 0.1 });
  assert.deepEqual(caffe.motion, { ...DEFAULT_MOTION, shift: 1 });
  // A resumed run trains the checkpoint's architecture.
  assert.equal(resolveOptions({ style: 's', content: 'c', output: 'o', steps: 1, vgg, config: PRESETS.engstrom }, vgg, PRESETS.torch).config, PRESETS.torch);
});

test('the resolved options reach the checkpoint run info and the model provenance unchanged', async () => {
  const dir = tempDir('stylecast-options-');
  const data = await trainingSet(dir);
  const vgg = tinyVgg();
  const o: TrainOptions = {
    style: data.style, content: data.content, output: join(dir, 'm.onnx'), size: 32, batch: 2, steps: 2, vgg, threads: 1,
    config: { ...PRESETS.torch, width: 4, blocks: 1 }, checkpointEvery: 1000, keepCheckpoint: true, schedule: 'cosine', clipNorm: 5,
    weights: { temporal: 3, tv: 1e-5 }, motion: { zoom: 0.01 }, adam: { beta1: 0.8 },
  };
  await train(o);
  const expected = runInfo(resolveOptions(o, vgg));
  assert.deepEqual(Object.keys(expected), ['size', 'batch', 'seed', 'weights', 'adam', 'schedule', 'clipNorm', 'motion', 'totalSteps']);
  assert.deepEqual((await readCheckpoint(join(dir, 'm.onnx.ckpt'))).run, expected);
  const provenance = transformerOf(await readModelFile(o.output), 'test').info.provenance!;
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(provenance[k], v, k);
  // The stability term records its motion only when it is weighted.
  assert.equal(runInfo(resolveOptions({ ...o, weights: {} }, vgg)).motion, undefined);
});
