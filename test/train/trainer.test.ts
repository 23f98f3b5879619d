import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PRESETS } from '../../src/models/transformer.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { train, type TrainEvent, type TrainOptions } from '../../src/train/trainer.js';
import { tempDir } from '../helpers/tmp.js';
import { tinyVgg, trainingSet } from '../helpers/train.js';

const dir = tempDir('stylecast-train-');
const data = await trainingSet(dir);
const tiny = { ...PRESETS.torch, width: 4, blocks: 1 };
const base = (name: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  style: data.style, content: data.content, output: join(dir, `${name}.onnx`), size: 32, batch: 2, steps: 4,
  config: tiny, vgg: tinyVgg(), threads: 1, checkpointEvery: 1000, ...extra,
});

test('a few steps on tiny images lower the loss', async () => {
  const r = await train(base('fit', { steps: 24, adam: { lr: 0.02 }, weights: { content: 1, style: 1e5, tv: 1e-6 } }));
  const totals = r.history.map((h) => h.losses.total!);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.equal(totals.length, 24);
  assert.ok(mean(totals.slice(-4)) < 0.7 * mean(totals.slice(0, 4)), `loss went ${totals[0]} -> ${totals.at(-1)}`);
});

test('a corrupt photo is skipped, warned about once and reported at the end', async () => {
  const content = join(dir, 'photos');
  writeFileSync(join(content, 'broken.jpg'), Buffer.from('this is not a jpeg'));
  const png = readFileSync(join(content, 'p0.jpg'));
  writeFileSync(join(content, 'nested', 'truncated.jpg'), png.subarray(0, png.length >> 1));
  try {
    const events: TrainEvent[] = [];
    const r = await train(base('skip', { steps: 6 }), (e) => events.push(e));
    const skipped = [join(content, 'broken.jpg'), join(content, 'nested', 'truncated.jpg')];
    assert.deepEqual([...r.skipped].sort(), skipped);
    assert.deepEqual(events.filter((e) => e.type === 'skip').map((e) => (e as { file: string }).file).sort(), skipped);
    const done = events.find((e) => e.type === 'done') as Extract<TrainEvent, { type: 'done' }>;
    assert.equal(done.skipped.length, 2);
    assert.equal(done.steps, 6);
  } finally {
    const { rmSync } = await import('node:fs');
    rmSync(join(content, 'broken.jpg'));
    rmSync(join(content, 'nested', 'truncated.jpg'));
  }
});

test('clear errors: missing style image, empty content folder, size not divisible by 4', async () => {
  await assert.rejects(train(base('e1', { style: join(dir, 'nope.jpg') })), /^Error: style image .*nope\.jpg: no such file$/);
  const empty = tempDir('stylecast-empty-');
  await assert.rejects(train(base('e2', { content: empty })), /content folder .* has no JPEG, PNG or WebP photos/);
  await assert.rejects(train(base('e3', { size: 30 })), /--size must be a multiple of 4.*got 30/);
});

test('a non-finite loss stops the run and leaves the last good checkpoint intact', async () => {
  const ckpt = join(dir, 'nan.ckpt');
  await train(base('nan', { steps: 2, checkpoint: ckpt, checkpointEvery: 1, keepCheckpoint: true }));
  const before = readFileSync(ckpt);
  await assert.rejects(
    train(base('nan', { steps: 4, checkpoint: ckpt, checkpointEvery: 1, resume: ckpt, weights: { tv: Number.POSITIVE_INFINITY } })),
    /step 3: loss 'tv' is Infinity; training stopped, the last good checkpoint .*nan\.ckpt \(step 2\) is intact/,
  );
  await assert.rejects(
    train(base('nan', { steps: 4, checkpoint: ckpt, checkpointEvery: 1, resume: ckpt, adam: { lr: Number.NaN } })),
    /step 3: the parameters are no longer finite after the update; .*\(step 2\) is intact/,
  );
  assert.ok(readFileSync(ckpt).equals(before));
  const c = await readCheckpoint(ckpt);
  assert.equal(c.step, 2);
  for (const p of c.params.values()) assert.ok(p.every(Number.isFinite));
});

test('a finished run removes its checkpoint unless keepCheckpoint; the model file is written either way', async () => {
  await train(base('finished', { steps: 1 }));
  assert.ok(existsSync(join(dir, 'finished.onnx')));
  assert.ok(!existsSync(join(dir, 'finished.onnx.ckpt')), 'checkpoint removed');
  await train(base('kept', { steps: 1, keepCheckpoint: true }));
  assert.equal((await readCheckpoint(join(dir, 'kept.onnx.ckpt'))).step, 1);
});
