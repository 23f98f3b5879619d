import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PRESETS } from '../../src/models/transformer.js';
import { DEFAULT_SWEEP, expandSweep, pointName, readSweepSpec } from '../../src/sweep/grid.js';
import { tempDir } from '../helpers/tmp.js';

test('a grid expands to its Cartesian product over the preset, then the list', () => {
  const points = expandSweep({
    preset: 'engstrom',
    grid: { width: [8, 16], blocks: [1, 3], precision: ['fp32', 'int8'] },
    list: [{ name: 'teacher', preset: 'torch' }, { width: 8, blocks: 1, precision: 'int8' }],
  });
  assert.equal(points.length, 9); // 8 grid points + the teacher; the last list entry repeats a grid point
  assert.equal(points[0]!.name, 'w8-b1-k9/9-transpose-same-full-fp32');
  assert.deepEqual(points[0]!.config, { ...PRESETS.engstrom, width: 8, blocks: 1 });
  assert.equal(points[7]!.name, 'w16-b3-k9/9-transpose-same-full-int8');
  assert.deepEqual(points[8], { name: 'teacher', config: PRESETS.torch, precision: 'fp32' });
  assert.equal(pointName(PRESETS.torch, 'fp16'), 'w32-b5-k9/9-nearest-reflect-full-fp16');
});

test('the default sweep has at least 24 distinct configs covering every knob', () => {
  const points = expandSweep(DEFAULT_SWEEP);
  assert.ok(points.length >= 24, `${points.length} configs`);
  const values = (f: (p: (typeof points)[number]) => unknown) => new Set(points.map(f));
  assert.deepEqual([...values((p) => p.config.blocks)].sort(), [0, 1, 2, 3, 5]);
  assert.deepEqual([...values((p) => p.config.width)].sort((a, b) => (a as number) - (b as number)), [4, 8, 16, 32]);
  assert.deepEqual([...values((p) => p.config.firstKernel)].sort(), [3, 5, 9]);
  assert.equal(values((p) => p.config.upsample).size, 2);
  assert.equal(values((p) => p.config.padding).size, 2);
  assert.equal(values((p) => p.config.residual).size, 2);
  assert.equal(values((p) => p.precision).size, 3);
});

test('bad sweep specs fail with one line naming the entry and the problem', async () => {
  assert.throws(() => expandSweep({ list: [{ widht: 8 } as never] }), /^Error: sweep config list\[0\]: unknown field 'widht'$/);
  assert.throws(() => expandSweep({ list: [{ precision: 'int4' as never }] }), /list\[0\]: precision must be fp32, fp16, int8/);
  assert.throws(() => expandSweep({ grid: { firstKernel: [4] } }), /grid\[0\]: invalid architecture: kernels must be odd/);
  assert.throws(() => expandSweep({ grid: { width: [] } }), /grid\.width: expected a non-empty list/);
  assert.throws(() => expandSweep({}), /no points/);
  const dir = tempDir();
  writeFileSync(join(dir, 'bad.json'), '{ "grid": ');
  await assert.rejects(readSweepSpec(join(dir, 'bad.json')), /sweep config: .*bad\.json is not valid JSON/);
  await assert.rejects(readSweepSpec(join(dir, 'missing.json')), /sweep config: cannot read .*missing\.json \(ENOENT\)/);
});
