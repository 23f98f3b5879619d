import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { readModelFile, transformerOf } from '../../src/models/modelfile.js';
import { normParamNames } from '../../src/models/styles.js';
import { PRESETS, type TransformerConfig } from '../../src/models/transformer.js';
import { Stylizer } from '../../src/runtime/stylizer.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { train, type TrainEvent, type TrainOptions } from '../../src/train/trainer.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';
import { tinyVgg, trainingSet } from '../helpers/train.js';

const dir = tempDir('stylecast-multi-train-');
const data = await trainingSet(dir);
// A second painting unlike the first: a saturated stripe pattern.
const stripes = join(dir, 'stripes.png');
await sharp(Buffer.from(Array.from({ length: 48 * 40 * 3 }, (_, i) => ((Math.floor(i / 3) % 48) % 8 < 4 ? [250, 30, 200] : [10, 220, 40])[i % 3]!)), { raw: { width: 48, height: 40, channels: 3 } }).png().toFile(stripes);
const teachers = [join(dir, 'teacher-a.onnx'), join(dir, 'teacher-b.onnx')];
writeFileSync(teachers[0]!, tinyModel({}, 11).onnx);
writeFileSync(teachers[1]!, tinyModel({}, 12).onnx);

const config: TransformerConfig = { ...PRESETS.torch, width: 4, blocks: 1, firstKernel: 3, lastKernel: 3, head: 'tanh' };
const styles = [
  { name: 'blobs', image: data.style, teacher: teachers[0]! },
  { name: 'stripes', image: stripes, teacher: teachers[1]! },
];
const base = (name: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  styles, content: data.content, output: join(dir, `${name}.onnx`), size: 16, batch: 1, steps: 8, config, vgg: tinyVgg(), threads: 1,
  checkpointEvery: 1000, adam: { lr: 0.05 }, weights: { content: 1, style: 1e5, distill: 1e-3, 'teacher-style': 1e5 }, ...extra,
});

const photo = { width: 24, height: 16, channels: 3 as const, data: Uint8Array.from({ length: 24 * 16 * 3 }, (_, i) => (i * 29) % 256) };
const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};

test('2-style training, round-robin: the model lists its styles, they paint differently, and a 50/50 mix lies between them', async () => {
  const events: TrainEvent[] = [];
  await train(base('two'), (e) => events.push(e));
  const steps = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step');
  assert.deepEqual(steps.map((e) => e.style), ['blobs', 'stripes', 'blobs', 'stripes', 'blobs', 'stripes', 'blobs', 'stripes']);
  const m = transformerOf(await readModelFile(join(dir, 'two.onnx')), 'test');
  assert.equal(m.config.styles, 2);
  assert.deepEqual(m.styles!.map((s) => [s.name, s.teacher, s.image]), [['blobs', teachers[0], 'style.png'], ['stripes', teachers[1], 'stripes.png']]);
  assert.match(m.styles![1]!.imageSha256!, /^[0-9a-f]{64}$/);
  assert.equal(m.info.style, 'blobs, stripes');
  assert.deepEqual((m.info.provenance!.styles as { name: string }[]).map((s) => s.name), ['blobs', 'stripes']);
  const s = await Stylizer.create(m, { shared: false });
  try {
    const [a, b, mix] = await Promise.all(['blobs', 'stripes', { blobs: 1, stripes: 1 }].map((style) => s.stylizeFloat(photo, { style })));
    const ab = dist(a!, b!);
    assert.ok(ab > 2, `the styles differ by ${ab.toFixed(2)} levels on average`);
    assert.ok(dist(mix!, a!) < ab && dist(mix!, b!) < ab, `mix-a ${dist(mix!, a!)}, mix-b ${dist(mix!, b!)}, a-b ${ab}`);
    // Per pixel, the mix is between the two styles for most values that differ.
    let differ = 0;
    let between = 0;
    for (let i = 0; i < a!.length; i++) {
      if (Math.abs(a![i]! - b![i]!) < 4) continue;
      differ++;
      if (mix![i]! >= Math.min(a![i]!, b![i]!) - 1 && mix![i]! <= Math.max(a![i]!, b![i]!) + 1) between++;
    }
    assert.ok(between >= 0.6 * differ, `${between} of ${differ} differing values lie between the styles`);
  } finally {
    await s.release();
  }
});

test('a multi-style run resumes exactly: 4 steps, then 4 more, equal the same 8 steps in one run', async () => {
  const ckpt = join(dir, 'resume.ckpt');
  await train(base('straight', { steps: 8 }));
  await train(base('split', { steps: 4, checkpoint: ckpt, keepCheckpoint: true }));
  const c = await readCheckpoint(ckpt);
  assert.equal(c.config.styles, 2);
  assert.deepEqual((c.run.styles as { name: string }[]).map((s) => s.name), ['blobs', 'stripes']);
  // The history names each step's style (the loss chart draws a line per style from it).
  assert.deepEqual(c.history.map((h) => [h.step, h.style]), [[1, 'blobs'], [2, 'stripes'], [3, 'blobs'], [4, 'stripes']]);
  await assert.rejects(train({ ...base('other', { steps: 8, resume: ckpt }), styles: styles.slice(0, 1) }), /the checkpoint's architecture differs from the one asked for/);
  await train(base('split', { steps: 8, checkpoint: ckpt, resume: ckpt }));
  const [x, y] = await Promise.all(['straight', 'split'].map(async (n) => transformerOf(await readModelFile(join(dir, `${n}.onnx`)), 'test')));
  for (const [name, t] of x!.weights) assert.deepEqual(y!.weights.get(name)!.data, t.data, name);
});

test('multi-style option errors: names, teachers, a single style alongside', async () => {
  await assert.rejects(train(base('e', { styles: [styles[0]!, { ...styles[1]!, name: 'blobs' }] })), /style name 'blobs' is used twice/);
  await assert.rejects(train(base('e', { styles: [styles[0]!, { name: 'stripes', image: stripes }] })), /a distillation weight needs a teacher for every style \(style 'stripes' has none/);
  await assert.rejects(train(base('e', { style: data.style })), /a multi-style run gives each style its image and teacher/);
  await assert.rejects(train(base('e', { config: { ...config, styles: 3 } })), /the network has 3 style rows but 2 styles are given/);
});

test('trainable parameters: the others keep their starting values bit for bit, and a frozen run checkpoints and resumes', async () => {
  const trainable = normParamNames({ ...config, styles: 2 });
  const ckpt = join(dir, 'frozen.ckpt');
  const init = transformerOf(await readModelFile(join(dir, 'two.onnx')), 'test');
  const opts = base('frozen', { init: init.weights, trainable, steps: 2, checkpoint: ckpt, keepCheckpoint: true });
  await train(opts);
  const c = await readCheckpoint(ckpt);
  assert.deepEqual([...c.adam.m.keys()].sort(), [...trainable].sort(), 'moments for the trained parameters only');
  await train({ ...opts, steps: 4, resume: ckpt });
  const m = transformerOf(await readModelFile(join(dir, 'frozen.onnx')), 'test');
  let moved = 0;
  for (const [name, t] of init.weights) {
    const same = t.data.every((v, i) => v === m.weights.get(name)!.data[i]);
    if (trainable.includes(name)) moved += same ? 0 : 1;
    else assert.ok(same, `${name} is frozen`);
  }
  assert.ok(moved > 0);
  await assert.rejects(train(base('e', { trainable: ['conv9.weight'] })), /trainable parameter 'conv9.weight' is not a parameter of the network/);
});

test('a time budget stops the run at a step boundary, writes the model, and counts over a resume', async () => {
  const events: TrainEvent[] = [];
  const ckpt = join(dir, 'budget.ckpt');
  await train(base('budget', { steps: 1000, budgetSeconds: 1e-6, checkpoint: ckpt, keepCheckpoint: true }), (e) => events.push(e));
  assert.equal(events.filter((e) => e.type === 'step').length, 1);
  assert.ok(existsSync(join(dir, 'budget.onnx')));
  const c = await readCheckpoint(ckpt);
  assert.equal(c.step, 1);
  assert.ok(c.elapsedSeconds! > 0);
  // Already spent: a resumed run adds no step.
  const more: TrainEvent[] = [];
  await train(base('budget', { steps: 1000, budgetSeconds: 1e-6, checkpoint: ckpt, resume: ckpt }), (e) => more.push(e));
  assert.equal(more.filter((e) => e.type === 'step').length, 0);
  await assert.rejects(train(base('e', { budgetSeconds: 0 })), /the time budget must be > 0 seconds, got 0/);
});
