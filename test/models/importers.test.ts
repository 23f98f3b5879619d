import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importEngstrom } from '../../src/models/importers/engstrom.js';
import { importTorch } from '../../src/models/importers/torch.js';
import { permute4 } from '../../src/io/raw-tensors.js';
import { f32 } from '../../src/graph/tensor.js';
import { PRESETS } from '../../src/models/transformer.js';
import { mirrorPath, needsMirror } from '../helpers/assets.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir();
const copy = (rel: string, name: string) => {
  const d = join(tmp, name);
  cpSync(mirrorPath(rel), d, { recursive: true });
  return d;
};

test('permute4 matches numpy.transpose', () => {
  const t = f32([2, 3, 1, 2], Array.from({ length: 12 }, (_, i) => i));
  const p = permute4(t, [3, 2, 0, 1]);
  assert.deepEqual(p.dims, [2, 1, 2, 3]);
  // p[d, c, a, b] = t[a, b, c, d]; t index = a*6 + b*2 + c*2 + d with c = 0
  assert.deepEqual(Array.from(p.data), [0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11]);
});

test('engstrom checkpoint: missing and short files are named', { skip: needsMirror('teachers/engstrom/wave') }, async () => {
  const d = copy('teachers/engstrom/wave', 'wave-missing');
  rmSync(join(d, 'Variable_12'));
  await assert.rejects(importEngstrom(d), /cannot read .*Variable_12 \(ENOENT\)/);
  const s = copy('teachers/engstrom/wave', 'wave-short');
  writeFileSync(join(s, 'Variable_3'), readFileSync(join(s, 'Variable_3')).subarray(0, 100));
  await assert.rejects(importEngstrom(s), /Variable_3 has 100 bytes, but shape \[3, 3, 32, 64\] needs 73728/);
});

test('engstrom checkpoint does not fit a different width', { skip: needsMirror('teachers/engstrom/wave') }, async () => {
  await assert.rejects(importEngstrom(mirrorPath('teachers/engstrom/wave'), { ...PRESETS.engstrom, width: 16 }), /has shape \[32, 3, 9, 9\] but the architecture needs \[16, 3, 9, 9\]/);
});

test('torch manifest: a shape that does not fit the config is named', { skip: needsMirror('teachers/pytorch-examples/candy') }, async () => {
  await assert.rejects(importTorch(mirrorPath('teachers/pytorch-examples/candy'), { ...PRESETS.torch, blocks: 3 }), /unexpected parameter 'res\.3\./);
  const d = copy('teachers/pytorch-examples/candy', 'candy-missing');
  rmSync(join(d, 'in3.bias.bin'));
  await assert.rejects(importTorch(d), /cannot read .*in3\.bias\.bin \(ENOENT\)/);
  writeFileSync(join(d, 'manifest.json'), '{not json');
  await assert.rejects(importTorch(d), /manifest\.json is not valid JSON/);
});
