import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readModelFile, transformerOf } from '../../src/models/modelfile.js';
import { PRESETS } from '../../src/models/transformer.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { BUILT_IN_TERMS } from '../../src/train/terms/index.js';
import { train, type TrainEvent, type TrainOptions } from '../../src/train/trainer.js';
import { tempDir } from '../helpers/tmp.js';
import { tinyVgg, trainingSet } from '../helpers/train.js';
import { toyTerm } from './toy-term.js';

const dir = tempDir('stylecast-terms-');
const data = await trainingSet(dir);
const base = (name: string, extra: Partial<TrainOptions>): TrainOptions => ({
  style: data.style, content: data.content, output: join(dir, `${name}.onnx`), size: 32, batch: 2, steps: 3,
  config: { ...PRESETS.torch, width: 4, blocks: 1 }, vgg: tinyVgg(), threads: 1, checkpointEvery: 1000, keepCheckpoint: true, ...extra,
});

test('a term registered by the caller trains: fed every step, logged, in the total, in the run metadata', async () => {
  const toy = toyTerm();
  const events: TrainEvent[] = [];
  const o = base('toy', { terms: [...BUILT_IN_TERMS, toy.term], weights: { toy: 1e-3 } });
  const r = await train(o, (e) => events.push(e));

  assert.deepEqual(toy.seen.fedSteps, [0, 1, 2]);
  assert.ok(toy.seen.released);
  const steps = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step');
  assert.equal(steps.length, 3);
  for (const { losses: l } of steps) {
    assert.deepEqual(Object.keys(l), ['content', 'style', 'tv', 'toy', 'total']);
    assert.ok(l.toy! > 0);
    assert.ok(Math.abs(l.total! - (l.content! + l.style! + l.tv! + l.toy!)) <= 1e-5 * l.total!, 'the toy term is in the total');
  }
  assert.equal(r.history.length, 3);

  const run = (await readCheckpoint(`${o.output}.ckpt`)).run as { weights: Record<string, number>; toyTarget: string };
  assert.equal(run.weights.toy, 1e-3);
  assert.equal(run.toyTarget, '100 + step');
  const p = transformerOf(await readModelFile(o.output), 'test').info.provenance as typeof run;
  assert.deepEqual([p.weights.toy, p.toyTarget], [1e-3, '100 + step']);
});

test('a monitored term with weight 0 is logged outside the total; an unmonitored one is not built', async () => {
  const monitored = toyTerm({ monitored: true });
  const r = await train(base('toy-monitor', { terms: [...BUILT_IN_TERMS, monitored.term] }));
  for (const { losses: l } of r.history) {
    assert.ok(l.toy! > 0);
    assert.ok(Math.abs(l.total! - (l.content! + l.style! + l.tv!)) <= 1e-5 * l.total!, 'the monitored term stays out of the total');
  }
  const off = toyTerm();
  const r2 = await train(base('toy-off', { terms: [...BUILT_IN_TERMS, off.term], steps: 1 }));
  assert.equal(r2.history[0]!.losses.toy, undefined);
  assert.deepEqual(off.seen.fedSteps, []);
});

test('weights for a term that is not registered are an error', async () => {
  await assert.rejects(train(base('unknown', { weights: { toy: 1 } })), /weights for unknown loss terms: toy \(terms: temporal, content, style, tv, distill, teacher-content, teacher-style\)/);
});
