import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkWeights, countCost, paramSpecs, PRESETS, randomWeights, type TransformerConfig } from '../../src/models/transformer.js';
import { f32 } from '../../src/graph/tensor.js';

const nParams = (c: TransformerConfig) => paramSpecs(c).reduce((s, p) => s + p.dims.reduce((a, b) => a * b, 1), 0);

test('pytorch-examples TransformerNet has 1,679,235 parameters', () => {
  assert.equal(nParams(PRESETS.torch), 1_679_235);
});

test('engstrom network: 48 variables worth of parameters, no conv bias', () => {
  // 7 convs + 10 residual convs, each with an instance norm (scale + shift).
  const convs = 3 * 32 * 81 + 32 * 64 * 9 + 64 * 128 * 9 + 10 * 128 * 128 * 9 + 128 * 64 * 9 + 64 * 32 * 9 + 32 * 3 * 81;
  const norms = 2 * (32 + 64 + 128 + 10 * 128 + 64 + 32 + 3);
  assert.equal(nParams(PRESETS.engstrom), convs + norms);
  assert.ok(!paramSpecs(PRESETS.engstrom).some((p) => p.name.endsWith('conv2d.bias')));
});

test('students shrink with width and blocks', () => {
  const student = { ...PRESETS.torch, width: 16, blocks: 2 };
  assert.ok(nParams(student) < nParams(PRESETS.torch) / 8);
  // The full-resolution 9x9 convs only halve with width, so MACs shrink less than parameters.
  const ratio = countCost(PRESETS.torch, 64, 64).macs / countCost(student, 64, 64).macs;
  assert.ok(ratio > 4 && ratio < 8, `MAC ratio ${ratio}`);
});

test('checkWeights names the first missing or misshapen parameter', () => {
  const c = { ...PRESETS.torch, width: 4, blocks: 1 };
  const w = randomWeights(c);
  assert.doesNotThrow(() => checkWeights(c, w));
  const missing = new Map(w);
  missing.delete('in2.bias');
  assert.throws(() => checkWeights(c, missing), /missing parameter 'in2.bias'/);
  const wrong = new Map(w);
  wrong.set('conv1.conv2d.weight', f32([4, 3, 3, 3]));
  assert.throws(() => checkWeights(c, wrong), /'conv1.conv2d.weight' has shape \[4, 3, 3, 3\] but the architecture needs \[4, 3, 9, 9\]/);
  const extra = new Map(w);
  extra.set('res.7.in1.weight', f32([16]));
  assert.throws(() => checkWeights(c, extra), /unexpected parameter 'res.7.in1.weight'/);
});

test('invalid architectures are refused with the reason', () => {
  assert.throws(() => paramSpecs({ ...PRESETS.torch, firstKernel: 4 }), /kernels must be odd/);
  assert.throws(() => paramSpecs({ ...PRESETS.torch, width: 0 }), /width must be a positive integer/);
  assert.throws(() => paramSpecs({ ...PRESETS.torch, padding: 'circular' as 'same' }), /padding must be reflect or same/);
});

test('random weights are reproducible per seed', () => {
  const c = { ...PRESETS.torch, width: 4, blocks: 1 };
  const a = randomWeights(c, 7).get('conv2.conv2d.weight')!.data;
  const b = randomWeights(c, 7).get('conv2.conv2d.weight')!.data;
  const d = randomWeights(c, 8).get('conv2.conv2d.weight')!.data;
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, d);
});
