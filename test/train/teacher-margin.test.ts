import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { f32 } from '../../src/graph/tensor.js';
import { PRESETS } from '../../src/models/transformer.js';
import { checkOptions } from '../../src/train/options.js';
import type { ResolvedTrainOptions } from '../../src/train/spec.js';
import { cropBorder, reflectPad, teacherRunner } from '../../src/train/teacher.js';
import { tinyModel } from '../helpers/models.js';
import { tempDir } from '../helpers/tmp.js';

test('reflectPad mirrors without repeating the edge (ONNX Pad reflect); cropBorder takes it back off', () => {
  // One 2x3 plane: rows [1 2 3], [4 5 6].
  const t = f32([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]);
  const p = reflectPad(t, 1);
  assert.deepEqual(p.dims, [1, 1, 4, 5]);
  // Row order 5 4 5 6 5 / 2 1 2 3 2 / 5 4 5 6 5 / 2 1 2 3 2: row -1 mirrors row 1, column -1 column 1.
  assert.deepEqual([...p.data], [5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 2, 1, 2, 3, 2]);
  const big = f32([2, 3, 5, 7], Float32Array.from({ length: 210 }, (_, i) => i));
  for (const m of [3, 12]) {
    const back = cropBorder(reflectPad(big, m), m);
    assert.deepEqual(back.dims, big.dims);
    assert.deepEqual([...back.data], [...big.data], `margin ${m}`);
  }
  // Wider than the image: it folds back and forth (1 2 3 -> 1 2 3 2 [1 2 3] 2 1 2 3).
  assert.deepEqual([...reflectPad(f32([1, 1, 1, 3], [1, 2, 3]), 4).data.subarray(4 * 11, 5 * 11)], [1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3]);
});

test("with a margin, a teacher that paints a frame along the border (zero padding) no longer does: the student's target has none", async () => {
  // Engstrom-style SAME zero padding: on a flat photo the pixels near the border see zeros. (Random
  // transposed convs paint a pattern of period 4, so the middle is periodic rather than flat.)
  const teacher = tinyModel({ ...PRESETS.engstrom, width: 4, blocks: 1, firstKernel: 3, lastKernel: 3 }, 3);
  const file = join(tempDir('stylecast-margin-'), 'teacher.onnx');
  writeFileSync(file, teacher.onnx);
  const flat = f32([1, 3, 32, 32], new Float32Array(3 * 1024).fill(120));
  /** Largest difference between an edge row or column and the interior one 8 pixels in (same phase). */
  const frame = async (margin: number) => {
    const runner = teacherRunner({ teacherMargin: margin, threads: 1 } as ResolvedTrainOptions, file);
    const out = await (await runner.open())(flat);
    await runner.release();
    assert.deepEqual(out.dims, [1, 3, 32, 32]);
    const at = (y: number, x: number) => out.data[y * 32 + x]!;
    let d = 0;
    for (let i = 0; i < 32; i++) d = Math.max(d, Math.abs(at(0, i) - at(8, i)), Math.abs(at(31, i) - at(23, i)), Math.abs(at(i, 0) - at(i, 8)), Math.abs(at(i, 31) - at(i, 23)));
    return d;
  };
  assert.ok((await frame(0)) > 1, 'without context the border differs from the interior');
  // The receptive field reaches 19 px into the zero padding here (3x3 convs at 1, 1/2 and 1/4 resolution).
  assert.ok((await frame(24)) < 1e-3, 'with context the border is painted like the interior');
});

test('--teacher-margin must be a whole number of pixels', () => {
  const base = { style: 'a.jpg', content: 'photos', output: 'o.onnx', steps: 1, size: 64, vgg: 'vgg19-block1-3' };
  assert.throws(() => checkOptions({ ...base, teacherMargin: -1 }), /--teacher-margin must be a whole number of pixels >= 0, got -1/);
  assert.throws(() => checkOptions({ ...base, teacherMargin: 1.5 }), /got 1.5/);
  checkOptions({ ...base, teacherMargin: 0 });
  checkOptions({ ...base, teacherMargin: 200 });
});
